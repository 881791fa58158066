-- +goose Up
-- assessment_runs are a campaign's scoring runs. A draft is recomputed in
-- place whenever asked; publishing freezes it for good (the triggers below
-- refuse any change or deletion of a published run), and a later
-- recomputation makes a new draft beside it. Each run keeps everything it
-- was computed from: the framework's code and version, the options, the
-- scoring table itself (inputs, JSON), what fed it (coverage, JSON), the
-- SHA-256 of framework, options and inputs, and the engine's whole output
-- (result, JSON).
CREATE TABLE assessment_runs (
    id                 INTEGER PRIMARY KEY,
    campaign_id        INTEGER NOT NULL REFERENCES campaigns (id),
    state              TEXT NOT NULL CHECK (state IN ('draft', 'published')),
    framework_code     TEXT NOT NULL,
    framework_version  TEXT NOT NULL,
    options            TEXT NOT NULL,
    inputs_hash        TEXT NOT NULL,
    units              INTEGER NOT NULL,
    scored             INTEGER NOT NULL,
    coverage           TEXT NOT NULL,
    inputs             TEXT NOT NULL,
    result             TEXT NOT NULL,
    computed_by        INTEGER REFERENCES accounts (id),
    computed_at        TIMESTAMP NOT NULL,
    published_by       INTEGER REFERENCES accounts (id),
    published_at       TIMESTAMP
);
CREATE INDEX assessment_runs_campaign ON assessment_runs (campaign_id, id);
CREATE UNIQUE INDEX assessment_runs_one_draft ON assessment_runs (campaign_id) WHERE state = 'draft';

-- +goose StatementBegin
CREATE TRIGGER assessment_runs_frozen BEFORE UPDATE ON assessment_runs
WHEN OLD.state = 'published'
BEGIN
    SELECT RAISE(ABORT, 'a published assessment run cannot change');
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER assessment_runs_kept BEFORE DELETE ON assessment_runs
WHEN OLD.state = 'published'
BEGIN
    SELECT RAISE(ABORT, 'a published assessment run cannot be deleted');
END;
-- +goose StatementEnd

-- +goose Down
DROP TRIGGER assessment_runs_kept;
DROP TRIGGER assessment_runs_frozen;
DROP TABLE assessment_runs;
