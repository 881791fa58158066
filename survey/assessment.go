package survey

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"time"

	"github.com/jmoiron/sqlx"

	"govkpi/scoring"
)

// Assessment runs: a campaign scored by the engine from what the database
// holds (answers, ratings, tickets, imported metrics), kept with all it was
// computed from. A draft is recomputed in place whenever asked; publishing
// freezes it for good — the database refuses any later change — and a
// recomputation after that makes a new draft, compared with the published
// run so the office sees what moved and why.

// Assessment run states.
const (
	RunDraft     = "draft"
	RunPublished = "published"
)

// AssessmentRun is one scoring run of a campaign. Inputs and Result are
// JSON documents: the scoring table and the engine's whole output; lists
// of runs leave them empty.
type AssessmentRun struct {
	ID               int64         `db:"id"`
	CampaignID       int64         `db:"campaign_id"`
	State            string        `db:"state"`
	FrameworkCode    string        `db:"framework_code"`
	FrameworkVersion string        `db:"framework_version"`
	Options          string        `db:"options"`
	InputsHash       string        `db:"inputs_hash"`
	Units            int           `db:"units"`
	Scored           int           `db:"scored"`
	Coverage         string        `db:"coverage"`
	Inputs           string        `db:"inputs"`
	Result           string        `db:"result"`
	ComputedBy       sql.NullInt64 `db:"computed_by"`
	ComputedAt       time.Time     `db:"computed_at"`
	PublishedBy      sql.NullInt64 `db:"published_by"`
	PublishedAt      sql.NullTime  `db:"published_at"`
	ComputerName     string        `db:"computer_name"`
	PublisherName    string        `db:"publisher_name"`
}

// ListedRun is a run as home pages list it.
type ListedRun struct {
	ID             int64        `db:"id"`
	CampaignID     int64        `db:"campaign_id"`
	State          string       `db:"state"`
	Units          int          `db:"units"`
	Scored         int          `db:"scored"`
	ComputedAt     time.Time    `db:"computed_at"`
	PublishedAt    sql.NullTime `db:"published_at"`
	CampaignNameZh string       `db:"campaign_name_zh"`
	CampaignNameEn string       `db:"campaign_name_en"`
	CampaignPeriod string       `db:"campaign_period"`
}

// CampaignName is the run's campaign's name in lang.
func (r *ListedRun) CampaignName(lang string) string {
	if lang == "en" && r.CampaignNameEn != "" {
		return r.CampaignNameEn
	}
	return r.CampaignNameZh
}

// ListedRuns are the latest twenty runs: published ones, and drafts too
// when withDrafts.
func (db *DB) ListedRuns(ctx context.Context, withDrafts bool) ([]ListedRun, error) {
	var out []ListedRun
	if err := db.read("assessment-runs-listed").SelectContext(ctx, &out, withDrafts); err != nil {
		return nil, fmt.Errorf("listed runs: %w", err)
	}
	return out, nil
}

// Published reports whether the run is frozen.
func (r *AssessmentRun) Published() bool { return r.State == RunPublished }

// ShortHash is the first twelve hex digits of the inputs hash.
func (r *AssessmentRun) ShortHash() string {
	if len(r.InputsHash) > 12 {
		return r.InputsHash[:12]
	}
	return r.InputsHash
}

// RunCoverage says how the campaign's data covered the table: the feed
// report's counts, kept with the run.
type RunCoverage struct {
	Assigned      int            `json:"assigned"`
	Counted       int            `json:"counted"`
	NotCounted    map[string]int `json:"not_counted,omitempty"`
	Unsupplied    []string       `json:"unsupplied,omitempty"`
	RatingsFrom   string         `json:"ratings_from,omitempty"`
	RatingsTo     string         `json:"ratings_to,omitempty"`
	MetricsPeriod string         `json:"metrics_period,omitempty"`
	MetricBatches []int64        `json:"metric_batches,omitempty"`
	// Missing is the share of the table's cells without a value.
	Missing float64 `json:"missing"`
}

// MissingPercent is Missing as a whole percentage, for pages.
func (c RunCoverage) MissingPercent() string {
	return strconv.Itoa(int(math.Round(c.Missing*100))) + "%"
}

// CoverageOf decodes the run's coverage.
func (r *AssessmentRun) CoverageOf() RunCoverage {
	var c RunCoverage
	json.Unmarshal([]byte(r.Coverage), &c)
	return c
}

// runInputs is the scoring table as a run keeps it: missing values are
// null.
type runInputs struct {
	Units   []scoring.Unit `json:"units"`
	Columns []string       `json:"columns"`
	Values  [][]*float64   `json:"values"` // by column, then unit
}

// assessmentFramework returns the framework a campaign is scored with and
// its YAML text, which the run's inputs hash covers: the stored version
// the campaign names as "CODE VERSION", or as "VERSION" when only one code
// has it, or the built-in default ("DGMI 2026.1", "2026.1" or nothing),
// which needs no row. Errors: EInvalid naming what was asked for.
func (db *DB) assessmentFramework(ctx context.Context, c *Campaign) (*scoring.Framework, []byte, error) {
	v, fw, err := db.namedFramework(ctx, c.FrameworkVersion)
	if err != nil {
		return nil, nil, err
	}
	return fw, []byte(v.Document), nil
}

// ComputeAssessment scores a campaign from the database and keeps the
// result as the campaign's draft run, recomputing the draft in place when
// there is one. Published runs are never touched. Errors: ENotFound for an
// unknown campaign; EInvalid when its framework version is unknown or the
// engine refuses the data.
func (db *DB) ComputeAssessment(ctx context.Context, campaignID int64) (*AssessmentRun, error) {
	c, err := db.FindCampaignByID(ctx, campaignID)
	if err != nil {
		return nil, err
	}
	fw, fwText, err := db.assessmentFramework(ctx, c)
	if err != nil {
		return nil, err
	}
	var vars []string
	for _, v := range fw.Variables {
		vars = append(vars, v.Code)
	}
	table, rep, err := db.CampaignTable(ctx, campaignID, vars)
	if err != nil {
		return nil, err
	}
	// Explanations (contributions, strengths, what-if) are not kept: they
	// follow from the kept inputs, framework and options, and a profile
	// page recomputes them for its department in milliseconds, while
	// keeping them for 5,000 departments would make the result forty times
	// larger (docs/BENCHMARKS.md).
	opts := scoring.Options{}
	res, err := scoring.Run(fw, table, opts)
	if err != nil {
		return nil, Errorf(EInvalid, "assess.engine_refused", err.Error())
	}
	var out bytes.Buffer
	if err := res.WriteRecord(&out); err != nil {
		return nil, err
	}
	inputs, missing := encodeInputs(table)
	cov, _ := json.Marshal(RunCoverage{Assigned: rep.Assigned, Counted: rep.Counted, NotCounted: rep.NotCounted,
		Unsupplied: rep.Unsupplied, RatingsFrom: rep.RatingsFrom, RatingsTo: rep.RatingsTo,
		MetricsPeriod: rep.MetricsPeriod, MetricBatches: rep.MetricBatches, Missing: missing})
	optText := `{}`
	h := sha256.New()
	for _, part := range [][]byte{fwText, []byte(optText), inputs} {
		fmt.Fprintf(h, "%d\n", len(part))
		h.Write(part)
	}
	scored := 0
	for _, s := range res.RootScores() {
		if !math.IsNaN(s) {
			scored++
		}
	}
	run := &AssessmentRun{CampaignID: campaignID, State: RunDraft, FrameworkCode: fw.Code, FrameworkVersion: fw.Version,
		Options: optText, InputsHash: hex.EncodeToString(h.Sum(nil)), Units: len(table.Units), Scored: scored,
		Coverage: string(cov), Inputs: string(inputs), Result: out.String(), ComputedAt: time.Now().UTC().Truncate(time.Microsecond)}
	actor, _ := ctx.Value(actorKey{}).(AuditEntry)
	run.ComputedBy = actor.ActorID
	err = db.inTx(ctx, func(tx *sqlx.Tx) error {
		var draft int64
		err := db.write(ctx, tx, "assessment-draft-of").GetContext(ctx, &draft, campaignID)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			err = db.write(ctx, tx, "assessment-insert").GetContext(ctx, &run.ID, campaignID, run.FrameworkCode,
				run.FrameworkVersion, run.Options, run.InputsHash, run.Units, run.Scored, run.Coverage, run.Inputs,
				run.Result, run.ComputedBy, run.ComputedAt)
		case err == nil:
			run.ID = draft
			_, err = db.write(ctx, tx, "assessment-recompute").ExecContext(ctx, run.FrameworkCode, run.FrameworkVersion,
				run.Options, run.InputsHash, run.Units, run.Scored, run.Coverage, run.Inputs, run.Result,
				run.ComputedBy, run.ComputedAt, draft)
		}
		if isUniqueViolation(err) {
			// Another computation of the campaign made the draft meanwhile
			// (PostgreSQL; SQLite's single writer serialises them).
			return Errorf(EConflict, "assess.busy")
		}
		if err != nil {
			return fmt.Errorf("keep assessment run: %w", err)
		}
		return db.auditChange(ctx, tx, AuditAssessmentComputed, "assessment_run", itoa(run.ID),
			fmt.Sprintf("campaign %d, %d of %d scored, inputs %s", campaignID, scored, run.Units, run.ShortHash()))
	})
	if err != nil {
		return nil, err
	}
	return run, nil
}

// encodeInputs writes the table as JSON and returns the share of its
// cells without a value.
func encodeInputs(t *scoring.Table) ([]byte, float64) {
	in := runInputs{Units: t.Units, Columns: t.Columns, Values: make([][]*float64, len(t.Columns))}
	cells, missing := 0, 0
	for j := range t.Columns {
		col := make([]*float64, len(t.Units))
		for i := range t.Units {
			cells++
			if v := t.Values[j][i]; !math.IsNaN(v) {
				col[i] = &v
			} else {
				missing++
			}
		}
		in.Values[j] = col
	}
	b, _ := json.Marshal(in)
	share := 0.0
	if cells > 0 {
		share = float64(missing) / float64(cells)
	}
	return b, share
}

// PublishAssessment freezes a draft run. Errors: ENotFound; EConflict when
// it is published already.
func (db *DB) PublishAssessment(ctx context.Context, runID int64) error {
	actor, _ := ctx.Value(actorKey{}).(AuditEntry)
	return db.inTx(ctx, func(tx *sqlx.Tx) error {
		res, err := db.write(ctx, tx, "assessment-publish").ExecContext(ctx, actor.ActorID, time.Now().UTC(), runID)
		if err != nil {
			return fmt.Errorf("publish run %d: %w", runID, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			if _, err := db.FindAssessmentRun(ctx, runID); err != nil {
				return err
			}
			return Errorf(EConflict, "assess.published_before")
		}
		return db.auditChange(ctx, tx, AuditAssessmentPublished, "assessment_run", itoa(runID), "")
	})
}

// AssessmentRuns lists a campaign's runs, newest first, without their
// inputs and results.
func (db *DB) AssessmentRuns(ctx context.Context, campaignID int64) ([]AssessmentRun, error) {
	var out []AssessmentRun
	if err := db.read("assessment-runs").SelectContext(ctx, &out, campaignID); err != nil {
		return nil, fmt.Errorf("assessment runs of %d: %w", campaignID, err)
	}
	return out, nil
}

// FindAssessmentRun returns a run whole. Errors: ENotFound.
func (db *DB) FindAssessmentRun(ctx context.Context, id int64) (*AssessmentRun, error) {
	var r AssessmentRun
	err := db.read("assessment-run").GetContext(ctx, &r, id)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, Errorf(ENotFound, "err.not_found")
	}
	if err != nil {
		return nil, fmt.Errorf("assessment run %d: %w", id, err)
	}
	return &r, nil
}

// FindAssessmentRunHead returns a run without its inputs and result.
// Errors: ENotFound.
func (db *DB) FindAssessmentRunHead(ctx context.Context, id int64) (*AssessmentRun, error) {
	var r AssessmentRun
	err := db.read("assessment-run-head").GetContext(ctx, &r, id)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, Errorf(ENotFound, "err.not_found")
	}
	if err != nil {
		return nil, fmt.Errorf("assessment run %d: %w", id, err)
	}
	return &r, nil
}

// InputsTable decodes the scoring table the run was computed from.
func (r *AssessmentRun) InputsTable() (*scoring.Table, error) {
	var in runInputs
	if err := json.Unmarshal([]byte(r.Inputs), &in); err != nil {
		return nil, fmt.Errorf("run %d inputs: %w", r.ID, err)
	}
	t := scoring.NewTable(in.Units, in.Columns)
	for j := range in.Columns {
		if j >= len(in.Values) {
			break
		}
		for i, v := range in.Values[j] {
			if v != nil && i < len(t.Units) {
				t.Values[j][i] = *v
			}
		}
	}
	return t, nil
}

// RunFramework returns the framework the run was computed with: the
// stored version it names (versions never change) or the built-in
// default. Errors: EInvalid when there is no such version.
func (db *DB) RunFramework(ctx context.Context, r *AssessmentRun) (*scoring.Framework, error) {
	fw, _, err := db.assessmentFramework(ctx, &Campaign{FrameworkVersion: r.FrameworkCode + " " + r.FrameworkVersion})
	return fw, err
}

// LatestPublishedRun returns the campaign's latest published run, or nil.
func (db *DB) LatestPublishedRun(ctx context.Context, campaignID int64) (*AssessmentRun, error) {
	var id int64
	err := db.read("assessment-latest-published").GetContext(ctx, &id, campaignID)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("published run of %d: %w", campaignID, err)
	}
	return db.FindAssessmentRun(ctx, id)
}

// RunUnit is one department's outcome in a run.
type RunUnit struct {
	Code  string   `json:"code"`
	Name  string   `json:"name"`
	Group string   `json:"group"`
	Score *float64 `json:"score"`
	Level string   `json:"level"`
	Rank  int      `json:"rank"`
}

// RunOutcome is what a run's result says of the departments, decoded once:
// every department ranked first, by rank, then the unscored in table order,
// and the run's band set, lowest band first.
type RunOutcome struct {
	Units []RunUnit
	Bands []scoring.Band
}

// Outcome decodes the run's result.
func (r *AssessmentRun) Outcome() (*RunOutcome, error) {
	var doc struct {
		Bands string    `json:"bands"`
		Units []RunUnit `json:"units"`
	}
	if err := json.Unmarshal([]byte(r.Result), &doc); err != nil {
		return nil, fmt.Errorf("run %d result: %w", r.ID, err)
	}
	slices.SortStableFunc(doc.Units, func(a, b RunUnit) int {
		switch {
		case a.Rank == b.Rank:
			return 0
		case a.Rank == 0:
			return 1
		case b.Rank == 0:
			return -1
		}
		return a.Rank - b.Rank
	})
	return &RunOutcome{Units: doc.Units, Bands: scoring.BandSets()[doc.Bands].Bands}, nil
}

// BandName is the name in lang of the band with code, or the code itself
// when the set has no such band.
func (o *RunOutcome) BandName(code, lang string) string {
	for _, b := range o.Bands {
		if b.Code == code {
			if lang == "en" {
				return b.NameEn
			}
			return b.NameZh
		}
	}
	return code
}

// RunChange is a department whose outcome differs between two runs, with
// the inputs that differ.
type RunChange struct {
	Code             string
	Name             string
	Before, After    *float64
	RankBefore, Rank int
	Inputs           []InputChange
}

// InputChange is one input cell that differs.
type InputChange struct {
	Variable      string
	Before, After *float64
}

// CompareRuns lists the departments whose score, rank or inputs differ
// from base (the published run) to run, ordered by code, with the input
// cells that changed for each. Departments in only one of the runs are
// listed too.
func CompareRuns(base, run *AssessmentRun) ([]RunChange, error) {
	bo, err := base.Outcome()
	if err != nil {
		return nil, err
	}
	ro, err := run.Outcome()
	if err != nil {
		return nil, err
	}
	bu, ru := bo.Units, ro.Units
	var bi, ri runInputs
	if err := json.Unmarshal([]byte(base.Inputs), &bi); err != nil {
		return nil, fmt.Errorf("run %d inputs: %w", base.ID, err)
	}
	if err := json.Unmarshal([]byte(run.Inputs), &ri); err != nil {
		return nil, fmt.Errorf("run %d inputs: %w", run.ID, err)
	}
	before := map[string]RunUnit{}
	for _, u := range bu {
		before[u.Code] = u
	}
	var out []RunChange
	seen := map[string]bool{}
	for _, u := range ru {
		seen[u.Code] = true
		b, ok := before[u.Code]
		inputs := inputChanges(&bi, &ri, u.Code)
		if ok && sameNumber(b.Score, u.Score) && b.Rank == u.Rank && len(inputs) == 0 {
			continue
		}
		out = append(out, RunChange{Code: u.Code, Name: u.Name, Before: b.Score, After: u.Score, RankBefore: b.Rank, Rank: u.Rank,
			Inputs: inputs})
	}
	for _, u := range bu {
		if !seen[u.Code] {
			out = append(out, RunChange{Code: u.Code, Name: u.Name, Before: u.Score, RankBefore: u.Rank})
		}
	}
	slices.SortFunc(out, func(a, b RunChange) int {
		switch {
		case a.Code < b.Code:
			return -1
		case a.Code > b.Code:
			return 1
		}
		return 0
	})
	return out, nil
}

func sameNumber(a, b *float64) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return math.Abs(*a-*b) <= 1e-9
}

// inputChanges compares one unit's cells across two tables, by column name.
func inputChanges(a, b *runInputs, code string) []InputChange {
	col := func(in *runInputs, unit int, name string) *float64 {
		j := slices.Index(in.Columns, name)
		if j < 0 || unit < 0 {
			return nil
		}
		return in.Values[j][unit]
	}
	unitOf := func(in *runInputs) int {
		return slices.IndexFunc(in.Units, func(u scoring.Unit) bool { return u.Code == code })
	}
	ua, ub := unitOf(a), unitOf(b)
	var out []InputChange
	for _, name := range b.Columns {
		x, y := col(a, ua, name), col(b, ub, name)
		if !sameNumber(x, y) {
			out = append(out, InputChange{Variable: name, Before: x, After: y})
		}
	}
	return out
}
