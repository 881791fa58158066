-- +goose Up
CREATE TABLE instruments (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    code          TEXT NOT NULL,
    version       TEXT NOT NULL,
    title_zh      TEXT NOT NULL DEFAULT '',
    title_en      TEXT NOT NULL DEFAULT '',
    format        TEXT NOT NULL CHECK (format IN ('yaml', 'xlsform')),
    source_name   TEXT NOT NULL DEFAULT '',
    definition    TEXT NOT NULL,
    questions     INTEGER NOT NULL,
    status        TEXT NOT NULL CHECK (status IN ('draft', 'published')),
    created_at    TIMESTAMPTZ NOT NULL,
    updated_at    TIMESTAMPTZ NOT NULL,
    published_at  TIMESTAMPTZ,
    UNIQUE (code, version)
);

-- +goose Down
DROP TABLE instruments;
