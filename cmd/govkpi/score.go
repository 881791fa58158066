package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"

	"govkpi/scoring"
)

// fileError is a problem with an input file: exit status 2, like a usage
// error, with the file, row and column in the message.
type fileError struct{ msg string }

func (e *fileError) Error() string { return e.msg }

// loadFramework reads a framework by extension: .csv is COINr-style
// indicator metadata, anything else native YAML.
func loadFramework(path string) (*scoring.Framework, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, &fileError{fmt.Sprintf("--framework: %v", err)}
	}
	defer f.Close()
	var fw *scoring.Framework
	if strings.HasSuffix(strings.ToLower(path), ".csv") {
		fw, err = scoring.ReadFrameworkCSV(f)
	} else {
		fw, err = scoring.ReadFrameworkYAML(f)
	}
	if err != nil {
		var fe *scoring.FrameworkError
		if errors.As(err, &fe) {
			fe.File = path
		}
		return nil, &fileError{err.Error()}
	}
	return fw, nil
}

func loadTable(path string) (*scoring.Table, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, &fileError{fmt.Sprintf("--data: %v", err)}
	}
	defer f.Close()
	t, err := scoring.ReadTableCSV(bufio.NewReader(f))
	if err != nil {
		var te *scoring.TableError
		if errors.As(err, &te) {
			te.File = path
		}
		return nil, &fileError{err.Error()}
	}
	return t, nil
}

// readWeights reads a weights file: CSV rows "code,weight" (a header row is
// allowed).
func readWeights(path string) (map[string]float64, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, &fileError{fmt.Sprintf("--weights: %v", err)}
	}
	out := map[string]float64{}
	for i, line := range strings.Split(strings.ReplaceAll(string(b), "\r\n", "\n"), "\n") {
		line = strings.TrimSpace(strings.TrimPrefix(line, "\ufeff"))
		if line == "" {
			continue
		}
		code, val, ok := strings.Cut(line, ",")
		if !ok {
			return nil, &fileError{fmt.Sprintf("%s, row %d: want code,weight", path, i+1)}
		}
		w, err := strconv.ParseFloat(strings.TrimSpace(val), 64)
		if err != nil {
			if i == 0 {
				continue // a header
			}
			return nil, &fileError{fmt.Sprintf("%s, row %d, column 2: %q is not a number", path, i+1, val)}
		}
		if w < 0 {
			return nil, &fileError{fmt.Sprintf("%s, row %d, column 2: weight %v is negative", path, i+1, w)}
		}
		out[strings.TrimSpace(code)] = w
	}
	return out, nil
}

func cmdScore(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("score", flag.ContinueOnError)
	frameworkPath := fs.String("framework", "", "framework file: .yaml (native) or .csv (COINr indicator metadata); \"default\" for the built-in framework")
	dataPath := fs.String("data", "", "data CSV: a unit column (uCode or unit), optional name and group, one column per indicator or variable")
	normalise := fs.String("normalise", "", "override every indicator's normalisation: minmax, minmax1, zscore, goalposts, rank, none")
	aggregate := fs.String("aggregate", "", "override every aggregate: arith or geom")
	weightsPath := fs.String("weights", "", "CSV of code,weight overriding node weights")
	var drops multiFlag
	fs.Var(&drops, "drop", "give a node weight 0 (repeatable)")
	bands := fs.String("bands", "", "band set: default, un (UN/World Bank 0.25/0.50/0.75), national or gtmi (groups A–D)")
	draws := fs.Int("sensitivity", 0, "Monte Carlo draws over the weights (0 = none)")
	seed := fs.Uint64("seed", 1, "random seed for --sensitivity")
	perturb := fs.Float64("perturb", 0.25, "weight perturbation p: each weight × (1 + U(−p, +p))")
	winsorise := fs.Bool("winsorise", false, "treat outliers first, as COINr does (|skew| > 2 and kurtosis > 3.5, at most 5 points)")
	impute := fs.Bool("impute-group-mean", false, "fill a missing value with the mean of the unit's group")
	previous := fs.String("previous", "", "data CSV of the previous period: explanations then include each unit's change")
	loo := fs.Bool("leave-one-out", false, "with --format json: each unit's rank shift when each family is dropped")
	format := fs.String("format", "csv", "output format: csv or json")
	out := fs.String("out", "", "write to this file instead of standard output")
	if err := parseFlags(fs, args, stdout, nil); err != nil {
		return helpOK(err)
	}
	if *frameworkPath == "" || *dataPath == "" {
		return &usageError{"score: --framework and --data are required"}
	}
	switch *normalise {
	case "", scoring.NormMinMax, scoring.NormMinMax1, scoring.NormZScore, scoring.NormGoalposts, scoring.NormRank, scoring.NormNone:
	default:
		return &usageError{fmt.Sprintf("score: --normalise %q: want minmax, minmax1, zscore, goalposts, rank or none", *normalise)}
	}
	if *aggregate != "" && *aggregate != scoring.AggArith && *aggregate != scoring.AggGeom {
		return &usageError{fmt.Sprintf("score: --aggregate %q: want arith or geom", *aggregate)}
	}
	if _, ok := scoring.BandSets()[*bands]; *bands != "" && !ok {
		return &usageError{fmt.Sprintf("score: --bands %q: want default, un, national or gtmi", *bands)}
	}
	if *format != "csv" && *format != "json" {
		return &usageError{fmt.Sprintf("score: --format %q: want csv or json", *format)}
	}
	if *loo && *format != "json" {
		return &usageError{"score: --leave-one-out needs --format json (the CSV has one row per unit)"}
	}
	if *draws < 0 || *perturb <= 0 || *perturb >= 1 {
		return &usageError{"score: --sensitivity must be ≥ 0 and --perturb between 0 and 1"}
	}
	var fw *scoring.Framework
	var err error
	if *frameworkPath == "default" {
		fw, err = scoring.DefaultFramework()
	} else {
		fw, err = loadFramework(*frameworkPath)
	}
	if err != nil {
		return err
	}
	if *normalise == scoring.NormGoalposts {
		for _, n := range fw.Indicators() {
			if n.Normalise.Worst == nil || n.Normalise.Best == nil {
				return &usageError{fmt.Sprintf("score: --normalise goalposts: indicator %s has no goalposts in the framework", n.Code)}
			}
		}
	}
	data, err := loadTable(*dataPath)
	if err != nil {
		return err
	}
	o := scoring.Options{Normalise: *normalise, Aggregate: *aggregate, Bands: *bands, Explain: true, Drop: drops,
		Winsorise: *winsorise, ImputeGroupMean: *impute}
	if *weightsPath != "" {
		if o.Weights, err = readWeights(*weightsPath); err != nil {
			return err
		}
		for code := range o.Weights {
			if fw.Node(code) == nil {
				return &fileError{fmt.Sprintf("%s: no node %q in the framework", *weightsPath, code)}
			}
		}
	}
	for _, d := range drops {
		if fw.Node(d) == nil || fw.Node(d) == fw.Root {
			return &usageError{fmt.Sprintf("score: --drop %q: no such node below the root", d)}
		}
	}
	if *previous != "" {
		prevData, err := loadTable(*previous)
		if err != nil {
			return err
		}
		po := o
		po.Explain = false
		if o.Previous, err = scoring.Run(fw, prevData, po); err != nil {
			return &fileError{fmt.Sprintf("%s: %v", *previous, err)}
		}
	}
	res, err := scoring.Run(fw, data, o)
	if err != nil {
		return &fileError{fmt.Sprintf("%s: %v", *dataPath, err)}
	}
	res.Diagnose()
	if *loo {
		if res.LeaveOneOut, err = scoring.LeaveOneOut(fw, data, o, nil); err != nil {
			return err
		}
	}
	var sens *scoring.Sensitivity
	if *draws > 0 {
		if sens, err = scoring.Sensitise(fw, data, o, scoring.SensitivityOptions{Draws: *draws, Seed: *seed, Perturb: *perturb}); err != nil {
			return err
		}
	}
	write := func(w io.Writer) error {
		if *format == "json" {
			return res.WriteJSON(w, sens)
		}
		return res.WriteCSV(w, sens)
	}
	if *out == "" {
		return write(stdout)
	}
	f, err := os.Create(*out)
	if err != nil {
		return fmt.Errorf("--out: %w", err)
	}
	bw := bufio.NewWriter(f)
	// A full disk must not end in exit status 0: every step's error counts.
	err = errors.Join(write(bw), bw.Flush(), f.Close())
	if err != nil {
		return fmt.Errorf("--out %s: %w", *out, err)
	}
	return nil
}

// multiFlag collects a repeatable string flag.
type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ",") }
func (m *multiFlag) Set(s string) error { *m = append(*m, s); return nil }

func cmdWeights(args []string, stdout io.Writer) error {
	const usage = "usage: govkpi weights ahp --matrix FILE.csv [--ri saaty2005|dd1991|saaty1980] [--max-cr 0.10]\n       govkpi weights entropy --data FILE.csv [--variant classic|minmax]"
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprintln(stdout, usage)
		if len(args) == 0 {
			return &usageError{"weights: no subcommand"}
		}
		return nil
	}
	switch args[0] {
	case "ahp":
		fs := flag.NewFlagSet("weights ahp", flag.ContinueOnError)
		matrix := fs.String("matrix", "", "pairwise comparison matrix CSV: a header row of names, cells as numbers or fractions like 1/3")
		ri := fs.String("ri", "saaty2005", "random-index table: saaty2005, dd1991 or saaty1980")
		maxCR := fs.Float64("max-cr", 0.10, "refuse a consistency ratio above this")
		if err := parseFlags(fs, args[1:], stdout, nil); err != nil {
			return helpOK(err)
		}
		table, ok := scoring.RITables()[*ri]
		if !ok {
			return &usageError{fmt.Sprintf("weights ahp: --ri %q: want saaty2005, dd1991 or saaty1980", *ri)}
		}
		if *matrix == "" {
			return &usageError{"weights ahp: --matrix is required"}
		}
		f, err := os.Open(*matrix)
		if err != nil {
			return &fileError{fmt.Sprintf("--matrix: %v", err)}
		}
		defer f.Close()
		names, m, err := scoring.ParseAHPMatrixCSV(f)
		if err != nil {
			return &fileError{fmt.Sprintf("%s: %v", *matrix, err)}
		}
		res, ahpErr := scoring.AHP(names, m, table, *maxCR)
		var tooInconsistent *scoring.AHPError
		if ahpErr != nil && !errors.As(ahpErr, &tooInconsistent) {
			return &fileError{fmt.Sprintf("%s: %v", *matrix, ahpErr)}
		}
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", " ")
		if err := enc.Encode(res); err != nil {
			return err
		}
		return ahpErr // exit 1 with the message; the JSON is already out
	case "entropy":
		fs := flag.NewFlagSet("weights entropy", flag.ContinueOnError)
		dataPath := fs.String("data", "", "data CSV: a unit column (uCode or unit) and one numeric column per criterion")
		variant := fs.String("variant", scoring.EntropyClassic, "classic (raw column shares) or minmax (textbook 熵权法: min-max first)")
		cost := fs.String("cost", "", "with --variant minmax: comma-separated columns where lower is better")
		if err := parseFlags(fs, args[1:], stdout, nil); err != nil {
			return helpOK(err)
		}
		if *variant != scoring.EntropyClassic && *variant != scoring.EntropyMinMax {
			return &usageError{fmt.Sprintf("weights entropy: --variant %q: want classic or minmax", *variant)}
		}
		if *dataPath == "" {
			return &usageError{"weights entropy: --data is required"}
		}
		t, err := loadTable(*dataPath)
		if err != nil {
			return err
		}
		dirs := make([]int, len(t.Columns))
		for j := range dirs {
			dirs[j] = 1
		}
		for _, c := range strings.Split(*cost, ",") {
			if c = strings.TrimSpace(c); c == "" {
				continue
			}
			j := slices.Index(t.Columns, c)
			if j < 0 {
				return &usageError{fmt.Sprintf("weights entropy: --cost %q: no such column", c)}
			}
			if *variant != scoring.EntropyMinMax {
				return &usageError{"weights entropy: --cost needs --variant minmax (classic uses raw shares, which have no direction)"}
			}
			dirs[j] = -1
		}
		x := make([][]float64, len(t.Units))
		for i := range x {
			x[i] = make([]float64, len(t.Columns))
		}
		for j, c := range t.Columns {
			col, err := t.NumericColumn(c)
			if err != nil {
				return &fileError{fmt.Sprintf("%s: %v", *dataPath, err)}
			}
			for i := range x {
				x[i][j] = col[i]
			}
		}
		w, err := scoring.EntropyWeights(x, dirs, *variant)
		if err != nil {
			return &fileError{fmt.Sprintf("%s: %v", *dataPath, err)}
		}
		type cw struct {
			Column string  `json:"column"`
			Weight float64 `json:"weight"`
		}
		out := struct {
			Variant string `json:"variant"`
			Weights []cw   `json:"weights"`
		}{Variant: *variant}
		for j, c := range t.Columns {
			out.Weights = append(out.Weights, cw{c, w[j]})
		}
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", " ")
		return enc.Encode(out)
	}
	fmt.Fprintln(stdout, usage)
	return &usageError{fmt.Sprintf("weights: unknown subcommand %q", args[0])}
}
