package survey

import (
	"context"
	"fmt"
	"math"
	"reflect"
	"slices"
	"testing"
	"time"

	"govkpi/scoring"
	"govkpi/survey/instrument"
)

// publishDefault imports and publishes the default questionnaire file (as
// instrument.DefaultInstruments names it).
func publishDefault(t *testing.T, db *DB, file string) int64 {
	t.Helper()
	ctx := context.Background()
	defaults, err := instrument.DefaultInstruments()
	if err != nil {
		t.Fatal(err)
	}
	st, err := db.ImportInstrument(ctx, defaults[file], "yaml", file+".yaml")
	if err != nil {
		t.Fatal(err)
	}
	if err := db.PublishInstrument(ctx, st.ID); err != nil {
		t.Fatal(err)
	}
	return st.ID
}

// feedCampaign opens a campaign of the instrument for the departments.
func feedCampaign(t *testing.T, db *DB, instID int64, code string, scoreUnapproved bool, depts ...string) (*Campaign, map[string]int64) {
	t.Helper()
	ctx := context.Background()
	opens := time.Now().Add(-time.Hour).Truncate(time.Second)
	c, err := db.CreateCampaign(ctx, CampaignInput{Code: code, NameZh: code, Period: "2026年度", InstrumentID: instID,
		OpensAt: opens, ClosesAt: opens.Add(30 * 24 * time.Hour), ScoreUnapproved: scoreUnapproved})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.AssignDepartments(ctx, c.ID, DepartmentSelection{Codes: depts}); err != nil {
		t.Fatal(err)
	}
	if err := db.SetCampaignStatus(ctx, c.ID, "open"); err != nil {
		t.Fatal(err)
	}
	all, err := db.CampaignAssignments(ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]int64{}
	for _, a := range all {
		ids[a.DepartmentCode] = a.ID
	}
	return c, ids
}

// cell returns the table's value of column for unit code.
func cell(t *testing.T, tb *scoring.Table, code, column string) float64 {
	t.Helper()
	col, ok := tb.Column(column)
	if !ok {
		t.Fatalf("no column %q", column)
	}
	for i, u := range tb.Units {
		if u.Code == code {
			return col[i]
		}
	}
	t.Fatalf("no unit %q", code)
	return 0
}

func frameworkVariables(t *testing.T) []string {
	t.Helper()
	fw, err := scoring.DefaultFramework()
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, v := range fw.Variables {
		out = append(out, v.Code)
	}
	return out
}

func TestCampaignTable(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		mustDept(t, db, "LJ", "澜江市人民政府", "city", "")
		for _, d := range []DepartmentInput{
			{Code: "LJ-ZSJ", NameZh: "澜江市政务服务和数据管理局", Level: "city", ParentCode: "LJ", Category: "数据", Active: true},
			{Code: "LJ-GA", NameZh: "澜江市公安局", Level: "city", ParentCode: "LJ", Category: "执法", Active: true},
			{Code: "LJ-SW", NameZh: "澜江市商务局", Level: "city", ParentCode: "LJ", Active: true},
		} {
			if _, err := db.CreateDepartment(ctx, d); err != nil {
				t.Fatal(err)
			}
		}
		vars := frameworkVariables(t)
		defaults, _ := instrument.DefaultInstruments()
		sa := defaults["self_assessment"]
		saID, csID := publishDefault(t, db, "self_assessment"), publishDefault(t, db, "citizen")

		// Self-assessment: LJ-ZSJ approved, LJ-GA submitted only, LJ-SW
		// not started.
		submitSA := func(ids map[string]int64) {
			zsj := completeAnswers(t, sa)
			zsj["ma1_level"], zsj["ma2_level"], zsj["ma3_level"] = "3", "0", "三级"
			if _, err := db.SubmitResponse(ctx, ids["LJ-ZSJ"], "zsj-"+itoa(ids["LJ-ZSJ"]), zsj); err != nil {
				t.Fatal(err)
			}
			if err := db.Review(ctx, ids["LJ-ZSJ"], ReviewApprove, ""); err != nil {
				t.Fatal(err)
			}
			ga := completeAnswers(t, sa)
			ga["ma1_level"] = "4"
			if _, err := db.SubmitResponse(ctx, ids["LJ-GA"], "ga-"+itoa(ids["LJ-GA"]), ga); err != nil {
				t.Fatal(err)
			}
		}

		t.Run("approved only", func(t *testing.T) {
			c, ids := feedCampaign(t, db, saID, "SA-APPROVED", false, "LJ-ZSJ", "LJ-GA", "LJ-SW")
			submitSA(ids)
			tb, rep, err := db.CampaignTable(ctx, c.ID, vars)
			if err != nil {
				t.Fatal(err)
			}
			var codes, groups []string
			for _, u := range tb.Units {
				codes, groups = append(codes, u.Code), append(groups, u.Group)
			}
			if !reflect.DeepEqual(codes, []string{"LJ-GA", "LJ-SW", "LJ-ZSJ"}) || !reflect.DeepEqual(groups, []string{"city/执法", "city", "city/数据"}) {
				t.Fatalf("units %q groups %q", codes, groups)
			}
			if !reflect.DeepEqual(tb.Columns, vars) {
				t.Fatalf("columns %q", tb.Columns)
			}
			for _, tc := range []struct {
				name, unit, variable string
				want                 float64 // NaN: missing
			}{
				{"approved level", "LJ-ZSJ", "ma1_level", 3},
				{"approved level 2", "LJ-ZSJ", "ma4_level", 2},
				{"unknown is missing, not zero", "LJ-ZSJ", "ma2_level", math.NaN()},
				{"text is missing", "LJ-ZSJ", "ma3_level", math.NaN()},
				{"unapproved is missing", "LJ-GA", "ma1_level", math.NaN()},
				{"not started is missing", "LJ-SW", "ma1_level", math.NaN()},
				{"not in the instrument", "LJ-ZSJ", "ef_items_total", math.NaN()},
				{"no citizen items", "LJ-ZSJ", VarSurveyScoreTotal, math.NaN()},
			} {
				got := cell(t, tb, tc.unit, tc.variable)
				if got != tc.want && !(math.IsNaN(got) && math.IsNaN(tc.want)) {
					t.Errorf("%s: %s %s = %v, want %v", tc.name, tc.unit, tc.variable, got, tc.want)
				}
			}
			if rep.Assigned != 3 || rep.Counted != 1 || !reflect.DeepEqual(rep.NotCounted, map[string]int{"submitted": 1, "not_started": 1}) {
				t.Fatalf("report %+v", rep)
			}
			if d := rep.Departments[2]; d.Code != "LJ-ZSJ" || !d.Counted || d.ResponseID == 0 || !reflect.DeepEqual(d.NotNumbers, []string{"ma3_level"}) {
				t.Fatalf("LJ-ZSJ report %+v", d)
			}
			if d := rep.Departments[0]; d.Code != "LJ-GA" || d.Counted || d.State != "submitted" {
				t.Fatalf("LJ-GA report %+v", d)
			}
			// Platform metrics (ef_items_total) come from imports; the survey
			// aggregates need the citizen questionnaire, which SA lacks.
			if slices.Contains(rep.Unsupplied, "ef_items_total") || !slices.Contains(rep.Unsupplied, VarSurveyScoreTotal) || slices.Contains(rep.Unsupplied, "ma1_level") {
				t.Fatalf("unsupplied %q", rep.Unsupplied)
			}
		})

		t.Run("scoring unapproved", func(t *testing.T) {
			c, ids := feedCampaign(t, db, saID, "SA-ALL", true, "LJ-ZSJ", "LJ-GA", "LJ-SW")
			submitSA(ids)
			tb, rep, err := db.CampaignTable(ctx, c.ID, vars)
			if err != nil {
				t.Fatal(err)
			}
			if got := cell(t, tb, "LJ-GA", "ma1_level"); got != 4 {
				t.Fatalf("submitted LJ-GA ma1_level = %v, want 4", got)
			}
			if got := cell(t, tb, "LJ-ZSJ", "ma1_level"); got != 3 {
				t.Fatalf("approved LJ-ZSJ ma1_level = %v, want 3", got)
			}
			if rep.Counted != 2 || !reflect.DeepEqual(rep.NotCounted, map[string]int{"not_started": 1}) {
				t.Fatalf("report %+v", rep)
			}
			// A returned assignment is being corrected: it no longer counts.
			if err := db.Review(ctx, ids["LJ-GA"], ReviewReturn, "请核实"); err != nil {
				t.Fatal(err)
			}
			tb, rep, _ = db.CampaignTable(ctx, c.ID, vars)
			if got := cell(t, tb, "LJ-GA", "ma1_level"); !math.IsNaN(got) || rep.NotCounted["returned"] != 1 {
				t.Fatalf("returned LJ-GA: %v, report %+v", got, rep)
			}
		})

		t.Run("citizen items make SA7", func(t *testing.T) {
			c, ids := feedCampaign(t, db, csID, "CS-2026", false, "LJ-ZSJ", "LJ-GA", "LJ-SW")
			base := instrument.Answers{"service_channel": "web", "visits": "0", "aware_online": "no"}
			answers := map[string]instrument.Answers{
				// 5+4+3+5+2 over five answered items (waiting left blank).
				"LJ-ZSJ": {"overall_satisfaction": "5", "process_ease": "4", "aspect_staff": "3", "aspect_waiting": "",
					"aspect_information": "5", "aspect_online": "2"},
				// Only the two required items.
				"LJ-GA": {"overall_satisfaction": "1", "process_ease": "1"},
				// Submitted but not approved: not counted.
				"LJ-SW": {"overall_satisfaction": "5", "process_ease": "5"},
			}
			for code, a := range answers {
				for k, v := range base {
					a[k] = v
				}
				if _, err := db.SubmitResponse(ctx, ids[code], "cs-"+code, a); err != nil {
					t.Fatal(err)
				}
			}
			// LJ-ZSJ's first version is superseded by a second one.
			if err := db.Review(ctx, ids["LJ-ZSJ"], ReviewReturn, "请重填"); err != nil {
				t.Fatal(err)
			}
			answers["LJ-ZSJ"]["aspect_online"] = "1" // now 5+4+3+5+1 = 18 over 5
			if _, err := db.SubmitResponse(ctx, ids["LJ-ZSJ"], "cs-LJ-ZSJ-2", answers["LJ-ZSJ"]); err != nil {
				t.Fatal(err)
			}
			for _, code := range []string{"LJ-ZSJ", "LJ-GA"} {
				if err := db.Review(ctx, ids[code], ReviewApprove, ""); err != nil {
					t.Fatal(err)
				}
			}
			tb, rep, err := db.CampaignTable(ctx, c.ID, vars)
			if err != nil {
				t.Fatal(err)
			}
			for _, tc := range []struct {
				unit         string
				total, count float64
			}{
				{"LJ-ZSJ", 18, 5},
				{"LJ-GA", 2, 2},
				{"LJ-SW", math.NaN(), math.NaN()},
			} {
				total, count := cell(t, tb, tc.unit, VarSurveyScoreTotal), cell(t, tb, tc.unit, VarSurveyItemCount)
				same := func(a, b float64) bool { return a == b || (math.IsNaN(a) && math.IsNaN(b)) }
				if !same(total, tc.total) || !same(count, tc.count) {
					t.Errorf("%s: total %v count %v, want %v and %v", tc.unit, total, count, tc.total, tc.count)
				}
			}
			if slices.Contains(rep.Unsupplied, VarSurveyScoreTotal) || slices.Contains(rep.Unsupplied, VarSurveyItemCount) {
				t.Fatalf("unsupplied %q", rep.Unsupplied)
			}

			fw, err := scoring.DefaultFramework()
			if err != nil {
				t.Fatal(err)
			}
			res, err := scoring.Run(fw, tb, scoring.Options{})
			if err != nil {
				t.Fatal(err)
			}
			sa7 := res.NodeScores("SA7")
			for i, want := range []float64{(2.0/2 - 1) / 4 * 100, math.NaN(), (18.0/5 - 1) / 4 * 100} { // LJ-GA, LJ-SW, LJ-ZSJ
				if got := sa7[i]; math.Abs(got-want) > 1e-9 && !(math.IsNaN(got) && math.IsNaN(want)) {
					t.Errorf("SA7 of %s = %v, want %v", tb.Units[i].Code, got, want)
				}
			}
		})

		t.Run("unknown campaign", func(t *testing.T) {
			if _, _, err := db.CampaignTable(ctx, 99999, vars); ErrorCode(err) != ENotFound {
				t.Fatalf("err %v", err)
			}
		})
	})
}

// TestCampaignTableRatings: the rating variables come from the rollups and
// tickets of the campaign's year, for every assigned department, counted or
// not; a department without ratings has zero counts.
func TestCampaignTableRatings(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		mustDept(t, db, "LJ", "澜江市人民政府", "city", "")
		ga := mustDept(t, db, "LJ-GA", "澜江市公安局", "city", "LJ")
		mustDept(t, db, "LJ-ZSJ", "澜江市政务服务和数据管理局", "city", "LJ")
		c, _ := feedCampaign(t, db, publishDefault(t, db, "self_assessment"), "SA2026", false, "LJ-GA", "LJ-ZSJ")
		loc := db.Zone()
		in2026 := time.Date(2026, 3, 10, 10, 0, 0, 0, loc)
		var batch []RatingInput
		for i, level := range []int{5, 5, 5, 4, 3, 2, 1} {
			batch = append(batch, RatingInput{DepartmentID: ga.ID, Channel: "window", Level: level, At: in2026.Add(time.Duration(i) * time.Minute),
				CaseID: fmt.Sprintf("GA-%d", i), Identified: true})
		}
		// A rating of 2025 is outside the campaign's year.
		batch = append(batch, RatingInput{DepartmentID: ga.ID, Channel: "online", Level: 5, At: time.Date(2025, 12, 31, 23, 0, 0, 0, loc)})
		if _, err := db.StoreRatings(ctx, batch, loc, true); err != nil {
			t.Fatal(err)
		}
		tickets, _ := db.FindRectifications(ctx, RectificationFilter{DepartmentID: ga.ID})
		if len(tickets) != 2 {
			t.Fatalf("%d tickets", len(tickets))
		}
		resp := RectificationResponse{CallbackAt: in2026.Add(time.Hour), CallbackResult: "已回访", Outcome: "explained", Action: "已解释政策"}
		if err := db.RespondRectification(ctx, tickets[0].ID, resp); err != nil {
			t.Fatal(err)
		}
		vars := []string{"sa_ratings_total", "sa_ratings_very_satisfied", "sa_ratings_very_dissatisfied", "sa_bad_reviews_due",
			"sa_named_bad_reviews", "sa_named_bad_reviews_called_back", "ma1_level"}
		tb, rep, err := db.CampaignTable(ctx, c.ID, vars)
		if err != nil {
			t.Fatal(err)
		}
		if rep.RatingsFrom != "2026-01-01" || rep.RatingsTo != "2026-12-31" || slices.Contains(rep.Unsupplied, "sa_ratings_total") {
			t.Fatalf("report %+v", rep)
		}
		for _, want := range []struct {
			code, col string
			v         float64
		}{
			{"LJ-GA", "sa_ratings_total", 7}, {"LJ-GA", "sa_ratings_very_satisfied", 3}, {"LJ-GA", "sa_ratings_very_dissatisfied", 1},
			{"LJ-GA", "sa_bad_reviews_due", 2}, {"LJ-GA", "sa_named_bad_reviews", 2}, {"LJ-GA", "sa_named_bad_reviews_called_back", 1},
			{"LJ-ZSJ", "sa_ratings_total", 0},
		} {
			if got := cell(t, tb, want.code, want.col); got != want.v {
				t.Errorf("%s %s = %v, want %v", want.code, want.col, got, want.v)
			}
		}
		if !math.IsNaN(cell(t, tb, "LJ-GA", "ma1_level")) {
			t.Error("an unanswered survey variable is not missing")
		}
	})
}
