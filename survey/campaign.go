package survey

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
)

// Campaign statuses, in the order a campaign goes through them.
var CampaignStatuses = []string{"draft", "open", "closed", "published"}

// campaignTransitions lists the statuses each status may move to: forward
// one step, or a closed campaign reopened.
var campaignTransitions = map[string][]string{
	"draft":  {"open"},
	"open":   {"closed"},
	"closed": {"open", "published"},
}

// AssignmentStates are the states of one department's assignment.
var AssignmentStates = []string{"not_started", "draft", "submitted", "returned", "resubmitted", "approved"}

// submittedState reports whether an assignment in state counts as answered.
func submittedState(state string) bool {
	return state == "submitted" || state == "resubmitted" || state == "approved"
}

// Campaign is one round of assessment: an instrument version assigned to
// departments for a period, open between two times.
type Campaign struct {
	ID                int64     `db:"id"`
	Code              string    `db:"code"`
	NameZh            string    `db:"name_zh"`
	NameEn            string    `db:"name_en"`
	Period            string    `db:"period"`
	InstrumentID      int64     `db:"instrument_id"`
	InstrumentCode    string    `db:"instrument_code"`
	InstrumentVersion string    `db:"instrument_version"`
	FrameworkVersion  string    `db:"framework_version"`
	OpensAt           time.Time `db:"opens_at"`
	ClosesAt          time.Time `db:"closes_at"`
	Status            string    `db:"status"`
	// ScoreUnapproved makes submitted responses feed scoring before they
	// are approved; by default only approved ones do.
	ScoreUnapproved bool `db:"score_unapproved"`
	// ProfilesOpen lets officials read every department's profile in the
	// campaign's published runs, not only their own department's.
	ProfilesOpen bool      `db:"profiles_open"`
	Assigned     int       `db:"assigned"`
	CreatedAt    time.Time `db:"created_at"`
	UpdatedAt    time.Time `db:"updated_at"`
}

// Name returns the campaign's name in lang, falling back to Chinese.
func (c *Campaign) Name(lang string) string {
	if lang == "en" && c.NameEn != "" {
		return c.NameEn
	}
	return c.NameZh
}

// NextStatuses lists the statuses the campaign may move to now.
func (c *Campaign) NextStatuses() []string { return campaignTransitions[c.Status] }

// CampaignInput is what the new-campaign form supplies.
type CampaignInput struct {
	Code             string
	NameZh           string
	NameEn           string
	Period           string
	InstrumentID     int64
	FrameworkVersion string
	OpensAt          time.Time
	ClosesAt         time.Time
	ScoreUnapproved  bool
}

// Normalize trims the input and upper-cases the code.
func (in *CampaignInput) Normalize() {
	in.Code = strings.ToUpper(strings.TrimSpace(in.Code))
	in.NameZh = strings.TrimSpace(in.NameZh)
	in.NameEn = strings.TrimSpace(in.NameEn)
	in.Period = strings.TrimSpace(in.Period)
	in.FrameworkVersion = strings.TrimSpace(in.FrameworkVersion)
}

// Validate checks the fields that need no database; keys are catalogue keys.
func (in *CampaignInput) Validate() FieldErrors {
	fe := FieldErrors{}
	fe.codeAndNames(in.Code, in.NameZh, in.NameEn)
	fe.text("period", in.Period, 32, true)
	if in.InstrumentID <= 0 {
		fe.Add("instrument_id", "err.required")
	}
	fe.text("framework_version", in.FrameworkVersion, 32, false)
	if in.OpensAt.IsZero() {
		fe.Add("opens_at", "err.required")
	}
	switch {
	case in.ClosesAt.IsZero():
		fe.Add("closes_at", "err.required")
	case !in.OpensAt.IsZero() && !in.ClosesAt.After(in.OpensAt):
		fe.Add("closes_at", "err.closes_before_opens")
	}
	return fe
}

// CreateCampaign validates and stores a new campaign as a draft. Errors:
// EInvalid with field messages (including an unknown or unpublished
// instrument), EConflict when the code is taken.
func (db *DB) CreateCampaign(ctx context.Context, in CampaignInput) (*Campaign, error) {
	in.Normalize()
	if err := in.Validate().Err(); err != nil {
		return nil, err
	}
	var id int64
	err := db.inTx(ctx, func(tx *sqlx.Tx) error {
		var inst StoredInstrument
		err := db.write(ctx, tx, "instrument-by-id").GetContext(ctx, &inst, in.InstrumentID)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			return FieldErrors{"instrument_id": "err.instrument_unknown"}.Err()
		case err != nil:
			return fmt.Errorf("find instrument %d: %w", in.InstrumentID, err)
		case inst.Status != "published":
			return FieldErrors{"instrument_id": "err.instrument_not_published"}.Err()
		}
		now := time.Now().UTC()
		err = db.write(ctx, tx, "campaign-insert").GetContext(ctx, &id, in.Code, in.NameZh, in.NameEn, in.Period,
			in.InstrumentID, in.FrameworkVersion, in.OpensAt.UTC(), in.ClosesAt.UTC(), in.ScoreUnapproved, now, now)
		if err != nil {
			if isUniqueViolation(err) {
				return &Error{Code: EConflict, Key: "err.form_invalid", Fields: FieldErrors{"code": "err.code_taken"}}
			}
			return fmt.Errorf("insert campaign %q: %w", in.Code, err)
		}
		return db.auditChange(ctx, tx, AuditCampaignCreated, "campaign", in.Code, inst.Code+" "+inst.Version)
	})
	if err != nil {
		return nil, err
	}
	return db.FindCampaignByID(ctx, id)
}

// FindCampaignByID returns the campaign or ENotFound.
func (db *DB) FindCampaignByID(ctx context.Context, id int64) (*Campaign, error) {
	var c Campaign
	if err := db.read("campaign-by-id").GetContext(ctx, &c, id); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, Errorf(ENotFound, "err.not_found")
		}
		return nil, fmt.Errorf("find campaign %d: %w", id, err)
	}
	return &c, nil
}

// FindCampaigns lists campaigns, the latest opening first.
func (db *DB) FindCampaigns(ctx context.Context) ([]Campaign, error) {
	var out []Campaign
	if err := db.read("campaigns-find").SelectContext(ctx, &out, 500); err != nil {
		return nil, fmt.Errorf("find campaigns: %w", err)
	}
	return out, nil
}

// SetCampaignStatus moves a campaign along draft → open → closed →
// published, or reopens a closed one. Errors: EInvalid for a status that
// does not exist, ENotFound, EConflict for a move not allowed from the
// current status.
func (db *DB) SetCampaignStatus(ctx context.Context, id int64, status string) error {
	if !slices.Contains(CampaignStatuses, status) {
		return Errorf(EInvalid, "err.campaign_status")
	}
	return db.inTx(ctx, func(tx *sqlx.Tx) error {
		cur, err := db.campaignState(ctx, tx, id)
		if err != nil {
			return err
		}
		if !slices.Contains(campaignTransitions[cur.Status], status) {
			return Errorf(EConflict, "err.campaign_transition")
		}
		res, err := db.write(ctx, tx, "campaign-set-status").ExecContext(ctx, status, time.Now().UTC(), id, cur.Status)
		if err != nil {
			return fmt.Errorf("set campaign %d status: %w", id, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return Errorf(EConflict, "err.campaign_transition")
		}
		return db.auditChange(ctx, tx, AuditCampaignStatus, "campaign", cur.Code, cur.Status+" → "+status)
	})
}

// SetCampaignProfilesOpen sets whether officials may read every
// department's profile in the campaign's published runs (drafts stay
// hidden from them either way); its route admits admins only. The change
// is audited; setting the value it already has changes nothing. Errors:
// ENotFound.
func (db *DB) SetCampaignProfilesOpen(ctx context.Context, id int64, open bool) error {
	return db.inTx(ctx, func(tx *sqlx.Tx) error {
		cur, err := db.campaignState(ctx, tx, id)
		if err != nil {
			return err
		}
		if cur.ProfilesOpen == open {
			return nil
		}
		if _, err := db.write(ctx, tx, "campaign-set-profiles-open").ExecContext(ctx, open, time.Now().UTC(), id); err != nil {
			return fmt.Errorf("set campaign %d profiles open: %w", id, err)
		}
		return db.auditChange(ctx, tx, AuditCampaignProfilesOpen, "campaign", cur.Code, onOff(cur.ProfilesOpen)+" → "+onOff(open))
	})
}

// onOff names a switch's position in the audit log.
func onOff(b bool) string {
	if b {
		return "on"
	}
	return "off"
}

// DepartmentSelection chooses departments for a campaign. Every criterion
// given must match: a level, a category, and an explicit list of codes.
type DepartmentSelection struct {
	Level    string
	Category string
	Codes    []string
}

// AssignDepartments assigns the campaign to the active departments that
// match sel, due when the campaign closes, skipping those already assigned,
// and returns how many were added. Errors: ENotFound; EInvalid when sel is
// empty, names an unknown level, or lists codes that do not exist (named in
// the error's Args); EConflict once the campaign is closed or published.
func (db *DB) AssignDepartments(ctx context.Context, campaignID int64, sel DepartmentSelection) (int, error) {
	sel.Level = strings.ToLower(strings.TrimSpace(sel.Level))
	sel.Category = strings.TrimSpace(sel.Category)
	var codes []string
	for _, c := range sel.Codes {
		if c = strings.ToUpper(strings.TrimSpace(c)); c != "" && !slices.Contains(codes, c) {
			codes = append(codes, c)
		}
	}
	switch {
	case sel.Level == "" && sel.Category == "" && len(codes) == 0:
		return 0, FieldErrors{"codes": "err.selection_empty"}.Err()
	case sel.Level != "" && levelRank(sel.Level) < 0:
		return 0, FieldErrors{"level": "err.level"}.Err()
	case len(codes) > 2000:
		return 0, FieldErrors{"codes": "err.text_invalid"}.Err()
	}
	added := 0
	err := db.inTx(ctx, func(tx *sqlx.Tx) error {
		cur, err := db.campaignState(ctx, tx, campaignID)
		if err != nil {
			return err
		}
		if cur.Status != "draft" && cur.Status != "open" {
			return Errorf(EConflict, "err.campaign_not_assignable")
		}
		var cands []struct {
			ID   int64  `db:"id"`
			Code string `db:"code"`
		}
		if err := db.write(ctx, tx, "campaign-candidates").SelectContext(ctx, &cands,
			sel.Level, sel.Level, sel.Category, sel.Category); err != nil {
			return fmt.Errorf("find candidate departments: %w", err)
		}
		var ids []int64
		if len(codes) > 0 {
			var unknown []string
			for _, c := range codes {
				var d Department
				err := db.write(ctx, tx, "department-by-code").GetContext(ctx, &d, c)
				if errors.Is(err, sql.ErrNoRows) {
					unknown = append(unknown, c)
				} else if err != nil {
					return fmt.Errorf("find department %q: %w", c, err)
				}
			}
			if len(unknown) > 0 {
				return &Error{Code: EInvalid, Key: "err.codes_unknown", Args: []any{strings.Join(unknown, ", ")},
					Fields: FieldErrors{"codes": "err.codes_unknown"}}
			}
			for _, d := range cands {
				if slices.Contains(codes, d.Code) {
					ids = append(ids, d.ID)
				}
			}
		} else {
			for _, d := range cands {
				ids = append(ids, d.ID)
			}
		}
		now := time.Now().UTC()
		for _, id := range ids {
			res, err := db.write(ctx, tx, "assignment-insert").ExecContext(ctx, campaignID, id, cur.ClosesAt.UTC(), now)
			if err != nil {
				return fmt.Errorf("assign department %d: %w", id, err)
			}
			n, _ := res.RowsAffected()
			added += int(n)
		}
		return db.auditChange(ctx, tx, AuditCampaignAssigned, "campaign", cur.Code, fmt.Sprintf("%d added", added))
	})
	if err != nil {
		return 0, err
	}
	return added, nil
}

// Assignment is one department's task in a campaign, with the names a list
// shows.
type Assignment struct {
	ID             int64     `db:"id"`
	CampaignID     int64     `db:"campaign_id"`
	DepartmentID   int64     `db:"department_id"`
	State          string    `db:"state"`
	DueAt          time.Time `db:"due_at"`
	UpdatedAt      time.Time `db:"updated_at"`
	DepartmentCode string    `db:"department_code"`
	DeptNames
	CampaignCode   string      `db:"campaign_code"`
	CampaignNameZh string      `db:"campaign_name_zh"`
	CampaignNameEn string      `db:"campaign_name_en"`
	CampaignPeriod string      `db:"campaign_period"`
	CampaignStatus string      `db:"campaign_status"`
	InstrumentID   int64       `db:"instrument_id"`
	Overdue        bool        `db:"-"`
	Return         *ReturnNote `db:"-"` // the reviewer's comment, on a returned assignment when loaded
}

// CampaignName returns the campaign's name in lang.
func (a *Assignment) CampaignName(lang string) string {
	if lang == "en" && a.CampaignNameEn != "" {
		return a.CampaignNameEn
	}
	return a.CampaignNameZh
}

// Submitted reports whether the department has answered.
func (a *Assignment) Submitted() bool { return submittedState(a.State) }

// overdue reports whether a is late: not answered, past due, while its
// campaign is open.
func (a *Assignment) overdue(campaignStatus string, now time.Time) bool {
	return campaignStatus == "open" && !a.Submitted() && now.After(a.DueAt)
}

// StateCount is the number of assignments in one state.
type StateCount struct {
	State string
	N     int
}

// CampaignProgress is the progress board of a campaign.
type CampaignProgress struct {
	Counts    []StateCount // every state, in workflow order
	Total     int
	Submitted int
	Rate      float64 // submitted, resubmitted or approved over total; 0 with none assigned
	Overdue   []Assignment
	All       []Assignment // every assignment, by department code
}

// RatePercent is Rate as a percentage rounded to one decimal, for display.
func (p *CampaignProgress) RatePercent() string { return fmt.Sprintf("%.1f%%", p.Rate*100) }

// CampaignProgress counts a campaign's assignments by state and lists the
// overdue ones. Errors: ENotFound.
func (db *DB) CampaignProgress(ctx context.Context, id int64) (*CampaignProgress, error) {
	c, err := db.FindCampaignByID(ctx, id)
	if err != nil {
		return nil, err
	}
	var rows []struct {
		State string `db:"state"`
		N     int    `db:"n"`
	}
	if err := db.read("campaign-state-counts").SelectContext(ctx, &rows, id); err != nil {
		return nil, fmt.Errorf("count assignments of campaign %d: %w", id, err)
	}
	p := &CampaignProgress{}
	for _, st := range AssignmentStates {
		sc := StateCount{State: st}
		for _, r := range rows {
			if r.State == st {
				sc.N = r.N
			}
		}
		p.Counts = append(p.Counts, sc)
		p.Total += sc.N
		if submittedState(st) {
			p.Submitted += sc.N
		}
	}
	if p.Total > 0 {
		p.Rate = float64(p.Submitted) / float64(p.Total)
	}
	all, err := db.CampaignAssignments(ctx, id)
	if err != nil {
		return nil, err
	}
	now := time.Now()
	for i := range all {
		if all[i].overdue(c.Status, now) {
			all[i].Overdue = true
			p.Overdue = append(p.Overdue, all[i])
		}
	}
	p.All = all
	return p, nil
}

// CampaignAssignments lists every assignment of a campaign by department
// code.
func (db *DB) CampaignAssignments(ctx context.Context, id int64) ([]Assignment, error) {
	var out []Assignment
	if err := db.read("campaign-assignments").SelectContext(ctx, &out, id); err != nil {
		return nil, fmt.Errorf("assignments of campaign %d: %w", id, err)
	}
	return out, nil
}

// FindAssignmentsForDepartment lists a department's assignments in
// campaigns that are no longer drafts, the earliest due first. Callers must
// have checked CanSeeDepartment.
func (db *DB) FindAssignmentsForDepartment(ctx context.Context, deptID int64) ([]Assignment, error) {
	var out []Assignment
	if err := db.read("department-assignments").SelectContext(ctx, &out, deptID); err != nil {
		return nil, fmt.Errorf("assignments of department %d: %w", deptID, err)
	}
	now := time.Now()
	for i := range out {
		out[i].Overdue = out[i].overdue(out[i].CampaignStatus, now)
	}
	return out, nil
}

// campaignState is what a campaign write checks first: its status (the row
// is locked on PostgreSQL until the transaction ends).
type campaignState struct {
	Code         string    `db:"code"`
	Status       string    `db:"status"`
	ClosesAt     time.Time `db:"closes_at"`
	ProfilesOpen bool      `db:"profiles_open"`
}

func (db *DB) campaignState(ctx context.Context, tx *sqlx.Tx, id int64) (campaignState, error) {
	var cur campaignState
	err := db.write(ctx, tx, "campaign-status-of").GetContext(ctx, &cur, id)
	if errors.Is(err, sql.ErrNoRows) {
		return cur, Errorf(ENotFound, "err.not_found")
	}
	if err != nil {
		return cur, fmt.Errorf("find campaign %d: %w", id, err)
	}
	return cur, nil
}
