-- name: assessment-draft-of
-- The campaign's draft run, if any.
SELECT id FROM assessment_runs WHERE campaign_id = ? AND state = 'draft'

-- name: assessment-insert
INSERT INTO assessment_runs (campaign_id, state, framework_code, framework_version, options, inputs_hash, units, scored,
    coverage, inputs, result, computed_by, computed_at)
VALUES (?, 'draft', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
RETURNING id

-- name: assessment-recompute
-- A draft is recomputed in place; a published run never changes.
UPDATE assessment_runs SET framework_code = ?, framework_version = ?, options = ?, inputs_hash = ?, units = ?, scored = ?,
    coverage = ?, inputs = ?, result = ?, computed_by = ?, computed_at = ?
WHERE id = ? AND state = 'draft'

-- name: assessment-publish
UPDATE assessment_runs SET state = 'published', published_by = ?, published_at = ?
WHERE id = ? AND state = 'draft'

-- name: assessment-runs
-- A campaign's runs, newest first, without their documents.
SELECT a.id, a.campaign_id, a.state, a.framework_code, a.framework_version, a.options, a.inputs_hash, a.units, a.scored,
       a.coverage, '' AS inputs, '' AS result, a.computed_by, a.computed_at, a.published_by, a.published_at,
       COALESCE(NULLIF(c.display_name, ''), c.username, '') AS computer_name,
       COALESCE(NULLIF(p.display_name, ''), p.username, '') AS publisher_name
FROM assessment_runs a
LEFT JOIN accounts c ON c.id = a.computed_by
LEFT JOIN accounts p ON p.id = a.published_by
WHERE a.campaign_id = ?
ORDER BY a.id DESC

-- name: assessment-run
SELECT a.id, a.campaign_id, a.state, a.framework_code, a.framework_version, a.options, a.inputs_hash, a.units, a.scored,
       a.coverage, a.inputs, a.result, a.computed_by, a.computed_at, a.published_by, a.published_at,
       COALESCE(NULLIF(c.display_name, ''), c.username, '') AS computer_name,
       COALESCE(NULLIF(p.display_name, ''), p.username, '') AS publisher_name
FROM assessment_runs a
LEFT JOIN accounts c ON c.id = a.computed_by
LEFT JOIN accounts p ON p.id = a.published_by
WHERE a.id = ?

-- name: assessment-latest-published
SELECT id FROM assessment_runs WHERE campaign_id = ? AND state = 'published' ORDER BY id DESC LIMIT 1

-- name: assessment-run-head
-- A run without its documents, for pages that keep the documents decoded.
SELECT a.id, a.campaign_id, a.state, a.framework_code, a.framework_version, a.options, a.inputs_hash, a.units, a.scored,
       a.coverage, '' AS inputs, '' AS result, a.computed_by, a.computed_at, a.published_by, a.published_at,
       COALESCE(NULLIF(c.display_name, ''), c.username, '') AS computer_name,
       COALESCE(NULLIF(p.display_name, ''), p.username, '') AS publisher_name
FROM assessment_runs a
LEFT JOIN accounts c ON c.id = a.computed_by
LEFT JOIN accounts p ON p.id = a.published_by
WHERE a.id = ?

-- name: assessment-runs-listed
-- The runs home pages list, newest first, with their campaigns' names:
-- every published run and, when the argument is true, drafts too.
SELECT a.id, a.campaign_id, a.state, a.units, a.scored, a.computed_at, a.published_at,
       c.name_zh AS campaign_name_zh, c.name_en AS campaign_name_en, c.period AS campaign_period
FROM assessment_runs a
JOIN campaigns c ON c.id = a.campaign_id
WHERE a.state = 'published' OR ?
ORDER BY a.id DESC
LIMIT 20
