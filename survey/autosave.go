package survey

import "net/http"

// handleFillAutosave is being written.
func (s *Server) handleFillAutosave(w http.ResponseWriter, r *http.Request) {
	s.fail(w, r, Errorf(ENotFound, "err.not_found"))
}
