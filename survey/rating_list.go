package survey

import (
	"context"
	"database/sql"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
)

// The ratings list (/ratings, 评价明细): citizens' ratings one by one, with
// filters carried in the URL so a view can be shared as a link. Admins and
// evaluators read every department's, an official only their own
// department's, whatever the URL asks for.

// RatingFilter selects ratings for the ratings list.
type RatingFilter struct {
	DepartmentID       int64  // 0 for every department
	MinLevel, MaxLevel int    // 1..5; bad ratings are 1..2
	Channel            string // "" for any
	CommentOnly        bool
	From, To           string         // civil days, inclusive, YYYY-MM-DD
	Zone               *time.Location // the zone of From and To; the database's when nil
	Limit, Offset      int
}

// ListedRating is one rating as the list shows it.
type ListedRating struct {
	ID             int64         `db:"id"`
	DepartmentID   int64         `db:"department_id"`
	DepartmentCode string        `db:"department_code"`
	ServiceItem    string        `db:"service_item"`
	Channel        string        `db:"channel"`
	Level          int           `db:"level"`
	Comment        string        `db:"comment"`
	Reasons        string        `db:"reasons"` // space-separated RatingReasons
	Phone          string        `db:"phone"`
	Identified     bool          `db:"identified"`
	Source         string        `db:"source"`
	RatedAt        time.Time     `db:"rated_at"`
	TicketID       sql.NullInt64 `db:"ticket_id"` // the rectification ticket a bad rating opened
	DeptNames
}

// ReasonKeys are the catalogue keys of the rating's reasons.
func (r *ListedRating) ReasonKeys() []string {
	var out []string
	for _, reason := range strings.Fields(r.Reasons) {
		if k, ok := ratingReasonKeys[reason]; ok {
			out = append(out, k)
		}
	}
	return out
}

// levelCount is one row of the count-by-level queries.
type levelCount struct {
	Level int `db:"level"`
	N     int `db:"n"`
}

// FindRatings returns one page of the ratings f selects, newest first, and
// the counts by level of all it selects (levels outside f's range count 0),
// read in one transaction. Without a channel or comment filter the counts
// come from the daily rollups, so a year of every department costs no scan
// of raw ratings. Callers scope f.DepartmentID to what the account may see.
// Errors: EInvalid when the period is not two dates in order.
func (db *DB) FindRatings(ctx context.Context, f RatingFilter) ([]ListedRating, RatingCounts, error) {
	var counts RatingCounts
	loc := f.Zone
	if loc == nil {
		loc = db.Zone()
	}
	from, ferr := time.ParseInLocation(time.DateOnly, f.From, loc)
	to, terr := time.ParseInLocation(time.DateOnly, f.To, loc)
	if ferr != nil || terr != nil || to.Before(from) {
		return nil, counts, Errorf(EInvalid, "ratings.list.err_period")
	}
	end := to.AddDate(0, 0, 1)
	from, end = from.UTC(), end.UTC()
	if f.MinLevel < 1 || f.MinLevel > 5 {
		f.MinLevel = 1
	}
	if f.MaxLevel < f.MinLevel || f.MaxLevel > 5 {
		f.MaxLevel = 5
	}
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = listPageSize
	}
	tx, err := db.R.BeginTxx(ctx, nil)
	if err != nil {
		return nil, counts, fmt.Errorf("find ratings: begin: %w", err)
	}
	defer tx.Rollback()
	// The rollups count civil days in the database's zone.
	rollups := f.Channel == "" && !f.CommentOnly && loc.String() == db.Zone().String()
	if counts, err = db.ratingLevels(ctx, tx, f, rollups, from, end); err != nil {
		return nil, counts, err
	}
	var out []ListedRating
	var page *sqlx.Stmt
	var args []any
	switch {
	case f.DepartmentID != 0:
		page = db.read("rating-filter-page-department")
		args = []any{f.DepartmentID, from, end, f.MinLevel, f.MaxLevel, f.Channel, f.Channel, f.CommentOnly}
	case f.CommentOnly:
		page = db.read("rating-filter-page-commented")
		args = []any{from, end, f.MinLevel, f.MaxLevel, f.Channel, f.Channel}
	case f.Channel != "":
		page = db.read("rating-filter-page-channel")
		args = []any{f.Channel, from, end, f.MinLevel, f.MaxLevel}
	default:
		page = db.read("rating-filter-page")
		args = []any{from, end, f.MinLevel, f.MaxLevel, f.Channel, f.Channel}
	}
	if err := tx.StmtxContext(ctx, page).SelectContext(ctx, &out, append(args, f.Limit, f.Offset)...); err != nil {
		return nil, counts, fmt.Errorf("find ratings: %w", err)
	}
	return out, counts, nil
}

// ratingLevels counts the ratings of f by level over [from, end), from the
// rollups of f's days or from the ratings, zeroing the levels outside f's
// range.
func (db *DB) ratingLevels(ctx context.Context, tx *sqlx.Tx, f RatingFilter, rollups bool, from, end time.Time) (RatingCounts, error) {
	var c RatingCounts
	var err error
	if rollups {
		if f.DepartmentID != 0 {
			err = tx.StmtxContext(ctx, db.read("rating-rollup-sum")).GetContext(ctx, &c, f.DepartmentID, f.From, f.To)
		} else {
			err = tx.StmtxContext(ctx, db.read("rating-rollup-total")).GetContext(ctx, &c, f.From, f.To)
		}
		if err != nil {
			return c, fmt.Errorf("count ratings from rollups: %w", err)
		}
	} else {
		var rows []levelCount
		switch {
		case f.DepartmentID != 0:
			err = tx.StmtxContext(ctx, db.read("rating-filter-levels-department")).SelectContext(ctx, &rows, f.DepartmentID, from, end, f.Channel, f.Channel, f.CommentOnly)
		case f.CommentOnly:
			err = tx.StmtxContext(ctx, db.read("rating-filter-levels-commented")).SelectContext(ctx, &rows, from, end, f.Channel, f.Channel)
		case f.Channel != "":
			err = tx.StmtxContext(ctx, db.read("rating-filter-levels-channel")).SelectContext(ctx, &rows, f.Channel, from, end)
		default:
			err = tx.StmtxContext(ctx, db.read("rating-filter-levels")).SelectContext(ctx, &rows, from, end, f.Channel, f.Channel)
		}
		if err != nil {
			return c, fmt.Errorf("count ratings: %w", err)
		}
		for _, r := range rows {
			*c.level(r.Level) = r.N
		}
	}
	c.IdentifiedBad = 0 // not counted for filtered sets; not shown
	for l := 1; l <= 5; l++ {
		if l < f.MinLevel || l > f.MaxLevel {
			*c.level(l) = 0
		}
	}
	return c, nil
}

// level points at the count of level l (1..5).
func (c *RatingCounts) level(l int) *int {
	switch l {
	case 1:
		return &c.N1
	case 2:
		return &c.N2
	case 3:
		return &c.N3
	case 4:
		return &c.N4
	}
	return &c.N5
}

// MaskPhone hides the middle of a phone number, as 138****5678; short
// numbers keep only their last two characters.
func MaskPhone(p string) string {
	r := []rune(strings.TrimSpace(p))
	switch {
	case len(r) == 0:
		return ""
	case len(r) >= 8:
		return string(r[:3]) + "****" + string(r[len(r)-4:])
	case len(r) > 2:
		return "****" + string(r[len(r)-2:])
	}
	return "****"
}

// ratingListLevels are the level filter's values: one level, or bad (1–2).
var ratingListLevels = []string{"5", "4", "3", "2", "1", "bad"}

// levelShare is one level's count in the list's summary and its share of
// the filtered set.
type levelShare struct {
	Level, N int
	Share    string
}

type ratingListData struct {
	Ratings     []ListedRating
	Summary     *DepartmentRatings // counts of the filtered set; nil when refused
	ByLevel     []levelShare       // the same by level, 5 to 1
	Departments []DepartmentOption
	Department  string // the official's own department, named; "" for admins and evaluators
	Levels      []string
	Channels    []string
	Invalid     bool // a filter was refused: nothing is listed
	Pager       Pager
}

// handleRatingList shows /ratings. Refused filter values answer 400 with
// the form as given and a message on each field; page numbers out of range
// are clamped. An official's department is their own, whatever the URL
// says.
func (s *Server) handleRatingList(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	a := CurrentAccount(ctx)
	q := r.URL.Query()
	now := time.Now().In(s.location())
	form := url.Values{}
	for _, k := range []string{"department", "level", "channel", "from", "to", "comment"} {
		form.Set(k, truncate(strings.TrimSpace(q.Get(k)), 32))
	}
	if form.Get("from") == "" {
		form.Set("from", now.Format("2006")+"-01-01")
	}
	if form.Get("to") == "" {
		form.Set("to", now.Format(time.DateOnly))
	}
	d := ratingListData{Levels: ratingListLevels, Channels: RatingChannels}
	f, fe := ratingFilterOf(form)
	f.Zone, f.Limit = s.location(), listPageSize
	if a.Role == RoleOfficial {
		// Only the account's own department: no id from the request.
		if !a.DepartmentID.Valid {
			s.fail(w, r, Errorf(EForbidden, "err.forbidden"))
			return
		}
		f.DepartmentID = a.DepartmentID.Int64
		delete(fe, "department")
		form.Del("department")
		d.Department = a.DepartmentName(Lang(ctx))
	} else {
		var err error
		if d.Departments, err = s.DB.DepartmentOptions(ctx); err != nil {
			s.fail(w, r, err)
			return
		}
		if code := form.Get("department"); code != "" {
			dept, err := s.DB.FindDepartmentByCode(ctx, code)
			switch {
			case ErrorCode(err) == ENotFound:
				fe.Add("department", "err.department_unknown")
			case err != nil:
				s.fail(w, r, err)
				return
			default:
				f.DepartmentID = dept.ID
			}
		}
	}
	status := http.StatusOK
	page := pageParam(r)
	if len(fe) > 0 {
		status, d.Invalid = http.StatusBadRequest, true
	} else {
		f.Offset = (page - 1) * listPageSize
		rows, c, err := s.DB.FindRatings(ctx, f)
		if last := max(1, (c.Total()+listPageSize-1)/listPageSize); err == nil && page > last {
			// A page past the end shows the last.
			page = last
			f.Offset = (page - 1) * listPageSize
			rows, c, err = s.DB.FindRatings(ctx, f)
		}
		if err != nil {
			s.fail(w, r, err)
			return
		}
		for i := range rows {
			if !CanChangeDepartment(a, rows[i].DepartmentID) {
				// Evaluators read, they do not call citizens back.
				rows[i].Phone = MaskPhone(rows[i].Phone)
			}
		}
		d.Ratings, d.Summary = rows, &DepartmentRatings{RatingCounts: c}
		for l := 5; l >= 1; l-- {
			ls := levelShare{Level: l, N: *c.level(l), Share: "—"}
			if c.Total() > 0 {
				ls.Share = fmt.Sprintf("%.1f%%", float64(ls.N)*100/float64(c.Total()))
			}
			d.ByLevel = append(d.ByLevel, ls)
		}
		d.Pager = newPager(r, page, listPageSize, c.Total())
	}
	p := s.page(r, "ratings.list.title")
	p.Form = form
	p.Errors = fe
	if len(fe) > 0 {
		p.FlashKind, p.Flash = "error", "ratings.list.err_filters"
	}
	p.Data = d
	s.render(w, r, status, "ratings_list", p)
}

// ratingFilterOf reads the list's filters from form, with a message per
// refused field; the department is looked up by the handler.
func ratingFilterOf(form url.Values) (RatingFilter, FieldErrors) {
	f := RatingFilter{MinLevel: 1, MaxLevel: 5, From: form.Get("from"), To: form.Get("to")}
	fe := FieldErrors{}
	switch l := form.Get("level"); {
	case l == "":
	case l == "bad":
		f.MaxLevel = 2
	case len(l) == 1 && l[0] >= '1' && l[0] <= '5':
		f.MinLevel, f.MaxLevel = int(l[0]-'0'), int(l[0]-'0')
	default:
		fe.Add("level", "ratings.list.err_level")
	}
	if c := form.Get("channel"); c != "" {
		if !slices.Contains(RatingChannels, c) {
			fe.Add("channel", "ratings.list.err_channel")
		}
		f.Channel = c
	}
	switch form.Get("comment") {
	case "":
	case "1":
		f.CommentOnly = true
	default:
		fe.Add("comment", "ratings.list.err_comment")
	}
	from, ferr := time.Parse(time.DateOnly, f.From)
	to, terr := time.Parse(time.DateOnly, f.To)
	if ferr != nil {
		fe.Add("from", "ratings.list.err_date")
	}
	if terr != nil {
		fe.Add("to", "ratings.list.err_date")
	}
	if ferr == nil && terr == nil && to.Before(from) {
		fe.Add("to", "ratings.list.err_order")
	}
	return f, fe
}
