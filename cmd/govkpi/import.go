package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"govkpi/static"
	"govkpi/survey"
)

// govkpi import metrics|ratings FILE: the imports page's two uploads from
// the command line, for files too large to upload comfortably and for
// scripts. The same checks apply and the same batches are recorded, as
// done by "cli".

const importUsage = "usage: govkpi import metrics|ratings [--db DB] [--lang zh-CN|en] [--tickets] FILE\n\n" +
	"FILE is CSV (UTF-8 or GBK) or XLSX, laid out as docs/imports.md says. The whole file is checked\n" +
	"first: any problem stores nothing and is printed as FILE:ROW:COLUMN: message (exit status 1).\n" +
	"An accepted file is stored as one batch. --tickets (ratings only) opens a rectification ticket\n" +
	"for every imported bad rating."

func cmdImport(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprintln(stdout, importUsage)
		if len(args) == 0 {
			return &usageError{"import: no subcommand"}
		}
		return nil
	}
	kind := args[0]
	if kind != survey.ImportMetrics && kind != survey.ImportRatings {
		fmt.Fprintln(stdout, importUsage)
		return &usageError{fmt.Sprintf("import: unknown subcommand %q", kind)}
	}
	var files []string
	lang, tickets := "zh-CN", false
	cfg, err := dbFlags("import "+kind, args[1:], getenv, stdout, func(fs *flag.FlagSet) {
		fs.StringVar(&lang, "lang", lang, "language of the problems printed: zh-CN or en")
		if kind == survey.ImportRatings {
			fs.BoolVar(&tickets, "tickets", false, "open a rectification ticket for every imported bad rating")
		}
	}, &files)
	if err != nil {
		return helpOK(err)
	}
	if len(files) != 1 {
		return &usageError{"import " + kind + ": want exactly one FILE"}
	}
	if !static.ValidLanguage(lang) {
		return &usageError{fmt.Sprintf("import: unknown language %q", lang)}
	}
	path := files[0]
	f, err := os.Open(path)
	if err != nil {
		return &fileError{err.Error()}
	}
	defer f.Close()
	db, err := survey.Open(ctx, cfg.DB)
	if err != nil {
		return fmt.Errorf("database %s: %w", redactDSN(cfg.DB), err)
	}
	defer db.Close()
	ctx = survey.WithActor(ctx, survey.AuditEntry{ActorName: "cli"})
	name := filepath.Base(path)
	var batch *survey.ImportBatch
	if kind == survey.ImportMetrics {
		batch, err = db.ImportMetrics(ctx, f, name)
	} else {
		var res *survey.RatingImport
		if res, err = db.ImportRatings(ctx, f, name, tickets); err == nil {
			batch = res.Batch
		}
	}
	var ie *survey.ImportError
	if errors.As(err, &ie) {
		cat, cerr := static.NewCatalogue()
		if cerr != nil {
			return cerr
		}
		for _, p := range ie.Rows {
			fmt.Fprintf(stdout, "%s:%d:%s: %s\n", path, p.Row, p.Column, cat.T(lang, p.Key, p.Args...))
		}
		return fmt.Errorf("import %s: %s refused with %d problems; nothing was stored", kind, path, len(ie.Rows))
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s: stored as batch %d: %d rows", path, batch.ID, batch.Rows)
	if batch.Skipped > 0 {
		fmt.Fprintf(stdout, ", %d skipped (case already stored)", batch.Skipped)
	}
	fmt.Fprintf(stdout, "; sha256 %s\n", batch.FileHash)
	return nil
}
