package survey

import (
	"context"
	"database/sql"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// BenchmarkRawSQLiteInsert is the baseline: one durable INSERT per
// transaction through database/sql on the same settings, no store code.
func BenchmarkRawSQLiteInsert(b *testing.B) {
	dsn, _, _ := sqliteDSN(filepath.Join(b.TempDir(), "raw.db"), false)
	db, err := sql.Open("sqlite3", dsn)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	db.Exec("CREATE TABLE t (at TIMESTAMP, action TEXT, detail TEXT)")
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		tx, _ := db.Begin()
		if _, err := tx.Exec("INSERT INTO t VALUES (?, ?, ?)", time.Now(), "bench", "x"); err != nil {
			b.Fatal(err)
		}
		if err := tx.Commit(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkAuditInsert is one store write (prepared statement, own
// transaction, synchronous=FULL), to compare with the raw baseline.
func BenchmarkAuditInsert(b *testing.B) {
	db, err := Open(context.Background(), filepath.Join(b.TempDir(), "a.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := db.Audit(ctx, AuditEntry{Action: "bench", Detail: "x"}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSignInHash is the cost of one argon2id check, the floor of a
// sign-in.
func BenchmarkSignInHash(b *testing.B) {
	h, _ := HashPassword("benchmark password")
	for i := 0; i < b.N; i++ {
		CheckPassword(h, "benchmark password")
	}
}

// benchApp is a server on a database with n departments and a signed-in
// admin's cookie.
func benchApp(b *testing.B, n int) (*Server, *http.Cookie) {
	b.Helper()
	ctx := context.Background()
	db, err := Open(ctx, filepath.Join(b.TempDir(), "b.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	var csv strings.Builder
	csv.WriteString("code,name_zh,name_en,level,parent_code,category\nROOT,澜江市人民政府,Lanjiang,city,,综合\n")
	for i := 0; i < n-1; i++ {
		fmt.Fprintf(&csv, "D%05d,澜江市第%d局,Bureau %d,district,ROOT,政数局\n", i, i, i)
	}
	if _, err := db.ImportDepartments(ctx, strings.NewReader(csv.String())); err != nil {
		b.Fatal(err)
	}
	if _, err := db.CreateAccount(ctx, AccountInput{Username: "admin", Role: RoleAdmin, Password: testPassword}); err != nil {
		b.Fatal(err)
	}
	srv, err := NewServer(db, discardLogger(), ServerConfig{IdleTimeout: time.Hour, SessionMax: 2 * time.Hour})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(srv.Close)
	ck, _ := benchSignIn(b, srv, "admin")
	return srv, ck
}

func benchGet(b *testing.B, srv *Server, ck *http.Cookie, path string) {
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			req := httptest.NewRequest("GET", path, nil)
			if ck != nil {
				req.AddCookie(ck)
			}
			rec := httptest.NewRecorder()
			srv.ServeHTTP(rec, req)
			if rec.Code != 200 {
				b.Errorf("%s: %d", path, rec.Code)
				return
			}
		}
	})
}

// BenchmarkLoginPage renders the sign-in page for anonymous visitors (the
// page creates a session for its CSRF token).
func BenchmarkLoginPage(b *testing.B) {
	srv, _ := benchApp(b, 10)
	benchGet(b, srv, nil, "/login")
}

// BenchmarkDepartmentsPage is a signed-in admin reading page 50 of a
// 5,000-department list filtered by text: session load and save, account
// lookup, a count and a page query, and rendering 50 rows.
func BenchmarkDepartmentsPage(b *testing.B) {
	srv, ck := benchApp(b, 5000)
	b.Run("search", func(b *testing.B) { benchGet(b, srv, ck, "/admin/departments?q=bureau&page=50") })
	b.Run("first-page", func(b *testing.B) { benchGet(b, srv, ck, "/admin/departments") })
}

// BenchmarkStaticAsset serves the stylesheet (no session work).
func BenchmarkStaticAsset(b *testing.B) {
	srv, _ := benchApp(b, 10)
	benchGet(b, srv, nil, srv.Assets.URL("css/app.css"))
}
