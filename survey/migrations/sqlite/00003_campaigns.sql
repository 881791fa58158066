-- +goose Up
CREATE TABLE campaigns (
    id                 INTEGER PRIMARY KEY,
    code               TEXT NOT NULL UNIQUE,
    name_zh            TEXT NOT NULL,
    name_en            TEXT NOT NULL DEFAULT '',
    period             TEXT NOT NULL,
    instrument_id      INTEGER NOT NULL REFERENCES instruments (id),
    framework_version  TEXT NOT NULL DEFAULT '',
    opens_at           TIMESTAMP NOT NULL,
    closes_at          TIMESTAMP NOT NULL,
    status             TEXT NOT NULL CHECK (status IN ('draft', 'open', 'closed', 'published')),
    created_at         TIMESTAMP NOT NULL,
    updated_at         TIMESTAMP NOT NULL
);

CREATE TABLE assignments (
    id             INTEGER PRIMARY KEY,
    campaign_id    INTEGER NOT NULL REFERENCES campaigns (id),
    department_id  INTEGER NOT NULL REFERENCES departments (id),
    state          TEXT NOT NULL CHECK (state IN ('not_started', 'draft', 'submitted', 'returned', 'resubmitted', 'approved')),
    due_at         TIMESTAMP NOT NULL,
    updated_at     TIMESTAMP NOT NULL,
    UNIQUE (campaign_id, department_id)
);
CREATE INDEX assignments_department ON assignments (department_id);
CREATE INDEX assignments_campaign_state ON assignments (campaign_id, state);

-- +goose Down
DROP TABLE assignments;
DROP TABLE campaigns;
