package scoring

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
)

// Unit is one scored unit (a department, a country).
type Unit struct {
	Code  string `json:"code"`
	Name  string `json:"name,omitempty"`
	Group string `json:"group,omitempty"`
}

// Table holds the data the engine scores: one row per unit, one column per
// variable or indicator, NaN for a missing value. Values is column-major:
// Values[j][i] is column j for unit i.
type Table struct {
	Units   []Unit
	Columns []string
	Values  [][]float64

	col     map[string]int
	badCell map[string]string // column → where its first non-number is, for messages
}

// NewTable makes an empty table for the units and columns, every value NaN.
func NewTable(units []Unit, columns []string) *Table {
	t := &Table{Units: units, Columns: columns, Values: make([][]float64, len(columns))}
	for j := range columns {
		t.Values[j] = make([]float64, len(units))
		for i := range units {
			t.Values[j][i] = math.NaN()
		}
	}
	t.index()
	return t
}

func (t *Table) index() {
	t.col = make(map[string]int, len(t.Columns))
	for j, c := range t.Columns {
		t.col[c] = j
	}
}

// Column returns the values of a column and whether it exists.
func (t *Table) Column(name string) ([]float64, bool) {
	if t.col == nil {
		t.index()
	}
	j, ok := t.col[name]
	if !ok {
		return nil, false
	}
	return t.Values[j], true
}

// TableError is a problem in a data file, with the row and column a person
// would look at (row 1 is the header).
type TableError struct {
	File   string
	Row    int
	Column string
	Msg    string
}

func (e *TableError) Error() string {
	where := e.File
	if where == "" {
		where = "data"
	}
	if e.Row > 0 {
		where += fmt.Sprintf(", row %d", e.Row)
	}
	if e.Column != "" {
		where += fmt.Sprintf(", column %q", e.Column)
	}
	return where + ": " + e.Msg
}

var (
	unitColumns  = []string{"ucode", "unit", "code"}
	nameColumns  = []string{"uname", "name", "unit_name"}
	groupColumns = []string{"group", "ugroup", "peer_group"}
)

// maxTableRows bounds a data file.
const maxTableRows = 1_000_000

// ReadTableCSV reads a data file: a unit column (uCode or unit), optional
// name and group columns, and one column per variable or indicator. An empty
// cell or NA is missing. A column with a cell that is not a number is kept
// as text; using it in scoring is an error that names the cell. Duplicate
// unit codes and duplicate column names are refused.
func ReadTableCSV(r io.Reader) (*Table, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	header, err := cr.Read()
	if err == io.EOF {
		return nil, &TableError{Row: 1, Msg: "the file is empty"}
	}
	if err != nil {
		return nil, &TableError{Row: 1, Msg: err.Error()}
	}
	header = append([]string(nil), header...)
	if len(header) > 0 {
		header[0] = strings.TrimPrefix(header[0], "\ufeff")
	}
	find := func(names []string) int {
		for i, h := range header {
			for _, n := range names {
				if strings.EqualFold(strings.TrimSpace(h), n) {
					return i
				}
			}
		}
		return -1
	}
	ucol, ncol, gcol := find(unitColumns), find(nameColumns), find(groupColumns)
	if ucol < 0 {
		return nil, &TableError{Row: 1, Msg: "no unit column (uCode or unit)"}
	}
	t := &Table{badCell: map[string]string{}}
	var dataCols []int
	seen := map[string]bool{}
	for i, h := range header {
		h = strings.TrimSpace(h)
		if i == ucol || i == ncol || i == gcol {
			continue
		}
		if h == "" {
			return nil, &TableError{Row: 1, Column: fmt.Sprintf("#%d", i+1), Msg: "a column has no name"}
		}
		if seen[h] {
			return nil, &TableError{Row: 1, Column: h, Msg: "column appears twice"}
		}
		seen[h] = true
		dataCols = append(dataCols, i)
		t.Columns = append(t.Columns, h)
	}
	t.Values = make([][]float64, len(dataCols))
	units := map[string]int{}
	line := 1
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		line++
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return nil, &TableError{Row: pe.Line, Msg: pe.Err.Error()}
			}
			return nil, &TableError{Row: line, Msg: err.Error()}
		}
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			continue
		}
		if len(rec) != len(header) {
			return nil, &TableError{Row: line, Msg: fmt.Sprintf("%d cells, the header has %d", len(rec), len(header))}
		}
		if len(t.Units) >= maxTableRows {
			return nil, &TableError{Row: line, Msg: fmt.Sprintf("more than %d units", maxTableRows)}
		}
		code := strings.TrimSpace(rec[ucol])
		if code == "" {
			return nil, &TableError{Row: line, Column: header[ucol], Msg: "the unit code is empty"}
		}
		if prev, dup := units[code]; dup {
			return nil, &TableError{Row: line, Column: header[ucol], Msg: fmt.Sprintf("unit %q already on row %d", code, prev)}
		}
		units[code] = line
		u := Unit{Code: code}
		if ncol >= 0 {
			u.Name = strings.TrimSpace(rec[ncol])
		}
		if gcol >= 0 {
			u.Group = strings.TrimSpace(rec[gcol])
		}
		t.Units = append(t.Units, u)
		for j, i := range dataCols {
			cell := strings.TrimSpace(rec[i])
			v := math.NaN()
			if cell != "" && !strings.EqualFold(cell, "NA") {
				x, err := strconv.ParseFloat(cell, 64)
				if err != nil || math.IsInf(x, 0) || math.IsNaN(x) {
					if _, noted := t.badCell[t.Columns[j]]; !noted {
						t.badCell[t.Columns[j]] = fmt.Sprintf("row %d, column %q: %q is not a number", line, t.Columns[j], cell)
					}
				} else {
					v = x
				}
			}
			t.Values[j] = append(t.Values[j], v)
		}
	}
	if len(t.Units) == 0 {
		return nil, &TableError{Row: 2, Msg: "no data rows"}
	}
	t.index()
	return t, nil
}

// NumericColumn returns a column for computing, or an error naming its first
// cell that is not a number.
func (t *Table) NumericColumn(name string) ([]float64, error) { return t.numeric(name) }

// numeric returns a column for scoring, or an error naming its first
// non-numeric cell.
func (t *Table) numeric(name string) ([]float64, error) {
	vals, ok := t.Column(name)
	if !ok {
		return nil, fmt.Errorf("no column %q", name)
	}
	if where, bad := t.badCell[name]; bad {
		return nil, errors.New(where)
	}
	return vals, nil
}
