-- +goose Up
CREATE TABLE departments (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    code        TEXT NOT NULL UNIQUE,
    name_zh     TEXT NOT NULL,
    name_en     TEXT NOT NULL DEFAULT '',
    level       TEXT NOT NULL CHECK (level IN ('province', 'city', 'district', 'street')),
    parent_id   BIGINT REFERENCES departments (id),
    category    TEXT NOT NULL DEFAULT '',
    active      BOOLEAN NOT NULL DEFAULT TRUE,
    created_at  TIMESTAMPTZ NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX departments_parent_idx ON departments (parent_id);
CREATE INDEX departments_category_idx ON departments (category);

CREATE TABLE accounts (
    id             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    username       TEXT NOT NULL UNIQUE,
    display_name   TEXT NOT NULL DEFAULT '',
    role           TEXT NOT NULL CHECK (role IN ('admin', 'evaluator', 'official')),
    department_id  BIGINT REFERENCES departments (id),
    password_hash  TEXT NOT NULL,
    lang           TEXT NOT NULL DEFAULT '',
    disabled       BOOLEAN NOT NULL DEFAULT FALSE,
    session_epoch  BIGINT NOT NULL DEFAULT 1,
    created_at     TIMESTAMPTZ NOT NULL,
    updated_at     TIMESTAMPTZ NOT NULL,
    last_login_at  TIMESTAMPTZ,
    CHECK (role <> 'official' OR department_id IS NOT NULL)
);
CREATE INDEX accounts_department_idx ON accounts (department_id);

-- The table alexedwards/scs pgxstore reads and writes.
CREATE TABLE sessions (
    token   TEXT PRIMARY KEY,
    data    BYTEA NOT NULL,
    expiry  TIMESTAMPTZ NOT NULL
);
CREATE INDEX sessions_expiry_idx ON sessions (expiry);

CREATE TABLE audit_log (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at           TIMESTAMPTZ NOT NULL,
    actor_id     BIGINT,
    actor_name   TEXT NOT NULL DEFAULT '',
    action       TEXT NOT NULL,
    object_type  TEXT NOT NULL DEFAULT '',
    object_id    TEXT NOT NULL DEFAULT '',
    detail       TEXT NOT NULL DEFAULT '',
    client_ip    TEXT NOT NULL DEFAULT '',
    request_id   TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_log_at_idx ON audit_log (at);
CREATE INDEX audit_log_action_idx ON audit_log (action, at);

-- +goose Down
DROP TABLE audit_log;
DROP TABLE sessions;
DROP TABLE accounts;
DROP TABLE departments;
