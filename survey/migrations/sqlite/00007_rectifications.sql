-- +goose Up
-- calendar_days are the admin's entries in the working-day calendar: public
-- holidays and make-up working days (调休上班). With none, the arrangement
-- built into the program (survey/workdays.go) applies.
CREATE TABLE calendar_days (
    day   TEXT PRIMARY KEY,
    kind  TEXT NOT NULL CHECK (kind IN ('holiday', 'workday'))
);

-- rectifications (差评整改) are opened by every bad rating, in the rating's
-- transaction, and due a number of working days later. The department's
-- official records the call-back and the outcome (responded); the admin
-- accepts it or sends it back (returned, to be answered again).
CREATE TABLE rectifications (
    id               INTEGER PRIMARY KEY,
    rating_id        INTEGER NOT NULL UNIQUE REFERENCES ratings (id),
    department_id    INTEGER NOT NULL REFERENCES departments (id),
    state            TEXT NOT NULL CHECK (state IN ('open', 'responded', 'accepted', 'returned')),
    opened_at        TIMESTAMP NOT NULL,
    due_at           TIMESTAMP NOT NULL,
    callback_at      TIMESTAMP,
    callback_result  TEXT NOT NULL DEFAULT '',
    outcome          TEXT NOT NULL DEFAULT '' CHECK (outcome IN ('', 'immediate', 'deadline', 'explained', 'appeal')),
    action           TEXT NOT NULL DEFAULT '',
    responded_at     TIMESTAMP,
    closed_at        TIMESTAMP,
    review_comment   TEXT NOT NULL DEFAULT ''
);
CREATE INDEX rectifications_department_state ON rectifications (department_id, state, due_at);

-- +goose Down
DROP TABLE rectifications;
DROP TABLE calendar_days;
