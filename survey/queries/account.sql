-- name: account-by-id
SELECT a.id, a.username, a.display_name, a.role, a.department_id, '' AS password_hash, a.lang,
       a.disabled, a.session_epoch, a.created_at, a.updated_at, a.last_login_at,
       COALESCE(d.code, '') AS department_code, COALESCE(d.name_zh, '') AS department_name_zh,
       COALESCE(d.name_en, '') AS department_name_en
FROM accounts a LEFT JOIN departments d ON d.id = a.department_id
WHERE a.id = ?

-- name: account-by-username
SELECT a.id, a.username, a.display_name, a.role, a.department_id, a.password_hash, a.lang,
       a.disabled, a.session_epoch, a.created_at, a.updated_at, a.last_login_at,
       COALESCE(d.code, '') AS department_code, COALESCE(d.name_zh, '') AS department_name_zh,
       COALESCE(d.name_en, '') AS department_name_en
FROM accounts a LEFT JOIN departments d ON d.id = a.department_id
WHERE a.username = ?

-- name: accounts-find
-- Arguments: search text (three times), role (twice), limit, offset.
SELECT a.id, a.username, a.display_name, a.role, a.department_id, '' AS password_hash, a.lang,
       a.disabled, a.session_epoch, a.created_at, a.updated_at, a.last_login_at,
       COALESCE(d.code, '') AS department_code, COALESCE(d.name_zh, '') AS department_name_zh,
       COALESCE(d.name_en, '') AS department_name_en
FROM accounts a LEFT JOIN departments d ON d.id = a.department_id
WHERE (? = '' OR LOWER(a.username) LIKE ? ESCAPE '\' OR LOWER(a.display_name) LIKE ? ESCAPE '\')
  AND (? = '' OR a.role = ?)
ORDER BY a.username
LIMIT ? OFFSET ?

-- name: accounts-count
SELECT COUNT(*) FROM accounts a
WHERE (? = '' OR LOWER(a.username) LIKE ? ESCAPE '\' OR LOWER(a.display_name) LIKE ? ESCAPE '\')
  AND (? = '' OR a.role = ?)

-- name: accounts-count-all
SELECT COUNT(*) FROM accounts

-- name: account-insert
INSERT INTO accounts (username, display_name, role, department_id, password_hash, lang, disabled,
                      session_epoch, created_at, updated_at)
VALUES (?, ?, ?, ?, ?, ?, FALSE, 1, ?, ?)
RETURNING id

-- name: account-set-password
-- A new password ends every session: the epoch stored in sessions no longer matches.
UPDATE accounts SET password_hash = ?, session_epoch = session_epoch + 1, updated_at = ? WHERE id = ?

-- name: account-set-disabled
UPDATE accounts SET disabled = ?, session_epoch = session_epoch + 1, updated_at = ? WHERE id = ?

-- name: account-set-lang
UPDATE accounts SET lang = ?, updated_at = ? WHERE id = ?

-- name: account-touch-login
UPDATE accounts SET last_login_at = ? WHERE id = ?

-- name: sessions-delete-expired@sqlite
-- The scs sqlite3store keeps expiry as a Julian day number.
DELETE FROM sessions WHERE expiry < julianday('now')

-- name: sessions-delete-expired@postgres
DELETE FROM sessions WHERE expiry < current_timestamp

-- name: account-password-hash
-- Only the password checks read the hash; lists and the request context never carry it.
SELECT password_hash FROM accounts WHERE id = ?
