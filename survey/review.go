package survey

import "net/http"

func (s *Server) handleReview(w http.ResponseWriter, r *http.Request) {
	s.fail(w, r, Errorf(ENotFound, "err.not_found"))
}

func (s *Server) handleReviewDecide(w http.ResponseWriter, r *http.Request) {
	s.fail(w, r, Errorf(ENotFound, "err.not_found"))
}
