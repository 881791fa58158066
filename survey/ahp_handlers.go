package survey

import "net/http"

func (s *Server) handleAHPCreate(w http.ResponseWriter, r *http.Request) { http.NotFound(w, r) }
func (s *Server) handleAHPRounds(w http.ResponseWriter, r *http.Request) { http.NotFound(w, r) }
func (s *Server) handleAHPRound(w http.ResponseWriter, r *http.Request)  { http.NotFound(w, r) }
func (s *Server) handleAHPSubmit(w http.ResponseWriter, r *http.Request) { http.NotFound(w, r) }
func (s *Server) handleAHPCheck(w http.ResponseWriter, r *http.Request)  { http.NotFound(w, r) }
func (s *Server) handleAHPClose(w http.ResponseWriter, r *http.Request)  { http.NotFound(w, r) }
