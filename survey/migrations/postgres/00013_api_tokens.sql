-- +goose Up
-- api_tokens let machines read the JSON API (GET /api/ only) as a
-- read-only evaluator. The secret is shown once when the token is made;
-- only its SHA-256 (hex) is kept, with a few leading characters (hint) so
-- an admin can tell tokens apart. A revoked token stays listed.
CREATE TABLE api_tokens (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name          TEXT NOT NULL,
    secret_hash   TEXT NOT NULL UNIQUE,
    hint          TEXT NOT NULL,
    created_by    BIGINT REFERENCES accounts (id),
    created_at    TIMESTAMPTZ NOT NULL,
    expires_at    TIMESTAMPTZ,
    last_used_at  TIMESTAMPTZ,
    revoked_by    BIGINT REFERENCES accounts (id),
    revoked_at    TIMESTAMPTZ
);

-- +goose Down
DROP TABLE api_tokens;
