package survey

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"govkpi/scoring"
	"govkpi/survey/instrument"
)

// The citizen questionnaire's aggregate variables (SA7) and the six
// 5-point items they are computed from; see the header of
// instrument/questionnaires/citizen.yaml.
const (
	VarSurveyScoreTotal = "sa_survey_score_total"
	VarSurveyItemCount  = "sa_survey_item_answers"
)

var surveyScoreItems = []string{"overall_satisfaction", "process_ease",
	"aspect_staff", "aspect_waiting", "aspect_information", "aspect_online"}

// FeedReport says how a campaign's responses became a scoring table.
type FeedReport struct {
	CampaignID int64
	Assigned   int            // assigned departments (units of the table)
	Counted    int            // departments whose answers were used
	NotCounted map[string]int // departments not counted, by assignment state
	// Unsupplied lists requested variables that neither the campaign's
	// instrument nor the survey aggregates supply: their columns stay
	// missing for every unit.
	Unsupplied  []string
	Departments []FeedDepartment // in table order
	// RatingsFrom and RatingsTo are the days (inclusive) whose ratings and
	// rectification tickets fed the rating variables, if any were asked.
	RatingsFrom, RatingsTo string
	// MetricsPeriod is the year whose imported metrics fed the metric
	// variables, and MetricBatches the import batches their values came
	// from, if any were asked.
	MetricsPeriod string
	MetricBatches []int64
}

// FeedDepartment is one unit of the table and what fed it.
type FeedDepartment struct {
	Code       string
	State      string
	Counted    bool
	ResponseID int64 // the counted response; 0 when not counted
	// NotNumbers names the answers that should have been numbers and were
	// not; they are missing in the table.
	NotNumbers []string
}

// feedRow is an assignment of the campaign with its latest response.
type feedRow struct {
	AssignmentID int64  `db:"assignment_id"`
	State        string `db:"state"`
	Code         string `db:"code"`
	NameZh       string `db:"name_zh"`
	Level        string `db:"level"`
	Category     string `db:"category"`
	ResponseID   int64  `db:"response_id"`
	Answers      string `db:"answers"`
}

// countedState reports whether an assignment in state feeds scoring: an
// approved one always, a submitted or resubmitted one when the campaign
// scores unapproved responses. A returned one is being corrected and
// never counts.
func countedState(state string, scoreUnapproved bool) bool {
	switch state {
	case "approved":
		return true
	case "submitted", "resubmitted":
		return scoreUnapproved
	}
	return false
}

// CampaignTable builds the scoring table of a campaign: one unit per
// assigned department, ordered by code, with the department's level and
// category as its peer group, and one column per requested variable (the
// framework's variable codes; a code given twice makes one column).
//
// A department counts when its assignment is approved, or also submitted
// or resubmitted when the campaign scores unapproved responses; its
// counted response is the assignment's latest version (earlier versions
// were superseded). From it every answer named like a requested variable
// is copied when it is a number; anything else is missing (NaN), and a
// maturity answer 0 (unknown or not applicable) is missing, never zero.
// When sa_survey_score_total or sa_survey_item_answers is requested and
// the instrument has any of the citizen questionnaire's six 5-point items,
// both are computed as citizen.yaml says: per department, the sum of the
// items answered (1–5) and how many were answered; a department with none
// answered has both missing. Uncounted departments are missing throughout.
// Errors: ENotFound for an unknown campaign.
func (db *DB) CampaignTable(ctx context.Context, campaignID int64, variables []string) (*scoring.Table, *FeedReport, error) {
	c, err := db.FindCampaignByID(ctx, campaignID)
	if err != nil {
		return nil, nil, err
	}
	st, err := db.FindInstrumentByID(ctx, c.InstrumentID)
	if err != nil {
		return nil, nil, err
	}
	in, err := st.Instrument()
	if err != nil {
		return nil, nil, err
	}
	f := newFeeder(in, variables)
	rep := &FeedReport{CampaignID: campaignID, NotCounted: map[string]int{}}
	for _, v := range f.columns {
		if !f.supplied(v) {
			rep.Unsupplied = append(rep.Unsupplied, v)
		}
	}

	// One statement reads every assignment with its latest response, so a
	// review that lands meanwhile cannot pair an approval with a newer,
	// unapproved version.
	rows, err := db.read("feed-latest").QueryxContext(ctx, campaignID)
	if err != nil {
		return nil, nil, fmt.Errorf("feed campaign %d: %w", campaignID, err)
	}
	defer rows.Close()
	var units []scoring.Unit
	var values [][]float64 // by unit, then column
	for rows.Next() {
		var row feedRow
		if err := rows.StructScan(&row); err != nil {
			return nil, nil, fmt.Errorf("feed campaign %d: %w", campaignID, err)
		}
		group := row.Level
		if row.Category != "" {
			group += "/" + row.Category
		}
		units = append(units, scoring.Unit{Code: row.Code, Name: row.NameZh, Group: group})
		d := FeedDepartment{Code: row.Code, State: row.State}
		vals := nanRow(len(f.columns))
		if countedState(row.State, c.ScoreUnapproved) && row.ResponseID != 0 {
			answers := instrument.Answers{}
			if err := decodeAnswers(row.Answers, answers); err != nil {
				return nil, nil, fmt.Errorf("decode response %d: %w", row.ResponseID, err)
			}
			d.Counted, d.ResponseID = true, row.ResponseID
			d.NotNumbers = f.fill(vals, answers)
			rep.Counted++
		} else {
			rep.NotCounted[row.State]++
		}
		values = append(values, vals)
		rep.Departments = append(rep.Departments, d)
	}
	if err := rows.Err(); err != nil {
		return nil, nil, fmt.Errorf("feed campaign %d: %w", campaignID, err)
	}
	rep.Assigned = len(units)

	if err := db.feedRatings(ctx, c, f, units, values, rep); err != nil {
		return nil, nil, err
	}
	if err := db.feedMetrics(ctx, c, f, units, values, rep); err != nil {
		return nil, nil, err
	}
	t := scoring.NewTable(units, f.columns)
	for i, vals := range values {
		for j, v := range vals {
			t.Values[j][i] = v
		}
	}
	return t, rep, nil
}

// feeder turns one response's answers into a row of the table.
type feeder struct {
	columns  []string
	col      map[string]int // column index by variable
	maturity map[string]bool
	answered map[string]bool // variables the instrument asks
	items    []string        // the citizen items the instrument asks, when aggregated
	total    int             // column of sa_survey_score_total, or -1
	count    int             // column of sa_survey_item_answers, or -1
}

func newFeeder(in *instrument.Instrument, variables []string) *feeder {
	f := &feeder{col: map[string]int{}, maturity: map[string]bool{}, answered: map[string]bool{}, total: -1, count: -1}
	for _, v := range variables {
		if _, dup := f.col[v]; dup {
			continue
		}
		f.col[v] = len(f.columns)
		f.columns = append(f.columns, v)
	}
	for _, sec := range in.Sections {
		for _, q := range sec.Questions {
			for _, v := range q.Variables() {
				f.answered[v] = true
			}
			if q.Type == instrument.TypeMaturity {
				f.maturity[q.Name] = true // not <name>_evidence, which is text
			}
		}
	}
	_, wantTotal := f.col[VarSurveyScoreTotal]
	_, wantCount := f.col[VarSurveyItemCount]
	if wantTotal || wantCount {
		for _, it := range surveyScoreItems {
			if f.answered[it] {
				f.items = append(f.items, it)
			}
		}
	}
	if len(f.items) > 0 {
		if j, ok := f.col[VarSurveyScoreTotal]; ok {
			f.total = j
		}
		if j, ok := f.col[VarSurveyItemCount]; ok {
			f.count = j
		}
	}
	return f
}

// supplied reports whether anything can fill column v.
func (f *feeder) supplied(v string) bool {
	if _, ok := ratingVariables[v]; ok {
		return true
	}
	if _, ok := metricVariable(v); ok {
		return true
	}
	if j := f.col[v]; j == f.total || j == f.count {
		return true
	}
	return f.answered[v]
}

// fill writes answers into vals and returns the names of answers that
// should have been numbers and were not.
func (f *feeder) fill(vals []float64, answers instrument.Answers) []string {
	var bad []string
	for name, j := range f.col {
		if j == f.total || j == f.count {
			continue
		}
		a := strings.TrimSpace(answers[name])
		if a == "" || (f.maturity[name] && a == "0") {
			continue // missing, or unknown: never zero
		}
		x, ok := parseNumber(a)
		if !ok {
			bad = append(bad, name)
			continue
		}
		vals[j] = x
	}
	if len(f.items) > 0 {
		sum, n := 0, 0
		for _, it := range f.items {
			a := strings.TrimSpace(answers[it])
			if a == "" {
				continue // left blank: counts in neither
			}
			k, err := strconv.Atoi(a)
			if err != nil || k < 1 || k > 5 {
				bad = append(bad, it)
				continue
			}
			sum += k
			n++
		}
		if n > 0 {
			if f.total >= 0 {
				vals[f.total] = float64(sum)
			}
			if f.count >= 0 {
				vals[f.count] = float64(n)
			}
		}
	}
	slices.Sort(bad)
	return bad
}

// parseNumber reads a finite decimal number; "NaN" and "Inf", which
// strconv accepts, are not answers.
func parseNumber(s string) (float64, bool) {
	x, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(x) || math.IsInf(x, 0) {
		return 0, false
	}
	return x, true
}

func nanRow(n int) []float64 {
	out := make([]float64, n)
	for i := range out {
		out[i] = math.NaN()
	}
	return out
}

// ratingVariables are the framework variables counted from ratings and
// rectification tickets, with how each is read from the counts.
var ratingVariables = map[string]func(RatingCounts, RectificationCounts) int{
	"sa_ratings_total":                 func(r RatingCounts, _ RectificationCounts) int { return r.Total() },
	"sa_ratings_very_satisfied":        func(r RatingCounts, _ RectificationCounts) int { return r.N5 },
	"sa_ratings_satisfied":             func(r RatingCounts, _ RectificationCounts) int { return r.N4 },
	"sa_ratings_basic":                 func(r RatingCounts, _ RectificationCounts) int { return r.N3 },
	"sa_ratings_dissatisfied":          func(r RatingCounts, _ RectificationCounts) int { return r.N2 },
	"sa_ratings_very_dissatisfied":     func(r RatingCounts, _ RectificationCounts) int { return r.N1 },
	"sa_bad_reviews_due":               func(_ RatingCounts, x RectificationCounts) int { return x.Due },
	"sa_bad_reviews_closed_on_time":    func(_ RatingCounts, x RectificationCounts) int { return x.ClosedOnTime },
	"sa_named_bad_reviews":             func(_ RatingCounts, x RectificationCounts) int { return x.Identified },
	"sa_named_bad_reviews_called_back": func(_ RatingCounts, x RectificationCounts) int { return x.IdentifiedCalled },
}

// RatingPeriod is the time the campaign's ratings are counted over: the
// calendar year its period names ("2026 年度"), or else from its opening
// to its closing. The end is exclusive.
func (c *Campaign) RatingPeriod(loc *time.Location) (from, to time.Time) {
	if len(c.Period) >= 4 {
		if y, err := strconv.Atoi(c.Period[:4]); err == nil && y > 1900 {
			return time.Date(y, 1, 1, 0, 0, 0, 0, loc), time.Date(y+1, 1, 1, 0, 0, 0, 0, loc)
		}
	}
	return c.OpensAt.In(loc), c.ClosesAt.In(loc)
}

// feedRatings fills the requested rating variables of every unit from the
// daily rollups of ratings and of tickets over the campaign's rating period
// (no raw rating or ticket is read). A department without ratings has zero counts.
func (db *DB) feedRatings(ctx context.Context, c *Campaign, f *feeder, units []scoring.Unit, values [][]float64, rep *FeedReport) error {
	var want []string
	for _, v := range f.columns {
		if _, ok := ratingVariables[v]; ok {
			want = append(want, v)
		}
	}
	if len(want) == 0 {
		return nil
	}
	loc := db.Zone()
	from, to := c.RatingPeriod(loc)
	rep.RatingsFrom, rep.RatingsTo = from.Format(time.DateOnly), to.AddDate(0, 0, -1).Format(time.DateOnly)
	ratings, err := db.RatingsByDepartment(ctx, rep.RatingsFrom, rep.RatingsTo)
	if err != nil {
		return err
	}
	byCode := map[string]RatingCounts{}
	for _, r := range ratings {
		byCode[r.DepartmentCode] = r.RatingCounts
	}
	tickets, err := db.ticketsByDepartment(ctx, rep.RatingsFrom, rep.RatingsTo)
	if err != nil {
		return err
	}
	ticketsByCode := map[string]RectificationCounts{}
	for _, t := range tickets {
		ticketsByCode[t.DepartmentCode] = t.RectificationCounts
	}
	for i, u := range units {
		for _, v := range want {
			values[i][f.col[v]] = float64(ratingVariables[v](byCode[u.Code], ticketsByCode[u.Code]))
		}
	}
	return nil
}

// feedMetrics fills the requested metric variables of every unit with the
// imported values in force for the campaign's year (the year its period
// names). An imported value replaces an answer to the same variable: the
// platform's figure is measured, the answer reported. A department without
// an imported value keeps its answer, or stays missing.
func (db *DB) feedMetrics(ctx context.Context, c *Campaign, f *feeder, units []scoring.Unit, values [][]float64, rep *FeedReport) error {
	want := map[string]int{}
	for _, v := range f.columns {
		if _, ok := metricVariable(v); ok {
			want[v] = f.col[v]
		}
	}
	period, ok := ParsePeriod(c.Period)
	if len(want) == 0 || !ok {
		return nil
	}
	rep.MetricsPeriod = period
	unitOf := make(map[string]int, len(units))
	for i, u := range units {
		unitOf[u.Code] = i
	}
	// Values arrive oldest batch first: a later batch's value replaces an
	// earlier one's, and the batch that finally fed a cell is kept.
	from := make(map[[2]int]int64)
	err := db.eachMetricValue(ctx, period, func(m MetricValue) {
		i, ok := unitOf[m.DepartmentCode]
		j, asked := want[m.Variable]
		if !ok || !asked {
			return
		}
		values[i][j] = m.Value
		from[[2]int{i, j}] = m.BatchID
	})
	if err != nil {
		return err
	}
	batches := map[int64]bool{}
	for _, id := range from {
		batches[id] = true
	}
	for id := range batches {
		rep.MetricBatches = append(rep.MetricBatches, id)
	}
	slices.Sort(rep.MetricBatches)
	return nil
}
