-- name: demo-marked@sqlite
-- The demo marks its database with SQLite's application_id ("gkpd"), so it
-- never seeds known passwords into a real database.
PRAGMA application_id

-- name: demo-marked@postgres
SELECT 0

-- name: demo-mark@sqlite
PRAGMA application_id = 1735094372

-- name: demo-mark@postgres
SELECT 0
