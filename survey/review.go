package survey

import (
	"context"
	"database/sql"
	"slices"

	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jmoiron/sqlx"

	"govkpi/survey/instrument"
)

// Review decisions an admin takes on an assignment.
const (
	ReviewReturn  = "return"  // submitted or resubmitted → returned, with a comment
	ReviewApprove = "approve" // submitted or resubmitted → approved (locked)
	ReviewReopen  = "reopen"  // approved → returned, with a comment
)

// maxReviewComment bounds a review comment, in characters.
const maxReviewComment = 2000

// reviewRule is what a decision needs: the states it starts from, the state
// it leads to, the campaign statuses it is taken in, whether a comment is
// required, and what the audit log calls it.
type reviewRule struct {
	from     []string
	to       string
	statuses []string
	comment  bool
	audit    string
	flash    string
}

// reviewRules: a return or reopening hands the answers back to the
// official, so the campaign must be open for them to be corrected; an
// approval may also come after the campaign closed. A published campaign
// takes no decision.
var reviewRules = map[string]reviewRule{
	ReviewReturn:  {from: []string{"submitted", "resubmitted"}, to: "returned", statuses: []string{"open"}, comment: true, audit: AuditResponseReturned, flash: "flash.review_return"},
	ReviewApprove: {from: []string{"submitted", "resubmitted"}, to: "approved", statuses: []string{"open", "closed"}, audit: AuditResponseApproved, flash: "flash.review_approve"},
	ReviewReopen:  {from: []string{"approved"}, to: "returned", statuses: []string{"open"}, comment: true, audit: AuditResponseReopened, flash: "flash.review_reopen"},
}

// reviewStatusKeys explain why a campaign's status refuses a decision.
var reviewStatusKeys = map[string]string{
	"draft":     "err.review_campaign_draft",
	"open":      "err.review_campaign_open",
	"closed":    "err.review_campaign_closed",
	"published": "err.review_campaign_published",
}

// ReviewDecisions lists the decisions open to an assignment in state
// while its campaign has status, in a fixed order.
func ReviewDecisions(state, status string) []string {
	var out []string
	for _, d := range []string{ReviewApprove, ReviewReturn, ReviewReopen} {
		r := reviewRules[d]
		if slices.Contains(r.from, state) && slices.Contains(r.statuses, status) {
			out = append(out, d)
		}
	}
	return out
}

// Review takes decision on the assignment and records it as a review event
// with the actor, time and comment. Errors: EInvalid when the decision is
// unknown or a required comment is missing or too long (field "comment");
// ENotFound; EConflict when the assignment's state or its campaign's status
// does not allow the decision (someone decided first, or the campaign is
// not open). Callers must have checked the admin role.
func (db *DB) Review(ctx context.Context, assignmentID int64, decision, comment string) error {
	rule, ok := reviewRules[decision]
	if !ok {
		return Errorf(EInvalid, "err.form_invalid")
	}
	comment = strings.TrimSpace(comment)
	switch {
	case !utf8.ValidString(comment) || strings.ContainsRune(comment, 0):
		return FieldErrors{"comment": "err.text_invalid"}.Err()
	case utf8.RuneCountInString(comment) > maxReviewComment:
		return &Error{Code: EInvalid, Key: "err.form_invalid", Args: []any{maxReviewComment}, Fields: FieldErrors{"comment": "err.text_invalid"}}
	case rule.comment && comment == "":
		return FieldErrors{"comment": "err.review_comment_required"}.Err()
	}
	return db.inTx(ctx, func(tx *sqlx.Tx) error {
		var cur struct {
			State          string `db:"state"`
			CampaignStatus string `db:"campaign_status"`
			CampaignCode   string `db:"campaign_code"`
			DepartmentCode string `db:"department_code"`
		}
		err := db.write(ctx, tx, "review-lock").GetContext(ctx, &cur, assignmentID)
		if errors.Is(err, sql.ErrNoRows) {
			return Errorf(ENotFound, "err.not_found")
		}
		if err != nil {
			return fmt.Errorf("lock assignment %d: %w", assignmentID, err)
		}
		if !slices.Contains(rule.statuses, cur.CampaignStatus) {
			return Errorf(EConflict, reviewStatusKeys[cur.CampaignStatus])
		}
		if !slices.Contains(rule.from, cur.State) {
			return Errorf(EConflict, "err.review_state")
		}
		now := time.Now().UTC().Truncate(time.Microsecond)
		if _, err := db.write(ctx, tx, "assignment-set-state").ExecContext(ctx, rule.to, now, assignmentID); err != nil {
			return fmt.Errorf("set assignment %d state: %w", assignmentID, err)
		}
		if _, err := db.write(ctx, tx, "review-event-insert").ExecContext(ctx, assignmentID, cur.State, rule.to, actorID(ctx), comment, now); err != nil {
			return fmt.Errorf("record review event: %w", err)
		}
		return db.auditChange(ctx, tx, rule.audit, "assignment", itoa(assignmentID),
			cur.CampaignCode+" "+cur.DepartmentCode+" "+cur.State+" → "+rule.to)
	})
}

// ReviewEvent is one recorded transition of an assignment.
type ReviewEvent struct {
	ID        int64     `db:"id"`
	FromState string    `db:"from_state"`
	ToState   string    `db:"to_state"`
	Comment   string    `db:"comment"`
	At        time.Time `db:"at"`
	Actor     string    `db:"actor"`
}

// ReviewEvents lists the assignment's transitions, oldest first. Callers
// must have checked CanSeeDepartment.
func (db *DB) ReviewEvents(ctx context.Context, assignmentID int64) ([]ReviewEvent, error) {
	var out []ReviewEvent
	if err := db.read("review-events").SelectContext(ctx, &out, assignmentID); err != nil {
		return nil, fmt.Errorf("review events of assignment %d: %w", assignmentID, err)
	}
	return out, nil
}

// ReturnNote is the comment of an assignment's latest return, for the
// official.
type ReturnNote struct {
	Comment string    `db:"comment"`
	At      time.Time `db:"at"`
	Actor   string    `db:"actor"`
}

// LastReturn returns the latest return or reopening of the assignment, or
// nil when it was never returned. Callers must have checked
// CanSeeDepartment.
func (db *DB) LastReturn(ctx context.Context, assignmentID int64) (*ReturnNote, error) {
	var n ReturnNote
	err := db.read("review-last-return").GetContext(ctx, &n, assignmentID)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("last return of assignment %d: %w", assignmentID, err)
	}
	return &n, nil
}

// ResponseVersion is one submitted version with its number (1 for the
// first) and who submitted it.
type ResponseVersion struct {
	Response
	SubmittedBy string `db:"submitted_by"`
	Number      int    `db:"-"`
}

// Prev is the number of the version before this one.
func (v ResponseVersion) Prev() int { return v.Number - 1 }

// ResponseVersions lists every submitted version of the assignment's
// answers, oldest first. Callers must have checked CanSeeDepartment.
func (db *DB) ResponseVersions(ctx context.Context, assignmentID int64) ([]ResponseVersion, error) {
	var out []ResponseVersion
	if err := db.read("response-versions").SelectContext(ctx, &out, assignmentID); err != nil {
		return nil, fmt.Errorf("responses of assignment %d: %w", assignmentID, err)
	}
	for i := range out {
		out[i].Number = i + 1
		out[i].Answers = instrument.Answers{}
		if err := decodeAnswers(out[i].AnswersJSON, out[i].Answers); err != nil {
			return nil, fmt.Errorf("decode response %d: %w", out[i].ID, err)
		}
	}
	return out, nil
}

type reviewData struct {
	Assignment *Assignment
	Campaign   *Campaign
	Title      string
	Versions   []ResponseVersion
	Shown      *ResponseVersion // the version whose answers are listed
	From       *ResponseVersion // the version compared with, if any
	Answers    []AnswerSection
	Changes    []AnswerChange
	Events     []ReviewEvent
	Decisions  []string // open to the reader; none for an evaluator
}

// reviewPage shows an assignment to a reviewer: its state and history,
// every submitted version, the answers of one version (?v=, the latest by
// default) and what changed since another (?from=, the one before by
// default), and, to an admin, the decisions open to it.
func (s *Server) reviewPage(w http.ResponseWriter, r *http.Request, status int, form map[string]string, err error) {
	ctx := r.Context()
	id, perr := pathID(r)
	if perr != nil {
		s.fail(w, r, perr)
		return
	}
	a, ferr := s.DB.FindAssignmentByID(ctx, id)
	if ferr != nil {
		s.fail(w, r, ferr)
		return
	}
	c, ferr := s.DB.FindCampaignByID(ctx, a.CampaignID)
	if ferr != nil {
		s.fail(w, r, ferr)
		return
	}
	si, ferr := s.DB.FindInstrumentByID(ctx, a.InstrumentID)
	if ferr != nil {
		s.fail(w, r, ferr)
		return
	}
	inst, ferr := si.Instrument()
	if ferr != nil {
		s.fail(w, r, ferr)
		return
	}
	versions, ferr := s.DB.ResponseVersions(ctx, id)
	if ferr != nil {
		s.fail(w, r, ferr)
		return
	}
	events, ferr := s.DB.ReviewEvents(ctx, id)
	if ferr != nil {
		s.fail(w, r, ferr)
		return
	}
	p := s.page(r, "title.review")
	lang := p.Lang
	d := reviewData{Assignment: a, Campaign: c, Title: inst.Title.In(lang), Versions: versions, Events: events}
	if n := len(versions); n > 0 {
		pick := func(key string, def int) *ResponseVersion {
			v, _ := strconv.Atoi(r.URL.Query().Get(key))
			if v < 1 || v > n {
				v = def
			}
			if v < 1 {
				return nil
			}
			return &versions[v-1]
		}
		d.Shown = pick("v", n)
		d.From = pick("from", d.Shown.Number-1)
		if d.From != nil && d.From.Number == d.Shown.Number {
			d.From = nil
		}
		d.Answers = answerView(inst, d.Shown.Answers, lang, func(k string) string { return p.T(k) })
		if d.From != nil {
			d.Changes = answerChanges(inst, d.From.Answers, d.Shown.Answers, lang, func(k string) string { return p.T(k) })
		}
	}
	if CurrentAccount(ctx).Role == RoleAdmin {
		d.Decisions = ReviewDecisions(a.State, c.Status)
	}
	for k, v := range form {
		p.Form.Set(k, v)
	}
	var e *Error
	if errors.As(err, &e) {
		p.Errors = e.Fields
		p.FlashKind, p.Flash = "error", e.Key
	}
	p.Data = d
	s.render(w, r, status, "review", p)
}

func (s *Server) handleReview(w http.ResponseWriter, r *http.Request) {
	s.reviewPage(w, r, http.StatusOK, nil, nil)
}

// handleReviewDecide takes the posted decision; a refused one shows the
// page again with the comment kept and the reason.
func (s *Server) handleReviewDecide(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	decision := r.PostFormValue("decision")
	comment := truncate(r.PostFormValue("comment"), maxReviewComment+1)
	err = s.DB.Review(r.Context(), id, decision, comment)
	switch ErrorCode(err) {
	case "":
		s.flash(r, "ok", reviewRules[decision].flash)
		http.Redirect(w, r, "/admin/assignments/"+itoa(id), http.StatusSeeOther)
	case EInvalid, EConflict:
		s.reviewPage(w, r, ErrorStatus(ErrorCode(err)), map[string]string{"comment": comment, "decision": decision}, err)
	default:
		s.fail(w, r, err)
	}
}
