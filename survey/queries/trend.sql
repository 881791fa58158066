-- name: trend-runs
-- The latest published run of every campaign but one (the run being
-- looked at has its own), the earliest campaign first, with the result
-- document the trend reads its scores from.
SELECT a.id, a.campaign_id, c.code, c.name_zh, c.name_en, c.period, c.opens_at, a.result
FROM assessment_runs a
JOIN campaigns c ON c.id = a.campaign_id
WHERE a.state = 'published' AND a.campaign_id <> ?
  AND a.id = (SELECT MAX(b.id) FROM assessment_runs b WHERE b.campaign_id = a.campaign_id AND b.state = 'published')
ORDER BY c.opens_at, c.period, c.id

-- name: trend-heads
-- trend-runs without the documents: the runs a trend needs, for a caller
-- that keeps published runs' scores (they never change) and reads only
-- the documents it lacks with trend-result.
SELECT a.id, a.campaign_id, c.code, c.name_zh, c.name_en, c.period, c.opens_at
FROM assessment_runs a
JOIN campaigns c ON c.id = a.campaign_id
WHERE a.state = 'published' AND a.campaign_id <> ?
  AND a.id = (SELECT MAX(b.id) FROM assessment_runs b WHERE b.campaign_id = a.campaign_id AND b.state = 'published')
ORDER BY c.opens_at, c.period, c.id

-- name: trend-result
-- A published run's result document, for its trend scores.
SELECT result FROM assessment_runs WHERE id = ? AND state = 'published'
