-- name: department-by-id
SELECT d.id, d.code, d.name_zh, d.name_en, d.level, d.parent_id, d.category, d.active,
       d.created_at, d.updated_at, COALESCE(p.code, '') AS parent_code,
       COALESCE(p.name_zh, '') AS parent_name_zh, COALESCE(p.name_en, '') AS parent_name_en
FROM departments d LEFT JOIN departments p ON p.id = d.parent_id
WHERE d.id = ?

-- name: department-by-code
SELECT d.id, d.code, d.name_zh, d.name_en, d.level, d.parent_id, d.category, d.active,
       d.created_at, d.updated_at, COALESCE(p.code, '') AS parent_code,
       COALESCE(p.name_zh, '') AS parent_name_zh, COALESCE(p.name_en, '') AS parent_name_en
FROM departments d LEFT JOIN departments p ON p.id = d.parent_id
WHERE d.code = ?

-- name: departments-find
-- Arguments: search text (twice), level (twice), category (twice), active filter
-- ('' for all, 'true', 'false') (three times), limit, offset.
SELECT d.id, d.code, d.name_zh, d.name_en, d.level, d.parent_id, d.category, d.active,
       d.created_at, d.updated_at, COALESCE(p.code, '') AS parent_code,
       COALESCE(p.name_zh, '') AS parent_name_zh, COALESCE(p.name_en, '') AS parent_name_en
FROM departments d LEFT JOIN departments p ON p.id = d.parent_id
WHERE (? = '' OR LOWER(d.code) LIKE ? ESCAPE '\' OR LOWER(d.name_zh) LIKE ? ESCAPE '\' OR LOWER(d.name_en) LIKE ? ESCAPE '\')
  AND (? = '' OR d.level = ?)
  AND (? = '' OR d.category = ?)
  AND (? = '' OR (? = 'true' AND d.active) OR (? = 'false' AND NOT d.active))
ORDER BY d.code
LIMIT ? OFFSET ?

-- name: departments-count
SELECT COUNT(*)
FROM departments d
WHERE (? = '' OR LOWER(d.code) LIKE ? ESCAPE '\' OR LOWER(d.name_zh) LIKE ? ESCAPE '\' OR LOWER(d.name_en) LIKE ? ESCAPE '\')
  AND (? = '' OR d.level = ?)
  AND (? = '' OR d.category = ?)
  AND (? = '' OR (? = 'true' AND d.active) OR (? = 'false' AND NOT d.active))

-- name: department-categories
SELECT DISTINCT category FROM departments WHERE category <> '' ORDER BY category

-- name: department-options
SELECT id, code, name_zh, name_en, level FROM departments WHERE active ORDER BY code

-- name: department-insert
INSERT INTO departments (code, name_zh, name_en, level, parent_id, category, active, created_at, updated_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
RETURNING id

-- name: department-update
UPDATE departments
SET code = ?, name_zh = ?, name_en = ?, level = ?, parent_id = ?, category = ?, active = ?, updated_at = ?
WHERE id = ?

-- name: department-set-active
UPDATE departments SET active = ?, updated_at = ? WHERE id = ?
RETURNING code

-- name: department-parent-of
SELECT parent_id FROM departments WHERE id = ?

-- name: departments-all
SELECT d.id, d.code, d.name_zh, d.name_en, d.level, d.parent_id, d.category, d.active,
       d.created_at, d.updated_at, COALESCE(p.code, '') AS parent_code,
       COALESCE(p.name_zh, '') AS parent_name_zh, COALESCE(p.name_en, '') AS parent_name_en
FROM departments d LEFT JOIN departments p ON p.id = d.parent_id
ORDER BY d.code

-- name: department-children
SELECT code, level FROM departments WHERE parent_id = ? ORDER BY code

-- name: departments-lock@postgres
-- Department writes check the tree (cycles, levels) before they write; under
-- READ COMMITTED two concurrent edits could both pass. One transaction-scoped
-- advisory lock serialises them, as SQLite's single writer already does.
SELECT pg_advisory_xact_lock(734201)

-- name: departments-lock@sqlite
SELECT 1
