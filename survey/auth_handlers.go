package survey

import (
	"context"
	"math"
	"net/http"
	"net/url"
	"strings"
	"time"

	"govkpi/static"
)

func (s *Server) handleHealth(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	if err := s.DB.Ping(ctx); err != nil {
		s.Log.Error("health check", "request_id", RequestID(r.Context()), "err", err)
		w.WriteHeader(http.StatusServiceUnavailable)
		w.Write([]byte(`{"status":"unavailable","database":"down"}` + "\n"))
		return
	}
	w.Write([]byte(`{"status":"ok","database":"` + s.DB.Dialect + `","version":"` + s.Config.Version + `"}` + "\n"))
}

func (s *Server) handleRoot(w http.ResponseWriter, r *http.Request) {
	if CurrentAccount(r.Context()) != nil {
		http.Redirect(w, r, "/home", http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}

// handleLang switches the interface language of a visitor who is not
// signed in, with a cookie only: a GET form, so it needs no session and
// changes nothing stored. Signed-in users switch through POST /me/lang.
func (s *Server) handleLang(w http.ResponseWriter, r *http.Request) {
	lang := r.URL.Query().Get("lang")
	if !static.ValidLanguage(lang) {
		s.fail(w, r, Errorf(EInvalid, "err.lang"))
		return
	}
	s.setLangCookie(w, lang)
	http.Redirect(w, r, localPath(r.URL.Query().Get("next"), "/"), http.StatusSeeOther)
}

func (s *Server) setLangCookie(w http.ResponseWriter, lang string) {
	http.SetCookie(w, &http.Cookie{Name: "lang", Value: lang, Path: "/", MaxAge: 365 * 24 * 3600,
		HttpOnly: true, Secure: s.Config.TLS, SameSite: http.SameSiteLaxMode})
}

// localPath returns p when it is a path on this site, else def; it stops
// open redirects such as //evil.example or /\evil.example.
func localPath(p, def string) string {
	if p == "" || !strings.HasPrefix(p, "/") || strings.HasPrefix(p, "//") || strings.Contains(p, `\`) {
		return def
	}
	u, err := url.Parse(p)
	if err != nil || u.Host != "" || u.Scheme != "" {
		return def
	}
	return p
}

type loginData struct {
	Next    string
	Message string // catalogue key of the refusal
	Wait    int    // minutes to wait when throttled
}

func (s *Server) handleLoginForm(w http.ResponseWriter, r *http.Request) {
	if CurrentAccount(r.Context()) != nil {
		http.Redirect(w, r, "/home", http.StatusSeeOther)
		return
	}
	p := s.page(r, "title.login")
	d := loginData{Next: localPath(r.URL.Query().Get("next"), "")}
	if r.URL.Query().Get("changed") == "1" {
		p.Flash, p.FlashKind = "flash.password_changed_signin", "ok"
	}
	p.Data = d
	s.render(w, r, http.StatusOK, "login", p)
}

// loginAgain shows the sign-in form after a stale token, keeping the name.
func (s *Server) loginAgain(w http.ResponseWriter, r *http.Request) {
	p := s.page(r, "title.login")
	p.Form.Set("username", truncate(strings.TrimSpace(r.PostFormValue("username")), 64))
	p.Data = loginData{Next: localPath(r.PostFormValue("next"), ""), Message: "err.login_expired"}
	s.render(w, r, http.StatusForbidden, "login", p)
}

// handleLogin signs in. Every refusal says the same thing whether or not the
// account exists; a new session id is issued on success.
func (s *Server) handleLogin(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	username := truncate(strings.TrimSpace(r.PostFormValue("username")), 64)
	password := r.PostFormValue("password")
	ip := s.clientIP(r)
	p := s.page(r, "title.login")
	p.Form.Set("username", username)
	d := loginData{Next: localPath(r.PostFormValue("next"), "")}

	if ok, wait := s.Throttle.Reserve(username, ip); !ok {
		s.auditAs(r, nil, username, AuditSignInThrottled)
		d.Message, d.Wait = "err.signin_throttled", int(math.Ceil(wait.Minutes()))
		p.Data = d
		s.render(w, r, http.StatusTooManyRequests, "login", p)
		return
	}
	// At most one argon2 check per core at a time: each takes 19 MiB.
	select {
	case s.hashes <- struct{}{}:
	case <-time.After(5 * time.Second):
		s.fail(w, r, Errorf(ETooMany, "err.busy"))
		return
	}
	acct, err := s.DB.Authenticate(ctx, username, password)
	<-s.hashes
	if err != nil {
		if ErrorCode(err) != EUnauth {
			s.fail(w, r, err)
			return
		}
		s.auditAs(r, nil, username, AuditSignInFailed)
		d.Message = "err.signin_failed"
		p.Data = d
		s.render(w, r, http.StatusUnauthorized, "login", p)
		return
	}
	s.Throttle.Succeed(username, ip)
	if err := s.DB.TouchLogin(ctx, acct.ID); err != nil {
		s.fail(w, r, err)
		return
	}
	if err := s.Sessions.RenewToken(ctx); err != nil {
		s.fail(w, r, err)
		return
	}
	s.Sessions.Put(ctx, sessAccountID, acct.ID)
	s.Sessions.Put(ctx, sessEpoch, acct.SessionEpoch)
	s.Sessions.Put(ctx, sessCSRF, newToken(32))
	s.auditAs(r, acct, acct.Username, AuditSignIn)
	http.Redirect(w, r, localPath(d.Next, "/home"), http.StatusSeeOther)
}

// auditAs records a sign-in event for a named (possibly unknown) account.
func (s *Server) auditAs(r *http.Request, a *Account, username, action string) {
	e := AuditEntry{Action: action, ObjectType: "account", ObjectID: truncate(username, 64),
		ClientIP: s.clientIP(r), RequestID: RequestID(r.Context()), ActorName: truncate(username, 64)}
	if a != nil {
		e.ActorID.Int64, e.ActorID.Valid = a.ID, true
	}
	if err := s.DB.Audit(r.Context(), e); err != nil {
		s.Log.Error("audit", "request_id", RequestID(r.Context()), "action", action, "err", err)
	}
}

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) > n {
		return string(r[:n])
	}
	return s
}

func (s *Server) handleLogout(w http.ResponseWriter, r *http.Request) {
	s.audit(r, AuditSignOut, "account", "", "")
	if err := s.Sessions.Destroy(r.Context()); err != nil {
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}

type homeData struct {
	Departments int
	Accounts    int
	Campaigns   []Campaign   // admins and evaluators
	Assignments []Assignment // an official's own department only
	Runs        []ListedRun  // published runs; drafts too for admins and evaluators
	DeptCode    string       // an official's department, for their profile's link
}

func (s *Server) handleHome(w http.ResponseWriter, r *http.Request) {
	p := s.page(r, "title.home")
	d := homeData{}
	a := CurrentAccount(r.Context())
	var err error
	switch a.Role {
	case RoleOfficial:
		// Only the account's own department: the query takes no id from the request.
		if a.DepartmentID.Valid && CanSeeDepartment(a, a.DepartmentID.Int64) {
			if d.Assignments, err = s.DB.FindAssignmentsForDepartment(r.Context(), a.DepartmentID.Int64); err != nil {
				s.fail(w, r, err)
				return
			}
			for i := range d.Assignments {
				if d.Assignments[i].State != "returned" {
					continue
				}
				if d.Assignments[i].Return, err = s.DB.LastReturn(r.Context(), d.Assignments[i].ID); err != nil {
					s.fail(w, r, err)
					return
				}
			}
		}
	case RoleAdmin, RoleEvaluator:
		if d.Campaigns, err = s.DB.FindCampaigns(r.Context()); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	d.DeptCode = a.DepartmentCode
	// Results: officials see published runs (their profile and the
	// overview); evaluators and admins drafts too.
	if d.Runs, err = s.DB.ListedRuns(r.Context(), a.Role != RoleOfficial); err != nil {
		s.fail(w, r, err)
		return
	}
	if a.Role == RoleAdmin {
		if _, d.Departments, err = s.DB.FindDepartments(r.Context(), DepartmentFilter{Limit: 1}); err != nil {
			s.fail(w, r, err)
			return
		}
		if d.Accounts, err = s.DB.CountAccounts(r.Context()); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	p.Data = d
	s.render(w, r, http.StatusOK, "home", p)
}

func (s *Server) handleMe(w http.ResponseWriter, r *http.Request) {
	p := s.page(r, "title.me")
	p.Form.Set("lang", CurrentAccount(r.Context()).Lang)
	s.render(w, r, http.StatusOK, "me", p)
}

// handleMyPassword changes the signed-in account's own password after
// checking the current one; every session of the account ends, this one too.
func (s *Server) handleMyPassword(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	a := CurrentAccount(ctx)
	current, next, confirm := r.PostFormValue("current"), r.PostFormValue("password"), r.PostFormValue("confirm")
	p := s.page(r, "title.me")
	p.Form.Set("lang", a.Lang)
	fe := FieldErrors{}
	ok, err := s.DB.CheckAccountPassword(ctx, a.ID, current)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if !ok {
		fe.Add("current", "err.current_password")
	}
	if key := ValidatePassword(next, a.Username); key != "" {
		fe.Add("password", key)
	} else if next != confirm {
		fe.Add("confirm", "err.password_mismatch")
	}
	if len(fe) > 0 {
		p.Errors = fe
		s.render(w, r, http.StatusBadRequest, "me", p)
		return
	}
	if err := s.DB.SetPassword(ctx, a.ID, a.Username, next); err != nil {
		s.fail(w, r, err)
		return
	}
	if err := s.Sessions.Destroy(ctx); err != nil {
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/login?changed=1", http.StatusSeeOther)
}

func (s *Server) handleMyLang(w http.ResponseWriter, r *http.Request) {
	a := CurrentAccount(r.Context())
	lang := r.PostFormValue("lang")
	if err := s.DB.SetAccountLang(r.Context(), a.ID, lang); err != nil {
		if ErrorCode(err) == EInvalid {
			p := s.page(r, "title.me")
			p.Form.Set("lang", lang)
			p.Errors = map[string]string{"lang": "err.lang"}
			s.render(w, r, http.StatusBadRequest, "me", p)
			return
		}
		s.fail(w, r, err)
		return
	}
	if lang != "" {
		s.setLangCookie(w, lang)
	}
	if next := r.PostFormValue("next"); next != "" {
		http.Redirect(w, r, localPath(next, "/me"), http.StatusSeeOther)
		return
	}
	s.flash(r, "ok", "flash.saved")
	http.Redirect(w, r, "/me", http.StatusSeeOther)
}
