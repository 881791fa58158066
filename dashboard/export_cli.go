package dashboard

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"

	"govkpi/survey"
)

// Exports from the command line (govkpi export): the same files the
// pages serve, written to a file instead of a response and audited as done
// by "cli". The command line has no session: it reads as an administrator
// would, every department visible.

// Export formats.
const (
	ExportXLSX = "xlsx"
	ExportPDF  = "pdf"
	ExportCSV  = "csv"
	ExportZIP  = "zip"
)

// ExportRequest is one export of run Run: a workbook (of the run, or of
// Department's when given), a scorecard PDF (Department required), a CSV
// (What: "scores", the default, or "indicators") or the bulk ZIP, with its
// texts in Lang ("zh-CN" or "en").
type ExportRequest struct {
	Run        int64
	Format     string
	Department string
	What       string
	Lang       string
}

// ExportResult says what an export wrote beyond the file itself.
type ExportResult struct {
	// WithoutPDF is set for a ZIP made without a browser: workbooks only.
	WithoutPDF bool
}

// Export writes the export req asks for to w and audits it as done by
// "cli". s is a server made for this export alone (Export adds a route to
// it), not one that serves: a PDF is printed by a headless Chromium
// started here, reading the scorecard from s on a loopback port Export
// opens and closes. Errors name the run or department unknown (survey's
// ENotFound), a request that makes no sense (EInvalid), and, for a PDF
// without a browser, the packages to install.
func Export(ctx context.Context, s *survey.Server, req ExportRequest, w io.Writer) (ExportResult, error) {
	if err := req.check(); err != nil {
		return ExportResult{}, err
	}
	p := &pages{s: s, models: newModels(s.DB, 1), trends: newTrends(s.DB, 8), printer: newPrinter(findChromium)}
	defer p.printer.close()
	m, err := p.models.Load(ctx, req.Run)
	if err != nil {
		if survey.ErrorCode(err) == survey.ENotFound {
			return ExportResult{}, fmt.Errorf("no run %d: %w", req.Run, err)
		}
		return ExportResult{}, fmt.Errorf("run %d: %w", req.Run, err)
	}
	i := -1
	if req.Department != "" {
		var ok bool
		if i, ok = m.UnitIndex(req.Department); !ok {
			return ExportResult{}, fmt.Errorf("no department %q in run %d: %w", req.Department, req.Run,
				survey.Errorf(survey.ENotFound, "err.not_found"))
		}
	}
	reader := &survey.Account{Username: "cli", Role: survey.RoleAdmin}
	page := p.s.Render.NewPage(req.Lang)
	id := strconv.FormatInt(m.Run.ID, 10)
	audit := func(objType, objID, detail string) error {
		return s.DB.Audit(ctx, survey.AuditEntry{ActorName: "cli", Action: survey.AuditExported,
			ObjectType: objType, ObjectID: objID, Detail: detail})
	}

	var base string
	if req.Format == ExportPDF || req.Format == ExportZIP {
		if p.printer.find() == "" && req.Format == ExportPDF {
			return ExportResult{}, errNoBrowser
		}
		stop, b, err := p.servePrints()
		if err != nil {
			return ExportResult{}, err
		}
		defer stop()
		base = b
	}

	switch req.Format {
	case ExportCSV:
		write := scoresCSV
		if req.What == "indicators" {
			write = indicatorsCSV
		}
		if err := write(w, m, page); err != nil {
			return ExportResult{}, err
		}
		return ExportResult{}, audit("run", id, "run "+id+" "+req.What+" (csv)")
	case ExportXLSX:
		runs, err := p.trends.runs(ctx, m.Run.CampaignID)
		if err != nil {
			return ExportResult{}, err
		}
		if i < 0 {
			wb, err := runWorkbook(m, page, runs)
			if err != nil {
				return ExportResult{}, err
			}
			defer wb.Close()
			if err := wb.Write(w); err != nil {
				return ExportResult{}, fmt.Errorf("workbook: %w", err)
			}
			return ExportResult{}, audit("run", id, "run "+id+" workbook (xlsx)")
		}
		r, err := http.NewRequestWithContext(ctx, http.MethodGet, "/", nil)
		if err != nil {
			return ExportResult{}, err
		}
		pr := newProfiler(m, page)
		answers, err := p.readAnswers(r, pr, i)
		if err != nil {
			return ExportResult{}, err
		}
		wb, err := deptWorkbook(pr, i, runs, answers)
		if err != nil {
			return ExportResult{}, err
		}
		defer wb.Close()
		if err := wb.Write(w); err != nil {
			return ExportResult{}, fmt.Errorf("workbook: %w", err)
		}
		return ExportResult{}, audit("department", req.Department, "run "+id+" scorecard (xlsx)")
	case ExportPDF:
		pdf, err := p.printScorecard(ctx, base, m.Run.ID, req.Department, req.Lang, reader)
		if err != nil {
			return ExportResult{}, err
		}
		if _, err := w.Write(pdf); err != nil {
			return ExportResult{}, err
		}
		return ExportResult{}, audit("department", req.Department, scorecardDetail(m, "pdf", req.Lang))
	}
	withoutPDF, err := p.writeRunZIP(ctx, w, runZIP{runID: m.Run.ID, lang: req.Lang, reader: reader, base: base})
	if err != nil {
		return ExportResult{}, err
	}
	return ExportResult{WithoutPDF: withoutPDF}, audit("run", id, "run "+id+" bulk export (zip)")
}

// check refuses a request that makes no sense, naming what is wrong.
func (req *ExportRequest) check() error {
	invalid := func(msg string) error {
		return fmt.Errorf("%s: %w", msg, survey.Errorf(survey.EInvalid, "err.export_request"))
	}
	switch req.Format {
	case ExportXLSX:
	case ExportPDF:
		if req.Department == "" {
			return invalid("a PDF is one department's scorecard: name the department")
		}
	case ExportCSV:
		if req.Department != "" {
			return invalid("the CSVs are of the whole run: no department")
		}
	case ExportZIP:
		if req.Department != "" {
			return invalid("the ZIP holds every department: no department")
		}
	default:
		return invalid(fmt.Sprintf("unknown format %q (want xlsx, pdf, csv or zip)", req.Format))
	}
	if req.What == "" {
		req.What = "scores"
	}
	if req.What != "scores" && req.What != "indicators" || req.What == "indicators" && req.Format != ExportCSV {
		return invalid(fmt.Sprintf("what %q: want scores or indicators, with csv only", req.What))
	}
	if req.Lang == "" {
		req.Lang = "zh-CN"
	}
	if req.Lang != "zh-CN" && req.Lang != "en" {
		return invalid(fmt.Sprintf("unknown language %q (want zh-CN or en)", req.Lang))
	}
	return nil
}

// servePrints serves the print route of p's server on a loopback port
// for p's browser, and returns the function that stops it and the origin.
func (p *pages) servePrints() (stop func(), base string, err error) {
	p.s.Route("export.print", printRoute, survey.Public, p.handlePrint, http.MethodGet)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, "", fmt.Errorf("listen for printing: %w", err)
	}
	hs := p.s.HTTPServer(ln.Addr().String())
	done := make(chan error, 1)
	go func() { done <- hs.Serve(ln) }()
	return func() {
		hs.Close()
		if err := <-done; err != nil && !errors.Is(err, http.ErrServerClosed) {
			p.s.Log.Error("print server", "err", err)
		}
	}, "http://" + ln.Addr().String(), nil
}
