package dashboard

import "net/http"

func (p *pages) handleReport(w http.ResponseWriter, r *http.Request)    { http.NotFound(w, r) }
func (p *pages) handleReportPDF(w http.ResponseWriter, r *http.Request) { http.NotFound(w, r) }
