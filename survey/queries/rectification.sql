-- name: calendar-days
SELECT day, kind FROM calendar_days ORDER BY day

-- name: calendar-clear
DELETE FROM calendar_days

-- name: calendar-day-insert
INSERT INTO calendar_days (day, kind) VALUES (?, ?)

-- name: rectification-insert
INSERT INTO rectifications (rating_id, department_id, state, opened_at, due_at)
VALUES (?, ?, 'open', ?, ?)

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
  COALESCE(SUM(CASE WHEN x.opened_at >= ? AND x.opened_at < ? AND r.identified THEN 1 ELSE 0 END), 0) AS identified,
  COALESCE(SUM(CASE WHEN x.opened_at >= ? AND x.opened_at < ? AND r.identified AND x.callback_at IS NOT NULL THEN 1 ELSE 0 END), 0) AS identified_called,
  COALESCE(SUM(CASE WHEN x.state IN ('open', 'returned') AND x.due_at < ? THEN 1 ELSE 0 END), 0) AS open_overdue,
  COALESCE(SUM(CASE WHEN x.state IN ('open', 'returned') THEN 1 ELSE 0 END), 0) AS open_total,
  COALESCE(SUM(CASE WHEN x.state = 'responded' THEN 1 ELSE 0 END), 0) AS responded_total,
  COALESCE(SUM(CASE WHEN x.state = 'accepted' THEN 1 ELSE 0 END), 0) AS accepted_total,
  COALESCE(SUM(CASE WHEN x.state = 'returned' THEN 1 ELSE 0 END), 0) AS returned_total
FROM rectifications x JOIN ratings r ON r.id = x.rating_id
WHERE x.department_id = ?

-- name: rectification-counts-by-department
-- rectification-counts for every department with tickets, by code.
SELECT d.code AS department_code,
  COALESCE(SUM(CASE WHEN x.due_at >= ? AND x.due_at < ? THEN 1 ELSE 0 END), 0) AS due,
  COALESCE(SUM(CASE WHEN x.due_at >= ? AND x.due_at < ? AND x.state = 'accepted' AND x.responded_at <= x.due_at THEN 1 ELSE 0 END), 0) AS closed_on_time,
  COALESCE(SUM(CASE WHEN x.opened_at >= ? AND x.opened_at < ? AND r.identified THEN 1 ELSE 0 END), 0) AS identified,
  COALESCE(SUM(CASE WHEN x.opened_at >= ? AND x.opened_at < ? AND r.identified AND x.callback_at IS NOT NULL THEN 1 ELSE 0 END), 0) AS identified_called
FROM rectifications x JOIN ratings r ON r.id = x.rating_id JOIN departments d ON d.id = x.department_id
GROUP BY d.code
