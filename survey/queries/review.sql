-- name: review-events
SELECT e.id, e.from_state, e.to_state, e.comment, e.at, COALESCE(u.username, '') AS actor
FROM review_events e LEFT JOIN accounts u ON u.id = e.actor_id
WHERE e.assignment_id = ?
ORDER BY e.id

-- name: review-last-return
-- The comment of the latest return or reopening, shown to the official.
SELECT e.comment, e.at, COALESCE(u.username, '') AS actor
FROM review_events e LEFT JOIN accounts u ON u.id = e.actor_id
WHERE e.assignment_id = ? AND e.to_state = 'returned'
ORDER BY e.id DESC LIMIT 1

-- name: response-versions
SELECT r.id, r.assignment_id, r.client_id, r.receipt, r.answers, r.submitted_at, COALESCE(u.username, '') AS submitted_by
FROM responses r LEFT JOIN accounts u ON u.id = r.submitted_by
WHERE r.assignment_id = ?
ORDER BY r.id

-- name: review-lock
SELECT a.state, c.status AS campaign_status, c.code AS campaign_code, d.code AS department_code
FROM assignments a JOIN campaigns c ON c.id = a.campaign_id JOIN departments d ON d.id = a.department_id
WHERE a.id = ?

-- name: review-lock@postgres
SELECT a.state, c.status AS campaign_status, c.code AS campaign_code, d.code AS department_code
FROM assignments a JOIN campaigns c ON c.id = a.campaign_id JOIN departments d ON d.id = a.department_id
WHERE a.id = ?
FOR UPDATE OF a
