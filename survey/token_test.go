package survey

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"
)

func errorKey(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Key
	}
	return ""
}

var secretPattern = regexp.MustCompile(`^gk_[A-Za-z0-9_-]{43}$`)

func TestTokenStore(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *DB) {
		admin, err := db.CreateAccount(context.Background(), AccountInput{Username: "admin", Role: RoleAdmin, Password: testPassword})
		if err != nil {
			t.Fatal(err)
		}
		ctx := WithActor(context.Background(), AuditEntry{ActorID: sql.NullInt64{Int64: admin.ID, Valid: true}, ActorName: "admin"})

		t.Run("create refuses", func(t *testing.T) {
			_, _, err := db.CreateToken(ctx, TokenInput{Name: "  "})
			if ErrorCode(err) != EInvalid || formErrors(err)["name"] != "err.required" {
				t.Fatalf("blank name: %v", err)
			}
			_, _, err = db.CreateToken(ctx, TokenInput{Name: "x", Expires: time.Now().Add(-time.Hour)})
			if ErrorCode(err) != EInvalid || formErrors(err)["expires_in"] != "err.token_expiry" {
				t.Fatalf("past expiry: %v", err)
			}
		})

		tok, secret, err := db.CreateToken(ctx, TokenInput{Name: " 报表平台 ", Expires: time.Now().Add(24 * time.Hour)})
		if err != nil {
			t.Fatal(err)
		}
		t.Run("create", func(t *testing.T) {
			if !secretPattern.MatchString(secret) {
				t.Fatalf("secret %q", secret)
			}
			if tok.Name != "报表平台" || tok.Hint != secret[:8] || tok.CreatorName != "admin" || !tok.ExpiresAt.Valid ||
				tok.LastUsedAt.Valid || tok.Revoked() || tok.State(time.Now()) != "active" {
				t.Fatalf("token %+v", tok)
			}
			// Only the hash is stored: the secret is nowhere in the row.
			var hash, hint string
			if err := db.R.QueryRow(db.R.Rebind("SELECT secret_hash, hint FROM api_tokens WHERE id = ?"), tok.ID).Scan(&hash, &hint); err != nil {
				t.Fatal(err)
			}
			if hash != tokenHash(secret) || len(hash) != 64 || strings.Contains(hash, secret[3:]) || len(hint) != 8 {
				t.Fatalf("stored %q %q", hash, hint)
			}
			_, other, err := db.CreateToken(ctx, TokenInput{Name: "second"})
			if err != nil || other == secret {
				t.Fatalf("second token: %v", err)
			}
		})

		t.Run("look up by secret", func(t *testing.T) {
			got, err := db.AuthenticateToken(ctx, secret)
			if err != nil || got.ID != tok.ID || got.Name != "报表平台" {
				t.Fatalf("%+v %v", got, err)
			}
			flipped := secret[:10] + string(secret[10]^1) + secret[11:]
			for name, s := range map[string]string{"unknown": newTokenSecret(), "altered": flipped, "empty": "",
				"no prefix": "xx" + secret[2:], "too long": secret + "A", "bare hash": tokenHash(secret)} {
				if _, err := db.AuthenticateToken(ctx, s); ErrorCode(err) != EUnauth || errorKey(err) != "err.token_invalid" {
					t.Errorf("%s secret: %v", name, err)
				}
			}
		})

		t.Run("touch", func(t *testing.T) {
			if err := db.TouchToken(ctx, tok); err != nil {
				t.Fatal(err)
			}
			first, _ := db.FindTokenByID(ctx, tok.ID)
			if !first.LastUsedAt.Valid {
				t.Fatal("last use not recorded")
			}
			// Within the minute, a second use writes nothing.
			if err := db.TouchToken(ctx, first); err != nil {
				t.Fatal(err)
			}
			second, _ := db.FindTokenByID(ctx, tok.ID)
			if !second.LastUsedAt.Time.Equal(first.LastUsedAt.Time) {
				t.Fatalf("touched again: %v then %v", first.LastUsedAt.Time, second.LastUsedAt.Time)
			}
		})

		t.Run("expired", func(t *testing.T) {
			exp, s, err := db.CreateToken(ctx, TokenInput{Name: "short", Expires: time.Now().Add(time.Hour)})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := db.W.Exec(db.W.Rebind("UPDATE api_tokens SET expires_at = ? WHERE id = ?"), time.Now().Add(-time.Second).UTC(), exp.ID); err != nil {
				t.Fatal(err)
			}
			if _, err := db.AuthenticateToken(ctx, s); ErrorCode(err) != EUnauth || errorKey(err) != "err.token_expired" {
				t.Fatalf("expired token: %v", err)
			}
			got, _ := db.FindTokenByID(ctx, exp.ID)
			if got.State(time.Now()) != "expired" {
				t.Fatalf("state %q", got.State(time.Now()))
			}
		})

		t.Run("revoked", func(t *testing.T) {
			if err := db.RevokeToken(ctx, tok.ID); err != nil {
				t.Fatal(err)
			}
			if _, err := db.AuthenticateToken(ctx, secret); ErrorCode(err) != EUnauth || errorKey(err) != "err.token_revoked" {
				t.Fatalf("revoked token: %v", err)
			}
			if err := db.RevokeToken(ctx, tok.ID); err != nil {
				t.Fatalf("revoking twice: %v", err)
			}
			if err := db.RevokeToken(ctx, tok.ID+1000); ErrorCode(err) != ENotFound {
				t.Fatalf("unknown token: %v", err)
			}
			got, _ := db.FindTokenByID(ctx, tok.ID)
			if got.State(time.Now()) != "revoked" || got.RevokerName != "admin" {
				t.Fatalf("%+v", got)
			}
		})

		t.Run("listed and audited", func(t *testing.T) {
			all, err := db.FindTokens(ctx)
			if err != nil || len(all) != 3 || all[0].Name != "short" || all[2].Name != "报表平台" {
				t.Fatalf("%+v %v", all, err)
			}
			entries, err := db.FindAudit(ctx, AuditFilter{Action: "token."})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, e := range entries {
				got = append(got, e.Action+" "+e.ObjectID+" "+e.ActorName)
				if strings.Contains(e.Detail, secret[3:]) {
					t.Fatal("the secret reached the audit log")
				}
			}
			want := []string{"token.revoked 报表平台 admin", "token.created short admin", "token.created second admin", "token.created 报表平台 admin"}
			if strings.Join(got, "|") != strings.Join(want, "|") {
				t.Fatalf("audit %q", got)
			}
		})
	})
}

// The admin's page shows a new token's secret once, lists tokens without
// it, and revokes; other roles cannot reach it.
func TestTokenPage(t *testing.T) {
	app := newTestApp(t)
	admin := app.client()
	admin.signIn("admin")
	r := admin.post("/admin/tokens", url.Values{"name": {`<script>alert(1)</script>`}, "expires_in": {"30"}})
	if r.status != http.StatusOK {
		t.Fatalf("create: %d\n%s", r.status, r.body)
	}
	secret := regexp.MustCompile(`gk_[A-Za-z0-9_-]{43}`).FindString(r.body)
	if secret == "" || strings.Contains(r.body, "<script>alert(1)") || !strings.Contains(r.body, "&lt;script&gt;alert(1)&lt;/script&gt;") {
		t.Fatalf("the new token's page:\n%s", r.body)
	}
	list := admin.get("/admin/tokens")
	if list.status != http.StatusOK || strings.Contains(list.body, secret) || !strings.Contains(list.body, secret[:8]+"…") {
		t.Fatalf("the list shows the secret again, or no hint: %d", list.status)
	}
	if r := admin.post("/admin/tokens", url.Values{"name": {""}, "expires_in": {"90"}}); r.status != http.StatusBadRequest ||
		regexp.MustCompile(`gk_[A-Za-z0-9_-]{43}`).MatchString(r.body) {
		t.Fatalf("blank name: %d", r.status)
	}
	if r := admin.post("/admin/tokens", url.Values{"name": {"x"}, "expires_in": {"-1"}}); r.status != http.StatusBadRequest {
		t.Fatalf("negative expiry: %d", r.status)
	}
	// Without the CSRF token nothing is made.
	req, _ := http.NewRequest("POST", app.ts.URL+"/admin/tokens", strings.NewReader("name=x&expires_in=0"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if r := admin.do(req); r.status != http.StatusForbidden {
		t.Fatalf("no CSRF token: %d", r.status)
	}
	evaluator := app.client()
	evaluator.signIn("evaluator")
	if r := evaluator.get("/admin/tokens"); r.status != http.StatusForbidden {
		t.Fatalf("evaluator: %d", r.status)
	}
	tokens, _ := app.db.FindTokens(context.Background())
	if len(tokens) != 1 {
		t.Fatalf("%d tokens", len(tokens))
	}
	if r := evaluator.post("/admin/tokens/"+itoa(tokens[0].ID)+"/revoke", nil); r.status != http.StatusForbidden {
		t.Fatalf("evaluator revokes: %d", r.status)
	}
	if r := admin.post("/admin/tokens/"+itoa(tokens[0].ID)+"/revoke", nil); r.status != http.StatusSeeOther {
		t.Fatalf("revoke: %d", r.status)
	}
	if _, err := app.db.AuthenticateToken(context.Background(), secret); ErrorCode(err) != EUnauth {
		t.Fatalf("revoked through the page, still usable: %v", err)
	}
	entries, _ := app.db.FindAudit(context.Background(), AuditFilter{Action: "token."})
	if len(entries) != 2 || entries[0].ActorName != "admin" || entries[1].Action != AuditTokenCreated {
		t.Fatalf("audit %+v", entries)
	}
}

// A bearer token works only for GET under /api/, as a principal of its
// own, and never gets a cookie; anything else is refused as JSON.
func TestTokenMiddleware(t *testing.T) {
	app := newTestApp(t)
	ctx := context.Background()
	_, secret, err := app.db.CreateToken(ctx, TokenInput{Name: "robot"})
	if err != nil {
		t.Fatal(err)
	}
	send := func(method, path, token string) resp {
		req, _ := http.NewRequest(method, app.ts.URL+path, nil)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return resp{status: res.StatusCode, body: string(b), header: res.Header}
	}
	apiCode := func(r resp) string {
		var body struct {
			Error struct {
				Code, Message string
			}
		}
		if err := json.Unmarshal([]byte(r.body), &body); err != nil || body.Error.Message == "" {
			t.Fatalf("not an API error: %d %q", r.status, r.body)
		}
		return body.Error.Code
	}
	cases := []struct {
		name, method, path, token string
		status                    int
		code                      string
	}{
		// No API route is registered in survey's tests: a valid token
		// gets as far as the router.
		{"valid token, api path", "GET", "/api/v1/nothing", secret, http.StatusNotFound, ENotFound},
		{"page", "GET", "/home", secret, http.StatusForbidden, EForbidden},
		{"admin page", "GET", "/admin/tokens", secret, http.StatusForbidden, EForbidden},
		{"climbing out of /api/", "GET", "/api/../admin/tokens", secret, http.StatusForbidden, EForbidden},
		{"post", "POST", "/api/v1/nothing", secret, http.StatusForbidden, EForbidden},
		{"unknown token", "GET", "/api/v1/nothing", newTokenSecret(), http.StatusUnauthorized, EUnauth},
		{"garbage", "GET", "/api/v1/nothing", "letmein", http.StatusUnauthorized, EUnauth},
		{"signed out", "GET", "/api/v1/nothing", "", http.StatusNotFound, ENotFound},
	}
	for _, c := range cases {
		r := send(c.method, c.path, c.token)
		if r.status != c.status || apiCode(r) != c.code {
			t.Errorf("%s: %d %s", c.name, r.status, r.body)
		}
		if c.token != "" && r.header.Get("Set-Cookie") != "" {
			t.Errorf("%s: a bearer request got a cookie: %s", c.name, r.header.Get("Set-Cookie"))
		}
		if c.status == http.StatusUnauthorized && !strings.HasPrefix(r.header.Get("WWW-Authenticate"), "Bearer") {
			t.Errorf("%s: no WWW-Authenticate", c.name)
		}
	}
	tok, _ := app.db.AuthenticateToken(ctx, secret)
	if !tok.LastUsedAt.Valid {
		t.Fatal("last use not recorded")
	}
	refusals, _ := app.db.FindAudit(ctx, AuditFilter{Action: "authz."})
	if len(refusals) == 0 {
		t.Fatal("refused token uses were not audited")
	}
}
