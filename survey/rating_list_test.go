package survey

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// ratingListFixture stores the ratings the list tests read, on the test
// app's departments: in February and March 2026 (Shanghai), 60 good online
// ratings of LJ-ZSJ, one hostile bad one with a phone (it opens a ticket),
// one 基本满意 at a kiosk with a comment; for LJ-GA one bad rating with a
// comment and a phone, and one on the last evening of 2025.
func ratingListFixture(t testing.TB, db *DB) {
	t.Helper()
	ctx := context.Background()
	sh, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	zsj, err := db.FindDepartmentByCode(ctx, "LJ-ZSJ")
	if err != nil {
		t.Fatal(err)
	}
	ga, err := db.FindDepartmentByCode(ctx, "LJ-GA")
	if err != nil {
		t.Fatal(err)
	}
	var batch []RatingInput
	for i := range 60 {
		batch = append(batch, RatingInput{DepartmentID: zsj.ID, Channel: "online", Level: 5, ServiceItem: "社保卡申领",
			At: time.Date(2026, 3, 1, 9, i, 0, 0, sh)})
	}
	batch = append(batch,
		RatingInput{DepartmentID: zsj.ID, Channel: "window", Level: 1, Comment: "<script>alert(1)</script>排队两小时",
			Reasons: []string{"time"}, Phone: "13800005678", Identified: true, At: time.Date(2026, 3, 2, 10, 0, 0, 0, sh)},
		RatingInput{DepartmentID: zsj.ID, Channel: "kiosk", Level: 3, Comment: "还行", At: time.Date(2026, 2, 1, 10, 0, 0, 0, sh)},
		RatingInput{DepartmentID: ga.ID, Channel: "mobile", Level: 2, Comment: "GA-secret-comment", Reasons: []string{"online"},
			Phone: "13912345678", At: time.Date(2026, 3, 3, 10, 0, 0, 0, sh)},
		RatingInput{DepartmentID: ga.ID, Channel: "window", Level: 4, At: time.Date(2025, 12, 31, 23, 30, 0, 0, sh)},
	)
	for _, in := range batch {
		if _, err := db.AddRating(ctx, in, sh); err != nil {
			t.Fatal(err)
		}
	}
}

func TestFindRatings(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		mustDept(t, db, "LJ", "澜江市人民政府", "city", "")
		mustDept(t, db, "LJ-ZSJ", "澜江市政务服务和数据管理局", "city", "LJ")
		ga := mustDept(t, db, "LJ-GA", "澜江市公安局", "city", "LJ")
		db.SetZone(mustZone(t, "Asia/Shanghai"))
		ratingListFixture(t, db)
		year := RatingFilter{From: "2026-01-01", To: "2026-12-31", Zone: db.Zone()}

		// From the rollups (no channel, no comment filter) and from the
		// ratings (a channel each) the counts agree.
		_, all, err := db.FindRatings(ctx, year)
		if err != nil {
			t.Fatal(err)
		}
		if all.Total() != 63 || all.N5 != 60 || all.N1 != 1 || all.N2 != 1 || all.N3 != 1 || all.N4 != 0 {
			t.Fatalf("2026 counts %+v", all)
		}
		var sum RatingCounts
		for _, c := range RatingChannels {
			f := year
			f.Channel = c
			_, n, err := db.FindRatings(ctx, f)
			if err != nil {
				t.Fatal(err)
			}
			sum.N1, sum.N2, sum.N3, sum.N4, sum.N5 = sum.N1+n.N1, sum.N2+n.N2, sum.N3+n.N3, sum.N4+n.N4, sum.N5+n.N5
		}
		if sum != all {
			t.Fatalf("counted by channel %+v, from the rollups %+v", sum, all)
		}

		tests := []struct {
			name  string
			f     func(f *RatingFilter)
			total int
			first string // comment of the newest
		}{
			{"bad", func(f *RatingFilter) { f.MaxLevel = 2 }, 2, "GA-secret-comment"},
			{"one level", func(f *RatingFilter) { f.MinLevel, f.MaxLevel = 3, 3 }, 1, "还行"},
			{"channel", func(f *RatingFilter) { f.Channel = "kiosk" }, 1, "还行"},
			{"comment only", func(f *RatingFilter) { f.CommentOnly = true }, 3, "GA-secret-comment"},
			{"comment only and bad", func(f *RatingFilter) { f.CommentOnly, f.MaxLevel = true, 2 }, 2, "GA-secret-comment"},
			{"department", func(f *RatingFilter) { f.DepartmentID = ga.ID }, 1, "GA-secret-comment"},
			{"department with comment", func(f *RatingFilter) { f.DepartmentID, f.CommentOnly = ga.ID, true }, 1, "GA-secret-comment"},
			{"department and channel", func(f *RatingFilter) { f.DepartmentID, f.Channel = ga.ID, "window" }, 0, ""},
			// 23:30 on 31 December 2025 in Shanghai is 2025 there, whatever
			// UTC says.
			{"last day of 2025", func(f *RatingFilter) { f.From, f.To = "2025-12-31", "2025-12-31" }, 1, ""},
			{"first day of 2026 in UTC", func(f *RatingFilter) { f.From, f.To, f.Zone = "2025-12-31", "2025-12-31", time.UTC }, 1, ""},
			{"period", func(f *RatingFilter) { f.From, f.To = "2026-02-01", "2026-02-28" }, 1, "还行"},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				f := year
				tc.f(&f)
				rows, c, err := db.FindRatings(ctx, f)
				if err != nil {
					t.Fatal(err)
				}
				if c.Total() != tc.total || len(rows) != tc.total {
					t.Fatalf("counts %+v, %d rows, want %d", c, len(rows), tc.total)
				}
				if tc.total > 0 && tc.first != "" && rows[0].Comment != tc.first {
					t.Fatalf("newest is %q, want %q", rows[0].Comment, tc.first)
				}
			})
		}

		// Pages: newest first, 50 then 13; the bad rating has its ticket.
		page, _, err := db.FindRatings(ctx, year)
		if err != nil || len(page) != listPageSize {
			t.Fatalf("first page: %d rows, %v", len(page), err)
		}
		next := year
		next.Offset = listPageSize
		rest, _, err := db.FindRatings(ctx, next)
		if err != nil || len(rest) != 13 {
			t.Fatalf("second page: %d rows, %v", len(rest), err)
		}
		seen := map[int64]bool{}
		for i, r := range append(page, rest...) {
			if seen[r.ID] {
				t.Fatalf("rating %d listed twice", r.ID)
			}
			seen[r.ID] = true
			if i > 0 && r.RatedAt.After(page[0].RatedAt) {
				t.Fatalf("not newest first at %d", i)
			}
			if (r.Level <= 2) != r.TicketID.Valid {
				t.Errorf("rating %d (level %d) ticket %v", r.ID, r.Level, r.TicketID)
			}
		}
		if _, _, err := db.FindRatings(ctx, RatingFilter{From: "2026-02-01", To: "2026-01-01"}); ErrorCode(err) != EInvalid {
			t.Fatalf("period out of order: %v", err)
		}
	})
}

func mustZone(t testing.TB, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

var listRow = regexp.MustCompile(`(?s)ratings-list">.*?<tbody>(.*?)</tbody>`)

// listedRows counts the rows of the page's ratings table.
func listedRows(body string) int {
	m := listRow.FindStringSubmatch(body)
	if m == nil {
		return 0
	}
	return strings.Count(m[1], "<tr>")
}

func TestRatingListPage(t *testing.T) {
	for dialect, dsn := range testDSNs(t) {
		t.Run(dialect, func(t *testing.T) {
			if dialect == SQLite {
				dsn = filepath.Join(t.TempDir(), "list.db")
			}
			app := newTestAppDSN(t, dsn)
			ratingListFixture(t, app.db)
			testRatingListPage(t, app)
		})
	}
}

func testRatingListPage(t *testing.T, app *testApp) {
	ctx := context.Background()
	zsj, _ := app.db.FindDepartmentByCode(ctx, "LJ-ZSJ")
	// One rating now, for the default period (this year to today).
	if _, err := app.db.AddRating(ctx, RatingInput{DepartmentID: zsj.ID, Channel: "online", Level: 4, Comment: "rated-just-now"}, nil); err != nil {
		t.Fatal(err)
	}
	tickets, err := app.db.FindRectifications(ctx, RectificationFilter{DepartmentID: zsj.ID})
	if err != nil || len(tickets) != 1 {
		t.Fatalf("tickets %v %v", tickets, err)
	}
	ticketLink := `href="/tickets/` + itoa(tickets[0].ID) + `"`
	const h1 = "/ratings?from=2026-01-01&to=2026-06-30"

	admin := app.client()
	admin.signIn("admin")
	r := admin.get("/ratings")
	if r.status != http.StatusOK || !strings.Contains(r.body, "rated-just-now") || !strings.Contains(r.body, `value="`+time.Now().UTC().Format(time.DateOnly)+`"`) {
		t.Fatalf("default view: %d", r.status)
	}
	if !strings.Contains(admin.get("/admin/ratings").body, `href="/ratings"`) {
		t.Error("the admin's ratings page does not link to the list")
	}

	t.Run("filters", func(t *testing.T) {
		tests := []struct {
			name, query string
			rows        int
			has, hasNot []string
		}{
			{"period", "", 50, []string{"共 63 条", "95.2%", `rel="next"`}, []string{"rated-just-now"}},
			{"second page", "&page=2", 13, []string{"第 2 页，共 2 页", `rel="prev"`}, nil},
			{"bad", "&level=bad", 2, []string{ticketLink, "GA-secret-comment", "排队两小时", "0.0%"}, []string{"还行"}},
			{"one level", "&level=3", 1, []string{"还行", "基本满意"}, []string{"GA-secret-comment"}},
			{"channel", "&channel=mobile", 1, []string{"GA-secret-comment", "移动端"}, []string{"还行"}},
			{"comment only", "&comment=1", 3, []string{"GA-secret-comment", "还行", "排队两小时"}, nil},
			{"department", "&department=LJ-GA", 1, []string{"GA-secret-comment", `<option value="LJ-GA" selected>`}, []string{"排队两小时"}},
			{"department, last year too", "?department=LJ-GA&from=2025-12-01&to=2026-06-30", 2, nil, nil},
			{"nothing matches", "&department=LJ-GA&channel=kiosk", 0, []string{"没有符合条件的记录"}, nil},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				path := h1 + tc.query
				if strings.HasPrefix(tc.query, "?") {
					path = "/ratings" + tc.query
				}
				r := admin.get(path)
				if r.status != http.StatusOK {
					t.Fatalf("status %d", r.status)
				}
				if n := listedRows(r.body); n != tc.rows {
					t.Errorf("%d rows, want %d", n, tc.rows)
				}
				for _, s := range tc.has {
					if !strings.Contains(r.body, s) {
						t.Errorf("lacks %q", s)
					}
				}
				for _, s := range tc.hasNot {
					if strings.Contains(r.body, s) {
						t.Errorf("has %q", s)
					}
				}
			})
		}
		// The pager keeps the filters.
		if r := admin.get(h1 + "&level=5"); !strings.Contains(r.body, `level=5&amp;page=2`) {
			t.Error("the next-page link drops the filters")
		}
	})

	t.Run("hostile comment is text", func(t *testing.T) {
		r := admin.get(h1 + "&level=1")
		if !strings.Contains(r.body, "&lt;script&gt;alert(1)&lt;/script&gt;排队两小时") || strings.Contains(r.body, "<script>alert(1)") {
			t.Fatal("the comment is not escaped")
		}
	})

	t.Run("phones", func(t *testing.T) {
		if r := admin.get(h1 + "&level=bad"); !strings.Contains(r.body, "13800005678") || !strings.Contains(r.body, "13912345678") {
			t.Error("the admin does not see the phones in full")
		}
		ev := app.client()
		ev.signIn("evaluator")
		r := ev.get(h1 + "&level=bad")
		if r.status != http.StatusOK || !strings.Contains(r.body, "138****5678") || strings.Contains(r.body, "13800005678") || strings.Contains(r.body, "13912345678") {
			t.Errorf("the evaluator's phones are not masked: %d", r.status)
		}
	})

	t.Run("official sees their department only", func(t *testing.T) {
		off := app.client()
		off.signIn("official") // LJ-ZSJ
		for _, q := range []string{"", "&department=LJ-GA", "&department=LJ-GA&level=bad&comment=1", "&department=NOPE"} {
			r := off.get(h1 + q)
			if r.status != http.StatusOK || strings.Contains(r.body, "GA-secret-comment") || strings.Contains(r.body, "13912345678") {
				t.Fatalf("%q: %d, another department's rating shown", q, r.status)
			}
			if strings.Contains(r.body, `<select id="department"`) {
				t.Fatalf("%q: the official is offered a department menu", q)
			}
		}
		r := off.get(h1 + "&department=LJ-GA&level=bad")
		if listedRows(r.body) != 1 || !strings.Contains(r.body, "13800005678") || !strings.Contains(r.body, ticketLink) {
			t.Fatal("the official does not see their own bad rating with its phone and ticket")
		}
		ga := app.client()
		ga.signIn("official2") // LJ-GA
		if r := ga.get(h1); !strings.Contains(r.body, "GA-secret-comment") || !strings.Contains(r.body, "13912345678") || strings.Contains(r.body, "排队两小时") {
			t.Fatal("LJ-GA's official sees the wrong ratings")
		}
	})

	t.Run("bad parameters", func(t *testing.T) {
		tests := []struct {
			name, query, field, shown string
		}{
			{"level", "?level=9", "level", ""},
			{"channel", "?channel=x", "channel", ""},
			{"from", "?from=not-a-date", "from", `value="not-a-date"`},
			{"to", "?to=2026-02-30", "to", `value="2026-02-30"`},
			{"order", "?from=2026-05-01&to=2026-04-01", "to", ""},
			{"comment", "?comment=yes", "comment", ""},
			{"department", "?department=NOPE", "department", ""},
			{"script", "?from=%3Cscript%3E", "from", `value="&lt;script&gt;"`},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				r := admin.get("/ratings" + tc.query)
				if r.status != http.StatusBadRequest || !strings.Contains(r.body, `id="`+tc.field+`-error"`) || !strings.Contains(r.body, "筛选条件有误") {
					t.Fatalf("status %d, or no message on %s", r.status, tc.field)
				}
				if tc.shown != "" && !strings.Contains(r.body, tc.shown) {
					t.Errorf("the form does not show %s", tc.shown)
				}
				if listedRows(r.body) != 0 {
					t.Error("ratings listed under refused filters")
				}
			})
		}
		for _, q := range []string{"&page=-1", "&page=x", "&page=0"} {
			if r := admin.get(h1 + q); r.status != http.StatusOK || listedRows(r.body) != 50 || !strings.Contains(r.body, "第 1 页") {
				t.Errorf("%s: %d", q, r.status)
			}
		}
		if r := admin.get(h1 + "&page=999"); r.status != http.StatusOK || listedRows(r.body) != 13 || !strings.Contains(r.body, "第 2 页，共 2 页") {
			t.Errorf("a page past the end: %d", r.status)
		}
	})

	t.Run("signed out", func(t *testing.T) {
		if r := app.client().get("/ratings"); r.status != http.StatusSeeOther {
			t.Fatalf("anonymous: %d", r.status)
		}
	})
}

// TestRatingListDemoTiming times /ratings on a copy of the demo database
// named by GOVKPI_RATINGS_DEMO_DB (skipped without it), signed in as the
// demo's admin, evaluator and an official: the page must stay fast on about
// 180,000 ratings.
func TestRatingListDemoTiming(t *testing.T) {
	dsn := os.Getenv("GOVKPI_RATINGS_DEMO_DB")
	if dsn == "" {
		t.Skip("GOVKPI_RATINGS_DEMO_DB is not set")
	}
	ctx := context.Background()
	db, err := Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	srv, err := NewServer(db, slog.New(slog.NewTextHandler(io.Discard, nil)), ServerConfig{
		IdleTimeout: 30 * time.Minute, SessionMax: 12 * time.Hour, Version: "test", Location: mustZone(t, "Asia/Shanghai"),
	})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	t.Cleanup(func() { ts.Close(); srv.Close(); db.Close() })
	app := &testApp{t: t, db: db, srv: srv, ts: ts}
	for _, who := range []string{"admin", "evaluator", "ga"} {
		c := app.client()
		c.get("/login")
		if r := c.post("/login", url.Values{"username": {who}, "password": {"govkpi-demo-2026"}}); r.status != http.StatusSeeOther {
			t.Fatalf("sign in as %s: %d", who, r.status)
		}
		for _, q := range []string{"", "?level=bad", "?level=3", "?channel=kiosk", "?channel=window", "?comment=1", "?comment=1&channel=window",
			"?department=LJ-ZSJ", "?department=LJ-ZSJ&comment=1&channel=online", "?level=bad&comment=1", "?from=2025-01-01",
			"?from=2025-01-01&page=2000", "?from=2025-01-01&comment=1&page=500", "?from=2025-01-01&channel=window&level=bad"} {
			c.get("/ratings" + q) // warm
			const n = 5
			var worst time.Duration
			start := time.Now()
			var status int
			for range n {
				one := time.Now()
				status = c.get("/ratings" + q).status
				worst = max(worst, time.Since(one))
			}
			mean := time.Since(start) / n
			t.Logf("%-9s %-48s %3d mean %6.1f ms, worst %6.1f ms", who, q, status, float64(mean.Microseconds())/1000, float64(worst.Microseconds())/1000)
			if status != http.StatusOK {
				t.Errorf("%s %s: %d", who, q, status)
			}
		}
	}
}
