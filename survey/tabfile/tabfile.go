// Package tabfile reads the tables people upload: a CSV file (UTF-8 with or
// without a byte-order mark, or GB18030 as Excel saves "CSV" on a Chinese
// Windows) or the first worksheet of an .xlsx workbook. It returns the header
// and the non-blank rows, each with its line number as the user sees it in a
// spreadsheet (the header is row 1), so every later message can name the row.
//
// Uploads are untrusted: the size of the upload, the unpacked size of a
// workbook, the number of rows and the number of columns are bounded, and a
// damaged workbook is refused with a message rather than a panic.
package tabfile

import (
	"archive/zip"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"
)

// Limits bound what Read accepts; zero fields take the defaults.
type Limits struct {
	MaxBytes    int64 // the upload itself
	MaxUnzipped int64 // sum of a workbook's unpacked parts
	MaxRows     int   // data rows, not counting the header and blank rows
	MaxColumns  int
}

// Defaults for Limits.
const (
	DefaultMaxBytes    = 10 << 20
	DefaultMaxUnzipped = 200 << 20
	DefaultMaxRows     = 100000
	DefaultMaxColumns  = 100
	maxParts           = 10000
)

func (l Limits) withDefaults() Limits {
	if l.MaxBytes <= 0 {
		l.MaxBytes = DefaultMaxBytes
	}
	if l.MaxUnzipped <= 0 {
		l.MaxUnzipped = DefaultMaxUnzipped
	}
	if l.MaxRows <= 0 {
		l.MaxRows = DefaultMaxRows
	}
	if l.MaxColumns <= 0 {
		l.MaxColumns = DefaultMaxColumns
	}
	return l
}

// Table is an uploaded table. Cells are trimmed of surrounding space.
type Table struct {
	Header []string
	Rows   []Row
	// Format is "csv" or "xlsx"; Encoding is "utf-8" or "gb18030" for CSV.
	Format, Encoding string
}

// Row is one data row and its line number (the header is line 1).
type Row struct {
	Line  int
	Cells []string
}

// Cell returns the row's cell in column i, or "" when the row is shorter.
func (r Row) Cell(i int) string {
	if i >= 0 && i < len(r.Cells) {
		return r.Cells[i]
	}
	return ""
}

// Error is a refusal of the whole file (or of the file from one row on): a
// message key with its arguments, for the caller to translate, and the row
// concerned (0 for the file as a whole).
type Error struct {
	Row  int
	Key  string
	Args []any
}

func (e *Error) Error() string {
	if e.Row > 0 {
		return fmt.Sprintf("row %d: %s %v", e.Row, e.Key, e.Args)
	}
	return fmt.Sprintf("%s %v", e.Key, e.Args)
}

func refuse(row int, key string, args ...any) *Error {
	return &Error{Row: row, Key: key, Args: args}
}

var (
	zipMagic = []byte("PK\x03\x04")
	oleMagic = []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}
)

// Read reads a whole upload named name. The format is taken from the content
// (a zip archive is a workbook) so a renamed file is still read correctly;
// an old binary .xls is refused with advice. Errors: *Error for anything the
// user can fix, other errors only for a failing reader.
func Read(r io.Reader, name string, lim Limits) (*Table, error) {
	lim = lim.withDefaults()
	data, err := io.ReadAll(io.LimitReader(r, lim.MaxBytes+1))
	if err != nil {
		return nil, fmt.Errorf("tabfile: read %s: %w", name, err)
	}
	if int64(len(data)) > lim.MaxBytes {
		return nil, refuse(0, "tabfile.too_large", lim.MaxBytes>>20)
	}
	var t *Table
	switch {
	case bytes.HasPrefix(data, oleMagic):
		return nil, refuse(0, "tabfile.xls")
	case bytes.HasPrefix(data, zipMagic):
		t, err = readXLSX(data, lim)
	default:
		if ext := strings.ToLower(path.Ext(name)); ext == ".xlsx" || ext == ".xls" {
			return nil, refuse(0, "tabfile.not_workbook")
		}
		t, err = readCSV(data, lim)
	}
	if err != nil {
		return nil, err
	}
	if len(t.Header) == 0 {
		return nil, refuse(1, "tabfile.empty")
	}
	if len(t.Rows) == 0 {
		return nil, refuse(2, "tabfile.no_rows")
	}
	return t, nil
}

// readCSV parses CSV text. Text that is not UTF-8 is read as GB18030 (a
// superset of GBK) when it decodes cleanly as such.
func readCSV(data []byte, lim Limits) (*Table, error) {
	t := &Table{Format: "csv", Encoding: "utf-8"}
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	if !utf8.Valid(data) {
		dec, err := simplifiedchinese.GB18030.NewDecoder().Bytes(data)
		if err != nil || !utf8.Valid(dec) || bytes.ContainsRune(dec, utf8.RuneError) {
			return nil, refuse(firstInvalidLine(data), "tabfile.encoding")
		}
		data, t.Encoding = dec, "gb18030"
	}
	cr := csv.NewReader(bytes.NewReader(data))
	cr.FieldsPerRecord = -1
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			return t, nil
		}
		if err != nil {
			var pe *csv.ParseError
			line := 0
			if errors.As(err, &pe) {
				line = pe.Line
				err = pe.Err
			}
			return nil, refuse(line, "tabfile.csv_syntax", err.Error())
		}
		line, _ := cr.FieldPos(0)
		if len(rec) > lim.MaxColumns {
			return nil, refuse(line, "tabfile.too_many_columns", lim.MaxColumns)
		}
		if err := t.add(line, rec, lim); err != nil {
			return nil, err
		}
	}
}

// add appends a record: the first non-blank one is the header.
func (t *Table) add(line int, rec []string, lim Limits) error {
	blank := true
	for i := range rec {
		rec[i] = strings.TrimSpace(rec[i])
		if rec[i] != "" {
			blank = false
		}
	}
	switch {
	case blank:
		return nil
	case t.Header == nil:
		t.Header = rec // a header below blank lines keeps its own number
		return nil
	case len(t.Rows) >= lim.MaxRows:
		return refuse(line, "tabfile.too_many_rows", lim.MaxRows)
	}
	t.Rows = append(t.Rows, Row{Line: line, Cells: rec})
	return nil
}

func firstInvalidLine(data []byte) int {
	line := 1
	for i := 0; i < len(data); {
		r, size := utf8.DecodeRune(data[i:])
		if r == utf8.RuneError && size <= 1 {
			return line
		}
		if r == '\n' {
			line++
		}
		i += size
	}
	return line
}

// readXLSX reads the first worksheet of a workbook with raw cell values (a
// date is its serial number, a number as typed), after checking the zip
// directory against the limits: archive/zip refuses to inflate an entry
// beyond its declared size, so the declared sizes bound the work.
func readXLSX(data []byte, lim Limits) (t *Table, err error) {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil, refuse(0, "tabfile.not_workbook")
	}
	if len(zr.File) > maxParts {
		return nil, refuse(0, "tabfile.unzipped_too_large", lim.MaxUnzipped>>20)
	}
	var total uint64
	for _, f := range zr.File {
		total += f.UncompressedSize64
		if total > uint64(lim.MaxUnzipped) {
			return nil, refuse(0, "tabfile.unzipped_too_large", lim.MaxUnzipped>>20)
		}
	}
	// excelize parses untrusted XML; a panic on a malformed part must not
	// take the server down.
	defer func() {
		if p := recover(); p != nil {
			t, err = nil, refuse(0, "tabfile.damaged", fmt.Sprint(p))
		}
	}()
	f, err := excelize.OpenReader(bytes.NewReader(data), excelize.Options{
		UnzipSizeLimit: lim.MaxUnzipped, UnzipXMLSizeLimit: 16 << 20,
	})
	if err != nil {
		return nil, refuse(0, "tabfile.damaged", err.Error())
	}
	defer f.Close()
	sheets := f.GetSheetList()
	if len(sheets) == 0 {
		return nil, refuse(1, "tabfile.empty")
	}
	rows, err := f.Rows(sheets[0])
	if err != nil {
		return nil, refuse(0, "tabfile.damaged", err.Error())
	}
	defer rows.Close()
	t = &Table{Format: "xlsx"}
	for line := 1; rows.Next(); line++ {
		rec, err := rows.Columns(excelize.Options{RawCellValue: true})
		if err != nil {
			return nil, refuse(line, "tabfile.damaged", err.Error())
		}
		if len(rec) > lim.MaxColumns {
			return nil, refuse(line, "tabfile.too_many_columns", lim.MaxColumns)
		}
		if err := t.add(line, rec, lim); err != nil {
			return nil, err
		}
	}
	if err := rows.Error(); err != nil {
		return nil, refuse(0, "tabfile.damaged", err.Error())
	}
	return t, nil
}

// Columns maps a table's header to fields through aliases (compared
// case-insensitively after trimming); see Table.Columns.
type Columns struct {
	index  map[string]int // field → column
	header []string
}

// Has reports whether the file has the field's column.
func (c Columns) Has(field string) bool { _, ok := c.index[field]; return ok }

// Get returns the row's cell for field, or "" when the file has no such
// column.
func (c Columns) Get(r Row, field string) string {
	i, ok := c.index[field]
	if !ok {
		return ""
	}
	return r.Cell(i)
}

// Name returns the file's own header for field, for messages (the field
// itself when the file lacks the column).
func (c Columns) Name(field string) string {
	if i, ok := c.index[field]; ok {
		return c.header[i]
	}
	return field
}

// HeaderProblem is a header cell that is unknown, repeated, or a required
// field that is missing.
type HeaderProblem struct {
	Column string
	Key    string // tabfile.unknown_column, tabfile.duplicate_column, tabfile.missing_column
}

// Columns maps the header to fields: aliases maps lower-case header texts
// to field names. Unknown headers, a field given twice and required fields
// missing are returned as problems (all of them, for one message).
func (t *Table) Columns(aliases map[string]string, required ...string) (Columns, []HeaderProblem) {
	c := Columns{index: map[string]int{}, header: t.Header}
	var probs []HeaderProblem
	for i, h := range t.Header {
		field, ok := aliases[strings.ToLower(h)]
		switch {
		case h == "":
			continue
		case !ok:
			probs = append(probs, HeaderProblem{Column: h, Key: "tabfile.unknown_column"})
		case c.Has(field):
			probs = append(probs, HeaderProblem{Column: h, Key: "tabfile.duplicate_column"})
		default:
			c.index[field] = i
		}
	}
	for _, f := range required {
		if !c.Has(f) {
			probs = append(probs, HeaderProblem{Column: f, Key: "tabfile.missing_column"})
		}
	}
	return c, probs
}
