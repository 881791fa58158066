-- name: department-response
-- A department's assignment in a campaign with its latest submitted
-- version, if any, and who submitted it (the display name, else the
-- username; '' when the account is gone).
SELECT a.id AS assignment_id, a.state,
       COALESCE(r.id, 0) AS response_id, COALESCE(r.answers, '') AS answers, r.submitted_at,
       COALESCE(NULLIF(u.display_name, ''), u.username, '') AS respondent
FROM assignments a
LEFT JOIN responses r ON r.id = (SELECT MAX(v.id) FROM responses v WHERE v.assignment_id = a.id)
LEFT JOIN accounts u ON u.id = r.submitted_by
WHERE a.campaign_id = ? AND a.department_id = ?

-- name: department-open-tickets
-- A department's tickets not yet closed (waiting for the department, or
-- answered and waiting for the office's review), the earliest due first.
-- Every row also carries how many there are in all and how many of those
-- waiting for the department are past due: the window counts are taken
-- before the limit.
SELECT x.id, x.state, x.opened_at, x.due_at, r.level,
       COUNT(*) OVER () AS total,
       SUM(CASE WHEN x.state IN ('open', 'returned') AND x.due_at < ? THEN 1 ELSE 0 END) OVER () AS overdue
FROM rectifications x JOIN ratings r ON r.id = x.rating_id
WHERE x.department_id = ? AND x.state <> 'accepted'
ORDER BY x.due_at, x.id
LIMIT ?
