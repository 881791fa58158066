package dashboard

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"govkpi/survey"
	"govkpi/survey/instrument"
)

const (
	evil     = `</script><script>alert(1)</script>`
	formula  = `=HYPERLINK("x")`
	password = "dashboard test password"
)

// testRun serves a demo-like run: three departments (one named to break
// out of a script element, one like a spreadsheet formula, one Chinese),
// all approved with different maturity levels, scored and published.
func testRun(t *testing.T) (*httptest.Server, int64) {
	t.Helper()
	ts, id, _ := testRunDB(t)
	return ts, id
}

// testRunDB is testRun with the database, for tests that publish the run
// or change its inputs.
func testRunDB(t *testing.T) (*httptest.Server, int64, *survey.DB) {
	t.Helper()
	return testRunDBN(t, 3)
}

// testRunDBN is testRunDB with n departments (n ≥ 3): the three of
// testRunDB, then offices LJ-0004 … of the same city, their answers and
// metrics spread so that their scores differ.
func testRunDBN(t testing.TB, n int) (*httptest.Server, int64, *survey.DB) {
	t.Helper()
	ctx := context.Background()
	db, err := survey.Open(ctx, filepath.Join(t.TempDir(), "d.db"))
	if err != nil {
		t.Fatal(err)
	}
	csv := "code,name_zh,level,parent_code\nLJ,澜江市人民政府,city,\n" +
		"LJ-A,\"" + strings.ReplaceAll(evil, `"`, `""`) + "\",city,LJ\n" +
		"LJ-B,\"" + strings.ReplaceAll(formula, `"`, `""`) + "\",city,LJ\n" +
		"LJ-C,澜江市政务服务和数据管理局,city,LJ\n"
	codes := []string{"LJ-A", "LJ-B", "LJ-C"}
	for i := 4; i <= n; i++ {
		code := fmt.Sprintf("LJ-%04d", i)
		csv += fmt.Sprintf("%s,澜江市第%d政务服务中心,district,LJ\n", code, i)
		codes = append(codes, code)
	}
	if _, err := db.ImportDepartments(ctx, strings.NewReader(csv)); err != nil {
		t.Fatal(err)
	}
	for _, a := range []survey.AccountInput{
		{Username: "admin", Role: survey.RoleAdmin}, {Username: "evaluator", Role: survey.RoleEvaluator},
		{Username: "official", Role: survey.RoleOfficial, DepartmentCode: "LJ-C"},
	} {
		a.Password = password
		if _, err := db.CreateAccount(ctx, a); err != nil {
			t.Fatal(err)
		}
	}
	defaults, err := instrument.DefaultInstruments()
	if err != nil {
		t.Fatal(err)
	}
	sa := defaults["self_assessment"]
	st, err := db.ImportInstrument(ctx, sa, "yaml", "sa.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if err := db.PublishInstrument(ctx, st.ID); err != nil {
		t.Fatal(err)
	}
	opens := time.Now().Add(-time.Hour).Truncate(time.Second)
	c, err := db.CreateCampaign(ctx, survey.CampaignInput{Code: "SA2026", NameZh: "2026 年度自评", Period: "2026 年度",
		InstrumentID: st.ID, FrameworkVersion: "DGMI 2026.1", OpensAt: opens, ClosesAt: opens.Add(24 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.AssignDepartments(ctx, c.ID, survey.DepartmentSelection{Codes: codes}); err != nil {
		t.Fatal(err)
	}
	if err := db.SetCampaignStatus(ctx, c.ID, "open"); err != nil {
		t.Fatal(err)
	}
	assignments, err := db.CampaignAssignments(ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	// Every question answered: the maturity levels differ by department,
	// the rest is the first choice or a middle number.
	for i, a := range assignments {
		answers := instrument.Answers{}
		for _, sec := range sa.Sections {
			for _, q := range sec.Questions {
				switch q.Type {
				case instrument.TypeMaturity:
					answers[q.Name] = strconv.Itoa(1 + (i*3+len(q.Name))%5)
					if i < 3 {
						answers[q.Name] = []string{"2", "3", "5"}[i]
					}
					answers[q.Name+"_evidence"] = "见附件"
				default:
					answers[q.Name] = sampleAnswer(q)
				}
			}
		}
		if _, err := db.SubmitResponse(ctx, a.ID, "client-"+a.DepartmentCode, answers); err != nil {
			t.Fatal(err)
		}
		if err := db.Review(ctx, a.ID, survey.ReviewApprove, ""); err != nil {
			t.Fatal(err)
		}
	}
	// Platform metrics for every metric variable: a part is a share of its
	// whole that grows from one department to the next.
	vars, err := survey.MetricVariables()
	if err != nil {
		t.Fatal(err)
	}
	within := map[string]string{}
	for _, v := range vars {
		within[v.Code] = v.Within
	}
	var metrics strings.Builder
	metrics.WriteString("period,department_code,variable,value\n")
	for i, code := range codes {
		share := 0.5 * (0.6 + 0.2*float64(i))
		if i >= 3 {
			share = 0.15 + 0.35*math.Mod(float64(i)*0.618, 1) // two parts of a whole may add up
		}
		for _, v := range vars {
			x := 1000.0
			for w := v.Within; w != ""; w = within[w] {
				x *= share
			}
			fmt.Fprintf(&metrics, "2026,%s,%s,%d\n", code, v.Code, int(x))
		}
	}
	if _, err := db.ImportMetrics(ctx, strings.NewReader(metrics.String()), "metrics.csv"); err != nil {
		var ie *survey.ImportError
		if errors.As(err, &ie) && len(ie.Rows) > 0 {
			t.Fatalf("%v: first %+v", err, ie.Rows[0])
		}
		t.Fatal(err)
	}
	run, err := db.ComputeAssessment(ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	srv, err := survey.NewServer(db, slog.New(slog.NewTextHandler(io.Discard, nil)), survey.ServerConfig{
		IdleTimeout: time.Hour, SessionMax: time.Hour, Version: "test"})
	if err != nil {
		t.Fatal(err)
	}
	d := Register(srv)
	testDashboards.Store(srv, d)
	t.Cleanup(d.Close)
	ts := httptest.NewServer(srv)
	t.Cleanup(func() { ts.Close(); srv.Close(); db.Close() })
	return ts, run.ID, db
}

// sampleAnswer is a valid answer to a question that is not a maturity one.
func sampleAnswer(q *instrument.Question) string {
	if len(q.Choices) > 0 {
		return q.Choices[0].Value
	}
	switch q.Type {
	case instrument.TypeInteger, instrument.TypeDecimal:
		return "1"
	}
	return "说明"
}

// signedIn returns a client signed in as username.
func signedIn(t *testing.T, ts *httptest.Server, username string) *http.Client {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := c.Get(ts.URL + "/login")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	m := regexp.MustCompile(`name="csrf" value="([0-9a-f]+)"`).FindSubmatch(body)
	if m == nil {
		t.Fatal("no CSRF token on the sign-in page")
	}
	req, _ := http.NewRequest("POST", ts.URL+"/login", strings.NewReader(url.Values{
		"csrf": {string(m[1])}, "username": {username}, "password": {password}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", ts.URL)
	res, err = c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign-in as %s: %d", username, res.StatusCode)
	}
	return c
}

func get(t *testing.T, c *http.Client, u string) (int, string) {
	t.Helper()
	res, err := c.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

// Every chart of the run page carries the hostile and the Chinese names as
// JSON data inside its script element: nothing breaks out, and the names
// read back exactly.
func TestRunPageChartsInert(t *testing.T) {
	ts, runID := testRun(t)
	admin := signedIn(t, ts, "admin")
	status, body := get(t, admin, ts.URL+"/dashboard/runs/"+itoa(runID))
	if status != 200 {
		t.Fatalf("run page: %d\n%s", status, body)
	}
	if strings.Contains(body, "<script>alert(1)") {
		t.Fatal("the hostile name became markup")
	}
	blocks := regexp.MustCompile(`(?s)<script type="application/json" id="(chart-[a-z]+)">(.*?)</script>`).FindAllStringSubmatch(body, -1)
	if len(blocks) != 7 { // ranking, bands, boxplot, quadrant, trend, rollup, heatmap
		t.Fatalf("%d chart blocks", len(blocks))
	}
	for _, b := range blocks {
		var option map[string]any
		if err := json.Unmarshal([]byte(b[2]), &option); err != nil {
			t.Fatalf("%s is not JSON: %v", b[1], err)
		}
		if b[1] != "chart-ranking" {
			continue
		}
		names := option["yAxis"].([]any)[0].(map[string]any)["data"].([]any)
		var got []string
		for _, n := range names {
			got = append(got, n.(string))
		}
		if !slices.Contains(got, evil) || !slices.Contains(got, "澜江市政务服务和数据管理局") || !slices.Contains(got, formula) {
			t.Fatalf("ranking names %q", got)
		}
	}
	// The data table under the chart shows the names as text.
	if !strings.Contains(body, "&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;") {
		t.Fatal("the data table does not show the hostile name as text")
	}
	// The chart's CSV: every department, the formula neutralised.
	status, csv := get(t, admin, ts.URL+"/dashboard/runs/"+itoa(runID)+"/ranking.csv")
	if status != 200 || !strings.HasPrefix(csv, "\xef\xbb\xbf") || !strings.Contains(csv, `'=HYPERLINK(""x"")`) ||
		!strings.Contains(csv, evil) || strings.Count(csv, "\r\n") != 4 {
		t.Fatalf("ranking.csv: %d\n%s", status, csv)
	}
	if status, _ := get(t, admin, ts.URL+"/dashboard/runs/999"); status != http.StatusNotFound {
		t.Fatalf("unknown run: %d", status)
	}
}

func TestRunPageRoles(t *testing.T) {
	ts, runID, db := testRunDB(t)
	path := ts.URL + "/dashboard/runs/" + itoa(runID)
	if status, _ := get(t, signedIn(t, ts, "evaluator"), path); status != 200 {
		t.Fatalf("evaluator: %d", status)
	}
	// A draft is not for officials; the published overview is.
	official := signedIn(t, ts, "official")
	if status, _ := get(t, official, path); status != http.StatusNotFound {
		t.Fatalf("official, draft: %d", status)
	}
	if err := db.PublishAssessment(context.Background(), runID); err != nil {
		t.Fatal(err)
	}
	if status, _ := get(t, official, path); status != http.StatusOK {
		t.Fatalf("official, published: %d", status)
	}
	jar, _ := cookiejar.New(nil)
	anon := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	if status, _ := get(t, anon, path+"/bands.csv"); status != http.StatusSeeOther && status != http.StatusUnauthorized {
		t.Fatalf("signed out: %d", status)
	}
}

// testDashboards finds the Dashboard registered on a test's server.
var testDashboards sync.Map // *survey.Server → *Dashboard

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
