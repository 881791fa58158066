package survey

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
)

// Role is what an account may do. Routes name the roles they admit.
type Role string

// Roles.
const (
	RoleAdmin     Role = "admin"     // 考核办: manages everything
	RoleEvaluator Role = "evaluator" // 评估人员: reads dashboards
	RoleOfficial  Role = "official"  // 部门填报人: fills their own department's surveys
)

// Roles lists every role, for menus and policy tests.
var Roles = []Role{RoleAdmin, RoleEvaluator, RoleOfficial}

// Valid reports whether r is a known role.
func (r Role) Valid() bool {
	for _, x := range Roles {
		if r == x {
			return true
		}
	}
	return false
}

// Account is a person who signs in.
type Account struct {
	ID             int64         `db:"id"`
	Username       string        `db:"username"`
	DisplayName    string        `db:"display_name"`
	Role           Role          `db:"role"`
	DepartmentID   sql.NullInt64 `db:"department_id"`
	DepartmentCode string        `db:"department_code"`
	DeptNames
	PasswordHash string       `db:"password_hash"`
	Lang         string       `db:"lang"`
	Disabled     bool         `db:"disabled"`
	SessionEpoch int64        `db:"session_epoch"`
	CreatedAt    time.Time    `db:"created_at"`
	UpdatedAt    time.Time    `db:"updated_at"`
	LastLoginAt  sql.NullTime `db:"last_login_at"`
}

// AccountInput creates an account. Password is never logged.
type AccountInput struct {
	Username       string
	DisplayName    string
	Role           Role
	DepartmentCode string
	Password       string
	Lang           string
}

var usernamePattern = regexp.MustCompile(`^[a-z0-9][a-z0-9._@-]{1,63}$`)

// Normalize trims and lower-cases the user name.
func (in *AccountInput) Normalize() {
	in.Username = strings.ToLower(strings.TrimSpace(in.Username))
	in.DisplayName = strings.TrimSpace(in.DisplayName)
	in.DepartmentCode = strings.ToUpper(strings.TrimSpace(in.DepartmentCode))
}

// Validate checks what needs no database.
func (in *AccountInput) Validate() FieldErrors {
	fe := FieldErrors{}
	if !usernamePattern.MatchString(in.Username) {
		fe.Add("username", "err.username_format")
	}
	fe.text("display_name", in.DisplayName, 64, false)
	if !in.Role.Valid() {
		fe.Add("role", "err.role")
	}
	if in.Role == RoleOfficial && in.DepartmentCode == "" {
		fe.Add("department", "err.official_needs_department")
	}
	if key := ValidatePassword(in.Password, in.Username); key != "" {
		fe.Add("password", key)
	}
	if in.Lang != "" && in.Lang != "zh-CN" && in.Lang != "en" {
		fe.Add("lang", "err.lang")
	}
	return fe
}

// CreateAccount validates and stores an account with an argon2id hash.
// Errors: EInvalid with fields; EConflict when the user name is taken.
func (db *DB) CreateAccount(ctx context.Context, in AccountInput) (*Account, error) {
	in.Normalize()
	if err := in.Validate().Err(); err != nil {
		return nil, err
	}
	hash, err := HashPassword(in.Password)
	if err != nil {
		return nil, err
	}
	var id int64
	err = db.inTx(ctx, func(tx *sqlx.Tx) error {
		var dept sql.NullInt64
		if in.DepartmentCode != "" {
			var d Department
			if err := db.write(ctx, tx, "department-by-code").GetContext(ctx, &d, in.DepartmentCode); err != nil {
				if errors.Is(err, sql.ErrNoRows) {
					return &Error{Code: EInvalid, Key: "err.form_invalid", Fields: FieldErrors{"department": "err.department_unknown"}}
				}
				return fmt.Errorf("find department: %w", err)
			}
			if !d.Active {
				return &Error{Code: EInvalid, Key: "err.form_invalid", Fields: FieldErrors{"department": "err.department_inactive"}}
			}
			dept = sql.NullInt64{Int64: d.ID, Valid: true}
		}
		now := time.Now().UTC()
		err := db.write(ctx, tx, "account-insert").GetContext(ctx, &id,
			in.Username, in.DisplayName, string(in.Role), dept, hash, in.Lang, now, now)
		if isUniqueViolation(err) {
			return &Error{Code: EConflict, Key: "err.form_invalid", Fields: FieldErrors{"username": "err.username_taken"}}
		}
		if err != nil {
			return fmt.Errorf("insert account: %w", err)
		}
		return db.auditChange(ctx, tx, AuditAccountCreated, "account", in.Username, "role "+string(in.Role))
	})
	if err != nil {
		return nil, err
	}
	return db.FindAccountByID(ctx, id)
}

// FindAccountByID returns the account or ENotFound.
func (db *DB) FindAccountByID(ctx context.Context, id int64) (*Account, error) {
	var a Account
	if err := db.read("account-by-id").GetContext(ctx, &a, id); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, Errorf(ENotFound, "err.not_found")
		}
		return nil, fmt.Errorf("find account %d: %w", id, err)
	}
	return &a, nil
}

// FindAccountByUsername returns the account or ENotFound.
func (db *DB) FindAccountByUsername(ctx context.Context, username string) (*Account, error) {
	var a Account
	if err := db.read("account-by-username").GetContext(ctx, &a, strings.ToLower(strings.TrimSpace(username))); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, Errorf(ENotFound, "err.not_found")
		}
		return nil, fmt.Errorf("find account: %w", err)
	}
	return &a, nil
}

// AccountFilter selects accounts for listing.
type AccountFilter struct {
	Query  string
	Role   string
	Limit  int
	Offset int
}

// FindAccounts returns one page of accounts and the total that match.
func (db *DB) FindAccounts(ctx context.Context, f AccountFilter) ([]Account, int, error) {
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = 50
	}
	like := ""
	if f.Query != "" {
		like = "%" + escapeLike(strings.ToLower(f.Query)) + "%"
	}
	args := []any{f.Query, like, like, f.Role, f.Role}
	var total int
	if err := db.read("accounts-count").GetContext(ctx, &total, args...); err != nil {
		return nil, 0, fmt.Errorf("count accounts: %w", err)
	}
	var out []Account
	if err := db.read("accounts-find").SelectContext(ctx, &out, append(args, f.Limit, f.Offset)...); err != nil {
		return nil, 0, fmt.Errorf("find accounts: %w", err)
	}
	return out, total, nil
}

// CountAccounts returns how many accounts exist (0 on a fresh install).
func (db *DB) CountAccounts(ctx context.Context) (int, error) {
	var n int
	if err := db.read("accounts-count-all").GetContext(ctx, &n); err != nil {
		return 0, fmt.Errorf("count accounts: %w", err)
	}
	return n, nil
}

// SetPassword replaces an account's password and ends all its sessions.
// Errors: EInvalid (field "password"), ENotFound.
func (db *DB) SetPassword(ctx context.Context, id int64, username, password string) error {
	if key := ValidatePassword(password, username); key != "" {
		return &Error{Code: EInvalid, Key: "err.form_invalid", Fields: FieldErrors{"password": key}}
	}
	hash, err := HashPassword(password)
	if err != nil {
		return err
	}
	// The account's own change, or a reset by someone else.
	action := AuditPasswordReset
	if e, _ := ctx.Value(actorKey{}).(AuditEntry); e.ActorID.Valid && e.ActorID.Int64 == id {
		action = AuditPasswordChanged
	}
	return db.updateAccount(ctx, id, action, username, "account-set-password", hash, time.Now().UTC(), id)
}

// SetAccountDisabled disables or enables an account; disabling ends its
// sessions at their next request.
func (db *DB) SetAccountDisabled(ctx context.Context, id int64, disabled bool) error {
	a, err := db.FindAccountByID(ctx, id)
	if err != nil {
		return err
	}
	action := AuditAccountEnabled
	if disabled {
		action = AuditAccountDisabled
	}
	return db.updateAccount(ctx, id, action, a.Username, "account-set-disabled", disabled, time.Now().UTC(), id)
}

// SetAccountLang stores the account's interface language ("", "zh-CN", "en").
func (db *DB) SetAccountLang(ctx context.Context, id int64, lang string) error {
	if lang != "" && lang != "zh-CN" && lang != "en" {
		return &Error{Code: EInvalid, Key: "err.form_invalid", Fields: FieldErrors{"lang": "err.lang"}}
	}
	return db.updateAccount(ctx, id, "", "", "account-set-lang", lang, time.Now().UTC(), id)
}

// TouchLogin records a successful sign-in time.
func (db *DB) TouchLogin(ctx context.Context, id int64) error {
	return db.updateAccount(ctx, id, "", "", "account-touch-login", time.Now().UTC(), id)
}

// updateAccount runs one account update and, when action is set, its audit
// row, in one transaction.
func (db *DB) updateAccount(ctx context.Context, id int64, action, username, query string, args ...any) error {
	return db.inTx(ctx, func(tx *sqlx.Tx) error {
		res, err := db.write(ctx, tx, query).ExecContext(ctx, args...)
		if err != nil {
			return fmt.Errorf("%s %d: %w", query, id, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return Errorf(ENotFound, "err.not_found")
		}
		if action == "" {
			return nil
		}
		return db.auditChange(ctx, tx, action, "account", username, "")
	})
}

// DeleteExpiredSessions removes sessions past their expiry and returns how
// many it removed.
func (db *DB) DeleteExpiredSessions(ctx context.Context) (int64, error) {
	var n int64
	err := db.inTx(ctx, func(tx *sqlx.Tx) error {
		res, err := db.write(ctx, tx, "sessions-delete-expired").ExecContext(ctx)
		if err != nil {
			return fmt.Errorf("delete expired sessions: %w", err)
		}
		n, _ = res.RowsAffected()
		return nil
	})
	return n, err
}

// CheckAccountPassword reports whether password is the account's current
// password. Errors: ENotFound.
func (db *DB) CheckAccountPassword(ctx context.Context, id int64, password string) (bool, error) {
	var hash string
	if err := db.read("account-password-hash").GetContext(ctx, &hash, id); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return false, Errorf(ENotFound, "err.not_found")
		}
		return false, fmt.Errorf("password of account %d: %w", id, err)
	}
	return CheckPassword(hash, password), nil
}

// Authenticate checks a user name and password. Unknown names, wrong
// passwords and disabled accounts all return the same EUnauth error after the
// same amount of hashing work, so the answer reveals nothing about which
// accounts exist.
func (db *DB) Authenticate(ctx context.Context, username, password string) (*Account, error) {
	a, err := db.FindAccountByUsername(ctx, username)
	if err != nil && ErrorCode(err) != ENotFound {
		return nil, err
	}
	hash := dummyHash
	if a != nil {
		hash = a.PasswordHash
	}
	ok := CheckPassword(hash, password)
	if a == nil || !ok || a.Disabled {
		return nil, Errorf(EUnauth, "err.signin_failed")
	}
	return a, nil
}
