package dashboard

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"govkpi/survey"
)

// scServer is the survey server behind a test server, for the print
// tokens and the printer it owns.
func scServer(t testing.TB, ts *httptest.Server) *survey.Server {
	t.Helper()
	s, ok := ts.Config.Handler.(*survey.Server)
	if !ok {
		t.Fatalf("the test server's handler is a %T", ts.Config.Handler)
	}
	return s
}

// testPages is the dashboard registered on a test's server.
func testPages(t testing.TB, s *survey.Server) *pages {
	t.Helper()
	d, ok := testDashboards.Load(s)
	if !ok {
		t.Fatal("no dashboard registered on the test server")
	}
	return d.(*Dashboard).p
}

// scPrinter is the PDF printer of a test's server.
func scPrinter(t *testing.T, s *survey.Server) *printer {
	t.Helper()
	return testPages(t, s).printer
}

// scTile reads the value of a page's tile labelled label.
func scTile(t *testing.T, body, label string) string {
	t.Helper()
	m := regexp.MustCompile(`<span class="tile-label">` + regexp.QuoteMeta(label) +
		`</span>\s*<span class="tile-value"[^>]*>([^<]*)</span>`).FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no tile %q on the page", label)
	}
	return m[1]
}

// scTableRows counts the body rows of the table with id.
func scTableRows(t *testing.T, body, id string) int {
	t.Helper()
	m := regexp.MustCompile(`(?s)<table[^>]*id="` + id + `"[^>]*>.*?<tbody>(.*?)</tbody>`).FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no table %s on the page", id)
	}
	return strings.Count(m[1], "<tr")
}

// scAudit returns the audit rows of action about department code.
func scAudit(t *testing.T, db *survey.DB, action, code string) []survey.AuditEntry {
	t.Helper()
	rows, err := db.FindAudit(context.Background(), survey.AuditFilter{Action: action, Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	var out []survey.AuditEntry
	for _, e := range rows {
		if e.Action == action && e.ObjectID == code {
			out = append(out, e)
		}
	}
	return out
}

func scURL(ts *httptest.Server, runID int64, code string) string {
	return ts.URL + "/dashboard/runs/" + itoa(runID) + "/departments/" + code + "/scorecard"
}

// The scorecard shows the profile's numbers (index, band, ranks, every
// indicator), the hostile name as text, and is audited as an export.
func TestScorecardPage(t *testing.T) {
	ts, runID, db := testRunDB(t)
	admin := signedIn(t, ts, "admin")
	for _, code := range []string{"LJ-A", "LJ-B", "LJ-C"} {
		status, body := get(t, admin, scURL(ts, runID, code))
		if status != http.StatusOK {
			t.Fatalf("%s: scorecard %d\n%s", code, status, body)
		}
		_, profile := get(t, admin, ts.URL+"/dashboard/runs/"+itoa(runID)+"/departments/"+code)
		score := scTile(t, profile, "得分")
		if !regexp.MustCompile(`^\d+\.\d\d$`).MatchString(score) {
			t.Fatalf("%s: profile score %q", code, score)
		}
		if got := scTile(t, body, "综合指数"); got != score {
			t.Errorf("%s: scorecard index %q, profile %q", code, got, score)
		}
		if band := scTile(t, profile, "等级"); band == "—" || scTile(t, body, "等级") != band {
			t.Errorf("%s: band %q on the profile, %q on the scorecard", code, band, scTile(t, body, "等级"))
		}
		if got, want := scTableRows(t, body, "sc-indicators"), strings.Count(regexp.MustCompile(`(?s)<h2 id="indicators-title">.*?</tbody>`).FindString(profile), "<tr>")-1; got == 0 || got != want {
			t.Errorf("%s: %d indicator rows, the profile has %d", code, got, want)
		}
		// The index's row and one per family.
		if n := scTableRows(t, body, "sc-families"); n < 2 {
			t.Errorf("%s: %d family rows", code, n)
		}
		for _, want := range []string{"数字政府建设成效考核 · 部门记分卡", "DGMI", "附录一", "附录二", "见附件", `data-chart="chart-radar"`,
			"/departments/" + code + "/scorecard.pdf", "第 " + itoa(runID) + " 次计算", "草稿"} {
			if !strings.Contains(body, want) {
				t.Errorf("%s: the scorecard lacks %q", code, want)
			}
		}
		if !strings.Contains(body, "/css/scorecard.css") {
			t.Errorf("%s: the scorecard does not link its stylesheet", code)
		}
		if !strings.Contains(profile, "/departments/"+code+"/scorecard\"") || !strings.Contains(profile, "/departments/"+code+"/scorecard.pdf\"") {
			t.Errorf("%s: the profile does not link the scorecard and its PDF", code)
		}
		if len(scAudit(t, db, survey.AuditExported, code)) != 1 {
			t.Errorf("%s: no export.created audit row for the scorecard", code)
		}
	}
	_, body := get(t, admin, scURL(ts, runID, "LJ-A"))
	profInert(t, body)
	if !strings.Contains(body, "&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;") {
		t.Error("the hostile name is not shown as text")
	}
	_, body = get(t, admin, scURL(ts, runID, "LJ-B"))
	if !strings.Contains(body, "<h1>=HYPERLINK(&#34;x&#34;)</h1>") {
		t.Error("the formula-like name is not shown as text in the heading")
	}
	if status, _ := get(t, admin, scURL(ts, runID, "LJ-NONE")); status != http.StatusNotFound {
		t.Errorf("unknown department: %d", status)
	}
	if status, _ := get(t, admin, ts.URL+"/dashboard/runs/999/departments/LJ-A/scorecard"); status != http.StatusNotFound {
		t.Errorf("unknown run: %d", status)
	}
	// The evaluator reads any department's, as the profile's rule says.
	if status, _ := get(t, signedIn(t, ts, "evaluator"), scURL(ts, runID, "LJ-A")); status != http.StatusOK {
		t.Errorf("evaluator: %d", status)
	}
}

// An official reads their own department's scorecard in a published run;
// another department's is not found, and the refusal is audited.
func TestScorecardOfficial(t *testing.T) {
	ts, runID, db := testRunDB(t)
	official := signedIn(t, ts, "official")
	if status, _ := get(t, official, scURL(ts, runID, "LJ-C")); status != http.StatusNotFound {
		t.Fatalf("official, own department, draft run: %d", status)
	}
	if err := db.PublishAssessment(context.Background(), runID); err != nil {
		t.Fatal(err)
	}
	status, body := get(t, official, scURL(ts, runID, "LJ-C"))
	if status != http.StatusOK || !strings.Contains(body, "澜江市政务服务和数据管理局") || !strings.Contains(body, "已发布") {
		t.Fatalf("official, own department: %d", status)
	}
	if !strings.Contains(body, `id="sc-tickets"`) {
		t.Error("the official's own scorecard lacks the rectification summary")
	}
	for _, u := range []string{scURL(ts, runID, "LJ-A"), scURL(ts, runID, "LJ-A") + ".pdf"} {
		if status, body := get(t, official, u); status != http.StatusNotFound || strings.Contains(body, "alert(1)") {
			t.Errorf("official, another department (%s): %d", u, status)
		}
	}
	refused := scAudit(t, db, survey.AuditExportRefused, "LJ-A")
	if len(refused) != 2 || refused[0].ActorName != "official" {
		t.Errorf("refusals audited: %+v", refused)
	}
	if len(scAudit(t, db, survey.AuditExported, "LJ-A")) != 0 {
		t.Error("a refused scorecard was audited as exported")
	}
}

// The print route serves a scorecard only to this machine, with a token
// the PDF handler made, once, before it expires.
func TestPrintRouteToken(t *testing.T) {
	ts, runID := testRun(t)
	s := scServer(t, ts)
	tokens := scPrinter(t, s).tokens
	admin := &survey.Account{ID: 1, Username: "admin", Role: survey.RoleAdmin}
	job := printJob{run: runID, code: "LJ-A", lang: "zh-CN", reader: admin}
	anon := &http.Client{}

	for _, path := range []string{"/print/", "/print/short", "/print/" + strings.Repeat("A", 43)} {
		if status, _ := get(t, anon, ts.URL+path); status != http.StatusNotFound {
			t.Errorf("%s: %d", path, status)
		}
	}

	// From elsewhere, or through a proxy on this machine: refused, and the
	// token is not spent.
	token := tokens.issue(job)
	outside := httptest.NewRequest("GET", "/print/"+token, nil)
	outside.RemoteAddr = "203.0.113.9:4242"
	proxied := httptest.NewRequest("GET", "/print/"+token, nil)
	proxied.RemoteAddr = "127.0.0.1:4242"
	proxied.Header.Set("X-Forwarded-For", "203.0.113.9")
	for name, req := range map[string]*http.Request{"outside": outside, "proxied": proxied} {
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, req)
		if rec.Code != http.StatusNotFound || strings.Contains(rec.Body.String(), "alert(1)") {
			t.Errorf("%s request with a valid token: %d", name, rec.Code)
		}
	}

	// The printer's tabs serve every reader's prints, one after another:
	// the page leaves no session in them, only the CSRF nonce every page
	// sets, which names no one.
	res, err := anon.Get(ts.URL + "/print/" + token)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	status, body := res.StatusCode, string(b)
	if status != http.StatusOK {
		t.Fatalf("print with a fresh token: %d\n%s", status, body)
	}
	for _, c := range res.Cookies() {
		if !strings.Contains(c.Name, "csrf") {
			t.Errorf("the print route sets the cookie %s", c.Name)
		}
	}
	profInert(t, body)
	if !strings.Contains(body, "&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;") || strings.Contains(body, "/indicators/") {
		t.Error("the print page lacks the name as text, or links to pages a PDF cannot open")
	}
	if status, _ := get(t, anon, ts.URL+"/print/"+token); status != http.StatusNotFound {
		t.Errorf("a spent token: %d", status)
	}

	// An expired token, and one whose official may no longer read the
	// department, are refused.
	token = tokens.issue(job)
	if _, ok := tokens.take(token, time.Now().Add(printTokenTTL+time.Second)); ok {
		t.Error("an expired token was taken")
	}
	if status, _ := get(t, anon, ts.URL+"/print/"+token); status != http.StatusNotFound {
		t.Errorf("an expired (and spent) token: %d", status)
	}
	official := &survey.Account{ID: 3, Username: "official", Role: survey.RoleOfficial, DepartmentCode: "LJ-C"}
	token = tokens.issue(printJob{run: runID, code: "LJ-A", lang: "zh-CN", reader: official})
	if status, _ := get(t, anon, ts.URL+"/print/"+token); status != http.StatusNotFound {
		t.Errorf("an official's token for another department of a draft: %d", status)
	}
	// The token's language is the page's.
	token = tokens.issue(printJob{run: runID, code: "LJ-C", lang: "en", reader: admin})
	if _, body := get(t, anon, ts.URL+"/print/"+token); !strings.Contains(body, "Appendix B") {
		t.Error("the print page is not in the token's language")
	}
}

func TestScorecardDisposition(t *testing.T) {
	got := scorecardDisposition(7, "LJ-B", formula, "2026 年度")
	want := `attachment; filename="scorecard-run7-LJ-B.pdf"; filename*=UTF-8''%3DHYPERLINK%28%22x%22%29-2026%20%E5%B9%B4%E5%BA%A6-scorecard.pdf`
	if got != want {
		t.Errorf("disposition\n got %s\nwant %s", got, want)
	}
	if got := asciiName(`a"b/c\d;e`); got != "a_b_c_d_e" {
		t.Errorf("asciiName: %s", got)
	}
}

// Without Chromium the PDF answers 503 naming the packages to install;
// the scorecard page still works.
func TestScorecardPDFWithoutChromium(t *testing.T) {
	ts, runID := testRun(t)
	scPrinter(t, scServer(t, ts)).find = func() string { return "" }
	admin := signedIn(t, ts, "admin")
	status, body := get(t, admin, scURL(ts, runID, "LJ-C")+".pdf")
	if status != http.StatusServiceUnavailable || !strings.Contains(body, "chromium") || !strings.Contains(body, "fonts-noto-cjk") {
		t.Fatalf("PDF without Chromium: %d\n%s", status, body)
	}
	if status, _ := get(t, admin, scURL(ts, runID, "LJ-C")); status != http.StatusOK {
		t.Fatalf("scorecard without Chromium: %d", status)
	}
}

// pdfBrowser skips the test when no Chromium is installed, unless CI is
// "true" (as cmd/govkpi's browser tests do): there a missing browser
// fails.
func pdfBrowser(t *testing.T) {
	t.Helper()
	if findChromium() != "" {
		return
	}
	const msg = "no Chromium or Chrome found (looked for /usr/bin/chromium, and chromium, chromium-browser, google-chrome on PATH)"
	if os.Getenv("CI") == "true" {
		t.Fatal(msg + "; CI=true, so a missing browser is a failure")
	}
	t.Skip(msg)
}

// scPDF fetches a scorecard's PDF and returns it with its text.
func scPDF(t *testing.T, c *http.Client, u string) ([]byte, string) {
	t.Helper()
	start := time.Now()
	res, err := c.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	pdf, _ := io.ReadAll(res.Body)
	t.Logf("%s: %d bytes in %v", u, len(pdf), time.Since(start))
	if res.StatusCode != http.StatusOK {
		t.Fatalf("%s: %d\n%s", u, res.StatusCode, pdf)
	}
	if ct := res.Header.Get("Content-Type"); ct != "application/pdf" || !bytes.HasPrefix(pdf, []byte("%PDF-")) {
		t.Fatalf("%s: %s, starting %q", u, ct, pdf[:min(len(pdf), 16)])
	}
	if cd := res.Header.Get("Content-Disposition"); !strings.HasPrefix(cd, `attachment; filename="scorecard-run`) || !strings.Contains(cd, "filename*=UTF-8''") {
		t.Errorf("Content-Disposition %q", cd)
	}
	return pdf, pdfText(t, u, pdf)
}

// pdfText returns the text of a PDF (pdftotext), after checking that its
// fonts are embedded as fonts: subset TrueType or CID fonts, no Type 3
// glyph procedures, which a font Chromium cannot subset (the system's
// Noto Sans CJK) turns into, a PDF then four times the size and slow to
// print.
func pdfText(t *testing.T, name string, pdf []byte) string {
	t.Helper()
	cmd := exec.Command("pdffonts", "-")
	cmd.Stdin = bytes.NewReader(pdf)
	fonts, err := cmd.Output()
	if err != nil {
		// pdffonts reads a file, not standard input, on older poppler.
		file := filepath.Join(t.TempDir(), "fonts.pdf")
		if err := os.WriteFile(file, pdf, 0o644); err != nil {
			t.Fatal(err)
		}
		if fonts, err = exec.Command("pdffonts", file).Output(); err != nil {
			t.Fatalf("pdffonts (poppler-utils): %v", err)
		}
	}
	if strings.Contains(string(fonts), "Type 3") || !strings.Contains(string(fonts), "NotoSansSC") {
		t.Errorf("%s: fonts not embedded as subset fonts of Noto Sans SC:\n%s", name, fonts)
	}
	cmd = exec.Command("pdftotext", "-layout", "-", "-")
	cmd.Stdin = bytes.NewReader(pdf)
	text, err := cmd.Output()
	if err != nil {
		t.Fatalf("pdftotext (poppler-utils): %v", err)
	}
	return string(text)
}

// scKeep writes a PDF and its pages as PNG into GOVKPI_SCREENSHOT_DIR,
// when set, for a person to look at.
func scKeep(t *testing.T, name string, pdf []byte) {
	t.Helper()
	dir := os.Getenv("GOVKPI_SCREENSHOT_DIR")
	if dir == "" {
		return
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, name+".pdf")
	if err := os.WriteFile(file, pdf, 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("pdftoppm", "-png", "-r", "50", file, filepath.Join(dir, name)).CombinedOutput(); err != nil {
		t.Fatalf("pdftoppm: %v\n%s", err, out)
	}
}

// The PDF is the scorecard printed by Chromium: the Chinese name, the
// index as the page shows it, page numbers, the hostile name as text,
// and an audit row.
func TestScorecardPDF(t *testing.T) {
	pdfBrowser(t)
	ts, runID, db := testRunDB(t)
	scServer(t, ts)
	admin := signedIn(t, ts, "admin")

	start := time.Now()
	_, page := get(t, admin, scURL(ts, runID, "LJ-C"))
	t.Logf("the scorecard page in %v", time.Since(start))
	start = time.Now()
	get(t, admin, scURL(ts, runID, "LJ-C"))
	t.Logf("the scorecard page again in %v", time.Since(start))
	score := scTile(t, page, "综合指数")
	pdf, text := scPDF(t, admin, scURL(ts, runID, "LJ-C")+".pdf")
	scKeep(t, "scorecard-LJ-C", pdf)
	for _, want := range []string{"澜江市政务服务和数据管理局", score, "第 1 页", "附录二"} {
		if !strings.Contains(text, want) {
			t.Errorf("the PDF's text lacks %q:\n%s", want, text)
		}
	}
	if n := strings.Count(text, "澜江市政务服务和数据管理局"); n < 3 {
		t.Errorf("the department's name is on %d lines: the running head does not repeat", n)
	}
	if !regexp.MustCompile(`第 1 页 / 共 ([2-9]|[1-9]\d+) 页`).MatchString(text) {
		t.Errorf("no page numbers of a document of several pages:\n%s", text)
	}
	pdfRows := 0
	for _, e := range scAudit(t, db, survey.AuditExported, "LJ-C") {
		if strings.Contains(e.Detail, " pdf ") && e.ActorName == "admin" {
			pdfRows++
		}
	}
	if pdfRows != 1 {
		t.Errorf("%d export.created rows for the PDF, want 1", pdfRows)
	}

	// A second PDF reuses the browser; the hostile name is text in it.
	pdf, text = scPDF(t, admin, scURL(ts, runID, "LJ-A")+".pdf")
	scKeep(t, "scorecard-LJ-A", pdf)
	if !strings.Contains(text, evil) {
		t.Errorf("the PDF lacks the hostile name as text:\n%s", text)
	}
	_, text = scPDF(t, signedIn(t, ts, "evaluator"), scURL(ts, runID, "LJ-B")+".pdf")
	if !strings.Contains(text, formula) {
		t.Errorf("the PDF lacks the formula-like name as text:\n%s", text)
	}
}
