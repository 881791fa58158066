package survey

import "net/http"

func (s *Server) handleFrameworks(w http.ResponseWriter, r *http.Request)       { http.NotFound(w, r) }
func (s *Server) handleFrameworkUpload(w http.ResponseWriter, r *http.Request)  { http.NotFound(w, r) }
func (s *Server) handleFramework(w http.ResponseWriter, r *http.Request)        { http.NotFound(w, r) }
func (s *Server) handleFrameworkYAML(w http.ResponseWriter, r *http.Request)    { http.NotFound(w, r) }
func (s *Server) handleFrameworkWeights(w http.ResponseWriter, r *http.Request) { http.NotFound(w, r) }
func (s *Server) handleFrameworkWeightsPost(w http.ResponseWriter, r *http.Request) {
	http.NotFound(w, r)
}
