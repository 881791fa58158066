package dashboard

import "net/http"

func (p *pages) handleUncertainty(w http.ResponseWriter, r *http.Request)    { http.NotFound(w, r) }
func (p *pages) handleUncertaintyCSV(w http.ResponseWriter, r *http.Request) { http.NotFound(w, r) }
func (p *pages) handleMethodology(w http.ResponseWriter, r *http.Request)    { http.NotFound(w, r) }
func (p *pages) handleMethodologyCSV(w http.ResponseWriter, r *http.Request) { http.NotFound(w, r) }
func (p *pages) handleQuality(w http.ResponseWriter, r *http.Request)        { http.NotFound(w, r) }
func (p *pages) handleQualityCSV(w http.ResponseWriter, r *http.Request)     { http.NotFound(w, r) }
