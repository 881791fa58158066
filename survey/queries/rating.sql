-- name: rating-link-insert
INSERT INTO rating_links (slug, department_id, service_item, case_key, active, created_at)
VALUES (?, ?, ?, ?, TRUE, ?)
RETURNING id

-- name: rating-link-by-slug
SELECT l.id, l.slug, l.department_id, l.service_item, l.case_key, l.active, l.created_at,
       d.code AS department_code, d.name_zh AS department_name_zh, d.name_en AS department_name_en
FROM rating_links l JOIN departments d ON d.id = l.department_id
WHERE l.slug = ?

-- name: rating-links
SELECT l.id, l.slug, l.department_id, l.service_item, l.case_key, l.active, l.created_at,
       d.code AS department_code, d.name_zh AS department_name_zh, d.name_en AS department_name_en
FROM rating_links l JOIN departments d ON d.id = l.department_id
ORDER BY d.code, l.service_item, l.id

-- name: rating-insert
INSERT INTO ratings (department_id, link_id, service_item, channel, level, comment, reasons, phone, case_id, identified, source, rated_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
RETURNING id

-- name: rating-rollup-add
-- One rating counted into its department's day, in the rating's own
-- transaction.
INSERT INTO rating_rollups (department_id, day, n1, n2, n3, n4, n5, identified_bad)
VALUES (?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (department_id, day) DO UPDATE SET
    n1 = rating_rollups.n1 + excluded.n1, n2 = rating_rollups.n2 + excluded.n2,
    n3 = rating_rollups.n3 + excluded.n3, n4 = rating_rollups.n4 + excluded.n4,
    n5 = rating_rollups.n5 + excluded.n5, identified_bad = rating_rollups.identified_bad + excluded.identified_bad

-- name: rating-rollup-month-add
-- Ratings counted into their department's month (YYYY-MM), beside the day.
INSERT INTO rating_rollups_monthly (department_id, month, n1, n2, n3, n4, n5, identified_bad)
VALUES (?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (department_id, month) DO UPDATE SET
    n1 = rating_rollups_monthly.n1 + excluded.n1, n2 = rating_rollups_monthly.n2 + excluded.n2,
    n3 = rating_rollups_monthly.n3 + excluded.n3, n4 = rating_rollups_monthly.n4 + excluded.n4,
    n5 = rating_rollups_monthly.n5 + excluded.n5,
    identified_bad = rating_rollups_monthly.identified_bad + excluded.identified_bad

-- name: rating-rollup-sum
-- A department's counts by level over days from..to (inclusive, YYYY-MM-DD).
SELECT COALESCE(SUM(n1), 0) AS n1, COALESCE(SUM(n2), 0) AS n2, COALESCE(SUM(n3), 0) AS n3,
       COALESCE(SUM(n4), 0) AS n4, COALESCE(SUM(n5), 0) AS n5, COALESCE(SUM(identified_bad), 0) AS identified_bad
FROM rating_rollups
WHERE department_id = ? AND day >= ? AND day <= ?

-- name: rating-link-by-id
SELECT l.id, l.slug, l.department_id, l.service_item, l.case_key, l.active, l.created_at,
       d.code AS department_code, d.name_zh AS department_name_zh, d.name_en AS department_name_en
FROM rating_links l JOIN departments d ON d.id = l.department_id
WHERE l.id = ?

-- name: rating-rollup-by-department
-- Every department's counts by level over a period, from the rollups: its
-- whole months from the monthly rollups, the days of its partial months
-- from the daily ones. Arguments: the first and last whole month (YYYY-MM;
-- first after last for none), then the days before the first whole month
-- (from, to) and after the last (from, to), each range empty when from is
-- after to. Summed per department id first, then named.
SELECT d.code AS department_code, d.name_zh AS department_name_zh, d.name_en AS department_name_en,
       c.n1, c.n2, c.n3, c.n4, c.n5, c.identified_bad
FROM (
  SELECT department_id, SUM(n1) AS n1, SUM(n2) AS n2, SUM(n3) AS n3, SUM(n4) AS n4, SUM(n5) AS n5,
         SUM(identified_bad) AS identified_bad
  FROM (
    SELECT department_id, n1, n2, n3, n4, n5, identified_bad
    FROM rating_rollups_monthly
    WHERE month >= ? AND month <= ?
    UNION ALL
    SELECT department_id, n1, n2, n3, n4, n5, identified_bad
    FROM rating_rollups
    WHERE (day >= ? AND day <= ?) OR (day >= ? AND day <= ?)
  ) u
  GROUP BY department_id
) c JOIN departments d ON d.id = c.department_id
ORDER BY d.code

-- name: rating-rollup-total
-- Every department's counts by level over days from..to, from the rollups.
SELECT COALESCE(SUM(n1), 0) AS n1, COALESCE(SUM(n2), 0) AS n2, COALESCE(SUM(n3), 0) AS n3,
       COALESCE(SUM(n4), 0) AS n4, COALESCE(SUM(n5), 0) AS n5, COALESCE(SUM(identified_bad), 0) AS identified_bad
FROM rating_rollups
WHERE day >= ? AND day <= ?

-- name: rating-filter-levels
-- The ratings list's counts by level (all departments). Arguments: from, to
-- (instants, [from, to)), channel (twice, '' for any). Reads ratings_time only.
SELECT level, COUNT(*) AS n
FROM ratings
WHERE rated_at >= ? AND rated_at < ? AND (? = '' OR channel = ?)
GROUP BY level

-- name: rating-filter-levels-commented
-- rating-filter-levels of the ratings with a comment, from the partial index
-- ratings_commented_time (its condition is written out so the index applies).
SELECT level, COUNT(*) AS n
FROM ratings
WHERE comment <> '' AND rated_at >= ? AND rated_at < ? AND (? = '' OR channel = ?)
GROUP BY level

-- name: rating-filter-levels-channel
-- rating-filter-levels of one channel, from ratings_channel_time. Arguments:
-- channel, from, to.
SELECT level, COUNT(*) AS n
FROM ratings
WHERE channel = ? AND rated_at >= ? AND rated_at < ?
GROUP BY level

-- name: rating-filter-levels-department
-- The ratings list's counts by level of one department. Arguments:
-- department, from, to, channel (twice), comment only.
SELECT level, COUNT(*) AS n
FROM ratings
WHERE department_id = ? AND rated_at >= ? AND rated_at < ? AND (? = '' OR channel = ?)
  AND (NOT ? OR comment <> '')
GROUP BY level

-- name: rating-filter-page
-- One page of the ratings list (all departments), newest first: the page's
-- ids are picked from the index, so a deep OFFSET skips index entries, not
-- joined rows. Arguments: from, to, lowest and highest level, channel
-- (twice), limit, offset.
SELECT r.id, r.department_id, r.service_item, r.channel, r.level, r.comment, r.reasons, r.phone,
       r.identified, r.source, r.rated_at, x.id AS ticket_id,
       d.code AS department_code, d.name_zh AS department_name_zh, d.name_en AS department_name_en
FROM (SELECT id FROM ratings
      WHERE rated_at >= ? AND rated_at < ? AND level BETWEEN ? AND ? AND (? = '' OR channel = ?)
      ORDER BY rated_at DESC, id DESC
      LIMIT ? OFFSET ?) p
JOIN ratings r ON r.id = p.id
JOIN departments d ON d.id = r.department_id
LEFT JOIN rectifications x ON x.rating_id = r.id
ORDER BY r.rated_at DESC, r.id DESC

-- name: rating-filter-page-commented
-- rating-filter-page of the ratings with a comment (ratings_commented_time).
SELECT r.id, r.department_id, r.service_item, r.channel, r.level, r.comment, r.reasons, r.phone,
       r.identified, r.source, r.rated_at, x.id AS ticket_id,
       d.code AS department_code, d.name_zh AS department_name_zh, d.name_en AS department_name_en
FROM (SELECT id FROM ratings
      WHERE comment <> '' AND rated_at >= ? AND rated_at < ? AND level BETWEEN ? AND ? AND (? = '' OR channel = ?)
      ORDER BY rated_at DESC, id DESC
      LIMIT ? OFFSET ?) p
JOIN ratings r ON r.id = p.id
JOIN departments d ON d.id = r.department_id
LEFT JOIN rectifications x ON x.rating_id = r.id
ORDER BY r.rated_at DESC, r.id DESC

-- name: rating-filter-page-channel
-- rating-filter-page of one channel (ratings_channel_time). Arguments:
-- channel, from, to, lowest and highest level, limit, offset.
SELECT r.id, r.department_id, r.service_item, r.channel, r.level, r.comment, r.reasons, r.phone,
       r.identified, r.source, r.rated_at, x.id AS ticket_id,
       d.code AS department_code, d.name_zh AS department_name_zh, d.name_en AS department_name_en
FROM (SELECT id FROM ratings
      WHERE channel = ? AND rated_at >= ? AND rated_at < ? AND level BETWEEN ? AND ?
      ORDER BY rated_at DESC, id DESC
      LIMIT ? OFFSET ?) p
JOIN ratings r ON r.id = p.id
JOIN departments d ON d.id = r.department_id
LEFT JOIN rectifications x ON x.rating_id = r.id
ORDER BY r.rated_at DESC, r.id DESC

-- name: rating-filter-page-department
-- One page of one department's ratings, newest first
-- (ratings_department_time). Arguments: department, from, to, lowest and
-- highest level, channel (twice), comment only, limit, offset.
SELECT r.id, r.department_id, r.service_item, r.channel, r.level, r.comment, r.reasons, r.phone,
       r.identified, r.source, r.rated_at, x.id AS ticket_id,
       d.code AS department_code, d.name_zh AS department_name_zh, d.name_en AS department_name_en
FROM (SELECT id FROM ratings
      WHERE department_id = ? AND rated_at >= ? AND rated_at < ? AND level BETWEEN ? AND ?
        AND (? = '' OR channel = ?) AND (NOT ? OR comment <> '')
      ORDER BY rated_at DESC, id DESC
      LIMIT ? OFFSET ?) p
JOIN ratings r ON r.id = p.id
JOIN departments d ON d.id = r.department_id
LEFT JOIN rectifications x ON x.rating_id = r.id
ORDER BY r.rated_at DESC, r.id DESC

-- name: rating-insert-import
-- rating-insert without RETURNING, for an import that opens no ticket.
INSERT INTO ratings (department_id, link_id, service_item, channel, level, comment, reasons, phone, case_id, identified, source, rated_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
