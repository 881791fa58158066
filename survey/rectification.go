package survey

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/jmoiron/sqlx"
)

// Rectification (差评整改): every bad rating opens a ticket for its
// department, due DefaultRectificationDays working days later. The official
// records the call-back (time and result), the outcome and what was done;
// the admin accepts it or sends it back. SA4 (closed on time) and SA5
// (identified raters called back) are counted from these tickets.

// RectificationOutcomes are the outcomes an official records: 立行立改,
// 限期整改, 解释说明, 申诉复核.
var RectificationOutcomes = []string{"immediate", "deadline", "explained", "appeal"}

const maxRectificationText = 1000

// calendarCache holds the working-day calendar in force, loaded once and
// replaced when the admin edits it.
type calendarCache struct{ cal atomic.Pointer[Calendar] }

// Calendar returns the working-day calendar: the admin's entries, or the
// arrangement built into the program when there are none.
func (db *DB) Calendar(ctx context.Context) (*Calendar, error) {
	if c := db.calendar.cal.Load(); c != nil {
		return c, nil
	}
	var rows []struct {
		Day  string `db:"day"`
		Kind string `db:"kind"`
	}
	if err := db.read("calendar-days").SelectContext(ctx, &rows); err != nil {
		return nil, fmt.Errorf("read calendar: %w", err)
	}
	cal := DefaultCalendar()
	if len(rows) > 0 {
		var holidays, makeups []Date
		for _, r := range rows {
			d, err := ParseDate(r.Day)
			if err != nil {
				return nil, fmt.Errorf("calendar day %q: %w", r.Day, err)
			}
			if r.Kind == "holiday" {
				holidays = append(holidays, d)
			} else {
				makeups = append(makeups, d)
			}
		}
		var err error
		if cal, err = NewCalendar(holidays, makeups); err != nil {
			return nil, fmt.Errorf("stored calendar: %w", err)
		}
	}
	db.calendar.cal.Store(cal)
	return cal, nil
}

// SetCalendar replaces the working-day calendar with the one text describes
// (see ParseCalendar). Errors: EInvalid wrapping CalendarLineErrors.
// Tickets already open keep their due dates.
func (db *DB) SetCalendar(ctx context.Context, text string) error {
	cal, err := ParseCalendar(text)
	if err != nil {
		return err
	}
	err = db.inTx(ctx, func(tx *sqlx.Tx) error {
		if _, err := db.write(ctx, tx, "calendar-clear").ExecContext(ctx); err != nil {
			return fmt.Errorf("clear calendar: %w", err)
		}
		for kind, days := range map[string][]Date{"holiday": cal.Holidays(), "workday": cal.MakeupWorkdays()} {
			for _, d := range days {
				if _, err := db.write(ctx, tx, "calendar-day-insert").ExecContext(ctx, d.String(), kind); err != nil {
					return fmt.Errorf("store calendar day %s: %w", d, err)
				}
			}
		}
		return db.auditChange(ctx, tx, AuditCalendarChanged, "calendar", "", fmt.Sprintf("%d holidays, %d make-up days",
			len(cal.Holidays()), len(cal.MakeupWorkdays())))
	})
	if err != nil {
		return err
	}
	db.calendar.cal.Store(cal)
	return nil
}

// openTicket opens the rectification of a bad rating inside tx.
func (db *DB) openTicket(ctx context.Context, tx *sqlx.Tx, ratingID, departmentID int64, identified bool, at, due time.Time) error {
	if _, err := db.write(ctx, tx, "rectification-insert").ExecContext(ctx, ratingID, departmentID, identified, at, due.UTC()); err != nil {
		return fmt.Errorf("open rectification of rating %d: %w", ratingID, err)
	}
	if err := db.countTickets(ctx, tx, departmentID, due, ticketDelta{due: 1}); err != nil {
		return err
	}
	if identified {
		return db.countTickets(ctx, tx, departmentID, at, ticketDelta{identified: 1})
	}
	return nil
}

// ticketDelta is a change of a department's day in rectification_rollups.
type ticketDelta struct{ due, closedOnTime, identified, identifiedCalled int }

// countTickets adds d to the department's civil day (in the database's
// zone) of t.
func (db *DB) countTickets(ctx context.Context, tx *sqlx.Tx, departmentID int64, t time.Time, d ticketDelta) error {
	day := t.In(db.Zone()).Format(time.DateOnly)
	if _, err := db.write(ctx, tx, "rectification-rollup-add").ExecContext(ctx, departmentID, day,
		d.due, d.closedOnTime, d.identified, d.identifiedCalled); err != nil {
		return fmt.Errorf("count tickets: %w", err)
	}
	if _, err := db.write(ctx, tx, "rectification-rollup-month-add").ExecContext(ctx, departmentID, day[:7],
		d.due, d.closedOnTime, d.identified, d.identifiedCalled); err != nil {
		return fmt.Errorf("count tickets in their month: %w", err)
	}
	return nil
}

// departmentTickets are one department's SA4 and SA5 counts.
type departmentTickets struct {
	DepartmentCode string `db:"department_code"`
	RectificationCounts
}

// ticketsByDepartment sums every department's ticket rollups over the
// civil days from..to (inclusive, YYYY-MM-DD).
func (db *DB) ticketsByDepartment(ctx context.Context, from, to string) ([]departmentTickets, error) {
	p, err := splitPeriod(from, to)
	if err != nil {
		return nil, fmt.Errorf("tickets by department: %w", err)
	}
	var out []departmentTickets
	if err := db.read("rectification-rollup-by-department").SelectContext(ctx, &out,
		p.firstMonth, p.lastMonth, p.headFrom, p.headTo, p.tailFrom, p.tailTo); err != nil {
		return nil, fmt.Errorf("tickets by department: %w", err)
	}
	return out, nil
}

// ticketFacts are what a ticket's changes count by.
type ticketFacts struct {
	DepartmentID int64        `db:"department_id"`
	Identified   bool         `db:"identified"`
	OpenedAt     time.Time    `db:"opened_at"`
	DueAt        time.Time    `db:"due_at"`
	RespondedAt  sql.NullTime `db:"responded_at"`
	Called       bool         `db:"called"`
}

func (db *DB) ticketFacts(ctx context.Context, tx *sqlx.Tx, id int64) (ticketFacts, error) {
	var f ticketFacts
	if err := db.write(ctx, tx, "rectification-for-rollup").GetContext(ctx, &f, id); err != nil {
		return f, fmt.Errorf("rectification %d: %w", id, err)
	}
	return f, nil
}

// Rectification is a ticket with its rating.
type Rectification struct {
	ID             int64        `db:"id"`
	RatingID       int64        `db:"rating_id"`
	DepartmentID   int64        `db:"department_id"`
	State          string       `db:"state"`
	OpenedAt       time.Time    `db:"opened_at"`
	DueAt          time.Time    `db:"due_at"`
	CallbackAt     sql.NullTime `db:"callback_at"`
	CallbackResult string       `db:"callback_result"`
	Outcome        string       `db:"outcome"`
	Action         string       `db:"action"`
	RespondedAt    sql.NullTime `db:"responded_at"`
	ClosedAt       sql.NullTime `db:"closed_at"`
	ReviewComment  string       `db:"review_comment"`
	Level          int          `db:"level"`
	Channel        string       `db:"channel"`
	Comment        string       `db:"comment"`
	Reasons        string       `db:"reasons"`
	Phone          string       `db:"phone"`
	Identified     bool         `db:"identified"`
	ServiceItem    string       `db:"service_item"`
	DepartmentCode string       `db:"department_code"`
	DeptNames
	Overdue bool `db:"-"`
}

// Open reports whether the ticket waits for the department.
func (r *Rectification) Open() bool { return r.State == "open" || r.State == "returned" }

// RectificationFilter selects tickets.
type RectificationFilter struct {
	DepartmentID int64  // 0: every department
	State        string // "", a state, or "overdue"
	Limit        int
}

// FindRectifications lists tickets, the earliest due first. Callers must
// restrict DepartmentID to what the account may see.
func (db *DB) FindRectifications(ctx context.Context, f RectificationFilter) ([]Rectification, error) {
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = 200
	}
	now := time.Now().UTC()
	overdueOnly := f.State == "overdue"
	state := f.State
	if overdueOnly {
		state = ""
	}
	var out []Rectification
	if err := db.read("rectifications-find").SelectContext(ctx, &out, f.DepartmentID, f.DepartmentID, state, state,
		overdueOnly, now, f.Limit); err != nil {
		return nil, fmt.Errorf("find rectifications: %w", err)
	}
	for i := range out {
		out[i].Overdue = out[i].Open() && now.After(out[i].DueAt)
	}
	return out, nil
}

// FindRectification returns one ticket, or ENotFound. Callers must check
// CanSeeDepartment on its DepartmentID.
func (db *DB) FindRectification(ctx context.Context, id int64) (*Rectification, error) {
	var r Rectification
	if err := db.read("rectification-by-id").GetContext(ctx, &r, id); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, Errorf(ENotFound, "err.not_found")
		}
		return nil, fmt.Errorf("find rectification %d: %w", id, err)
	}
	r.Overdue = r.Open() && time.Now().After(r.DueAt)
	return &r, nil
}

// RectificationResponse is what the department's official records.
type RectificationResponse struct {
	CallbackAt     time.Time // zero: no call-back (the rater left no number)
	CallbackResult string
	Outcome        string
	Action         string
}

// Validate checks a response, with a message per field.
func (in *RectificationResponse) Validate() FieldErrors {
	fe := FieldErrors{}
	if !slices.Contains(RectificationOutcomes, in.Outcome) {
		fe.Add("outcome", "err.rectification_outcome")
	}
	if strings.TrimSpace(in.Action) == "" {
		fe.Add("action", "err.required")
	}
	for field, s := range map[string]string{"action": in.Action, "callback_result": in.CallbackResult} {
		if !cleanMultiline(s) || utf8.RuneCountInString(s) > maxRectificationText {
			fe.Add(field, "err.text_invalid")
		}
	}
	if !in.CallbackAt.IsZero() && strings.TrimSpace(in.CallbackResult) == "" {
		fe.Add("callback_result", "err.required")
	}
	if in.CallbackAt.After(time.Now().Add(time.Hour)) {
		fe.Add("callback_at", "err.rectification_future")
	}
	return fe
}

// RespondRectification records the department's answer on an open or
// returned ticket. Errors: EInvalid with field messages; ENotFound;
// EConflict when the ticket is not waiting for an answer. Callers must have
// checked CanChangeDepartment.
func (db *DB) RespondRectification(ctx context.Context, id int64, in RectificationResponse) error {
	in.Action, in.CallbackResult = strings.TrimSpace(in.Action), strings.TrimSpace(in.CallbackResult)
	if err := in.Validate().Err(); err != nil {
		return err
	}
	var callback any
	if !in.CallbackAt.IsZero() {
		callback = in.CallbackAt.UTC()
	}
	return db.inTx(ctx, func(tx *sqlx.Tx) error {
		before, err := db.ticketFacts(ctx, tx, id)
		if errors.Is(err, sql.ErrNoRows) {
			return Errorf(ENotFound, "err.not_found")
		}
		if err != nil {
			return err
		}
		res, err := db.write(ctx, tx, "rectification-respond").ExecContext(ctx, callback, in.CallbackResult, in.Outcome, in.Action,
			time.Now().UTC(), id)
		if err != nil {
			return fmt.Errorf("respond to rectification %d: %w", id, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return db.rectificationMissing(ctx, tx, id)
		}
		// An answer after a send-back may add or withdraw the call-back:
		// the count of identified raters called back follows.
		if called := callback != nil; before.Identified && called != before.Called {
			d := ticketDelta{identifiedCalled: 1}
			if before.Called {
				d.identifiedCalled = -1
			}
			if err := db.countTickets(ctx, tx, before.DepartmentID, before.OpenedAt, d); err != nil {
				return err
			}
		}
		return db.auditChange(ctx, tx, AuditRectificationResponded, "rectification", itoa(id), in.Outcome)
	})
}

// ReviewRectification accepts a responded ticket (closing it) or sends it
// back with a comment. Errors: EInvalid (a send-back without a comment);
// ENotFound; EConflict when it is not waiting for review.
func (db *DB) ReviewRectification(ctx context.Context, id int64, accept bool, comment string) error {
	comment = strings.TrimSpace(comment)
	if !accept && comment == "" {
		return FieldErrors{"comment": "err.review_comment_required"}.Err()
	}
	if !cleanMultiline(comment) || utf8.RuneCountInString(comment) > maxRectificationText {
		return FieldErrors{"comment": "err.text_invalid"}.Err()
	}
	state, action, closed := "returned", AuditRectificationReturned, any(nil)
	if accept {
		state, action, closed = "accepted", AuditRectificationAccepted, time.Now().UTC()
	}
	return db.inTx(ctx, func(tx *sqlx.Tx) error {
		res, err := db.write(ctx, tx, "rectification-review").ExecContext(ctx, state, comment, closed, id)
		if err != nil {
			return fmt.Errorf("review rectification %d: %w", id, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return db.rectificationMissing(ctx, tx, id)
		}
		if accept {
			// Accepted is final: a ticket answered by its due time counts
			// as closed on time on its due day.
			f, err := db.ticketFacts(ctx, tx, id)
			if err != nil {
				return err
			}
			if f.RespondedAt.Valid && !f.RespondedAt.Time.After(f.DueAt) {
				if err := db.countTickets(ctx, tx, f.DepartmentID, f.DueAt, ticketDelta{closedOnTime: 1}); err != nil {
					return err
				}
			}
		}
		return db.auditChange(ctx, tx, action, "rectification", itoa(id), "")
	})
}

// rectificationMissing tells a ticket that does not exist from one in the
// wrong state.
func (db *DB) rectificationMissing(ctx context.Context, tx *sqlx.Tx, id int64) error {
	var state string
	err := db.write(ctx, tx, "rectification-state").GetContext(ctx, &state, id)
	if errors.Is(err, sql.ErrNoRows) {
		return Errorf(ENotFound, "err.not_found")
	}
	if err != nil {
		return fmt.Errorf("rectification %d: %w", id, err)
	}
	return Errorf(EConflict, "err.rectification_state")
}

// RectificationCounts are a department's tickets for SA4 and SA5.
type RectificationCounts struct {
	Due              int `db:"due"`               // due in the period
	ClosedOnTime     int `db:"closed_on_time"`    // of those, accepted by the due time
	Identified       int `db:"identified"`        // opened in the period by identified raters
	IdentifiedCalled int `db:"identified_called"` // of those, with a call-back recorded
	OpenOverdueTotal int `db:"open_overdue"`      // still open past their due time now
	OpenTotal        int `db:"open_total"`        // still open
	RespondedTotal   int `db:"responded_total"`   // waiting for the admin
	AcceptedTotal    int `db:"accepted_total"`    // closed
	ReturnedTotal    int `db:"returned_total"`    // sent back
}

// RectificationCountsBetween counts a department's tickets over [from, to)
// for SA4 and SA5, with the open and overdue tickets now.
func (db *DB) RectificationCountsBetween(ctx context.Context, departmentID int64, from, to time.Time) (RectificationCounts, error) {
	var c RectificationCounts
	now := time.Now().UTC()
	err := db.read("rectification-counts").GetContext(ctx, &c, from.UTC(), to.UTC(), from.UTC(), to.UTC(), from.UTC(), to.UTC(),
		from.UTC(), to.UTC(), now, departmentID)
	if err != nil {
		return c, fmt.Errorf("rectification counts of department %d: %w", departmentID, err)
	}
	return c, nil
}
