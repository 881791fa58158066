-- +goose Up
-- api_tokens let machines read the JSON API (GET /api/ only) as a
-- read-only evaluator. The secret is shown once when the token is made;
-- only its SHA-256 (hex) is kept, with a few leading characters (hint) so
-- an admin can tell tokens apart. A revoked token stays listed.
CREATE TABLE api_tokens (
    id            INTEGER PRIMARY KEY,
    name          TEXT NOT NULL,
    secret_hash   TEXT NOT NULL UNIQUE,
    hint          TEXT NOT NULL,
    created_by    INTEGER REFERENCES accounts (id),
    created_at    TIMESTAMP NOT NULL,
    expires_at    TIMESTAMP,
    last_used_at  TIMESTAMP,
    revoked_by    INTEGER REFERENCES accounts (id),
    revoked_at    TIMESTAMP
);

-- +goose Down
DROP TABLE api_tokens;
