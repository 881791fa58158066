package scoring

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strconv"
)

// RecordFormat names the layout WriteRecord writes.
const RecordFormat = "govkpi.result/2"

// A record is a result as an assessment run keeps it: the nodes with the
// weights used, every unit's outcome (score, band, ranks, percentile), and
// every node's score and every indicator's raw value, node-major, null
// where missing. It leaves out what follows from the inputs in
// milliseconds (explanations, diagnostics), so it stays small and quick to
// write: 5,000 units × 70 nodes is a few MiB, written in tens of
// milliseconds, where WriteJSON's unit-major document with explanations
// is forty.

// Record is a decoded record.
type Record struct {
	Format    string         `json:"format"`
	Framework string         `json:"framework"`
	Version   string         `json:"version"`
	Bands     string         `json:"bands"`
	Nodes     []RecordNode   `json:"nodes"`
	Units     []RecordUnit   `json:"units"`
	Scores    [][]*float64   `json:"scores"` // by node in Nodes order, then unit
	Raw       [][]*float64   `json:"raw"`    // indicators only; null rows for aggregates
	Warnings  []string       `json:"warnings,omitempty"`
	nodeIndex map[string]int `json:"-"`
}

// RecordNode is one node of the framework as the run used it.
type RecordNode struct {
	Code      string  `json:"code"`
	NameZh    string  `json:"name_zh,omitempty"`
	NameEn    string  `json:"name_en,omitempty"`
	Parent    string  `json:"parent,omitempty"`
	Indicator bool    `json:"indicator,omitempty"`
	Weight    float64 `json:"weight"`
	Method    string  `json:"method"`
}

// RecordUnit is one unit's outcome.
type RecordUnit struct {
	Code       string   `json:"code"`
	Name       string   `json:"name,omitempty"`
	Group      string   `json:"group,omitempty"`
	Score      *float64 `json:"score"`
	Level      string   `json:"level,omitempty"`
	Rank       int      `json:"rank"`
	GroupRank  int      `json:"group_rank,omitempty"`
	GroupSize  int      `json:"group_size,omitempty"`
	Percentile *float64 `json:"percentile"`
}

// ReadRecord decodes a record.
func ReadRecord(r io.Reader) (*Record, error) {
	var rec Record
	if err := json.NewDecoder(r).Decode(&rec); err != nil {
		return nil, fmt.Errorf("read result record: %w", err)
	}
	if rec.Format != RecordFormat {
		return nil, fmt.Errorf("read result record: format %q, want %q", rec.Format, RecordFormat)
	}
	rec.nodeIndex = make(map[string]int, len(rec.Nodes))
	for k, n := range rec.Nodes {
		rec.nodeIndex[n.Code] = k
	}
	return &rec, nil
}

// NodeScores returns the scores of the node with code by unit, or nil.
func (r *Record) NodeScores(code string) []*float64 {
	if k, ok := r.nodeIndex[code]; ok && k < len(r.Scores) {
		return r.Scores[k]
	}
	return nil
}

// WriteRecord writes the result as a compact record (see Record). Numbers
// are in their shortest exact form, so the same result gives the same
// bytes.
func (r *Result) WriteRecord(w io.Writer) error {
	f := r.Framework
	bw := bufio.NewWriterSize(w, 1<<16)
	var b []byte
	str := func(s string) {
		enc, _ := json.Marshal(s)
		b = append(b, enc...)
	}
	num := func(v float64) {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			b = append(b, "null"...)
			return
		}
		if v == 0 {
			v = 0 // no "-0"
		}
		b = strconv.AppendFloat(b, v, 'g', -1, 64)
	}
	flush := func() error {
		_, err := bw.Write(b)
		b = b[:0]
		return err
	}
	b = append(b, `{"format":`...)
	str(RecordFormat)
	b = append(b, `,"framework":`...)
	str(f.Code)
	b = append(b, `,"version":`...)
	str(f.Version)
	b = append(b, `,"bands":`...)
	str(r.Bands.Name)
	b = append(b, `,"nodes":[`...)
	for k, n := range f.Order() {
		if k > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"code":`...)
		str(n.Code)
		if n.NameZh != "" {
			b = append(b, `,"name_zh":`...)
			str(n.NameZh)
		}
		if n.NameEn != "" {
			b = append(b, `,"name_en":`...)
			str(n.NameEn)
		}
		if n.parent != nil {
			b = append(b, `,"parent":`...)
			str(n.parent.Code)
		}
		method := n.Aggregate
		if n.IsIndicator() {
			b = append(b, `,"indicator":true`...)
			method = n.Normalise.Method
			if r.Options.Normalise != "" {
				method = r.Options.Normalise
			}
		} else if r.Options.Aggregate != "" {
			method = r.Options.Aggregate
		}
		b = append(b, `,"weight":`...)
		num(r.weights[k])
		b = append(b, `,"method":`...)
		str(method)
		b = append(b, '}')
	}
	b = append(b, `],"units":[`...)
	root := r.RootScores()
	for i, u := range r.Units {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"code":`...)
		str(u.Code)
		if u.Name != "" {
			b = append(b, `,"name":`...)
			str(u.Name)
		}
		if u.Group != "" {
			b = append(b, `,"group":`...)
			str(u.Group)
		}
		b = append(b, `,"score":`...)
		num(root[i])
		if band, ok := r.Bands.Of(root[i]); ok {
			b = append(b, `,"level":`...)
			str(band.Code)
		}
		b = append(b, `,"rank":`...)
		b = strconv.AppendInt(b, int64(r.Rank[i]), 10)
		if r.GroupRank[i] > 0 {
			b = append(b, `,"group_rank":`...)
			b = strconv.AppendInt(b, int64(r.GroupRank[i]), 10)
			b = append(b, `,"group_size":`...)
			b = strconv.AppendInt(b, int64(r.GroupSize[i]), 10)
		}
		b = append(b, `,"percentile":`...)
		num(r.Pct[i])
		b = append(b, '}')
		if len(b) > 1<<15 {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	row := func(vals []float64) error {
		if vals == nil {
			b = append(b, "null"...)
			return nil
		}
		b = append(b, '[')
		for i, v := range vals {
			if i > 0 {
				b = append(b, ',')
			}
			num(v)
			if len(b) > 1<<15 {
				if err := flush(); err != nil {
					return err
				}
			}
		}
		b = append(b, ']')
		return nil
	}
	for _, part := range []struct {
		name string
		rows [][]float64
	}{{`],"scores":[`, r.Score}, {`],"raw":[`, r.Raw}} {
		b = append(b, part.name...)
		for k := range f.Order() {
			if k > 0 {
				b = append(b, ',')
			}
			var vals []float64
			if k < len(part.rows) {
				vals = part.rows[k]
			}
			if err := row(vals); err != nil {
				return err
			}
		}
	}
	b = append(b, ']')
	if len(r.Warnings) > 0 {
		b = append(b, `,"warnings":[`...)
		for i, s := range r.Warnings {
			if i > 0 {
				b = append(b, ',')
			}
			str(s)
		}
		b = append(b, ']')
	}
	b = append(b, "}\n"...)
	if err := flush(); err != nil {
		return err
	}
	return bw.Flush()
}
