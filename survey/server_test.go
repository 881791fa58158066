package survey

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

const testPassword = "test password 123"

type testApp struct {
	t   *testing.T
	db  *DB
	srv *Server
	ts  *httptest.Server
}

// newTestApp starts the whole HTTP stack on a fresh SQLite database with one
// department tree and an account per role.
func newTestApp(t *testing.T) *testApp {
	t.Helper()
	return newTestAppDSN(t, filepath.Join(t.TempDir(), "app.db"))
}

func newTestAppDSN(t *testing.T, dsn string) *testApp {
	t.Helper()
	ctx := context.Background()
	db, err := Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	srv, err := NewServer(db, slog.New(slog.NewTextHandler(io.Discard, nil)), ServerConfig{
		IdleTimeout: 30 * time.Minute, SessionMax: 12 * time.Hour, Version: "test",
	})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	t.Cleanup(func() { ts.Close(); srv.Close(); db.Close() })
	mustDept(t, db, "LJ", "澜江市人民政府", "city", "")
	mustDept(t, db, "LJ-ZSJ", "澜江市政务服务和数据管理局", "city", "LJ")
	mustDept(t, db, "LJ-GA", "澜江市公安局", "city", "LJ")
	for _, a := range []AccountInput{
		{Username: "admin", DisplayName: "王考核", Role: RoleAdmin},
		{Username: "evaluator", DisplayName: "李评估", Role: RoleEvaluator},
		{Username: "official", DisplayName: "陈数据", Role: RoleOfficial, DepartmentCode: "LJ-ZSJ"},
		{Username: "official2", DisplayName: "张警官", Role: RoleOfficial, DepartmentCode: "LJ-GA"},
	} {
		a.Password = testPassword
		if _, err := db.CreateAccount(ctx, a); err != nil {
			t.Fatal(err)
		}
	}
	return &testApp{t: t, db: db, srv: srv, ts: ts}
}

type client struct {
	app  *testApp
	http *http.Client
	csrf string
}

type resp struct {
	status int
	body   string
	header http.Header
}

func (a *testApp) client() *client {
	jar, _ := cookiejar.New(nil)
	return &client{app: a, http: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}}
}

var csrfField = regexp.MustCompile(`name="csrf" value="([0-9a-f]+)"`)

func (c *client) do(req *http.Request) resp {
	c.app.t.Helper()
	res, err := c.http.Do(req)
	if err != nil {
		c.app.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if m := csrfField.FindStringSubmatch(string(b)); m != nil {
		c.csrf = m[1]
	}
	return resp{status: res.StatusCode, body: string(b), header: res.Header}
}

func (c *client) get(path string) resp {
	c.app.t.Helper()
	req, _ := http.NewRequest("GET", c.app.ts.URL+path, nil)
	return c.do(req)
}

// post sends a form with the client's current CSRF token (fetching a page
// first if it has none).
func (c *client) post(path string, form url.Values) resp {
	c.app.t.Helper()
	if c.csrf == "" {
		c.get("/login")
		if c.csrf == "" {
			c.get("/me")
		}
	}
	if form == nil {
		form = url.Values{}
	}
	if !form.Has("csrf") {
		form.Set("csrf", c.csrf)
	}
	req, _ := http.NewRequest("POST", c.app.ts.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return c.do(req)
}

func (c *client) signIn(username string) {
	c.app.t.Helper()
	c.get("/login")
	r := c.post("/login", url.Values{"username": {username}, "password": {testPassword}})
	if r.status != http.StatusSeeOther || r.header.Get("Location") != "/home" {
		c.app.t.Fatalf("sign-in as %s: %d %s", username, r.status, r.header.Get("Location"))
	}
	c.get("/home") // picks up the new session's CSRF token
}

func (c *client) sessionCookie() string {
	u, _ := url.Parse(c.app.ts.URL)
	for _, ck := range c.http.Jar.Cookies(u) {
		if ck.Name == "govkpi_session" {
			return ck.Value
		}
	}
	return ""
}

func TestSignInRenewsSessionAndSignOutEndsIt(t *testing.T) {
	for dialect, dsn := range testDSNs(t) {
		t.Run(dialect, func(t *testing.T) {
			app := newTestAppDSN(t, dsn)
			c := app.client()
			c.get("/login")
			if c.sessionCookie() != "" {
				t.Fatal("showing the sign-in form created a session (a durable write per visit)")
			}
			// An attacker plants a session id before sign-in (fixation).
			before := "planted-by-attacker-0123456789abcdef0123456789"
			u0, _ := url.Parse(app.ts.URL)
			c.http.Jar.SetCookies(u0, []*http.Cookie{{Name: "govkpi_session", Value: before}})
			c.signIn("official")
			after := c.sessionCookie()
			if after == "" || after == before {
				t.Fatalf("session id not renewed at sign-in: %q → %q", before, after)
			}
			if r := c.get("/home"); r.status != 200 || !strings.Contains(r.body, "陈数据") {
				t.Fatalf("home: %d", r.status)
			}
			// The pre-sign-in id must not be a way in.
			old := app.client()
			u, _ := url.Parse(app.ts.URL)
			old.http.Jar.SetCookies(u, []*http.Cookie{{Name: "govkpi_session", Value: before}})
			if r := old.get("/home"); r.status != http.StatusSeeOther {
				t.Fatalf("old session id still signed in: %d", r.status)
			}
			if r := c.post("/logout", nil); r.status != http.StatusSeeOther {
				t.Fatalf("sign-out: %d", r.status)
			}
			stolen := app.client()
			stolen.http.Jar.SetCookies(u, []*http.Cookie{{Name: "govkpi_session", Value: after}})
			if r := stolen.get("/home"); r.status != http.StatusSeeOther || !strings.HasPrefix(r.header.Get("Location"), "/login") {
				t.Fatalf("session alive after sign-out: %d", r.status)
			}
		})
	}
}

func TestPasswordChangeAndDisableEndSessions(t *testing.T) {
	app := newTestApp(t)
	a, b := app.client(), app.client()
	a.signIn("official")
	b.signIn("official")
	r := a.post("/me/password", url.Values{"current": {testPassword}, "password": {"a brand new password"}, "confirm": {"a brand new password"}})
	if r.status != http.StatusSeeOther || r.header.Get("Location") != "/login?changed=1" {
		t.Fatalf("password change: %d %s", r.status, r.body)
	}
	for name, c := range map[string]*client{"this browser": a, "other browser": b} {
		if r := c.get("/home"); r.status != http.StatusSeeOther {
			t.Errorf("%s still signed in after a password change: %d", name, r.status)
		}
	}
	// Wrong current password: refused, nothing changes.
	c := app.client()
	c.signIn("evaluator")
	r = c.post("/me/password", url.Values{"current": {"wrong"}, "password": {"another new password"}, "confirm": {"another new password"}})
	if r.status != http.StatusBadRequest || !strings.Contains(r.body, "当前密码不正确") {
		t.Fatalf("wrong current password: %d", r.status)
	}
	// Disabling ends the session at its next request.
	admin := app.client()
	admin.signIn("admin")
	ev, _ := app.db.FindAccountByUsername(context.Background(), "evaluator")
	if r := admin.post("/admin/accounts/"+itoa(ev.ID)+"/disabled", url.Values{"disabled": {"true"}}); r.status != http.StatusSeeOther {
		t.Fatalf("disable: %d", r.status)
	}
	if r := c.get("/home"); r.status != http.StatusSeeOther {
		t.Fatalf("disabled account still signed in: %d", r.status)
	}
}

func TestSignInThrottle(t *testing.T) {
	app := newTestApp(t)
	c := app.client()
	c.get("/login")
	for i := 0; i < 5; i++ {
		if r := c.post("/login", url.Values{"username": {"admin"}, "password": {"wrong"}}); r.status != http.StatusUnauthorized {
			t.Fatalf("failure %d: status %d", i, r.status)
		}
	}
	r := c.post("/login", url.Values{"username": {"admin"}, "password": {testPassword}})
	if r.status != http.StatusTooManyRequests || !strings.Contains(r.body, "尝试次数过多") {
		t.Fatalf("sixth try with the right password: %d", r.status)
	}
	// An unknown name gets the same answers, so throttling reveals nothing.
	c2 := app.client()
	c2.get("/login")
	var unknown []resp
	for i := 0; i < 6; i++ {
		unknown = append(unknown, c2.post("/login", url.Values{"username": {"ghost"}, "password": {"wrong"}}))
	}
	if unknown[0].status != http.StatusUnauthorized || unknown[5].status != http.StatusTooManyRequests {
		t.Fatalf("unknown name: %d then %d", unknown[0].status, unknown[5].status)
	}
	known := app.client()
	known.get("/login")
	kr := known.post("/login", url.Values{"username": {"evaluator"}, "password": {"wrong"}})
	if msg := regexp.MustCompile(`<div class="flash error" role="alert">([^<]*)</div>`); msg.FindString(kr.body) != msg.FindString(unknown[0].body) {
		t.Fatal("the refusal for a known name differs from an unknown name's")
	}
	if !strings.Contains(kr.body, `value="evaluator"`) {
		t.Fatal("the typed user name was not kept")
	}
}

func TestCrossOriginPostRefused(t *testing.T) {
	app := newTestApp(t)
	c := app.client()
	c.signIn("admin")
	send := func(h map[string]string, withToken bool) int {
		form := url.Values{"code": {"X-1"}, "name_zh": {"测试"}, "level": {"city"}, "active": {"true"}}
		if withToken {
			form.Set("csrf", c.csrf)
		} else {
			form.Set("csrf", "")
		}
		req, _ := http.NewRequest("POST", app.ts.URL+"/admin/departments/new", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		for k, v := range h {
			req.Header.Set(k, v)
		}
		return c.do(req).status
	}
	if s := send(map[string]string{"Sec-Fetch-Site": "cross-site"}, true); s != http.StatusForbidden {
		t.Errorf("Sec-Fetch-Site cross-site: %d", s)
	}
	if s := send(map[string]string{"Origin": "http://evil.example"}, true); s != http.StatusForbidden {
		t.Errorf("foreign Origin: %d", s)
	}
	if s := send(nil, false); s != http.StatusForbidden {
		t.Errorf("no token (old browser sending no Origin): %d", s)
	}
	if _, err := app.db.FindDepartmentByCode(context.Background(), "X-1"); ErrorCode(err) != ENotFound {
		t.Fatal("a refused request stored a department")
	}
	if s := send(map[string]string{"Sec-Fetch-Site": "same-origin"}, true); s != http.StatusSeeOther {
		t.Errorf("same-origin with token: %d", s)
	}
	entries, _ := app.db.FindAudit(context.Background(), AuditFilter{Action: "authz."})
	if len(entries) < 3 {
		t.Errorf("refusals not audited: %d entries", len(entries))
	}
}

func TestSecurityHeadersEverywhere(t *testing.T) {
	app := newTestApp(t)
	c := app.client()
	paths := []string{"/login", "/no/such/page", "/healthz", "/static/" + app.srv.Assets.Version + "/css/app.css", "/admin/departments"}
	for _, p := range paths {
		r := c.get(p)
		csp := r.header.Get("Content-Security-Policy")
		for _, want := range []string{"script-src 'self'", "object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'"} {
			if !strings.Contains(csp, want) {
				t.Errorf("%s: CSP %q lacks %q", p, csp, want)
			}
		}
		if r.header.Get("X-Content-Type-Options") != "nosniff" || r.header.Get("Referrer-Policy") == "" {
			t.Errorf("%s: missing nosniff or Referrer-Policy", p)
		}
		if r.header.Get("Strict-Transport-Security") != "" {
			t.Errorf("%s: HSTS sent over plain HTTP", p)
		}
	}
	if r := c.get("/no/such/page"); r.status != 404 || !strings.Contains(r.body, `class="request-id"`) {
		t.Errorf("404 page: %d", r.status)
	}
	r := c.get("/static/" + app.srv.Assets.Version + "/vendor/echarts/echarts.min.js")
	if r.status != 200 || !strings.Contains(r.header.Get("Cache-Control"), "immutable") {
		t.Errorf("echarts asset: %d %q", r.status, r.header.Get("Cache-Control"))
	}
}

func TestHTTPSCookieAndHSTS(t *testing.T) {
	app := newTestApp(t)
	srv, err := NewServer(app.db, app.srv.Log, ServerConfig{TLS: true, IdleTimeout: time.Minute, SessionMax: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	rec := httptest.NewRecorder()
	srv.ServeHTTP(rec, httptest.NewRequest("GET", "https://kpi.example.gov/login", nil))
	if rec.Header().Get("Strict-Transport-Security") == "" {
		t.Fatal("no HSTS over TLS")
	}
	csrfCookie := rec.Result().Cookies()[0]
	token := csrfField.FindStringSubmatch(rec.Body.String())[1]
	form := url.Values{"csrf": {token}, "username": {"official"}, "password": {testPassword}}
	req := httptest.NewRequest("POST", "https://kpi.example.gov/login", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.AddCookie(csrfCookie)
	rec = httptest.NewRecorder()
	srv.ServeHTTP(rec, req)
	ck := rec.Header().Get("Set-Cookie")
	if rec.Code != http.StatusSeeOther || !strings.HasPrefix(ck, "__Host-govkpi_session=") || !strings.Contains(ck, "Secure") ||
		!strings.Contains(ck, "HttpOnly") || !strings.Contains(ck, "SameSite=Lax") || !strings.Contains(ck, "Path=/") {
		t.Fatalf("session cookie over TLS: %d %s", rec.Code, ck)
	}
}

func TestBodyLimit(t *testing.T) {
	app := newTestApp(t)
	c := app.client()
	c.signIn("admin")
	big := strings.Repeat("x", 2<<20)
	r := c.post("/admin/departments/new", url.Values{"name_zh": {big}})
	if r.status != http.StatusRequestEntityTooLarge {
		t.Fatalf("2 MiB form: %d", r.status)
	}
	// The same without a Content-Length (chunked): still 413, not a CSRF
	// refusal or an empty form.
	body := "csrf=" + c.csrf + "&name_zh=" + big
	req, _ := http.NewRequest("POST", app.ts.URL+"/admin/departments/new", io.NopCloser(strings.NewReader(body)))
	req.ContentLength = -1
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if r := c.do(req); r.status != http.StatusRequestEntityTooLarge {
		t.Fatalf("chunked 2 MiB form: %d", r.status)
	}
}

// TestHostileNamesShownAsText puts a script in every name a page shows.
func TestHostileNamesShownAsText(t *testing.T) {
	app := newTestApp(t)
	ctx := context.Background()
	const evil = `<script>alert(1)</script>`
	d, err := app.db.CreateDepartment(ctx, DepartmentInput{Code: "EVIL", NameZh: evil, NameEn: evil + `"'><img src=x onerror=alert(2)>`, Level: "city", Category: evil, Active: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := app.db.CreateAccount(ctx, AccountInput{Username: "evil", DisplayName: evil, Role: RoleOfficial, DepartmentCode: "EVIL", Password: testPassword}); err != nil {
		t.Fatal(err)
	}
	admin := app.client()
	admin.signIn("admin")
	official := app.client()
	official.signIn("evil")
	pages := map[string]resp{
		"departments":     admin.get("/admin/departments"),
		"departments q":   admin.get("/admin/departments?q=" + url.QueryEscape(evil)),
		"edit":            admin.get("/admin/departments/" + itoa(d.ID) + "/edit"),
		"accounts":        admin.get("/admin/accounts"),
		"new account":     admin.get("/admin/accounts/new"),
		"audit":           admin.get("/admin/audit?actor=" + url.QueryEscape(evil)),
		"official home":   official.get("/home"),
		"official me":     official.get("/me"),
		"login next":      app.client().get("/login?next=" + url.QueryEscape(`"><script>alert(3)</script>`)),
		"search redirect": admin.get("/lang?lang=en&next=" + url.QueryEscape("//evil.example")),
	}
	for name, r := range pages {
		if strings.Contains(r.body, "<script>alert") || strings.Contains(r.body, "<img src=x") {
			t.Errorf("%s: hostile markup rendered as HTML", name)
		}
	}
	for _, name := range []string{"departments", "edit", "official home"} {
		if !strings.Contains(pages[name].body, "&lt;script&gt;alert(1)&lt;/script&gt;") {
			t.Errorf("%s: the name is not shown as text", name)
		}
	}
	if loc := pages["search redirect"].header.Get("Location"); loc != "/" {
		t.Errorf("open redirect to %q", loc)
	}
}

func TestFormKeepsInputOnError(t *testing.T) {
	app := newTestApp(t)
	c := app.client()
	c.signIn("admin")
	r := c.post("/admin/departments/new", url.Values{"code": {"bad code!"}, "name_zh": {"新的部门名称"}, "name_en": {"New Bureau"}, "level": {"district"}, "parent_code": {"LJ"}, "category": {"政数局"}, "active": {"true"}})
	if r.status != http.StatusBadRequest {
		t.Fatalf("status %d", r.status)
	}
	for _, want := range []string{`value="bad code!"`, `value="新的部门名称"`, `value="New Bureau"`, `value="LJ"`, `value="district" selected`, "编码只能包含字母", `aria-invalid="true"`} {
		if !strings.Contains(r.body, want) {
			t.Errorf("refused form lacks %s", want)
		}
	}
	r = c.post("/admin/accounts/new", url.Values{"username": {"新用户"}, "display_name": {"王五"}, "role": {"official"}, "password": {"short"}})
	if r.status != http.StatusBadRequest || !strings.Contains(r.body, `value="王五"`) || !strings.Contains(r.body, "部门填报人必须选择所属部门") {
		t.Fatalf("account form: %d", r.status)
	}
	if strings.Contains(r.body, `value="short"`) {
		t.Error("the password was echoed back into the page")
	}
}

func TestDepartmentImportPage(t *testing.T) {
	app := newTestApp(t)
	c := app.client()
	c.signIn("admin")
	upload := func(name, content string) resp {
		var b strings.Builder
		b.WriteString("--XX\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n" + c.csrf + "\r\n")
		b.WriteString("--XX\r\nContent-Disposition: form-data; name=\"file\"; filename=\"" + name + "\"\r\nContent-Type: text/csv\r\n\r\n" + content + "\r\n--XX--\r\n")
		req, _ := http.NewRequest("POST", app.ts.URL+"/admin/departments/import", strings.NewReader(b.String()))
		req.Header.Set("Content-Type", "multipart/form-data; boundary=XX")
		return c.do(req)
	}
	r := upload("d.csv", "code,name_zh,level,parent_code\nA-1,甲,city,LJ\nA-2,,city,LJ\nA-3,丙,city,NOPE\n")
	if r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, "<td class=\"num\">3</td><td>name_zh</td>") || !strings.Contains(r.body, "找不到上级部门编码 NOPE") {
		t.Fatalf("bad file: %d\n%s", r.status, r.body)
	}
	if _, err := app.db.FindDepartmentByCode(context.Background(), "A-1"); ErrorCode(err) != ENotFound {
		t.Fatal("refused import stored a row")
	}
	r = upload("d.csv", "code,name_zh,level,parent_code\nA-1,甲,city,LJ\n")
	if r.status != http.StatusSeeOther || r.header.Get("Location") != "/admin/departments/import" {
		t.Fatalf("good file: %d (want a redirect, so a reload does not upload again)", r.status)
	}
	if r := c.get("/admin/departments/import"); !strings.Contains(r.body, "新建 1 个部门") {
		t.Fatal("the result is not shown after the redirect")
	}
	if r := c.get("/admin/departments/import"); strings.Contains(r.body, "新建 1 个部门") {
		t.Fatal("the result is shown twice")
	}
	if r := upload("d.xlsx", "PK"); r.status != http.StatusBadRequest {
		t.Fatalf("xlsx upload: %d", r.status)
	}
}

func TestHealthz(t *testing.T) {
	app := newTestApp(t)
	r := app.client().get("/healthz")
	if r.status != 200 || !strings.Contains(r.body, `"status":"ok"`) {
		t.Fatalf("healthz: %d %s", r.status, r.body)
	}
	app.db.R.Close()
	if r := app.client().get("/healthz"); r.status != http.StatusServiceUnavailable {
		t.Fatalf("healthz with the database closed: %d", r.status)
	}
}

// TestNoOutsideHosts checks that no page or stylesheet loads anything from
// another host: the product runs on intranets with no internet.
func TestNoOutsideHosts(t *testing.T) {
	app := newTestApp(t)
	c := app.client()
	c.signIn("admin")
	ref := regexp.MustCompile(`(?i)(?:src|href|action)\s*=\s*"(?:https?:)?//|url\(\s*['"]?(?:https?:)?//|@import`)
	if m := ref.FindString(app.client().get("/login").body); m != "" {
		t.Errorf("/login references an outside host: %s", m)
	}
	for _, p := range []string{"/home", "/me", "/admin/departments", "/admin/departments/new", "/admin/departments/import",
		"/admin/accounts", "/admin/accounts/new", "/admin/audit", "/static/" + app.srv.Assets.Version + "/css/app.css"} {
		r := c.get(p)
		if r.status != 200 {
			t.Errorf("%s: %d", p, r.status)
		}
		if m := ref.FindString(r.body); m != "" {
			t.Errorf("%s references an outside host: %s", p, m)
		}
	}
}

func TestLanguage(t *testing.T) {
	app := newTestApp(t)
	c := app.client()
	req, _ := http.NewRequest("GET", app.ts.URL+"/login", nil)
	req.Header.Set("Accept-Language", "en-GB,en;q=0.9")
	if r := c.do(req); !strings.Contains(r.body, `<html lang="en">`) {
		t.Fatal("Accept-Language en not honoured")
	}
	if r := c.get("/login"); !strings.Contains(r.body, `<html lang="zh-CN">`) {
		t.Fatal("default is not Chinese")
	}
	c.get("/lang?lang=en&next=/login")
	if r := c.get("/login"); !strings.Contains(r.body, "Sign in") {
		t.Fatal("cookie choice not honoured")
	}
	// The account setting wins over the cookie.
	c.signIn("official")
	c.post("/me/lang", url.Values{"lang": {"zh-CN"}})
	if r := c.get("/home"); !strings.Contains(r.body, `<html lang="zh-CN">`) {
		t.Fatal("account language not honoured")
	}
}

func discardLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func TestClientIPTrustedProxies(t *testing.T) {
	app := newTestApp(t)
	s := app.srv
	s.Config.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}
	cases := []struct{ remote, xff, want string }{
		{"203.0.113.7:5000", "198.51.100.1", "203.0.113.7"},         // not a proxy: header ignored
		{"10.1.2.3:5000", "198.51.100.1", "198.51.100.1"},           // trusted proxy
		{"10.1.2.3:5000", "6.6.6.6, 198.51.100.1", "198.51.100.1"},  // a spoofed first hop is skipped
		{"10.1.2.3:5000", "198.51.100.1, 10.9.9.9", "198.51.100.1"}, // two proxies
		{"10.1.2.3:5000", "garbage", "10.1.2.3"},                    // unreadable header
		{"[::ffff:10.1.2.3]:5000", "198.51.100.2", "198.51.100.2"},  // IPv4-mapped proxy
	}
	for _, c := range cases {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = c.remote
		r.Header.Set("X-Forwarded-For", c.xff)
		if got := s.clientIP(r); got != c.want {
			t.Errorf("remote %s xff %q: got %s, want %s", c.remote, c.xff, got, c.want)
		}
	}
}

// TestAuditActionsLabelled checks every audit action has a label in both
// languages for the audit page.
func TestAuditActionsLabelled(t *testing.T) {
	app := newTestApp(t)
	b, err := os.ReadFile("audit.go")
	if err != nil {
		t.Fatal(err)
	}
	actions := regexp.MustCompile(`Audit\w+\s*=\s*"([a-z._]+)"`).FindAllStringSubmatch(string(b), -1)
	if len(actions) < 10 {
		t.Fatalf("found %d actions", len(actions))
	}
	for _, m := range actions {
		if !app.srv.Cat.Has("audit.action." + m[1]) {
			t.Errorf("no label audit.action.%s", m[1])
		}
	}
}

func TestListPaginationKeepsFilters(t *testing.T) {
	app := newTestApp(t)
	var csv strings.Builder
	csv.WriteString("code,name_zh,level,parent_code\n")
	for i := 0; i < 60; i++ {
		csv.WriteString("P-" + strconv.Itoa(100+i) + ",第" + strconv.Itoa(i) + "局,district,LJ\n")
	}
	if _, err := app.db.ImportDepartments(context.Background(), strings.NewReader(csv.String())); err != nil {
		t.Fatal(err)
	}
	c := app.client()
	c.signIn("admin")
	r := c.get("/admin/departments?level=district&q=%E5%B1%80")
	if !strings.Contains(r.body, "第 1 页，共 2 页") || !strings.Contains(r.body, `href="/admin/departments?level=district&amp;page=2&amp;q=%E5%B1%80" rel="next"`) {
		t.Fatalf("page 1 lacks a next link that keeps the filters:\n%s", r.body)
	}
	r = c.get("/admin/departments?level=district&q=%E5%B1%80&page=2")
	if !strings.Contains(r.body, "P-159") || !strings.Contains(r.body, `rel="prev"`) || strings.Contains(r.body, `rel="next"`) {
		t.Fatal("page 2 is wrong")
	}
}

func TestStaleSignInFormShownAgain(t *testing.T) {
	app := newTestApp(t)
	c := app.client()
	c.get("/login")
	r := c.post("/login", url.Values{"csrf": {"stale"}, "username": {"official"}, "password": {testPassword}})
	if r.status != http.StatusForbidden || !strings.Contains(r.body, "登录页面已过期") || !strings.Contains(r.body, `value="official"`) {
		t.Fatalf("stale token: %d", r.status)
	}
	// The page carries a fresh token that works.
	r = c.post("/login", url.Values{"username": {"official"}, "password": {testPassword}})
	if r.status != http.StatusSeeOther {
		t.Fatalf("sign-in with the new token: %d", r.status)
	}
}

// TestBooleanFieldsStrict: a missing or odd true/false value is refused, not
// read as false (which would re-enable a disabled account).
func TestBooleanFieldsStrict(t *testing.T) {
	app := newTestApp(t)
	ctx := context.Background()
	ga, _ := app.db.FindAccountByUsername(ctx, "official2")
	app.db.SetAccountDisabled(ctx, ga.ID, true)
	c := app.client()
	c.signIn("admin")
	for _, form := range []url.Values{{}, {"disabled": {"yes"}}} {
		if r := c.post("/admin/accounts/"+itoa(ga.ID)+"/disabled", form); r.status != http.StatusBadRequest {
			t.Fatalf("%v: status %d", form, r.status)
		}
	}
	if a, _ := app.db.FindAccountByUsername(ctx, "official2"); !a.Disabled {
		t.Fatal("a malformed request re-enabled the account")
	}
	d, _ := app.db.FindDepartmentByCode(ctx, "LJ-GA")
	if r := c.post("/admin/departments/"+itoa(d.ID)+"/active", url.Values{}); r.status != http.StatusBadRequest {
		t.Fatalf("department active without a value: %d", r.status)
	}
}

// TestHostileAuditAndImportShownAsText renders hostile strings that reach
// the audit page and the import error table.
func TestHostileAuditAndImportShownAsText(t *testing.T) {
	app := newTestApp(t)
	const evil = `<script>alert(9)</script>`
	app.db.Audit(context.Background(), AuditEntry{Action: AuditSignInFailed, ActorName: evil, ObjectType: "account", ObjectID: evil, Detail: evil})
	c := app.client()
	c.signIn("admin")
	r := c.get("/admin/audit")
	if strings.Contains(r.body, "<script>alert(9)") || !strings.Contains(r.body, "&lt;script&gt;alert(9)&lt;/script&gt;") {
		t.Fatal("audit page: hostile text not escaped")
	}
	var b strings.Builder
	b.WriteString("--XX\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n" + c.csrf + "\r\n")
	b.WriteString("--XX\r\nContent-Disposition: form-data; name=\"file\"; filename=\"x.csv\"\r\nContent-Type: text/csv\r\n\r\n")
	b.WriteString("code,name_zh,level," + evil + "\nA,b,city,c\n\r\n--XX--\r\n")
	req, _ := http.NewRequest("POST", app.ts.URL+"/admin/departments/import", strings.NewReader(b.String()))
	req.Header.Set("Content-Type", "multipart/form-data; boundary=XX")
	r = c.do(req)
	if r.status != http.StatusUnprocessableEntity || strings.Contains(r.body, "<script>alert(9)") || !strings.Contains(r.body, "&lt;script&gt;alert(9)") {
		t.Fatalf("import errors: %d, hostile column name not shown as text", r.status)
	}
}

// TestRefusalsAuditedWithinLimits: refused anonymous requests write at most
// a burst of audit rows per client, with bounded detail.
func TestRefusalsAuditedWithinLimits(t *testing.T) {
	app := newTestApp(t)
	c := app.client()
	long := "/admin/departments/" + strings.Repeat("0", 5000) + "1/edit"
	for i := 0; i < refusalAuditBurst+20; i++ {
		c.post(long, nil)
	}
	entries, _ := app.db.FindAudit(context.Background(), AuditFilter{Action: "authz.", Limit: 500})
	if len(entries) != refusalAuditBurst {
		t.Fatalf("%d refusal rows, want %d", len(entries), refusalAuditBurst)
	}
	for _, e := range entries {
		if len([]rune(e.Detail)) > 256 || len([]rune(e.ObjectID)) > 128 {
			t.Fatalf("unbounded audit detail: %d runes", len([]rune(e.Detail)))
		}
	}
}

func TestTakenCodeIsConflict(t *testing.T) {
	app := newTestApp(t)
	c := app.client()
	c.signIn("admin")
	r := c.post("/admin/departments/new", url.Values{"code": {"LJ-GA"}, "name_zh": {"重复"}, "level": {"city"}, "active": {"true"}})
	if r.status != http.StatusConflict || !strings.Contains(r.body, "该编码已被使用") || !strings.Contains(r.body, `value="重复"`) {
		t.Fatalf("taken code: %d", r.status)
	}
}

// TestChangesAudited: every change made through the pages has its audit row,
// written in the change's own transaction, naming the actor, the object, the
// client and the request.
func TestChangesAudited(t *testing.T) {
	app := newTestApp(t)
	ctx := context.Background()
	c := app.client()
	c.signIn("admin")
	c.post("/admin/departments/new", url.Values{"code": {"A-1"}, "name_zh": {"甲局"}, "level": {"city"}, "active": {"true"}})
	d, err := app.db.FindDepartmentByCode(ctx, "A-1")
	if err != nil {
		t.Fatal(err)
	}
	c.post("/admin/departments/"+itoa(d.ID)+"/edit", url.Values{"code": {"A-1"}, "name_zh": {"甲局（新）"}, "level": {"city"}, "active": {"true"}})
	c.post("/admin/departments/"+itoa(d.ID)+"/active", url.Values{"active": {"false"}})
	c.post("/admin/accounts/new", url.Values{"username": {"newbie"}, "role": {"evaluator"}, "password": {"a long password 1"}})
	nb, _ := app.db.FindAccountByUsername(ctx, "newbie")
	c.post("/admin/accounts/"+itoa(nb.ID)+"/password", url.Values{"password": {"another password 2"}, "confirm": {"another password 2"}})
	c.post("/admin/accounts/"+itoa(nb.ID)+"/disabled", url.Values{"disabled": {"true"}})
	entries, _ := app.db.FindAudit(ctx, AuditFilter{Actor: "admin", Limit: 50})
	want := []struct{ action, object string }{
		{AuditAccountDisabled, "newbie"}, {AuditPasswordReset, "newbie"}, {AuditAccountCreated, "newbie"},
		{AuditDeptDeactivated, "A-1"}, {AuditDeptUpdated, "A-1"}, {AuditDeptCreated, "A-1"},
	}
	for k, w := range want {
		if k >= len(entries) || entries[k].Action != w.action || entries[k].ObjectID != w.object ||
			entries[k].ClientIP != "127.0.0.1" || len(entries[k].RequestID) != 16 {
			t.Fatalf("audit entry %d: want %s %s, got %+v", k, w.action, w.object, entries)
		}
	}
}
