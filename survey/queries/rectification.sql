-- name: calendar-days
SELECT day, kind FROM calendar_days ORDER BY day

-- name: calendar-clear
DELETE FROM calendar_days

-- name: calendar-day-insert
INSERT INTO calendar_days (day, kind) VALUES (?, ?)

-- name: rectification-insert
INSERT INTO rectifications (rating_id, department_id, identified, state, opened_at, due_at)
VALUES (?, ?, ?, 'open', ?, ?)

-- name: rectifications-find
-- Tickets of one department (0: all), of one state ('': any), or only the
-- open ones past their due time; the earliest due first.
SELECT x.id, x.rating_id, x.department_id, x.state, x.opened_at, x.due_at, x.callback_at, x.callback_result,
       x.outcome, x.action, x.responded_at, x.closed_at, x.review_comment,
       r.level, r.channel, r.comment, r.reasons, r.phone, r.identified, r.service_item,
       d.code AS department_code, d.name_zh AS department_name_zh, d.name_en AS department_name_en
FROM rectifications x JOIN ratings r ON r.id = x.rating_id JOIN departments d ON d.id = x.department_id
WHERE (? = 0 OR x.department_id = ?) AND (? = '' OR x.state = ?)
  AND (NOT ? OR (x.state IN ('open', 'returned') AND x.due_at < ?))
ORDER BY x.due_at, x.id
LIMIT ?

-- name: rectification-by-id
SELECT x.id, x.rating_id, x.department_id, x.state, x.opened_at, x.due_at, x.callback_at, x.callback_result,
       x.outcome, x.action, x.responded_at, x.closed_at, x.review_comment,
       r.level, r.channel, r.comment, r.reasons, r.phone, r.identified, r.service_item,
       d.code AS department_code, d.name_zh AS department_name_zh, d.name_en AS department_name_en
FROM rectifications x JOIN ratings r ON r.id = x.rating_id JOIN departments d ON d.id = x.department_id
WHERE x.id = ?

-- name: rectification-respond
-- Only a ticket waiting for the department takes an answer.
UPDATE rectifications
SET callback_at = ?, callback_result = ?, outcome = ?, action = ?, responded_at = ?, state = 'responded'
WHERE id = ? AND state IN ('open', 'returned')

-- name: rectification-review
-- Only an answered ticket is accepted or sent back.
UPDATE rectifications SET state = ?, review_comment = ?, closed_at = ?
WHERE id = ? AND state = 'responded'

-- name: rectification-state
SELECT state FROM rectifications WHERE id = ?

-- name: rectification-counts
-- SA4: tickets due in [from, to) and of those the ones answered by their due
-- time and accepted. SA5: tickets opened in [from, to) for identified raters,
-- and of those the ones with a call-back. Then the open ones now.
SELECT
  COALESCE(SUM(CASE WHEN x.due_at >= ? AND x.due_at < ? THEN 1 ELSE 0 END), 0) AS due,
  COALESCE(SUM(CASE WHEN x.due_at >= ? AND x.due_at < ? AND x.state = 'accepted' AND x.responded_at <= x.due_at THEN 1 ELSE 0 END), 0) AS closed_on_time,
  COALESCE(SUM(CASE WHEN x.opened_at >= ? AND x.opened_at < ? AND x.identified THEN 1 ELSE 0 END), 0) AS identified,
  COALESCE(SUM(CASE WHEN x.opened_at >= ? AND x.opened_at < ? AND x.identified AND x.callback_at IS NOT NULL THEN 1 ELSE 0 END), 0) AS identified_called,
  COALESCE(SUM(CASE WHEN x.state IN ('open', 'returned') AND x.due_at < ? THEN 1 ELSE 0 END), 0) AS open_overdue,
  COALESCE(SUM(CASE WHEN x.state IN ('open', 'returned') THEN 1 ELSE 0 END), 0) AS open_total,
  COALESCE(SUM(CASE WHEN x.state = 'responded' THEN 1 ELSE 0 END), 0) AS responded_total,
  COALESCE(SUM(CASE WHEN x.state = 'accepted' THEN 1 ELSE 0 END), 0) AS accepted_total,
  COALESCE(SUM(CASE WHEN x.state = 'returned' THEN 1 ELSE 0 END), 0) AS returned_total
FROM rectifications x
WHERE x.department_id = ?

-- name: rectification-rollup-add
-- A change of one department's day of tickets, in the change's own
-- transaction (counts may be negative: a call-back withdrawn).
INSERT INTO rectification_rollups (department_id, day, due, closed_on_time, identified, identified_called)
VALUES (?, ?, ?, ?, ?, ?)
ON CONFLICT (department_id, day) DO UPDATE SET
    due = rectification_rollups.due + excluded.due,
    closed_on_time = rectification_rollups.closed_on_time + excluded.closed_on_time,
    identified = rectification_rollups.identified + excluded.identified,
    identified_called = rectification_rollups.identified_called + excluded.identified_called

-- name: rectification-rollup-month-add
-- The same change counted into the department's month (YYYY-MM).
INSERT INTO rectification_rollups_monthly (department_id, month, due, closed_on_time, identified, identified_called)
VALUES (?, ?, ?, ?, ?, ?)
ON CONFLICT (department_id, month) DO UPDATE SET
    due = rectification_rollups_monthly.due + excluded.due,
    closed_on_time = rectification_rollups_monthly.closed_on_time + excluded.closed_on_time,
    identified = rectification_rollups_monthly.identified + excluded.identified,
    identified_called = rectification_rollups_monthly.identified_called + excluded.identified_called

-- name: rectification-for-rollup
-- What a ticket's change counts by.
SELECT department_id, identified, opened_at, due_at, responded_at,
       CASE WHEN callback_at IS NULL THEN FALSE ELSE TRUE END AS called
FROM rectifications WHERE id = ?

-- name: rectification-rollup-by-department
-- SA4 and SA5 counts of every department with tickets over a period, from
-- the rollups: due and closed on time by due day, identified and called
-- back by opening day. Whole months come from the monthly rollups, the
-- days of partial months from the daily ones. Arguments as for
-- rating-rollup-by-department: first and last whole month, then the days
-- before (from, to) and after (from, to).
SELECT d.code AS department_code, c.due, c.closed_on_time, c.identified, c.identified_called
FROM (
  SELECT department_id, SUM(due) AS due, SUM(closed_on_time) AS closed_on_time,
         SUM(identified) AS identified, SUM(identified_called) AS identified_called
  FROM (
    SELECT department_id, due, closed_on_time, identified, identified_called
    FROM rectification_rollups_monthly
    WHERE month >= ? AND month <= ?
    UNION ALL
    SELECT department_id, due, closed_on_time, identified, identified_called
    FROM rectification_rollups
    WHERE (day >= ? AND day <= ?) OR (day >= ? AND day <= ?)
  ) u
  GROUP BY department_id
) c JOIN departments d ON d.id = c.department_id
