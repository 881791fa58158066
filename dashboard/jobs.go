package dashboard

import (
	"archive/zip"
	"compress/flate"
	"context"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/mux"

	"govkpi/scoring"
	"govkpi/survey"
)

// Bulk exports: every department's workbook and scorecard PDF and the
// run's workbook in one ZIP, made in the background. Asking for one
// queues a job (survey's export_jobs) and starts a worker; a worker claims
// queued jobs one after another until none is left, and the database
// admits one running job at a time, so two exports never print at once
// and a second asked for meanwhile waits its turn. The job's page reads
// the job's row, so it survives a reload; a job a restart interrupted is
// failed at start-up (failInterruptedJobs) and can be started again.
//
// The ZIP is written to a file in the database's exports directory as it
// is made, so 500 departments' PDFs are never held in memory, and is
// named for the job only when whole. Only the job's starter and admins
// may follow or download it; to anyone else it does not exist.

const (
	// jobTimeout bounds one job: 500 departments with PDFs take minutes.
	jobTimeout = 2 * time.Hour
	// exportKeep is how long a job's ZIP is kept after it is made: the
	// files hold every department's answers, and a week is time enough to
	// download them.
	exportKeep = 7 * 24 * time.Hour
	// jobProgressEvery is how often a running job writes its progress to
	// its row, at most: the page polls every second.
	jobProgressEvery = time.Second
)

// Reasons a job failed, shown on its page.
const (
	jobFailed      = "err.export_job_failed"
	jobInterrupted = "err.export_job_interrupted"
	jobNoAccount   = "err.export_job_account"
)

// failInterruptedJobs marks the jobs the last process left unfinished
// failed, so their starters see why and can start again. Call it once,
// when the dashboard is registered, before the server answers.
func (p *pages) failInterruptedJobs() {
	n, err := p.s.DB.FailUnfinishedExportJobs(context.Background(), jobInterrupted)
	if err != nil {
		p.s.Log.Error("export jobs at start-up", "err", err)
		return
	}
	if n > 0 {
		p.s.Log.Warn("export jobs interrupted by a restart marked failed", "count", n)
	}
	p.sweepExports(context.Background())
}

// sweepExports deletes the ZIPs of the jobs done more than exportKeep
// ago, and the parts of ZIPs left by a process that stopped while making
// them (older than jobTimeout: no job runs longer). It runs at start-up
// and whenever a job is asked for, so the exports directory holds about
// exportKeep of exports and no more.
func (p *pages) sweepExports(ctx context.Context) {
	files, err := p.s.DB.ExpireExportJobs(ctx, time.Now().Add(-exportKeep))
	if err != nil {
		p.s.Log.Error("export files: expire", "err", err)
		return
	}
	dir, err := p.s.DB.ExportDir()
	if err != nil {
		p.s.Log.Error("export files: expire", "err", err)
		return
	}
	for _, f := range files {
		if err := os.Remove(filepath.Join(dir, filepath.Base(f))); err != nil && !errors.Is(err, os.ErrNotExist) {
			p.s.Log.Error("export files: delete", "file", f, "err", err)
		}
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		p.s.Log.Error("export files: read directory", "err", err)
		return
	}
	for _, e := range entries {
		info, err := e.Info()
		if err != nil || !strings.HasSuffix(e.Name(), ".zip.part") || time.Since(info.ModTime()) < jobTimeout {
			continue
		}
		if err := os.Remove(filepath.Join(dir, e.Name())); err != nil {
			p.s.Log.Error("export files: delete", "file", e.Name(), "err", err)
		}
	}
	if len(files) > 0 {
		p.s.Log.Info("export files deleted", "count", len(files), "older_than", exportKeep)
	}
}

// handleJobCreate queues a bulk export of the route's run in the
// request's language and sends the reader to the job's page. The job's
// PDFs are printed through this server's loopback address, taken from
// this request (printBase).
func (p *pages) handleJobCreate(w http.ResponseWriter, r *http.Request) {
	m, err := p.model(r)
	if err != nil {
		p.s.Fail(w, r, err)
		return
	}
	if err := p.allowed(r, m, ""); err != nil {
		p.s.Fail(w, r, err)
		return
	}
	base, err := printBase(r)
	if err != nil {
		p.s.Fail(w, r, err)
		return
	}
	p.sweepExports(r.Context())
	job, err := p.s.DB.CreateExportJob(r.Context(), survey.ExportJobInput{
		RunID: m.Run.ID, Lang: survey.Lang(r.Context()), Total: len(m.Table.Units) + 1})
	if err != nil {
		p.s.Fail(w, r, err)
		return
	}
	go p.workJobs(base)
	http.Redirect(w, r, jobURL(job.ID), http.StatusSeeOther)
}

func jobURL(id int64) string { return "/exports/" + strconv.FormatInt(id, 10) }

// job finds the route's job for the signed-in account: its starter's, or
// any for an admin; not found for anyone else, so job ids cannot be
// probed.
func (p *pages) job(r *http.Request) (*survey.ExportJob, error) {
	id, err := strconv.ParseInt(mux.Vars(r)["job"], 10, 64)
	if err != nil {
		return nil, survey.Errorf(survey.ENotFound, "err.not_found")
	}
	job, err := p.s.DB.FindExportJobByID(r.Context(), id)
	if err != nil {
		return nil, err
	}
	a := survey.CurrentAccount(r.Context())
	if a == nil || (a.ID != job.CreatedBy && a.Role != survey.RoleAdmin) {
		return nil, survey.Errorf(survey.ENotFound, "err.not_found")
	}
	return job, nil
}

// jobView is a job as its page and its status.json show it.
type jobView struct {
	ID          int64     `json:"id"`
	RunID       int64     `json:"run"`
	State       string    `json:"state"`
	StateText   string    `json:"state_text"`
	Done        int       `json:"done"`
	Total       int       `json:"total"`
	Counts      string    `json:"counts"`
	Finished    bool      `json:"finished"`
	Error       string    `json:"error"`
	WithoutPDF  bool      `json:"without_pdf"`
	Expired     bool      `json:"expired"` // done, and its file deleted since (exportKeep)
	Note        string    `json:"note"`
	DownloadURL string    `json:"download"`
	StatusURL   string    `json:"-"`
	RunURL      string    `json:"-"`
	Creator     string    `json:"-"`
	CreatedAt   time.Time `json:"created_at"`
	Size        string    `json:"size"`
}

func (p *pages) jobView(r *http.Request, job *survey.ExportJob) jobView {
	page := p.s.Page(r, "")
	t := page.T
	v := jobView{ID: job.ID, RunID: job.RunID, State: job.State, StateText: t("export_job.state." + job.State),
		Done: job.Done, Total: job.Total, Counts: t("export_job.counts", job.Done, job.Total), Finished: job.Finished(),
		WithoutPDF: job.WithoutPDF, StatusURL: jobURL(job.ID) + "/status.json",
		RunURL: "/dashboard/runs/" + strconv.FormatInt(job.RunID, 10), Creator: job.CreatorName, CreatedAt: job.CreatedAt}
	if job.State == survey.ExportJobFailed {
		v.Error = t(job.Error)
	}
	if job.State == survey.ExportJobDone && job.File == "" {
		v.Expired = true
		v.Note = t("export_job.expired", int(exportKeep/(24*time.Hour)))
	}
	if job.State == survey.ExportJobDone && job.File != "" {
		v.DownloadURL = jobURL(job.ID) + "/download"
		v.Size = t("export_job.size", float64(job.Bytes)/(1<<20))
		if job.WithoutPDF {
			v.Note = t("export_job.without_pdf")
		}
	}
	return v
}

// handleJob shows a job: its state, a progress bar and, when done, the
// download link. export_job.js polls status.json to move the bar; without
// script the page reloads itself while the job is unfinished.
func (p *pages) handleJob(w http.ResponseWriter, r *http.Request) {
	job, err := p.job(r)
	if err != nil {
		p.s.Fail(w, r, err)
		return
	}
	page := p.s.Page(r, "title.export_job")
	page.Data = p.jobView(r, job)
	p.s.RenderPage(w, r, http.StatusOK, "export_job", page)
}

// handleJobStatus answers a job's state as JSON, for its page's script.
func (p *pages) handleJobStatus(w http.ResponseWriter, r *http.Request) {
	job, err := p.job(r)
	if err != nil {
		p.s.Fail(w, r, err)
		return
	}
	p.writeAPI(w, r, p.jobView(r, job))
}

// handleJobDownload serves a done job's ZIP and audits it; a job not done
// has nothing to download and is not found.
func (p *pages) handleJobDownload(w http.ResponseWriter, r *http.Request) {
	job, err := p.job(r)
	if err != nil {
		p.s.Fail(w, r, err)
		return
	}
	if job.State != survey.ExportJobDone || job.File == "" {
		p.s.Fail(w, r, survey.Errorf(survey.ENotFound, "err.not_found"))
		return
	}
	dir, err := p.s.DB.ExportDir()
	if err != nil {
		p.s.Fail(w, r, err)
		return
	}
	f, err := os.Open(filepath.Join(dir, filepath.Base(job.File)))
	if errors.Is(err, os.ErrNotExist) {
		p.s.Fail(w, r, survey.Errorf(survey.ENotFound, "err.not_found"))
		return
	}
	if err != nil {
		p.s.Fail(w, r, err)
		return
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		p.s.Fail(w, r, err)
		return
	}
	run := strconv.FormatInt(job.RunID, 10)
	p.s.AuditRequest(r, survey.AuditExported, "run", run,
		"run "+run+" bulk export (zip), job "+strconv.FormatInt(job.ID, 10))
	w.Header().Set("Content-Type", "application/zip")
	w.Header().Set("Content-Disposition", `attachment; filename="run-`+run+`-export-`+strconv.FormatInt(job.ID, 10)+`.zip"`)
	http.ServeContent(w, r, "", st.ModTime(), f)
}

// workJobs runs queued jobs one after another until none is left, or
// another worker is running one (which takes the next when it ends).
// base is this server's loopback origin, for printing.
func (p *pages) workJobs(base string) {
	ctx := context.Background()
	for {
		job, err := p.s.DB.ClaimExportJob(ctx)
		if err != nil {
			p.s.Log.Error("export job claim", "err", err)
			return
		}
		if job == nil {
			return
		}
		p.runJob(ctx, base, job)
	}
}

// runJob makes a claimed job's ZIP and ends the job done or failed.
func (p *pages) runJob(ctx context.Context, base string, job *survey.ExportJob) {
	start := time.Now()
	ctx, cancel := context.WithTimeout(ctx, jobTimeout)
	defer cancel()
	fail := func(reason string, err error) {
		p.s.Log.Error("export job failed", "job", job.ID, "run", job.RunID, "err", err)
		if err := p.s.DB.FailExportJob(context.WithoutCancel(ctx), job.ID, reason); err != nil {
			p.s.Log.Error("export job", "job", job.ID, "err", err)
		}
	}
	acct, err := p.s.DB.FindAccountByID(ctx, job.CreatedBy)
	if err == nil && acct.Disabled {
		err = errors.New("the job's account is disabled")
	}
	if err != nil {
		fail(jobNoAccount, err)
		return
	}
	dir, err := p.s.DB.ExportDir()
	if err != nil {
		fail(jobFailed, err)
		return
	}
	name := "job-" + strconv.FormatInt(job.ID, 10) + ".zip"
	part := filepath.Join(dir, name+".part")
	f, err := os.OpenFile(part, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
	if err != nil {
		fail(jobFailed, err)
		return
	}
	last := time.Now()
	progress := func(done int) {
		if time.Since(last) < jobProgressEvery {
			return
		}
		last = time.Now()
		if err := p.s.DB.UpdateExportJobProgress(ctx, job.ID, done); err != nil {
			p.s.Log.Error("export job progress", "job", job.ID, "err", err)
		}
	}
	z := runZIP{runID: job.RunID, lang: job.Lang, reader: printReader(acct), base: base, progress: progress}
	withoutPDF, err := p.writeRunZIP(ctx, f, z)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	var size int64
	if err == nil {
		var st os.FileInfo
		if st, err = os.Stat(part); err == nil {
			size = st.Size()
			err = os.Rename(part, filepath.Join(dir, name))
		}
	}
	if err != nil {
		os.Remove(part)
		fail(jobFailed, err)
		return
	}
	if err := p.s.DB.FinishExportJob(context.WithoutCancel(ctx), job.ID, name, size, withoutPDF); err != nil {
		p.s.Log.Error("export job finish", "job", job.ID, "err", err)
		return
	}
	p.s.Log.Info("export job done", "job", job.ID, "run", job.RunID, "bytes", size, "without_pdf", withoutPDF,
		"duration", time.Since(start))
}

// runZIP says what writeRunZIP writes: run runID's files in lang, read
// as reader sees them; PDFs printed through base (no PDFs when base is
// ""); progress is told each step done (the run's workbook, then each
// department), and may be nil.
type runZIP struct {
	runID    int64
	lang     string
	reader   *survey.Account
	base     string
	progress func(done int)
}

// writeRunZIP writes the bulk export of a run to w: run-N.xlsx, and per
// department departments/CODE.xlsx and departments/CODE.pdf (codes are
// ASCII letters, digits and ._-; names are only inside the files), and a
// README.txt. Without a browser it writes the workbooks only, says so in
// the README and returns withoutPDF true. Departments are printed in the
// background (printAhead) while their workbooks are made.
func (p *pages) writeRunZIP(ctx context.Context, w io.Writer, z runZIP) (withoutPDF bool, err error) {
	m, err := p.models.Load(ctx, z.runID)
	if err != nil {
		return false, err
	}
	page := p.s.Render.NewPage(z.lang)
	runs, err := p.trends.runs(ctx, m.Run.CampaignID)
	if err != nil {
		return false, err
	}
	printing := z.base != "" && p.printer.find() != ""
	progress := z.progress
	if progress == nil {
		progress = func(int) {}
	}
	// readAnswers reads the account and the context from a request; the
	// job has no request of its own.
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "/", nil)
	if err != nil {
		return false, err
	}
	zw := zip.NewWriter(w)
	// Workbooks are zips already: the fastest deflate does about as well
	// on them as the default, at a fraction of its time.
	zw.RegisterCompressor(zip.Deflate, func(w io.Writer) (io.WriteCloser, error) {
		return flate.NewWriter(w, flate.BestSpeed)
	})
	now := time.Now()
	id := strconv.FormatInt(m.Run.ID, 10)

	wb, err := runWorkbook(m, page, runs)
	if err != nil {
		return false, err
	}
	err = zipPut(zw, "run-"+id+".xlsx", now, func(w io.Writer) error { return wb.Write(w) })
	wb.Close()
	if err != nil {
		return false, err
	}
	progress(1)

	pr := newProfiler(m, page)
	units := m.Table.Units
	var pdfs *printQueue
	if printing {
		pdfs = p.printAhead(ctx, z, m.Run.ID, units)
		defer pdfs.stop()
	}
	for i, u := range units {
		code := wbFileCode(u.Code)
		answers, err := p.readAnswers(req, pr, i)
		if err != nil {
			return false, err
		}
		wb, err := deptWorkbook(pr, i, runs, answers)
		if err != nil {
			return false, err
		}
		err = zipPut(zw, "departments/"+code+".xlsx", now, func(w io.Writer) error { return wb.Write(w) })
		wb.Close()
		if err != nil {
			return false, err
		}
		if printing {
			out := pdfs.take(i)
			if out.err != nil {
				return false, fmt.Errorf("scorecard of %s: %w", u.Code, out.err)
			}
			if err := zipStore(zw, "departments/"+code+".pdf", now, out.pdf); err != nil {
				return false, err
			}
		}
		progress(i + 2)
	}

	readme := page.T("export_job.readme", m.Campaign.Name(z.lang), m.Run.ID, len(units), now.Format(time.RFC3339))
	if !printing {
		readme += "\n\n" + page.T("export_job.readme_without_pdf")
	}
	readme = strings.ReplaceAll(readme+"\n", "\n", "\r\n") // Notepad reads it too
	err = zipPut(zw, "README.txt", now, func(w io.Writer) error {
		_, err := io.WriteString(w, readme)
		return err
	})
	if err != nil {
		return false, err
	}
	if err := zw.Close(); err != nil {
		return false, fmt.Errorf("zip: %w", err)
	}
	return !printing, nil
}

// printed is one scorecard's PDF, or why there is none.
type printed struct {
	pdf []byte
	err error
}

// printQueue prints the scorecards of a run's departments in the
// background, in series (printSeries), one per core up to maxSeries:
// Chromium prints while the workbooks are made, at most printAheadMax
// PDFs ahead of the ZIP, so a long run's PDFs are never all in memory at
// once. On two cores two series make about 15 % more PDFs a minute than
// one (docs/BENCHMARKS.md).
type printQueue struct {
	out   []chan printed // one per department, in the run's order
	slots chan struct{}  // one per PDF started and not yet taken
	stop  func()         // stops printing and waits for the prints under way
}

// maxSeries bounds the series of a bulk export; printAheadMax is how far
// printing may run ahead of the ZIP.
const (
	maxSeries     = 4
	printAheadMax = 2 * maxSeries
)

// printAhead starts printing the scorecards of units for z; stop the
// queue when done with it.
func (p *pages) printAhead(ctx context.Context, z runZIP, run int64, units []scoring.Unit) *printQueue {
	ctx, cancel := context.WithCancel(ctx)
	q := &printQueue{out: make([]chan printed, len(units)), slots: make(chan struct{}, printAheadMax)}
	for i := range q.out {
		q.out[i] = make(chan printed, 1)
	}
	next := make(chan int)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { // hands the departments out in order, a slot each
		defer wg.Done()
		defer close(next)
		for i := range units {
			select {
			case q.slots <- struct{}{}:
			case <-ctx.Done():
				return
			}
			select {
			case next <- i:
			case <-ctx.Done():
				return
			}
		}
	}()
	for range min(runtime.NumCPU(), maxSeries, len(units)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			series, err := p.printer.series(ctx, z.lang)
			if err == nil {
				defer series.close()
			}
			for i := range next {
				var b []byte
				if err == nil {
					b, err = series.printJob(ctx, z.base, printJob{run: run, code: units[i].Code, lang: z.lang, reader: z.reader})
				}
				q.out[i] <- printed{b, err}
			}
		}()
	}
	q.stop = func() {
		cancel()
		wg.Wait()
	}
	return q
}

// take waits for department i's PDF, taken in order, and frees its slot.
func (q *printQueue) take(i int) printed {
	r := <-q.out[i]
	<-q.slots
	return r
}

// zipPut adds the file name to zw, deflated, written by write. Workbooks
// are deflated too, though they are zips already: a stored entry of
// unknown size needs a data descriptor, which some unzip tools refuse.
func zipPut(zw *zip.Writer, name string, mod time.Time, write func(io.Writer) error) error {
	w, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Deflate, Modified: mod})
	if err != nil {
		return fmt.Errorf("zip %s: %w", name, err)
	}
	if err := write(w); err != nil {
		return fmt.Errorf("zip %s: %w", name, err)
	}
	return nil
}

// zipStore adds the file name holding b to zw as it is, not deflated: a
// PDF's streams are compressed already, and deflating them again took a
// third of a bulk export's own processor time to make them 9 % smaller.
// Its size and checksum are known, so the entry needs no data descriptor.
func zipStore(zw *zip.Writer, name string, mod time.Time, b []byte) error {
	w, err := zw.CreateRaw(&zip.FileHeader{Name: name, Method: zip.Store, Modified: mod,
		CRC32: crc32.ChecksumIEEE(b), CompressedSize64: uint64(len(b)), UncompressedSize64: uint64(len(b))})
	if err != nil {
		return fmt.Errorf("zip %s: %w", name, err)
	}
	if _, err := w.Write(b); err != nil {
		return fmt.Errorf("zip %s: %w", name, err)
	}
	return nil
}

// printScorecard prints department code's scorecard in run to PDF through
// the server at base, as reader sees it (pdf.go).
func (p *pages) printScorecard(ctx context.Context, base string, run int64, code, lang string, reader *survey.Account) ([]byte, error) {
	return p.printer.printJob(ctx, base, printJob{run: run, code: code, lang: lang, reader: reader})
}
