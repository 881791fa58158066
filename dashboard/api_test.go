package dashboard

import (
	"context"
	"encoding/json"
	"io"
	"math"
	"net/http"
	"net/http/cookiejar"
	"slices"
	"strings"
	"testing"

	"govkpi/survey"
)

// apiGet calls the API and checks what every answer must carry: JSON,
// not cached, decodable into v (when v is not nil).
func apiGet(t *testing.T, c *http.Client, method, u, token string, v any) (int, http.Header, string) {
	t.Helper()
	req, _ := http.NewRequest(method, u, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Fatalf("%s %s: Content-Type %q\n%s", method, u, ct, b)
	}
	if cc := res.Header.Get("Cache-Control"); cc != "no-store" {
		t.Fatalf("%s %s: Cache-Control %q", method, u, cc)
	}
	if v != nil {
		if err := json.Unmarshal(b, v); err != nil {
			t.Fatalf("%s %s: %v\n%s", method, u, err, b)
		}
	}
	return res.StatusCode, res.Header, string(b)
}

// apiErrorCode decodes an API error body.
func apiErrorCode(t *testing.T, body string) string {
	t.Helper()
	var e struct {
		Error struct {
			Code      string `json:"code"`
			Message   string `json:"message"`
			RequestID string `json:"request_id"`
		} `json:"error"`
	}
	if err := json.Unmarshal([]byte(body), &e); err != nil || e.Error.Code == "" || e.Error.Message == "" || e.Error.RequestID == "" {
		t.Fatalf("not an API error: %s", body)
	}
	return e.Error.Code
}

func apiAnonymous() *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

type apiScoresBody struct {
	RunID       int64 `json:"run_id"`
	Count       int   `json:"count"`
	Departments []struct {
		Code       string   `json:"code"`
		NameZh     string   `json:"name_zh"`
		Level      string   `json:"level"`
		Parent     *string  `json:"parent"`
		Score      *float64 `json:"score"`
		Band       *string  `json:"band"`
		Rank       *int     `json:"rank"`
		GroupRank  *int     `json:"group_rank"`
		GroupSize  int      `json:"group_size"`
		Percentile *float64 `json:"percentile"`
	} `json:"departments"`
}

// An evaluator reads every department's scores, the hostile name coming
// back exactly as a JSON string (never as markup), in rank order, with
// the run's frozen numbers.
func TestAPIScores(t *testing.T) {
	ts, runID, db := testRunDB(t)
	ev := signedIn(t, ts, "evaluator")
	var got apiScoresBody
	status, _, body := apiGet(t, ev, "GET", ts.URL+"/api/v1/runs/"+itoa(runID)+"/scores", "", &got)
	if status != 200 || got.RunID != runID || got.Count != 3 || len(got.Departments) != 3 {
		t.Fatalf("%d %s", status, body)
	}
	if strings.Contains(body, "<script>") {
		t.Fatal("the hostile name is in the body as markup")
	}
	m, err := newModels(db, 1).Load(context.Background(), runID)
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]string{}
	for k, d := range got.Departments {
		names[d.Code] = d.NameZh
		u := m.Outcome.Units[k]
		if d.Code != u.Code || d.Score == nil || *d.Score != *u.Score || d.Rank == nil || *d.Rank != k+1 ||
			d.Band == nil || *d.Band != u.Level || d.Level != "city" || d.Parent == nil || *d.Parent != "LJ" ||
			d.GroupRank == nil || d.GroupSize != 3 || d.Percentile == nil {
			t.Errorf("department %d: %+v, want %+v", k, d, u)
		}
	}
	if names["LJ-A"] != evil || names["LJ-B"] != formula || names["LJ-C"] != "澜江市政务服务和数据管理局" {
		t.Fatalf("names %q", names)
	}
	for q, n := range map[string]int{"level=city": 3, "level=district": 0, "category=none": 0, "level=city&category=": 3} {
		var f apiScoresBody
		if status, _, body := apiGet(t, ev, "GET", ts.URL+"/api/v1/runs/"+itoa(runID)+"/scores?"+q, "", &f); status != 200 || f.Count != n || len(f.Departments) != n {
			t.Errorf("?%s: %d %s", q, status, body)
		}
	}
	status, _, body = apiGet(t, ev, "GET", ts.URL+"/api/v1/runs/"+itoa(runID)+"/scores?level=planet", "", nil)
	if status != http.StatusBadRequest || apiErrorCode(t, body) != survey.EInvalid {
		t.Fatalf("unknown level: %d %s", status, body)
	}
}

// Officials are refused, the signed-out get a 401 as JSON (not the sign-in
// page), and unknown things are 404 as JSON.
func TestAPIRolesAndErrors(t *testing.T) {
	ts, runID := testRun(t)
	scores := ts.URL + "/api/v1/runs/" + itoa(runID) + "/scores"
	status, _, body := apiGet(t, signedIn(t, ts, "official"), "GET", scores, "", nil)
	if status != http.StatusForbidden || apiErrorCode(t, body) != survey.EForbidden {
		t.Fatalf("official: %d %s", status, body)
	}
	for _, path := range []string{"/api/v1/campaigns", "/api/v1/runs/" + itoa(runID), "/api/v1/runs/" + itoa(runID) + "/scores",
		"/api/v1/runs/" + itoa(runID) + "/departments/LJ-A", "/api/v1/runs/" + itoa(runID) + "/indicators"} {
		status, h, body := apiGet(t, apiAnonymous(), "GET", ts.URL+path, "", nil)
		if status != http.StatusUnauthorized || apiErrorCode(t, body) != survey.EUnauth || h.Get("Location") != "" {
			t.Errorf("signed out, %s: %d %s", path, status, body)
		}
	}
	admin := signedIn(t, ts, "admin")
	for _, path := range []string{"/api/v1/runs/999/scores", "/api/v1/runs/999", "/api/v1/campaigns/999/runs",
		"/api/v1/runs/" + itoa(runID) + "/departments/NOPE", "/api/v1/nothing"} {
		status, _, body := apiGet(t, admin, "GET", ts.URL+path, "", nil)
		if status != http.StatusNotFound || apiErrorCode(t, body) != survey.ENotFound {
			t.Errorf("%s: %d %s", path, status, body)
		}
	}
}

// A token made through the store reads the API as a machine: GET under
// /api/ only, no cookie, refused once revoked.
func TestAPIBearerToken(t *testing.T) {
	ts, runID, db := testRunDB(t)
	ctx := context.Background()
	tok, secret, err := db.CreateToken(ctx, survey.TokenInput{Name: "报表平台"})
	if err != nil {
		t.Fatal(err)
	}
	scores := ts.URL + "/api/v1/runs/" + itoa(runID) + "/scores"
	var got apiScoresBody
	status, h, body := apiGet(t, http.DefaultClient, "GET", scores, secret, &got)
	if status != 200 || got.Count != 3 {
		t.Fatalf("bearer GET: %d %s", status, body)
	}
	if c := h.Values("Set-Cookie"); len(c) != 0 {
		t.Fatalf("a bearer request got cookies %q", c)
	}
	for _, c := range []struct{ method, url string }{
		{"POST", scores}, {"DELETE", scores}, {"GET", ts.URL + "/dashboard/runs/" + itoa(runID)},
		{"GET", ts.URL + "/admin/tokens"}, {"GET", ts.URL + "/home"},
	} {
		status, h, body := apiGet(t, http.DefaultClient, c.method, c.url, secret, nil)
		if status != http.StatusForbidden || apiErrorCode(t, body) != survey.EForbidden || len(h.Values("Set-Cookie")) != 0 {
			t.Errorf("bearer %s %s: %d %s", c.method, c.url, status, body)
		}
	}
	if err := db.RevokeToken(ctx, tok.ID); err != nil {
		t.Fatal(err)
	}
	status, h, body = apiGet(t, http.DefaultClient, "GET", scores, secret, nil)
	if status != http.StatusUnauthorized || apiErrorCode(t, body) != survey.EUnauth || !strings.HasPrefix(h.Get("WWW-Authenticate"), "Bearer") {
		t.Fatalf("revoked: %d %s", status, body)
	}
	status, _, body = apiGet(t, http.DefaultClient, "GET", scores, "gk_"+strings.Repeat("A", 43), nil)
	if status != http.StatusUnauthorized || apiErrorCode(t, body) != survey.EUnauth {
		t.Fatalf("unknown token: %d %s", status, body)
	}
}

type apiMatrixBody struct {
	Kind        string   `json:"kind"`
	Departments []string `json:"departments"`
	Nodes       []struct {
		Code      string `json:"code"`
		Indicator bool   `json:"indicator"`
	} `json:"nodes"`
	Values [][]*float64 `json:"values"`
}

// The indicators matrix is nodes × departments, node-major, with exactly
// the model's numbers and null wherever the model has NaN.
func TestAPIIndicatorsMatrix(t *testing.T) {
	ts, runID, db := testRunDB(t)
	m, err := newModels(db, 1).Load(context.Background(), runID)
	if err != nil {
		t.Fatal(err)
	}
	ev := signedIn(t, ts, "evaluator")
	base := ts.URL + "/api/v1/runs/" + itoa(runID) + "/indicators"
	order := m.Framework.Order()
	for _, c := range []struct {
		query string
		nodes int
	}{{"", len(m.Framework.Indicators())}, {"?kind=score", len(order)}, {"?node=" + order[0].Code + "," + order[1].Code, 2}} {
		var got apiMatrixBody
		status, _, body := apiGet(t, ev, "GET", base+c.query, "", &got)
		if status != 200 || len(got.Nodes) != c.nodes || len(got.Values) != c.nodes || len(got.Departments) != 3 {
			t.Fatalf("%q: %d, %d nodes, %d rows, %d departments\n%.300s", c.query, status, len(got.Nodes), len(got.Values), len(got.Departments), body)
		}
		nulls := 0
		for r, row := range got.Values {
			if len(row) != len(got.Departments) {
				t.Fatalf("%q: row %d has %d values", c.query, r, len(row))
			}
			n := m.Framework.Node(got.Nodes[r].Code)
			k := slices.Index(order, n)
			want := m.Result.Score[k]
			if got.Kind == "raw" {
				want = m.Result.Raw[k]
			}
			for i, v := range row {
				j, _ := m.UnitIndex(got.Departments[i])
				switch {
				case math.IsNaN(want[j]) && v != nil:
					t.Fatalf("%q %s %s: NaN came out as %v", c.query, n.Code, got.Departments[i], *v)
				case math.IsNaN(want[j]):
					nulls++
				case v == nil || *v != want[j]:
					t.Fatalf("%q %s %s: %v, want %v", c.query, n.Code, got.Departments[i], v, want[j])
				}
			}
		}
		if c.query == "" && nulls == 0 {
			t.Fatal("the test run has no missing raw value: NaN → null is not exercised")
		}
	}
	for _, q := range []string{"?node=NOPE", "?kind=weird", "?node=" + m.Framework.Root.Code} {
		status, _, body := apiGet(t, ev, "GET", base+q, "", nil)
		if status != http.StatusBadRequest || apiErrorCode(t, body) != survey.EInvalid {
			t.Errorf("%s: %d %s", q, status, body)
		}
	}
}

// One department: every node, indicators with raw value, unit,
// normalised value, contribution and flags; the run, campaigns and
// methodology endpoints answer with what the model holds.
func TestAPIDepartmentRunMethodology(t *testing.T) {
	ts, runID, db := testRunDB(t)
	m, err := newModels(db, 1).Load(context.Background(), runID)
	if err != nil {
		t.Fatal(err)
	}
	ev := signedIn(t, ts, "evaluator")
	run := ts.URL + "/api/v1/runs/" + itoa(runID)

	var dept struct {
		Department struct {
			Code   string `json:"code"`
			NameZh string `json:"name_zh"`
		} `json:"department"`
		Nodes []struct {
			Code         string   `json:"code"`
			Indicator    bool     `json:"indicator"`
			Score        *float64 `json:"score"`
			Raw          *float64 `json:"raw"`
			Normalised   *float64 `json:"normalised"`
			Contribution *float64 `json:"contribution"`
			Flags        []string `json:"flags"`
		} `json:"nodes"`
	}
	status, _, body := apiGet(t, ev, "GET", run+"/departments/LJ-A", "", &dept)
	if status != 200 || dept.Department.NameZh != evil || len(dept.Nodes) != len(m.Framework.Order()) {
		t.Fatalf("%d %.500s", status, body)
	}
	i, _ := m.UnitIndex("LJ-A")
	missing := 0
	for k, n := range dept.Nodes {
		if !n.Indicator {
			continue
		}
		raw := m.Result.Raw[k][i]
		if math.IsNaN(raw) {
			missing++
			if n.Raw != nil || len(n.Flags) == 0 || n.Flags[0] != "missing" {
				t.Errorf("%s: missing raw value shown as %v, flags %v", n.Code, n.Raw, n.Flags)
			}
			continue
		}
		if n.Raw == nil || *n.Raw != raw || n.Normalised == nil || *n.Normalised != m.Result.Score[k][i] || n.Contribution == nil {
			t.Errorf("%s: %+v", n.Code, n)
		}
	}
	if missing == 0 {
		t.Error("no missing indicator for LJ-A: the flag is not exercised")
	}

	var head struct {
		ID       int64  `json:"id"`
		State    string `json:"state"`
		Campaign struct {
			Code string `json:"code"`
		} `json:"campaign"`
		FrameworkCode string `json:"framework_code"`
		InputsHash    string `json:"inputs_hash"`
		Bands         []struct {
			Code string  `json:"code"`
			Min  float64 `json:"min"`
		} `json:"bands"`
	}
	if status, _, body := apiGet(t, ev, "GET", run, "", &head); status != 200 || head.ID != runID || head.State != "draft" ||
		head.Campaign.Code != "SA2026" || head.FrameworkCode != m.Run.FrameworkCode || head.InputsHash != m.Run.InputsHash || len(head.Bands) != len(m.Outcome.Bands) {
		t.Fatalf("run: %d %s", status, body)
	}

	var campaigns struct {
		Campaigns []struct {
			ID   int64  `json:"id"`
			Code string `json:"code"`
		} `json:"campaigns"`
	}
	if status, _, body := apiGet(t, ev, "GET", ts.URL+"/api/v1/campaigns", "", &campaigns); status != 200 ||
		len(campaigns.Campaigns) != 1 || campaigns.Campaigns[0].Code != "SA2026" {
		t.Fatalf("campaigns: %d %s", status, body)
	}
	var runs struct {
		Runs []struct {
			ID int64 `json:"id"`
		} `json:"runs"`
	}
	if status, _, body := apiGet(t, ev, "GET", ts.URL+"/api/v1/campaigns/"+itoa(campaigns.Campaigns[0].ID)+"/runs", "", &runs); status != 200 ||
		len(runs.Runs) != 1 || runs.Runs[0].ID != runID {
		t.Fatalf("campaign runs: %d %s", status, body)
	}

	var method struct {
		Code  string `json:"code"`
		Nodes []struct {
			Code            string  `json:"code"`
			Indicator       bool    `json:"indicator"`
			Weight          float64 `json:"weight"`
			EffectiveWeight float64 `json:"effective_weight"`
			Method          string  `json:"method"`
		} `json:"nodes"`
	}
	if status, _, body := apiGet(t, ev, "GET", run+"/methodology", "", &method); status != 200 || method.Code != m.Framework.Code ||
		len(method.Nodes) != len(m.Framework.Order()) {
		t.Fatalf("methodology: %d %.500s", status, body)
	}
	sum := 0.0
	for _, n := range method.Nodes {
		if n.Method == "" {
			t.Errorf("%s has no method", n.Code)
		}
		if n.Indicator {
			sum += n.EffectiveWeight
		}
	}
	if math.Abs(sum-1) > 1e-9 {
		t.Fatalf("the indicators' effective weights add up to %v", sum)
	}
}

// apiNum and apiNums never write NaN or infinities (encoding/json would refuse
// them, and JSON has no such numbers).
func TestAPINumbersFinite(t *testing.T) {
	b, err := json.Marshal(struct {
		A apiNum  `json:"a"`
		B apiNum  `json:"b"`
		C apiNums `json:"c"`
	}{apiNum(math.NaN()), apiNum(math.Copysign(0, -1)), apiNums{1.5, math.NaN(), math.Inf(1), math.Inf(-1), 1e-7}})
	if err != nil || string(b) != `{"a":null,"b":0,"c":[1.5,null,null,null,1e-07]}` {
		t.Fatalf("%s %v", b, err)
	}
}
