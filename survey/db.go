package survey

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"runtime"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" database/sql driver
	"github.com/jmoiron/sqlx"
	_ "github.com/mattn/go-sqlite3" // registers the "sqlite3" driver
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
)

//go:embed migrations
var migrationsFS embed.FS

// Dialects.
const (
	SQLite   = "sqlite"
	Postgres = "postgres"
)

// DB is the application's database: on SQLite exactly one writer connection
// and a read-only pool on the same file; on PostgreSQL one pool serves both.
// Every query the application runs is prepared at Open, so a typo fails boot.
type DB struct {
	Dialect string
	W       *sqlx.DB // the single writer (SQLite) or the pool (PostgreSQL)
	R       *sqlx.DB // the read-only pool (SQLite) or the pool (PostgreSQL)
	Pool    *pgxpool.Pool
	q       *queries
	path    string   // SQLite file path
	batch   *batcher // group commit of SQLite writes; nil on PostgreSQL

	calendar calendarCache  // the working-day calendar in force
	zone     *time.Location // civil days of ratings; China's time when nil
}

// Zone is the time zone whose civil days the ratings are counted by.
func (db *DB) Zone() *time.Location {
	if db.zone != nil {
		return db.zone
	}
	return chinaTime()
}

// SetZone sets the zone of civil days (the server's configured time zone).
func (db *DB) SetZone(loc *time.Location) { db.zone = loc }

// IsPostgres reports whether dsn selects PostgreSQL.
func IsPostgres(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
}

// sqlitePragmas are the settings the writer must run with; CheckPragmas reads
// them back. synchronous=FULL is stated because the driver otherwise leaves
// NORMAL under WAL, which can lose the last commits on power loss.
var sqlitePragmas = []struct{ param, value string }{
	{"_journal_mode", "WAL"},
	{"_synchronous", "FULL"},
	{"_busy_timeout", "5000"},
	{"_foreign_keys", "on"},
	{"_txlock", "immediate"},
}

// sqliteDSN builds the driver DSN for a path or file: URI. Parameters the user
// already gave win (the driver reads the first value), so a wrong one is
// caught by CheckPragmas rather than silently replaced.
func sqliteDSN(dbpath string, readOnly bool) (dsn, file string, err error) {
	q := url.Values{}
	if strings.HasPrefix(dbpath, "file:") {
		u, err := url.Parse(dbpath)
		if err != nil {
			return "", "", fmt.Errorf("parse sqlite path %q: %w", dbpath, err)
		}
		file = u.Opaque
		if file == "" {
			file = u.Path
		}
		if f, err := url.PathUnescape(file); err == nil {
			file = f
		}
		q = u.Query()
	} else {
		// A plain path is a path: '?' and '#' in it are part of the name.
		file = dbpath
	}
	if file == "" {
		return "", "", fmt.Errorf("sqlite path %q names no file", dbpath)
	}
	for _, p := range sqlitePragmas {
		switch {
		case p.param == "_txlock" && readOnly:
		case p.param == "_txlock":
			// Cannot be read back, so it is not left to the caller.
			q.Set(p.param, p.value)
		default:
			q.Add(p.param, p.value)
		}
	}
	if readOnly {
		q.Set("mode", "ro")
	}
	esc := strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23").Replace(file)
	return "file:" + esc + "?" + q.Encode(), file, nil
}

// Open connects to the database named by dsn (a SQLite path or a postgres://
// URL), checks the SQLite settings, applies the embedded migrations and
// prepares every named query.
func Open(ctx context.Context, dsn string) (*DB, error) {
	db, err := open(ctx, dsn)
	if err != nil {
		return nil, err
	}
	if _, err := db.Migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	if db.q, err = prepareQueries(ctx, db); err != nil {
		db.Close()
		return nil, err
	}
	if db.Dialect == SQLite {
		db.batch = startBatcher(db)
	}
	return db, nil
}

// OpenNoMigrate connects and checks settings only; used by `govkpi migrate`.
func OpenNoMigrate(ctx context.Context, dsn string) (*DB, error) { return open(ctx, dsn) }

func open(ctx context.Context, dsn string) (*DB, error) {
	if IsPostgres(dsn) {
		return openPostgres(ctx, dsn)
	}
	return openSQLite(ctx, dsn)
}

// SQLiteFile returns the file a SQLite path or file: URI names.
func SQLiteFile(dbpath string) (string, error) {
	_, file, err := sqliteDSN(dbpath, false)
	return file, err
}

// createPrivate makes an empty file readable by its owner only, if it does
// not exist: the database holds password hashes and session tokens, and
// SQLite gives its -wal and -shm files the same permissions.
func createPrivate(file string) error {
	f, err := os.OpenFile(file, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if errors.Is(err, os.ErrExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("create %s: %w", file, err)
	}
	return f.Close()
}

func openSQLite(ctx context.Context, dbpath string) (*DB, error) {
	wdsn, file, err := sqliteDSN(dbpath, false)
	if err != nil {
		return nil, err
	}
	if err := createPrivate(file); err != nil {
		return nil, err
	}
	w, err := sqlx.Open("sqlite3", wdsn)
	if err != nil {
		return nil, fmt.Errorf("open sqlite %s: %w", file, err)
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	if err := w.PingContext(ctx); err != nil {
		w.Close()
		return nil, fmt.Errorf("open sqlite %s: %w", file, err)
	}
	if err := CheckPragmas(ctx, w.DB); err != nil {
		w.Close()
		return nil, fmt.Errorf("sqlite %s: %w", file, err)
	}
	rdsn, _, _ := sqliteDSN(dbpath, true)
	r, err := sqlx.Open("sqlite3", rdsn)
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("open sqlite reader %s: %w", file, err)
	}
	n := 2 * runtime.NumCPU()
	if n < 4 {
		n = 4
	}
	r.SetMaxOpenConns(n)
	r.SetMaxIdleConns(n)
	if err := r.PingContext(ctx); err != nil {
		w.Close()
		r.Close()
		return nil, fmt.Errorf("open sqlite reader %s: %w", file, err)
	}
	return &DB{Dialect: SQLite, W: w, R: r, path: file}, nil
}

// CheckPragmas reads the SQLite settings back from a connection and returns an
// error naming every one that differs from what durability requires.
func CheckPragmas(ctx context.Context, db *sql.DB) error {
	var journal string
	var syncMode, fk, busy int
	conn, err := db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("check pragmas: %w", err)
	}
	defer conn.Close()
	for _, p := range []struct {
		sql string
		dst any
	}{
		{"PRAGMA journal_mode", &journal},
		{"PRAGMA synchronous", &syncMode},
		{"PRAGMA foreign_keys", &fk},
		{"PRAGMA busy_timeout", &busy},
	} {
		if err := conn.QueryRowContext(ctx, p.sql).Scan(p.dst); err != nil {
			return fmt.Errorf("check pragmas: %s: %w", p.sql, err)
		}
	}
	var bad []string
	if strings.ToLower(journal) != "wal" {
		bad = append(bad, fmt.Sprintf("journal_mode is %q, want wal", journal))
	}
	if syncMode != 2 {
		bad = append(bad, fmt.Sprintf("synchronous is %d, want 2 (FULL)", syncMode))
	}
	if fk != 1 {
		bad = append(bad, "foreign_keys is off, want on")
	}
	if busy < 1000 {
		bad = append(bad, fmt.Sprintf("busy_timeout is %d ms, want at least 1000", busy))
	}
	if len(bad) > 0 {
		return fmt.Errorf("refusing to run: %s", strings.Join(bad, "; "))
	}
	return nil
}

func openPostgres(ctx context.Context, dsn string) (*DB, error) {
	db, err := sqlx.Open("pgx", dsn)
	if err != nil {
		return nil, fmt.Errorf("open postgres: %w", err)
	}
	db.SetMaxOpenConns(16)
	db.SetMaxIdleConns(16)
	db.SetConnMaxIdleTime(5 * time.Minute)
	pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := db.PingContext(pctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("open postgres: %w", err)
	}
	pool, err := pgxpool.New(ctx, dsn)
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("open postgres pool: %w", err)
	}
	return &DB{Dialect: Postgres, W: db, R: db, Pool: pool}, nil
}

// Close releases every connection.
func (db *DB) Close() error {
	if db.batch != nil {
		db.batch.stop()
	}
	if db.q != nil {
		db.q.close()
	}
	var errs []error
	if db.R != nil && db.R != db.W {
		errs = append(errs, db.R.Close())
	}
	if db.W != nil {
		errs = append(errs, db.W.Close())
	}
	if db.Pool != nil {
		db.Pool.Close()
	}
	return errors.Join(errs...)
}

// Migrate applies the embedded migrations of the database's dialect and
// returns how many it applied.
func (db *DB) Migrate(ctx context.Context) (int, error) {
	p, err := db.migrator()
	if err != nil {
		return 0, err
	}
	res, err := p.Up(ctx)
	if err != nil {
		return 0, fmt.Errorf("migrate: %w", err)
	}
	return len(res), nil
}

// MigrationVersion returns the version the database is at.
func (db *DB) MigrationVersion(ctx context.Context) (int64, error) {
	p, err := db.migrator()
	if err != nil {
		return 0, err
	}
	return p.GetDBVersion(ctx)
}

func (db *DB) migrator() (*goose.Provider, error) {
	sub, err := fs.Sub(migrationsFS, "migrations/"+db.Dialect)
	if err != nil {
		return nil, fmt.Errorf("migrations for %s: %w", db.Dialect, err)
	}
	dialect := goose.DialectSQLite3
	var opts []goose.ProviderOption
	if db.Dialect == Postgres {
		dialect = goose.DialectPostgres
		// Several instances starting together must not migrate at once.
		locker, err := lock.NewPostgresSessionLocker()
		if err != nil {
			return nil, fmt.Errorf("migration lock: %w", err)
		}
		opts = append(opts, goose.WithSessionLocker(locker))
	}
	p, err := goose.NewProvider(dialect, db.W.DB, sub, opts...)
	if err != nil {
		return nil, fmt.Errorf("migrations: %w", err)
	}
	return p, nil
}

// Ping checks that the database answers; used by /healthz.
func (db *DB) Ping(ctx context.Context) error {
	var one int
	if err := db.R.QueryRowContext(ctx, "SELECT 1").Scan(&one); err != nil {
		return fmt.Errorf("ping: %w", err)
	}
	if db.R != db.W {
		if err := db.W.PingContext(ctx); err != nil {
			return fmt.Errorf("ping writer: %w", err)
		}
	}
	return nil
}

// Backup writes a consistent copy of a live SQLite database to out with
// VACUUM INTO and checks the copy's integrity. PostgreSQL is refused: use
// pg_dump there.
func (db *DB) Backup(ctx context.Context, out string) error {
	if db.Dialect != SQLite {
		return Errorf(EInvalid, "backup.postgres")
	}
	// VACUUM INTO accepts an empty file, so the copy starts owner-only.
	if err := createPrivate(out); err != nil {
		return err
	}
	// On a read-only connection: VACUUM INTO reads one snapshot, so writers
	// go on while the copy is made.
	if _, err := db.R.ExecContext(ctx, "VACUUM INTO ?", out); err != nil {
		return fmt.Errorf("backup to %s: %w", out, err)
	}
	esc := strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23").Replace(out)
	c, err := sql.Open("sqlite3", "file:"+esc+"?mode=ro")
	if err != nil {
		return fmt.Errorf("backup check: %w", err)
	}
	defer c.Close()
	var res string
	if err := c.QueryRowContext(ctx, "PRAGMA integrity_check").Scan(&res); err != nil {
		return fmt.Errorf("backup check: %w", err)
	}
	if res != "ok" {
		return fmt.Errorf("backup check: integrity_check says %q", res)
	}
	return nil
}

// inTx runs fn in one write transaction; it commits when fn returns nil.
func (db *DB) inTx(ctx context.Context, fn func(tx *sqlx.Tx) error) error {
	tx, err := db.W.BeginTxx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}
