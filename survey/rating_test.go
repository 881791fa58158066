package survey

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestRatingStore(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		mustDept(t, db, "LJ", "澜江市人民政府", "city", "")
		mustDept(t, db, "LJ-GA", "澜江市公安局", "city", "LJ")
		link, err := db.CreateRatingLink(ctx, "LJ-GA", "户籍迁移")
		if err != nil {
			t.Fatal(err)
		}
		if len(link.Slug) < 12 || link.DepartmentCode != "LJ-GA" || link.ServiceItem != "户籍迁移" || link.CaseKey == "" {
			t.Fatalf("link %+v", link)
		}
		if _, err := db.CreateRatingLink(ctx, "NOPE", ""); formErrors(err)["department"] != "err.department_unknown" {
			t.Fatalf("unknown department: %v", err)
		}
		shanghai, _ := time.LoadLocation("Asia/Shanghai")
		// 17:30 UTC on 31 January is 1 February in Shanghai: the day counted
		// is the local one.
		late := time.Date(2026, 1, 31, 17, 30, 0, 0, time.UTC)
		base := RatingInput{DepartmentID: link.DepartmentID, LinkID: link.ID, Channel: "window", At: late}
		for _, level := range []int{5, 5, 4, 3, 2, 1} {
			in := base
			in.Level, in.Reasons, in.Phone = level, []string{"time"}, "13800138000"
			if _, err := db.AddRating(ctx, in, shanghai); err != nil {
				t.Fatal(err)
			}
		}
		c, err := db.RatingCountsBetween(ctx, link.DepartmentID, "2026-02-01", "2026-02-01")
		if err != nil || c.N5 != 2 || c.N4 != 1 || c.N3 != 1 || c.N2 != 1 || c.N1 != 1 || c.Total() != 6 {
			t.Fatalf("rollup of 1 February: %+v %v", c, err)
		}
		if c, _ := db.RatingCountsBetween(ctx, link.DepartmentID, "2026-01-01", "2026-01-31"); c.Total() != 0 {
			t.Fatalf("counted on the UTC day: %+v", c)
		}
		if n := countRows(t, db, "SELECT COUNT(*) FROM ratings WHERE level >= 3 AND (reasons <> '' OR phone <> '')"); n != 0 {
			t.Fatalf("%d good ratings kept reasons or a phone", n)
		}
		if n := countRows(t, db, "SELECT COUNT(*) FROM ratings WHERE level <= 2 AND reasons = 'time' AND phone = '13800138000'"); n != 2 {
			t.Fatalf("bad ratings lost their reasons: %d", n)
		}

		// One rating per case.
		withCase := base
		withCase.Level, withCase.CaseID, withCase.Identified = 1, "GA-2026-000123", true
		if _, err := db.AddRating(ctx, withCase, shanghai); err != nil {
			t.Fatal(err)
		}
		if _, err := db.AddRating(ctx, withCase, shanghai); ErrorCode(err) != EConflict {
			t.Fatalf("a case rated twice: %v", err)
		}
		c, _ = db.RatingCountsBetween(ctx, link.DepartmentID, "2026-02-01", "2026-02-01")
		if c.N1 != 2 || c.IdentifiedBad != 1 {
			t.Fatalf("the refused repeat was counted: %+v", c)
		}

		for _, tc := range []struct {
			name  string
			edit  func(*RatingInput)
			field string
		}{
			{"level 0", func(in *RatingInput) { in.Level = 0 }, "level"},
			{"level 6", func(in *RatingInput) { in.Level = 6 }, "level"},
			{"channel", func(in *RatingInput) { in.Channel = "fax" }, "channel"},
			{"long comment", func(in *RatingInput) { in.Comment = strings.Repeat("长", maxRatingComment+1) }, "comment"},
			{"NUL in comment", func(in *RatingInput) { in.Comment = "a\x00b" }, "comment"},
			{"invalid UTF-8", func(in *RatingInput) { in.Comment = "\xff" }, "comment"},
			{"reason", func(in *RatingInput) { in.Level, in.Reasons = 1, []string{"bribe"} }, "reasons"},
			{"phone", func(in *RatingInput) { in.Level, in.Phone = 1, "call me" }, "phone"},
			{"case", func(in *RatingInput) { in.CaseID = "<script>" }, "case"},
		} {
			in := base
			in.Level = 4
			tc.edit(&in)
			if _, err := db.AddRating(ctx, in, shanghai); formErrors(err)[tc.field] == "" {
				t.Errorf("%s: %v, want a message for %s", tc.name, err, tc.field)
			}
		}
		hostile := base
		hostile.Level, hostile.Comment = 2, "=HYPERLINK(\"x\")\n<script>alert(1)</script> 排队太久"
		if _, err := db.AddRating(ctx, hostile, shanghai); err != nil {
			t.Fatal(err)
		}
		var stored string
		if err := db.W.Get(&stored, db.W.Rebind("SELECT comment FROM ratings WHERE level = 2 AND comment <> '' ORDER BY id DESC LIMIT 1")); err != nil || stored != hostile.Comment {
			t.Fatalf("hostile comment stored as %q (%v)", stored, err)
		}
	})
}

var rateCSRF = csrfField

func TestRatingPage(t *testing.T) {
	for dialect, dsn := range testDSNs(t) {
		t.Run(dialect, func(t *testing.T) {
			app := newTestAppDSN(t, dsn)
			ctx := context.Background()
			link, err := app.db.CreateRatingLink(ctx, "LJ-GA", "")
			if err != nil {
				t.Fatal(err)
			}
			path := "/r/" + link.Slug
			c := app.client()
			r := c.get(path)
			if r.status != http.StatusOK || !strings.Contains(r.body, "澜江市公安局") || !strings.Contains(r.body, `name="level" value="5"`) {
				t.Fatalf("rating page: %d", r.status)
			}
			if n := countRows(t, app.db, "SELECT COUNT(*) FROM sessions"); n != 0 {
				t.Fatalf("the public page created %d sessions", n)
			}
			count := func() int { return countRows(t, app.db, "SELECT COUNT(*) FROM ratings") }

			r = c.post(path, url.Values{"level": {"5"}, "channel": {"window"}, "comment": {"很快"}})
			if r.status != http.StatusSeeOther || r.header.Get("Location") != path+"/thanks" || count() != 1 {
				t.Fatalf("good rating: %d %s, %d stored", r.status, r.header.Get("Location"), count())
			}
			if th := c.get(path + "/thanks"); th.status != http.StatusOK || !strings.Contains(th.body, "感谢您的评价") {
				t.Fatalf("thanks: %d", th.status)
			}
			r = c.post(path, url.Values{"level": {"1"}, "channel": {"online"}, "reasons": {"online", "visits"}, "phone": {"13900001111"}})
			if r.status != http.StatusSeeOther || !strings.HasSuffix(r.header.Get("Location"), "?bad=1") || count() != 2 {
				t.Fatalf("bad rating: %d %s", r.status, r.header.Get("Location"))
			}

			// A refused rating shows the form again with what was chosen.
			r = c.post(path, url.Values{"level": {"9"}, "channel": {"kiosk"}, "comment": {"<b>排队</b>"}})
			if r.status != http.StatusBadRequest || !strings.Contains(r.body, `id="level-error"`) ||
				!strings.Contains(r.body, `value="kiosk" required checked`) || !strings.Contains(r.body, "&lt;b&gt;排队&lt;/b&gt;") || count() != 2 {
				t.Fatalf("invalid level: %d", r.status)
			}

			// The honeypot is thanked and stores nothing.
			r = c.post(path, url.Values{"level": {"5"}, "channel": {"window"}, "website": {"http://spam.example"}})
			if r.status != http.StatusSeeOther || count() != 2 {
				t.Fatalf("honeypot: %d, %d stored", r.status, count())
			}

			// A case-bound link works once; a made-up signature not at all.
			sig := link.CaseSignature("GA-2026-42")
			if g := c.get(path + "?case=GA-2026-42&sig=" + sig); g.status != http.StatusOK || !strings.Contains(g.body, `name="case" value="GA-2026-42"`) {
				t.Fatalf("case link: %d", g.status)
			}
			if g := c.get(path + "?case=GA-2026-42&sig=" + strings.Repeat("0", 32)); g.status != http.StatusForbidden {
				t.Fatalf("forged case link: %d", g.status)
			}
			form := url.Values{"level": {"2"}, "channel": {"window"}, "case": {"GA-2026-42"}, "sig": {sig}}
			if r := c.post(path, form); r.status != http.StatusSeeOther || count() != 3 {
				t.Fatalf("case rating: %d", r.status)
			}
			if r := c.post(path, form); r.status != http.StatusConflict || !strings.Contains(r.body, "只能评价一次") || count() != 3 {
				t.Fatalf("replayed case token: %d", r.status)
			}
			form.Set("case", "GA-2026-43")
			if r := c.post(path, form); r.status != http.StatusForbidden || count() != 3 {
				t.Fatalf("token moved to another case: %d", r.status)
			}

			if r := c.get("/r/nosuchlink"); r.status != http.StatusNotFound {
				t.Fatalf("unknown link: %d", r.status)
			}
			refused := app.srv.ratingGuard.Refused()
			if refused["honeypot"] != 1 || refused["case_used"] != 1 || refused["bad_case_token"] != 2 || refused["invalid"] != 1 {
				t.Fatalf("refusals %v", refused)
			}
		})
	}
}

// TestRatingLimits: one address may rate a few times a minute; the next
// gets 429 with its answers kept, and nothing is stored.
func TestRatingLimits(t *testing.T) {
	db, err := Open(context.Background(), filepath.Join(t.TempDir(), "limits.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	mustDept(t, db, "LJ", "澜江市人民政府", "city", "")
	link, err := db.CreateRatingLink(context.Background(), "LJ", "")
	if err != nil {
		t.Fatal(err)
	}
	srv, err := NewServer(db, discardLogger(), ServerConfig{IdleTimeout: time.Hour, SessionMax: time.Hour, RatingsPerAddress: 3})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	statuses := []int{}
	for i := 0; i < 5; i++ {
		statuses = append(statuses, postRating(t, srv, link.Slug, "192.0.2.7:4000", "4").Code)
	}
	if !slices.Equal(statuses, []int{303, 303, 303, 429, 429}) {
		t.Fatalf("statuses %v", statuses)
	}
	// Another address, even in the same /64 for IPv6 only, is not limited.
	if code := postRating(t, srv, link.Slug, "192.0.2.8:4000", "4").Code; code != 303 {
		t.Fatalf("another address: %d", code)
	}
	for i := 0; i < 3; i++ {
		postRating(t, srv, link.Slug, fmt.Sprintf("[2001:db8::%x]:4000", i+1), "4")
	}
	if rec := postRating(t, srv, link.Slug, "[2001:db8::99]:4000", "4"); rec.Code != 429 || !strings.Contains(rec.Body.String(), "提交过于频繁") {
		t.Fatalf("same /64: %d", rec.Code)
	}
	var n int
	db.W.Get(&n, "SELECT COUNT(*) FROM ratings")
	if n != 7 {
		t.Fatalf("%d ratings stored, want 7", n)
	}
}

// postRating posts one rating as a visitor from remote, fetching the form
// first for its CSRF nonce and token.
func postRating(t testing.TB, srv *Server, slug, remote, level string) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	req := httptest.NewRequest("GET", "/r/"+slug, nil)
	req.RemoteAddr = remote
	srv.ServeHTTP(rec, req)
	m := rateCSRF.FindStringSubmatch(rec.Body.String())
	if m == nil {
		t.Fatalf("no CSRF token on the rating page: %d", rec.Code)
	}
	cookies := rec.Result().Cookies()
	form := url.Values{"csrf": {m[1]}, "level": {level}, "channel": {"window"}}
	req = httptest.NewRequest("POST", "/r/"+slug, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.RemoteAddr = remote
	for _, c := range cookies {
		req.AddCookie(c)
	}
	rec = httptest.NewRecorder()
	srv.ServeHTTP(rec, req)
	return rec
}

// BenchmarkRatingPost: 64 visitors at once rate through the whole handler
// stack (CSRF, limits switched off, validation, the group commit with the
// rollup); reports ratings/s and p99, and checks every 303 was stored.
//
//	go test ./survey -run XXX -bench 'RatingPost|RawSQLiteInsert$' -benchtime 2s
func BenchmarkRatingPost(b *testing.B) {
	const clients = 64
	db, err := Open(context.Background(), filepath.Join(b.TempDir(), "ratings.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	mustDept(b, db, "LJ", "澜江市人民政府", "city", "")
	link, err := db.CreateRatingLink(context.Background(), "LJ", "")
	if err != nil {
		b.Fatal(err)
	}
	srv, err := NewServer(db, discardLogger(), ServerConfig{IdleTimeout: time.Hour, SessionMax: time.Hour})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(srv.Close)
	// Each visitor keeps its form's token and nonce cookie.
	type visitor struct {
		token   string
		cookies []*http.Cookie
	}
	visitors := make([]visitor, clients)
	for i := range visitors {
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, httptest.NewRequest("GET", "/r/"+link.Slug, nil))
		visitors[i] = visitor{token: rateCSRF.FindStringSubmatch(rec.Body.String())[1], cookies: rec.Result().Cookies()}
	}
	per := max(1, b.N/clients)
	var mu sync.Mutex
	var lat []time.Duration
	b.ResetTimer()
	start := time.Now()
	var wg sync.WaitGroup
	for w := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			v := visitors[w]
			mine := make([]time.Duration, 0, per)
			for i := range per {
				form := url.Values{"csrf": {v.token}, "level": {fmt.Sprint(1 + (w+i)%5)}, "channel": {"window"}, "comment": {"办事顺利"}}
				req := httptest.NewRequest("POST", "/r/"+link.Slug, strings.NewReader(form.Encode()))
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				for _, c := range v.cookies {
					req.AddCookie(c)
				}
				rec := httptest.NewRecorder()
				t0 := time.Now()
				srv.ServeHTTP(rec, req)
				mine = append(mine, time.Since(t0))
				if rec.Code != http.StatusSeeOther {
					b.Errorf("rating: %d", rec.Code)
					return
				}
			}
			mu.Lock()
			lat = append(lat, mine...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	var n, rolled int
	db.W.Get(&n, "SELECT COUNT(*) FROM ratings")
	db.W.Get(&rolled, "SELECT COALESCE(SUM(n1 + n2 + n3 + n4 + n5), 0) FROM rating_rollups")
	if n != len(lat) || rolled != n {
		b.Fatalf("%d replies, %d ratings stored, %d counted in rollups", len(lat), n, rolled)
	}
	slices.Sort(lat)
	b.ReportMetric(float64(len(lat))/elapsed.Seconds(), "ratings/s")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
}

func TestRatingAdminPages(t *testing.T) {
	app := newTestApp(t)
	admin := app.client()
	admin.signIn("admin")
	r := admin.post("/admin/ratings/links", url.Values{"department": {"NOPE"}, "service_item": {"<b>x</b>"}})
	if r.status != http.StatusBadRequest || !strings.Contains(r.body, `id="department-error"`) || !strings.Contains(r.body, `value="&lt;b&gt;x&lt;/b&gt;"`) {
		t.Fatalf("unknown department: %d", r.status)
	}
	r = admin.post("/admin/ratings/links", url.Values{"department": {"LJ-GA"}, "service_item": {"户籍迁移"}})
	if r.status != http.StatusSeeOther {
		t.Fatalf("create link: %d", r.status)
	}
	links, _ := app.db.RatingLinks(context.Background())
	if len(links) != 1 || links[0].ServiceItem != "户籍迁移" {
		t.Fatalf("links %+v", links)
	}
	if entries, _ := app.db.FindAudit(context.Background(), AuditFilter{Action: AuditRatingLinkCreated, Limit: 5}); len(entries) != 1 || entries[0].ActorName != "admin" {
		t.Fatalf("link creation not audited with its actor: %+v", entries)
	}
	visitor := app.client()
	visitor.post("/r/"+links[0].Slug, url.Values{"level": {"4"}, "channel": {"mobile"}})
	visitor.post("/r/"+links[0].Slug, url.Values{"level": {"1"}, "channel": {"mobile"}, "website": {"bot"}})
	r = admin.get("/admin/ratings")
	if r.status != http.StatusOK || !strings.Contains(r.body, "/r/"+links[0].Slug) || !strings.Contains(r.body, "100.0%") ||
		!strings.Contains(r.body, "疑似机器提交") {
		t.Fatalf("ratings page: %d", r.status)
	}
	r = admin.get("/admin/ratings/links/" + itoa(links[0].ID) + "/poster")
	if r.status != http.StatusOK || !strings.Contains(r.body, "澜江市公安局") || !strings.Contains(r.body, "户籍迁移") ||
		!strings.Contains(r.body, app.ts.URL[len("http://"):]+"/r/"+links[0].Slug) {
		t.Fatalf("poster: %d", r.status)
	}
	for _, f := range []struct{ ext, ctype, start string }{{"png", "image/png", "\x89PNG"}, {"svg", "image/svg+xml", "<"}} {
		r := admin.get("/admin/ratings/links/" + itoa(links[0].ID) + "/qr." + f.ext)
		if r.status != http.StatusOK || r.header.Get("Content-Type") != f.ctype || !strings.HasPrefix(strings.TrimSpace(r.body), f.start) {
			t.Fatalf("qr.%s: %d %s", f.ext, r.status, r.header.Get("Content-Type"))
		}
	}
	if r := admin.get("/admin/ratings/links/999999/poster"); r.status != http.StatusNotFound {
		t.Fatalf("unknown link's poster: %d", r.status)
	}
}

func TestStoreRatings(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		mustDept(t, db, "LJ", "澜江市人民政府", "city", "")
		dept := mustDept(t, db, "LJ-RS", "澜江市人力资源和社会保障局", "city", "LJ")
		day := time.Date(2026, 3, 2, 2, 0, 0, 0, time.UTC)
		var batch []RatingInput
		for i := range 1000 {
			batch = append(batch, RatingInput{DepartmentID: dept.ID, Channel: RatingChannels[i%4], Level: 1 + i%5,
				At: day.Add(time.Duration(i) * time.Hour), CaseID: fmt.Sprintf("RS-%05d", i), Identified: i%2 == 0})
		}
		bad := slices.Clone(batch)
		bad[10].Level, bad[20].CaseID = 7, bad[3].CaseID
		err := func() error { _, err := db.StoreRatings(ctx, bad, time.UTC, true); return err }()
		var ie *ImportError
		if !errors.As(err, &ie) || len(ie.Rows) != 2 || ie.Rows[0].Row != 11 || ie.Rows[0].Column != "level" ||
			ie.Rows[1].Row != 21 || ie.Rows[1].Column != "case" {
			t.Fatalf("refused batch: %v %+v", err, ie)
		}
		if n := countRows(t, db, "SELECT COUNT(*) FROM ratings"); n != 0 {
			t.Fatalf("a refused batch stored %d ratings", n)
		}
		n, err := db.StoreRatings(ctx, batch, time.UTC, true)
		if err != nil || n != 1000 {
			t.Fatalf("stored %d: %v", n, err)
		}
		c, _ := db.RatingCountsBetween(ctx, dept.ID, "2026-01-01", "2026-12-31")
		if c.Total() != 1000 || c.N1 != 200 || c.N5 != 200 || c.IdentifiedBad != 200 {
			t.Fatalf("rollups %+v", c)
		}
		// The same cases again: refused as a whole, by row.
		_, err = db.StoreRatings(ctx, batch[:5], time.UTC, true)
		if !errors.As(err, &ie) || ie.Rows[0].Row != 1 || ie.Rows[0].Key != "err.rating_case_used" {
			t.Fatalf("re-import: %v", err)
		}
		if c2, _ := db.RatingCountsBetween(ctx, dept.ID, "2026-01-01", "2026-12-31"); c2 != c {
			t.Fatalf("a refused re-import changed the rollups: %+v", c2)
		}
	})
}
