package survey

import (
	"context"
	"errors"
	"fmt"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"

	"govkpi/scoring"
	"govkpi/survey/instrument"
)

// trendCampaign opens a campaign for the departments, answers and
// approves every assignment with maturity level levels[code], and
// computes it; the draft run is returned.
func trendCampaign(t *testing.T, db *DB, instID int64, code, period string, opens time.Time, levels map[string]string) (*Campaign, *AssessmentRun) {
	t.Helper()
	ctx := context.Background()
	c, err := db.CreateCampaign(ctx, CampaignInput{Code: code, NameZh: code + " 考核", Period: period, InstrumentID: instID,
		OpensAt: opens, ClosesAt: time.Now().Add(30 * 24 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	var codes []string
	for dept := range levels {
		codes = append(codes, dept)
	}
	if _, err := db.AssignDepartments(ctx, c.ID, DepartmentSelection{Codes: codes}); err != nil {
		t.Fatal(err)
	}
	if err := db.SetCampaignStatus(ctx, c.ID, "open"); err != nil {
		t.Fatal(err)
	}
	all, err := db.CampaignAssignments(ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	defaults, _ := instrument.DefaultInstruments()
	for _, a := range all {
		answers := completeAnswers(t, defaults["self_assessment"])
		for _, q := range []string{"ma1_level", "ma2_level", "ma3_level"} {
			answers[q] = levels[a.DepartmentCode]
		}
		if _, err := db.SubmitResponse(ctx, a.ID, "c-"+code+a.DepartmentCode, answers); err != nil {
			t.Fatal(err)
		}
		if err := db.Review(ctx, a.ID, ReviewApprove, ""); err != nil {
			t.Fatal(err)
		}
	}
	run, err := db.ComputeAssessment(ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	return c, run
}

// trendMetrics imports a value of every metric variable for each year and
// department: a part is a share of its whole that grows from one
// department to the next.
func trendMetrics(t *testing.T, db *DB, years, depts []string) {
	t.Helper()
	vars, err := MetricVariables()
	if err != nil {
		t.Fatal(err)
	}
	within := map[string]string{}
	for _, v := range vars {
		within[v.Code] = v.Within
	}
	var b strings.Builder
	b.WriteString("period,department_code,variable,value\n")
	for _, year := range years {
		for i, code := range depts {
			share := 0.15 + 0.1*float64(i) // two parts of a whole stay within it
			for _, v := range vars {
				x := 1000.0
				for w := v.Within; w != ""; w = within[w] {
					x *= share
				}
				fmt.Fprintf(&b, "%s,%s,%s,%d\n", year, code, v.Code, int(x))
			}
		}
	}
	if _, err := db.ImportMetrics(context.Background(), strings.NewReader(b.String()), "metrics.csv"); err != nil {
		var ie *ImportError
		errors.As(err, &ie)
		t.Fatalf("%v %+v", err, ie.Rows)
	}
}

// sameScores reports whether got holds exactly the record's numbers, NaN
// where the record has null.
func sameScores(got []float64, want []*float64) bool {
	if len(got) != len(want) {
		return false
	}
	for i, w := range want {
		if (w == nil) != math.IsNaN(got[i]) || (w != nil && *w != got[i]) {
			return false
		}
	}
	return true
}

// The trend reads every other campaign's latest published run, earliest
// campaign first, with the same numbers the run published; drafts and the
// caller's own campaign are left out.
func TestTrendRuns(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		mustDept(t, db, "LJ", "澜江市人民政府", "city", "")
		for _, code := range []string{"LJ-GA", "LJ-RS", "LJ-ZSJ"} {
			mustDept(t, db, code, code+" 局", "city", "LJ")
		}
		inst := publishDefault(t, db, "self_assessment")
		trendMetrics(t, db, []string{"2024", "2025", "2026"}, []string{"LJ-GA", "LJ-RS", "LJ-ZSJ"})
		now := time.Now().Truncate(time.Second)
		// Made first, opened last: the order is the campaigns' periods,
		// not their ids.
		current, draft := trendCampaign(t, db, inst, "SA2026", "2026 年度", now.Add(-time.Hour),
			map[string]string{"LJ-GA": "4", "LJ-RS": "4", "LJ-ZSJ": "5"})
		older, olderRun := trendCampaign(t, db, inst, "SA2024", "2024 年度", now.Add(-2*365*24*time.Hour),
			map[string]string{"LJ-GA": "1", "LJ-RS": "2"})
		middle, first := trendCampaign(t, db, inst, "SA2025", "2025 年度", now.Add(-365*24*time.Hour),
			map[string]string{"LJ-GA": "2", "LJ-RS": "3", "LJ-ZSJ": "3"})
		for _, id := range []int64{olderRun.ID, first.ID} {
			if err := db.PublishAssessment(ctx, id); err != nil {
				t.Fatal(err)
			}
		}
		// The 2025 campaign is computed and published again: its point is
		// the later run.
		second, err := db.ComputeAssessment(ctx, middle.ID)
		if err != nil || second.ID == first.ID {
			t.Fatalf("recomputed after publication: %+v %v", second, err)
		}
		if err := db.PublishAssessment(ctx, second.ID); err != nil {
			t.Fatal(err)
		}

		t.Run("other campaigns, earliest first", func(t *testing.T) {
			got, err := db.TrendRuns(ctx, current.ID)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != 2 || got[0].RunID != olderRun.ID || got[1].RunID != second.ID {
				t.Fatalf("runs %+v", got)
			}
			if got[0].CampaignID != older.ID || got[0].Period != "2024 年度" || got[0].Name("en") != "SA2024 考核" ||
				!got[0].OpensAt.Equal(now.Add(-2*365*24*time.Hour)) {
				t.Fatalf("campaign of the first point: %+v", got[0])
			}
			for k, want := range []*AssessmentRun{olderRun, second} {
				run, err := db.FindAssessmentRun(ctx, want.ID)
				if err != nil {
					t.Fatal(err)
				}
				rec, err := scoring.ReadRecord(strings.NewReader(run.Result))
				if err != nil {
					t.Fatal(err)
				}
				g := got[k]
				if len(g.Units) != len(rec.Units) || len(g.Index) != len(rec.Units) {
					t.Fatalf("point %d: %d units, %d scores; the record has %d", k, len(g.Units), len(g.Index), len(rec.Units))
				}
				scores := make([]*float64, len(rec.Units))
				for i, u := range rec.Units {
					if g.Units[i].Code != u.Code || g.Units[i].Group != u.Group {
						t.Fatalf("point %d unit %d: %+v, want %s", k, i, g.Units[i], u.Code)
					}
					scores[i] = u.Score
				}
				if !sameScores(g.Index, scores) || math.IsNaN(g.Index[0]) {
					t.Fatalf("point %d index %v", k, g.Index)
				}
				if len(g.Families) != 4 {
					t.Fatalf("point %d families %v", k, g.Families)
				}
				for _, fam := range []string{"SH", "SA", "EF", "MA"} {
					if !sameScores(g.Families[fam], rec.NodeScores(fam)) {
						t.Fatalf("point %d family %s: %v", k, fam, g.Families[fam])
					}
				}
				if math.IsNaN(g.Families["MA"][0]) {
					t.Fatalf("point %d: no maturity score", k)
				}
			}
		})

		t.Run("heads then scores are the same runs", func(t *testing.T) {
			want, err := db.TrendRuns(ctx, current.ID)
			if err != nil {
				t.Fatal(err)
			}
			heads, err := db.TrendHeads(ctx, current.ID)
			if err != nil || len(heads) != len(want) {
				t.Fatalf("heads %+v %v", heads, err)
			}
			for k := range heads {
				if heads[k].Units != nil {
					t.Fatal("a head carries scores")
				}
				if err := db.ReadTrendScores(ctx, &heads[k]); err != nil {
					t.Fatal(err)
				}
				if !reflect.DeepEqual(heads[k].Units, want[k].Units) || heads[k].RunID != want[k].RunID ||
					len(heads[k].Families) != len(want[k].Families) {
					t.Fatalf("run %d read apart differs", heads[k].RunID)
				}
			}
			draft := TrendRun{RunID: 1 << 40}
			if err := db.ReadTrendScores(ctx, &draft); ErrorCode(err) != ENotFound {
				t.Fatalf("scores of no run: %v", err)
			}
		})

		t.Run("a draft is no point", func(t *testing.T) {
			got, err := db.TrendRuns(ctx, older.ID)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != 1 || got[0].RunID != second.ID {
				t.Fatalf("runs %+v", got)
			}
			if draft.State != RunDraft {
				t.Fatalf("the current campaign's run is %s", draft.State)
			}
		})

		t.Run("no published runs", func(t *testing.T) {
			got, err := db.TrendRuns(ctx, 0)
			if err != nil || len(got) != 2 {
				t.Fatalf("%d runs, %v", len(got), err)
			}
		})
	})
}

// The hand walk of a result document reads what a decoder would, whatever
// the key order, spacing and escapes; a broken document is an error.
func TestTrendRead(t *testing.T) {
	nan := math.NaN()
	cases := []struct {
		name     string
		doc      string
		units    []TrendUnit
		index    []float64
		families map[string][]float64
		bad      bool
	}{
		{name: "record layout",
			doc: `{"format":"govkpi.result/2","nodes":[{"code":"I1","parent":"F1"},{"code":"F1","parent":"R"},{"code":"F2","parent":"R"},{"code":"R"}],` +
				`"units":[{"code":"A","name":"</script>\"scores\":[","group":"g","score":50.5},{"code":"B","score":null}],` +
				`"scores":[[1,2],[3,null],[null,6.25],[50.5,null]],"raw":[[1,2],null,null,null]}`,
			units: []TrendUnit{{"A", "g"}, {"B", ""}}, index: []float64{50.5, nan},
			families: map[string][]float64{"F1": {3, nan}, "F2": {nan, 6.25}}},
		{name: "spacing and key order",
			doc: " {\n \"scores\" : [ [ 7 , 8 ] , [9,10] ] ,\n \"warnings\": [\"a ] b\", {\"x\": \"}\"}],\n" +
				` "units" : [ {"group":"\u4e00","code":"A","score":1e1}, {"code":"B","score":2} ], "nodes": [{"code":"R"},{"code":"F","parent":"R"}] }`,
			units: []TrendUnit{{"A", "一"}, {"B", ""}}, index: []float64{10, 2},
			families: map[string][]float64{"F": {9, 10}}},
		{name: "kept before records",
			doc:   `{"bands":"default","units":[{"code":"A","score":3,"values":[{"code":"x","value":1}]}]}`,
			units: []TrendUnit{{"A", ""}}, index: []float64{3}, families: map[string][]float64{}},
		{name: "row of the wrong length", bad: true,
			doc: `{"nodes":[{"code":"R"},{"code":"F","parent":"R"}],"units":[{"code":"A"}],"scores":[[1],[1,2]]}`},
		{name: "not an object", doc: `[1]`, bad: true},
		{name: "cut short", doc: `{"units":[{"code":"A"`, bad: true},
		{name: "bad number", bad: true,
			doc: `{"nodes":[{"code":"R"},{"code":"F","parent":"R"}],"units":[{"code":"A"}],"scores":[[1],[x]]}`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var tr TrendRun
			err := tr.read(c.doc)
			if c.bad {
				if err == nil {
					t.Fatalf("read %+v", tr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(tr.Units) != len(c.units) {
				t.Fatalf("units %+v", tr.Units)
			}
			for i := range c.units {
				if tr.Units[i] != c.units[i] || !sameFloat(tr.Index[i], c.index[i]) {
					t.Fatalf("unit %d: %+v %v", i, tr.Units[i], tr.Index[i])
				}
			}
			if len(tr.Families) != len(c.families) {
				t.Fatalf("families %v", tr.Families)
			}
			for code, want := range c.families {
				got := tr.Families[code]
				if len(got) != len(want) {
					t.Fatalf("family %s: %v", code, got)
				}
				for i := range want {
					if !sameFloat(got[i], want[i]) {
						t.Fatalf("family %s: %v, want %v", code, got, want)
					}
				}
			}
		})
	}
}

func sameFloat(a, b float64) bool { return a == b || (math.IsNaN(a) && math.IsNaN(b)) }

// BenchmarkTrendRead reads the index and family scores of a record of
// 5,000 departments, as the trend does for each earlier period.
func BenchmarkTrendRead(b *testing.B) {
	fw, err := scoring.DefaultFramework()
	if err != nil {
		b.Fatal(err)
	}
	var cols []string
	for _, v := range fw.Variables {
		cols = append(cols, v.Code)
	}
	units := make([]scoring.Unit, 5000)
	for i := range units {
		units[i] = scoring.Unit{Code: fmt.Sprintf("D%05d", i), Name: fmt.Sprintf("部门 %05d", i), Group: "city"}
	}
	table := scoring.NewTable(units, cols)
	for j := range cols {
		for i := range units {
			table.Values[j][i] = float64(1 + (i*7+j*13)%997)
		}
	}
	res, err := scoring.Run(fw, table, scoring.Options{})
	if err != nil {
		b.Fatal(err)
	}
	var doc strings.Builder
	if err := res.WriteRecord(&doc); err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(doc.Len())/1e6, "MB")
	for b.Loop() {
		var tr TrendRun
		if err := tr.read(doc.String()); err != nil || len(tr.Families) != 4 {
			b.Fatal(err)
		}
	}
}
