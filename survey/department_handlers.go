package survey

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/gorilla/mux"
)

// pathID reads the numeric {id} path parameter; the route pattern has
// already refused anything but digits.
func pathID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(mux.Vars(r)["id"], 10, 64)
	if err != nil || id <= 0 {
		return 0, Errorf(ENotFound, "err.not_found")
	}
	return id, nil
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// pageParam reads ?page=N (1-based), clamped to a sane range.
func pageParam(r *http.Request) int {
	n, err := strconv.Atoi(r.URL.Query().Get("page"))
	if err != nil || n < 1 {
		return 1
	}
	if n > 100000 {
		n = 100000
	}
	return n
}

// Pager is the pagination state a list template shows; the links keep the
// request's other query parameters (its filters).
type Pager struct {
	Page, Pages, Total int
	PrevURL, NextURL   string // "" at either end
}

func newPager(r *http.Request, page, size, total int) Pager {
	pages := (total + size - 1) / size
	if pages < 1 {
		pages = 1
	}
	p := Pager{Page: page, Pages: pages, Total: total}
	link := func(n int) string {
		q := r.URL.Query()
		q.Set("page", strconv.Itoa(n))
		return r.URL.Path + "?" + q.Encode()
	}
	if page > 1 {
		p.PrevURL = link(min(page-1, pages))
	}
	if page < pages {
		p.NextURL = link(page + 1)
	}
	return p
}

const listPageSize = 50

type departmentsData struct {
	Departments []Department
	Categories  []string
	Levels      []string
	Pager       Pager
}

func (s *Server) handleDepartments(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := DepartmentFilter{
		Query: truncate(strings.TrimSpace(q.Get("q")), 100), Level: q.Get("level"),
		Category: truncate(q.Get("category"), 32), Active: q.Get("active"), Limit: listPageSize,
	}
	if levelRank(f.Level) < 0 {
		f.Level = ""
	}
	if f.Active != "true" && f.Active != "false" {
		f.Active = ""
	}
	page := pageParam(r)
	f.Offset = (page - 1) * listPageSize
	depts, total, err := s.DB.FindDepartments(r.Context(), f)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	cats, err := s.DB.DepartmentCategories(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	p := s.page(r, "title.departments")
	p.Form.Set("q", f.Query)
	p.Form.Set("level", f.Level)
	p.Form.Set("category", f.Category)
	p.Form.Set("active", f.Active)
	p.Data = departmentsData{Departments: depts, Categories: cats, Levels: Levels, Pager: newPager(r, page, listPageSize, total)}
	s.render(w, r, http.StatusOK, "departments", p)
}

type departmentFormData struct {
	ID         int64 // 0 when creating
	Levels     []string
	Categories []string
}

func (s *Server) departmentForm(w http.ResponseWriter, r *http.Request, status int, id int64, form map[string]string, errs map[string]string) {
	cats, err := s.DB.DepartmentCategories(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	title := "title.department_new"
	if id != 0 {
		title = "title.department_edit"
	}
	p := s.page(r, title)
	for k, v := range form {
		p.Form.Set(k, v)
	}
	if errs != nil {
		p.Errors = errs
	}
	p.Data = departmentFormData{ID: id, Levels: Levels, Categories: cats}
	s.render(w, r, status, "department_form", p)
}

func (s *Server) handleDepartmentNew(w http.ResponseWriter, r *http.Request) {
	s.departmentForm(w, r, http.StatusOK, 0, map[string]string{"active": "true", "level": "city"}, nil)
}

func (s *Server) handleDepartmentEdit(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d, err := s.DB.FindDepartmentByID(r.Context(), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.departmentForm(w, r, http.StatusOK, id, map[string]string{
		"code": d.Code, "name_zh": d.NameZh, "name_en": d.NameEn, "level": d.Level,
		"parent_code": d.ParentCode, "category": d.Category, "active": strconv.FormatBool(d.Active),
	}, nil)
}

// formBool reads a true/false field; anything else (missing, "yes", "on")
// is refused rather than read as false.
func formBool(r *http.Request, name string) (bool, error) {
	switch r.PostFormValue(name) {
	case "true":
		return true, nil
	case "false":
		return false, nil
	}
	return false, &Error{Code: EInvalid, Key: "err.form_invalid", Fields: FieldErrors{name: "err.bool"}}
}

// departmentInput reads the form; only these fields are ever read, so extra
// fields (an id, a timestamp) cannot be smuggled in.
func departmentInput(r *http.Request) (DepartmentInput, map[string]string) {
	in := DepartmentInput{
		Code: r.PostFormValue("code"), NameZh: r.PostFormValue("name_zh"), NameEn: r.PostFormValue("name_en"),
		Level: r.PostFormValue("level"), ParentCode: r.PostFormValue("parent_code"),
		Category: r.PostFormValue("category"), Active: r.PostFormValue("active") != "false",
	}
	form := map[string]string{
		"code": in.Code, "name_zh": in.NameZh, "name_en": in.NameEn, "level": in.Level,
		"parent_code": in.ParentCode, "category": in.Category, "active": strconv.FormatBool(in.Active),
	}
	return in, form
}

func (s *Server) handleDepartmentCreate(w http.ResponseWriter, r *http.Request) {
	in, form := departmentInput(r)
	d, err := s.DB.CreateDepartment(r.Context(), in)
	if fields := formErrors(err); fields != nil {
		s.departmentForm(w, r, ErrorStatus(ErrorCode(err)), 0, form, fields)
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.flash(r, "ok", "flash.saved")
	http.Redirect(w, r, "/admin/departments?q="+url.QueryEscape(d.Code), http.StatusSeeOther)
}

func (s *Server) handleDepartmentUpdate(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	in, form := departmentInput(r)
	d, err := s.DB.UpdateDepartment(r.Context(), id, in)
	if fields := formErrors(err); fields != nil {
		s.departmentForm(w, r, ErrorStatus(ErrorCode(err)), id, form, fields)
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.flash(r, "ok", "flash.saved")
	http.Redirect(w, r, "/admin/departments?q="+url.QueryEscape(d.Code), http.StatusSeeOther)
}

// formErrors returns the field messages of an EInvalid or EConflict error.
func formErrors(err error) map[string]string {
	var e *Error
	if errors.As(err, &e) && len(e.Fields) > 0 {
		return e.Fields
	}
	return nil
}

func (s *Server) handleDepartmentActive(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	active, err := formBool(r, "active")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if err := s.DB.SetDepartmentActive(r.Context(), id, active); err != nil {
		s.fail(w, r, err)
		return
	}
	s.flash(r, "ok", "flash.saved")
	http.Redirect(w, r, localPath(r.PostFormValue("back"), "/admin/departments"), http.StatusSeeOther)
}

type importData struct {
	Rows   []importRowView
	Result *ImportResult
}

type importRowView struct {
	Row     int
	Column  string
	Message string
}

func (s *Server) handleDepartmentImportForm(w http.ResponseWriter, r *http.Request) {
	p := s.page(r, "title.department_import")
	p.Data = importData{}
	// After a successful import the browser is redirected here (so a reload
	// does not upload again) and the counts come from the session.
	if res := s.Sessions.PopString(r.Context(), sessImportResult); res != "" {
		var ir ImportResult
		if _, err := fmt.Sscanf(res, "%d,%d", &ir.Created, &ir.Updated); err == nil {
			p.Data = importData{Result: &ir}
			p.Flash, p.FlashKind = "import.done", "ok"
		}
	}
	s.render(w, r, http.StatusOK, "department_import", p)
}

// handleDepartmentImport stores a CSV all-or-nothing, or shows every bad row
// and column with nothing stored.
func (s *Server) handleDepartmentImport(w http.ResponseWriter, r *http.Request) {
	p := s.page(r, "title.department_import")
	f, hdr, err := r.FormFile("file")
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			s.fail(w, r, err)
			return
		}
		p.Errors = map[string]string{"file": "err.file_required"}
		p.Data = importData{}
		s.render(w, r, http.StatusBadRequest, "department_import", p)
		return
	}
	defer f.Close()
	name := truncate(hdr.Filename, 100)
	if strings.HasSuffix(strings.ToLower(name), ".xlsx") || strings.HasSuffix(strings.ToLower(name), ".xls") {
		p.Errors = map[string]string{"file": "err.file_csv_only"}
		p.Data = importData{}
		s.render(w, r, http.StatusBadRequest, "department_import", p)
		return
	}
	res, err := s.DB.ImportDepartments(WithFileName(r.Context(), name), f)
	var ie *ImportError
	if errors.As(err, &ie) {
		s.audit(r, AuditDeptImportFailed, "file", name, fmt.Sprintf("%d problems", len(ie.Rows)))
		d := importData{}
		for _, re := range ie.Rows {
			d.Rows = append(d.Rows, importRowView{Row: re.Row, Column: re.Column, Message: p.T(re.Key, re.Args...)})
		}
		p.Data = d
		p.Flash, p.FlashKind = "import.refused", "error"
		s.render(w, r, http.StatusUnprocessableEntity, "department_import", p)
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.Sessions.Put(r.Context(), sessImportResult, fmt.Sprintf("%d,%d", res.Created, res.Updated))
	http.Redirect(w, r, "/admin/departments/import", http.StatusSeeOther)
}

// handleDepartmentTemplate serves a template import file: the header and one
// example row to overwrite, UTF-8 with BOM so Excel opens it correctly.
func (s *Server) handleDepartmentTemplate(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="departments.csv"`)
	w.Write([]byte("\xef\xbb\xbfcode,name_zh,name_en,level,parent_code,category,active\r\n" +
		"DEMO-01,示例市政务服务和数据管理局,Example Municipal Government Services and Data Administration,city,,政数局,true\r\n"))
}
