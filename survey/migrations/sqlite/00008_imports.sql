-- +goose Up
-- import_batches keep every file an admin imported: what kind, the file's
-- name and SHA-256, who and when, how many rows were stored and skipped.
-- A file whose hash matches a batch still in force is refused, so the same
-- export is never stored twice. A metrics batch can be rolled back: its
-- values stop counting (and the file may be imported again).
CREATE TABLE import_batches (
    id              INTEGER PRIMARY KEY,
    kind            TEXT NOT NULL CHECK (kind IN ('metrics', 'ratings')),
    file_name       TEXT NOT NULL,
    file_hash       TEXT NOT NULL,
    row_count       INTEGER NOT NULL,
    skipped         INTEGER NOT NULL DEFAULT 0,
    imported_by     INTEGER REFERENCES accounts (id),
    imported_at     TIMESTAMP NOT NULL,
    rolled_back_by  INTEGER REFERENCES accounts (id),
    rolled_back_at  TIMESTAMP
);
CREATE UNIQUE INDEX import_batches_in_force ON import_batches (kind, file_hash) WHERE rolled_back_at IS NULL;

-- metric_values are the platform metrics (period, department, framework
-- variable, value, source) each batch brought. Where batches overlap the
-- latest batch in force wins; see survey/metric_import.go.
CREATE TABLE metric_values (
    batch_id       INTEGER NOT NULL REFERENCES import_batches (id),
    period         TEXT NOT NULL,
    department_id  INTEGER NOT NULL REFERENCES departments (id),
    variable       TEXT NOT NULL,
    value          REAL NOT NULL,
    source         TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (batch_id, period, department_id, variable)
);
CREATE INDEX metric_values_period ON metric_values (period, department_id, variable);

-- +goose Down
DROP TABLE metric_values;
DROP TABLE import_batches;
