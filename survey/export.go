package survey

import "net/http"

// handleResponsesCSV is being written.
func (s *Server) handleResponsesCSV(w http.ResponseWriter, r *http.Request) {
	s.fail(w, r, Errorf(ENotFound, "err.not_found"))
}

// handleResponsesXLSX is being written.
func (s *Server) handleResponsesXLSX(w http.ResponseWriter, r *http.Request) {
	s.fail(w, r, Errorf(ENotFound, "err.not_found"))
}
