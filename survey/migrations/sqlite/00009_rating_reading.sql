-- +goose Up
-- The ratings list (/ratings) reads every department's ratings newest first
-- and counts them by level over a period. ratings_time serves both from the
-- index alone; ratings_channel_time does the same for one channel, reading
-- only that channel's entries; ratings_commented_time for "with a comment
-- only", which would otherwise read every row of the period. id follows
-- rated_at so that the list's order (rated_at DESC, id DESC) is the index's
-- and a deep page skips entries without sorting them. One department's
-- ratings use ratings_department_time (00006).
CREATE INDEX ratings_time ON ratings (rated_at, id, level, channel);
CREATE INDEX ratings_channel_time ON ratings (channel, rated_at, id, level);
CREATE INDEX ratings_commented_time ON ratings (rated_at, id, level, channel) WHERE comment <> '';

-- +goose Down
DROP INDEX ratings_commented_time;
DROP INDEX ratings_channel_time;
DROP INDEX ratings_time;
