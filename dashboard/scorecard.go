package dashboard

import "net/http"

func (p *pages) handleScorecard(w http.ResponseWriter, r *http.Request)    { http.NotFound(w, r) }
func (p *pages) handleScorecardPDF(w http.ResponseWriter, r *http.Request) { http.NotFound(w, r) }
func (p *pages) handlePrint(w http.ResponseWriter, r *http.Request)        { http.NotFound(w, r) }
