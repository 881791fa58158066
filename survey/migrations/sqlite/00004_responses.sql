-- +goose Up
-- drafts holds one working copy of the answers per assignment; version
-- counts saves so a stale save is refused instead of overwriting.
CREATE TABLE drafts (
    assignment_id  INTEGER PRIMARY KEY REFERENCES assignments (id),
    answers        TEXT NOT NULL,
    version        INTEGER NOT NULL,
    updated_at     TIMESTAMP NOT NULL,
    updated_by     INTEGER REFERENCES accounts (id)
);

-- responses keeps every submitted version; client_id is generated when the
-- form is shown, so a repeated submit finds its first receipt.
CREATE TABLE responses (
    id             INTEGER PRIMARY KEY,
    assignment_id  INTEGER NOT NULL REFERENCES assignments (id),
    client_id      TEXT NOT NULL UNIQUE,
    receipt        TEXT NOT NULL,
    answers        TEXT NOT NULL,
    submitted_at   TIMESTAMP NOT NULL,
    submitted_by   INTEGER REFERENCES accounts (id)
);
CREATE INDEX responses_assignment ON responses (assignment_id, id);

CREATE TABLE review_events (
    id             INTEGER PRIMARY KEY,
    assignment_id  INTEGER NOT NULL REFERENCES assignments (id),
    from_state     TEXT NOT NULL,
    to_state       TEXT NOT NULL,
    actor_id       INTEGER REFERENCES accounts (id),
    comment        TEXT NOT NULL DEFAULT '',
    at             TIMESTAMP NOT NULL
);
CREATE INDEX review_events_assignment ON review_events (assignment_id, id);

-- +goose Down
DROP TABLE review_events;
DROP TABLE responses;
DROP TABLE drafts;
