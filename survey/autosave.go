package survey

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"govkpi/survey/instrument"
)

// fillDiff is one answer of a section that differs between the draft
// stored by someone else ("theirs") and what this official typed ("mine"),
// with the question's label and both values as the form shows them.
type fillDiff struct {
	Name       string `json:"name"`
	Label      string `json:"label"`
	Mine       string `json:"mine"`
	Theirs     string `json:"theirs"`
	MineText   string `json:"mine_text"`
	TheirsText string `json:"theirs_text"`
}

// autosaveReply is the answer to an autosave that was stored (or had
// nothing new to store).
type autosaveReply struct {
	Version  int               `json:"version"`
	SavedAt  string            `json:"saved_at"`
	Errors   map[string]string `json:"errors,omitempty"` // answer name → message; these were not stored
	Relevant map[string]bool   `json:"relevant"`         // question name → applies now, for the section's questions
}

// autosaveConflict is the answer to an autosave based on an outdated
// version whose answers differ from the stored draft.
type autosaveConflict struct {
	Conflict bool              `json:"conflict"`
	Version  int               `json:"version"` // the stored draft's version: save again with it to keep mine
	Theirs   map[string]string `json:"theirs"`
	Mine     map[string]string `json:"mine"`
	Diff     []fillDiff        `json:"diff"`
	Errors   map[string]string `json:"errors,omitempty"`
	Relevant map[string]bool   `json:"relevant"`
}

// handleFillAutosave stores one section of the draft for fill.js.
//
// The body is form-encoded (application/x-www-form-urlencoded) with the
// same names as the filling form: csrf (or the X-CSRF-Token header),
// section, version (the draft version the page holds) and the section's
// answers; a name left out clears its answer, as an unticked box does. The
// checks are those of handleFillPost: another department's assignment is a
// 404 (audited), submitted or approved answers and a campaign that is not
// open are a 409 with the message key in "error".
//
// Answers that fail the section's draft checks are not stored (the stored
// draft keeps its earlier value) and come back in "errors" by answer name;
// the rest is stored. The reply is autosaveReply; when the version is
// outdated and the section's answers differ from the stored draft, nothing
// is stored and the reply is autosaveConflict with status 409.
func (s *Server) handleFillAutosave(w http.ResponseWriter, r *http.Request) {
	fc, err := s.loadFill(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	switch {
	case lockedState(fc.a.State):
		s.fail(w, r, Errorf(EConflict, "err.response_locked"))
		return
	case fc.a.CampaignStatus != "open":
		s.fail(w, r, Errorf(EConflict, "err.campaign_not_open"))
		return
	}
	base, err := strconv.Atoi(r.PostFormValue("version"))
	if err != nil || base < 0 {
		s.fail(w, r, Errorf(EInvalid, "err.bad_request"))
		return
	}
	ctx, id, lang := r.Context(), fc.a.ID, Lang(r.Context())
	sec := sectionIndex(r.PostFormValue("section"), fc.inst)
	draft, err := s.DB.FindDraft(ctx, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	typed := postedAnswers(r, fc.inst, sec, draft.Answers)
	msgs := sectionMessages(fc.inst, sec, typed, lang)
	relevant := sectionRelevance(fc.inst, sec, typed)
	if draft.Version == base {
		clean := cleanSection(fc.inst, sec, typed, draft.Answers, lang)
		if sameAnswers(clean, draft.Answers) {
			writeJSON(w, http.StatusOK, autosaveReply{Version: draft.Version, SavedAt: s.savedAt(draft.UpdatedAt),
				Errors: msgs, Relevant: relevant})
			return
		}
		v, err := s.DB.SaveDraft(ctx, id, clean, base)
		if err == nil {
			writeJSON(w, http.StatusOK, autosaveReply{Version: v, SavedAt: s.savedAt(time.Now()), Errors: msgs, Relevant: relevant})
			return
		}
		if !isStale(err) {
			s.fail(w, r, err)
			return
		}
		// Someone saved between the read and the write: compare with theirs.
		if draft, err = s.DB.FindDraft(ctx, id); err != nil {
			s.fail(w, r, err)
			return
		}
		typed = postedAnswers(r, fc.inst, sec, draft.Answers)
	}
	diff := s.sectionDiff(fc.inst, sec, typed, draft.Answers, lang)
	if len(diff) == 0 {
		// The page is behind, but its section already reads as stored: it
		// only needs the current version.
		writeJSON(w, http.StatusOK, autosaveReply{Version: draft.Version, SavedAt: s.savedAt(draft.UpdatedAt),
			Errors: msgs, Relevant: relevant})
		return
	}
	posted, _ := sectionVariables(fc.inst, sec)
	writeJSON(w, http.StatusConflict, autosaveConflict{Conflict: true, Version: draft.Version,
		Theirs: pick(draft.Answers, posted), Mine: pick(typed, posted), Diff: diff, Errors: msgs, Relevant: relevant})
}

// savedAt formats a save time for the reply, in the server's time zone.
func (s *Server) savedAt(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	loc := s.Config.Location
	if loc == nil {
		loc = time.UTC
	}
	return t.In(loc).Format(time.RFC3339)
}

// sectionRelevance reports which questions of section sec apply to answers.
func sectionRelevance(inst *instrument.Instrument, sec int, answers instrument.Answers) map[string]bool {
	rel := inst.Relevant(answers)
	out := map[string]bool{}
	for _, q := range inst.Sections[sec].Questions {
		if q != nil {
			out[q.Name] = rel[q.Name]
		}
	}
	return out
}

// cleanSection returns typed with every answer of section sec that fails
// the draft checks put back to its stored value, so a stored draft holds
// only answers that pass. A message under a question name that is not an
// answer name (a matrix or rate as a whole) puts back all its answers; when
// answers still fail after that (a rule across questions), the whole
// section keeps its stored values.
func cleanSection(inst *instrument.Instrument, sec int, typed, stored instrument.Answers, lang string) instrument.Answers {
	posted, _ := sectionVariables(inst, sec)
	isPosted := map[string]bool{}
	for _, v := range posted {
		isPosted[v] = true
	}
	out := copyOf(typed)
	restore := func(v string) {
		if old, ok := stored[v]; ok {
			out[v] = old
		} else {
			delete(out, v)
		}
	}
	for range 3 {
		msgs := sectionMessages(inst, sec, out, lang)
		if len(msgs) == 0 {
			return out
		}
		for name := range msgs {
			if isPosted[name] {
				restore(name)
			} else if q := inst.Question(name); q != nil {
				for _, v := range q.Variables() {
					restore(v)
				}
			}
		}
	}
	if len(sectionMessages(inst, sec, out, lang)) == 0 {
		return out
	}
	for _, v := range posted {
		restore(v)
	}
	return out
}

func copyOf(a instrument.Answers) instrument.Answers {
	out := make(instrument.Answers, len(a))
	for k, v := range a {
		out[k] = v
	}
	return out
}

// sameAnswers reports whether a and b hold the same non-empty answers.
func sameAnswers(a, b instrument.Answers) bool {
	n := 0
	for k, v := range a {
		if v == "" {
			continue
		}
		if b[k] != v {
			return false
		}
		n++
	}
	for _, v := range b {
		if v != "" {
			n--
		}
	}
	return n == 0
}

// pick returns the answers of a named in names.
func pick(a instrument.Answers, names []string) map[string]string {
	out := map[string]string{}
	for _, n := range names {
		if v, ok := a[n]; ok && v != "" {
			out[n] = v
		}
	}
	return out
}

// sectionDiff lists the answers of section sec that differ between mine
// and theirs, in the order of the form, labelled in lang. Questions that do
// not apply to mine are left out: the form hides them, and their answers
// are dropped.
func (s *Server) sectionDiff(inst *instrument.Instrument, sec int, mine, theirs instrument.Answers, lang string) []fillDiff {
	var out []fillDiff
	rel := inst.Relevant(mine)
	for _, q := range inst.Sections[sec].Questions {
		if q == nil || !rel[q.Name] || q.Type == instrument.TypeCalculate || q.Type == instrument.TypeNote || q.Type == instrument.TypeHidden {
			continue
		}
		for _, v := range q.Variables() {
			if mine[v] == theirs[v] {
				continue
			}
			out = append(out, fillDiff{Name: v, Label: s.variableLabel(q, v, lang),
				Mine: mine[v], Theirs: theirs[v],
				MineText: s.valueText(q, v, mine[v], lang), TheirsText: s.valueText(q, v, theirs[v], lang)})
		}
	}
	return out
}

// variableLabel names answer v of q for a person: the question's label,
// with the row, the part of a rate or "evidence" after it.
func (s *Server) variableLabel(q *instrument.Question, v, lang string) string {
	label := q.Label.In(lang)
	switch {
	case v == q.Name:
		return label
	case q.Type == instrument.TypeMaturity:
		return label + " · " + s.Cat.T(lang, "fill.evidence")
	case q.Type == instrument.TypeRate && v == q.Name+"_num":
		return label + " · " + q.Numerator.In(lang)
	case q.Type == instrument.TypeRate:
		return label + " · " + q.Denominator.In(lang)
	case q.Type == instrument.TypeMatrix:
		for _, row := range q.Rows {
			if q.Name+"_"+row.Name == v {
				return label + " · " + row.Label.In(lang)
			}
		}
	}
	return label
}

// valueText shows answer value of v as the form offers it: the label of a
// choice, Yes or No, "not answered" for nothing; typed text as it is.
func (s *Server) valueText(q *instrument.Question, v, value, lang string) string {
	if value == "" {
		return s.Cat.T(lang, "fill.no_answer")
	}
	choice := func(c string) string {
		for _, ch := range q.Choices {
			if ch.Value == c {
				return ch.Label.In(lang)
			}
		}
		return c
	}
	switch {
	case q.Type == instrument.TypeYesNo && (value == "yes" || value == "no"):
		return s.Cat.T(lang, "fill."+value)
	case q.Type == instrument.TypeSingle, q.Type == instrument.TypeMatrix && v != q.Name:
		return choice(value)
	case q.Type == instrument.TypeMultiple:
		var labels []string
		for _, c := range strings.Fields(value) {
			labels = append(labels, choice(c))
		}
		return strings.Join(labels, s.Cat.T(lang, "fill.list_sep"))
	case q.Type == instrument.TypeMaturity && v == q.Name:
		if value == "0" {
			return s.Cat.T(lang, "fill.unknown")
		}
		return s.Cat.T(lang, "fill.level", value)
	case q.Type == instrument.TypeAcknowledge && value == instrument.AcknowledgeValue:
		return s.Cat.T(lang, "fill.acknowledged")
	}
	return value
}
