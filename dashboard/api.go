package dashboard

import "net/http"

func (p *pages) apiCampaigns(w http.ResponseWriter, r *http.Request)    { http.NotFound(w, r) }
func (p *pages) apiCampaignRuns(w http.ResponseWriter, r *http.Request) { http.NotFound(w, r) }
func (p *pages) apiRun(w http.ResponseWriter, r *http.Request)          { http.NotFound(w, r) }
func (p *pages) apiScores(w http.ResponseWriter, r *http.Request)       { http.NotFound(w, r) }
func (p *pages) apiDepartment(w http.ResponseWriter, r *http.Request)   { http.NotFound(w, r) }
func (p *pages) apiIndicators(w http.ResponseWriter, r *http.Request)   { http.NotFound(w, r) }
func (p *pages) apiMethodology(w http.ResponseWriter, r *http.Request)  { http.NotFound(w, r) }
