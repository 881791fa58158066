-- +goose Up
-- export_jobs are bulk exports of an assessment run made in the
-- background: every department's workbook and PDF and the run's workbook
-- in one ZIP (kind 'zip'), in the language lang. A job is queued, then
-- running (at most one at a time: the partial unique index), then done or
-- failed; done of total is its progress, error the catalogue key of why it
-- failed. The ZIP is a file named file in the exports directory beside
-- the database, bytes long; without_pdf says it holds workbooks only
-- because no browser could print. created_by may follow and download it
-- (and admins).
CREATE TABLE export_jobs (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    run_id       BIGINT NOT NULL REFERENCES assessment_runs (id),
    kind         TEXT NOT NULL DEFAULT 'zip' CHECK (kind IN ('zip')),
    lang         TEXT NOT NULL,
    state        TEXT NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'running', 'done', 'failed')),
    done         INTEGER NOT NULL DEFAULT 0,
    total        INTEGER NOT NULL DEFAULT 0,
    error        TEXT NOT NULL DEFAULT '',
    without_pdf  BOOLEAN NOT NULL DEFAULT FALSE,
    file         TEXT NOT NULL DEFAULT '',
    bytes        BIGINT NOT NULL DEFAULT 0,
    created_by   BIGINT NOT NULL REFERENCES accounts (id),
    created_at   TIMESTAMPTZ NOT NULL,
    started_at   TIMESTAMPTZ,
    finished_at  TIMESTAMPTZ
);
CREATE INDEX export_jobs_run ON export_jobs (run_id, id);
CREATE UNIQUE INDEX export_jobs_one_running ON export_jobs (state) WHERE state = 'running';

-- +goose Down
DROP TABLE export_jobs;
