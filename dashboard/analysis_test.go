package dashboard

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"govkpi/scoring"
)

const chineseName = "澜江市政务服务和数据管理局"

// getIn is get with the interface language asked for by the browser.
func getIn(t *testing.T, c *http.Client, u, lang string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", u, nil)
	req.Header.Set("Accept-Language", lang)
	res, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

// chartJSON returns the options of chart id on a page, decoded from their
// application/json element; the test fails unless they are JSON.
func chartJSON(t *testing.T, body, id string) map[string]any {
	t.Helper()
	m := regexp.MustCompile(`(?s)<script type="application/json" id="chart-` + regexp.QuoteMeta(id) + `">(.*?)</script>`).FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no chart %q on the page", id)
	}
	var option map[string]any
	if err := json.Unmarshal([]byte(m[1]), &option); err != nil {
		t.Fatalf("chart %s options are not JSON: %v", id, err)
	}
	return option
}

// readCSV fetches a chart's CSV and returns its rows, header first.
func readCSV(t *testing.T, c *http.Client, u string) [][]string {
	t.Helper()
	status, body := get(t, c, u)
	if status != http.StatusOK || !strings.HasPrefix(body, "\xef\xbb\xbf") {
		t.Fatalf("%s: %d\n%s", u, status, body)
	}
	rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(body, "\xef\xbb\xbf"))).ReadAll()
	if err != nil {
		t.Fatalf("%s: %v", u, err)
	}
	return rows
}

// cells counts the data an option object sends: every scalar in the axes'
// data and in every series' data (a value pair counts two; a name given
// with a value counts too).
func cells(option map[string]any) int {
	var count func(v any) int
	count = func(v any) int {
		switch x := v.(type) {
		case []any:
			n := 0
			for _, e := range x {
				n += count(e)
			}
			return n
		case map[string]any:
			n := 0
			for k, e := range x {
				if k == "value" || k == "name" || k == "children" {
					n += count(e)
				}
			}
			return n
		}
		return 1
	}
	n := 0
	for _, key := range []string{"xAxis", "yAxis"} {
		axes, _ := option[key].([]any)
		for _, a := range axes {
			if d, ok := a.(map[string]any)["data"]; ok {
				n += count(d)
			}
		}
	}
	series, _ := option["series"].([]any)
	for _, s := range series {
		n += count(s.(map[string]any)["data"])
	}
	return n
}

// untranslated finds catalogue keys of these pages left in a page: the
// catalogue returns an unknown key as it is.
var untranslated = regexp.MustCompile(`\b(dash\.(?:unc|meth|qual|an)\.[a-z0-9_.]+|title\.dashboard_[a-z]+)\b`)

func TestAnalysisPagesForEvaluator(t *testing.T) {
	ts, runID := testRun(t)
	ev := signedIn(t, ts, "evaluator")
	base := ts.URL + "/dashboard/runs/" + itoa(runID)
	for _, page := range []string{"uncertainty", "methodology", "quality"} {
		for _, lang := range []string{"zh-CN", "en"} {
			status, body := getIn(t, ev, base+"/"+page, lang)
			if status != http.StatusOK {
				t.Fatalf("%s (%s): %d\n%s", page, lang, status, body)
			}
			if k := untranslated.FindString(body); k != "" {
				t.Errorf("%s (%s) shows the key %q untranslated", page, lang, k)
			}
			if strings.Contains(body, "<script>alert(1)") {
				t.Fatalf("%s (%s): the hostile name became markup", page, lang)
			}
			if regexp.MustCompile(`(?i)\bstyle=|\bon[a-z]+=`).MatchString(body) {
				t.Errorf("%s (%s) has inline style or an event attribute, which the CSP forbids", page, lang)
			}
		}
	}
	if status, _ := get(t, ev, base+"/uncertainty/nothing.csv"); status != http.StatusNotFound {
		t.Fatalf("unknown uncertainty chart: %d", status)
	}
	if status, _ := get(t, ev, ts.URL+"/dashboard/runs/999/methodology"); status != http.StatusNotFound {
		t.Fatalf("unknown run: %d", status)
	}
}

// The uncertainty chart carries the departments' names as data, sends pure
// JSON, and draws exactly the numbers of its table and CSV.
func TestUncertaintyPage(t *testing.T) {
	ts, runID := testRun(t)
	ev := signedIn(t, ts, "evaluator")
	base := ts.URL + "/dashboard/runs/" + itoa(runID) + "/uncertainty"
	status, body := get(t, ev, base)
	if status != http.StatusOK {
		t.Fatalf("uncertainty: %d\n%s", status, body)
	}
	if !strings.Contains(body, "&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;") {
		t.Fatal("the data table does not show the hostile name as text")
	}
	if !strings.Contains(body, strconv.Itoa(SensitivityDraws)) {
		t.Fatal("the page does not say how many draws the intervals come from")
	}
	option := chartJSON(t, body, "ranks")
	if n := cells(option); n > 20000 || n == 0 {
		t.Fatalf("%d cells", n)
	}
	var names []string
	for _, n := range option["xAxis"].([]any)[0].(map[string]any)["data"].([]any) {
		names = append(names, n.(string))
	}
	for _, want := range []string{evil, formula, chineseName} {
		if !slices.Contains(names, want) {
			t.Fatalf("department names on the axis: %q, want %q among them", names, want)
		}
	}
	// Clicking a department opens its profile.
	m := regexp.MustCompile(`(?s)<script type="application/json" id="chart-ranks-links">(.*?)</script>`).FindStringSubmatch(body)
	if m == nil {
		t.Fatal("no click-through links")
	}
	links := clickLinks(t, m[1])
	if links[evil] != "/dashboard/runs/"+itoa(runID)+"/departments/LJ-A" {
		t.Fatalf("links %v", links)
	}

	rows := readCSV(t, ev, base+"/ranks.csv")
	if len(rows) != 4 || len(rows[0]) != 8 {
		t.Fatalf("CSV: %q", rows)
	}
	series := option["series"].([]any)
	if len(series) != 3 {
		t.Fatalf("%d series, want the base, the interval and the nominal rank", len(series))
	}
	num := func(s string) float64 {
		f, err := strconv.ParseFloat(s, 64)
		if err != nil {
			t.Fatalf("%q is not a number", s)
		}
		return f
	}
	value := func(s, i int) float64 {
		d := series[s].(map[string]any)["data"].([]any)[i]
		if o, ok := d.(map[string]any); ok {
			d = o["value"]
		}
		return d.(float64)
	}
	formulaSeen := false
	for i, row := range rows[1:] {
		nominal, median, q05, q95, width := num(row[3]), num(row[4]), num(row[5]), num(row[6]), num(row[7])
		if !(q05 <= nominal && nominal <= q95) || !(q05 <= median && median <= q95) {
			t.Errorf("row %q: the nominal or median rank is outside its interval", row)
		}
		if math.Abs(q95-q05-width) > 1e-9 {
			t.Errorf("row %q: width is not q95 − q05", row)
		}
		// The chart draws the CSV's numbers, in its order.
		if value(0, i) != q05 || value(1, i) != width || value(2, i) != nominal || names[i] != strings.TrimPrefix(row[2], "'") {
			t.Errorf("row %d: chart %v/%v/%v %q, CSV %q", i, value(0, i), value(1, i), value(2, i), names[i], row)
		}
		formulaSeen = formulaSeen || row[2] == "'"+formula
	}
	if !formulaSeen {
		t.Error("the formula-like name was not neutralised in the CSV")
	}
}

// With 5,000 departments the chart still sends fewer than 20,000 cells and
// shows 40 departments at a time.
func TestUncertaintyChartCells(t *testing.T) {
	const n = 5000
	rows := make([]uncertainRow, n)
	for i := range rows {
		q05 := float64(max(1, i-30))
		q95 := float64(min(n, i+30))
		rows[i] = uncertainRow{Code: fmt.Sprint("D", i), Name: fmt.Sprint("部门", i), URL: profileURL(1, fmt.Sprint("D", i)),
			Rank: i + 1, Nominal: i + 1, Median: float64(i + 1), Q05: q05, Q95: q95, Width: q95 - q05}
	}
	c := uncertaintyChart(rows, func(k string, _ ...any) string { return k })
	b, err := json.Marshal(c.Options)
	if err != nil {
		t.Fatal(err)
	}
	var option map[string]any
	if err := json.Unmarshal(b, &option); err != nil {
		t.Fatal(err)
	}
	if got := cells(option); got > 20000 {
		t.Fatalf("%d cells", got)
	}
	zooms, _ := option["dataZoom"].([]any)
	if len(zooms) == 0 {
		t.Fatal("no dataZoom for 5,000 departments")
	}
	for _, z := range zooms {
		z := z.(map[string]any)
		start, _ := z["start"].(float64) // 0 is left out
		if shown := (z["end"].(float64) - start) / 100 * n; math.Abs(shown-40) > 0.5 {
			t.Fatalf("dataZoom shows %v departments", shown)
		}
	}
	if len(c.Rows) != n || len(c.Click) != n {
		t.Fatalf("%d rows, %d links", len(c.Rows), len(c.Click))
	}
}

// sunburstLeaves sums the values of a sunburst's outermost sectors.
func sunburstLeaves(items []any) (sum float64, n int) {
	for _, it := range items {
		d := it.(map[string]any)
		if kids, ok := d["children"].([]any); ok && len(kids) > 0 {
			s, k := sunburstLeaves(kids)
			sum, n = sum+s, n+k
			continue
		}
		v, _ := d["value"].(float64)
		sum, n = sum+v, n+1
	}
	return sum, n
}

func TestMethodologyPage(t *testing.T) {
	ts, runID := testRun(t)
	ev := signedIn(t, ts, "evaluator")
	base := ts.URL + "/dashboard/runs/" + itoa(runID) + "/methodology"
	status, body := get(t, ev, base)
	if status != http.StatusOK {
		t.Fatalf("methodology: %d\n%s", status, body)
	}
	fw, err := scoring.DefaultFramework()
	if err != nil {
		t.Fatal(err)
	}
	option := chartJSON(t, body, "weights")
	series := option["series"].([]any)[0].(map[string]any)
	sum, leaves := sunburstLeaves(series["data"].([]any))
	if leaves != len(fw.Indicators()) || math.Abs(sum-100) > 0.01 {
		t.Fatalf("%d leaves summing to %v, want %d summing to 100", leaves, sum, len(fw.Indicators()))
	}
	for _, n := range fw.Indicators() {
		if !strings.Contains(body, `data-card="`+n.Code+`"`) {
			t.Errorf("no definition card for %s", n.Code)
		}
	}
	if !strings.Contains(body, "<code>"+fw.Code+" "+fw.Version+"</code>") {
		t.Error("the framework's code and version are not shown")
	}
	// The weights CSV: one row per node below the index, its effective
	// weights those of the chart.
	rows := readCSV(t, ev, base+"/weights.csv")
	if len(rows) != len(fw.Order()) {
		t.Fatalf("%d CSV rows for %d nodes", len(rows), len(fw.Order()))
	}
	total := 0.0
	for _, row := range rows[1:] {
		if n := fw.Node(row[0]); n != nil && n.IsIndicator() {
			v, err := strconv.ParseFloat(strings.TrimSuffix(row[5], "%"), 64)
			if err != nil {
				t.Fatal(err)
			}
			total += v
		}
	}
	if math.Abs(total-sum) > 1e-6 {
		t.Fatalf("CSV effective weights sum to %v, the chart's to %v", total, sum)
	}
}

// An official reads the methodology of a published run only, and never
// the uncertainty or quality pages, which are about other departments.
func TestAnalysisPagesForOfficial(t *testing.T) {
	ts, runID, db := testRunDB(t)
	official := signedIn(t, ts, "official")
	base := ts.URL + "/dashboard/runs/" + itoa(runID)
	if status, _ := get(t, official, base+"/methodology"); status != http.StatusNotFound {
		t.Fatalf("official, draft methodology: %d", status)
	}
	if status, _ := get(t, official, base+"/methodology/weights.csv"); status != http.StatusNotFound {
		t.Fatalf("official, draft weights CSV: %d", status)
	}
	if err := db.PublishAssessment(context.Background(), runID); err != nil {
		t.Fatal(err)
	}
	if status, body := get(t, official, base+"/methodology"); status != http.StatusOK {
		t.Fatalf("official, published methodology: %d\n%s", status, body)
	}
	for _, path := range []string{"/uncertainty", "/uncertainty/ranks.csv", "/quality", "/quality/availability.csv"} {
		if status, _ := get(t, official, base+path); status != http.StatusForbidden {
			t.Errorf("official, %s: %d", path, status)
		}
	}
}

func TestQualityPage(t *testing.T) {
	ts, runID := testRun(t)
	ev := signedIn(t, ts, "evaluator")
	base := ts.URL + "/dashboard/runs/" + itoa(runID) + "/quality"
	status, body := get(t, ev, base)
	if status != http.StatusOK {
		t.Fatalf("quality: %d\n%s", status, body)
	}
	fw, err := scoring.DefaultFramework()
	if err != nil {
		t.Fatal(err)
	}
	inds := fw.Indicators()
	option := chartJSON(t, body, "availability")
	labels := option["yAxis"].([]any)[0].(map[string]any)["data"].([]any)
	values := option["series"].([]any)[0].(map[string]any)["data"].([]any)
	if len(labels) != len(inds) || len(values) != len(inds) {
		t.Fatalf("%d labels and %d bars for %d indicators", len(labels), len(values), len(inds))
	}
	rows := readCSV(t, ev, base+"/availability.csv")
	if len(rows) != len(inds)+1 {
		t.Fatalf("%d CSV rows for %d indicators", len(rows), len(inds))
	}
	for k, n := range inds {
		row := rows[k+1]
		if row[0] != n.Code {
			t.Fatalf("row %d is %q, want %s", k+1, row, n.Code)
		}
		// The bar (drawn bottom-up) shows the CSV's percentage.
		bar := values[len(inds)-1-k].(map[string]any)["value"].(float64)
		pct, err := strconv.ParseFloat(row[5], 64)
		if err != nil || pct != bar || pct < 0 || pct > 100 {
			t.Fatalf("%s: CSV %q, bar %v", n.Code, row[5], bar)
		}
		if !strings.HasPrefix(labels[len(inds)-1-k].(string), n.Code+" ") {
			t.Fatalf("bar %d is %v, want %s", k, labels[len(inds)-1-k], n.Code)
		}
	}
	for _, chart := range []string{"low-sample", "alpha", "shape"} {
		chartJSON(t, body, chart)
		if rows := readCSV(t, ev, base+"/"+chart+".csv"); len(rows) < 2 {
			t.Errorf("%s.csv has no rows", chart)
		}
	}
	// The correlations are a table with a CSV of the same rows.
	corr := readCSV(t, ev, base+"/correlations.csv")
	if len(corr[0]) != 6 {
		t.Fatalf("correlations header %q", corr[0])
	}
	// The page shows the first TableMax of them and says the CSV has all.
	for i, row := range corr[1:] {
		// serveCSV quotes a leading minus, as it does any formula-like cell.
		row[4] = strings.TrimPrefix(row[4], "'")
		shown := strings.Contains(body, "<tr><td>"+strings.Join(row, "</td><td>")+"</td></tr>")
		if shown != (i < TableMax) {
			t.Errorf("correlation %d %q: on the page %v", i+1, row, shown)
		}
	}
	if cut := len(corr)-1 > TableMax; cut != strings.Contains(body, "（共 "+strconv.Itoa(len(corr)-1)+" 行）") {
		t.Errorf("%d correlations: the page does not say its table is cut", len(corr)-1)
	}
}

// methodAHPOf shows what the engine computed from a node's comparison
// matrix.
func TestMethodAHP(t *testing.T) {
	const yaml = `code: T
version: "1"
root:
  code: R
  ahp:
    names: [A, B, C]
    matrix: [["1", "3", "5"], ["1/3", "1", "3"], ["1/5", "1/3", "1"]]
  children:
    - {code: A, name_en: Alpha}
    - {code: B}
    - {code: C}
`
	fw, err := scoring.ReadFrameworkYAML(strings.NewReader(yaml))
	if err != nil {
		t.Fatal(err)
	}
	a := methodAHPOf(fw.Root, "en", func(k string, _ ...any) string { return k })
	if a.Error != "" {
		t.Fatal(a.Error)
	}
	want, err := scoring.AHP([]string{"A", "B", "C"}, [][]float64{{1, 3, 5}, {1. / 3, 1, 3}, {1. / 5, 1. / 3, 1}}, scoring.RITables()["saaty2005"], 0.1)
	if err != nil {
		t.Fatal(err)
	}
	if a.CR != analysisNum(want.CR, 4) || a.Lambda != analysisNum(want.LambdaMax, 4) || !a.Consistent {
		t.Fatalf("CR %s λ %s consistent %v; want CR %v λ %v", a.CR, a.Lambda, a.Consistent, want.CR, want.LambdaMax)
	}
	if len(a.Weights) != 3 || a.Weights[0] != analysisNum(want.Weights[0]*100, 2)+"%" || a.Names[0] != "A · Alpha" {
		t.Fatalf("weights %q names %q", a.Weights, a.Names)
	}
	// The page's effective weights follow the same AHP weights.
	share, eff := effectiveShares(fw, map[string]float64{"R": 1, "A": *fw.Node("A").Weight, "B": *fw.Node("B").Weight, "C": *fw.Node("C").Weight})
	if math.Abs(eff["A"]+eff["B"]+eff["C"]-1) > 1e-12 || math.Abs(share["A"]-want.Weights[0]) > 1e-9 {
		t.Fatalf("shares %v, effective %v", share, eff)
	}
}
