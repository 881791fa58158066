package dashboard

import (
	"archive/zip"
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
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
	Expired    bool   `json:"expired"`
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
	// Info-ZIP's unzip, where installed, reads it too: stored PDFs with
	// their sizes up front, workbooks deflated with data descriptors.
	if unzip, err := exec.LookPath("unzip"); err == nil {
		file := filepath.Join(t.TempDir(), "bulk.zip")
		if err := os.WriteFile(file, body, 0o600); err != nil {
			t.Fatal(err)
		}
		if out, err := exec.Command(unzip, "-t", file).CombinedOutput(); err != nil || !strings.Contains(string(out), "No errors detected") {
			t.Errorf("unzip -t: %v\n%s", err, out)
		}
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

	// Each PDF is its own department's scorecard, the first printed in
	// the series as much as the ones put in its place.
	names := map[string]string{"LJ-A": evil, "LJ-B": formula, "LJ-C": "澜江市政务服务和数据管理局"}
	for code, name := range names {
		pdf, ok := files["departments/"+code+".pdf"]
		if !ok {
			continue
		}
		text := pdfText(t, code+".pdf", pdf)
		if !strings.Contains(text, name) || !strings.Contains(text, "LJ-") || !regexp.MustCompile(`第 1 页 / 共 \d+ 页`).MatchString(text) {
			t.Errorf("%s.pdf lacks its department's name %q or its page numbers:\n%s", code, name, text)
		}
		for other, otherName := range names {
			if other != code && strings.Contains(text, otherName) {
				t.Errorf("%s.pdf holds %s's name %q", code, other, otherName)
			}
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
	testPages(t, scServer(t, ts)).failInterruptedJobs()

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

// A job's ZIP is deleted a week after it was made, when the next job is
// asked for: its page says so and offers a new start, and the download is
// gone. A part of a ZIP no process will finish goes too; one being made
// stays.
func TestJobExpires(t *testing.T) {
	ts, id, db := testRunDB(t)
	ctx := context.Background()
	scPrinter(t, scServer(t, ts)).find = func() string { return "" } // workbooks only: quicker
	ev := signedIn(t, ts, "evaluator")
	old := startJob(t, ts, ev, id)
	if st := waitJob(t, ev, old); st.State != survey.ExportJobDone {
		t.Fatalf("job %+v", st)
	}
	oldID, _ := strconv.ParseInt(old[strings.LastIndex(old, "/")+1:], 10, 64)
	job, err := db.FindExportJobByID(ctx, oldID)
	if err != nil {
		t.Fatal(err)
	}
	dir, err := db.ExportDir()
	if err != nil {
		t.Fatal(err)
	}
	zipFile := filepath.Join(dir, job.File)
	if _, err := os.Stat(zipFile); err != nil {
		t.Fatal(err)
	}
	stale, fresh := filepath.Join(dir, "job-900.zip.part"), filepath.Join(dir, "job-901.zip.part")
	for _, f := range []string{stale, fresh} {
		if err := os.WriteFile(f, []byte("PK"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Chtimes(stale, time.Now().Add(-3*time.Hour), time.Now().Add(-3*time.Hour)); err != nil {
		t.Fatal(err)
	}

	// Six days on, nothing goes; eight days on, the file does.
	for _, days := range []int{6, 8} {
		if _, err := db.W.ExecContext(ctx, db.W.Rebind("UPDATE export_jobs SET finished_at = ? WHERE id = ?"),
			time.Now().UTC().AddDate(0, 0, -days), oldID); err != nil {
			t.Fatal(err)
		}
		waitJob(t, ev, startJob(t, ts, ev, id))
		_, err := os.Stat(zipFile)
		if gone := errors.Is(err, os.ErrNotExist); gone != (days == 8) {
			t.Fatalf("%d days on, the ZIP gone: %v (%v)", days, gone, err)
		}
	}
	st := waitJob(t, ev, old)
	if st.State != survey.ExportJobDone || st.Download != "" || !st.Expired {
		t.Fatalf("an expired job's status: %+v", st)
	}
	status, page := get(t, ev, old)
	if status != http.StatusOK || !strings.Contains(page, "7 天后已按规定删除") ||
		!strings.Contains(page, `action="/dashboard/runs/`+itoa(id)+`/exports"`) || !strings.Contains(page, "<p data-job-download hidden>") {
		t.Fatalf("the expired job's page (%d):\n%s", status, page)
	}
	if status, _ := get(t, ev, old+"/download"); status != http.StatusNotFound {
		t.Errorf("downloading an expired job: %d, want 404", status)
	}
	if _, err := os.Stat(stale); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a part three hours old stays: %v", err)
	}
	if _, err := os.Stat(fresh); err != nil {
		t.Errorf("a part being made was deleted: %v", err)
	}
}

// BenchmarkBulkZIP500 makes the bulk ZIP of a run of 500 departments:
// the run's workbook, and each department's workbook and scorecard PDF.
//
//	go test ./dashboard -run XXX -bench BulkZIP500 -benchtime 1x
func BenchmarkBulkZIP500(b *testing.B) {
	if findChromium() == "" {
		b.Skip("no Chromium: the bulk ZIP's time is its PDFs'")
	}
	const n = 500
	ts, runID, _ := testRunDBN(b, n)
	p := testPages(b, scServer(b, ts))
	reader := &survey.Account{Username: "bench", Role: survey.RoleAdmin}
	ctx := context.Background()

	// The raw baseline, in the same run: the same browser printing a page
	// of one line (/healthz), 40 times in one series.
	series, err := p.printer.series(ctx, "zh-CN")
	if err != nil {
		b.Fatal(err)
	}
	start := time.Now()
	const prints = 40
	for range prints {
		if _, err := series.print(ctx, ts.URL+"/healthz"); err != nil {
			b.Fatal(err)
		}
	}
	baseline := time.Since(start) / prints
	series.close()

	for b.Loop() {
		f, err := os.Create(filepath.Join(b.TempDir(), "bulk.zip"))
		if err != nil {
			b.Fatal(err)
		}
		start := time.Now()
		withoutPDF, err := p.writeRunZIP(ctx, f, runZIP{runID: runID, lang: "zh-CN", reader: reader, base: ts.URL})
		if err != nil || withoutPDF {
			b.Fatalf("bulk ZIP: %v (without PDFs: %v)", err, withoutPDF)
		}
		took := time.Since(start)
		st, err := f.Stat()
		if err != nil {
			b.Fatal(err)
		}
		f.Close()
		b.ReportMetric(took.Seconds()/n, "s/department")
		b.ReportMetric(baseline.Seconds(), "s/baseline-print")
		b.ReportMetric(float64(st.Size())/(1<<20), "MiB/zip")
	}
}
