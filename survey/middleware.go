package survey

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"runtime/debug"
	"strings"
	"time"

	"github.com/gorilla/mux"

	"govkpi/static"
)

type ctxKey int

const (
	ctxRequestID ctxKey = iota
	ctxAccount
	ctxLang
	ctxLogInfo
	ctxNonce
)

// logInfo is filled in by inner middleware for the request log line that
// observe, the outermost, writes when the request ends.
type logInfo struct {
	account int64
}

// Session keys.
const (
	sessAccountID = "account_id"
	sessEpoch     = "epoch"
	sessCSRF      = "csrf"
	sessFlash     = "flash"
	// sessImportResult carries "created,updated" across the redirect after an import.
	sessImportResult = "import_result"
)

// RequestID returns the id the observe middleware gave the request.
func RequestID(ctx context.Context) string {
	s, _ := ctx.Value(ctxRequestID).(string)
	return s
}

// CurrentAccount returns the signed-in account, or nil.
func CurrentAccount(ctx context.Context) *Account {
	a, _ := ctx.Value(ctxAccount).(*Account)
	return a
}

// Lang returns the request's interface language.
func Lang(ctx context.Context) string {
	if l, ok := ctx.Value(ctxLang).(string); ok {
		return l
	}
	return static.Languages[0]
}

type statusWriter struct {
	http.ResponseWriter
	status int
	bytes  int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += n
	return n, err
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// observe gives every request an id, recovers panics into a 500 page and
// writes one structured log line per request. It logs the path, never the
// query string or body (they may hold search text or answers).
func (s *Server) observe(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		id := newToken(8)
		w.Header().Set("X-Request-Id", id)
		info := &logInfo{}
		ctx := context.WithValue(r.Context(), ctxRequestID, id)
		ctx = context.WithValue(ctx, ctxLogInfo, info)
		r = r.WithContext(ctx)
		sw := &statusWriter{ResponseWriter: w}
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.Log.Error("panic", "request_id", id, "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
				if sw.status == 0 {
					s.fail(sw, r, fmt.Errorf("panic: %v", v))
				}
			}
			level := slog.LevelInfo
			if r.URL.Path == "/healthz" && sw.status == http.StatusOK {
				level = slog.LevelDebug // monitors poll it; log only failures
			}
			if sw.status >= 500 {
				level = slog.LevelError
			}
			s.Log.LogAttrs(ctx, level, "request",
				slog.String("request_id", id), slog.String("method", r.Method), slog.String("path", r.URL.Path),
				slog.Int("status", sw.status), slog.Int("bytes", sw.bytes),
				slog.Duration("duration", time.Since(start)), slog.Int64("account", info.account),
				slog.String("client", s.clientIP(r)))
		}()
		next.ServeHTTP(sw, r)
	})
}

// secureHeaders sets the security headers on every response. With no inline
// script or style anywhere, the policy can be strict.
func (s *Server) secureHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "+
			"font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()")
		// Pages may show personal data: never keep them in a shared office
		// PC's cache. The asset handler replaces this for static files.
		h.Set("Cache-Control", "no-store")
		if s.Config.TLS || r.TLS != nil {
			h.Set("Strict-Transport-Security", "max-age=63072000; includeSubDomains")
		}
		next.ServeHTTP(w, r)
	})
}

// loadUser finds the signed-in account and the language. A session whose
// account was disabled, or whose password changed since sign-in (the epoch
// moved), is destroyed: that is how those events end every session.
func (s *Server) loadUser(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if secret, ok := bearerSecret(r); ok {
			// A machine with an API token: the session is not read or
			// written (token_handlers.go).
			s.loadToken(w, r, next, secret)
			return
		}
		ctx := r.Context()
		var acct *Account
		if id := s.Sessions.GetInt64(ctx, sessAccountID); id != 0 {
			a, err := s.DB.FindAccountByID(ctx, id)
			switch {
			case err != nil && ErrorCode(err) != ENotFound:
				s.fail(w, r, err)
				return
			case err == nil && !a.Disabled && a.SessionEpoch == s.Sessions.GetInt64(ctx, sessEpoch):
				acct = a
			default:
				if err := s.Sessions.Destroy(ctx); err != nil {
					s.fail(w, r, err)
					return
				}
			}
		}
		lang := s.requestLang(r, acct)
		if info, ok := ctx.Value(ctxLogInfo).(*logInfo); ok && acct != nil {
			info.account = acct.ID
		}
		ctx = context.WithValue(ctx, ctxAccount, acct)
		ctx = context.WithValue(ctx, ctxLang, lang)
		if acct == nil {
			ctx = context.WithValue(ctx, ctxNonce, s.anonymousNonce(w, r))
		}
		ctx = WithActor(ctx, s.actor(r, acct))
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// requestLang is the interface language of a request by acct (nil when
// signed out): the account's choice, the lang cookie, the browser's
// Accept-Language, or the server's default.
func (s *Server) requestLang(r *http.Request, acct *Account) string {
	if acct != nil && static.ValidLanguage(acct.Lang) {
		return acct.Lang
	}
	if c, err := r.Cookie("lang"); err == nil && static.ValidLanguage(c.Value) {
		return c.Value
	}
	if lang := static.MatchLanguage(r.Header.Get("Accept-Language")); lang != "" {
		return lang
	}
	return s.Config.DefaultLang
}

// authorize enforces the matched route's policy (deny when it has none),
// bounds the request body, and checks the per-session CSRF token on every
// unsafe method. A refusal is audited.
func (s *Server) authorize(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name := ""
		if rt := mux.CurrentRoute(r); rt != nil {
			name = rt.GetName()
		}
		p, ok := s.policies[name]
		acct := CurrentAccount(r.Context())
		if !ok || !p.Admits(acct) {
			if acct == nil && ok && r.Method == http.MethodGet && !wantsJSON(r) && !apiRequest(r) {
				http.Redirect(w, r, "/login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
				return
			}
			s.auditRefusal(r, "route", name, r.Method+" "+r.URL.Path)
			if acct == nil {
				s.fail(w, r, Errorf(EUnauth, "err.signin_required"))
				return
			}
			s.fail(w, r, Errorf(EForbidden, "err.forbidden"))
			return
		}
		limit := p.MaxBody
		if limit <= 0 {
			limit = s.Config.MaxBodyBytes
		}
		if r.ContentLength > limit {
			s.fail(w, r, &http.MaxBytesError{Limit: limit})
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, limit)
		if r.Method != http.MethodGet && r.Method != http.MethodHead && r.Method != http.MethodOptions {
			// Parse the body once, here: an oversized body is a 413 even
			// without a Content-Length, and handlers read r.PostForm.
			if err := parseBody(r); err != nil {
				s.fail(w, r, err)
				return
			}
			if !s.validCSRF(r) {
				s.auditRefusal(r, "route", name, "csrf token")
				if name == "login.post" {
					// The sign-in page sat open past the idle timeout: show the
					// form again with a fresh token and the name kept.
					s.loginAgain(w, r)
					return
				}
				s.fail(w, r, Errorf(EForbidden, "err.csrf"))
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

// parseBody reads a form or multipart body; a body over the route's limit
// is returned as the *http.MaxBytesError (413), anything else unreadable as
// EInvalid.
func parseBody(r *http.Request) error {
	// ParseMultipartForm would parse a non-multipart body first and drop
	// that error, so choose by content type.
	var err error
	if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
		err = r.ParseMultipartForm(32 << 20)
	} else {
		err = r.ParseForm()
	}
	var mbe *http.MaxBytesError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &mbe):
		return mbe
	}
	return &Error{Code: EInvalid, Key: "err.bad_request", Wrapped: err}
}

// csrfToken returns the token every form carries. A signed-in user's token
// lives in the session. A visitor who is not signed in gets a stateless one:
// an HMAC of the nonce in their csrf cookie, so showing the sign-in page
// writes nothing to the database.
func (s *Server) csrfToken(ctx context.Context) string {
	if CurrentAccount(ctx) == nil {
		nonce, _ := ctx.Value(ctxNonce).(string)
		return s.signNonce(nonce)
	}
	t := s.Sessions.GetString(ctx, sessCSRF)
	if t == "" {
		t = newToken(32)
		s.Sessions.Put(ctx, sessCSRF, t)
	}
	return t
}

func (s *Server) signNonce(nonce string) string {
	m := hmac.New(sha256.New, s.csrfKey)
	m.Write([]byte(nonce))
	return hex.EncodeToString(m.Sum(nil))
}

func (s *Server) validCSRF(r *http.Request) bool {
	got := r.Header.Get("X-CSRF-Token")
	if got == "" {
		got = r.PostFormValue("csrf")
	}
	var want string
	if CurrentAccount(r.Context()) != nil {
		want = s.Sessions.GetString(r.Context(), sessCSRF)
	} else if nonce, _ := r.Context().Value(ctxNonce).(string); nonce != "" {
		want = s.signNonce(nonce)
	}
	return want != "" && subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}

// csrfCookie is the name of the anonymous CSRF nonce cookie.
func (s *Server) csrfCookie() string {
	if s.Config.TLS {
		return "__Host-govkpi_csrf"
	}
	return "govkpi_csrf"
}

// anonymousNonce returns the visitor's CSRF nonce, setting the cookie when
// there is none.
func (s *Server) anonymousNonce(w http.ResponseWriter, r *http.Request) string {
	if c, err := r.Cookie(s.csrfCookie()); err == nil && len(c.Value) == 32 {
		return c.Value
	}
	nonce := newToken(16)
	http.SetCookie(w, &http.Cookie{Name: s.csrfCookie(), Value: nonce, Path: "/", HttpOnly: true,
		Secure: s.Config.TLS, SameSite: http.SameSiteStrictMode})
	return nonce
}

// fail is the one place errors become responses: the code picks the status,
// users see a plain message and the request id, internal errors are logged.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	status, key := http.StatusInternalServerError, "err.internal"
	var e *Error
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &mbe):
		status, key = http.StatusRequestEntityTooLarge, "err.too_large"
	case errors.As(err, &e):
		key = e.Key
		status = ErrorStatus(e.Code)
	}
	if status == http.StatusInternalServerError {
		key = "err.internal"
		s.Log.Error("internal error", "request_id", RequestID(r.Context()), "path", r.URL.Path, "err", err)
	}
	if apiRequest(r) {
		code := EInternal
		switch {
		case e != nil && status != http.StatusInternalServerError:
			code = e.Code
		case mbe != nil:
			code = "too_large"
		}
		writeJSON(w, status, apiError{Error: apiErrorBody{Code: code, Message: s.Cat.T(Lang(r.Context()), key),
			RequestID: RequestID(r.Context())}})
		return
	}
	if wantsJSON(r) {
		writeJSON(w, status, jsonError{Error: key, Message: s.Cat.T(Lang(r.Context()), key), RequestID: RequestID(r.Context())})
		return
	}
	p := s.page(r, "title.error")
	p.Data = struct {
		Status  int
		Message string
	}{status, key}
	if rerr := s.Render.Render(w, status, "error", p); rerr != nil {
		s.Log.Error("render error page", "request_id", RequestID(r.Context()), "err", rerr)
		http.Error(w, http.StatusText(status), status)
	}
}

// jsonError is the body of an error answered to a script.
type jsonError struct {
	Error     string `json:"error"` // catalogue key, e.g. "err.signin_required"
	Message   string `json:"message"`
	RequestID string `json:"request_id"`
}

// wantsJSON reports whether the request comes from a script that reads
// JSON (it sends Accept: application/json): such a request gets its errors
// as JSON and a missing session as a 401, never a sign-in page or redirect.
func wantsJSON(r *http.Request) bool {
	return strings.Contains(r.Header.Get("Accept"), "application/json")
}

// writeJSON answers v as JSON with status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status, b = http.StatusInternalServerError, []byte(`{"error":"err.internal"}`)
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	w.Write(append(b, '\n'))
}

// ErrorStatus maps an error code to its HTTP status.
func ErrorStatus(code string) int {
	switch code {
	case EInvalid:
		return http.StatusBadRequest
	case ENotFound:
		return http.StatusNotFound
	case EConflict:
		return http.StatusConflict
	case EForbidden:
		return http.StatusForbidden
	case EUnauth:
		return http.StatusUnauthorized
	case ETooMany:
		return http.StatusTooManyRequests
	}
	return http.StatusInternalServerError
}

// page starts a Page for the request with the layout's data filled in.
func (s *Server) page(r *http.Request, title string) *static.Page {
	ctx := r.Context()
	p := s.Render.NewPage(Lang(ctx))
	p.Title = title
	p.Path = r.URL.Path
	p.RequestID = RequestID(ctx)
	if a := CurrentAccount(ctx); a != nil {
		name := a.DisplayName
		if name == "" {
			name = a.Username
		}
		p.User = &static.User{ID: a.ID, Username: a.Username, Name: name, Role: string(a.Role), Department: a.DepartmentName(p.Lang)}
	}
	if ctx.Value(ctxLang) != nil { // inside the session middleware
		p.CSRFFunc = func() string { return s.csrfToken(ctx) }
		if f := s.Sessions.PopString(ctx, sessFlash); f != "" {
			p.FlashKind, p.Flash, _ = cutFlash(f)
		}
	}
	return p
}

// flash stores a one-time message shown on the next page.
func (s *Server) flash(r *http.Request, kind, key string) {
	s.Sessions.Put(r.Context(), sessFlash, kind+":"+key)
}

func cutFlash(f string) (kind, key string, ok bool) {
	for i := 0; i < len(f); i++ {
		if f[i] == ':' {
			return f[:i], f[i+1:], true
		}
	}
	return "info", f, false
}

// render writes a page or, if the template fails, the error page.
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, name string, p *static.Page) {
	if err := s.Render.Render(w, status, name, p); err != nil {
		s.fail(w, r, err)
	}
}

// auditRefusal records a refused request, at most refusalAuditBurst per
// client per minute, so a flood of refused requests cannot turn into a flood
// of durable writes; the rest are counted in the log.
func (s *Server) auditRefusal(r *http.Request, objType, objID, detail string) {
	if !s.refusals.allow(s.clientIP(r)) {
		s.Log.Warn("refusal not audited (rate limit)", "request_id", RequestID(r.Context()), "client", s.clientIP(r))
		return
	}
	s.audit(r, AuditForbidden, objType, objID, detail)
}

// actor is who the request's changes are audited as.
func (s *Server) actor(r *http.Request, a *Account) AuditEntry {
	e := AuditEntry{ClientIP: s.clientIP(r), RequestID: RequestID(r.Context())}
	if a != nil {
		e.ActorID = sql.NullInt64{Int64: a.ID, Valid: a.ID != 0} // 0: an API token's principal
		e.ActorName = a.Username
	}
	return e
}

// audit records an entry for the request's account; a failure to write the
// audit log is logged, not shown, so it never hides the response.
func (s *Server) audit(r *http.Request, action, objType, objID, detail string) {
	e := AuditEntry{Action: action, ObjectType: objType, ObjectID: truncate(objID, 128), Detail: truncate(detail, 256),
		ClientIP: s.clientIP(r), RequestID: RequestID(r.Context())}
	if a := CurrentAccount(r.Context()); a != nil {
		e.ActorID = sql.NullInt64{Int64: a.ID, Valid: a.ID != 0} // 0: an API token's principal
		e.ActorName = a.Username
	}
	if err := s.DB.Audit(r.Context(), e); err != nil {
		s.Log.Error("audit", "request_id", RequestID(r.Context()), "action", action, "err", err)
	}
}

// AuditRequest records action on an object by the request's account, as
// the server's own handlers do: for other packages' handlers (exports).
func (s *Server) AuditRequest(r *http.Request, action, objType, objID, detail string) {
	s.audit(r, action, objType, objID, detail)
}

// clientIP is the client's address: the connection's, or, when the
// connection comes from a configured trusted proxy, the nearest address in
// X-Forwarded-For that is not itself a trusted proxy. A client cannot spoof
// it by sending the header directly.
func (s *Server) clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	addr, err := netip.ParseAddr(host)
	if err != nil || !s.trusted(addr) {
		return host
	}
	hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
	for i := len(hops) - 1; i >= 0; i-- {
		a, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			break
		}
		if !s.trusted(a) {
			return a.Unmap().String()
		}
	}
	return host
}

func (s *Server) trusted(a netip.Addr) bool {
	a = a.Unmap()
	for _, p := range s.Config.TrustedProxies {
		if p.Contains(a) {
			return true
		}
	}
	return false
}
