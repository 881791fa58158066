-- +goose Up
-- rectification_rollups_monthly count each department's tickets per civil
-- month (YYYY-MM) beside the daily rectification_rollups, kept in the same
-- transactions, as rating_rollups_monthly do for ratings.
CREATE TABLE rectification_rollups_monthly (
    department_id      INTEGER NOT NULL REFERENCES departments (id),
    month              TEXT NOT NULL,
    due                INTEGER NOT NULL DEFAULT 0,
    closed_on_time     INTEGER NOT NULL DEFAULT 0,
    identified         INTEGER NOT NULL DEFAULT 0,
    identified_called  INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (department_id, month)
);

INSERT INTO rectification_rollups_monthly (department_id, month, due, closed_on_time, identified, identified_called)
SELECT department_id, substr(day, 1, 7), SUM(due), SUM(closed_on_time), SUM(identified), SUM(identified_called)
FROM rectification_rollups
GROUP BY department_id, substr(day, 1, 7);

-- +goose Down
DROP TABLE rectification_rollups_monthly;
