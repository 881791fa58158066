package survey

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"govkpi/survey/instrument"
)

// What a department's profile on the dashboard reads besides its run's
// scores: its answers to the run's campaign and its open tickets. Each is
// one statement, whatever the size of the department's history.

// DepartmentResponse is a department's assignment in a campaign with the
// latest version it submitted: the version an assessment counts (once
// approved, or before when the campaign scores unapproved answers).
type DepartmentResponse struct {
	AssignmentID int64              `db:"assignment_id"`
	State        string             `db:"state"`       // the assignment's: approved, submitted, returned…
	ResponseID   int64              `db:"response_id"` // 0 when nothing was submitted
	AnswersJSON  string             `db:"answers"`
	SubmittedAt  sql.NullTime       `db:"submitted_at"`
	Respondent   string             `db:"respondent"` // who submitted it; "" when unknown
	Answers      instrument.Answers `db:"-"`
}

// Submitted reports whether the department submitted any version.
func (r *DepartmentResponse) Submitted() bool { return r.ResponseID != 0 }

// FindDepartmentResponse returns department departmentID's assignment in
// campaign campaignID with its latest submitted answers (none when it
// submitted nothing). Errors: ENotFound when the department was not
// assigned the campaign. Callers must have checked that the account may
// read the department's answers (CanSeeDepartment, or the dashboard's
// rule for a published run's profiles).
func (db *DB) FindDepartmentResponse(ctx context.Context, campaignID, departmentID int64) (*DepartmentResponse, error) {
	var r DepartmentResponse
	err := db.read("department-response").GetContext(ctx, &r, campaignID, departmentID)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, Errorf(ENotFound, "err.not_found")
	}
	if err != nil {
		return nil, fmt.Errorf("response of department %d in campaign %d: %w", departmentID, campaignID, err)
	}
	r.Answers = instrument.Answers{}
	if r.Submitted() {
		if err := decodeAnswers(r.AnswersJSON, r.Answers); err != nil {
			return nil, fmt.Errorf("decode response %d: %w", r.ResponseID, err)
		}
	}
	return &r, nil
}

// OpenTicket is one ticket not yet closed, as a list of them shows it.
type OpenTicket struct {
	ID       int64     `db:"id"`
	State    string    `db:"state"` // open, returned or responded
	OpenedAt time.Time `db:"opened_at"`
	DueAt    time.Time `db:"due_at"`
	Level    int       `db:"level"` // the bad rating's level, 1 or 2
	// Overdue: waiting for the department past its due time (a ticket
	// answered and waiting for review is not).
	Overdue bool `db:"-"`
}

// OpenTickets are a department's tickets not yet closed: how many, how many
// of them are overdue, and the first few by due time.
type OpenTickets struct {
	Total   int
	Overdue int
	First   []OpenTicket
}

// FindOpenTickets counts department departmentID's tickets not yet
// accepted and lists the first limit of them, the earliest due first.
// Callers must have checked CanSeeDepartment.
func (db *DB) FindOpenTickets(ctx context.Context, departmentID int64, limit int) (OpenTickets, error) {
	var rows []struct {
		OpenTicket
		Total int `db:"total"`
		Late  int `db:"overdue"`
	}
	now := time.Now().UTC()
	if err := db.read("department-open-tickets").SelectContext(ctx, &rows, now, departmentID, max(limit, 1)); err != nil {
		return OpenTickets{}, fmt.Errorf("open tickets of department %d: %w", departmentID, err)
	}
	var out OpenTickets
	for k, row := range rows {
		if k == 0 {
			out.Total, out.Overdue = row.Total, row.Late
		}
		if k >= limit {
			break
		}
		t := row.OpenTicket
		t.Overdue = (t.State == "open" || t.State == "returned") && now.After(t.DueAt)
		out.First = append(out.First, t)
	}
	return out, nil
}
