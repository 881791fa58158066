-- name: import-batch-insert
INSERT INTO import_batches (kind, file_name, file_hash, row_count, skipped, imported_by, imported_at)
VALUES (?, ?, ?, ?, ?, ?, ?)
RETURNING id

-- name: import-batch-by-hash
-- The batch in force that imported a file, if any.
SELECT id, imported_at FROM import_batches
WHERE kind = ? AND file_hash = ? AND rolled_back_at IS NULL

-- name: import-batches
-- Batches of one kind (or all when the kind is ''), newest first.
SELECT b.id, b.kind, b.file_name, b.file_hash, b.row_count, b.skipped, b.imported_by,
       COALESCE(NULLIF(a.display_name, ''), a.username, '') AS importer_name, b.imported_at,
       b.rolled_back_by, COALESCE(NULLIF(r.display_name, ''), r.username, '') AS roller_name, b.rolled_back_at
FROM import_batches b
LEFT JOIN accounts a ON a.id = b.imported_by
LEFT JOIN accounts r ON r.id = b.rolled_back_by
WHERE ? = '' OR b.kind = ?
ORDER BY b.id DESC
LIMIT ?

-- name: import-batch-by-id
SELECT b.id, b.kind, b.file_name, b.file_hash, b.row_count, b.skipped, b.imported_by,
       COALESCE(NULLIF(a.display_name, ''), a.username, '') AS importer_name, b.imported_at,
       b.rolled_back_by, COALESCE(NULLIF(r.display_name, ''), r.username, '') AS roller_name, b.rolled_back_at
FROM import_batches b
LEFT JOIN accounts a ON a.id = b.imported_by
LEFT JOIN accounts r ON r.id = b.rolled_back_by
WHERE b.id = ?

-- name: import-batch-rollback
UPDATE import_batches SET rolled_back_by = ?, rolled_back_at = ?
WHERE id = ? AND rolled_back_at IS NULL

-- name: metric-value-insert
INSERT INTO metric_values (batch_id, period, department_id, variable, value, source)
VALUES (?, ?, ?, ?, ?, ?)

-- name: metric-values-of-period
-- Every value of a period from the batches in force, oldest batch first:
-- read in order, a later batch's value replaces an earlier one's.
SELECT m.department_id, d.code AS department_code, m.variable, m.value, m.source, m.batch_id
FROM metric_values m
JOIN import_batches b ON b.id = m.batch_id AND b.rolled_back_at IS NULL
JOIN departments d ON d.id = m.department_id
WHERE m.period = ?
ORDER BY m.batch_id
