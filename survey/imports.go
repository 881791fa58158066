package survey

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/jmoiron/sqlx"

	"govkpi/survey/tabfile"
)

// Import batches: every metrics or ratings file an admin imports is kept as
// a batch (kind, file name, SHA-256, who, when, rows stored and skipped).
// A file whose hash matches a batch in force is refused, so one export is
// never stored twice; a metrics batch can be rolled back.

// Import kinds.
const (
	ImportMetrics = "metrics"
	ImportRatings = "ratings"
)

// ImportBatch is one imported file.
type ImportBatch struct {
	ID           int64          `db:"id"`
	Kind         string         `db:"kind"`
	FileName     string         `db:"file_name"`
	FileHash     string         `db:"file_hash"`
	Rows         int            `db:"row_count"`
	Skipped      int            `db:"skipped"`
	ImportedBy   sql.NullInt64  `db:"imported_by"`
	ImporterName string         `db:"importer_name"`
	ImportedAt   time.Time      `db:"imported_at"`
	RolledBackBy sql.NullInt64  `db:"rolled_back_by"`
	RollerName   string         `db:"roller_name"`
	RolledBackAt sql.NullTime   `db:"rolled_back_at"`
	Detail       map[string]int `db:"-"` // what the batch holds, e.g. rows per period
}

// InForce reports whether the batch counts (was not rolled back).
func (b *ImportBatch) InForce() bool { return !b.RolledBackAt.Valid }

// ShortHash is the first twelve hex digits of the file's hash.
func (b *ImportBatch) ShortHash() string {
	if len(b.FileHash) > 12 {
		return b.FileHash[:12]
	}
	return b.FileHash
}

// readUpload reads an uploaded table and the SHA-256 of its bytes. A
// refusal of the file itself becomes an *ImportError.
func readUpload(r io.Reader, name string, lim tabfile.Limits) (*tabfile.Table, string, error) {
	h := sha256.New()
	t, err := tabfile.Read(io.TeeReader(r, h), name, lim)
	var te *tabfile.Error
	if errors.As(err, &te) {
		return nil, "", &ImportError{Rows: []RowError{{Row: te.Row, Key: te.Key, Args: te.Args}}}
	}
	if err != nil {
		return nil, "", err
	}
	return t, hex.EncodeToString(h.Sum(nil)), nil
}

// headerErrors turns header problems into row-1 errors.
func headerErrors(probs []tabfile.HeaderProblem) []RowError {
	var out []RowError
	for _, p := range probs {
		out = append(out, RowError{Row: 1, Column: p.Column, Key: p.Key})
	}
	return out
}

// sameFile refuses a file already imported in a batch still in force; tx
// is the import's transaction, or nil to read outside one.
func (db *DB) sameFile(ctx context.Context, tx *sqlx.Tx, kind, hash string) error {
	var b ImportBatch
	stmt := db.read("import-batch-by-hash")
	if tx != nil {
		stmt = db.write(ctx, tx, "import-batch-by-hash")
	}
	err := stmt.GetContext(ctx, &b, kind, hash)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("find batch by hash: %w", err)
	}
	return &ImportError{Rows: []RowError{{Key: "imports.same_file", Args: []any{b.ID, b.ImportedAt.In(db.Zone()).Format("2006-01-02 15:04")}}}}
}

// insertBatch records a batch inside the import's transaction.
func (db *DB) insertBatch(ctx context.Context, tx *sqlx.Tx, kind, name, hash string, rows, skipped int) (int64, error) {
	actor, _ := ctx.Value(actorKey{}).(AuditEntry)
	var id int64
	err := db.write(ctx, tx, "import-batch-insert").GetContext(ctx, &id, kind, name, hash, rows, skipped, actor.ActorID, time.Now().UTC())
	if isUniqueViolation(err) {
		// The same file, imported meanwhile by someone else.
		return 0, db.sameFile(ctx, tx, kind, hash)
	}
	if err != nil {
		return 0, fmt.Errorf("insert import batch: %w", err)
	}
	return id, nil
}

// ImportBatches lists the batches of kind ("" for all), newest first.
func (db *DB) ImportBatches(ctx context.Context, kind string, limit int) ([]ImportBatch, error) {
	var out []ImportBatch
	if err := db.read("import-batches").SelectContext(ctx, &out, kind, kind, limit); err != nil {
		return nil, fmt.Errorf("list import batches: %w", err)
	}
	return out, nil
}

// FindImportBatch returns one batch. Errors: ENotFound.
func (db *DB) FindImportBatch(ctx context.Context, id int64) (*ImportBatch, error) {
	var b ImportBatch
	err := db.read("import-batch-by-id").GetContext(ctx, &b, id)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, Errorf(ENotFound, "imports.not_found")
	}
	if err != nil {
		return nil, fmt.Errorf("find import batch %d: %w", id, err)
	}
	return &b, nil
}

// RollbackImport takes a metrics batch out of force: its values stop
// counting, and where an earlier batch gave the same value that one counts
// again. Ratings batches cannot be rolled back (their ratings may already
// have tickets and feed published scores). Errors: ENotFound; EConflict
// when the batch is a ratings batch or was rolled back before.
func (db *DB) RollbackImport(ctx context.Context, id int64) error {
	b, err := db.FindImportBatch(ctx, id)
	if err != nil {
		return err
	}
	if b.Kind != ImportMetrics {
		return Errorf(EConflict, "imports.rollback_ratings")
	}
	actor, _ := ctx.Value(actorKey{}).(AuditEntry)
	return db.inTx(ctx, func(tx *sqlx.Tx) error {
		res, err := db.write(ctx, tx, "import-batch-rollback").ExecContext(ctx, actor.ActorID, time.Now().UTC(), id)
		if err != nil {
			return fmt.Errorf("roll back batch %d: %w", id, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return Errorf(EConflict, "imports.rolled_back_before")
		}
		return db.auditChange(ctx, tx, AuditImportRolledBack, "import_batch", itoa(id), fmt.Sprintf("%s %s", b.Kind, b.FileName))
	})
}
