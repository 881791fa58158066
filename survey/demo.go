package survey

import (
	"context"
	"fmt"

	"github.com/jmoiron/sqlx"
)

// demoApplicationID is SQLite's application_id of a demo database: "gkpd".
const demoApplicationID = 0x676b7064

// IsDemo reports whether the database was created by `govkpi demo`.
func (db *DB) IsDemo(ctx context.Context) (bool, error) {
	var id int64
	if err := db.read("demo-marked").GetContext(ctx, &id); err != nil {
		return false, fmt.Errorf("read demo mark: %w", err)
	}
	return id == demoApplicationID, nil
}

// MarkDemo marks the database as a demo database.
func (db *DB) MarkDemo(ctx context.Context) error {
	if db.Dialect != SQLite {
		return Errorf(EInvalid, "err.demo_postgres")
	}
	return db.inTx(ctx, func(tx *sqlx.Tx) error {
		if _, err := db.write(ctx, tx, "demo-mark").ExecContext(ctx); err != nil {
			return fmt.Errorf("mark demo: %w", err)
		}
		return nil
	})
}
