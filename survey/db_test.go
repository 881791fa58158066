package survey

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/jmoiron/sqlx"
)

// testDSNs returns the databases every store test runs on: a fresh SQLite
// file always, and a fresh schema in GOVKPI_TEST_POSTGRES when it is set.
func testDSNs(t *testing.T) map[string]string {
	t.Helper()
	out := map[string]string{SQLite: filepath.Join(t.TempDir(), "test.db")}
	base := os.Getenv("GOVKPI_TEST_POSTGRES")
	if base == "" {
		return out
	}
	b := make([]byte, 6)
	rand.Read(b)
	schema := "t_" + hex.EncodeToString(b)
	admin, err := sqlx.Open("pgx", base)
	if err != nil {
		t.Fatalf("postgres: %v", err)
	}
	if _, err := admin.Exec("CREATE SCHEMA " + schema); err != nil {
		t.Fatalf("postgres: create schema: %v", err)
	}
	t.Cleanup(func() {
		admin.Exec("DROP SCHEMA " + schema + " CASCADE")
		admin.Close()
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("GOVKPI_TEST_POSTGRES: %v", err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	out[Postgres] = u.String()
	return out
}

// forEachDB runs fn as a subtest on every test database, opened and migrated.
func forEachDB(t *testing.T, fn func(t *testing.T, db *DB)) {
	t.Helper()
	for dialect, dsn := range testDSNs(t) {
		t.Run(dialect, func(t *testing.T) {
			db, err := Open(context.Background(), dsn)
			if err != nil {
				t.Fatalf("open %s: %v", dialect, err)
			}
			t.Cleanup(func() { db.Close() })
			fn(t, db)
		})
	}
}

func TestOpenSQLiteSettings(t *testing.T) {
	db, err := Open(context.Background(), filepath.Join(t.TempDir(), "x.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var journal string
	var sync int
	db.W.QueryRow("PRAGMA journal_mode").Scan(&journal)
	db.W.QueryRow("PRAGMA synchronous").Scan(&sync)
	if journal != "wal" || sync != 2 {
		t.Fatalf("writer: journal_mode %q synchronous %d, want wal and 2", journal, sync)
	}
	if n := db.W.Stats().MaxOpenConnections; n != 1 {
		t.Fatalf("writer pool allows %d connections, want exactly 1", n)
	}
	// The read pool must refuse writes.
	if _, err := db.R.Exec("INSERT INTO audit_log (at, action) VALUES ('2026-01-01', 'x')"); err == nil {
		t.Fatal("read-only pool accepted a write")
	}
}

func TestPragmaCheckRefusesNormal(t *testing.T) {
	path := filepath.Join(t.TempDir(), "normal.db")
	_, err := Open(context.Background(), "file:"+path+"?_synchronous=NORMAL")
	if err == nil {
		t.Fatal("a database opened with synchronous=NORMAL was accepted")
	}
	if !strings.Contains(err.Error(), "synchronous is 1, want 2") {
		t.Fatalf("error does not name the setting: %v", err)
	}
	_, err = Open(context.Background(), "file:"+path+"?_journal_mode=DELETE")
	if err == nil || !strings.Contains(err.Error(), "journal_mode") {
		t.Fatalf("journal_mode=DELETE not refused: %v", err)
	}
}

func TestMigrationsRunTwice(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		v1, err := db.MigrationVersion(ctx)
		if err != nil || v1 < 1 {
			t.Fatalf("version after Open: %d, %v", v1, err)
		}
		before := schemaSnapshot(t, db)
		n, err := db.Migrate(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if n != 0 {
			t.Fatalf("second migration run applied %d migrations, want 0", n)
		}
		v2, _ := db.MigrationVersion(ctx)
		if v2 != v1 || schemaSnapshot(t, db) != before {
			t.Fatalf("second run changed the database: version %d → %d", v1, v2)
		}
	})
}

// schemaSnapshot lists tables and columns so a test can see any change.
func schemaSnapshot(t *testing.T, db *DB) string {
	t.Helper()
	var rows []string
	var err error
	if db.Dialect == SQLite {
		err = db.R.Select(&rows, `SELECT m.name || '.' || p.name || ':' || p.type FROM sqlite_master m, pragma_table_info(m.name) p
			WHERE m.type = 'table' ORDER BY 1`)
	} else {
		err = db.R.Select(&rows, `SELECT table_name || '.' || column_name || ':' || data_type FROM information_schema.columns
			WHERE table_schema = current_schema() ORDER BY 1`)
	}
	if err != nil {
		t.Fatal(err)
	}
	return strings.Join(rows, "\n")
}

// TestQueriesNamed checks that every query name the code uses exists, and
// every named query is used, so a typo cannot wait for production.
func TestQueriesNamed(t *testing.T) {
	all, err := parseQueries(queriesFS)
	if err != nil {
		t.Fatal(err)
	}
	names := queryText(all, SQLite)
	files, _ := filepath.Glob("*.go")
	used := map[string]bool{}
	re := regexp.MustCompile(`(?:read\(|write\(ctx, tx, )"([a-z0-9-]+)"`)
	for _, f := range files {
		b, _ := os.ReadFile(f)
		for _, m := range re.FindAllStringSubmatch(string(b), -1) {
			used[m[1]] = true
			if _, ok := names[m[1]]; !ok {
				t.Errorf("%s uses query %q, which no .sql file defines", f, m[1])
			}
		}
	}
	for _, q := range []string{"account-set-password", "account-set-disabled", "account-set-lang", "account-touch-login"} {
		used[q] = true // reached through updateAccount
	}
	for n := range names {
		if !used[n] {
			t.Errorf("query %q is defined but never used", n)
		}
	}
}

func TestParseQueriesErrors(t *testing.T) {
	cases := map[string]string{
		"duplicate": "-- name: a\nSELECT 1\n-- name: a\nSELECT 2\n",
		"empty":     "-- name: a\n\n-- name: b\nSELECT 1\n",
	}
	for name, text := range cases {
		t.Run(name, func(t *testing.T) {
			fsys := testFS{"queries/x.sql": text}
			if _, err := parseQueries(fsys); err == nil {
				t.Fatal("accepted a broken query file")
			}
		})
	}
}

func TestSQLitePathsAndTxLock(t *testing.T) {
	dir := t.TempDir()
	odd := filepath.Join(dir, "kpi#1?.db")
	db, err := Open(context.Background(), odd)
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	if _, err := os.Stat(odd); err != nil {
		t.Fatalf("a path with # and ? named another file: %v", err)
	}
	dsn, _, _ := sqliteDSN("file:"+filepath.Join(dir, "x.db")+"?_txlock=deferred", false)
	if strings.Contains(dsn, "deferred") || !strings.Contains(dsn, "_txlock=immediate") {
		t.Fatalf("the caller weakened _txlock: %s", dsn)
	}
}

func TestAuditPagingLargeIDs(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		if err := db.Audit(ctx, AuditEntry{Action: AuditSignIn, ActorName: "a"}); err != nil {
			t.Fatal(err)
		}
		got, err := db.FindAudit(ctx, AuditFilter{BeforeID: 1 << 40})
		if err != nil || len(got) != 1 {
			t.Fatalf("before a 64-bit id: %d entries, %v", len(got), err)
		}
		if got, _ := db.FindAudit(ctx, AuditFilter{Action: "auth.", BeforeID: got[0].ID}); len(got) != 0 {
			t.Fatal("paging returned the same entry again")
		}
	})
}
