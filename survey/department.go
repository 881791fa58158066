package survey

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jmoiron/sqlx"
)

// Department levels, from the top of the administrative hierarchy down.
var Levels = []string{"province", "city", "district", "street"}

// levelRank orders levels so a child is never above its parent.
func levelRank(level string) int {
	for i, l := range Levels {
		if l == level {
			return i
		}
	}
	return -1
}

// Department is a government department or office being assessed.
type Department struct {
	ID         int64         `db:"id"`
	Code       string        `db:"code"`
	NameZh     string        `db:"name_zh"`
	NameEn     string        `db:"name_en"`
	Level      string        `db:"level"`
	ParentID   sql.NullInt64 `db:"parent_id"`
	ParentCode string        `db:"parent_code"`
	ParentZh   string        `db:"parent_name_zh"`
	ParentEn   string        `db:"parent_name_en"`
	Category   string        `db:"category"`
	Active     bool          `db:"active"`
	CreatedAt  time.Time     `db:"created_at"`
	UpdatedAt  time.Time     `db:"updated_at"`
}

// Name returns the department's name in lang, falling back to Chinese.
func (d *Department) Name(lang string) string {
	if lang == "en" && d.NameEn != "" {
		return d.NameEn
	}
	return d.NameZh
}

// ParentName returns the parent's name in lang, falling back to Chinese.
func (d *Department) ParentName(lang string) string {
	if lang == "en" && d.ParentEn != "" {
		return d.ParentEn
	}
	return d.ParentZh
}

// DepartmentInput is what a form or an import row supplies; ParentCode names
// the parent by code ("" for none).
type DepartmentInput struct {
	Code       string
	NameZh     string
	NameEn     string
	Level      string
	ParentCode string
	Category   string
	Active     bool
}

var codePattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]{0,31}$`)

// Normalize trims the input and upper-cases the codes.
func (in *DepartmentInput) Normalize() {
	in.Code = strings.ToUpper(strings.TrimSpace(in.Code))
	in.ParentCode = strings.ToUpper(strings.TrimSpace(in.ParentCode))
	in.NameZh = strings.TrimSpace(in.NameZh)
	in.NameEn = strings.TrimSpace(in.NameEn)
	in.Level = strings.ToLower(strings.TrimSpace(in.Level))
	in.Category = strings.TrimSpace(in.Category)
}

// Validate checks the fields that need no database; keys are catalogue keys.
func (in *DepartmentInput) Validate() FieldErrors {
	fe := FieldErrors{}
	fe.codeAndNames(in.Code, in.NameZh, in.NameEn)
	if levelRank(in.Level) < 0 {
		fe.Add("level", "err.level")
	}
	if in.ParentCode != "" && in.ParentCode == in.Code {
		fe.Add("parent_code", "err.parent_self")
	}
	fe.text("category", in.Category, 32, false)
	return fe
}

// codeAndNames checks the code and bilingual names that departments and
// campaigns share: a required code, a required Chinese name of at most 100
// characters and an optional English name of at most 200.
func (fe FieldErrors) codeAndNames(code, nameZh, nameEn string) {
	switch {
	case code == "":
		fe.Add("code", "err.required")
	case !codePattern.MatchString(code):
		fe.Add("code", "err.code_format")
	}
	fe.text("name_zh", nameZh, 100, true)
	fe.text("name_en", nameEn, 200, false)
}

// text checks a one-line text field: present when required, at most max
// characters, valid UTF-8 without control characters.
func (fe FieldErrors) text(field, s string, max int, required bool) {
	switch {
	case s == "" && required:
		fe.Add(field, "err.required")
	case utf8.RuneCountInString(s) > max || !cleanText(s):
		fe.Add(field, "err.text_invalid")
	}
}

// cleanText refuses invalid UTF-8 and control characters in one-line text.
func cleanText(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if r < 0x20 || r == 0x7f {
			return false
		}
	}
	return true
}

// DepartmentFilter selects departments for listing.
type DepartmentFilter struct {
	Query    string
	Level    string
	Category string
	Active   string // "", "true" or "false"
	Limit    int
	Offset   int
}

func (f DepartmentFilter) args() []any {
	like := ""
	if f.Query != "" {
		like = "%" + escapeLike(strings.ToLower(f.Query)) + "%"
	}
	return []any{f.Query, like, like, like, f.Level, f.Level, f.Category, f.Category, f.Active, f.Active, f.Active}
}

// escapeLike makes s match literally under LIKE ... ESCAPE '\'.
func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, "%", `\%`, "_", `\_`).Replace(s)
}

// FindDepartmentByID returns the department or an ENotFound error.
func (db *DB) FindDepartmentByID(ctx context.Context, id int64) (*Department, error) {
	var d Department
	if err := db.read("department-by-id").GetContext(ctx, &d, id); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, Errorf(ENotFound, "err.not_found")
		}
		return nil, fmt.Errorf("find department %d: %w", id, err)
	}
	return &d, nil
}

// FindDepartmentByCode returns the department or an ENotFound error.
func (db *DB) FindDepartmentByCode(ctx context.Context, code string) (*Department, error) {
	var d Department
	if err := db.read("department-by-code").GetContext(ctx, &d, strings.ToUpper(code)); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, Errorf(ENotFound, "err.not_found")
		}
		return nil, fmt.Errorf("find department %q: %w", code, err)
	}
	return &d, nil
}

// FindDepartments returns one page of departments and the total that match.
func (db *DB) FindDepartments(ctx context.Context, f DepartmentFilter) ([]Department, int, error) {
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = 50
	}
	var total int
	if err := db.read("departments-count").GetContext(ctx, &total, f.args()...); err != nil {
		return nil, 0, fmt.Errorf("count departments: %w", err)
	}
	var out []Department
	args := append(f.args(), f.Limit, f.Offset)
	if err := db.read("departments-find").SelectContext(ctx, &out, args...); err != nil {
		return nil, 0, fmt.Errorf("find departments: %w", err)
	}
	return out, total, nil
}

// AllDepartments returns every department with its parent, by code.
func (db *DB) AllDepartments(ctx context.Context) ([]Department, error) {
	var out []Department
	if err := db.read("departments-all").SelectContext(ctx, &out); err != nil {
		return nil, fmt.Errorf("all departments: %w", err)
	}
	return out, nil
}

// DepartmentCategories returns the categories in use, for filter menus.
func (db *DB) DepartmentCategories(ctx context.Context) ([]string, error) {
	var out []string
	if err := db.read("department-categories").SelectContext(ctx, &out); err != nil {
		return nil, fmt.Errorf("department categories: %w", err)
	}
	return out, nil
}

// DepartmentOption is a department in a select menu.
type DepartmentOption struct {
	ID     int64  `db:"id"`
	Code   string `db:"code"`
	NameZh string `db:"name_zh"`
	NameEn string `db:"name_en"`
	Level  string `db:"level"`
}

// DepartmentOptions lists active departments for select menus.
func (db *DB) DepartmentOptions(ctx context.Context) ([]DepartmentOption, error) {
	var out []DepartmentOption
	if err := db.read("department-options").SelectContext(ctx, &out); err != nil {
		return nil, fmt.Errorf("department options: %w", err)
	}
	return out, nil
}

// CreateDepartment validates and stores a new department. Errors: EInvalid
// with field messages, EConflict when the code is taken.
func (db *DB) CreateDepartment(ctx context.Context, in DepartmentInput) (*Department, error) {
	in.Normalize()
	if err := in.Validate().Err(); err != nil {
		return nil, err
	}
	var id int64
	err := db.inTx(ctx, func(tx *sqlx.Tx) error {
		if err := db.lockDepartments(ctx, tx); err != nil {
			return err
		}
		var err error
		if id, err = db.insertDepartment(ctx, tx, in, time.Now().UTC()); err != nil {
			return err
		}
		return db.auditChange(ctx, tx, AuditDeptCreated, "department", in.Code, "")
	})
	if err != nil {
		return nil, err
	}
	return db.FindDepartmentByID(ctx, id)
}

// parentID resolves and checks the parent: it must exist and sit at a higher
// level than the child.
func (db *DB) parentID(ctx context.Context, tx *sqlx.Tx, in DepartmentInput) (sql.NullInt64, error) {
	if in.ParentCode == "" {
		return sql.NullInt64{}, nil
	}
	var p Department
	if err := db.write(ctx, tx, "department-by-code").GetContext(ctx, &p, in.ParentCode); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return sql.NullInt64{}, &Error{Code: EInvalid, Key: "err.form_invalid", Fields: FieldErrors{"parent_code": "err.parent_unknown"}}
		}
		return sql.NullInt64{}, fmt.Errorf("find parent %q: %w", in.ParentCode, err)
	}
	if levelRank(p.Level) > levelRank(in.Level) {
		return sql.NullInt64{}, &Error{Code: EInvalid, Key: "err.form_invalid", Fields: FieldErrors{"parent_code": "err.parent_level"}}
	}
	return sql.NullInt64{Int64: p.ID, Valid: true}, nil
}

func (db *DB) insertDepartment(ctx context.Context, tx *sqlx.Tx, in DepartmentInput, now time.Time) (int64, error) {
	parent, err := db.parentID(ctx, tx, in)
	if err != nil {
		return 0, err
	}
	var id int64
	err = db.write(ctx, tx, "department-insert").GetContext(ctx, &id,
		in.Code, in.NameZh, in.NameEn, in.Level, parent, in.Category, in.Active, now, now)
	if err != nil {
		if isUniqueViolation(err) {
			return 0, &Error{Code: EConflict, Key: "err.form_invalid", Fields: FieldErrors{"code": "err.code_taken"}}
		}
		return 0, fmt.Errorf("insert department %q: %w", in.Code, err)
	}
	return id, nil
}

// UpdateDepartment changes a department. Errors: ENotFound, EInvalid (fields,
// including a parent that would make a cycle), EConflict on a taken code.
func (db *DB) UpdateDepartment(ctx context.Context, id int64, in DepartmentInput) (*Department, error) {
	in.Normalize()
	if err := in.Validate().Err(); err != nil {
		return nil, err
	}
	err := db.inTx(ctx, func(tx *sqlx.Tx) error {
		if err := db.lockDepartments(ctx, tx); err != nil {
			return err
		}
		parent, err := db.parentID(ctx, tx, in)
		if err != nil {
			return err
		}
		if parent.Valid {
			if err := db.checkNoCycle(ctx, tx, id, parent.Int64); err != nil {
				return err
			}
		}
		if err := db.checkChildLevels(ctx, tx, id, in.Level); err != nil {
			return err
		}
		res, err := db.write(ctx, tx, "department-update").ExecContext(ctx,
			in.Code, in.NameZh, in.NameEn, in.Level, parent, in.Category, in.Active, time.Now().UTC(), id)
		if err != nil {
			if isUniqueViolation(err) {
				return &Error{Code: EConflict, Key: "err.form_invalid", Fields: FieldErrors{"code": "err.code_taken"}}
			}
			return fmt.Errorf("update department %d: %w", id, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return Errorf(ENotFound, "err.not_found")
		}
		return db.auditChange(ctx, tx, AuditDeptUpdated, "department", in.Code, "")
	})
	if err != nil {
		return nil, err
	}
	return db.FindDepartmentByID(ctx, id)
}

// lockDepartments serialises department writes that check the tree first.
func (db *DB) lockDepartments(ctx context.Context, tx *sqlx.Tx) error {
	var one any
	if err := db.write(ctx, tx, "departments-lock").QueryRowxContext(ctx).Scan(&one); err != nil {
		return fmt.Errorf("lock departments: %w", err)
	}
	return nil
}

// checkNoCycle walks up from parent and refuses if it reaches id.
func (db *DB) checkNoCycle(ctx context.Context, tx *sqlx.Tx, id, parent int64) error {
	cur := sql.NullInt64{Int64: parent, Valid: true}
	for steps := 0; cur.Valid; steps++ {
		if cur.Int64 == id || steps > 64 {
			return &Error{Code: EInvalid, Key: "err.form_invalid", Fields: FieldErrors{"parent_code": "err.parent_cycle"}}
		}
		if err := db.write(ctx, tx, "department-parent-of").GetContext(ctx, &cur, cur.Int64); err != nil {
			return fmt.Errorf("walk parents: %w", err)
		}
	}
	return nil
}

// checkChildLevels refuses a level that would put the department below one
// of its children.
func (db *DB) checkChildLevels(ctx context.Context, tx *sqlx.Tx, id int64, level string) error {
	var children []struct {
		Code  string `db:"code"`
		Level string `db:"level"`
	}
	if err := db.write(ctx, tx, "department-children").SelectContext(ctx, &children, id); err != nil {
		return fmt.Errorf("children of %d: %w", id, err)
	}
	for _, c := range children {
		if levelRank(c.Level) < levelRank(level) {
			return &Error{Code: EInvalid, Key: "err.form_invalid", Fields: FieldErrors{"level": "err.level_below_children"}}
		}
	}
	return nil
}

// SetDepartmentActive activates or deactivates a department. Deactivated
// departments keep their history but drop out of menus.
func (db *DB) SetDepartmentActive(ctx context.Context, id int64, active bool) error {
	return db.inTx(ctx, func(tx *sqlx.Tx) error {
		var code string
		err := db.write(ctx, tx, "department-set-active").GetContext(ctx, &code, active, time.Now().UTC(), id)
		if errors.Is(err, sql.ErrNoRows) {
			return Errorf(ENotFound, "err.not_found")
		}
		if err != nil {
			return fmt.Errorf("set department %d active: %w", id, err)
		}
		action := AuditDeptDeactivated
		if active {
			action = AuditDeptActivated
		}
		return db.auditChange(ctx, tx, action, "department", code, "")
	})
}

// DeptNames are a department's names as a joined row carries them
// (department_name_zh, department_name_en); rows of accounts, assignments,
// rating links and tickets embed it.
type DeptNames struct {
	DepartmentNameZh string `db:"department_name_zh"`
	DepartmentNameEn string `db:"department_name_en"`
}

// DepartmentName returns the department's name in lang, falling back to
// Chinese.
func (n DeptNames) DepartmentName(lang string) string {
	if lang == "en" && n.DepartmentNameEn != "" {
		return n.DepartmentNameEn
	}
	return n.DepartmentNameZh
}
