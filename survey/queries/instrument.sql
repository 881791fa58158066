-- name: instruments-find
SELECT id, code, version, title_zh, title_en, format, source_name, questions, status, created_at, updated_at, published_at
FROM instruments
ORDER BY code, created_at DESC, id DESC
LIMIT ?

-- name: instrument-by-id
SELECT id, code, version, title_zh, title_en, format, source_name, definition, questions, status, created_at, updated_at, published_at
FROM instruments WHERE id = ?

-- name: instrument-by-code-version
SELECT id, status FROM instruments WHERE code = ? AND version = ?

-- name: instrument-insert
INSERT INTO instruments (code, version, title_zh, title_en, format, source_name, definition, questions, status, created_at, updated_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'draft', ?, ?)
RETURNING id

-- name: instrument-replace-draft
-- Only a draft may change; a published version is immutable.
UPDATE instruments
SET title_zh = ?, title_en = ?, format = ?, source_name = ?, definition = ?, questions = ?, updated_at = ?
WHERE id = ? AND status = 'draft'

-- name: instrument-publish
UPDATE instruments SET status = 'published', published_at = ?, updated_at = ?
WHERE id = ? AND status = 'draft'
RETURNING code, version
