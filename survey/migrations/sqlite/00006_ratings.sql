-- +goose Up
-- rating_links are the public rating pages: one per department, or per
-- department and service item; slug is random, so links cannot be guessed
-- from a department code. case_key signs the per-case links the service
-- system prints (see survey/rating.go): it is handed to that system, never
-- shown to citizens.
CREATE TABLE rating_links (
    id             INTEGER PRIMARY KEY,
    slug           TEXT NOT NULL UNIQUE,
    department_id  INTEGER NOT NULL REFERENCES departments (id),
    service_item   TEXT NOT NULL DEFAULT '',
    case_key       TEXT NOT NULL,
    active         BOOLEAN NOT NULL DEFAULT TRUE,
    created_at     TIMESTAMP NOT NULL
);
CREATE INDEX rating_links_department ON rating_links (department_id);

-- ratings are citizens' ratings (好差评): level 5 非常满意 … 1 非常不满意.
-- case_id binds a rating to a case of the service system: one rating per
-- case, by the unique constraint (NULL when the rating has no case).
CREATE TABLE ratings (
    id             INTEGER PRIMARY KEY,
    department_id  INTEGER NOT NULL REFERENCES departments (id),
    link_id        INTEGER REFERENCES rating_links (id),
    service_item   TEXT NOT NULL DEFAULT '',
    channel        TEXT NOT NULL CHECK (channel IN ('window', 'online', 'mobile', 'kiosk')),
    level          INTEGER NOT NULL CHECK (level BETWEEN 1 AND 5),
    comment        TEXT NOT NULL DEFAULT '',
    reasons        TEXT NOT NULL DEFAULT '',
    phone          TEXT NOT NULL DEFAULT '',
    case_id        TEXT UNIQUE,
    identified     BOOLEAN NOT NULL DEFAULT FALSE,
    source         TEXT NOT NULL DEFAULT 'web',
    rated_at       TIMESTAMP NOT NULL
);
CREATE INDEX ratings_department_time ON ratings (department_id, rated_at);

-- rating_rollups count each department's ratings per civil day and level,
-- updated in the rating's own transaction, so dashboards and scoring never
-- scan raw ratings.
CREATE TABLE rating_rollups (
    department_id   INTEGER NOT NULL REFERENCES departments (id),
    day             TEXT NOT NULL,
    n1              INTEGER NOT NULL DEFAULT 0,
    n2              INTEGER NOT NULL DEFAULT 0,
    n3              INTEGER NOT NULL DEFAULT 0,
    n4              INTEGER NOT NULL DEFAULT 0,
    n5              INTEGER NOT NULL DEFAULT 0,
    identified_bad  INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (department_id, day)
);

-- +goose Down
DROP TABLE rating_rollups;
DROP TABLE ratings;
DROP TABLE rating_links;
