package main

// Browser tests: the whole program (runIO "demo") runs in-process and a
// headless Chromium, driven with chromedp, uses it as a person would. They
// need a Chromium or Chrome binary; without one they skip, except in CI
// (CI=true), where a missing browser is a failure.
//
//	go test ./cmd/govkpi -run Browser -v
//	GOVKPI_SCREENSHOT_DIR=/tmp/shots go test ./cmd/govkpi -run Browser -v
//
// With GOVKPI_SCREENSHOT_DIR set, every test writes full-page PNG
// screenshots of the pages it visits to that directory, for a person to look
// at.

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"govkpi/survey"
)

const (
	// browserTestTimeout bounds one whole browser test: server, browser and
	// every step.
	browserTestTimeout = 90 * time.Second
	// stepTimeout bounds one step, so that a missing element fails with the
	// step's name rather than at the test's deadline.
	stepTimeout = 15 * time.Second
	// serverStartTimeout bounds the wait for the "listening on" line.
	serverStartTimeout = 30 * time.Second

	desktopWidth, desktopHeight = 1280, 900
	phoneWidth, phoneHeight     = 390, 844
)

// ---------------------------------------------------------------- the server

// serverOutput is the standard output of the in-process program. It keeps
// everything written (printed when a test fails) and reports the base URL
// once the "govkpi … listening on http://…/" line has been written. The
// server writes its request log from many goroutines, hence the lock.
type serverOutput struct {
	mu      sync.Mutex
	all     bytes.Buffer
	partial []byte // the unfinished last line
	url     chan string
	sent    bool
}

var listeningRE = regexp.MustCompile(`^govkpi \S+ listening on (http://127\.0\.0\.1:[0-9]+/)`)

func newServerOutput() *serverOutput { return &serverOutput{url: make(chan string, 1)} }

func (o *serverOutput) Write(p []byte) (int, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.all.Write(p)
	if o.sent {
		return len(p), nil
	}
	o.partial = append(o.partial, p...)
	for {
		i := bytes.IndexByte(o.partial, '\n')
		if i < 0 {
			break
		}
		line := string(o.partial[:i])
		o.partial = o.partial[i+1:]
		if m := listeningRE.FindStringSubmatch(line); m != nil {
			o.url <- m[1]
			o.sent, o.partial = true, nil
			break
		}
	}
	return len(p), nil
}

func (o *serverOutput) String() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.all.String()
}

// startDemo runs `govkpi demo` in-process on a free port with a fresh
// database and returns its base URL, e.g. "http://127.0.0.1:41234" (no
// trailing slash). The program stops, and the test waits for runIO to
// return, when the test ends.
func startDemo(t *testing.T) string {
	t.Helper()
	base, _ := startDemoDB(t)
	return base
}

// openDemoDB opens the database of a demo server started by startDemoDB,
// beside the server, for checks behind its back; it is closed when the test
// ends.
func openDemoDB(t *testing.T, path string) *survey.DB {
	t.Helper()
	db, err := survey.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// demoSeed is a demo database seeded once per test binary, in the
// background from TestMain on: seeding (about 180,000 ratings) takes tens
// of seconds, so each test starts its demo on a copy instead. `demo` finds
// the copy already seeded and only serves it.
var demoSeed struct {
	done chan struct{}
	dir  string
	err  error
}

// seedDemoInBackground starts seeding; the returned function stops it (if
// still running) and removes the seed.
func seedDemoInBackground() (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	demoSeed.done = make(chan struct{})
	dir, err := os.MkdirTemp("", "govkpi-demo-seed-")
	if err != nil {
		demoSeed.err = err
		close(demoSeed.done)
		return cancel
	}
	demoSeed.dir = dir
	go func() {
		defer close(demoSeed.done)
		out := newServerOutput()
		ran := make(chan error, 1)
		go func() {
			ran <- runIO(ctx, []string{"demo", "--addr", "127.0.0.1:0", "--db", filepath.Join(dir, "demo.db")},
				func(string) string { return "" }, strings.NewReader(""), out)
		}()
		select {
		case <-out.url: // seeded and serving: stop it, which closes the database
			cancel()
			if err := <-ran; err != nil && !errors.Is(err, context.Canceled) {
				demoSeed.err = err
			}
		case err := <-ran:
			demoSeed.err = fmt.Errorf("seeding the demo: %v\n%s", err, out.String())
		}
	}()
	return func() {
		cancel()
		<-demoSeed.done
		os.RemoveAll(dir)
	}
}

// copySeededDemo copies the seeded demo database (and its WAL, if the close
// left one) to dbPath.
func copySeededDemo(t *testing.T, dbPath string) {
	t.Helper()
	select {
	case <-demoSeed.done:
	case <-time.After(3 * time.Minute):
		t.Fatal("the demo seed is not ready after 3 minutes")
	}
	if demoSeed.err != nil {
		t.Fatalf("demo seed: %v", demoSeed.err)
	}
	for _, suffix := range []string{"", "-wal"} {
		b, err := os.ReadFile(filepath.Join(demoSeed.dir, "demo.db"+suffix))
		if errors.Is(err, os.ErrNotExist) && suffix != "" {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(dbPath+suffix, b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
}

// startDemoDB is startDemo that also returns the demo database's path, for
// tests that look into it or change it behind the server's back; extra
// flags are passed to `demo`. The database is a copy of the seeded one.
func startDemoDB(t *testing.T, extra ...string) (base, dbPath string) {
	t.Helper()
	dbPath = filepath.Join(t.TempDir(), "demo.db") // TempDir first: its removal runs after the stop below
	copySeededDemo(t, dbPath)
	ctx, cancel := context.WithCancel(context.Background())
	out := newServerOutput()
	done := make(chan error, 1)
	getenv := func(string) string { return "" }
	go func() {
		args := append([]string{"demo", "--addr", "127.0.0.1:0", "--db", dbPath}, extra...)
		done <- runIO(ctx, args, getenv, strings.NewReader(""), out)
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil && !errors.Is(err, context.Canceled) {
				t.Errorf("runIO returned an error on shutdown: %v", err)
			}
		case <-time.After(20 * time.Second):
			t.Errorf("runIO did not return within 20s of the context's cancellation")
		}
		if t.Failed() {
			t.Logf("server output:\n%s", out.String())
		}
	})
	select {
	case u := <-out.url:
		return strings.TrimSuffix(u, "/"), dbPath
	case err := <-done:
		// Put the value back for the cleanup, which waits for it.
		done <- err
		t.Fatalf("runIO returned before listening: %v\noutput:\n%s", err, out.String())
	case <-time.After(serverStartTimeout):
		t.Fatalf("no \"listening on\" line within %s; output:\n%s", serverStartTimeout, out.String())
	}
	return "", ""
}

// ---------------------------------------------------------------- the browser

// findBrowser returns the path of a Chromium or Chrome binary. Without one
// the test skips, or fails when CI=true: a CI job that should run browser
// tests must not pass by skipping them all.
func findBrowser(t *testing.T) string {
	t.Helper()
	if st, err := os.Stat("/usr/bin/chromium"); err == nil && !st.IsDir() {
		return "/usr/bin/chromium"
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	const msg = "no Chromium or Chrome found (looked for /usr/bin/chromium, and chromium, chromium-browser, google-chrome on PATH)"
	if os.Getenv("CI") == "true" {
		t.Fatal(msg + "; CI=true, so a missing browser is a failure")
	}
	t.Skip(msg)
	return ""
}

// newBrowser starts a headless browser with a fresh profile and returns a
// chromedp context for one tab. The whole test, the browser's life included,
// is bounded by browserTestTimeout. The browser presents itself as a
// Chinese-language browser (Accept-Language zh-CN), as the product's users'
// browsers do.
func newBrowser(t *testing.T) context.Context {
	t.Helper()
	exe := findBrowser(t)
	testCtx, cancelTest := context.WithTimeout(context.Background(), browserTestTimeout)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(testCtx,
		chromedp.ExecPath(exe),
		chromedp.Headless,
		chromedp.NoSandbox, // the tests run as root in containers
		chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true),
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true), // /dev/shm is tiny in containers
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("disable-features", "Translate"),
		chromedp.Flag("force-color-profile", "srgb"),
		chromedp.Flag("password-store", "basic"),
		chromedp.Flag("lang", "zh-CN"),
		chromedp.Flag("accept-lang", "zh-CN,zh"),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(desktopWidth, desktopHeight),
	)
	ctx, cancelCtx := chromedp.NewContext(allocCtx)
	t.Cleanup(func() {
		cancelCtx()
		cancelAlloc() // waits for the browser to exit and its files to go
		cancelTest()
	})
	// Start the browser and the tab now, with the test's context, so that a
	// browser that cannot start fails here with a clear message.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start %s: %v", exe, err)
	}
	// The --accept-lang flag is not honoured by every headless build; the
	// header is what the server reads, so set it on the tab too.
	if _, err := chromedp.Call(ctx, network.SetExtraHTTPHeaders, network.SetExtraHTTPHeadersParams{
		Headers: network.Headers{"Accept-Language": "zh-CN,zh;q=0.9"},
	}); err != nil {
		t.Fatalf("set Accept-Language: %v", err)
	}
	return ctx
}

// pageProblems collects what a demanding user's DevTools console would show
// in red: uncaught exceptions, console.error calls and browser log entries of
// level error (failed loads, Content-Security-Policy violations, …).
type pageProblems struct {
	mu   sync.Mutex
	list []string
}

// watchProblems starts collecting the problems of the tab of ctx.
func watchProblems(t *testing.T, ctx context.Context) *pageProblems {
	t.Helper()
	p := &pageProblems{}
	err := chromedp.Listen(ctx, func(ev any) {
		// This runs in the tab's message loop: no commands, return fast.
		var msg string
		switch ev := ev.(type) {
		case *runtime.EventExceptionThrown:
			d := ev.ExceptionDetails
			msg = "uncaught exception: " + d.Text
			if d.Exception != nil && d.Exception.Description != "" {
				msg += " " + d.Exception.Description
			}
			msg += fmt.Sprintf(" (%s:%d:%d)", d.URL, d.LineNumber+1, d.ColumnNumber+1)
		case *runtime.EventConsoleAPICalled:
			if ev.Type != runtime.ConsoleAPICalledTypeError && ev.Type != runtime.ConsoleAPICalledTypeAssert {
				return
			}
			var parts []string
			for _, a := range ev.Args {
				switch {
				case a.Description != "":
					parts = append(parts, a.Description)
				case len(a.Value) > 0:
					parts = append(parts, string(a.Value))
				}
			}
			msg = "console." + string(ev.Type) + ": " + strings.Join(parts, " ")
		case *log.EventEntryAdded:
			e := ev.Entry
			if e == nil || e.Level != log.EntryLevelError {
				return
			}
			msg = fmt.Sprintf("browser log (%s): %s", e.Source, e.Text)
			if e.URL != "" {
				msg += " [" + e.URL + "]"
			}
		default:
			return
		}
		p.mu.Lock()
		p.list = append(p.list, msg)
		p.mu.Unlock()
	})
	if err != nil {
		t.Fatalf("listen to the tab's events: %v", err)
	}
	return p
}

// take returns the problems collected so far and forgets them.
func (p *pageProblems) take() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	l := p.list
	p.list = nil
	return l
}

// check fails the test for every problem collected so far.
func (p *pageProblems) check(t *testing.T, where string) {
	t.Helper()
	for _, m := range p.take() {
		t.Errorf("%s: %s", where, m)
	}
}

// ---------------------------------------------------------------- steps

// do runs steps with a step timeout and fails the test, naming the step, on
// an error.
func do(t *testing.T, ctx context.Context, what string, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	sctx, cancel := context.WithTimeout(ctx, stepTimeout)
	defer cancel()
	if err := chromedp.Do(sctx, steps...); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// get runs one action with a value, like do.
func get[T any](t *testing.T, ctx context.Context, what string, a chromedp.Action[T]) T {
	t.Helper()
	sctx, cancel := context.WithTimeout(ctx, stepTimeout)
	defer cancel()
	v, err := chromedp.Run(sctx, a)
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	return v
}

// navigating runs steps that cause a page load (a click on a submit button,
// a change of the language select) and waits for the new page; it returns the
// HTTP status of the final document, after redirects.
func navigating(t *testing.T, ctx context.Context, what string, steps ...chromedp.Action[chromedp.Void]) int64 {
	t.Helper()
	sctx, cancel := context.WithTimeout(ctx, stepTimeout)
	defer cancel()
	resp, err := chromedp.RunResponse(sctx, steps...)
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	if resp == nil {
		t.Fatalf("%s: no response for the page", what)
	}
	return resp.Status
}

// open navigates to base+path and returns the path (with query) the browser
// ends at, after redirects.
func open(t *testing.T, ctx context.Context, base, path string) string {
	t.Helper()
	do(t, ctx, "open "+path, chromedp.Navigate(base+path))
	return currentPath(t, ctx)
}

// currentPath returns the path and query of the tab's document.
func currentPath(t *testing.T, ctx context.Context) string {
	t.Helper()
	loc := get(t, ctx, "read the location", chromedp.Location())
	u, err := url.Parse(loc)
	if err != nil {
		t.Fatalf("parse location %q: %v", loc, err)
	}
	if u.RawQuery != "" {
		return u.Path + "?" + u.RawQuery
	}
	return u.Path
}

// pathOnly strips the query from currentPath's result.
func pathOnly(p string) string {
	p, _, _ = strings.Cut(p, "?")
	return p
}

// text returns the visible text (innerText) of the first match of a CSS
// selector.
func text(t *testing.T, ctx context.Context, css string) string {
	t.Helper()
	return strings.TrimSpace(get(t, ctx, "text of "+css, chromedp.Text(chromedp.CSS(css))))
}

// htmlLang returns the lang attribute of <html>.
func htmlLang(t *testing.T, ctx context.Context) string {
	t.Helper()
	return get(t, ctx, "read html lang", chromedp.Evaluate[string](`document.documentElement.lang`))
}

// signIn fills and submits the sign-in form (the tab must show it) and
// returns the HTTP status of the page that follows.
func signIn(t *testing.T, ctx context.Context, username, password string) int64 {
	t.Helper()
	do(t, ctx, "fill the sign-in form",
		chromedp.WaitVisible(chromedp.ID("username")),
		chromedp.Clear(chromedp.ID("username")),
		chromedp.SendKeys(chromedp.ID("username"), username),
		chromedp.SendKeys(chromedp.ID("password"), password),
	)
	return navigating(t, ctx, "submit the sign-in form",
		chromedp.Click(chromedp.CSS(`main form[action="/login"] button[type="submit"]`)))
}

// screenshot writes a full-page PNG of the tab to
// $GOVKPI_SCREENSHOT_DIR/name.png when the variable is set.
func screenshot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	dir := os.Getenv("GOVKPI_SCREENSHOT_DIR")
	if dir == "" {
		return
	}
	png := get(t, ctx, "screenshot "+name, chromedp.FullScreenshot(100))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatalf("screenshot dir: %v", err)
	}
	file := filepath.Join(dir, name+".png")
	if err := os.WriteFile(file, png, 0o644); err != nil {
		t.Fatalf("write screenshot: %v", err)
	}
	t.Logf("screenshot: %s", file)
}

// pageFits fails the test when the document is larger than its visible
// content: wider than the viewport (the page scrolls sideways; only a table's
// own wrapper may), or taller than the end of the footer (the page scrolls
// on into blank space). It names the elements that stick out, ignoring those
// clipped by a scrolling box.
func pageFits(t *testing.T, ctx context.Context, where string) {
	t.Helper()
	type fit struct {
		ScrollWidth  int      `json:"scrollWidth"`
		ClientWidth  int      `json:"clientWidth"`
		ScrollHeight int      `json:"scrollHeight"`
		ContentEnd   int      `json:"contentEnd"`
		Wide         []string `json:"wide"`
		Tall         []string `json:"tall"`
	}
	f := get(t, ctx, "measure the page", chromedp.Evaluate[fit](pageFitsJS))
	if f.ScrollWidth > f.ClientWidth {
		t.Errorf("%s: the page is %dpx wide in a %dpx viewport, so it scrolls sideways; sticking out: %s",
			where, f.ScrollWidth, f.ClientWidth, strings.Join(f.Wide, "; "))
	}
	if f.ScrollHeight > f.ContentEnd+1 {
		t.Errorf("%s: the page scrolls to %dpx but its footer ends at %dpx, so it scrolls on into blank space; sticking out: %s",
			where, f.ScrollHeight, f.ContentEnd, strings.Join(f.Tall, "; "))
	}
}

// pageFitsJS measures the document for pageFits.
const pageFitsJS = `(function () {
	var de = document.documentElement, cw = de.clientWidth;
	var footer = document.querySelector("footer.site");
	var end = Math.max(de.clientHeight, Math.ceil(footer ? footer.getBoundingClientRect().bottom + window.scrollY : 0));
	// clipped reports whether a box that scrolls or clips contains el.
	// Overflow clips only the boxes whose containing-block chain passes
	// through it: an absolutely positioned element escapes a static scrolling
	// box (a visually-hidden label in a table inside a scrolling wrapper
	// makes the whole page scroll).
	function clipped(el) {
		var pos = getComputedStyle(el).position;
		for (var p = el.parentElement; p && pos !== "fixed"; p = p.parentElement) {
			var cs = getComputedStyle(p);
			if (pos === "absolute" && cs.position === "static") { continue; }
			var o = cs.overflowX;
			if (o === "auto" || o === "scroll" || o === "hidden" || o === "clip") { return true; }
			pos = cs.position;
		}
		return false;
	}
	function name(el) {
		var s = el.tagName.toLowerCase();
		if (el.id) { s += "#" + el.id; }
		if (typeof el.className === "string" && el.className.trim()) { s += "." + el.className.trim().split(/\s+/).join("."); }
		return s;
	}
	// outside lists the outermost unclipped elements for which beyond(rect)
	// holds, grouped by name.
	function outside(beyond) {
		var all = document.querySelectorAll("body, body *"), seen = {}, keys = [];
		for (var i = 0; i < all.length; i++) {
			var el = all[i], up = el.parentElement;
			if (!beyond(el.getBoundingClientRect()) || clipped(el)) { continue; }
			if (up && up !== document.body && beyond(up.getBoundingClientRect()) && !clipped(up)) { continue; }
			var key = name(el) + " in " + (up ? name(up) : "-");
			if (!seen[key]) { seen[key] = 0; keys.push(key); }
			seen[key]++;
		}
		return keys.slice(0, 8).map(function (k) { return k + " ×" + seen[k]; });
	}
	var r = {scrollWidth: de.scrollWidth, clientWidth: cw, scrollHeight: de.scrollHeight, contentEnd: end, wide: [], tall: []};
	if (r.scrollWidth > cw) {
		r.wide = outside(function (b) { return b.right > cw + 1; });
	}
	if (r.scrollHeight > end + 1) {
		r.tall = outside(function (b) { return b.bottom + window.scrollY > end + 1; });
	}
	return r;
})()`

// ---------------------------------------------------------------- tests

func TestBrowserSignInOfficial(t *testing.T) {
	ctx := newBrowser(t) // first: skips before the server starts when there is no browser
	base := startDemo(t)
	problems := watchProblems(t, ctx)

	// / sends a signed-out visitor to the sign-in page, in Chinese.
	if p := pathOnly(open(t, ctx, base, "/")); p != "/login" {
		t.Fatalf("/ led to %s, want /login", p)
	}
	if l := htmlLang(t, ctx); l != "zh-CN" {
		t.Errorf(`html lang = %q, want "zh-CN"`, l)
	}
	if h := text(t, ctx, "main h1"); h != "登录" {
		t.Errorf("sign-in heading = %q, want 登录", h)
	}
	pageFits(t, ctx, "sign-in page")
	screenshot(t, ctx, "login")

	if st := signIn(t, ctx, "zsj", demoPassword); st != 200 {
		t.Errorf("the page after sign-in has status %d, want 200", st)
	}
	if p := pathOnly(currentPath(t, ctx)); p != "/home" {
		t.Fatalf("sign-in led to %s, want /home", p)
	}
	if h := text(t, ctx, "main h1"); !strings.Contains(h, "陈数据") {
		t.Errorf("home heading = %q, want the official's name 陈数据", h)
	}
	if m := text(t, ctx, "main"); !strings.Contains(m, "澜江市政务服务和数据管理局") {
		t.Errorf("home page does not name the department 澜江市政务服务和数据管理局; it reads:\n%s", m)
	}
	if u := text(t, ctx, "header .user"); !strings.Contains(u, "陈数据") || !strings.Contains(u, "澜江市政务服务和数据管理局") {
		t.Errorf("header user box = %q, want the name and the department", u)
	}
	// An official sees no administration menu.
	if n := get(t, ctx, "count admin links", chromedp.Evaluate[int](
		`document.querySelectorAll('nav.main a[href^="/admin"]').length`)); n != 0 {
		t.Errorf("an official's menu has %d /admin links, want none", n)
	}
	pageFits(t, ctx, "official's home page")
	problems.check(t, "sign-in and home page")
	screenshot(t, ctx, "home-official")

	// The assignment opens the self-assessment's first section; picking a
	// level and going on saves the draft, and coming back shows it again.
	navigating(t, ctx, "open the assignment", chromedp.Click(chromedp.CSS(`main a[href^="/fill/"]`)))
	fillPath := pathOnly(currentPath(t, ctx))
	if !strings.HasPrefix(fillPath, "/fill/") || !strings.Contains(text(t, ctx, "main"), "以人民为中心") {
		t.Fatalf("the assignment link led to %s", fillPath)
	}
	pageFits(t, ctx, "fill page")
	problems.check(t, "fill page")
	screenshot(t, ctx, "fill")
	do(t, ctx, "choose level 2", chromedp.Click(chromedp.CSS(`input[name="ma1_level"][value="2"]`)))
	navigating(t, ctx, "save the draft", chromedp.Click(chromedp.CSS(`main form button[name="action"][value="save"]`)))
	open(t, ctx, base, fillPath)
	if checked := get(t, ctx, "read the saved level", chromedp.Evaluate[bool](
		`document.querySelector('input[name="ma1_level"][value="2"]').checked`)); !checked {
		t.Error("the saved answer is not shown after a reload")
	}

	// Sign out with the header's button.
	navigating(t, ctx, "sign out", chromedp.Click(chromedp.CSS(`header form[action="/logout"] button[type="submit"]`)))
	if p := pathOnly(currentPath(t, ctx)); p != "/login" {
		t.Errorf("sign-out led to %s, want /login", p)
	}
	if h := text(t, ctx, "main h1"); h != "登录" {
		t.Errorf("after sign-out the heading is %q, want 登录", h)
	}
	// The session is gone: /home sends back to sign-in.
	if p := open(t, ctx, base, "/home"); pathOnly(p) != "/login" {
		t.Errorf("/home after sign-out led to %s, want /login", p)
	} else if p != "/login?next=%2Fhome" {
		t.Logf("note: /home after sign-out led to %s", p)
	}
	problems.check(t, "sign-out")
}

func TestBrowserAdminPages(t *testing.T) {
	ctx := newBrowser(t)
	base := startDemo(t)
	problems := watchProblems(t, ctx)

	open(t, ctx, base, "/login")
	signIn(t, ctx, "admin", demoPassword)
	if p := pathOnly(currentPath(t, ctx)); p != "/home" {
		t.Fatalf("admin sign-in led to %s, want /home", p)
	}
	pageFits(t, ctx, "admin's home page")
	screenshot(t, ctx, "home-admin")

	// Departments, in Chinese.
	if p := pathOnly(open(t, ctx, base, "/admin/departments")); p != "/admin/departments" {
		t.Fatalf("/admin/departments led to %s", p)
	}
	if h := text(t, ctx, "main h1"); h != "部门管理" {
		t.Errorf("departments heading = %q, want 部门管理", h)
	}
	hasRow := get(t, ctx, "find the row of 澜江市公安局", chromedp.Evaluate[bool](
		`Array.from(document.querySelectorAll("table.data tbody tr")).some(function (tr) {
			return Array.from(tr.cells).some(function (td) { return td.textContent.trim() === "澜江市公安局"; });
		})`))
	if !hasRow {
		t.Errorf("the departments table has no row for 澜江市公安局")
	}
	if cur := text(t, ctx, `nav.main a[aria-current="page"]`); cur != "部门管理" {
		t.Errorf("current menu item = %q, want 部门管理", cur)
	}
	pageFits(t, ctx, "departments page")
	problems.check(t, "departments page")
	screenshot(t, ctx, "departments")

	// Switch to English with the header's language select; app.js submits
	// the form on change.
	switchLanguage(t, ctx, "en")
	if p := pathOnly(currentPath(t, ctx)); p != "/admin/departments" {
		t.Errorf("the language switch led to %s, want back to /admin/departments", p)
	}
	if h := text(t, ctx, "main h1"); h != "Departments" {
		t.Errorf("after switching to English the heading is %q, want Departments", h)
	}
	if l := htmlLang(t, ctx); l != "en" {
		t.Errorf(`after switching to English html lang = %q, want "en"`, l)
	}
	pageFits(t, ctx, "departments page in English")
	problems.check(t, "departments page in English")
	screenshot(t, ctx, "departments-en")

	// And back to Chinese, for the other pages.
	switchLanguage(t, ctx, "zh-CN")
	if h := text(t, ctx, "main h1"); h != "部门管理" {
		t.Errorf("after switching back to Chinese the heading is %q, want 部门管理", h)
	}

	// Accounts.
	if p := pathOnly(open(t, ctx, base, "/admin/accounts")); p != "/admin/accounts" {
		t.Fatalf("/admin/accounts led to %s", p)
	}
	if h := text(t, ctx, "main h1"); h != "账号管理" {
		t.Errorf("accounts heading = %q, want 账号管理", h)
	}
	if tbl := text(t, ctx, "table.data tbody"); !strings.Contains(tbl, "zsj") || !strings.Contains(tbl, "陈数据") {
		t.Errorf("the accounts table lacks the demo official zsj / 陈数据:\n%s", tbl)
	}
	pageFits(t, ctx, "accounts page")
	problems.check(t, "accounts page")
	screenshot(t, ctx, "accounts")

	// Audit log: this test's own sign-in is there.
	if p := pathOnly(open(t, ctx, base, "/admin/audit")); p != "/admin/audit" {
		t.Fatalf("/admin/audit led to %s", p)
	}
	if h := text(t, ctx, "main h1"); h != "审计日志" {
		t.Errorf("audit heading = %q, want 审计日志", h)
	}
	hasSignIn := get(t, ctx, "find the auth.signin entry", chromedp.Evaluate[bool](
		`Array.from(document.querySelectorAll("table.data tbody tr")).some(function (tr) {
			return tr.querySelector('span[title="auth.signin"]') !== null && tr.textContent.indexOf("登录") >= 0 &&
				tr.textContent.indexOf("admin") >= 0;
		})`))
	if !hasSignIn {
		t.Errorf("the audit log has no auth.signin entry for admin:\n%s", text(t, ctx, "main"))
	}
	pageFits(t, ctx, "audit page")
	problems.check(t, "audit page")
	screenshot(t, ctx, "audit")

	// Questionnaires: the demo's three defaults, and one opened.
	open(t, ctx, base, "/admin/instruments")
	if h := text(t, ctx, "main h1"); h != "问卷管理" {
		t.Errorf("instruments heading = %q, want 问卷管理", h)
	}
	if rows := get(t, ctx, "count questionnaires", chromedp.Evaluate[int](`document.querySelectorAll("table.data tbody tr").length`)); rows != 3 {
		t.Errorf("%d questionnaires listed, want the 3 defaults", rows)
	}
	pageFits(t, ctx, "questionnaires page")
	problems.check(t, "questionnaires page")
	screenshot(t, ctx, "instruments")
	do(t, ctx, "open the self-assessment", chromedp.Click(chromedp.Search(`//a[code[text()="DGMI-SA"]]`)), chromedp.WaitVisible(chromedp.CSS("section.card")))
	if body := text(t, ctx, "main"); !strings.Contains(body, "ma1_level") || !strings.Contains(body, "统一身份认证") {
		t.Errorf("the self-assessment page lacks its maturity questions")
	}
	pageFits(t, ctx, "questionnaire page")
	problems.check(t, "questionnaire page")
	screenshot(t, ctx, "instrument")

	// Campaigns: the demo's open self-assessment campaign and its progress.
	open(t, ctx, base, "/admin/campaigns")
	do(t, ctx, "open the campaign", chromedp.Click(chromedp.CSS(`table.data tbody tr a`)), chromedp.WaitVisible(chromedp.CSS("main h1")))
	if body := text(t, ctx, "main"); !strings.Contains(body, "未开始") {
		t.Errorf("the campaign page shows no progress by state:\n%s", body)
	}
	pageFits(t, ctx, "campaign page")
	problems.check(t, "campaign page")
	screenshot(t, ctx, "campaign")

	// The departments page on a phone.
	do(t, ctx, "emulate a phone",
		chromedp.EmulateViewport(phoneWidth, phoneHeight, chromedp.EmulateMobile, chromedp.EmulateTouch, chromedp.EmulatePortrait))
	open(t, ctx, base, "/admin/departments")
	if h := text(t, ctx, "main h1"); h != "部门管理" {
		t.Errorf("phone: departments heading = %q, want 部门管理", h)
	}
	pageFits(t, ctx, "phone: departments page")
	problems.check(t, "departments page on a phone")
	screenshot(t, ctx, "departments-phone")
	do(t, ctx, "reset the viewport", chromedp.ResetViewport())
}

// switchLanguage chooses lang in the header's language select as a mouse
// user would (a change event not preceded by arrow keys) and waits for the
// page to reload; app.js submits the form on change.
func switchLanguage(t *testing.T, ctx context.Context, lang string) {
	t.Helper()
	navigating(t, ctx, "switch the language to "+lang,
		chromedp.WaitVisible(chromedp.CSS("form.lang select")),
		chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`(function () {
			var s = document.querySelector("form.lang select");
			s.dispatchEvent(new MouseEvent("mousedown", {bubbles: true}));
			s.value = %q;
			s.dispatchEvent(new Event("input", {bubbles: true}));
			s.dispatchEvent(new Event("change", {bubbles: true}));
		})()`, lang)),
	)
}

func TestBrowserSignInWrongPassword(t *testing.T) {
	ctx := newBrowser(t)
	base := startDemo(t)

	open(t, ctx, base, "/login")
	st := signIn(t, ctx, "zsj", "not-the-password")
	if st != 401 {
		t.Errorf("a refused sign-in has status %d, want 401", st)
	}
	if p := pathOnly(currentPath(t, ctx)); p != "/login" {
		t.Errorf("a refused sign-in shows %s, want /login", p)
	}
	if msg := text(t, ctx, `main .flash.error[role="alert"]`); !strings.Contains(msg, "用户名或密码不正确") {
		t.Errorf("error message = %q, want it to contain 用户名或密码不正确", msg)
	}
	if v := get(t, ctx, "read the username field", chromedp.Value(chromedp.ID("username"))); v != "zsj" {
		t.Errorf("username field = %q after a refused sign-in, want the typed zsj", v)
	}
	if v := get(t, ctx, "read the password field", chromedp.Value(chromedp.ID("password"))); v != "" {
		t.Errorf("the password field was filled back in (%d characters); it must be empty", len(v))
	}
	// The password field has the focus, so the user can type again at once.
	if id := get(t, ctx, "read the focused element", chromedp.Evaluate[string](
		`document.activeElement ? document.activeElement.id : ""`)); id != "password" {
		t.Errorf("focus is on %q after a refused sign-in, want the password field", id)
	}
	screenshot(t, ctx, "login-error")
}

// TestBrowserHarnessSeesPageErrors makes sure that the "no console errors"
// checks above can fail: a Content-Security-Policy violation and an uncaught
// exception on a real page must both be seen.
func TestBrowserHarnessSeesPageErrors(t *testing.T) {
	ctx := newBrowser(t)
	base := startDemo(t)
	open(t, ctx, base, "/login")
	problems := watchProblems(t, ctx)
	do(t, ctx, "break the page's rules",
		chromedp.Evaluate[chromedp.Void](`(function () {
			var s = document.createElement("script");
			s.textContent = "window.inlineRan = true;"; // refused: script-src 'self'
			document.head.appendChild(s);
			setTimeout(function () { throw new Error("harness self-test"); }, 0);
		})()`))
	var got []string
	var csp, exc bool
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline) && !(csp && exc); time.Sleep(50 * time.Millisecond) {
		for _, m := range problems.take() {
			got = append(got, m)
			csp = csp || strings.Contains(m, "Content Security Policy")
			exc = exc || strings.Contains(m, "harness self-test")
		}
	}
	t.Logf("seen: %q", got)
	if !csp {
		t.Errorf("the CSP violation of an inline script was not seen; saw: %q", got)
	}
	if !exc {
		t.Errorf("the uncaught exception was not seen; saw: %q", got)
	}
	if ran := get(t, ctx, "did the inline script run", chromedp.Evaluate[bool](`window.inlineRan === true`)); ran {
		t.Errorf("an inline script ran: the Content-Security-Policy does not forbid inline scripts")
	}
}
