-- name: assignment-by-id
SELECT a.id, a.campaign_id, a.department_id, a.state, a.due_at, a.updated_at,
       d.code AS department_code, d.name_zh AS department_name_zh, d.name_en AS department_name_en,
       c.code AS campaign_code, c.name_zh AS campaign_name_zh, c.name_en AS campaign_name_en,
       c.period AS campaign_period, c.status AS campaign_status, c.instrument_id
FROM assignments a JOIN campaigns c ON c.id = a.campaign_id JOIN departments d ON d.id = a.department_id
WHERE a.id = ?

-- name: assignment-lock
SELECT a.state, c.status AS campaign_status, c.code AS campaign_code
FROM assignments a JOIN campaigns c ON c.id = a.campaign_id
WHERE a.id = ?

-- name: assignment-lock@postgres
-- Locks the assignment row, so saves and submits of one assignment take
-- turns (SQLite's single writer serialises them already).
SELECT a.state, c.status AS campaign_status, c.code AS campaign_code
FROM assignments a JOIN campaigns c ON c.id = a.campaign_id
WHERE a.id = ?
FOR UPDATE OF a

-- name: assignment-set-state
UPDATE assignments SET state = ?, updated_at = ? WHERE id = ?

-- name: draft-by-assignment
SELECT assignment_id, answers, version, updated_at FROM drafts WHERE assignment_id = ?

-- name: draft-insert
-- A draft created meanwhile by someone else makes this insert nothing: the
-- caller reports a conflict.
INSERT INTO drafts (assignment_id, answers, version, updated_at, updated_by)
VALUES (?, ?, 1, ?, ?)
ON CONFLICT (assignment_id) DO NOTHING

-- name: draft-update
-- Only the version the saver started from may be replaced.
UPDATE drafts SET answers = ?, version = version + 1, updated_at = ?, updated_by = ?
WHERE assignment_id = ? AND version = ?

-- name: response-by-client-id
SELECT id, assignment_id, client_id, receipt, answers, submitted_at FROM responses WHERE client_id = ?

-- name: response-latest
SELECT id, assignment_id, client_id, receipt, answers, submitted_at FROM responses
WHERE assignment_id = ? ORDER BY id DESC LIMIT 1

-- name: response-insert
INSERT INTO responses (assignment_id, client_id, receipt, answers, submitted_at, submitted_by)
VALUES (?, ?, '', ?, ?, ?)
RETURNING id

-- name: response-set-receipt
UPDATE responses SET receipt = ? WHERE id = ?

-- name: review-event-insert
INSERT INTO review_events (assignment_id, from_state, to_state, actor_id, comment, at)
VALUES (?, ?, ?, ?, ?, ?)
