package dashboard

import "net/http"

func (p *pages) handleScorecardXLSX(w http.ResponseWriter, r *http.Request) { http.NotFound(w, r) }
func (p *pages) handleRunXLSX(w http.ResponseWriter, r *http.Request)       { http.NotFound(w, r) }
func (p *pages) handleRunExportCSV(w http.ResponseWriter, r *http.Request)  { http.NotFound(w, r) }
