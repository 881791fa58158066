package survey

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"govkpi/scoring"
)

// FrameworkVersion is a framework version kept in the database: the
// framework as canonical YAML, where it came from and which version it
// was derived from.
type FrameworkVersion struct {
	ID          int64         `db:"id"`
	Code        string        `db:"code"`
	Version     string        `db:"version"`
	NameZh      string        `db:"name_zh"`
	NameEn      string        `db:"name_en"`
	Source      string        `db:"source"` // yaml, csv, weights (budget points), ahp (a closed round), builtin
	ParentID    sql.NullInt64 `db:"parent_id"`
	Note        string        `db:"note"`
	Document    string        `db:"document"` // the framework as YAML, read with scoring.ReadFrameworkYAML
	CreatedBy   sql.NullInt64 `db:"created_by"`
	CreatedAt   time.Time     `db:"created_at"`
	CreatorName string        `db:"creator_name"`
}

var errFrameworkStore = errors.New("framework store: not built yet")

// SaveFrameworkVersion keeps fw as a new version (its Code and Version,
// which must be new: EConflict otherwise), from source, derived from
// parentID (0 for none), audited. The document kept is fw written back as
// YAML, so reading it gives the same framework.
func (db *DB) SaveFrameworkVersion(ctx context.Context, fw *scoring.Framework, source string, parentID int64, note string) (*FrameworkVersion, error) {
	return nil, errFrameworkStore
}

// FindFrameworkVersion returns version id. Errors: ENotFound.
func (db *DB) FindFrameworkVersion(ctx context.Context, id int64) (*FrameworkVersion, error) {
	return nil, errFrameworkStore
}

// FrameworkVersions lists every version, newest first.
func (db *DB) FrameworkVersions(ctx context.Context) ([]FrameworkVersion, error) {
	return nil, errFrameworkStore
}

// Framework reads the version's document.
func (v *FrameworkVersion) Framework() (*scoring.Framework, error) {
	return nil, errFrameworkStore
}
