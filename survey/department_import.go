package survey

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jmoiron/sqlx"
)

// RowError is one problem in an imported file: Row counts lines of the file
// from 1 (the header is row 1), Column is the header's name.
type RowError struct {
	Row    int
	Column string
	Key    string
	Args   []any
}

// ImportError is returned when an import is refused; nothing was stored.
type ImportError struct {
	Rows []RowError
}

func (e *ImportError) Error() string {
	return fmt.Sprintf("import refused: %d problems", len(e.Rows))
}

// ImportResult says what an accepted import did.
type ImportResult struct {
	Created int
	Updated int
}

// MaxImportRows bounds one department file.
const MaxImportRows = 20000

// departmentColumns maps accepted header names (English and Chinese) to
// fields.
var departmentColumns = map[string]string{
	"code": "code", "编码": "code", "代码": "code", "部门编码": "code",
	"name_zh": "name_zh", "中文名称": "name_zh", "名称": "name_zh", "部门名称": "name_zh",
	"name_en": "name_en", "英文名称": "name_en",
	"level": "level", "层级": "level", "级别": "level",
	"parent_code": "parent_code", "parent": "parent_code", "上级编码": "parent_code", "上级": "parent_code",
	"category": "category", "类别": "category", "分类": "category",
	"active": "active", "启用": "active", "状态": "active",
}

var levelAliases = map[string]string{
	"省": "province", "省级": "province", "市": "city", "市级": "city",
	"区": "district", "县": "district", "区县": "district", "区级": "district", "县级": "district", "区县级": "district",
	"街道": "street", "乡镇": "street", "街道乡镇": "street", "街道级": "street", "乡镇级": "street",
}

func parseActive(s string) (bool, bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "true", "1", "yes", "y", "是", "启用", "active":
		return true, true
	case "false", "0", "no", "n", "否", "停用", "inactive":
		return false, true
	}
	return false, false
}

type importRow struct {
	line        int
	in          DepartmentInput
	parentCol   string          // the file's name for the parent column, for messages
	levelCol    string          // the file's name for the level column
	present     map[string]bool // columns the file has (shared by all rows)
	activeGiven bool            // the active cell was not empty
}

// keepUnsent fills the fields the file does not give (a missing column, or
// an empty active cell) from the existing department, so an update changes
// only what the file says.
func (r *importRow) keepUnsent(d Department) {
	if !r.present["name_en"] {
		r.in.NameEn = d.NameEn
	}
	if !r.present["parent_code"] {
		r.in.ParentCode = d.ParentCode
	}
	if !r.present["category"] {
		r.in.Category = d.Category
	}
	if !r.activeGiven {
		r.in.Active = d.Active
	}
}

// ParseDepartmentCSV reads a department file completely and returns its rows
// and every format problem by row and column; a non-nil error means the file
// could not be read at all (then the rows are nil). It accepts a UTF-8 BOM,
// CRLF or LF, and English or Chinese header names.
func ParseDepartmentCSV(r io.Reader) ([]importRow, []RowError, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, nil, fmt.Errorf("read csv: %w", err)
	}
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	var errs []RowError
	if !utf8.Valid(data) {
		line := 1
		for i := 0; i < len(data); {
			r, size := utf8.DecodeRune(data[i:])
			if r == utf8.RuneError && size <= 1 {
				break
			}
			if r == '\n' {
				line++
			}
			i += size
		}
		return nil, nil, &ImportError{Rows: []RowError{{Row: line, Key: "import.not_utf8"}}}
	}
	cr := csv.NewReader(bytes.NewReader(data))
	cr.FieldsPerRecord = -1
	header, err := cr.Read()
	if err == io.EOF {
		return nil, nil, &ImportError{Rows: []RowError{{Row: 1, Key: "import.empty"}}}
	}
	if err != nil {
		return nil, nil, &ImportError{Rows: []RowError{{Row: 1, Key: "import.csv_syntax", Args: []any{err.Error()}}}}
	}
	col := map[string]int{}
	for i, h := range header {
		name := strings.ToLower(strings.TrimSpace(h))
		field, ok := departmentColumns[name]
		if !ok {
			errs = append(errs, RowError{Row: 1, Column: h, Key: "import.unknown_column"})
			continue
		}
		if _, dup := col[field]; dup {
			errs = append(errs, RowError{Row: 1, Column: h, Key: "import.duplicate_column"})
			continue
		}
		col[field] = i
	}
	for _, need := range []string{"code", "name_zh", "level"} {
		if _, ok := col[need]; !ok {
			errs = append(errs, RowError{Row: 1, Column: need, Key: "import.missing_column"})
		}
	}
	if len(errs) > 0 {
		return nil, nil, &ImportError{Rows: errs}
	}
	get := func(rec []string, field string) string {
		if i, ok := col[field]; ok && i < len(rec) {
			return rec[i]
		}
		return ""
	}
	var rows []importRow
	seen := map[string]int{}
	present := map[string]bool{}
	for field := range col {
		present[field] = true
	}
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		line, _ := cr.FieldPos(0)
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				line = pe.Line
			}
			errs = append(errs, RowError{Row: line, Key: "import.csv_syntax", Args: []any{err.Error()}})
			break
		}
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			continue // blank line
		}
		if len(rows) >= MaxImportRows {
			errs = append(errs, RowError{Row: line, Key: "import.too_many_rows", Args: []any{MaxImportRows}})
			break
		}
		if len(rec) != len(header) {
			errs = append(errs, RowError{Row: line, Key: "import.field_count", Args: []any{len(header), len(rec)}})
			continue
		}
		in := DepartmentInput{
			Code: get(rec, "code"), NameZh: get(rec, "name_zh"), NameEn: get(rec, "name_en"),
			Level: get(rec, "level"), ParentCode: get(rec, "parent_code"), Category: get(rec, "category"),
		}
		if lv, ok := levelAliases[strings.TrimSpace(in.Level)]; ok {
			in.Level = lv
		}
		activeCell := get(rec, "active")
		active, ok := parseActive(activeCell)
		if !ok {
			errs = append(errs, RowError{Row: line, Column: header[col["active"]], Key: "import.active_value"})
		}
		in.Active = active
		in.Normalize()
		fe := in.Validate()
		for _, field := range []string{"code", "name_zh", "name_en", "level", "parent_code", "category"} {
			if key, bad := fe[field]; bad {
				errs = append(errs, RowError{Row: line, Column: header[col[field]], Key: key})
			}
		}
		if prev, dup := seen[in.Code]; dup && in.Code != "" {
			errs = append(errs, RowError{Row: line, Column: header[col["code"]], Key: "import.duplicate_code", Args: []any{prev}})
		} else {
			seen[in.Code] = line
		}
		parentCol := "parent_code"
		if i, ok := col["parent_code"]; ok {
			parentCol = header[i]
		}
		rows = append(rows, importRow{line: line, in: in, parentCol: parentCol, levelCol: header[col["level"]],
			present: present, activeGiven: strings.TrimSpace(activeCell) != ""})
	}
	if len(rows) == 0 && len(errs) == 0 {
		errs = append(errs, RowError{Row: 2, Key: "import.empty"})
	}
	return rows, errs, nil
}

func sortRowErrors(errs []RowError) {
	// Insertion sort keeps equal rows in column order and the lists are short.
	for i := 1; i < len(errs); i++ {
		for j := i; j > 0 && errs[j].Row < errs[j-1].Row; j-- {
			errs[j], errs[j-1] = errs[j-1], errs[j]
		}
	}
}

// ImportDepartments stores a department file all-or-nothing: every row is
// checked first (format, parents in the file or the database, parent levels,
// cycles), then rows are created or, when the code exists, updated in one
// transaction. On any problem nothing is stored and the *ImportError lists
// every bad row and column.
func (db *DB) ImportDepartments(ctx context.Context, r io.Reader) (ImportResult, error) {
	var res ImportResult
	rows, formatErrs, err := ParseDepartmentCSV(r)
	if err != nil {
		return res, err
	}
	err = db.inTx(ctx, func(tx *sqlx.Tx) error {
		if err := db.lockDepartments(ctx, tx); err != nil {
			return err
		}
		existing := map[string]Department{}
		var all []Department
		if err := db.write(ctx, tx, "departments-all").SelectContext(ctx, &all); err != nil {
			return fmt.Errorf("load departments: %w", err)
		}
		for _, d := range all {
			existing[d.Code] = d
		}
		for i := range rows {
			if d, ok := existing[rows[i].in.Code]; ok {
				rows[i].keepUnsent(d)
			}
		}
		// Parent problems are reported together with format problems, so one
		// upload shows everything to fix.
		order, errs := planImport(rows, existing)
		if errs = append(formatErrs, errs...); len(errs) > 0 {
			sortRowErrors(errs)
			return &ImportError{Rows: errs}
		}
		ids := map[string]int64{}
		for code, d := range existing {
			ids[code] = d.ID
		}
		now := time.Now().UTC()
		for _, row := range order {
			in := row.in
			var parent sql.NullInt64
			if in.ParentCode != "" {
				parent = sql.NullInt64{Int64: ids[in.ParentCode], Valid: true}
			}
			if d, ok := existing[in.Code]; ok {
				if _, err := db.write(ctx, tx, "department-update").ExecContext(ctx,
					in.Code, in.NameZh, in.NameEn, in.Level, parent, in.Category, in.Active, now, d.ID); err != nil {
					return fmt.Errorf("row %d: update department: %w", row.line, err)
				}
				res.Updated++
				continue
			}
			var id int64
			if err := db.write(ctx, tx, "department-insert").GetContext(ctx, &id,
				in.Code, in.NameZh, in.NameEn, in.Level, parent, in.Category, in.Active, now, now); err != nil {
				return fmt.Errorf("row %d: insert department: %w", row.line, err)
			}
			ids[in.Code] = id
			res.Created++
		}
		return db.auditChange(ctx, tx, AuditDeptImported, "file", fileName(ctx), fmt.Sprintf("created %d, updated %d", res.Created, res.Updated))
	})
	if err != nil {
		return ImportResult{}, err
	}
	return res, nil
}

type fileNameKey struct{}

// WithFileName names the uploaded file in the audit row of an import.
func WithFileName(ctx context.Context, name string) context.Context {
	return context.WithValue(ctx, fileNameKey{}, name)
}

func fileName(ctx context.Context) string {
	s, _ := ctx.Value(fileNameKey{}).(string)
	return s
}

// planImport checks parents and returns the rows ordered parents-first.
func planImport(rows []importRow, existing map[string]Department) ([]importRow, []RowError) {
	byCode := map[string]importRow{}
	for _, r := range rows {
		byCode[r.in.Code] = r
	}
	// The level and parent a code will have after the import.
	levelOf := func(code string) (string, bool) {
		if r, ok := byCode[code]; ok {
			return r.in.Level, true
		}
		if d, ok := existing[code]; ok {
			return d.Level, true
		}
		return "", false
	}
	parentOf := func(code string) string {
		if r, ok := byCode[code]; ok {
			return r.in.ParentCode
		}
		return existing[code].ParentCode
	}
	// loops reports whether walking up from code never reaches a top-level
	// department (it is on a cycle or leads into one). Each code is walked
	// once: the answers are remembered, so a 20,000-row chain is linear.
	const (
		unknown = iota
		onPath
		acyclic
		cyclic
	)
	state := map[string]int{}
	loops := func(code string) bool {
		var path []string
		cur := code
		verdict := acyclic
		for cur != "" {
			switch state[cur] {
			case acyclic:
				cur = ""
				continue
			case cyclic, onPath:
				verdict = cyclic
			}
			if verdict == cyclic {
				break
			}
			state[cur] = onPath
			path = append(path, cur)
			cur = parentOf(cur)
		}
		for _, c := range path {
			state[c] = verdict
		}
		return verdict == cyclic
	}
	var errs []RowError
	for _, r := range rows {
		if r.in.ParentCode == "" {
			continue
		}
		plevel, ok := levelOf(r.in.ParentCode)
		if !ok {
			errs = append(errs, RowError{Row: r.line, Column: r.parentCol, Key: "import.parent_unknown", Args: []any{r.in.ParentCode}})
			continue
		}
		if levelRank(r.in.Level) < 0 || levelRank(plevel) < 0 {
			continue // the level itself is already reported
		}
		if levelRank(plevel) > levelRank(r.in.Level) {
			errs = append(errs, RowError{Row: r.line, Column: r.parentCol, Key: "err.parent_level"})
			continue
		}
		if loops(r.in.Code) {
			errs = append(errs, RowError{Row: r.line, Column: r.parentCol, Key: "err.parent_cycle"})
		}
	}
	// A department the file moves to a lower level must not end up below
	// its existing children that the file leaves alone.
	for code, d := range existing {
		if _, inFile := byCode[code]; inFile || d.ParentCode == "" {
			continue
		}
		p, ok := byCode[d.ParentCode]
		if ok && levelRank(p.in.Level) >= 0 && levelRank(p.in.Level) > levelRank(d.Level) {
			errs = append(errs, RowError{Row: p.line, Column: p.levelCol, Key: "import.level_below_child", Args: []any{code}})
		}
	}
	if len(errs) > 0 {
		return nil, errs
	}
	// Parents first: a row comes after its parent when the parent is in the file.
	var order []importRow
	done := map[string]bool{}
	var visit func(r importRow)
	visit = func(r importRow) {
		if done[r.in.Code] {
			return
		}
		done[r.in.Code] = true
		if p, ok := byCode[r.in.ParentCode]; ok {
			visit(p)
		}
		order = append(order, r)
	}
	for _, r := range rows {
		visit(r)
	}
	return order, nil
}
