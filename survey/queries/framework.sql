-- name: framework-version-insert
INSERT INTO framework_versions (code, version, name_zh, name_en, source, parent_id, note, document, created_by, created_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
RETURNING id

-- name: framework-builtin-insert
-- The built-in default's row, made on first use; a concurrent first use
-- that made it already leaves nothing to do (no row returned).
INSERT INTO framework_versions (code, version, name_zh, name_en, source, parent_id, note, document, created_by, created_at)
VALUES (?, ?, ?, ?, 'builtin', NULL, '', ?, ?, ?)
ON CONFLICT (code, version) DO NOTHING
RETURNING id

-- name: framework-version
SELECT f.id, f.code, f.version, f.name_zh, f.name_en, f.source, f.parent_id, f.note, f.document, f.created_by, f.created_at,
       COALESCE(NULLIF(a.display_name, ''), a.username, '') AS creator_name
FROM framework_versions f
LEFT JOIN accounts a ON a.id = f.created_by
WHERE f.id = ?

-- name: framework-version-exists
-- Codes are compared without regard to case, as campaigns name them.
SELECT COUNT(*) FROM framework_versions WHERE lower(code) = lower(?) AND version = ?

-- name: framework-versions
-- Every version, newest first, without its document.
SELECT f.id, f.code, f.version, f.name_zh, f.name_en, f.source, f.parent_id, f.note, '' AS document, f.created_by,
       f.created_at, COALESCE(NULLIF(a.display_name, ''), a.username, '') AS creator_name
FROM framework_versions f
LEFT JOIN accounts a ON a.id = f.created_by
ORDER BY f.id DESC

-- name: framework-versions-named
-- The versions a campaign's reference may mean: those with the version
-- asked for (the code is compared in Go, without regard to case).
SELECT f.id, f.code, f.version, f.name_zh, f.name_en, f.source, f.parent_id, f.note, f.document, f.created_by,
       f.created_at, '' AS creator_name
FROM framework_versions f
WHERE f.version = ?
ORDER BY f.id
