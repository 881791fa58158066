package survey

import (
	"context"
	"net/http"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"
)

// The API tokens: the admin's page that makes, lists and revokes them, and
// the middleware step that signs a request in with one.

// bearerSecret returns the secret of an Authorization: Bearer header.
func bearerSecret(r *http.Request) (string, bool) {
	scheme, secret, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	return strings.TrimSpace(secret), true
}

// apiRequest reports whether the request is a machine's: a path under
// /api/ or a bearer token. Its errors are answered as API errors
// ({"error": {"code", "message", "request_id"}}), never a page or a
// redirect to the sign-in form.
func apiRequest(r *http.Request) bool {
	if strings.HasPrefix(r.URL.Path, "/api/") {
		return true
	}
	_, ok := bearerSecret(r)
	return ok
}

// apiError is the body of an API error.
type apiError struct {
	Error apiErrorBody `json:"error"`
}

type apiErrorBody struct {
	Code      string `json:"code"` // the error code: not_found, unauthorized, forbidden, invalid, internal…
	Message   string `json:"message"`
	RequestID string `json:"request_id"`
}

// tokenReach reports whether a token may be used for the request: reading
// (GET or HEAD) a path under /api/. The cleaned path is checked, so a
// path that climbs out of /api/ is not let through on its prefix.
func tokenReach(r *http.Request) bool {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		return false
	}
	p := r.URL.Path
	return p == path.Clean(p) && strings.HasPrefix(p, "/api/")
}

// loadToken signs a request in with an API token, in place of the
// session: the request acts as a read-only evaluator named after the token
// (never as the admin who made it), reads and writes no session, and so
// gets no session cookie. A token used for anything but reading /api/ is
// refused (403) before it is looked up; a malformed, unknown, expired or
// revoked one is refused (401). A request that also carries a session
// cookie is refused (400): it must say which of the two it is.
func (s *Server) loadToken(w http.ResponseWriter, r *http.Request, next http.Handler, secret string) {
	ctx := context.WithValue(r.Context(), ctxLang, s.requestLang(r, nil))
	r = r.WithContext(ctx)
	if !tokenReach(r) {
		w.Header().Set("WWW-Authenticate", `Bearer error="insufficient_scope"`)
		s.auditRefusal(r, "request", r.URL.Path, "api token outside GET /api/: "+r.Method)
		s.fail(w, r, Errorf(EForbidden, "err.token_scope"))
		return
	}
	if _, err := r.Cookie(s.Sessions.Cookie.Name); err == nil {
		s.fail(w, r, Errorf(EInvalid, "err.token_and_session"))
		return
	}
	t, err := s.DB.AuthenticateToken(ctx, secret)
	if err != nil {
		if ErrorCode(err) == EUnauth {
			w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
			s.auditRefusal(r, "request", r.URL.Path, "api token refused")
		}
		s.fail(w, r, err)
		return
	}
	if err := s.DB.TouchToken(ctx, t); err != nil {
		// The request is answered anyway: last use is a hint for admins.
		s.Log.Error("touch api token", "request_id", RequestID(ctx), "token", t.ID, "err", err)
	}
	principal := &Account{Username: "token:" + t.Name, DisplayName: t.Name, Role: RoleEvaluator}
	ctx = context.WithValue(ctx, ctxAccount, principal)
	ctx = WithActor(ctx, s.actor(r, principal))
	next.ServeHTTP(w, r.WithContext(ctx))
}

// tokensData is the tokens page: every token, and the secret of the one
// just made (shown this once).
type tokensData struct {
	Tokens  []Token
	Now     time.Time
	Secret  string
	Created *Token
	Expiry  []int // the choices of the expiry field, in days; 0 is never
}

var tokenExpiryDays = []int{30, 90, 365, 0}

func (s *Server) tokensPage(w http.ResponseWriter, r *http.Request, status int, d tokensData, form map[string]string, err error) {
	tokens, lerr := s.DB.FindTokens(r.Context())
	if lerr != nil {
		s.fail(w, r, lerr)
		return
	}
	d.Tokens, d.Now, d.Expiry = tokens, time.Now(), tokenExpiryDays
	p := s.page(r, "title.tokens")
	p.Form.Set("expires_in", "90")
	for k, v := range form {
		p.Form.Set(k, v)
	}
	p.Errors = formErrors(err)
	p.Data = d
	s.render(w, r, status, "tokens", p)
}

func (s *Server) handleTokens(w http.ResponseWriter, r *http.Request) {
	s.tokensPage(w, r, http.StatusOK, tokensData{}, nil, nil)
}

// handleTokenCreate makes a token and shows its secret on the page it
// answers with, not after a redirect: the secret is never put in the
// session or anywhere else to be shown again.
func (s *Server) handleTokenCreate(w http.ResponseWriter, r *http.Request) {
	form := map[string]string{"name": truncate(r.PostFormValue("name"), 65), "expires_in": r.PostFormValue("expires_in")}
	in := TokenInput{Name: form["name"]}
	days, err := strconv.Atoi(form["expires_in"])
	if err != nil || !slices.Contains(tokenExpiryDays, days) {
		s.tokensPage(w, r, http.StatusBadRequest, tokensData{}, form,
			&Error{Code: EInvalid, Key: "err.form_invalid", Fields: FieldErrors{"expires_in": "err.token_expiry"}})
		return
	}
	if days > 0 {
		in.Expires = time.Now().AddDate(0, 0, days)
	}
	t, secret, err := s.DB.CreateToken(r.Context(), in)
	if formErrors(err) != nil {
		s.tokensPage(w, r, http.StatusBadRequest, tokensData{}, form, err)
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.tokensPage(w, r, http.StatusOK, tokensData{Secret: secret, Created: t}, nil, nil)
}

func (s *Server) handleTokenRevoke(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if err := s.DB.RevokeToken(r.Context(), id); err != nil {
		s.fail(w, r, err)
		return
	}
	s.flash(r, "ok", "flash.token_revoked")
	http.Redirect(w, r, "/admin/tokens", http.StatusSeeOther)
}
