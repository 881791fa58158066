-- +goose Up
-- ahp_rounds are pairwise-comparison rounds on one aggregate node of a
-- framework version: invited evaluators compare the node's children two by
-- two; closing combines their judgements by geometric mean into a new
-- framework version (result_version_id). items is the JSON list of the
-- children compared, in row order ([{code, name_zh, name_en}]); ri and
-- max_cr are the random-index table and the CR limit the node uses. A round
-- is open (judgements accepted), closing (claimed by an admin's close, no
-- more judgements) or closed; combined (JSON, the full matrix as the
-- framework writes it), combined_cr and weights (JSON) are set on closing.
CREATE TABLE ahp_rounds (
    id                    INTEGER PRIMARY KEY,
    framework_version_id  INTEGER NOT NULL REFERENCES framework_versions (id),
    node_code             TEXT NOT NULL,
    title                 TEXT NOT NULL DEFAULT '',
    items                 TEXT NOT NULL,
    ri                    TEXT NOT NULL,
    max_cr                REAL NOT NULL,
    state                 TEXT NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'closing', 'closed')),
    created_by            INTEGER REFERENCES accounts (id),
    created_at            TIMESTAMP NOT NULL,
    closed_by             INTEGER REFERENCES accounts (id),
    closed_at             TIMESTAMP,
    combined              TEXT,
    combined_cr           REAL,
    weights               TEXT,
    result_version_id     INTEGER REFERENCES framework_versions (id)
);
CREATE INDEX ahp_rounds_version ON ahp_rounds (framework_version_id);

-- ahp_invitations are who may fill a round.
CREATE TABLE ahp_invitations (
    round_id    INTEGER NOT NULL REFERENCES ahp_rounds (id),
    account_id  INTEGER NOT NULL REFERENCES accounts (id),
    invited_at  TIMESTAMP NOT NULL,
    PRIMARY KEY (round_id, account_id)
);
CREATE INDEX ahp_invitations_account ON ahp_invitations (account_id, round_id);

-- ahp_judgements hold one judgement per invitee, replaced while the round
-- is open: cells is the JSON list of the upper triangle in reading order
-- (row by row, "3" or "1/3" on Saaty's scale), cr its consistency ratio,
-- consistent whether cr is within the round's limit. included is set on
-- closing: whether the combined matrix used it.
CREATE TABLE ahp_judgements (
    round_id      INTEGER NOT NULL,
    account_id    INTEGER NOT NULL,
    cells         TEXT NOT NULL,
    cr            REAL NOT NULL,
    consistent    BOOLEAN NOT NULL,
    submitted_at  TIMESTAMP NOT NULL,
    included      BOOLEAN,
    PRIMARY KEY (round_id, account_id),
    FOREIGN KEY (round_id, account_id) REFERENCES ahp_invitations (round_id, account_id)
);

-- +goose Down
DROP TABLE ahp_judgements;
DROP TABLE ahp_invitations;
DROP TABLE ahp_rounds;
