package dashboard

import (
	"archive/zip"
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"govkpi/survey"
)

// jobStatus is a job's status.json.
type jobStatus struct {
	State      string `json:"state"`
	Done       int    `json:"done"`
	Total      int    `json:"total"`
	Finished   bool   `json:"finished"`
	Error      string `json:"error"`
	WithoutPDF bool   `json:"without_pdf"`
	Download   string `json:"download"`
}

// startJob asks for a bulk export of run id as the client's account, with
// the CSRF token of the overview's form, and returns the job's page URL.
func startJob(t *testing.T, ts *httptest.Server, c *http.Client, id int64) string {
	t.Helper()
	status, body := get(t, c, ts.URL+"/dashboard/runs/"+itoa(id))
	if status != http.StatusOK {
		t.Fatalf("overview: %d", status)
	}
	form := regexp.MustCompile(`<form method="post" action="/dashboard/runs/` + itoa(id) +
		`/exports"><input type="hidden" name="csrf" value="([0-9a-f]+)">`).FindStringSubmatch(body)
	if form == nil {
		t.Fatal("the overview has no bulk export form with a CSRF token")
	}
	res := postForm(t, c, ts.URL+"/dashboard/runs/"+itoa(id)+"/exports", ts.URL, url.Values{"csrf": {form[1]}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("starting a job: %d", res.StatusCode)
	}
	loc := res.Header.Get("Location")
	if !regexp.MustCompile(`^/exports/[0-9]+$`).MatchString(loc) {
		t.Fatalf("started a job, sent to %q", loc)
	}
	return ts.URL + loc
}

func postForm(t *testing.T, c *http.Client, u, origin string, v url.Values) *http.Response {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, u, strings.NewReader(v.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", origin)
	res, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	return res
}

// waitJob polls a job's status.json until it has finished.
func waitJob(t *testing.T, c *http.Client, job string) jobStatus {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for {
		status, body := get(t, c, job+"/status.json")
		if status != http.StatusOK {
			t.Fatalf("status.json: %d %s", status, body)
		}
		var s jobStatus
		if err := json.Unmarshal([]byte(body), &s); err != nil {
			t.Fatalf("status.json: %v: %s", err, body)
		}
		if s.Finished {
			return s
		}
		if time.Now().After(deadline) {
			t.Fatalf("the job has not finished after 2 minutes: %+v", s)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// printing says whether this machine can print PDFs; in CI it must.
func printing(t *testing.T) bool {
	t.Helper()
	if findChromium() != "" {
		return true
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("CI=true and no Chromium installed: bulk exports must hold PDFs in CI")
	}
	return false
}

func TestJobBulkZIP(t *testing.T) {
	ts, id, db := testRunDB(t)
	ctx := context.Background()
	if _, err := db.CreateAccount(ctx, survey.AccountInput{Username: "evaluator2", Role: survey.RoleEvaluator, Password: password}); err != nil {
		t.Fatal(err)
	}
	ev := signedIn(t, ts, "evaluator")
	job := startJob(t, ts, ev, id)

	st := waitJob(t, ev, job)
	pdfs := printing(t)
	if st.State != survey.ExportJobDone || st.Error != "" || st.Done != st.Total || st.Total != 4 || st.WithoutPDF == pdfs {
		t.Fatalf("finished job %+v (printing %v)", st, pdfs)
	}
	if st.Download != strings.TrimPrefix(job, ts.URL)+"/download" {
		t.Fatalf("download link %q", st.Download)
	}

	// The page after a reload: finished, the bar full, the link, no
	// reload of its own.
	status, page := get(t, ev, job)
	if status != http.StatusOK || !strings.Contains(page, `<progress id="job-progress" max="4" value="4"`) ||
		!strings.Contains(page, `href="`+st.Download+`"`) || strings.Contains(page, `http-equiv="refresh"`) {
		t.Fatalf("the finished job's page (%d):\n%s", status, page)
	}
	if pdfs == strings.Contains(page, "fonts-noto-cjk") {
		t.Errorf("the page's note on missing PDFs: shown %v, printing %v", !pdfs, pdfs)
	}

	res, err := ev.Get(ts.URL + st.Download)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK || res.Header.Get("Content-Type") != "application/zip" ||
		!strings.HasPrefix(res.Header.Get("Content-Disposition"), `attachment; filename="run-`+itoa(id)+`-export-`) {
		t.Fatalf("download: %d %q %q", res.StatusCode, res.Header.Get("Content-Type"), res.Header.Get("Content-Disposition"))
	}
	zr, err := zip.NewReader(bytes.NewReader(body), int64(len(body)))
	if err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{}
	safe := regexp.MustCompile(`^[A-Za-z0-9._-]+(/[A-Za-z0-9._-]+)?$`)
	for _, f := range zr.File {
		if !safe.MatchString(f.Name) {
			t.Errorf("unsafe file name %q in the ZIP", f.Name)
		}
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		files[f.Name], _ = io.ReadAll(rc)
		rc.Close()
	}
	want := []string{"README.txt", "departments/LJ-A.xlsx", "departments/LJ-B.xlsx", "departments/LJ-C.xlsx", "run-" + itoa(id) + ".xlsx"}
	if pdfs {
		want = append(want, "departments/LJ-A.pdf", "departments/LJ-B.pdf", "departments/LJ-C.pdf")
	}
	var got []string
	for name := range files {
		got = append(got, name)
	}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Fatalf("the ZIP holds %v, want %v", got, want)
	}
	for name, b := range files {
		if strings.HasSuffix(name, ".pdf") && !bytes.HasPrefix(b, []byte("%PDF-")) {
			t.Errorf("%s is not a PDF", name)
		}
	}
	readme := string(files["README.txt"])
	if pdfs == strings.Contains(readme, "chromium") {
		t.Errorf("README says PDFs are missing: %v; printing %v:\n%s", !pdfs, pdfs, readme)
	}

	// The hostile names are in the files as text, and only there.
	for code, name := range map[string]string{"LJ-A": evil, "LJ-B": formula, "LJ-C": "澜江市政务服务和数据管理局"} {
		cell := wbFind(t, files["departments/"+code+".xlsx"], name)
		if cell == "" {
			t.Errorf("%s's workbook does not hold its name %q as a cell", code, name)
		}
		if wbFind(t, files["run-"+itoa(id)+".xlsx"], name) == "" {
			t.Errorf("the run's workbook does not hold %q as a cell", name)
		}
	}

	// Someone else's job does not exist; officials have no jobs at all.
	other := signedIn(t, ts, "evaluator2")
	for _, u := range []string{job, job + "/status.json", job + "/download"} {
		if status, _ := get(t, other, u); status != http.StatusNotFound {
			t.Errorf("another evaluator, %s: %d, want 404", u, status)
		}
	}
	admin := signedIn(t, ts, "admin")
	if status, _ := get(t, admin, job+"/status.json"); status != http.StatusOK {
		t.Errorf("an admin reading the job: %d", status)
	}
	official := signedIn(t, ts, "official")
	for _, u := range []string{job, job + "/status.json", job + "/download"} {
		if status, _ := get(t, official, u); status != http.StatusForbidden {
			t.Errorf("an official, %s: %d, want 403", u, status)
		}
	}
	if res := postForm(t, official, ts.URL+"/dashboard/runs/"+itoa(id)+"/exports", ts.URL, nil); res.StatusCode != http.StatusForbidden {
		t.Errorf("an official starting a job: %d, want 403", res.StatusCode)
	}

	// Asked for and downloaded, both audited as the evaluator's.
	entries, err := db.FindAudit(ctx, survey.AuditFilter{Action: "export.", Actor: "evaluator"})
	if err != nil {
		t.Fatal(err)
	}
	var created, downloaded bool
	for _, e := range entries {
		created = created || e.Action == survey.AuditExportJobCreated && e.ObjectID == itoa(id)
		downloaded = downloaded || e.Action == survey.AuditExported && strings.Contains(e.Detail, "bulk export (zip)")
	}
	if !created || !downloaded {
		t.Errorf("audit: job created %v, downloaded %v: %+v", created, downloaded, entries)
	}
}

// wbFind returns the cell of the first sheet of workbook b that holds s
// as text (not as a formula), "" when none does.
func wbFind(t *testing.T, b []byte, s string) string {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, sheet := range f.GetSheetList() {
		cells, err := f.SearchSheet(sheet, s)
		if err != nil {
			t.Fatal(err)
		}
		for _, cell := range cells {
			formula, _ := f.GetCellFormula(sheet, cell)
			if formula != "" {
				t.Fatalf("%s!%s holding %q is a formula: %q", sheet, cell, s, formula)
			}
			return sheet + "!" + cell
		}
	}
	return ""
}

func TestJobInterruptedFailsAtStart(t *testing.T) {
	ts, id, db := testRunDB(t)
	ctx := context.Background()
	ev, err := db.FindAccountByUsername(ctx, "evaluator")
	if err != nil {
		t.Fatal(err)
	}
	actx := survey.WithActor(ctx, survey.AuditEntry{ActorID: sql.NullInt64{Int64: ev.ID, Valid: true}, ActorName: ev.Username})
	running, err := db.CreateExportJob(actx, survey.ExportJobInput{RunID: id, Lang: "en", Total: 4})
	if err != nil {
		t.Fatal(err)
	}
	if j, err := db.ClaimExportJob(ctx); err != nil || j == nil || j.ID != running.ID {
		t.Fatalf("claim: %+v, %v", j, err)
	}
	job := ts.URL + jobURL(running.ID)
	c := signedIn(t, ts, "evaluator")
	status, page := get(t, c, job)
	if status != http.StatusOK || !strings.Contains(page, `<noscript><meta http-equiv="refresh" content="3"></noscript>`) ||
		!strings.Contains(page, `data-finished="false"`) {
		t.Fatalf("a running job's page (%d) does not reload itself:\n%s", status, page)
	}

	// What Register does at start-up: the running job died with the
	// last process.
	d, ok := testDashboards.Load(scServer(t, ts))
	if !ok {
		t.Fatal("no dashboard registered on the test server")
	}
	d.(*Dashboard).p.failInterruptedJobs()

	st := waitJob(t, c, job)
	cat := scServer(t, ts).Cat
	if st.State != survey.ExportJobFailed || st.Download != "" ||
		(st.Error != cat.T("zh-CN", jobInterrupted) && st.Error != cat.T("en", jobInterrupted)) {
		t.Fatalf("after start-up: %+v", st)
	}
	status, page = get(t, c, job)
	if status != http.StatusOK || strings.Contains(page, `http-equiv="refresh"`) ||
		!strings.Contains(page, `action="/dashboard/runs/`+itoa(id)+`/exports"`) {
		t.Fatalf("the failed job's page (%d) offers no new start:\n%s", status, page)
	}
	if status, _ := get(t, c, job+"/download"); status != http.StatusNotFound {
		t.Errorf("downloading a failed job: %d, want 404", status)
	}
}
