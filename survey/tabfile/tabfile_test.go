package tabfile

import (
	"archive/zip"
	"bytes"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"
)

func refusal(t *testing.T, err error) *Error {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("want a refusal, got %v", err)
	}
	return e
}

func TestReadCSV(t *testing.T) {
	// A BOM, CRLF, a blank line and a quoted cell over two lines: each row
	// keeps the line number a spreadsheet shows.
	in := "\xef\xbb\xbf部门编码 , 数值\r\nA,1\r\n\r\n\"B\nB\",2\r\nC,3\r\n"
	tb, err := Read(strings.NewReader(in), "x.csv", Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(tb.Header, []string{"部门编码", "数值"}) || tb.Format != "csv" || tb.Encoding != "utf-8" {
		t.Fatalf("header %q %s %s", tb.Header, tb.Format, tb.Encoding)
	}
	var lines []int
	for _, r := range tb.Rows {
		lines = append(lines, r.Line)
	}
	if !slices.Equal(lines, []int{2, 4, 6}) || tb.Rows[1].Cell(0) != "B\nB" || tb.Rows[0].Cell(5) != "" {
		t.Fatalf("rows %+v", tb.Rows)
	}

	// What Excel saves as CSV on a Chinese Windows: GBK.
	gbk, _ := simplifiedchinese.GBK.NewEncoder().String("部门编码,数值\n澜江市公安局,1\n")
	tb, err = Read(strings.NewReader(gbk), "gbk.csv", Limits{})
	if err != nil || tb.Encoding != "gb18030" || tb.Rows[0].Cells[0] != "澜江市公安局" {
		t.Fatalf("gbk: %+v %v", tb, err)
	}
	// Bytes valid in neither.
	if e := refusal(t, func() error {
		_, err := Read(strings.NewReader("a,b\n1,2\n\xff\xff\xff,3\n"), "x.csv", Limits{})
		return err
	}()); e.Key != "tabfile.encoding" || e.Row != 3 {
		t.Fatalf("encoding: %+v", e)
	}

	for _, tc := range []struct {
		name, in string
		lim      Limits
		key      string
		row      int
	}{
		{"empty", "", Limits{}, "tabfile.empty", 1},
		{"header only", "a,b\n\n", Limits{}, "tabfile.no_rows", 2},
		{"quote", "a,b\n1,\"2\n", Limits{}, "tabfile.csv_syntax", 2},
		{"rows", "a\n1\n2\n3\n", Limits{MaxRows: 2}, "tabfile.too_many_rows", 4},
		{"columns", "a,b,c\n", Limits{MaxColumns: 2}, "tabfile.too_many_columns", 1},
		{"size", "a,b\n1,2\n", Limits{MaxBytes: 4}, "tabfile.too_large", 0},
		{"xls", "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", Limits{}, "tabfile.xls", 0},
		{"named xlsx", "a,b\n1,2\n", Limits{}, "tabfile.not_workbook", 0},
	} {
		name := "x.csv"
		if tc.name == "named xlsx" {
			name = "x.xlsx"
		}
		_, err := Read(strings.NewReader(tc.in), name, tc.lim)
		if e := refusal(t, err); e.Key != tc.key || e.Row != tc.row {
			t.Errorf("%s: got %+v, want %s at row %d", tc.name, e, tc.key, tc.row)
		}
	}
}

func TestReadXLSX(t *testing.T) {
	f := excelize.NewFile()
	f.SetSheetRow("Sheet1", "A1", &[]any{"code", "value", "when"})
	f.SetSheetRow("Sheet1", "A2", &[]any{"A", 1.5, 46085.5})
	f.SetSheetRow("Sheet1", "A4", &[]any{"B", 12345678901, "text"})
	f.NewSheet("Other") // only the first sheet is read
	f.SetSheetRow("Other", "A1", &[]any{"ignored"})
	var buf bytes.Buffer
	f.Write(&buf)
	tb, err := Read(bytes.NewReader(buf.Bytes()), "renamed.csv", Limits{}) // the content decides
	if err != nil {
		t.Fatal(err)
	}
	if tb.Format != "xlsx" || len(tb.Rows) != 2 || tb.Rows[1].Line != 4 || tb.Rows[0].Cell(1) != "1.5" ||
		tb.Rows[1].Cell(1) != "12345678901" || tb.Rows[0].Cell(2) != "46085.5" {
		t.Fatalf("table %+v", tb)
	}
	if _, err := Read(bytes.NewReader(buf.Bytes()), "x.xlsx", Limits{MaxRows: 1}); refusal(t, err).Key != "tabfile.too_many_rows" {
		t.Fatal("row limit")
	}
}

// A zip whose directory declares more than the limit is refused before
// anything is inflated.
func TestReadXLSXBomb(t *testing.T) {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, _ := zw.Create("xl/worksheets/sheet1.xml")
	w.Write(bytes.Repeat([]byte("<row/>"), 1<<20)) // 6 MiB of text, compresses to a few KiB
	zw.Close()
	if buf.Len() > 100<<10 {
		t.Fatalf("the bomb is %d bytes", buf.Len())
	}
	_, err := Read(bytes.NewReader(buf.Bytes()), "bomb.xlsx", Limits{MaxUnzipped: 1 << 20})
	if e := refusal(t, err); e.Key != "tabfile.unzipped_too_large" {
		t.Fatalf("bomb: %+v", e)
	}
	// Not a workbook at all, though a zip.
	_, err = Read(bytes.NewReader(buf.Bytes()), "bomb.xlsx", Limits{})
	if e := refusal(t, err); e.Key != "tabfile.damaged" && e.Key != "tabfile.empty" {
		t.Fatalf("zip without a workbook: %+v", e)
	}
}

func TestColumns(t *testing.T) {
	tb := &Table{Header: []string{"部门编码", "Value", "extra", "value", ""}}
	aliases := map[string]string{"部门编码": "department", "value": "value", "period": "period"}
	c, probs := tb.Columns(aliases, "department", "value", "period")
	want := []HeaderProblem{{"extra", "tabfile.unknown_column"}, {"value", "tabfile.duplicate_column"}, {"period", "tabfile.missing_column"}}
	if !slices.Equal(probs, want) {
		t.Fatalf("problems %+v", probs)
	}
	r := Row{Line: 2, Cells: []string{"A", "1"}}
	if c.Get(r, "department") != "A" || c.Get(r, "value") != "1" || c.Get(r, "period") != "" || c.Name("value") != "Value" || c.Name("period") != "period" {
		t.Fatal("columns")
	}
}
