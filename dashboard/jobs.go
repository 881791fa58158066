package dashboard

import "net/http"

func (p *pages) handleJobCreate(w http.ResponseWriter, r *http.Request)   { http.NotFound(w, r) }
func (p *pages) handleJob(w http.ResponseWriter, r *http.Request)         { http.NotFound(w, r) }
func (p *pages) handleJobStatus(w http.ResponseWriter, r *http.Request)   { http.NotFound(w, r) }
func (p *pages) handleJobDownload(w http.ResponseWriter, r *http.Request) { http.NotFound(w, r) }
