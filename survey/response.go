package survey

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"

	"govkpi/survey/instrument"
)

// Draft is the working copy of an assignment's answers. Version counts the
// saves; a save must name the version it started from.
type Draft struct {
	AssignmentID int64
	Answers      instrument.Answers
	Version      int
	UpdatedAt    time.Time
}

// Response is one submitted version of an assignment's answers.
type Response struct {
	ID           int64              `db:"id"`
	AssignmentID int64              `db:"assignment_id"`
	ClientID     string             `db:"client_id"`
	Receipt      string             `db:"receipt"`
	AnswersJSON  string             `db:"answers"`
	SubmittedAt  time.Time          `db:"submitted_at"`
	Answers      instrument.Answers `db:"-"`
}

// lockedState reports whether answers of an assignment in state can no
// longer change until it is returned.
func lockedState(state string) bool { return submittedState(state) }

// FindAssignmentByID returns the assignment with its campaign, department
// and instrument, or ENotFound. Callers must check CanSeeDepartment or
// CanChangeDepartment on its DepartmentID.
func (db *DB) FindAssignmentByID(ctx context.Context, id int64) (*Assignment, error) {
	var a Assignment
	if err := db.read("assignment-by-id").GetContext(ctx, &a, id); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, Errorf(ENotFound, "err.not_found")
		}
		return nil, fmt.Errorf("find assignment %d: %w", id, err)
	}
	a.Overdue = a.overdue(a.CampaignStatus, time.Now())
	return &a, nil
}

// FindDraft returns the assignment's draft; one never saved is empty with
// version 0.
func (db *DB) FindDraft(ctx context.Context, assignmentID int64) (*Draft, error) {
	var row struct {
		AssignmentID int64     `db:"assignment_id"`
		Answers      string    `db:"answers"`
		Version      int       `db:"version"`
		UpdatedAt    time.Time `db:"updated_at"`
	}
	err := db.read("draft-by-assignment").GetContext(ctx, &row, assignmentID)
	if errors.Is(err, sql.ErrNoRows) {
		return &Draft{AssignmentID: assignmentID, Answers: instrument.Answers{}}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("find draft of assignment %d: %w", assignmentID, err)
	}
	d := &Draft{AssignmentID: assignmentID, Version: row.Version, UpdatedAt: row.UpdatedAt, Answers: instrument.Answers{}}
	if err := decodeAnswers(row.Answers, d.Answers); err != nil {
		return nil, fmt.Errorf("decode draft of assignment %d: %w", assignmentID, err)
	}
	return d, nil
}

// lockAssignment reads the assignment's state and campaign status inside tx
// (locking the row on PostgreSQL). Errors: ENotFound; EConflict when the
// campaign is not open.
func (db *DB) lockAssignment(ctx context.Context, tx *sqlx.Tx, id int64) (state, campaignCode string, err error) {
	var cur struct {
		State          string `db:"state"`
		CampaignStatus string `db:"campaign_status"`
		CampaignCode   string `db:"campaign_code"`
	}
	err = db.write(ctx, tx, "assignment-lock").GetContext(ctx, &cur, id)
	if errors.Is(err, sql.ErrNoRows) {
		return "", "", Errorf(ENotFound, "err.not_found")
	}
	if err != nil {
		return "", "", fmt.Errorf("lock assignment %d: %w", id, err)
	}
	if cur.CampaignStatus != "open" {
		return "", "", Errorf(EConflict, "err.campaign_not_open")
	}
	return cur.State, cur.CampaignCode, nil
}

// actorID is the account the context's changes are made by, if any.
func actorID(ctx context.Context) sql.NullInt64 {
	e, _ := ctx.Value(actorKey{}).(AuditEntry)
	return e.ActorID
}

// SaveDraft replaces the assignment's draft with answers and returns the
// new version. expectedVersion is the version the caller read (0 for no
// draft yet); when someone saved in between, nothing is written and the
// error is EConflict, so a later save never silently overwrites an earlier
// one. A not-started assignment becomes a draft (audited, unlike later
// saves); a returned one stays returned. Errors: ENotFound; EConflict also when the answers are
// submitted or approved, or the campaign is not open. Callers must have
// checked CanChangeDepartment and validated the answers.
func (db *DB) SaveDraft(ctx context.Context, assignmentID int64, answers instrument.Answers, expectedVersion int) (int, error) {
	if answers == nil {
		answers = instrument.Answers{}
	}
	body, err := json.Marshal(answers)
	if err != nil {
		return 0, fmt.Errorf("encode draft: %w", err)
	}
	version := expectedVersion + 1
	err = db.inBatch(ctx, func(tx *sqlx.Tx) error {
		state, code, err := db.lockAssignment(ctx, tx, assignmentID)
		if err != nil {
			return err
		}
		if lockedState(state) {
			return Errorf(EConflict, "err.response_locked")
		}
		now := time.Now().UTC()
		if err := db.replaceDraft(ctx, tx, assignmentID, string(body), expectedVersion, now); err != nil {
			return err
		}
		if state != "not_started" {
			// Later saves (an autosave every few seconds) are not audited:
			// the draft keeps who saved it last and when.
			return nil
		}
		if _, err := db.write(ctx, tx, "assignment-set-state").ExecContext(ctx, "draft", now, assignmentID); err != nil {
			return fmt.Errorf("set assignment %d state: %w", assignmentID, err)
		}
		return db.auditChange(ctx, tx, AuditDraftSaved, "assignment", itoa(assignmentID), fmt.Sprintf("%s version %d", code, version))
	})
	if err != nil {
		return 0, err
	}
	return version, nil
}

// replaceDraft writes body as the draft that follows expectedVersion (0: the
// first draft); EConflict "err.draft_stale" when someone saved in between.
func (db *DB) replaceDraft(ctx context.Context, tx *sqlx.Tx, assignmentID int64, body string, expectedVersion int, now time.Time) error {
	var res sql.Result
	var err error
	if expectedVersion == 0 {
		res, err = db.write(ctx, tx, "draft-insert").ExecContext(ctx, assignmentID, body, now, actorID(ctx))
	} else {
		res, err = db.write(ctx, tx, "draft-update").ExecContext(ctx, body, now, actorID(ctx), assignmentID, expectedVersion)
	}
	if err != nil {
		return fmt.Errorf("save draft of assignment %d: %w", assignmentID, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return Errorf(EConflict, "err.draft_stale")
	}
	return nil
}

// errClientIDTaken marks a submit whose client id was stored meanwhile.
var errClientIDTaken = errors.New("client id taken")

// SubmitResponse stores answers as a submitted response of the assignment
// and returns its receipt. It is idempotent by clientID: when a response
// with clientID exists, its receipt (number and time) is returned and
// nothing changes, so a double click or a retry stores one response. A
// submitted assignment becomes submitted, a returned one resubmitted, and
// the transition is kept as a review event. Errors: EInvalid for an empty
// clientID; ENotFound (also for a clientID of another assignment);
// EConflict when the answers are already submitted or approved, or the
// campaign is not open. Callers must have checked CanChangeDepartment and
// run the final checks.
func (db *DB) SubmitResponse(ctx context.Context, assignmentID int64, clientID string, answers instrument.Answers) (*Response, error) {
	return db.submit(ctx, assignmentID, clientID, answers, -1)
}

// SubmitDraft is SaveDraft and SubmitResponse in one write: the answers
// replace the draft of expectedVersion and are submitted, or nothing is
// stored. A repeated submit (the same clientID) finds its first receipt
// whatever the version. Errors: those of both.
func (db *DB) SubmitDraft(ctx context.Context, assignmentID int64, clientID string, answers instrument.Answers, expectedVersion int) (*Response, error) {
	return db.submit(ctx, assignmentID, clientID, answers, max(expectedVersion, 0))
}

// submit stores a response; with draftVersion ≥ 0 it also replaces the
// draft of that version with the answers.
func (db *DB) submit(ctx context.Context, assignmentID int64, clientID string, answers instrument.Answers, draftVersion int) (*Response, error) {
	if clientID == "" || len(clientID) > 64 || !cleanText(clientID) {
		return nil, Errorf(EInvalid, "err.form_invalid")
	}
	if answers == nil {
		answers = instrument.Answers{}
	}
	body, err := json.Marshal(answers)
	if err != nil {
		return nil, fmt.Errorf("encode response: %w", err)
	}
	var out *Response
	err = db.inBatch(ctx, func(tx *sqlx.Tx) error {
		state, code, err := db.lockAssignment(ctx, tx, assignmentID)
		if err != nil {
			return err
		}
		var prev Response
		err = db.write(ctx, tx, "response-by-client-id").GetContext(ctx, &prev, clientID)
		switch {
		case err == nil:
			out = &prev
			return nil
		case !errors.Is(err, sql.ErrNoRows):
			return fmt.Errorf("find response %q: %w", clientID, err)
		}
		next := "submitted"
		switch {
		case state == "returned":
			next = "resubmitted"
		case lockedState(state):
			return Errorf(EConflict, "err.response_locked")
		}
		now := time.Now().UTC().Truncate(time.Microsecond)
		if draftVersion >= 0 {
			if err := db.replaceDraft(ctx, tx, assignmentID, string(body), draftVersion, now); err != nil {
				return err
			}
		}
		var id int64
		if err := db.write(ctx, tx, "response-insert").GetContext(ctx, &id, assignmentID, clientID, string(body), now, actorID(ctx)); err != nil {
			if isUniqueViolation(err) {
				return errClientIDTaken
			}
			return fmt.Errorf("insert response: %w", err)
		}
		receipt := fmt.Sprintf("R-%d-%06d", now.Year(), id)
		if _, err := db.write(ctx, tx, "response-set-receipt").ExecContext(ctx, receipt, id); err != nil {
			return fmt.Errorf("set receipt: %w", err)
		}
		if _, err := db.write(ctx, tx, "assignment-set-state").ExecContext(ctx, next, now, assignmentID); err != nil {
			return fmt.Errorf("set assignment %d state: %w", assignmentID, err)
		}
		if _, err := db.write(ctx, tx, "review-event-insert").ExecContext(ctx, assignmentID, state, next, actorID(ctx), "", now); err != nil {
			return fmt.Errorf("record review event: %w", err)
		}
		out = &Response{ID: id, AssignmentID: assignmentID, ClientID: clientID, Receipt: receipt, AnswersJSON: string(body), SubmittedAt: now}
		return db.auditChange(ctx, tx, AuditResponseSubmitted, "assignment", itoa(assignmentID), code+" "+receipt+" "+state+" → "+next)
	})
	if errors.Is(err, errClientIDTaken) {
		// A concurrent submit with the same client id won the race.
		out, err = db.findResponse(ctx, db.read("response-by-client-id"), clientID)
	}
	if err != nil {
		return nil, err
	}
	if out.AssignmentID != assignmentID {
		return nil, Errorf(ENotFound, "err.not_found")
	}
	out.Answers = instrument.Answers{}
	if err := decodeAnswers(out.AnswersJSON, out.Answers); err != nil {
		return nil, fmt.Errorf("decode response %d: %w", out.ID, err)
	}
	return out, nil
}

// FindLatestResponse returns the assignment's latest submitted response, or
// ENotFound.
func (db *DB) FindLatestResponse(ctx context.Context, assignmentID int64) (*Response, error) {
	r, err := db.findResponse(ctx, db.read("response-latest"), assignmentID)
	if err != nil {
		return nil, err
	}
	r.Answers = instrument.Answers{}
	if err := decodeAnswers(r.AnswersJSON, r.Answers); err != nil {
		return nil, fmt.Errorf("decode response %d: %w", r.ID, err)
	}
	return r, nil
}

func (db *DB) findResponse(ctx context.Context, stmt *sqlx.Stmt, arg any) (*Response, error) {
	var r Response
	if err := stmt.GetContext(ctx, &r, arg); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, Errorf(ENotFound, "err.not_found")
		}
		return nil, fmt.Errorf("find response: %w", err)
	}
	return &r, nil
}
