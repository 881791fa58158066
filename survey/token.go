package survey

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
)

// API tokens let a machine read the JSON API (GET under /api/) without a
// person's session. Admins make and revoke them; the secret is shown once,
// when made, and only its SHA-256 is kept, so a copy of the database
// cannot be used to call the API. A request with a token acts as a
// read-only evaluator, never as the admin who made the token (see
// loadToken).

// Audit actions of tokens.
const (
	AuditTokenCreated = "token.created"
	AuditTokenRevoked = "token.revoked"
)

// TokenPrefix starts every secret, so a leaked one is recognisable (secret
// scanners, logs) and a mistyped header is refused without a look-up.
const TokenPrefix = "gk_"

// tokenSecretLen is the length of a secret: the prefix and 32 random bytes
// in unpadded base64url.
var tokenSecretLen = len(TokenPrefix) + base64.RawURLEncoding.EncodedLen(32)

// tokenHintLen is how much of the secret the list shows: the prefix and
// five characters (30 of its 256 bits), enough to tell tokens apart.
const tokenHintLen = 8

// tokenTouchEvery is how stale last_used_at may grow before a request
// writes it again; writing on every request would put each API call
// through SQLite's single writer.
const tokenTouchEvery = time.Minute

// Token is an API token as the store keeps it; the secret itself is known
// only to whoever made it.
type Token struct {
	ID          int64         `db:"id"`
	Name        string        `db:"name"`
	Hint        string        `db:"hint"` // the secret's first characters
	CreatedBy   sql.NullInt64 `db:"created_by"`
	CreatorName string        `db:"creator_name"`
	CreatedAt   time.Time     `db:"created_at"`
	ExpiresAt   sql.NullTime  `db:"expires_at"`
	LastUsedAt  sql.NullTime  `db:"last_used_at"`
	RevokedAt   sql.NullTime  `db:"revoked_at"`
	RevokerName string        `db:"revoker_name"`
}

// Expired reports whether the token's expiry has passed at now.
func (t *Token) Expired(now time.Time) bool {
	return t.ExpiresAt.Valid && !now.Before(t.ExpiresAt.Time)
}

// Revoked reports whether an admin revoked the token.
func (t *Token) Revoked() bool { return t.RevokedAt.Valid }

// State is "active", "expired" or "revoked" at now, for the list.
func (t *Token) State(now time.Time) string {
	switch {
	case t.Revoked():
		return "revoked"
	case t.Expired(now):
		return "expired"
	}
	return "active"
}

// TokenInput makes a token: a name saying who or what uses it, and when it
// stops working (zero for never).
type TokenInput struct {
	Name    string
	Expires time.Time
}

// Validate checks the name and that the expiry is in the future.
func (in *TokenInput) Validate(now time.Time) FieldErrors {
	fe := FieldErrors{}
	fe.text("name", in.Name, 64, true)
	if !in.Expires.IsZero() && !in.Expires.After(now) {
		fe.Add("expires_in", "err.token_expiry")
	}
	return fe
}

// newTokenSecret returns a fresh secret: the prefix and 32 random bytes in
// unpadded base64url.
func newTokenSecret() string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	return TokenPrefix + base64.RawURLEncoding.EncodeToString(b)
}

// tokenHash is what the store keeps of a secret.
func tokenHash(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

// CreateToken stores a new token made by the context's actor and returns
// it with its secret, which is not kept and cannot be shown again. The
// creation is audited with the token's name, never its secret. Errors:
// EInvalid with fields.
func (db *DB) CreateToken(ctx context.Context, in TokenInput) (*Token, string, error) {
	in.Name = strings.TrimSpace(in.Name)
	now := time.Now().UTC()
	if err := in.Validate(now).Err(); err != nil {
		return nil, "", err
	}
	secret := newTokenSecret()
	actor, _ := ctx.Value(actorKey{}).(AuditEntry)
	var expires sql.NullTime
	if !in.Expires.IsZero() {
		expires = sql.NullTime{Time: in.Expires.UTC(), Valid: true}
	}
	var id int64
	err := db.inTx(ctx, func(tx *sqlx.Tx) error {
		err := db.write(ctx, tx, "token-insert").GetContext(ctx, &id,
			in.Name, tokenHash(secret), secret[:tokenHintLen], actor.ActorID, now, expires)
		if err != nil {
			return fmt.Errorf("insert token: %w", err)
		}
		detail := "never expires"
		if expires.Valid {
			detail = "expires " + expires.Time.Format(time.RFC3339)
		}
		return db.auditChange(ctx, tx, AuditTokenCreated, "token", in.Name, detail)
	})
	if err != nil {
		return nil, "", err
	}
	t, err := db.FindTokenByID(ctx, id)
	if err != nil {
		return nil, "", err
	}
	return t, secret, nil
}

// FindTokenByID returns a token. Errors: ENotFound.
func (db *DB) FindTokenByID(ctx context.Context, id int64) (*Token, error) {
	var t Token
	if err := db.read("token-by-id").GetContext(ctx, &t, id); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, Errorf(ENotFound, "err.not_found")
		}
		return nil, fmt.Errorf("find token %d: %w", id, err)
	}
	return &t, nil
}

// FindTokens lists every token, newest first, revoked and expired ones
// included.
func (db *DB) FindTokens(ctx context.Context) ([]Token, error) {
	var out []Token
	if err := db.read("tokens-all").SelectContext(ctx, &out); err != nil {
		return nil, fmt.Errorf("find tokens: %w", err)
	}
	return out, nil
}

// AuthenticateToken returns the token whose secret this is, if it may be
// used now. Errors: EUnauth with err.token_invalid for a malformed or
// unknown secret, err.token_expired and err.token_revoked for a token no
// longer in force (telling the holder of a real secret why is harmless).
func (db *DB) AuthenticateToken(ctx context.Context, secret string) (*Token, error) {
	if len(secret) != tokenSecretLen || !strings.HasPrefix(secret, TokenPrefix) {
		return nil, Errorf(EUnauth, "err.token_invalid")
	}
	// Looked up by hash: the secret never reaches the database, and an
	// index look-up of a hash tells a timing attacker nothing useful.
	var t Token
	if err := db.read("token-by-hash").GetContext(ctx, &t, tokenHash(secret)); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, Errorf(EUnauth, "err.token_invalid")
		}
		return nil, fmt.Errorf("find token: %w", err)
	}
	switch {
	case t.Revoked():
		return nil, Errorf(EUnauth, "err.token_revoked")
	case t.Expired(time.Now()):
		return nil, Errorf(EUnauth, "err.token_expired")
	}
	return &t, nil
}

// TouchToken records that the token was just used, unless it was within
// the last minute: at most one write a minute per token.
func (db *DB) TouchToken(ctx context.Context, t *Token) error {
	now := time.Now().UTC()
	if t.LastUsedAt.Valid && now.Sub(t.LastUsedAt.Time) < tokenTouchEvery {
		return nil
	}
	return db.inTx(ctx, func(tx *sqlx.Tx) error {
		if _, err := db.write(ctx, tx, "token-touch").ExecContext(ctx, now, t.ID); err != nil {
			return fmt.Errorf("touch token %d: %w", t.ID, err)
		}
		return nil
	})
}

// RevokeToken ends a token for good, as the context's actor, and audits
// it. Revoking a revoked token changes nothing. Errors: ENotFound.
func (db *DB) RevokeToken(ctx context.Context, id int64) error {
	actor, _ := ctx.Value(actorKey{}).(AuditEntry)
	return db.inTx(ctx, func(tx *sqlx.Tx) error {
		var t Token
		if err := db.write(ctx, tx, "token-by-id").GetContext(ctx, &t, id); err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				return Errorf(ENotFound, "err.not_found")
			}
			return fmt.Errorf("find token %d: %w", id, err)
		}
		res, err := db.write(ctx, tx, "token-revoke").ExecContext(ctx, time.Now().UTC(), actor.ActorID, id)
		if err != nil {
			return fmt.Errorf("revoke token %d: %w", id, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil // already revoked
		}
		return db.auditChange(ctx, tx, AuditTokenRevoked, "token", t.Name, "")
	})
}
