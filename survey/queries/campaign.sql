-- name: campaigns-find
SELECT c.id, c.code, c.name_zh, c.name_en, c.period, c.instrument_id, c.framework_version,
       c.opens_at, c.closes_at, c.status, c.score_unapproved, c.profiles_open, c.created_at, c.updated_at,
       i.code AS instrument_code, i.version AS instrument_version,
       (SELECT COUNT(*) FROM assignments a WHERE a.campaign_id = c.id) AS assigned
FROM campaigns c JOIN instruments i ON i.id = c.instrument_id
ORDER BY c.opens_at DESC, c.id DESC
LIMIT ?

-- name: campaign-by-id
SELECT c.id, c.code, c.name_zh, c.name_en, c.period, c.instrument_id, c.framework_version,
       c.opens_at, c.closes_at, c.status, c.score_unapproved, c.profiles_open, c.created_at, c.updated_at,
       i.code AS instrument_code, i.version AS instrument_version,
       (SELECT COUNT(*) FROM assignments a WHERE a.campaign_id = c.id) AS assigned
FROM campaigns c JOIN instruments i ON i.id = c.instrument_id
WHERE c.id = ?

-- name: campaign-insert
INSERT INTO campaigns (code, name_zh, name_en, period, instrument_id, framework_version, opens_at, closes_at, score_unapproved, status, created_at, updated_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'draft', ?, ?)
RETURNING id

-- name: campaign-status-of
SELECT code, status, closes_at, profiles_open FROM campaigns WHERE id = ?

-- name: campaign-status-of@postgres
-- Locks the campaign row, so a status change and an assignment cannot
-- interleave (SQLite's single writer serialises them already).
SELECT code, status, closes_at, profiles_open FROM campaigns WHERE id = ? FOR UPDATE

-- name: campaign-set-status
-- The current status is checked again so two concurrent changes cannot both win.
UPDATE campaigns SET status = ?, updated_at = ? WHERE id = ? AND status = ?

-- name: campaign-set-profiles-open
UPDATE campaigns SET profiles_open = ?, updated_at = ? WHERE id = ?

-- name: campaign-candidates
-- Active departments matching the level and category ('' for any).
SELECT id, code FROM departments
WHERE active AND (? = '' OR level = ?) AND (? = '' OR category = ?)
ORDER BY code

-- name: assignment-insert
-- An already assigned department is skipped, not duplicated.
INSERT INTO assignments (campaign_id, department_id, state, due_at, updated_at)
VALUES (?, ?, 'not_started', ?, ?)
ON CONFLICT (campaign_id, department_id) DO NOTHING

-- name: campaign-state-counts
SELECT state, COUNT(*) AS n FROM assignments WHERE campaign_id = ? GROUP BY state

-- name: campaign-assignments
SELECT a.id, a.campaign_id, a.department_id, a.state, a.due_at, a.updated_at,
       d.code AS department_code, d.name_zh AS department_name_zh, d.name_en AS department_name_en
FROM assignments a JOIN departments d ON d.id = a.department_id
WHERE a.campaign_id = ?
ORDER BY d.code

-- name: department-assignments
SELECT a.id, a.campaign_id, a.department_id, a.state, a.due_at, a.updated_at,
       c.code AS campaign_code, c.name_zh AS campaign_name_zh, c.name_en AS campaign_name_en,
       c.period AS campaign_period, c.status AS campaign_status
FROM assignments a JOIN campaigns c ON c.id = a.campaign_id
WHERE a.department_id = ? AND c.status <> 'draft'
ORDER BY a.due_at, c.code
