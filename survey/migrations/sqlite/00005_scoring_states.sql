-- +goose Up
-- score_unapproved lets a campaign feed the scoring engine with submitted
-- responses that are not approved yet; by default only approved ones count.
ALTER TABLE campaigns ADD COLUMN score_unapproved BOOLEAN NOT NULL DEFAULT FALSE;

-- +goose Down
ALTER TABLE campaigns DROP COLUMN score_unapproved;
