package survey

import (
	"errors"
	"fmt"
	"math"
	"net/http"
	"strconv"
)

// The AHP pages: the list of rounds (/ahp), a round's page (/ahp/{id}) where
// an invitee fills the pairwise comparisons and everyone who may see the
// round reads its results once closed, the live consistency check the
// page's script calls, and the admin's open and close.
//
// Who sees what: an admin sees every round and its invitees' progress; an
// evaluator sees only the rounds they are invited to (any other round is a
// 404, so its existence is not disclosed). Only invitees fill a round; an
// admin who wants to judge invites themself. Once a round is closed, every
// judgement with its CR, the combined matrix and the weights are shown to
// the admins and the invitees.

// ahpCellName is the form field of pair (i, j), i < j.
func ahpCellName(i, j int) string { return "c" + strconv.Itoa(i) + "_" + strconv.Itoa(j) }

// ahpPostedCells reads the upper triangle from the form, in reading order;
// a missing cell is "" (refused by the check).
func ahpPostedCells(r *http.Request, n int) []string {
	pairs := ahpPairs(n)
	out := make([]string, len(pairs))
	for k, p := range pairs {
		out[k] = r.PostFormValue(ahpCellName(p.I, p.J))
	}
	return out
}

// ahpAccess loads the round of the path for the signed-in account and says
// whether the account is invited. Errors: ENotFound when the round does
// not exist or the account is neither an admin nor invited.
func (s *Server) ahpAccess(r *http.Request) (*AHPRound, bool, error) {
	id, err := pathID(r)
	if err != nil {
		return nil, false, err
	}
	ctx := r.Context()
	round, err := s.DB.FindAHPRound(ctx, id)
	if err != nil {
		return nil, false, err
	}
	acct := CurrentAccount(ctx)
	invited, err := s.DB.AHPInvited(ctx, id, acct.ID)
	if err != nil {
		return nil, false, err
	}
	if !invited && acct.Role != RoleAdmin {
		return nil, false, Errorf(ENotFound, "err.not_found")
	}
	return round, invited, nil
}

// ahpOptionLabel is the text of a scale step for the pair a vs b: "a is
// strongly more important than b (5)", or equal.
func (s *Server) ahpOptionLabel(lang, a, b, cell string) string {
	v, ok := ahpScaleValue(cell)
	switch {
	case !ok:
		return cell
	case v == 1:
		return s.Cat.T(lang, "ahp.option.equal")
	case v < 1:
		a, b, v = b, a, 1/v
	}
	k := int(math.Round(v))
	return s.Cat.T(lang, "ahp.option.more", a, b, s.Cat.T(lang, "ahp.scale."+strconv.Itoa(k)), k)
}

// ahpMessage says in words what a check found: the CR within the limit,
// or above it with the pair to reconsider, the step chosen and the step
// the other judgements point to.
func (s *Server) ahpMessage(lang string, r *AHPRound, c *AHPCheck) string {
	cr, limit := formatCR(c.CR), fmt.Sprintf("%.2f", c.MaxCR)
	if c.OK {
		return s.Cat.T(lang, "ahp.feedback.ok", cr, limit)
	}
	if c.Worst == nil {
		return s.Cat.T(lang, "ahp.feedback.bad_plain", cr, limit)
	}
	a, b := r.Items[c.Worst.I].Name(lang), r.Items[c.Worst.J].Name(lang)
	return s.Cat.T(lang, "ahp.feedback.bad", cr, limit, a, b,
		s.ahpOptionLabel(lang, a, b, c.Worst.Judged), s.ahpOptionLabel(lang, a, b, c.Worst.Suggested))
}

// formatCR prints a consistency ratio with three decimals.
func formatCR(cr float64) string { return strconv.FormatFloat(cr, 'f', 3, 64) }

// ahpWeightRow is one item's weight as pages and the check's JSON show it.
type ahpWeightRow struct {
	Code    string  `json:"code"`
	Name    string  `json:"name"`
	Weight  float64 `json:"weight"`
	Percent string  `json:"percent"`
}

func ahpWeightRows(lang string, r *AHPRound, w []float64) []ahpWeightRow {
	out := make([]ahpWeightRow, 0, len(w))
	for i, x := range w {
		if i >= len(r.Items) {
			break
		}
		out = append(out, ahpWeightRow{Code: r.Items[i].Code, Name: r.Items[i].Name(lang), Weight: x,
			Percent: strconv.FormatFloat(100*x, 'f', 1, 64) + "%"})
	}
	return out
}

// ahpCheckReply is the check endpoint's JSON: the CR and its limit, whether
// it is within, the weights, the pair to reconsider (null when within) and
// the same sentence the page shows without script.
type ahpCheckReply struct {
	CR      float64        `json:"cr"`
	CRText  string         `json:"cr_text"`
	MaxCR   float64        `json:"max_cr"`
	OK      bool           `json:"ok"`
	Weights []ahpWeightRow `json:"weights"`
	Worst   *ahpWorstReply `json:"worst"`
	Message string         `json:"message"`
}

// ahpWorstReply names the pair to reconsider: codes, names, the cell
// chosen and the scale step suggested ("3", "1/5"), and the suggestion in
// words.
type ahpWorstReply struct {
	A         string `json:"a"`
	B         string `json:"b"`
	AName     string `json:"a_name"`
	BName     string `json:"b_name"`
	Field     string `json:"field"` // the form field of the pair
	Judged    string `json:"judged"`
	Suggested string `json:"suggested"`
	Label     string `json:"suggested_label"`
}

func (s *Server) ahpReply(lang string, r *AHPRound, c *AHPCheck) ahpCheckReply {
	out := ahpCheckReply{CR: c.CR, CRText: formatCR(c.CR), MaxCR: c.MaxCR, OK: c.OK,
		Weights: ahpWeightRows(lang, r, c.Weights), Message: s.ahpMessage(lang, r, c)}
	if w := c.Worst; w != nil {
		a, b := r.Items[w.I], r.Items[w.J]
		out.Worst = &ahpWorstReply{A: a.Code, B: b.Code, AName: a.Name(lang), BName: b.Name(lang),
			Field: ahpCellName(w.I, w.J), Judged: w.Judged, Suggested: w.Suggested,
			Label: s.ahpOptionLabel(lang, a.Name(lang), b.Name(lang), w.Suggested)}
	}
	return out
}

// ahpOption is one step of a pair's select.
type ahpOption struct {
	Value    string
	Label    string
	Selected bool
}

// ahpRow is one pair of the form.
type ahpRow struct {
	Field   string
	A, B    string // the items' names
	Options []ahpOption
	Worst   bool // the pair the feedback asks to reconsider
}

// ahpMatrixView is a judgement (or the combined matrix) as a table: the
// row item over the column item.
type ahpMatrixView struct {
	Caption string
	Header  []string
	Rows    []ahpMatrixRow
}

type ahpMatrixRow struct {
	Name  string
	Cells []string
}

func ahpMatrixTable(caption string, names []string, cells [][]string) *ahpMatrixView {
	v := &ahpMatrixView{Caption: caption, Header: names}
	for i, row := range cells {
		if i < len(names) {
			v.Rows = append(v.Rows, ahpMatrixRow{Name: names[i], Cells: row})
		}
	}
	return v
}

// ahpRoundData is the round page.
type ahpRoundData struct {
	Round         *AHPRound
	VersionRef    string   // the round's framework version as "CODE VERSION"
	ResultRef     string   // the version closing made, once closed
	Names         []string // the items' names in row order
	IsAdmin       bool
	Invited       bool
	CanFill       bool
	Rows          []ahpRow
	Feedback      *ahpCheckReply
	Unsaved       bool // the feedback is on values checked, not saved
	Mine          *AHPInvitee
	Invitees      []AHPInvitee
	Combined      *ahpMatrixView
	CombinedCount int // judgements the combined matrix is made of
	Matrices      []*ahpMatrixView
	Weights       []ahpWeightRow
	CloseError    string
	CheckURL      string
}

// ahpRoundPage renders a round. posted, when not nil, are cells the person
// just sent (shown instead of the saved judgement, with check's feedback).
func (s *Server) ahpRoundPage(w http.ResponseWriter, r *http.Request, status int, round *AHPRound, invited bool,
	posted []string, check *AHPCheck, closeErr error) {
	ctx := r.Context()
	lang := Lang(ctx)
	acct := CurrentAccount(ctx)
	invitees, err := s.DB.FindAHPInvitees(ctx, round.ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d := ahpRoundData{Round: round, IsAdmin: acct.Role == RoleAdmin, Invited: invited,
		CanFill: invited && round.Open(), CheckURL: "/ahp/" + itoa(round.ID) + "/check"}
	for _, it := range round.Items {
		d.Names = append(d.Names, it.Name(lang))
	}
	if d.VersionRef, err = s.ahpVersionRef(r, round.FrameworkVersionID); err != nil {
		s.fail(w, r, err)
		return
	}
	if round.ResultVersionID.Valid {
		if d.ResultRef, err = s.ahpVersionRef(r, round.ResultVersionID.Int64); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	for k := range invitees {
		if invitees[k].AccountID == acct.ID {
			d.Mine = &invitees[k]
		}
	}
	if d.IsAdmin || round.State == AHPClosed {
		d.Invitees = invitees
	}
	n := len(round.Items)
	cells := posted
	switch {
	case posted != nil:
		d.Unsaved = true
	case d.Mine != nil && d.Mine.Submitted():
		cells = d.Mine.Cells
		if check, err = round.Check(cells); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	if check != nil {
		reply := s.ahpReply(lang, round, check)
		d.Feedback = &reply
	}
	if d.CanFill {
		d.Rows = s.ahpRows(lang, round, cells, check)
	}
	if round.State == AHPClosed {
		d.Combined = ahpMatrixTable(s.Cat.T(lang, "ahp.combined"), d.Names, round.Combined)
		for k := range invitees {
			iv := &invitees[k]
			if !iv.Submitted() {
				continue
			}
			if iv.Included.Bool {
				d.CombinedCount++
			}
			caption := s.Cat.T(lang, "ahp.judgement_of", iv.Username, formatCR(iv.CR.Float64))
			d.Matrices = append(d.Matrices, ahpMatrixTable(caption, d.Names, ahpFullCells(n, iv.Cells)))
		}
		d.Weights = ahpWeightRows(lang, round, round.Weights)
	}
	p := s.page(r, "title.ahp_round")
	if closeErr != nil {
		var ce *AHPCombineError
		if errors.As(closeErr, &ce) {
			d.CloseError = s.Cat.T(lang, "err.ahp_combined_inconsistent") + " " + s.ahpMessage(lang, round, ce.Check)
		} else if fields := formErrors(closeErr); fields != nil {
			p.Errors = fields
		} else {
			var e *Error
			if errors.As(closeErr, &e) {
				d.CloseError = s.Cat.T(lang, e.Key, e.Args...)
			}
		}
		p.Form.Set("version", r.PostFormValue("version"))
		p.Form.Set("consistent_only", r.PostFormValue("consistent_only"))
	}
	p.Data = d
	s.render(w, r, status, "ahp_round", p)
}

// ahpVersionRef names a framework version as "CODE VERSION".
func (s *Server) ahpVersionRef(r *http.Request, id int64) (string, error) {
	v, err := s.DB.FindFrameworkVersion(r.Context(), id)
	if err != nil {
		return "", err
	}
	return v.Ref(), nil
}

// ahpRows builds the form's pairs with the given cells selected ("1",
// equal, when there are none) and marks the pair to reconsider.
func (s *Server) ahpRows(lang string, round *AHPRound, cells []string, check *AHPCheck) []ahpRow {
	n := len(round.Items)
	var rows []ahpRow
	for k, p := range ahpPairs(n) {
		a, b := round.Items[p.I].Name(lang), round.Items[p.J].Name(lang)
		cur := "1"
		if k < len(cells) {
			if _, ok := ahpScaleValue(cells[k]); ok {
				cur = cells[k]
			}
		}
		row := ahpRow{Field: ahpCellName(p.I, p.J), A: a, B: b}
		if check != nil && check.Worst != nil && check.Worst.I == p.I && check.Worst.J == p.J {
			row.Worst = true
		}
		for _, v := range ahpScale {
			row.Options = append(row.Options, ahpOption{Value: v, Label: s.ahpOptionLabel(lang, a, b, v), Selected: v == cur})
		}
		rows = append(rows, row)
	}
	return rows
}

// ahpNewData is the form that opens a round on a framework version.
type ahpNewData struct {
	Checked    map[string]bool // the evaluator checkboxes ticked
	VersionID  int64
	Version    *FrameworkVersion
	Nodes      []ahpNodeOption
	Candidates []Account
}

type ahpNodeOption struct {
	Code     string
	Name     string
	Children int
}

// ahpRoundsData is the list of rounds, with the open form for admins who
// came from a framework version.
type ahpRoundsData struct {
	Rounds  []AHPRound
	IsAdmin bool
	New     *ahpNewData
}

// ahpRoundsPage renders the list; for an admin with a framework version
// (versionID > 0) it adds the form that opens a round on it, keeping what
// was typed and the errors of a refused attempt.
func (s *Server) ahpRoundsPage(w http.ResponseWriter, r *http.Request, status int, versionID int64, form map[string]string, formErr error) {
	ctx := r.Context()
	acct := CurrentAccount(ctx)
	isAdmin := acct.Role == RoleAdmin
	rounds, err := s.DB.FindAHPRounds(ctx, AHPRoundFilter{AccountID: acct.ID, All: isAdmin})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d := ahpRoundsData{Rounds: rounds, IsAdmin: isAdmin}
	p := s.page(r, "title.ahp_rounds")
	if isAdmin && versionID > 0 {
		if d.New, err = s.ahpNewForm(r, versionID); err != nil {
			s.fail(w, r, err)
			return
		}
		for k, v := range form {
			p.Form.Set(k, v)
		}
		d.New.Checked = map[string]bool{}
		for _, id := range r.PostForm["evaluator"] {
			d.New.Checked[id] = true
		}
		p.Errors = formErrors(formErr)
		var e *Error
		if errors.As(formErr, &e) && len(e.Args) > 0 {
			p.ErrorArgs = map[string][]any{"evaluators": e.Args}
		}
	}
	p.Data = d
	s.render(w, r, status, "ahp_rounds", p)
}

// ahpNewForm reads a framework version's nodes a round may be opened on,
// and the accounts that may be invited.
func (s *Server) ahpNewForm(r *http.Request, versionID int64) (*ahpNewData, error) {
	ctx := r.Context()
	lang := Lang(ctx)
	fv, err := s.DB.FindFrameworkVersion(ctx, versionID)
	if err != nil {
		return nil, err
	}
	fw, err := fv.Framework()
	if err != nil {
		return nil, fmt.Errorf("framework version %d: %w", versionID, err)
	}
	d := &ahpNewData{VersionID: versionID, Version: fv}
	for _, n := range AHPNodes(fw) {
		d.Nodes = append(d.Nodes, ahpNodeOption{Code: n.Code, Name: n.Name(lang), Children: len(n.Children)})
	}
	for _, role := range []Role{RoleEvaluator, RoleAdmin} {
		accts, _, err := s.DB.FindAccounts(ctx, AccountFilter{Role: string(role), Limit: 500})
		if err != nil {
			return nil, err
		}
		for _, a := range accts {
			if !a.Disabled {
				d.Candidates = append(d.Candidates, a)
			}
		}
	}
	return d, nil
}

// handleAHPRounds lists the rounds the account may see; an admin's
// ?framework={id} adds the form that opens a round on that version.
func (s *Server) handleAHPRounds(w http.ResponseWriter, r *http.Request) {
	var versionID int64
	if v := r.URL.Query().Get("framework"); v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil || id <= 0 {
			s.fail(w, r, Errorf(ENotFound, "err.not_found"))
			return
		}
		versionID = id
	}
	s.ahpRoundsPage(w, r, http.StatusOK, versionID, nil, nil)
}

// handleAHPCreate opens a round on a node of the framework version in the
// path. Fields: node (the node's code), evaluators (usernames or account
// ids, separated by commas, spaces or new lines) and any number of
// evaluator (an account id, from checkboxes), title.
func (s *Server) handleAHPCreate(w http.ResponseWriter, r *http.Request) {
	versionID, err := pathID(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	form := map[string]string{"node": truncate(r.PostFormValue("node"), 65), "title": truncate(r.PostFormValue("title"), 201),
		"evaluators": truncate(r.PostFormValue("evaluators"), 10000)}
	in := AHPRoundInput{NodeCode: form["node"], Title: form["title"],
		Evaluators: append(ParseAHPEvaluators(form["evaluators"]), r.PostForm["evaluator"]...)}
	round, err := s.DB.CreateAHPRound(r.Context(), versionID, in)
	if formErrors(err) != nil {
		s.ahpRoundsPage(w, r, http.StatusBadRequest, versionID, form, err)
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.flash(r, "ok", "flash.ahp_opened")
	http.Redirect(w, r, "/ahp/"+itoa(round.ID), http.StatusSeeOther)
}

// handleAHPRound shows a round: the form to an invitee while it is open
// (with the consistency of their saved judgement), the invitees' progress
// to admins, and everything once it is closed.
func (s *Server) handleAHPRound(w http.ResponseWriter, r *http.Request) {
	round, invited, err := s.ahpAccess(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.ahpRoundPage(w, r, http.StatusOK, round, invited, nil, nil, nil)
}

// handleAHPSubmit saves the invitee's judgement, even above the CR limit
// (marked inconsistent, and the flash says so), then shows the round with
// its feedback. Only invitees: anyone else gets 404.
func (s *Server) handleAHPSubmit(w http.ResponseWriter, r *http.Request) {
	round, invited, err := s.ahpAccess(r)
	if err == nil && !invited {
		err = Errorf(ENotFound, "err.not_found")
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	cells := ahpPostedCells(r, len(round.Items))
	check, err := s.DB.SubmitAHPJudgement(r.Context(), round.ID, CurrentAccount(r.Context()).ID, cells)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if check.OK {
		s.flash(r, "ok", "flash.ahp_saved")
	} else {
		s.flash(r, "warn", "flash.ahp_saved_inconsistent")
	}
	http.Redirect(w, r, "/ahp/"+itoa(round.ID)+"#ahp-feedback", http.StatusSeeOther)
}

// handleAHPCheck computes the consistency of the posted judgement without
// saving it: JSON for the page's script (Accept: application/json), the
// round page with the feedback otherwise. Only invitees.
func (s *Server) handleAHPCheck(w http.ResponseWriter, r *http.Request) {
	round, invited, err := s.ahpAccess(r)
	if err == nil && !invited {
		err = Errorf(ENotFound, "err.not_found")
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	cells := ahpPostedCells(r, len(round.Items))
	check, err := round.Check(cells)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if wantsJSON(r) {
		writeJSON(w, http.StatusOK, s.ahpReply(Lang(r.Context()), round, check))
		return
	}
	s.ahpRoundPage(w, r, http.StatusOK, round, invited, cells, check, nil)
}

// handleAHPClose combines the judgements into a new framework version.
// Fields: version (optional name), consistent_only ("true" to leave out
// judgements above the CR limit). A refusal (nothing to combine, the
// combined matrix too inconsistent, a taken version name) is shown on the
// round page.
func (s *Server) handleAHPClose(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	in := AHPCloseInput{Version: truncate(r.PostFormValue("version"), 65)}
	switch r.PostFormValue("consistent_only") {
	case "true":
		in.ConsistentOnly = true
	case "", "false":
	default:
		s.fail(w, r, &Error{Code: EInvalid, Key: "err.form_invalid", Fields: FieldErrors{"consistent_only": "err.bool"}})
		return
	}
	ctx := r.Context()
	_, err = s.DB.CloseAHPRound(ctx, id, in)
	if code := ErrorCode(err); code == EInvalid || code == EConflict {
		round, ferr := s.DB.FindAHPRound(ctx, id)
		if ferr != nil {
			s.fail(w, r, ferr)
			return
		}
		invited, ferr := s.DB.AHPInvited(ctx, id, CurrentAccount(ctx).ID)
		if ferr != nil {
			s.fail(w, r, ferr)
			return
		}
		s.ahpRoundPage(w, r, ErrorStatus(code), round, invited, nil, nil, err)
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.flash(r, "ok", "flash.ahp_closed")
	http.Redirect(w, r, "/ahp/"+itoa(id), http.StatusSeeOther)
}
