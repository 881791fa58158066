package survey

import (
	"net/http"
	"strconv"
	"strings"
)

type accountsData struct {
	Accounts []Account
	Roles    []Role
	Pager    Pager
}

func (s *Server) handleAccounts(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := AccountFilter{Query: truncate(strings.TrimSpace(q.Get("q")), 64), Role: q.Get("role"), Limit: listPageSize}
	if !Role(f.Role).Valid() {
		f.Role = ""
	}
	page := pageParam(r)
	f.Offset = (page - 1) * listPageSize
	accts, total, err := s.DB.FindAccounts(r.Context(), f)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	p := s.page(r, "title.accounts")
	p.Form.Set("q", f.Query)
	p.Form.Set("role", f.Role)
	p.Data = accountsData{Accounts: accts, Roles: Roles, Pager: newPager(r, page, listPageSize, total)}
	s.render(w, r, http.StatusOK, "accounts", p)
}

type accountFormData struct {
	Roles       []Role
	Departments []DepartmentOption
}

func (s *Server) accountForm(w http.ResponseWriter, r *http.Request, status int, form map[string]string, errs map[string]string) {
	opts, err := s.DB.DepartmentOptions(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	p := s.page(r, "title.account_new")
	for k, v := range form {
		p.Form.Set(k, v)
	}
	if errs != nil {
		p.Errors = errs
	}
	p.Data = accountFormData{Roles: Roles, Departments: opts}
	s.render(w, r, status, "account_form", p)
}

func (s *Server) handleAccountNew(w http.ResponseWriter, r *http.Request) {
	s.accountForm(w, r, http.StatusOK, map[string]string{"role": string(RoleOfficial)}, nil)
}

// handleAccountCreate reads only the fields an admin may set; the password
// is never echoed back into the form.
func (s *Server) handleAccountCreate(w http.ResponseWriter, r *http.Request) {
	in := AccountInput{
		Username: r.PostFormValue("username"), DisplayName: r.PostFormValue("display_name"),
		Role: Role(r.PostFormValue("role")), DepartmentCode: r.PostFormValue("department"),
		Password: r.PostFormValue("password"), Lang: r.PostFormValue("lang"),
	}
	form := map[string]string{"username": in.Username, "display_name": in.DisplayName, "role": string(in.Role),
		"department": in.DepartmentCode, "lang": in.Lang}
	if in.Role != RoleOfficial {
		in.DepartmentCode = "" // only officials belong to a department
	}
	_, err := s.DB.CreateAccount(r.Context(), in)
	if fields := formErrors(err); fields != nil {
		s.accountForm(w, r, ErrorStatus(ErrorCode(err)), form, fields)
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.flash(r, "ok", "flash.saved")
	http.Redirect(w, r, "/admin/accounts", http.StatusSeeOther)
}

func (s *Server) handleAccountDisabled(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	disabled, err := formBool(r, "disabled")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if me := CurrentAccount(r.Context()); me.ID == id && disabled {
		s.flash(r, "error", "err.disable_self")
		http.Redirect(w, r, "/admin/accounts", http.StatusSeeOther)
		return
	}
	if err := s.DB.SetAccountDisabled(r.Context(), id, disabled); err != nil {
		s.fail(w, r, err)
		return
	}
	s.flash(r, "ok", "flash.saved")
	http.Redirect(w, r, "/admin/accounts", http.StatusSeeOther)
}

type resetData struct {
	Account *Account
}

// accountFromPath loads the account named by the {id} path parameter.
func (s *Server) accountFromPath(r *http.Request) (*Account, error) {
	id, err := pathID(r)
	if err != nil {
		return nil, err
	}
	return s.DB.FindAccountByID(r.Context(), id)
}

func (s *Server) handleAccountResetForm(w http.ResponseWriter, r *http.Request) {
	a, err := s.accountFromPath(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	p := s.page(r, "title.account_reset")
	p.Data = resetData{Account: a}
	s.render(w, r, http.StatusOK, "account_reset", p)
}

// handleAccountReset sets a new password chosen by the admin; the account's
// sessions end.
func (s *Server) handleAccountReset(w http.ResponseWriter, r *http.Request) {
	a, err := s.accountFromPath(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	password, confirm := r.PostFormValue("password"), r.PostFormValue("confirm")
	p := s.page(r, "title.account_reset")
	p.Data = resetData{Account: a}
	if key := ValidatePassword(password, a.Username); key != "" {
		p.Errors = map[string]string{"password": key}
		s.render(w, r, http.StatusBadRequest, "account_reset", p)
		return
	}
	if password != confirm {
		p.Errors = map[string]string{"confirm": "err.password_mismatch"}
		s.render(w, r, http.StatusBadRequest, "account_reset", p)
		return
	}
	if err := s.DB.SetPassword(r.Context(), a.ID, a.Username, password); err != nil {
		s.fail(w, r, err)
		return
	}
	s.flash(r, "ok", "flash.password_reset")
	http.Redirect(w, r, "/admin/accounts", http.StatusSeeOther)
}

type auditData struct {
	Entries []AuditEntry
	Actions []string
	NextURL string // the next (older) page, "" at the end
}

// auditPrefixes are the filters the audit page offers; only these reach SQL.
var auditPrefixes = []string{"auth.", "authz.", "account.", "department.", "instrument.", "campaign.", "framework.", "ahp.", "export.", "token."}

func (s *Server) handleAudit(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := AuditFilter{Action: q.Get("action"), Actor: truncate(strings.TrimSpace(q.Get("actor")), 64), Limit: 100}
	ok := false
	for _, p := range auditPrefixes {
		ok = ok || f.Action == p
	}
	if !ok {
		f.Action = ""
	}
	f.BeforeID, _ = strconv.ParseInt(q.Get("before"), 10, 64)
	entries, err := s.DB.FindAudit(r.Context(), f)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	p := s.page(r, "title.audit")
	p.Form.Set("action", f.Action)
	p.Form.Set("actor", f.Actor)
	d := auditData{Entries: entries, Actions: auditPrefixes}
	if len(entries) == f.Limit {
		q := r.URL.Query()
		q.Set("before", itoa(entries[len(entries)-1].ID))
		d.NextURL = r.URL.Path + "?" + q.Encode()
	}
	p.Data = d
	s.render(w, r, http.StatusOK, "audit", p)
}
