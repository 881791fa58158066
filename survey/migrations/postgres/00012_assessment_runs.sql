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
    id                 BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    campaign_id        BIGINT NOT NULL REFERENCES campaigns (id),
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
    computed_by        BIGINT REFERENCES accounts (id),
    computed_at        TIMESTAMPTZ NOT NULL,
    published_by       BIGINT REFERENCES accounts (id),
    published_at       TIMESTAMPTZ
);
CREATE INDEX assessment_runs_campaign ON assessment_runs (campaign_id, id);
CREATE UNIQUE INDEX assessment_runs_one_draft ON assessment_runs (campaign_id) WHERE state = 'draft';

-- +goose StatementBegin
CREATE FUNCTION assessment_runs_frozen() RETURNS trigger AS $$
BEGIN
    IF OLD.state = 'published' THEN
        RAISE EXCEPTION 'a published assessment run cannot change';
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
-- +goose StatementEnd

CREATE TRIGGER assessment_runs_frozen BEFORE UPDATE OR DELETE ON assessment_runs
FOR EACH ROW EXECUTE FUNCTION assessment_runs_frozen();

-- +goose Down
DROP TRIGGER assessment_runs_frozen ON assessment_runs;
DROP FUNCTION assessment_runs_frozen();
DROP TABLE assessment_runs;
