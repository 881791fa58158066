package survey

import (
	"errors"
	"html/template"
	"net/http"
	"strconv"
	"strings"

	"govkpi/survey/instrument"
)

// fillOption is one radio or checkbox of a question.
type fillOption struct {
	Value, Label string
	Checked      bool
}

// fillRow is one row of a matrix question.
type fillRow struct {
	Name, Label, Value, Error string
}

// fillQuestion is a question as the filling form shows it, with its
// values and messages looked up.
type fillQuestion struct {
	Q             *instrument.Question
	Label, Hint   string
	Value, Error  string
	Options       []fillOption
	Rows          []fillRow
	Evidence      string
	EvidenceError string
	Num, Den      string
	NumError      string
	DenError      string
	Min, Max      string
	Step          string
	// Relevant is false for a question its relevance hides for now: it is
	// drawn hidden and disabled (so it posts nothing), and fill.js shows it
	// when an answer makes it apply.
	Relevant bool
	// Input is the kind of control the template draws (a field, not a
	// method: the template reads it several times per question).
	Input string
}

// inputKind returns the kind of control the template draws for q.
func inputKind(q *instrument.Question) string {
	switch q.Type {
	case instrument.TypeSingle, instrument.TypeYesNo, instrument.TypeLikert:
		return "radio"
	case instrument.TypeInteger, instrument.TypeDecimal, instrument.TypePercent, instrument.TypeRange:
		return "number"
	}
	return q.Type
}

type fillData struct {
	Assignment                       *Assignment
	Title                            string
	Section                          int
	Sections                         int
	SectionTitle, SectionDescription string
	Questions                        []fillQuestion
	Hidden                           []fillRow // hidden answers carried through the form
	Version                          int
	ClientID                         string
	Last                             bool
	Problems                         bool // messages from the final check are shown
	// Unsaved is set when the fields hold answers the server refused or did
	// not store (a re-rendered POST), so fill.js keeps them in its mirror.
	Unsaved bool
	// Conflict lists, after a stale save, the answers of the section that
	// differ between the saved draft and what this official typed.
	Conflict []fillDiff
	// Return is the reviewer's comment on a returned assignment.
	Return *ReturnNote
	// QuestionsHTML is the section's questions drawn (see fill_render.go).
	QuestionsHTML template.HTML
}

// Step is the 1-based number of the section, for the progress bar.
func (d fillData) Step() int { return d.Section + 1 }

// fillContext is what every filling handler loads: the assignment, checked
// to be the official's own, and its questionnaire.
type fillContext struct {
	a    *Assignment
	inst *instrument.Instrument
}

// loadFill reads the assignment of the path. Another department's
// assignment answers ENotFound, like a missing one, and the refusal is
// audited, so ids cannot be probed.
func (s *Server) loadFill(r *http.Request) (*fillContext, error) {
	id, err := pathID(r)
	if err != nil {
		return nil, err
	}
	a, err := s.DB.FindAssignmentByID(r.Context(), id)
	if err != nil {
		return nil, err
	}
	if !CanChangeDepartment(CurrentAccount(r.Context()), a.DepartmentID) {
		s.auditRefusal(r, "assignment", itoa(id), r.Method+" "+r.URL.Path)
		return nil, Errorf(ENotFound, "err.not_found")
	}
	si, err := s.DB.FindInstrumentByID(r.Context(), a.InstrumentID)
	if err != nil {
		return nil, err
	}
	inst, err := si.Instrument()
	if err != nil {
		return nil, err
	}
	return &fillContext{a: a, inst: inst}, nil
}

// sectionIndex reads a section number, clamped to the instrument.
func sectionIndex(v string, inst *instrument.Instrument) int {
	n, _ := strconv.Atoi(v)
	return max(0, min(n, len(inst.Sections)-1))
}

func formatBound(p *float64) string {
	if p == nil {
		return ""
	}
	return strconv.FormatFloat(*p, 'f', -1, 64)
}

// fillPage renders section sec with values and messages (by answer name).
func (s *Server) fillPage(w http.ResponseWriter, r *http.Request, status int, fc *fillContext, sec int,
	values instrument.Answers, msgs map[string]string, version int, flashKey string, conflict []fillDiff) {
	lang := Lang(r.Context())
	inst := fc.inst
	p := s.page(r, "title.fill")
	rel := inst.Relevant(values)
	section := inst.Sections[sec]
	d := fillData{Assignment: fc.a, Title: inst.Title.In(lang), Section: sec, Sections: len(inst.Sections),
		SectionTitle: section.Title.In(lang), SectionDescription: section.Description.In(lang),
		Version: version, ClientID: r.PostFormValue("client_id"), Last: sec == len(inst.Sections)-1,
		Unsaved: r.Method == http.MethodPost, Conflict: conflict}
	if fc.a.State == "returned" {
		var err error
		if d.Return, err = s.DB.LastReturn(r.Context(), fc.a.ID); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	if d.ClientID == "" || len(d.ClientID) > 64 {
		d.ClientID = newToken(16)
	}
	for _, q := range section.Questions {
		if q == nil || q.Type == instrument.TypeCalculate {
			continue
		}
		if q.Type == instrument.TypeHidden {
			if !rel[q.Name] {
				continue
			}
			d.Hidden = append(d.Hidden, fillRow{Name: q.Name, Value: values[q.Name]})
			continue
		}
		fq := fillQuestion{Q: q, Input: inputKind(q), Label: q.Label.In(lang), Hint: q.Hint.In(lang), Value: values[q.Name], Error: msgs[q.Name],
			Min: formatBound(q.Min), Max: formatBound(q.Max), Step: formatBound(q.Step), Relevant: rel[q.Name]}
		switch q.Type {
		case instrument.TypeSingle:
			for _, c := range q.FilterChoices(values) {
				fq.Options = append(fq.Options, fillOption{Value: c.Value, Label: c.Label.In(lang), Checked: c.Value == fq.Value})
			}
		case instrument.TypeMultiple:
			picked := strings.Fields(fq.Value)
			for _, c := range q.FilterChoices(values) {
				ok := false
				for _, p := range picked {
					ok = ok || p == c.Value
				}
				fq.Options = append(fq.Options, fillOption{Value: c.Value, Label: c.Label.In(lang), Checked: ok})
			}
		case instrument.TypeYesNo:
			for _, v := range []string{"yes", "no"} {
				fq.Options = append(fq.Options, fillOption{Value: v, Label: p.T("fill." + v), Checked: v == fq.Value})
			}
		case instrument.TypeLikert:
			for i := 1; i <= q.Points(); i++ {
				v := strconv.Itoa(i)
				fq.Options = append(fq.Options, fillOption{Value: v, Label: v, Checked: v == fq.Value})
			}
		case instrument.TypeMaturity:
			for _, l := range q.Levels {
				v := strconv.Itoa(l.Level)
				fq.Options = append(fq.Options, fillOption{Value: v, Label: v + " · " + l.Description.In(lang), Checked: v == fq.Value})
			}
			fq.Options = append(fq.Options, fillOption{Value: "0", Label: p.T("fill.unknown"), Checked: fq.Value == "0"})
			fq.Evidence, fq.EvidenceError = values[q.Name+"_evidence"], msgs[q.Name+"_evidence"]
		case instrument.TypeMatrix:
			for _, c := range q.Choices {
				fq.Options = append(fq.Options, fillOption{Value: c.Value, Label: c.Label.In(lang)})
			}
			for _, row := range q.Rows {
				n := q.Name + "_" + row.Name
				fq.Rows = append(fq.Rows, fillRow{Name: n, Label: row.Label.In(lang), Value: values[n], Error: msgs[n]})
			}
		case instrument.TypeRate:
			fq.Num, fq.Den = values[q.Name+"_num"], values[q.Name+"_den"]
			fq.NumError, fq.DenError = msgs[q.Name+"_num"], msgs[q.Name+"_den"]
		}
		d.Questions = append(d.Questions, fq)
	}
	d.QuestionsHTML = questionsHTML(p, d.Questions)
	if flashKey != "" {
		p.FlashKind, p.Flash = "error", flashKey
	}
	d.Problems = len(msgs) > 0
	p.Data = d
	s.render(w, r, status, "fill", p)
}

func (s *Server) handleFill(w http.ResponseWriter, r *http.Request) {
	fc, err := s.loadFill(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if lockedState(fc.a.State) {
		http.Redirect(w, r, "/fill/"+itoa(fc.a.ID)+"/receipt", http.StatusSeeOther)
		return
	}
	if fc.a.CampaignStatus != "open" {
		s.fail(w, r, Errorf(EConflict, "err.campaign_not_open"))
		return
	}
	d, err := s.DB.FindDraft(r.Context(), fc.a.ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var msgs map[string]string
	if r.URL.Query().Get("check") == "1" {
		msgs = fc.inst.Check(fc.inst.Settle(d.Answers), Lang(r.Context()), true)
	}
	s.fillPage(w, r, http.StatusOK, fc, sectionIndex(r.URL.Query().Get("section"), fc.inst), d.Answers, msgs, d.Version, "", nil)
}

// sectionVariables lists the answer names section sec posts, with the
// question names a whole-question message is filed under.
func sectionVariables(inst *instrument.Instrument, sec int) (posted, names []string) {
	for _, q := range inst.Sections[sec].Questions {
		if q == nil || q.Type == instrument.TypeCalculate || q.Type == instrument.TypeNote {
			continue
		}
		names = append(names, q.Name)
		posted = append(posted, q.Variables()...)
	}
	return posted, append(names, posted...)
}

// postedAnswers merges the section's posted answers into the draft's: only
// the section's own names are read, and a box left unticked clears its
// answer.
func postedAnswers(r *http.Request, inst *instrument.Instrument, sec int, draft instrument.Answers) instrument.Answers {
	out := instrument.Answers{}
	for k, v := range draft {
		out[k] = v
	}
	posted, _ := sectionVariables(inst, sec)
	for _, v := range posted {
		out[v] = strings.Join(r.PostForm[v], " ")
		if out[v] == "" {
			delete(out, v)
		}
	}
	return inst.Normalize(out)
}

// sectionMessages returns the messages of a draft check of answers that
// belong to section sec.
func sectionMessages(inst *instrument.Instrument, sec int, answers instrument.Answers, lang string) map[string]string {
	msgs := map[string]string{}
	all := inst.Check(answers, lang, false)
	if len(all) == 0 {
		return msgs
	}
	_, names := sectionVariables(inst, sec)
	for _, n := range names {
		if m, ok := all[n]; ok {
			msgs[n] = m
		}
	}
	return msgs
}

// isStale reports whether err is SaveDraft's refusal of an outdated version.
func isStale(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.Key == "err.draft_stale"
}

// firstProblemSection returns the first section with a message in msgs.
func firstProblemSection(inst *instrument.Instrument, msgs map[string]string) int {
	for i := range inst.Sections {
		_, names := sectionVariables(inst, i)
		for _, n := range names {
			if _, ok := msgs[n]; ok {
				return i
			}
		}
	}
	return 0
}

// handleFillPost saves the posted section as the draft and moves on
// (POST/redirect/GET), or re-renders it with the messages beside the
// fields and every typed value kept; action "submit" runs the final check
// and submits.
func (s *Server) handleFillPost(w http.ResponseWriter, r *http.Request) {
	fc, err := s.loadFill(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	ctx, id, action := r.Context(), fc.a.ID, r.PostFormValue("action")
	base := "/fill/" + itoa(id)
	if action == "submit" && lockedState(fc.a.State) {
		// A repeated submit: the same client id finds its first receipt.
		if _, err := s.DB.SubmitResponse(ctx, id, r.PostFormValue("client_id"), nil); err != nil {
			s.fail(w, r, err)
			return
		}
		http.Redirect(w, r, base+"/receipt", http.StatusSeeOther)
		return
	}
	sec := sectionIndex(r.PostFormValue("section"), fc.inst)
	version, _ := strconv.Atoi(r.PostFormValue("version"))
	draft, err := s.DB.FindDraft(ctx, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	answers := postedAnswers(r, fc.inst, sec, draft.Answers)
	lang := Lang(ctx)
	if msgs := sectionMessages(fc.inst, sec, answers, lang); len(msgs) > 0 {
		s.fillPage(w, r, http.StatusBadRequest, fc, sec, answers, msgs, version, "err.form_invalid", nil)
		return
	}
	if action == "submit" {
		// A complete form is stored and submitted in one write; a stale one
		// goes the way of any stale save below.
		settled := fc.inst.Settle(answers)
		if final := fc.inst.Check(settled, lang, true); len(final) == 0 {
			_, err := s.DB.SubmitDraft(ctx, id, r.PostFormValue("client_id"), settled, version)
			if err == nil {
				http.Redirect(w, r, base+"/receipt", http.StatusSeeOther)
				return
			}
			if !isStale(err) {
				s.fail(w, r, err)
				return
			}
		}
	}
	version, err = s.DB.SaveDraft(ctx, id, answers, version)
	if isStale(err) {
		// Shown with what this official typed, the answers that differ from
		// the draft now stored, and that draft's version, so saving again is
		// a deliberate choice.
		theirs, ferr := s.DB.FindDraft(ctx, id)
		if ferr != nil {
			s.fail(w, r, ferr)
			return
		}
		diff := s.sectionDiff(fc.inst, sec, answers, theirs.Answers, lang)
		if len(diff) > 0 {
			s.fillPage(w, r, http.StatusConflict, fc, sec, answers, nil, theirs.Version, "err.draft_stale", diff)
			return
		}
		// The other save left this section as typed here: nothing to choose.
		answers = postedAnswers(r, fc.inst, sec, theirs.Answers)
		version, err = s.DB.SaveDraft(ctx, id, answers, theirs.Version)
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	switch action {
	case "next":
		http.Redirect(w, r, base+"?section="+strconv.Itoa(min(sec+1, len(fc.inst.Sections)-1)), http.StatusSeeOther)
	case "prev":
		http.Redirect(w, r, base+"?section="+strconv.Itoa(max(sec-1, 0)), http.StatusSeeOther)
	case "submit":
		settled := fc.inst.Settle(answers)
		if final := fc.inst.Check(settled, lang, true); len(final) > 0 {
			s.flash(r, "error", "err.fill_incomplete")
			http.Redirect(w, r, base+"?section="+strconv.Itoa(firstProblemSection(fc.inst, final))+"&check=1", http.StatusSeeOther)
			return
		}
		if _, err := s.DB.SubmitResponse(ctx, id, r.PostFormValue("client_id"), settled); err != nil {
			s.fail(w, r, err)
			return
		}
		http.Redirect(w, r, base+"/receipt", http.StatusSeeOther)
	default:
		s.flash(r, "ok", "flash.draft_saved")
		http.Redirect(w, r, base+"?section="+strconv.Itoa(sec), http.StatusSeeOther)
	}
}

type receiptData struct {
	Assignment *Assignment
	Response   *Response
	Answers    []AnswerSection // what was submitted, for the official to check
}

func (s *Server) handleFillReceipt(w http.ResponseWriter, r *http.Request) {
	fc, err := s.loadFill(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	resp, err := s.DB.FindLatestResponse(r.Context(), fc.a.ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	p := s.page(r, "title.fill_receipt")
	p.Data = receiptData{Assignment: fc.a, Response: resp,
		Answers: answerView(fc.inst, resp.Answers, p.Lang, func(k string) string { return p.T(k) })}
	s.render(w, r, http.StatusOK, "fill_receipt", p)
}
