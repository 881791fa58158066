package dashboard

import "net/http"

func (p *pages) handleProfile(w http.ResponseWriter, r *http.Request)    { http.NotFound(w, r) }
func (p *pages) handleProfileCSV(w http.ResponseWriter, r *http.Request) { http.NotFound(w, r) }
func (p *pages) handleProvenance(w http.ResponseWriter, r *http.Request) { http.NotFound(w, r) }
func (p *pages) handleCompare(w http.ResponseWriter, r *http.Request)    { http.NotFound(w, r) }
func (p *pages) handleCompareCSV(w http.ResponseWriter, r *http.Request) { http.NotFound(w, r) }
