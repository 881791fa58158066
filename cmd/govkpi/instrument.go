package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"govkpi/survey/instrument"
	"govkpi/survey/xlsform"
)

// readInstrumentFile reads a questionnaire by extension: .yaml/.yml native,
// .xlsx an XLSForm workbook (.xls is refused by the importer with advice).
func readInstrumentFile(path string) (*instrument.Instrument, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, &fileError{err.Error()}
	}
	defer f.Close()
	switch strings.ToLower(filepath.Ext(path)) {
	case ".yaml", ".yml":
		return instrument.ReadYAML(f)
	default:
		in, err := xlsform.Read(f, filepath.Base(path))
		if err != nil {
			return nil, err
		}
		// The importer maps the workbook; the instrument's own checks
		// (expressions, names, bounds) run here as for YAML.
		if err := in.Validate(); err != nil {
			return nil, err
		}
		return in, nil
	}
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

func cmdInstrument(args []string, stdout io.Writer) error {
	const usage = "usage: govkpi instrument check FILE (.yaml or XLSForm .xlsx)\n\nPrints the sections and the question count, or every refusal with its sheet and row; exit status 0 or 1."
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprintln(stdout, usage)
		if len(args) == 0 {
			return &usageError{"instrument: no subcommand"}
		}
		return nil
	}
	if args[0] != "check" {
		fmt.Fprintln(stdout, usage)
		return &usageError{fmt.Sprintf("instrument: unknown subcommand %q", args[0])}
	}
	if len(args) != 2 || strings.HasPrefix(args[1], "-") {
		if len(args) == 2 && (args[1] == "-h" || args[1] == "--help") {
			fmt.Fprintln(stdout, usage)
			return nil
		}
		return &usageError{"instrument check: want exactly one FILE"}
	}
	path := args[1]
	in, err := readInstrumentFile(path)
	if err != nil {
		var fe *fileError
		if errors.As(err, &fe) {
			return err
		}
		printProblems(stdout, path, err)
		return errors.New("instrument check: the file was refused")
	}
	fmt.Fprintf(stdout, "%s: %s version %s — %s / %s\n", path, in.Code, in.Version, in.Title.Zh, in.Title.En)
	for _, s := range in.Sections {
		fmt.Fprintf(stdout, "  %-24s %3d questions  %s\n", s.Code, len(s.Questions), s.Title.In("zh"))
	}
	fmt.Fprintf(stdout, "%d sections, %d questions, %d answer variables\n", len(in.Sections), in.QuestionCount(), len(in.Variables()))
	return nil
}
