-- name: token-insert
INSERT INTO api_tokens (name, secret_hash, hint, created_by, created_at, expires_at)
VALUES (?, ?, ?, ?, ?, ?)
RETURNING id

-- name: token-by-hash
-- The middleware's look-up of a presented secret, by its SHA-256.
SELECT t.id, t.name, t.hint, t.created_by, t.created_at, t.expires_at, t.last_used_at, t.revoked_at,
       COALESCE(c.username, '') AS creator_name, COALESCE(r.username, '') AS revoker_name
FROM api_tokens t
LEFT JOIN accounts c ON c.id = t.created_by
LEFT JOIN accounts r ON r.id = t.revoked_by
WHERE t.secret_hash = ?

-- name: token-by-id
SELECT t.id, t.name, t.hint, t.created_by, t.created_at, t.expires_at, t.last_used_at, t.revoked_at,
       COALESCE(c.username, '') AS creator_name, COALESCE(r.username, '') AS revoker_name
FROM api_tokens t
LEFT JOIN accounts c ON c.id = t.created_by
LEFT JOIN accounts r ON r.id = t.revoked_by
WHERE t.id = ?

-- name: tokens-all
-- Every token, newest first; a handful per installation.
SELECT t.id, t.name, t.hint, t.created_by, t.created_at, t.expires_at, t.last_used_at, t.revoked_at,
       COALESCE(c.username, '') AS creator_name, COALESCE(r.username, '') AS revoker_name
FROM api_tokens t
LEFT JOIN accounts c ON c.id = t.created_by
LEFT JOIN accounts r ON r.id = t.revoked_by
ORDER BY t.id DESC

-- name: token-revoke
UPDATE api_tokens SET revoked_at = ?, revoked_by = ? WHERE id = ? AND revoked_at IS NULL

-- name: token-touch
UPDATE api_tokens SET last_used_at = ? WHERE id = ?
