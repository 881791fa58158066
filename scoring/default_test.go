package scoring

import (
	"bytes"
	"fmt"
	"math"
	"regexp"
	"sort"
	"strings"
	"testing"
)

// The default framework (frameworks/dgmi.yaml): its shape, its variables, and
// its behaviour on a small fictional data set.

var defaultFamilies = []struct {
	code, zh string
	n        int
}{
	{"SH", "数据共享与开放", 8},
	{"SA", "群众满意度", 7},
	{"EF", "服务效能", 8},
	{"MA", "能力成熟度", 10},
}

func loadDefault(t *testing.T) *Framework {
	t.Helper()
	fw, err := DefaultFramework()
	if err != nil {
		t.Fatalf("DefaultFramework: %v", err)
	}
	return fw
}

func TestDefaultFrameworkShape(t *testing.T) {
	fw := loadDefault(t)
	if fw.Code != "DGMI" || fw.Version != "2026.1" || fw.NameZh != "数字政府成熟度指数" || fw.NameEn != "Digital Government Maturity Index" {
		t.Errorf("header: %q %q %q %q", fw.Code, fw.Version, fw.NameZh, fw.NameEn)
	}
	if fw.Bands != "default" {
		t.Errorf("bands %q, want default", fw.Bands)
	}
	if fw.MinAvailability == nil {
		t.Errorf("min_availability not set")
	} else if *fw.MinAvailability != DefaultMinAvailability {
		t.Errorf("min_availability %v, want exactly 2/3 (%v)", *fw.MinAvailability, DefaultMinAvailability)
	}
	root := fw.Root
	if root.Code != "DGMI" || root.Aggregate != AggArith || root.NameZh == "" || root.NameEn == "" {
		t.Errorf("root %q aggregate %q names %q/%q", root.Code, root.Aggregate, root.NameZh, root.NameEn)
	}
	if len(root.Children) != len(defaultFamilies) {
		t.Fatalf("root has %d families, want 4", len(root.Children))
	}
	var want []string
	for k, fam := range defaultFamilies {
		c := root.Children[k]
		if c.Code != fam.code || c.NameZh != fam.zh || c.NameEn == "" {
			t.Errorf("family %d: %q %q %q, want %s %s", k, c.Code, c.NameZh, c.NameEn, fam.code, fam.zh)
		}
		if c.Weight == nil || *c.Weight != 1 || c.Aggregate != AggArith {
			t.Errorf("family %s: weight %v aggregate %q, want 1 and arith", c.Code, c.Weight, c.Aggregate)
		}
		if len(c.Children) != fam.n {
			t.Errorf("family %s has %d indicators, want %d", c.Code, len(c.Children), fam.n)
		}
		for j := 1; j <= fam.n; j++ {
			want = append(want, fmt.Sprintf("%s%d", fam.code, j))
		}
		for _, ind := range c.Children {
			if !ind.IsIndicator() {
				t.Errorf("%s: indicators are leaves", ind.Code)
			}
			if ind.Parent() != c {
				t.Errorf("%s: parent %v, want %s", ind.Code, ind.Parent(), c.Code)
			}
		}
	}
	var got []string
	for _, n := range fw.Indicators() {
		got = append(got, n.Code)
	}
	if len(got) != 33 || strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("indicators (%d):\n got %v\nwant %v", len(got), got, want)
	}

	lowerIsBetter := map[string]bool{"SA3": true, "EF5": true, "EF8": true}
	for _, n := range fw.Indicators() {
		c := n.Code
		if n.NameZh == "" || n.NameEn == "" || n.Unit == "" {
			t.Errorf("%s: names %q/%q unit %q", c, n.NameZh, n.NameEn, n.Unit)
		}
		if n.Weight == nil || *n.Weight != 1 {
			t.Errorf("%s: weight %v, want 1", c, n.Weight)
		}
		wantDir := 1
		if lowerIsBetter[c] {
			wantDir = -1
		}
		if n.Direction != wantDir {
			t.Errorf("%s: direction %d, want %d", c, n.Direction, wantDir)
		}
		if strings.TrimSpace(n.Formula) == "" || len(n.Vars()) == 0 {
			t.Errorf("%s: no formula", c)
		}
		if n.Card == nil {
			t.Errorf("%s: no card", c)
			continue
		}
		k := n.Card
		if k.DefinitionZh == "" || k.DefinitionEn == "" || k.Period == "" || k.Source == "" {
			t.Errorf("%s: card lacks a definition, period or source: %+v", c, *k)
		}
		if !strings.Contains(k.Period, " / ") || !strings.Contains(k.Source, " / ") {
			t.Errorf("%s: period %q and source %q should be bilingual (中文 / English)", c, k.Period, k.Source)
		}
		if !hasHan(n.NameZh) || !hasHan(k.DefinitionZh) || hasHan(n.NameEn) {
			t.Errorf("%s: Chinese and English fields mixed up: %q / %q", c, n.NameZh, n.NameEn)
		}
		// A rate has its numerator and denominator on the card.
		if n.Normalise.Method == NormGoalposts && (k.NumeratorZh == "" || k.NumeratorEn == "" || k.DenominatorZh == "" || k.DenominatorEn == "") {
			t.Errorf("%s: a rate's card needs numerator and denominator in both languages", c)
		}
		if (k.NotesZh == "") != (k.NotesEn == "") {
			t.Errorf("%s: notes in one language only", c)
		}
	}

	// Normalisation per FRAMEWORK.md.
	gp := func(code string, worst, best float64) {
		m := fw.Node(code).Normalise
		if m.Method != NormGoalposts || m.Worst == nil || m.Best == nil || *m.Worst != worst || *m.Best != best || m.Log {
			t.Errorf("%s: normalise %+v, want goalposts %v→%v", code, *m, worst, best)
		}
	}
	for _, c := range []string{"SH1", "SH2", "SH3", "SH4", "SH5", "SH7", "SH8", "SA4", "SA5", "SA6", "EF1", "EF2", "EF3", "EF4", "EF6", "EF7"} {
		gp(c, 0, 1)
	}
	gp("SA1", 0.5, 1)
	gp("SA3", 0.10, 0)
	for _, c := range []string{"SA2", "SA7", "MA1", "MA2", "MA3", "MA4", "MA5", "MA6", "MA7", "MA8", "MA9", "MA10"} {
		if m := fw.Node(c).Normalise; m.Method != NormNone {
			t.Errorf("%s: normalise %q, want none", c, m.Method)
		}
	}
	if m := fw.Node("SH6").Normalise; m.Method != NormMinMax || !m.Log {
		t.Errorf("SH6: normalise %+v, want log minmax", *m)
	}
	if m := fw.Node("EF5").Normalise; m.Method != NormTarget || m.TargetVar != "ef_promised_days_mean" || m.WorstVar != "ef_statutory_days_mean" {
		t.Errorf("EF5: normalise %+v", *m)
	}
	if m := fw.Node("EF8").Normalise; m.Method != NormTarget || m.TargetVar == "" || m.WorstVar == "" {
		t.Errorf("EF8: normalise %+v", *m)
	}
	for _, n := range fw.Indicators() {
		low := n.Code == "SA1" || n.Code == "SA2" || n.Code == "SA3"
		if low != (n.MinSample != nil) {
			t.Errorf("%s: min_sample %v", n.Code, n.MinSample)
		}
		if low && (n.MinSample.Variable != "sa_ratings_total" || n.MinSample.Min != 100) {
			t.Errorf("%s: min_sample %+v, want sa_ratings_total ≥ 100", n.Code, *n.MinSample)
		}
	}
}

func hasHan(s string) bool {
	for _, r := range s {
		if r >= 0x4e00 && r <= 0x9fff {
			return true
		}
	}
	return false
}

// usedVariables lists every variable the framework reads: formula
// identifiers, min_sample counts and per-unit targets.
func usedVariables(fw *Framework) map[string][]string {
	used := map[string][]string{}
	for _, n := range fw.Indicators() {
		for _, v := range n.Vars() {
			used[v] = append(used[v], n.Code)
		}
		if n.MinSample != nil {
			used[n.MinSample.Variable] = append(used[n.MinSample.Variable], n.Code+".min_sample")
		}
		if m := n.Normalise; m.TargetVar != "" || m.WorstVar != "" {
			for _, v := range []string{m.TargetVar, m.WorstVar} {
				if v != "" {
					used[v] = append(used[v], n.Code+".normalise")
				}
			}
		}
	}
	return used
}

func TestDefaultVariablesDeclaredAndUsed(t *testing.T) {
	fw := loadDefault(t)
	snake := regexp.MustCompile(`^(sh|sa|ef|ma[0-9]+)_[a-z0-9_]*[a-z0-9]$`)
	sources := map[string]bool{"metrics": true, "ratings": true, "rectification": true, "survey": true, "citizen_survey": true}
	declared := map[string]bool{}
	for _, v := range fw.Variables {
		if declared[v.Code] {
			t.Errorf("variable %s declared twice", v.Code)
		}
		declared[v.Code] = true
		if !snake.MatchString(v.Code) {
			t.Errorf("variable %q: want snake_case ASCII with a family prefix", v.Code)
		}
		if !hasHan(v.NameZh) || v.NameEn == "" || v.Unit == "" {
			t.Errorf("variable %s: names %q/%q unit %q", v.Code, v.NameZh, v.NameEn, v.Unit)
		}
		if !sources[v.Source] {
			t.Errorf("variable %s: source %q", v.Code, v.Source)
		}
		if strings.HasPrefix(v.Code, "ma") && v.Source != "survey" {
			t.Errorf("variable %s: maturity levels come from the survey, not %q", v.Code, v.Source)
		}
	}
	used := usedVariables(fw)
	for v, by := range used {
		if !declared[v] {
			t.Errorf("variable %s used by %v is not declared", v, by)
		}
	}
	var unused []string
	for v := range declared {
		if _, ok := used[v]; !ok {
			unused = append(unused, v)
		}
	}
	sort.Strings(unused)
	if len(unused) > 0 {
		t.Errorf("declared but never used: %v", unused)
	}
	if len(declared) != len(used) {
		t.Errorf("%d variables declared, %d used", len(declared), len(used))
	}
	// The declaration is enforced: a misspelt variable in a formula is refused.
	src := DefaultFrameworkYAML()
	bad := bytes.Replace(src, []byte("formula: sh_resources_catalogued / sh_resources_inventory"), []byte("formula: sh_resources_catalogued / sh_resources_inventry"), 1)
	if bytes.Equal(bad, src) {
		t.Fatal("SH1's formula is not where the test expects it")
	}
	if _, err := ReadFrameworkYAML(bytes.NewReader(bad)); err == nil || !strings.Contains(err.Error(), "sh_resources_inventry") {
		t.Errorf("an undeclared variable should be refused, got %v", err)
	}
}

// The maturity formulas give no value for 0 (unknown / not applicable) and
// for codes outside 1–5, and (level − 1)/4 × 100 otherwise.
func TestDefaultMaturityZeroIsMissing(t *testing.T) {
	fw := loadDefault(t)
	for j := 1; j <= 10; j++ {
		n := fw.Node(fmt.Sprintf("MA%d", j))
		v := fmt.Sprintf("ma%d_level", j)
		for level, want := range map[float64]float64{0: math.NaN(), 1: 0, 2: 25, 3: 50, 4: 75, 5: 100, 6: math.NaN(), -1: math.NaN()} {
			got, err := runFormula(n, map[string]any{v: level})
			if err != nil {
				t.Fatalf("%s at level %v: %v", n.Code, level, err)
			}
			if math.IsNaN(want) != math.IsNaN(got) || !math.IsNaN(want) && got != want {
				t.Errorf("%s at level %v: %v, want %v", n.Code, level, got, want)
			}
		}
	}
}

// defaultDept is one fictional department's inputs.
type defaultDept struct {
	unit Unit
	vals map[string]float64
}

// defaultBase is a well-performing department; the others are variations.
func defaultBase() map[string]float64 {
	return map[string]float64{
		"sh_resources_inventory": 200, "sh_resources_catalogued": 190, "sh_resources_unconditional": 120, "sh_resources_conditional": 50,
		"sh_requests_received": 80, "sh_requests_answered_on_time": 76, "sh_requests_delivered": 70, "sh_requests_refused_lawfully": 4,
		"sh_datasets_with_frequency": 150, "sh_datasets_updated_on_time": 135, "sh_api_calls_by_others": 250000,
		"sh_open_datasets": 60, "sh_open_datasets_api": 48, "sh_materials_required": 400, "sh_materials_exempted": 180,

		"sa_ratings_total": 5000, "sa_ratings_very_satisfied": 3500, "sa_ratings_satisfied": 1200, "sa_ratings_basic": 200,
		"sa_ratings_dissatisfied": 70, "sa_ratings_very_dissatisfied": 30,
		"sa_bad_reviews_due": 100, "sa_bad_reviews_closed_on_time": 95, "sa_named_bad_reviews": 60, "sa_named_bad_reviews_called_back": 57,
		"sa_survey_score_total": 3400, "sa_survey_item_answers": 800,

		"ef_items_total": 300, "ef_items_fully_online": 240, "ef_items_one_visit": 280,
		"ef_cases_completed": 20000, "ef_cases_completed_online": 16000, "ef_cases_completed_on_time": 19500,
		"ef_online_applications_started": 17000, "ef_online_applications_concluded": 16500,
		"ef_promised_days_total": 1800, "ef_statutory_days_total": 4500,
		"ef_processing_days_mean": 3.2, "ef_promised_days_mean": 5, "ef_statutory_days_mean": 15,
		"ef_cost_total": 600000, "ef_cost_target": 25, "ef_cost_ceiling": 60,

		"ma1_level": 4, "ma2_level": 3, "ma3_level": 4, "ma4_level": 5, "ma5_level": 4,
		"ma6_level": 3, "ma7_level": 4, "ma8_level": 3, "ma9_level": 3, "ma10_level": 4,
	}
}

func defaultDepts() []defaultDept {
	with := func(over map[string]float64, drop ...string) map[string]float64 {
		m := defaultBase()
		for k, v := range over {
			m[k] = v
		}
		for _, k := range drop {
			delete(m, k)
		}
		return m
	}
	return []defaultDept{
		// D01: the base, a strong department.
		{Unit{Code: "D01", Name: "示例市甲局", Group: "市直"}, defaultBase()},
		// D02: weak everywhere; every sharing request lawfully refused, so
		// SH4 has a zero denominator and no value.
		{Unit{Code: "D02", Name: "示例市乙局", Group: "市直"}, with(map[string]float64{
			"sh_resources_catalogued": 120, "sh_resources_unconditional": 40, "sh_resources_conditional": 30,
			"sh_requests_received": 50, "sh_requests_answered_on_time": 30, "sh_requests_delivered": 0, "sh_requests_refused_lawfully": 50,
			"sh_datasets_updated_on_time": 60, "sh_api_calls_by_others": 800, "sh_open_datasets_api": 10, "sh_materials_exempted": 40,
			"sa_ratings_total": 1500, "sa_ratings_very_satisfied": 600, "sa_ratings_satisfied": 500, "sa_ratings_basic": 250,
			"sa_ratings_dissatisfied": 100, "sa_ratings_very_dissatisfied": 50,
			"sa_bad_reviews_due": 150, "sa_bad_reviews_closed_on_time": 90, "sa_named_bad_reviews": 80, "sa_named_bad_reviews_called_back": 40,
			"sa_survey_score_total": 1800, "sa_survey_item_answers": 600,
			"ef_items_fully_online": 90, "ef_items_one_visit": 150, "ef_cases_completed": 8000, "ef_cases_completed_online": 3000,
			"ef_cases_completed_on_time": 7000, "ef_online_applications_started": 3500, "ef_online_applications_concluded": 3000,
			"ef_promised_days_total": 3600, "ef_processing_days_mean": 10, "ef_cost_total": 480000,
			"ma1_level": 2, "ma2_level": 2, "ma3_level": 3, "ma4_level": 2, "ma5_level": 3,
			"ma6_level": 1, "ma7_level": 2, "ma8_level": 2, "ma9_level": 1, "ma10_level": 2,
		})},
		// D03: no open-data or materials figures (SH7, SH8 missing: 6 of 8
		// still scores SH) and no cost target (EF8 missing).
		{Unit{Code: "D03", Name: "示例市丙局", Group: "市直"}, with(map[string]float64{
			"sh_api_calls_by_others": 40000, "sh_datasets_updated_on_time": 100, "sa_ratings_very_satisfied": 2500, "sa_ratings_satisfied": 1800,
			"sa_ratings_basic": 500, "sa_ratings_dissatisfied": 150, "sa_ratings_very_dissatisfied": 50,
			"ef_processing_days_mean": 7, "ma4_level": 3, "ma9_level": 2,
		}, "sh_open_datasets", "sh_open_datasets_api", "sh_materials_required", "sh_materials_exempted", "ef_cost_target", "ef_cost_ceiling")},
		// D04: only 60 ratings: SA1–SA3 are low sample, and with 4 of 7 SA
		// indicators left the family has insufficient data.
		{Unit{Code: "D04", Name: "示例区丁局", Group: "区县"}, with(map[string]float64{
			"sa_ratings_total": 60, "sa_ratings_very_satisfied": 30, "sa_ratings_satisfied": 20, "sa_ratings_basic": 5,
			"sa_ratings_dissatisfied": 3, "sa_ratings_very_dissatisfied": 2, "sa_bad_reviews_due": 5, "sa_bad_reviews_closed_on_time": 4,
			"sa_named_bad_reviews": 3, "sa_named_bad_reviews_called_back": 3,
			"sh_api_calls_by_others": 2000, "ef_cases_completed": 300, "ef_cases_completed_online": 120, "ef_cases_completed_on_time": 280,
			"ef_online_applications_started": 150, "ef_online_applications_concluded": 140, "ef_cost_total": 15000,
		})},
		// D05: answered 0 (unknown / not applicable) to MA3 and MA7.
		{Unit{Code: "D05", Name: "示例区戊局", Group: "区县"}, with(map[string]float64{
			"ma3_level": 0, "ma7_level": 0, "ma1_level": 5, "sh_api_calls_by_others": 90000,
			"ef_processing_days_mean": 12, "sa_survey_score_total": 2000, "sa_survey_item_answers": 700,
		})},
		// D06: most sharing figures missing: SH1, SH3–SH6 present (5 of 8,
		// below 2/3), so SH has insufficient data.
		{Unit{Code: "D06", Name: "示例区己局", Group: "区县"}, with(map[string]float64{
			"sh_api_calls_by_others": 15000, "ef_items_fully_online": 150, "ma5_level": 2,
		}, "sh_resources_unconditional", "sh_open_datasets", "sh_open_datasets_api", "sh_materials_required", "sh_materials_exempted")},
	}
}

// defaultTable builds the data table with every declared variable as a
// column; change, when given, edits the inputs first.
func defaultTable(fw *Framework, depts []defaultDept) *Table {
	units := make([]Unit, len(depts))
	cols := make([]string, len(fw.Variables))
	for j, v := range fw.Variables {
		cols[j] = v.Code
	}
	for i, d := range depts {
		units[i] = d.unit
	}
	t := NewTable(units, cols)
	for i, d := range depts {
		for k, v := range d.vals {
			col, ok := t.Column(k)
			if !ok {
				panic("test data name an undeclared variable " + k)
			}
			col[i] = v
		}
	}
	return t
}

func TestDefaultSyntheticRun(t *testing.T) {
	fw := loadDefault(t)
	depts := defaultDepts()
	res, err := Run(fw, defaultTable(fw, depts), Options{Explain: true})
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	unit := map[string]int{}
	for i, u := range res.Units {
		unit[u.Code] = i
	}
	score := func(node, u string) float64 { return res.NodeScores(node)[unit[u]] }
	near := func(a, b float64) bool { return math.Abs(a-b) < 1e-9 }

	// Every score present lies in [0,100].
	for k, n := range fw.Order() {
		for i, v := range res.Score[k] {
			if !math.IsNaN(v) && (v < 0 || v > 100) {
				t.Errorf("%s, %s: score %v outside [0,100]", n.Code, res.Units[i].Code, v)
			}
		}
	}

	// Hand-computed values for D01 (and D02 where the method is a target).
	for _, c := range []struct {
		node, unit string
		want       float64
	}{
		{"SH1", "D01", 95},                           // 190/200
		{"SH4", "D01", 70.0 / 76 * 100},              // lawful refusals out of the denominator
		{"SA1", "D01", 88},                           // 0.94 on goalposts 0.5–1
		{"SA2", "D01", (23070.0/5000 - 1) / 4 * 100}, // mean 4.614
		{"SA3", "D01", 80},                           // 2% on goalposts 10%–0
		{"SA7", "D01", 81.25},                        // mean 4.25
		{"EF4", "D01", 60},                           // 1 − 1800/4500
		{"EF5", "D01", 100},                          // faster than promised: capped
		{"EF5", "D02", 50},                           // 10 days between promised 5 and statutory 15
		{"EF8", "D01", (30.0 - 60) / (25 - 60) * 100},
		{"EF8", "D02", 0}, // at the ceiling
		{"SH6", "D01", 100},
		{"SH6", "D02", 0},
		{"MA1", "D01", 75},
		{"MA1", "D05", 100},
	} {
		if got := score(c.node, c.unit); !near(got, c.want) {
			t.Errorf("%s for %s: %v, want %v", c.node, c.unit, got, c.want)
		}
	}

	// A zero denominator gives no value, not zero or infinity.
	if v := score("SH4", "D02"); !math.IsNaN(v) {
		t.Errorf("SH4 for D02 (all requests lawfully refused): %v, want no value", v)
	}

	// Low sample: D04 has 60 ratings.
	for _, c := range []string{"SA1", "SA2", "SA3"} {
		k := fw.Node(c).index
		for i, u := range res.Units {
			wantLow := u.Code == "D04"
			if res.LowSample[k][i] != wantLow {
				t.Errorf("%s for %s: LowSample %v, want %v", c, u.Code, res.LowSample[k][i], wantLow)
			}
			if wantLow && (math.IsNaN(res.Raw[k][i]) || !math.IsNaN(res.Score[k][i])) {
				t.Errorf("%s for %s: raw %v score %v, want a raw value but no score", c, u.Code, res.Raw[k][i], res.Score[k][i])
			}
		}
	}
	for _, c := range []string{"SA4", "SA5", "SA6", "SA7"} {
		if math.IsNaN(score(c, "D04")) {
			t.Errorf("%s for D04 should be scored", c)
		}
	}
	if v := score("SA", "D04"); !math.IsNaN(v) {
		t.Errorf("SA for D04: %v, want insufficient data (4 of 7 indicators < 2/3)", v)
	}

	// Maturity 0 is missing, not 0; 8 of 10 still score the family.
	for _, c := range []string{"MA3", "MA7"} {
		k := fw.Node(c).index
		i := unit["D05"]
		if !math.IsNaN(res.Raw[k][i]) || !math.IsNaN(res.Score[k][i]) {
			t.Errorf("%s for D05 (level 0): raw %v score %v, want missing", c, res.Raw[k][i], res.Score[k][i])
		}
	}
	if v := score("MA3", "D01"); !near(v, 75) {
		t.Errorf("MA3 for D01: %v", v)
	}

	// Family availability: D06 has 5 of 8 SH indicators, D03 has 6 of 8.
	present := func(fam, u string) int {
		n := 0
		for _, c := range fw.Node(fam).Children {
			if !math.IsNaN(score(c.Code, u)) {
				n++
			}
		}
		return n
	}
	if p := present("SH", "D06"); p != 5 {
		t.Errorf("D06 has %d SH indicators, the test wants 5", p)
	}
	if v := score("SH", "D06"); !math.IsNaN(v) {
		t.Errorf("SH for D06: %v, want insufficient data", v)
	}
	if p := present("SH", "D03"); p != 6 || math.IsNaN(score("SH", "D03")) {
		t.Errorf("SH for D03 with %d of 8 present: %v, want a score", p, score("SH", "D03"))
	}
	if p := present("EF", "D03"); p != 7 || math.IsNaN(score("EF", "D03")) {
		t.Errorf("EF for D03 with %d of 8 (no cost target): %v, want a score", p, score("EF", "D03"))
	}

	// Families and the index are equal-weight means of what is present.
	for _, u := range res.Units {
		for _, node := range append([]*Node{fw.Root}, fw.Root.Children...) {
			sum, n := 0.0, 0
			for _, c := range node.Children {
				if v := score(c.Code, u.Code); !math.IsNaN(v) {
					sum += v
					n++
				}
			}
			got := score(node.Code, u.Code)
			if float64(n) < DefaultMinAvailability*float64(len(node.Children))-1e-12 {
				if !math.IsNaN(got) {
					t.Errorf("%s for %s: %v from %d of %d children, want no score", node.Code, u.Code, got, n, len(node.Children))
				}
				continue
			}
			if !near(got, sum/float64(n)) {
				t.Errorf("%s for %s: %v, want the mean %v", node.Code, u.Code, got, sum/float64(n))
			}
		}
		// Every department here has at least 3 of 4 families, so an index.
		if math.IsNaN(score("DGMI", u.Code)) {
			t.Errorf("DGMI for %s: no score", u.Code)
		}
	}

	// Bands and contributions.
	if len(res.Explain) != len(res.Units) {
		t.Fatalf("%d explanations for %d units", len(res.Explain), len(res.Units))
	}
	for i, u := range res.Units {
		s := res.RootScores()[i]
		if math.IsNaN(s) {
			continue
		}
		b, ok := res.Bands.Of(s)
		if !ok || b.NameZh == "" || s+1e-9 < b.Min {
			t.Errorf("%s: score %v has band %+v (ok %v)", u.Code, s, b, ok)
		}
		if res.Rank[i] < 1 {
			t.Errorf("%s: rank %d", u.Code, res.Rank[i])
		}
		sum, wsum := 0.0, 0.0
		for _, c := range res.Explain[i].Contributions {
			if c.EffectiveWeight == 0 {
				continue
			}
			if math.IsNaN(c.Value) {
				t.Errorf("%s: %s has weight %v but no value", u.Code, c.Code, c.EffectiveWeight)
				continue
			}
			sum += c.Contribution
			wsum += c.EffectiveWeight
		}
		if !near(sum, s) || !near(wsum, 1) {
			t.Errorf("%s: contributions sum to %v (weights %v), index %v", u.Code, sum, wsum, s)
		}
	}
}

// Raising an input that only ever makes an indicator better never lowers a
// department's index. (sh_resources_catalogued is not such an input: it is
// SH1's numerator but SH2's denominator.)
func TestDefaultMonotone(t *testing.T) {
	fw := loadDefault(t)
	better := map[string]float64{ // +1: higher is better, −1: lower is better
		"sh_resources_unconditional": 1, "sh_requests_answered_on_time": 1, "sh_requests_delivered": 1,
		"sh_datasets_updated_on_time": 1, "sh_api_calls_by_others": 1, "sh_open_datasets_api": 1, "sh_materials_exempted": 1,
		"sa_bad_reviews_closed_on_time": 1, "sa_named_bad_reviews_called_back": 1, "sa_survey_score_total": 1,
		"ef_items_fully_online": 1, "ef_items_one_visit": 1, "ef_cases_completed_online": 1, "ef_cases_completed_on_time": 1,
		"ef_online_applications_concluded": 1, "ma1_level": 1, "ma6_level": 1,
		"ef_processing_days_mean": -1, "ef_cost_total": -1, "ef_promised_days_total": -1,
	}
	base := defaultDepts()
	r0, err := Run(fw, defaultTable(fw, base), Options{})
	if err != nil {
		t.Fatal(err)
	}
	steps := []float64{1.01, 1.1, 1.5, 2, 5}
	for v, dir := range better {
		for i := range base {
			prev := r0.RootScores()[i]
			for _, f := range steps {
				depts := defaultDepts()
				x, ok := depts[i].vals[v]
				if !ok {
					continue
				}
				switch {
				case strings.HasPrefix(v, "ma"):
					if x < 1 {
						continue // from 0 (missing) to a level is not "raising"
					}
					x = math.Min(5, x+math.Round(f*2-2)) // 1.01→+0 … 5→+8, capped at 5
				case dir > 0:
					x *= f
				default:
					x /= f
				}
				depts[i].vals[v] = x
				r, err := Run(fw, defaultTable(fw, depts), Options{})
				if err != nil {
					t.Fatal(err)
				}
				got := r.RootScores()[i]
				if !math.IsNaN(prev) && (math.IsNaN(got) || got < prev-1e-9) {
					t.Errorf("%s: improving %s to %v lowered the index from %v to %v", base[i].unit.Code, v, x, prev, got)
				}
				prev = got
			}
		}
	}
}
