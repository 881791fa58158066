-- name: audit-insert
INSERT INTO audit_log (at, actor_id, actor_name, action, object_type, object_id, detail, client_ip, request_id)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)

-- name: audit-find
-- Arguments: action prefix (twice), actor name (twice), before id (twice), limit.
SELECT id, at, actor_id, actor_name, action, object_type, object_id, detail, client_ip, request_id
FROM audit_log
WHERE (? = '' OR action LIKE ?)
  AND (? = '' OR actor_name = ?)
  AND (CAST(? AS BIGINT) = 0 OR id < ?)
ORDER BY id DESC
LIMIT ?
