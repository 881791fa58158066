-- name: ahp-round-insert
INSERT INTO ahp_rounds (framework_version_id, node_code, title, items, ri, max_cr, state, created_by, created_at)
VALUES (?, ?, ?, ?, ?, ?, 'open', ?, ?)
RETURNING id

-- name: ahp-invitation-insert
INSERT INTO ahp_invitations (round_id, account_id, invited_at) VALUES (?, ?, ?)
ON CONFLICT (round_id, account_id) DO NOTHING

-- name: ahp-invitee-account
-- An account that may be invited: an active admin or evaluator, by id or
-- by username (the first argument is the id or 0, the second the
-- lower-cased username or '').
SELECT id FROM accounts
WHERE (id = ? OR username = ?) AND role IN ('admin', 'evaluator') AND NOT disabled

-- name: ahp-round-by-id
SELECT r.id, r.framework_version_id, r.node_code, r.title, r.items, r.ri, r.max_cr, r.state,
       r.created_by, r.created_at, r.closed_by, r.closed_at, r.combined, r.combined_cr, r.weights, r.result_version_id,
       COALESCE(c.username, '') AS creator_name, COALESCE(x.username, '') AS closer_name,
       (SELECT COUNT(*) FROM ahp_invitations i WHERE i.round_id = r.id) AS invited,
       (SELECT COUNT(*) FROM ahp_judgements j WHERE j.round_id = r.id) AS submitted
FROM ahp_rounds r
LEFT JOIN accounts c ON c.id = r.created_by
LEFT JOIN accounts x ON x.id = r.closed_by
WHERE r.id = ?

-- name: ahp-rounds-all
-- Every round, newest first, for admins; the account's own invitation and
-- judgement (the first two arguments) are shown alongside.
SELECT r.id, r.framework_version_id, r.node_code, r.title, r.items, r.ri, r.max_cr, r.state,
       r.created_by, r.created_at, r.closed_by, r.closed_at, r.combined, r.combined_cr, r.weights, r.result_version_id,
       COALESCE(c.username, '') AS creator_name, COALESCE(x.username, '') AS closer_name,
       (SELECT COUNT(*) FROM ahp_invitations i WHERE i.round_id = r.id) AS invited,
       (SELECT COUNT(*) FROM ahp_judgements j WHERE j.round_id = r.id) AS submitted,
       mi.account_id IS NOT NULL AS me_invited,
       mj.submitted_at AS me_submitted_at
FROM ahp_rounds r
LEFT JOIN accounts c ON c.id = r.created_by
LEFT JOIN accounts x ON x.id = r.closed_by
LEFT JOIN ahp_invitations mi ON mi.round_id = r.id AND mi.account_id = ?
LEFT JOIN ahp_judgements mj ON mj.round_id = r.id AND mj.account_id = ?
ORDER BY r.id DESC
LIMIT ?

-- name: ahp-rounds-invited
-- The rounds an account is invited to, newest first, with its judgement.
SELECT r.id, r.framework_version_id, r.node_code, r.title, r.items, r.ri, r.max_cr, r.state,
       r.created_by, r.created_at, r.closed_by, r.closed_at, r.combined, r.combined_cr, r.weights, r.result_version_id,
       COALESCE(c.username, '') AS creator_name, COALESCE(x.username, '') AS closer_name,
       (SELECT COUNT(*) FROM ahp_invitations i2 WHERE i2.round_id = r.id) AS invited,
       (SELECT COUNT(*) FROM ahp_judgements j2 WHERE j2.round_id = r.id) AS submitted,
       TRUE AS me_invited,
       j.submitted_at AS me_submitted_at
FROM ahp_invitations i
JOIN ahp_rounds r ON r.id = i.round_id
LEFT JOIN accounts c ON c.id = r.created_by
LEFT JOIN accounts x ON x.id = r.closed_by
LEFT JOIN ahp_judgements j ON j.round_id = i.round_id AND j.account_id = i.account_id
WHERE i.account_id = ?
ORDER BY r.id DESC
LIMIT ?

-- name: ahp-invited
SELECT COUNT(*) FROM ahp_invitations WHERE round_id = ? AND account_id = ?

-- name: ahp-invitees
-- Every invitee of a round with their judgement, if any, by username.
SELECT i.account_id, a.username, a.display_name, i.invited_at,
       j.cells, j.cr, j.consistent, j.submitted_at, j.included
FROM ahp_invitations i
JOIN accounts a ON a.id = i.account_id
LEFT JOIN ahp_judgements j ON j.round_id = i.round_id AND j.account_id = i.account_id
WHERE i.round_id = ?
ORDER BY a.username

-- name: ahp-judgement-upsert
INSERT INTO ahp_judgements (round_id, account_id, cells, cr, consistent, submitted_at)
VALUES (?, ?, ?, ?, ?, ?)
ON CONFLICT (round_id, account_id) DO UPDATE
SET cells = excluded.cells, cr = excluded.cr, consistent = excluded.consistent, submitted_at = excluded.submitted_at

-- name: ahp-round-claim
-- A close claims the round: no judgement is accepted from then on, so the
-- judgements combined are the ones recorded. A claim left by a close that
-- failed half-way may be claimed again.
UPDATE ahp_rounds SET state = 'closing' WHERE id = ? AND state IN ('open', 'closing')

-- name: ahp-round-reopen
UPDATE ahp_rounds SET state = 'open' WHERE id = ? AND state = 'closing'

-- name: ahp-round-close
UPDATE ahp_rounds
SET state = 'closed', closed_by = ?, closed_at = ?, combined = ?, combined_cr = ?, weights = ?, result_version_id = ?
WHERE id = ? AND state = 'closing'

-- name: ahp-judgement-included
UPDATE ahp_judgements SET included = ? WHERE round_id = ? AND account_id = ?
