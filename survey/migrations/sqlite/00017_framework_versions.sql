-- +goose Up
-- framework_versions are the frameworks campaigns are scored with, each
-- kept whole as YAML (document) under a code and version that name it for
-- good: the triggers below refuse any change or deletion, so a campaign or
-- run naming "CODE VERSION" always means the same framework. source says
-- where it came from (yaml, csv, weights, ahp, builtin) and parent_id which
-- version it was derived from. The built-in default gets its row on first
-- use (survey/framework_store.go), not here.
CREATE TABLE framework_versions (
    id          INTEGER PRIMARY KEY,
    code        TEXT NOT NULL,
    version     TEXT NOT NULL,
    name_zh     TEXT NOT NULL DEFAULT '',
    name_en     TEXT NOT NULL DEFAULT '',
    source      TEXT NOT NULL CHECK (source IN ('yaml', 'csv', 'weights', 'ahp', 'builtin')),
    parent_id   INTEGER REFERENCES framework_versions (id),
    note        TEXT NOT NULL DEFAULT '',
    document    TEXT NOT NULL,
    created_by  INTEGER REFERENCES accounts (id),
    created_at  TIMESTAMP NOT NULL,
    UNIQUE (code, version)
);
CREATE INDEX framework_versions_version ON framework_versions (version);

-- +goose StatementBegin
CREATE TRIGGER framework_versions_frozen BEFORE UPDATE ON framework_versions
BEGIN
    SELECT RAISE(ABORT, 'a framework version cannot change');
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER framework_versions_kept BEFORE DELETE ON framework_versions
BEGIN
    SELECT RAISE(ABORT, 'a framework version cannot be deleted');
END;
-- +goose StatementEnd

-- +goose Down
DROP TRIGGER framework_versions_kept;
DROP TRIGGER framework_versions_frozen;
DROP TABLE framework_versions;
