package survey

import (
	"errors"
	"fmt"
	"net/http"

	"govkpi/survey/instrument"
	"govkpi/survey/xlsform"
)

type instrumentsData struct {
	Instruments []StoredInstrument
	Problems    []string // refusals of the last upload, one a line
}

func (s *Server) handleInstruments(w http.ResponseWriter, r *http.Request) {
	list, err := s.DB.FindInstruments(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	p := s.page(r, "title.instruments")
	p.Data = instrumentsData{Instruments: list}
	s.render(w, r, http.StatusOK, "instruments", p)
}

// instrumentProblems turns a refusal into lines a person can act on: the
// question or the sheet and row.
func instrumentProblems(err error) []string {
	var ye *instrument.Error
	var xe *xlsform.Error
	var out []string
	switch {
	case errors.As(err, &ye):
		for _, p := range ye.Problems {
			out = append(out, p.Where+": "+p.Msg)
		}
	case errors.As(err, &xe):
		for _, p := range xe.Problems {
			where := p.Sheet
			if p.Row > 0 {
				where += fmt.Sprintf(" / %d", p.Row)
			}
			out = append(out, where+": "+p.Msg)
		}
	}
	return out
}

// handleInstrumentUpload stores a YAML or XLSForm questionnaire as a draft,
// or lists every refusal with nothing stored.
func (s *Server) handleInstrumentUpload(w http.ResponseWriter, r *http.Request) {
	f, hdr, err := r.FormFile("file")
	if err != nil {
		s.flash(r, "error", "err.file_required")
		http.Redirect(w, r, "/admin/instruments", http.StatusSeeOther)
		return
	}
	defer f.Close()
	name := truncate(hdr.Filename, 200)
	in, format, err := ParseInstrument(f, name)
	if err == nil {
		var stored *StoredInstrument
		stored, err = s.DB.ImportInstrument(r.Context(), in, format, name)
		if err == nil {
			s.flash(r, "ok", "flash.saved")
			http.Redirect(w, r, "/admin/instruments/"+itoa(stored.ID), http.StatusSeeOther)
			return
		}
	}
	problems := instrumentProblems(err)
	if problems == nil && ErrorCode(err) != EConflict {
		s.fail(w, r, err)
		return
	}
	list, lerr := s.DB.FindInstruments(r.Context())
	if lerr != nil {
		s.fail(w, r, lerr)
		return
	}
	s.audit(r, AuditInstrumentRefused, "file", name, fmt.Sprintf("%d problems", len(problems)))
	p := s.page(r, "title.instruments")
	if len(problems) == 0 {
		var e *Error
		errors.As(err, &e)
		problems = []string{p.T(e.Key, e.Args...)}
	}
	p.Flash, p.FlashKind = "instrument.refused", "error"
	p.Data = instrumentsData{Instruments: list, Problems: problems}
	s.render(w, r, http.StatusUnprocessableEntity, "instruments", p)
}

type instrumentData struct {
	Stored *StoredInstrument
	Inst   *instrument.Instrument
}

// handleInstrument shows a stored questionnaire's sections and questions.
func (s *Server) handleInstrument(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	st, err := s.DB.FindInstrumentByID(r.Context(), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	in, err := st.Instrument()
	if err != nil {
		s.fail(w, r, err)
		return
	}
	p := s.page(r, "title.instrument")
	p.Data = instrumentData{Stored: st, Inst: in}
	s.render(w, r, http.StatusOK, "instrument", p)
}

func (s *Server) handleInstrumentPublish(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if err := s.DB.PublishInstrument(r.Context(), id); err != nil {
		s.fail(w, r, err)
		return
	}
	s.flash(r, "ok", "instrument.published")
	http.Redirect(w, r, "/admin/instruments/"+itoa(id), http.StatusSeeOther)
}
