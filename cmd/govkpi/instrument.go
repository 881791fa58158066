package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"govkpi/survey"
	"govkpi/survey/instrument"
	"govkpi/survey/xlsform"
)

// readInstrumentFile reads and validates a questionnaire file: .yaml/.yml
// native, otherwise an XLSForm workbook (.xls is refused with advice).
func readInstrumentFile(path string) (*instrument.Instrument, string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, "", &fileError{err.Error()}
	}
	defer f.Close()
	return survey.ParseInstrument(f, filepath.Base(path))
}

// printProblems lists every refusal of a questionnaire, one a line.
func printProblems(w io.Writer, path string, err error) {
	var ye *instrument.Error
	var xe *xlsform.Error
	switch {
	case errors.As(err, &ye):
		for _, p := range ye.Problems {
			fmt.Fprintf(w, "%s: %s: %s\n", path, p.Where, p.Msg)
		}
	case errors.As(err, &xe):
		for _, p := range xe.Problems {
			where := p.Sheet + " sheet"
			if p.Row > 0 {
				where += fmt.Sprintf(", row %d", p.Row)
			}
			if p.Column != "" {
				where += ", column " + p.Column
			}
			fmt.Fprintf(w, "%s: %s: %s\n", path, where, p.Msg)
		}
	default:
		fmt.Fprintf(w, "%s: %v\n", path, err)
	}
}

func cmdInstrument(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	const usage = "usage: govkpi instrument check FILE | govkpi instrument import [--db DB] FILE\n\n" +
		"FILE is a YAML questionnaire or an XLSForm workbook (.xlsx). check prints the sections and the\n" +
		"question count, or every refusal with its sheet and row (exit status 0 or 1); import also stores\n" +
		"it as a draft (publish it on the questionnaires page)."
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprintln(stdout, usage)
		if len(args) == 0 {
			return &usageError{"instrument: no subcommand"}
		}
		return nil
	}
	sub := args[0]
	if sub != "check" && sub != "import" {
		fmt.Fprintln(stdout, usage)
		return &usageError{fmt.Sprintf("instrument: unknown subcommand %q", sub)}
	}
	var cfg Config
	var path string
	if sub == "import" {
		var err error
		var files []string
		cfg, err = dbFlags("instrument import", args[1:], getenv, stdout, nil, &files)
		if err != nil {
			return helpOK(err)
		}
		if len(files) != 1 {
			return &usageError{"instrument import: want exactly one FILE"}
		}
		path = files[0]
	} else {
		if len(args) == 2 && (args[1] == "-h" || args[1] == "--help") {
			fmt.Fprintln(stdout, usage)
			return nil
		}
		if len(args) != 2 || strings.HasPrefix(args[1], "-") {
			return &usageError{"instrument check: want exactly one FILE"}
		}
		path = args[1]
	}
	in, format, err := readInstrumentFile(path)
	if err != nil {
		var fe *fileError
		if errors.As(err, &fe) {
			return err
		}
		printProblems(stdout, path, err)
		return errors.New("instrument " + sub + ": the file was refused")
	}
	fmt.Fprintf(stdout, "%s: %s version %s — %s / %s\n", path, in.Code, in.Version, in.Title.Zh, in.Title.En)
	for _, s := range in.Sections {
		fmt.Fprintf(stdout, "  %-24s %3d questions  %s\n", s.Code, len(s.Questions), s.Title.In("zh"))
	}
	fmt.Fprintf(stdout, "%d sections, %d questions, %d answer variables\n", len(in.Sections), in.QuestionCount(), len(in.Variables()))
	if sub == "check" {
		return nil
	}
	db, err := survey.Open(ctx, cfg.DB)
	if err != nil {
		return fmt.Errorf("database %s: %w", redactDSN(cfg.DB), err)
	}
	defer db.Close()
	ctx = survey.WithActor(ctx, survey.AuditEntry{ActorName: "cli"})
	st, err := db.ImportInstrument(ctx, in, format, filepath.Base(path))
	if err != nil {
		if survey.ErrorCode(err) == survey.EConflict {
			return fmt.Errorf("%s version %s is published and cannot change; raise the version in the file", in.Code, in.Version)
		}
		return err
	}
	fmt.Fprintf(stdout, "stored as draft %d (%s %s)\n", st.ID, st.Code, st.Version)
	return nil
}
