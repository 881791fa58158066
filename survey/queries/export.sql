-- name: export-assignments
-- A campaign's assignments, by department code, each with its versions as
-- they stand now: how many and the latest id. An export reads this once and
-- walks no response above it, so a version submitted meanwhile cannot make
-- an earlier one stop being the latest halfway through the file.
SELECT a.id, a.state, d.code AS department_code, d.name_zh AS department_name_zh,
       COUNT(r.id) AS versions, COALESCE(MAX(r.id), 0) AS latest_id
FROM assignments a
JOIN departments d ON d.id = a.department_id
LEFT JOIN responses r ON r.assignment_id = a.id
WHERE a.campaign_id = ?
GROUP BY a.id, a.state, d.code, d.name_zh
ORDER BY d.code

-- name: export-responses
-- One page of an assignment's submitted versions in (after, upto], oldest
-- first, keyed by id: every page is its own short read, so an export never
-- holds a read transaction open while it writes to the network.
SELECT r.id, r.receipt, r.answers, r.submitted_at, COALESCE(u.username, '') AS submitted_by
FROM responses r LEFT JOIN accounts u ON u.id = r.submitted_by
WHERE r.assignment_id = ? AND r.id > ? AND r.id <= ?
ORDER BY r.id
LIMIT ?

-- name: feed-latest
-- Every assignment of a campaign with its department and latest response
-- (none: response_id 0), read in one statement so the state and the
-- response belong to the same moment.
SELECT a.id AS assignment_id, a.state, d.code, d.name_zh, d.level, d.category,
       COALESCE(r.id, 0) AS response_id, COALESCE(r.answers, '') AS answers
FROM assignments a
JOIN departments d ON d.id = a.department_id
LEFT JOIN responses r ON r.id = (SELECT MAX(x.id) FROM responses x WHERE x.assignment_id = a.id)
WHERE a.campaign_id = ?
ORDER BY d.code
