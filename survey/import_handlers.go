package survey

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/xuri/excelize/v2"
)

// The admin's imports page (/admin/imports): upload platform metrics or
// ratings exported from another 好差评 system, download the templates, read
// the variables the framework takes from metrics, and see every batch with
// who imported it, when and its file hash; a metrics batch can be rolled
// back from here.

type importsData struct {
	Variables []variableView
	Batches   []ImportBatch
	Done      *ImportBatch // the batch just imported, after the redirect
	Form      string       // which form the problems below concern: metrics or ratings
	Rows      []importRowView
	More      int // problems beyond those shown
}

type variableView struct {
	MetricVariable
	RuleText string
}

// maxShownProblems bounds the problems listed on the page; the count says
// how many more there are.
const maxShownProblems = 1000

func (s *Server) importsPage(w http.ResponseWriter, r *http.Request, status int, d importsData) {
	p := s.page(r, "title.imports")
	vars, err := MetricVariables()
	if err != nil {
		s.fail(w, r, err)
		return
	}
	for _, v := range vars {
		d.Variables = append(d.Variables, variableView{v, v.Rule(p.T)})
	}
	if d.Batches, err = s.DB.ImportBatches(r.Context(), "", 100); err != nil {
		s.fail(w, r, err)
		return
	}
	if id, err := strconv.ParseInt(r.URL.Query().Get("done"), 10, 64); err == nil && d.Done == nil && d.Form == "" {
		for i := range d.Batches {
			if d.Batches[i].ID == id {
				d.Done = &d.Batches[i]
			}
		}
	}
	if len(d.Rows) > 0 {
		p.Flash, p.FlashKind = "import.refused", "error"
	}
	p.Data = d
	s.render(w, r, status, "imports", p)
}

func (s *Server) handleImports(w http.ResponseWriter, r *http.Request) {
	s.importsPage(w, r, http.StatusOK, importsData{})
}

// handleMetricsImport stores a metrics file as a batch, or shows every bad
// row and column with nothing stored.
func (s *Server) handleMetricsImport(w http.ResponseWriter, r *http.Request) {
	s.handleImportUpload(w, r, ImportMetrics, func(f io.Reader, name string) (int64, error) {
		b, err := s.DB.ImportMetrics(r.Context(), f, name)
		if err != nil {
			return 0, err
		}
		return b.ID, nil
	})
}

// handleRatingsImport stores a ratings file as a batch, likewise.
func (s *Server) handleRatingsImport(w http.ResponseWriter, r *http.Request) {
	tickets := r.PostFormValue("tickets") == "1"
	s.handleImportUpload(w, r, ImportRatings, func(f io.Reader, name string) (int64, error) {
		res, err := s.DB.ImportRatings(r.Context(), f, name, tickets)
		if err != nil {
			return 0, err
		}
		return res.Batch.ID, nil
	})
}

func (s *Server) handleImportUpload(w http.ResponseWriter, r *http.Request, kind string, store func(io.Reader, string) (int64, error)) {
	f, hdr, err := r.FormFile("file")
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			s.fail(w, r, err)
			return
		}
		s.importsPage(w, r, http.StatusBadRequest, importsData{Form: kind,
			Rows: []importRowView{{Message: s.page(r, "").T("err.file_required")}}})
		return
	}
	defer f.Close()
	name := truncate(hdr.Filename, 100)
	id, err := store(f, name)
	var ie *ImportError
	if errors.As(err, &ie) {
		s.audit(r, AuditImportRefused, "file", name, fmt.Sprintf("%s: %d problems", kind, len(ie.Rows)))
		p := s.page(r, "")
		d := importsData{Form: kind}
		for i, re := range ie.Rows {
			if i == maxShownProblems {
				d.More = len(ie.Rows) - i
				break
			}
			d.Rows = append(d.Rows, importRowView{Row: re.Row, Column: re.Column, Message: p.T(re.Key, re.Args...)})
		}
		s.importsPage(w, r, http.StatusUnprocessableEntity, d)
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	// Redirect, so a reload does not upload again.
	http.Redirect(w, r, "/admin/imports?done="+itoa(id), http.StatusSeeOther)
}

// handleImportRollback takes a metrics batch out of force.
func (s *Server) handleImportRollback(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.fail(w, r, Errorf(ENotFound, "imports.not_found"))
		return
	}
	if err := s.DB.RollbackImport(r.Context(), id); err != nil {
		s.fail(w, r, err)
		return
	}
	s.flash(r, "ok", "imports.rolled_back")
	http.Redirect(w, r, "/admin/imports", http.StatusSeeOther)
}

// Templates. The metrics workbook has the data sheet first (the one the
// importer reads) with an example row per variable for one department, and
// a second sheet explaining every variable; the CSV has the header and the
// same example rows.

func (s *Server) metricTemplateRows(r *http.Request) ([][]string, error) {
	vars, err := MetricVariables()
	if err != nil {
		return nil, err
	}
	year := strconv.Itoa(time.Now().In(s.location()).Year() - 1)
	rows := [][]string{{"period", "department_code", "variable", "value", "source"}}
	for _, v := range vars {
		rows = append(rows, []string{year, "DEMO-01", v.Code, "", v.NameZh})
	}
	return rows, nil
}

func (s *Server) handleMetricsTemplateCSV(w http.ResponseWriter, r *http.Request) {
	rows, err := s.metricTemplateRows(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var buf bytes.Buffer
	buf.WriteString("\xef\xbb\xbf")
	cw := csv.NewWriter(&buf)
	cw.UseCRLF = true
	cw.WriteAll(rows)
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="metrics-template.csv"`)
	w.Write(buf.Bytes())
}

func (s *Server) handleMetricsTemplateXLSX(w http.ResponseWriter, r *http.Request) {
	rows, err := s.metricTemplateRows(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	vars, _ := MetricVariables()
	p := s.page(r, "")
	f := excelize.NewFile()
	defer f.Close()
	data, help := p.T("imports.sheet_data"), p.T("imports.sheet_variables")
	f.SetSheetName("Sheet1", data)
	for i, row := range rows {
		for j, c := range row {
			cell, _ := excelize.CoordinatesToCellName(j+1, i+1)
			f.SetCellStr(data, cell, c)
		}
	}
	f.SetColWidth(data, "A", "B", 16)
	f.SetColWidth(data, "C", "C", 36)
	f.SetColWidth(data, "E", "E", 40)
	f.SetPanes(data, &excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"})
	f.NewSheet(help)
	head := []string{p.T("imports.col.variable"), p.T("imports.col.name_zh"), p.T("imports.col.name_en"),
		p.T("imports.col.unit"), p.T("imports.col.rule")}
	for j, c := range head {
		cell, _ := excelize.CoordinatesToCellName(j+1, 1)
		f.SetCellStr(help, cell, c)
	}
	for i, v := range vars {
		for j, c := range []string{v.Code, v.NameZh, v.NameEn, v.Unit, v.Rule(p.T)} {
			cell, _ := excelize.CoordinatesToCellName(j+1, i+2)
			f.SetCellStr(help, cell, c)
		}
	}
	f.SetColWidth(help, "A", "A", 36)
	f.SetColWidth(help, "B", "C", 44)
	f.SetColWidth(help, "E", "E", 60)
	w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	w.Header().Set("Content-Disposition", `attachment; filename="metrics-template.xlsx"`)
	if err := f.Write(w); err != nil {
		s.Log.Warn("metrics template", "request_id", RequestID(r.Context()), "err", err)
	}
}

// handleRatingsTemplateCSV serves the ratings file layout with two example
// rows.
func (s *Server) handleRatingsTemplateCSV(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="ratings-template.csv"`)
	w.Write([]byte("\xef\xbb\xbfcase_id,department_code,service_item,channel,level,time,comment,identified\r\n" +
		"CASE-0001,DEMO-01,营业执照办理,窗口,非常满意,2026-03-02 10:15:00,,是\r\n" +
		"CASE-0002,DEMO-01,营业执照办理,网上,2,2026-03-02 11:40:00,材料要求不清楚,否\r\n"))
}

// Rule says in words which values the variable takes, translated by t.
func (v MetricVariable) Rule(t func(string, ...any) string) string {
	switch {
	case v.Within != "" && v.Integer:
		return t("imports.rule.count_within", v.Within)
	case v.Within != "":
		return t("imports.rule.within", v.Within)
	case v.Integer:
		return t("imports.rule.count")
	case v.Unit == "%":
		return t("imports.rule.percent")
	}
	return t("imports.rule.nonnegative")
}
