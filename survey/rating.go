package survey

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jmoiron/sqlx"
)

// Citizens' ratings (好差评). The national scheme has five levels:
// 5 非常满意, 4 满意, 3 基本满意, 2 不满意, 1 非常不满意; 1 and 2 are bad
// ratings (差评), which ask for reasons and may leave a phone number for a
// call-back.

// RatingChannels are where the service was used: 窗口, 网上, 移动端, 自助终端.
var RatingChannels = []string{"window", "online", "mobile", "kiosk"}

// RatingReasons are the reason categories of a bad rating.
var RatingReasons = []string{"process", "time", "attitude", "info", "online", "visits", "other"}

// Limits of a rating's free text.
const (
	maxRatingComment = 500 // characters
	maxServiceItem   = 100
	maxCaseID        = 64
)

var (
	phonePattern  = regexp.MustCompile(`^[0-9+\- ]{5,20}$`)
	caseIDPattern = regexp.MustCompile(`^[0-9A-Za-z._:/-]{1,64}$`)
)

// RatingLink is a public rating page of a department, optionally for one
// service item.
type RatingLink struct {
	ID             int64     `db:"id"`
	Slug           string    `db:"slug"`
	DepartmentID   int64     `db:"department_id"`
	ServiceItem    string    `db:"service_item"`
	CaseKey        string    `db:"case_key"` // signs per-case links; for the service system only
	Active         bool      `db:"active"`
	CreatedAt      time.Time `db:"created_at"`
	DepartmentCode string    `db:"department_code"`
	DeptNames
}

// CreateRatingLink makes a public rating page for the department (and
// service item, if any) with a random slug. Errors: EInvalid with field
// messages.
func (db *DB) CreateRatingLink(ctx context.Context, departmentCode, serviceItem string) (*RatingLink, error) {
	serviceItem = strings.TrimSpace(serviceItem)
	if !cleanText(serviceItem) || utf8.RuneCountInString(serviceItem) > maxServiceItem {
		return nil, FieldErrors{"service_item": "err.text_invalid"}.Err()
	}
	dept, err := db.FindDepartmentByCode(ctx, strings.TrimSpace(departmentCode))
	if ErrorCode(err) == ENotFound {
		return nil, FieldErrors{"department": "err.department_unknown"}.Err()
	}
	if err != nil {
		return nil, err
	}
	if !dept.Active {
		return nil, FieldErrors{"department": "err.department_inactive"}.Err()
	}
	slug := newToken(9)
	err = db.inTx(ctx, func(tx *sqlx.Tx) error {
		var id int64
		if err := db.write(ctx, tx, "rating-link-insert").GetContext(ctx, &id, slug, dept.ID, serviceItem, newToken(16), time.Now().UTC()); err != nil {
			return fmt.Errorf("insert rating link: %w", err)
		}
		return db.auditChange(ctx, tx, AuditRatingLinkCreated, "rating_link", slug, dept.Code+" "+serviceItem)
	})
	if err != nil {
		return nil, err
	}
	return db.FindRatingLink(ctx, slug)
}

// FindRatingLink returns the link with its department, or ENotFound.
func (db *DB) FindRatingLink(ctx context.Context, slug string) (*RatingLink, error) {
	var l RatingLink
	if err := db.read("rating-link-by-slug").GetContext(ctx, &l, slug); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, Errorf(ENotFound, "err.not_found")
		}
		return nil, fmt.Errorf("find rating link: %w", err)
	}
	return &l, nil
}

// FindRatingLinkByID returns the link with its department, or ENotFound.
func (db *DB) FindRatingLinkByID(ctx context.Context, id int64) (*RatingLink, error) {
	var l RatingLink
	if err := db.read("rating-link-by-id").GetContext(ctx, &l, id); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, Errorf(ENotFound, "err.not_found")
		}
		return nil, fmt.Errorf("find rating link %d: %w", id, err)
	}
	return &l, nil
}

// RatingLinks lists every rating link by department code.
func (db *DB) RatingLinks(ctx context.Context) ([]RatingLink, error) {
	var out []RatingLink
	if err := db.read("rating-links").SelectContext(ctx, &out); err != nil {
		return nil, fmt.Errorf("rating links: %w", err)
	}
	return out, nil
}

// RatingInput is one rating as given on the public page or imported.
type RatingInput struct {
	DepartmentID int64
	LinkID       int64 // 0 for none (an import)
	ServiceItem  string
	Channel      string
	Level        int
	Comment      string
	Reasons      []string // bad ratings only
	Phone        string   // bad ratings only: a call-back is asked for
	CaseID       string   // "" for a rating not bound to a case
	Identified   bool     // the rater is known (signed in to the service system)
	Source       string   // web or import
	At           time.Time
}

// Bad reports whether the rating is a 差评 (不满意 or 非常不满意).
func (in *RatingInput) Bad() bool { return in.Level <= 2 }

// Validate checks a rating, with a message per field.
func (in *RatingInput) Validate() FieldErrors {
	fe := FieldErrors{}
	if in.Level < 1 || in.Level > 5 {
		fe.Add("level", "err.rating_level")
	}
	if !slices.Contains(RatingChannels, in.Channel) {
		fe.Add("channel", "err.rating_channel")
	}
	if !cleanMultiline(in.Comment) || utf8.RuneCountInString(in.Comment) > maxRatingComment {
		fe.Add("comment", "err.rating_comment")
	}
	if !cleanText(in.ServiceItem) || utf8.RuneCountInString(in.ServiceItem) > maxServiceItem {
		fe.Add("service_item", "err.text_invalid")
	}
	for _, r := range in.Reasons {
		if !slices.Contains(RatingReasons, r) {
			fe.Add("reasons", "err.rating_reason")
		}
	}
	if in.Phone != "" && !phonePattern.MatchString(in.Phone) {
		fe.Add("phone", "err.rating_phone")
	}
	if in.CaseID != "" && !caseIDPattern.MatchString(in.CaseID) {
		fe.Add("case", "err.rating_case")
	}
	return fe
}

// cleanMultiline is cleanText allowing line breaks and tabs.
func cleanMultiline(s string) bool {
	return cleanText(lineBreaks.Replace(s))
}

var lineBreaks = strings.NewReplacer("\r\n", "", "\n", "", "\t", "")

// Rating is a stored rating.
type Rating struct {
	ID      int64
	Level   int
	RatedAt time.Time
}

// AddRating validates and stores a rating and counts it into its
// department's day (in loc) in the same transaction, where a bad rating
// also opens its rectification ticket, due DefaultRectificationDays working
// days later; the write goes through
// the group commit, so it returns once durable. A good rating drops
// reasons and phone. Errors: EInvalid with field messages; EConflict
// "err.rating_case_used" when the case was rated before.
func (db *DB) AddRating(ctx context.Context, in RatingInput, loc *time.Location) (*Rating, error) {
	in.Comment = strings.TrimSpace(in.Comment)
	in.Phone = strings.TrimSpace(in.Phone)
	if !in.Bad() {
		in.Reasons, in.Phone = nil, ""
	}
	if in.Source == "" {
		in.Source = "web"
	}
	if err := in.Validate().Err(); err != nil {
		return nil, err
	}
	if in.At.IsZero() {
		in.At = time.Now()
	}
	if loc == nil {
		loc = db.Zone()
	}
	at := in.At.UTC().Truncate(time.Microsecond)
	day := in.At.In(loc).Format(time.DateOnly)
	counts := make([]any, 5)
	for i := range counts {
		counts[i] = 0
	}
	counts[in.Level-1] = 1
	identifiedBad := 0
	if in.Identified && in.Bad() {
		identifiedBad = 1
	}
	var link, caseID any
	if in.LinkID != 0 {
		link = in.LinkID
	}
	if in.CaseID != "" {
		caseID = in.CaseID
	}
	var due time.Time
	if in.Bad() {
		cal, err := db.Calendar(ctx)
		if err != nil {
			return nil, err
		}
		due = cal.AddWorkdays(in.At, DefaultRectificationDays)
	}
	var id int64
	err := db.inBatch(ctx, func(tx *sqlx.Tx) error {
		err := db.write(ctx, tx, "rating-insert").GetContext(ctx, &id, in.DepartmentID, link, in.ServiceItem, in.Channel, in.Level,
			in.Comment, strings.Join(in.Reasons, " "), in.Phone, caseID, in.Identified, in.Source, at)
		if err != nil {
			if isUniqueViolation(err) {
				return Errorf(EConflict, "err.rating_case_used")
			}
			return fmt.Errorf("insert rating: %w", err)
		}
		if in.Bad() {
			if err := db.openTicket(ctx, tx, id, in.DepartmentID, in.Identified, at, due); err != nil {
				return err
			}
		}
		args := append([]any{in.DepartmentID, day}, counts...)
		if _, err := db.write(ctx, tx, "rating-rollup-add").ExecContext(ctx, append(args, identifiedBad)...); err != nil {
			return fmt.Errorf("count rating: %w", err)
		}
		args[1] = day[:7]
		if _, err := db.write(ctx, tx, "rating-rollup-month-add").ExecContext(ctx, append(args, identifiedBad)...); err != nil {
			return fmt.Errorf("count rating in its month: %w", err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &Rating{ID: id, Level: in.Level, RatedAt: at}, nil
}

// RatingCounts are a department's ratings by level over a period.
type RatingCounts struct {
	N1            int `db:"n1"`
	N2            int `db:"n2"`
	N3            int `db:"n3"`
	N4            int `db:"n4"`
	N5            int `db:"n5"`
	IdentifiedBad int `db:"identified_bad"`
}

// Total is the number of ratings.
func (c RatingCounts) Total() int { return c.N1 + c.N2 + c.N3 + c.N4 + c.N5 }

// Bad is the number of bad ratings (不满意 and 非常不满意).
func (c RatingCounts) Bad() int { return c.N1 + c.N2 }

// RatingCountsBetween sums the department's rollups over the civil days
// from..to (inclusive, YYYY-MM-DD): no raw rating is read.
func (db *DB) RatingCountsBetween(ctx context.Context, departmentID int64, from, to string) (RatingCounts, error) {
	var c RatingCounts
	if err := db.read("rating-rollup-sum").GetContext(ctx, &c, departmentID, from, to); err != nil {
		return c, fmt.Errorf("rating counts of department %d: %w", departmentID, err)
	}
	return c, nil
}

// CaseSignature is the one-time token that binds a rating link to one
// case: the service system, holding the link's case key, prints
// /r/{slug}?case={id}&sig={signature} on the applicant's receipt. A case id
// cannot be made up without the key, and as case ids are unique a token is
// used once.
func (l *RatingLink) CaseSignature(caseID string) string {
	m := hmac.New(sha256.New, []byte(l.CaseKey))
	m.Write([]byte("rating-case\x00" + l.Slug + "\x00" + caseID))
	return hex.EncodeToString(m.Sum(nil)[:16])
}

// ValidCase reports whether sig is the link's signature of caseID.
func (l *RatingLink) ValidCase(caseID, sig string) bool {
	return hmac.Equal([]byte(l.CaseSignature(caseID)), []byte(strings.ToLower(sig)))
}

// DepartmentRatings are one department's counts over a period.
type DepartmentRatings struct {
	DepartmentCode string `db:"department_code"`
	DeptNames
	RatingCounts
}

// SatisfiedPercent is the share of 非常满意 and 满意, as text.
func (d *DepartmentRatings) SatisfiedPercent() string {
	if d.Total() == 0 {
		return "—"
	}
	return fmt.Sprintf("%.1f%%", float64(d.N4+d.N5)*100/float64(d.Total()))
}

// RatingsByDepartment sums every department's rollups over the civil days
// from..to (inclusive, YYYY-MM-DD), by department code.
func (db *DB) RatingsByDepartment(ctx context.Context, from, to string) ([]DepartmentRatings, error) {
	p, err := splitPeriod(from, to)
	if err != nil {
		return nil, fmt.Errorf("ratings by department: %w", err)
	}
	var out []DepartmentRatings
	if err := db.read("rating-rollup-by-department").SelectContext(ctx, &out,
		p.firstMonth, p.lastMonth, p.headFrom, p.headTo, p.tailFrom, p.tailTo); err != nil {
		return nil, fmt.Errorf("ratings by department: %w", err)
	}
	return out, nil
}

// periodParts splits the civil days from..to into whole months, read from
// the monthly rollups, and the days before and after them, read from the
// daily ones. An empty range has its from after its to.
type periodParts struct {
	firstMonth, lastMonth string // YYYY-MM
	headFrom, headTo      string // YYYY-MM-DD
	tailFrom, tailTo      string
}

func splitPeriod(from, to string) (periodParts, error) {
	f, err := time.Parse(time.DateOnly, from)
	if err != nil {
		return periodParts{}, err
	}
	t, err := time.Parse(time.DateOnly, to)
	if err != nil {
		return periodParts{}, err
	}
	const none = "~" // sorts after every date: from "~" to "" is empty
	first := time.Date(f.Year(), f.Month(), 1, 0, 0, 0, 0, time.UTC)
	if f.Day() != 1 {
		first = first.AddDate(0, 1, 0)
	}
	last := time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC) // first day of t's month
	if t.AddDate(0, 0, 1).Day() != 1 {
		last = last.AddDate(0, -1, 0)
	}
	if last.Before(first) {
		return periodParts{firstMonth: none, headFrom: from, headTo: to, tailFrom: none}, nil
	}
	p := periodParts{firstMonth: first.Format("2006-01"), lastMonth: last.Format("2006-01"),
		headFrom: none, tailFrom: none}
	if f.Before(first) {
		p.headFrom, p.headTo = from, first.AddDate(0, 0, -1).Format(time.DateOnly)
	}
	if end := last.AddDate(0, 1, 0); t.Compare(end) >= 0 {
		p.tailFrom, p.tailTo = end.Format(time.DateOnly), to
	}
	return p, nil
}

// rollupKey is one department's day.
type rollupKey struct {
	dept int64
	day  string
}

// StoreRatings stores many ratings in one transaction, all or nothing, for
// imports and generated data: every rating is checked first, and a refused
// batch is an *ImportError naming each bad rating by its 1-based position
// (Row) and field (Column). Rollups are added per department and day once
// for the batch. Case ids already stored, or repeated in the batch, are
// refused too. With openTickets every bad rating opens its rectification
// ticket, as on the public page; ratings taken from another system's
// history are stored without. Returns how many were stored.
func (db *DB) StoreRatings(ctx context.Context, batch []RatingInput, loc *time.Location, openTickets bool) (int, error) {
	return db.storeRatings(ctx, batch, loc, openTickets, nil)
}

// storeRatings is StoreRatings running also, when not nil, within in the
// same transaction after the ratings (an import records its batch so).
func (db *DB) storeRatings(ctx context.Context, batch []RatingInput, loc *time.Location, openTickets bool, within func(*sqlx.Tx) error) (int, error) {
	if loc == nil {
		loc = db.Zone()
	}
	var problems []RowError
	seen := map[string]int{}
	for i := range batch {
		in := &batch[i]
		in.Comment, in.Phone = strings.TrimSpace(in.Comment), strings.TrimSpace(in.Phone)
		if !in.Bad() {
			in.Reasons, in.Phone = nil, ""
		}
		if in.Source == "" {
			in.Source = "import"
		}
		if in.At.IsZero() {
			problems = append(problems, RowError{Row: i + 1, Column: "time", Key: "err.required"})
		}
		for field, key := range in.Validate() {
			problems = append(problems, RowError{Row: i + 1, Column: field, Key: key})
		}
		if in.CaseID != "" {
			if first, dup := seen[in.CaseID]; dup {
				problems = append(problems, RowError{Row: i + 1, Column: "case", Key: "err.rating_case_repeated", Args: []any{first}})
			}
			seen[in.CaseID] = i + 1
		}
	}
	if len(problems) > 0 {
		return 0, &ImportError{Rows: problems}
	}
	cal, err := db.Calendar(ctx)
	if err != nil {
		return 0, err
	}
	err = db.inTx(ctx, func(tx *sqlx.Tx) error {
		if db.Dialect == SQLite {
			// A large batch outgrows SQLite's default 2 MB page cache; it
			// would then spill its dirty index pages to the WAL and read
			// them back (docs/BENCHMARKS.md, citizen ratings at scale).
			// Pages are allocated only as used; the setting of the one
			// writer connection is restored before the commit.
			if _, err := tx.ExecContext(ctx, "PRAGMA cache_size = -262144"); err != nil {
				return fmt.Errorf("widen page cache: %w", err)
			}
			defer tx.ExecContext(ctx, "PRAGMA cache_size = -2000")
		}
		rollups := map[rollupKey]*[6]int{}
		insert := db.write(ctx, tx, "rating-insert")
		// Without tickets no rating's id is needed: a plain INSERT spares
		// the RETURNING row's reading.
		insertOnly := db.write(ctx, tx, "rating-insert-import")
		for i := range batch {
			in := &batch[i]
			var link, caseID any
			if in.LinkID != 0 {
				link = in.LinkID
			}
			if in.CaseID != "" {
				caseID = in.CaseID
			}
			var id int64
			args := []any{in.DepartmentID, link, in.ServiceItem, in.Channel, in.Level, in.Comment,
				strings.Join(in.Reasons, " "), in.Phone, caseID, in.Identified, in.Source, in.At.UTC().Truncate(time.Microsecond)}
			var err error
			if openTickets {
				err = insert.GetContext(ctx, &id, args...)
			} else {
				_, err = insertOnly.ExecContext(ctx, args...)
			}
			if err != nil {
				if isUniqueViolation(err) {
					return &ImportError{Rows: []RowError{{Row: i + 1, Column: "case", Key: "err.rating_case_used"}}}
				}
				return fmt.Errorf("insert rating %d: %w", i+1, err)
			}
			if openTickets && in.Bad() {
				if err := db.openTicket(ctx, tx, id, in.DepartmentID, in.Identified, in.At.UTC(), cal.AddWorkdays(in.At, DefaultRectificationDays)); err != nil {
					return err
				}
			}
			k := rollupKey{in.DepartmentID, in.At.In(loc).Format(time.DateOnly)}
			c := rollups[k]
			if c == nil {
				c = &[6]int{}
				rollups[k] = c
			}
			c[in.Level-1]++
			if in.Identified && in.Bad() {
				c[5]++
			}
		}
		// In key order the upserts walk the rollups' primary key in order
		// instead of at random.
		keys := make([]rollupKey, 0, len(rollups))
		for k := range rollups {
			keys = append(keys, k)
		}
		slices.SortFunc(keys, func(a, b rollupKey) int {
			if a.dept != b.dept {
				if a.dept < b.dept {
					return -1
				}
				return 1
			}
			return strings.Compare(a.day, b.day)
		})
		add := db.write(ctx, tx, "rating-rollup-add")
		months := map[rollupKey]*[6]int{}
		var monthKeys []rollupKey
		for _, k := range keys {
			c := rollups[k]
			if _, err := add.ExecContext(ctx, k.dept, k.day, c[0], c[1], c[2], c[3], c[4], c[5]); err != nil {
				return fmt.Errorf("count ratings: %w", err)
			}
			mk := rollupKey{k.dept, k.day[:7]}
			m := months[mk]
			if m == nil {
				m = &[6]int{}
				months[mk] = m
				monthKeys = append(monthKeys, mk) // in order, as keys are
			}
			for j := range m {
				m[j] += c[j]
			}
		}
		addMonth := db.write(ctx, tx, "rating-rollup-month-add")
		for _, k := range monthKeys {
			m := months[k]
			if _, err := addMonth.ExecContext(ctx, k.dept, k.day, m[0], m[1], m[2], m[3], m[4], m[5]); err != nil {
				return fmt.Errorf("count ratings in their months: %w", err)
			}
		}
		if within != nil {
			return within(tx)
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	return len(batch), nil
}
