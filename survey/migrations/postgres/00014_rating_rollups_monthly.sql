-- +goose Up
-- rating_rollups_monthly count each department's ratings per civil month
-- (YYYY-MM) beside the daily rating_rollups, in the same transactions, so
-- a year of ratings is read as twelve rows a department, not 365. A
-- period's counts are its whole months from here and its partial months'
-- days from the daily rollups.
CREATE TABLE rating_rollups_monthly (
    department_id   BIGINT NOT NULL REFERENCES departments (id),
    month           TEXT NOT NULL,
    n1              INTEGER NOT NULL DEFAULT 0,
    n2              INTEGER NOT NULL DEFAULT 0,
    n3              INTEGER NOT NULL DEFAULT 0,
    n4              INTEGER NOT NULL DEFAULT 0,
    n5              INTEGER NOT NULL DEFAULT 0,
    identified_bad  INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (department_id, month)
);

INSERT INTO rating_rollups_monthly (department_id, month, n1, n2, n3, n4, n5, identified_bad)
SELECT department_id, substr(day, 1, 7), SUM(n1), SUM(n2), SUM(n3), SUM(n4), SUM(n5), SUM(identified_bad)
FROM rating_rollups
GROUP BY department_id, substr(day, 1, 7);

-- +goose Down
DROP TABLE rating_rollups_monthly;
