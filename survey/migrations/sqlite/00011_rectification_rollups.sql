-- +goose Up
-- rectification_rollups count each department's tickets per civil day, as
-- rating_rollups count ratings, so the SA4 and SA5 variables of thousands
-- of departments are sums over days rather than a scan of every ticket:
-- due and closed_on_time by the day a ticket is due, identified and
-- identified_called by the day it was opened. They are kept in the
-- transaction of each change (survey/rectification.go). Existing tickets
-- are counted here by China's civil days (UTC+8, the default zone).
CREATE TABLE rectification_rollups (
    department_id      INTEGER NOT NULL REFERENCES departments (id),
    day                TEXT NOT NULL,
    due                INTEGER NOT NULL DEFAULT 0,
    closed_on_time     INTEGER NOT NULL DEFAULT 0,
    identified         INTEGER NOT NULL DEFAULT 0,
    identified_called  INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (department_id, day)
);
INSERT INTO rectification_rollups (department_id, day, due, closed_on_time, identified, identified_called)
SELECT department_id, day, SUM(due), SUM(closed_on_time), SUM(identified), SUM(identified_called)
FROM (
    SELECT department_id, date(due_at, '+8 hours') AS day, 1 AS due,
           CASE WHEN state = 'accepted' AND responded_at <= due_at THEN 1 ELSE 0 END AS closed_on_time,
           0 AS identified, 0 AS identified_called
    FROM rectifications
    UNION ALL
    SELECT department_id, date(opened_at, '+8 hours'), 0, 0, 1,
           CASE WHEN callback_at IS NOT NULL THEN 1 ELSE 0 END
    FROM rectifications WHERE identified
) t
GROUP BY department_id, day;

-- +goose Down
DROP TABLE rectification_rollups;
