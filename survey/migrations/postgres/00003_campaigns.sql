-- +goose Up
CREATE TABLE campaigns (
    id                 BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    code               TEXT NOT NULL UNIQUE,
    name_zh            TEXT NOT NULL,
    name_en            TEXT NOT NULL DEFAULT '',
    period             TEXT NOT NULL,
    instrument_id      BIGINT NOT NULL REFERENCES instruments (id),
    framework_version  TEXT NOT NULL DEFAULT '',
    opens_at           TIMESTAMPTZ NOT NULL,
    closes_at          TIMESTAMPTZ NOT NULL,
    status             TEXT NOT NULL CHECK (status IN ('draft', 'open', 'closed', 'published')),
    created_at         TIMESTAMPTZ NOT NULL,
    updated_at         TIMESTAMPTZ NOT NULL
);

CREATE TABLE assignments (
    id             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    campaign_id    BIGINT NOT NULL REFERENCES campaigns (id),
    department_id  BIGINT NOT NULL REFERENCES departments (id),
    state          TEXT NOT NULL CHECK (state IN ('not_started', 'draft', 'submitted', 'returned', 'resubmitted', 'approved')),
    due_at         TIMESTAMPTZ NOT NULL,
    updated_at     TIMESTAMPTZ NOT NULL,
    UNIQUE (campaign_id, department_id)
);
CREATE INDEX assignments_department ON assignments (department_id);
CREATE INDEX assignments_campaign_state ON assignments (campaign_id, state);

-- +goose Down
DROP TABLE assignments;
DROP TABLE campaigns;
