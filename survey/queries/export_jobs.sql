-- name: export-job-insert
INSERT INTO export_jobs (run_id, kind, lang, total, created_by, created_at)
VALUES (?, 'zip', ?, ?, ?, ?)
RETURNING id

-- name: export-job-by-id
SELECT j.id, j.run_id, j.kind, j.lang, j.state, j.done, j.total, j.error, j.without_pdf, j.file, j.bytes,
       j.created_by, COALESCE(a.username, '') AS creator_name, j.created_at, j.started_at, j.finished_at
FROM export_jobs j
LEFT JOIN accounts a ON a.id = j.created_by
WHERE j.id = ?

-- name: export-job-next
-- The oldest queued job, for a worker to claim.
SELECT id FROM export_jobs WHERE state = 'queued' ORDER BY id LIMIT 1

-- name: export-job-claim
-- Fails on export_jobs_one_running while another job runs.
UPDATE export_jobs SET state = 'running', started_at = ? WHERE id = ? AND state = 'queued'

-- name: export-job-progress
UPDATE export_jobs SET done = ? WHERE id = ? AND state = 'running'

-- name: export-job-finish
UPDATE export_jobs SET state = 'done', done = total, file = ?, bytes = ?, without_pdf = ?, finished_at = ?
WHERE id = ? AND state = 'running'

-- name: export-job-fail
UPDATE export_jobs SET state = 'failed', error = ?, finished_at = ?
WHERE id = ? AND state IN ('queued', 'running')

-- name: export-job-fail-unfinished
-- At start-up: whatever was queued or running died with the last process.
UPDATE export_jobs SET state = 'failed', error = ?, finished_at = ?
WHERE state IN ('queued', 'running')

-- name: export-job-expired-files
-- The files of the jobs done before a moment, to be deleted.
SELECT file FROM export_jobs WHERE state = 'done' AND file <> '' AND finished_at < ? ORDER BY id

-- name: export-job-expire
UPDATE export_jobs SET file = '' WHERE state = 'done' AND file <> '' AND finished_at < ?
