package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"

	"govkpi/dashboard"
	"govkpi/survey"
)

// govkpi export: a run's workbook, a department's workbook or scorecard
// PDF, a CSV or the bulk ZIP, written to a new file, as the dashboard's
// pages make them (dashboard.Export), audited as done by "cli".

const exportUsage = "usage: govkpi export [--db DB] --run ID --format xlsx|pdf|csv|zip [--department CODE]\n" +
	"                     [--what scores|indicators] [--lang zh-CN|en] --out FILE\n\n" +
	"xlsx: the run's workbook, or with --department that department's. pdf: a department's\n" +
	"scorecard (--department required; needs the packages chromium and fonts-noto-cjk).\n" +
	"csv: the run's scores, or with --what indicators its indicator values. zip: every\n" +
	"department's workbook and PDF and the run's workbook. FILE must not exist; it is made\n" +
	"readable by its owner only."

func cmdExport(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	var req dashboard.ExportRequest
	var out string
	cfg, err := dbFlags("export", args, getenv, stdout, func(fs *flag.FlagSet) {
		fs.Int64Var(&req.Run, "run", 0, "the assessment run's id")
		fs.StringVar(&req.Format, "format", "", "xlsx, pdf, csv or zip")
		fs.StringVar(&req.Department, "department", "", "a department's code: its workbook (xlsx) or scorecard (pdf)")
		fs.StringVar(&req.What, "what", "scores", "csv only: scores or indicators")
		fs.StringVar(&req.Lang, "lang", "zh-CN", "language of the texts: zh-CN or en")
		fs.StringVar(&out, "out", "", "file to write (must not exist)")
	})
	if err != nil {
		if errors.Is(err, errHelp) {
			fmt.Fprintln(stdout, exportUsage)
		}
		return helpOK(err)
	}
	switch {
	case req.Run <= 0:
		return &usageError{"export: --run ID is required"}
	case req.Format == "":
		return &usageError{"export: --format xlsx|pdf|csv|zip is required"}
	case out == "":
		return &usageError{"export: --out FILE is required"}
	}
	if _, err := os.Lstat(out); err == nil {
		return &usageError{fmt.Sprintf("export: %s already exists; choose a new file", out)}
	}
	db, err := survey.Open(ctx, cfg.DB)
	if err != nil {
		return fmt.Errorf("database %s: %w", redactDSN(cfg.DB), err)
	}
	defer db.Close()
	srv, err := survey.NewServer(db, slog.New(slog.DiscardHandler), survey.ServerConfig{
		DefaultLang: req.Lang, Location: cfg.location, IdleTimeout: cfg.IdleTimeout, SessionMax: cfg.SessionMax, Version: version})
	if err != nil {
		return err
	}
	defer srv.Close()
	// O_EXCL: a file made meanwhile is not overwritten either.
	f, err := os.OpenFile(out, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return fmt.Errorf("export: %w", err)
	}
	res, err := dashboard.Export(ctx, srv, req, f)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(out) // never leave half a file behind
		return exportFailed(err)
	}
	st, _ := os.Stat(out)
	fmt.Fprintf(stdout, "wrote %s (%d bytes)\n", out, st.Size())
	if res.WithoutPDF {
		fmt.Fprintln(stdout, "No Chromium is installed: the ZIP holds the workbooks only (install chromium and fonts-noto-cjk for PDFs).")
	}
	return nil
}

// exportFailed words an export's error for the command line: a request
// that makes no sense is a usage error, and the store's code and catalogue
// key are left out of a run or department not found.
func exportFailed(err error) error {
	var se *survey.Error
	if !errors.As(err, &se) || se.Code == survey.EInternal {
		return fmt.Errorf("export: %w", err)
	}
	msg := "export: " + strings.TrimSuffix(err.Error(), ": "+se.Error())
	if se.Code == survey.EInvalid {
		return &usageError{msg}
	}
	return errors.New(msg)
}
