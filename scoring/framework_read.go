package scoring

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// maxFrameworkBytes bounds a framework file.
const maxFrameworkBytes = 4 << 20

// ReadFrameworkYAML reads and validates a native framework file. Unknown
// keys are refused, so a misspelt option is not silently ignored.
func ReadFrameworkYAML(r io.Reader) (*Framework, error) {
	data, err := io.ReadAll(io.LimitReader(r, maxFrameworkBytes+1))
	if err != nil {
		return nil, fmt.Errorf("read framework: %w", err)
	}
	if len(data) > maxFrameworkBytes {
		return nil, &FrameworkError{Problems: []string{"file larger than 4 MiB"}}
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	var f Framework
	if err := dec.Decode(&f); err != nil {
		return nil, &FrameworkError{Problems: []string{strings.TrimPrefix(err.Error(), "yaml: ")}}
	}
	if f.Root == nil {
		return nil, &FrameworkError{Problems: []string{"no root node (key root:)"}}
	}
	if err := f.Validate(); err != nil {
		return nil, err
	}
	return &f, nil
}

// ReadFrameworkCSV reads a COINr-style indicator-metadata CSV: columns iCode,
// Level (1 = indicator), Parent, Direction (1 or −1), Weight, optional iName
// and Type. Rows whose Type is Group, Denominator or Other, or whose Level is
// NA, are not part of the tree. Such a framework uses min-max [0,100] and
// weighted arithmetic means, as COINr does. Problems name the file row.
func ReadFrameworkCSV(r io.Reader) (*Framework, error) {
	cr := csv.NewReader(io.LimitReader(r, maxFrameworkBytes))
	cr.FieldsPerRecord = -1
	header, err := cr.Read()
	if err != nil {
		return nil, &FrameworkError{Problems: []string{"row 1: cannot read the header: " + err.Error()}}
	}
	col := map[string]int{}
	for i, h := range header {
		col[strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))] = i
	}
	var probs []string
	for _, need := range []string{"icode", "level", "parent"} {
		if _, ok := col[need]; !ok {
			probs = append(probs, fmt.Sprintf("row 1: missing column %q", need))
		}
	}
	if len(probs) > 0 {
		return nil, &FrameworkError{Problems: probs}
	}
	get := func(rec []string, name string) string {
		if i, ok := col[name]; ok && i < len(rec) {
			return strings.TrimSpace(rec[i])
		}
		return ""
	}
	type row struct {
		line   int
		node   *Node
		level  int
		parent string
	}
	var rows []row
	line := 1
	for {
		rec, err := cr.Read()
		line++
		if err == io.EOF {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return nil, &FrameworkError{Problems: []string{fmt.Sprintf("row %d: %v", pe.Line, pe.Err)}}
			}
			return nil, &FrameworkError{Problems: []string{fmt.Sprintf("row %d: %v", line, err)}}
		}
		typ := strings.ToLower(get(rec, "type"))
		lvl := get(rec, "level")
		if typ == "group" || typ == "denominator" || typ == "other" || lvl == "" || strings.EqualFold(lvl, "NA") {
			continue
		}
		level, err := strconv.Atoi(lvl)
		if err != nil || level < 1 {
			probs = append(probs, fmt.Sprintf("row %d, column Level: %q is not a level (1 = indicator)", line, lvl))
			continue
		}
		n := &Node{Code: get(rec, "icode"), NameEn: get(rec, "iname")}
		if d := get(rec, "direction"); d != "" && !strings.EqualFold(d, "NA") {
			v, err := strconv.ParseFloat(d, 64)
			if err != nil || (v != 1 && v != -1) {
				probs = append(probs, fmt.Sprintf("row %d, column Direction: %q, want 1 or -1", line, d))
			}
			n.Direction = int(v)
		}
		if w := get(rec, "weight"); w != "" && !strings.EqualFold(w, "NA") {
			v, err := strconv.ParseFloat(w, 64)
			if err != nil || math.IsNaN(v) {
				probs = append(probs, fmt.Sprintf("row %d, column Weight: %q is not a number", line, w))
			}
			n.Weight = &v
		}
		if level == 1 {
			n.Normalise = &Normalisation{Method: NormMinMax}
		} else {
			n.Aggregate = AggArith
		}
		parent := get(rec, "parent")
		if strings.EqualFold(parent, "NA") {
			parent = ""
		}
		rows = append(rows, row{line: line, node: n, level: level, parent: parent})
	}
	byCode := map[string]row{}
	for _, r := range rows {
		if prev, dup := byCode[r.node.Code]; dup {
			probs = append(probs, fmt.Sprintf("row %d: iCode %q already on row %d", r.line, r.node.Code, prev.line))
			continue
		}
		byCode[r.node.Code] = r
	}
	var roots []row
	for _, r := range rows {
		if r.parent == "" {
			roots = append(roots, r)
			continue
		}
		p, ok := byCode[r.parent]
		if !ok {
			probs = append(probs, fmt.Sprintf("row %d, column Parent: unknown parent %q", r.line, r.parent))
			continue
		}
		if p.level <= r.level {
			probs = append(probs, fmt.Sprintf("row %d, column Parent: parent %q is at level %d, not above level %d", r.line, r.parent, p.level, r.level))
			continue
		}
		p.node.Children = append(p.node.Children, r.node)
	}
	if len(roots) != 1 && len(probs) == 0 {
		var codes []string
		for _, r := range roots {
			codes = append(codes, r.node.Code)
		}
		probs = append(probs, fmt.Sprintf("want exactly one node without a parent (the index), found %d: %s", len(roots), strings.Join(codes, ", ")))
	}
	for _, r := range rows {
		if r.level > 1 && len(r.node.Children) == 0 {
			probs = append(probs, fmt.Sprintf("row %d: aggregate %q has no children", r.line, r.node.Code))
		}
	}
	if len(probs) > 0 {
		return nil, &FrameworkError{Problems: probs}
	}
	root := roots[0].node
	f := &Framework{Code: root.Code, Version: "csv", NameEn: root.NameEn, Root: root}
	if err := f.Validate(); err != nil {
		return nil, err
	}
	return f, nil
}
