-- +goose Up
-- profiles_open lets officials read every department's profile in the
-- campaign's published runs; by default an official reads only their own.
ALTER TABLE campaigns ADD COLUMN profiles_open BOOLEAN NOT NULL DEFAULT FALSE;

-- +goose Down
ALTER TABLE campaigns DROP COLUMN profiles_open;
