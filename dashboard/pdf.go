package dashboard

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"os"
	"os/exec"
	"sync"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"govkpi/survey"
)

// Printing scorecards to PDF. The PDF handler makes a one-time token
// naming the run, the department, the language and the account that
// asked, and has headless Chromium load /print/{token} from this server
// over loopback; the print route serves the scorecard to that request
// alone, and Chromium prints it on A4 once every chart is drawn.
//
// One Chromium process serves every PDF: started on the first, printing
// at most printConcurrency at once, each in a tab kept open for the next
// (printTab), and stopped after printIdle without work, so a server that
// seldom prints does not keep a browser in memory.

const (
	printConcurrency = 2 + maxSeries    // two for single PDFs, whatever bulk exports run
	printTimeout     = 30 * time.Second // a PDF, waiting for a turn included
	printTokenTTL    = 60 * time.Second
	printIdle        = 5 * time.Minute
	// The tab is as wide as the scorecard's column on screen and on A4
	// (180 mm is 680 CSS pixels), with room to spare. Its height and
	// pixel density are what the browser draws the screen at, which a
	// print does not show: kept small, they cost little. The charts of a
	// document for print draw their canvases at twice the pixels
	// themselves (dashboard.js), so they stay sharp on paper.
	printViewWidth  = 1100
	printViewHeight = 600
)

// errNoBrowser is the error of a print when no Chromium is installed.
var errNoBrowser = errors.New("no Chromium or Chrome installed (install the packages chromium and fonts-noto-cjk)")

// printer prints pages to PDF in a shared headless Chromium.
type printer struct {
	tokens *printTokens
	find   func() string // the browser's path, "" when there is none
	turns  chan struct{} // one per print under way

	mu      sync.Mutex
	browser context.Context // the browser's first tab; nil when no browser runs
	stop    func()          // stops the browser
	tabs    []*printTab     // the browser's tabs open and not printing
	busy    int             // prints under way
	idle    *time.Timer     // stops the browser when it has been idle
	closed  bool
}

// printTab is a tab kept open from one print to the next, in a browser
// context of its own. A print in a tab that has printed before finds
// ECharts, the stylesheets and the fonts in its cache, and their code
// compiled: loading the page takes a fifth of the time it takes in a new
// tab. What a tab keeps from one print to the next is that cache of
// static assets, the same for every reader, and the CSRF nonce cookie
// every page sets, which names no one: the print route sets no session,
// and each print loads its page afresh.
type printTab struct {
	ctx     context.Context
	close   func()
	browser context.Context // the browser the tab belongs to
}

func newPrinter(find func() string) *printer {
	return &printer{tokens: newPrintTokens(), find: find, turns: make(chan struct{}, printConcurrency)}
}

// findChromium is the path of an installed Chromium or Chrome, "" when
// there is none: Debian's /usr/bin/chromium, else the usual names on PATH.
// It is looked for at each start, so a browser installed later is found
// without a restart.
func findChromium() string {
	if st, err := os.Stat("/usr/bin/chromium"); err == nil && !st.IsDir() {
		return "/usr/bin/chromium"
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// print loads url in a tab of the shared browser, waits until the page
// has loaded, its fonts are ready and every chart is drawn, and prints it
// to PDF on A4 with its backgrounds and its own @page size and margins.
// lang is sent as Accept-Language. It returns errNoBrowser when no
// Chromium is installed; the whole print, a wait for a turn included, is
// bounded by printTimeout and by ctx.
func (pr *printer) print(ctx context.Context, url, lang string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, printTimeout)
	defer cancel()
	tab, err := pr.take(ctx)
	if err != nil {
		return nil, err
	}
	pdf, err := runInTab(ctx, tab, printAction(url, lang, true))
	// A tab whose print failed may be anywhere in loading a page: it is
	// closed rather than used again.
	pr.give(tab, err == nil)
	if err != nil {
		return nil, fmt.Errorf("print %s: %w", printPath(url), err)
	}
	return pdf, nil
}

// take waits for a turn and returns a tab to print in (acquire); give
// both back with give.
func (pr *printer) take(ctx context.Context) (*printTab, error) {
	select {
	case pr.turns <- struct{}{}:
	case <-ctx.Done():
		return nil, fmt.Errorf("print: wait for a turn: %w", ctx.Err())
	}
	tab, err := pr.acquire(ctx)
	if err != nil {
		<-pr.turns
		return nil, err
	}
	return tab, nil
}

// give ends the prints in a tab from take: the tab is kept for the next
// print when reuse is true (release), and the turn is given back.
func (pr *printer) give(tab *printTab, reuse bool) {
	pr.release(tab, reuse)
	<-pr.turns
}

// runInTab runs action in tab, bounded by printTimeout and ctx. The
// action's context comes from the tab's, so that ending it leaves the tab
// open; ctx's deadline and cancellation are passed on.
func runInTab(ctx context.Context, tab *printTab, action chromedp.Action[[]byte]) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, printTimeout)
	defer cancel()
	deadline, _ := ctx.Deadline()
	bounded, cancelBounded := context.WithDeadline(tab.ctx, deadline)
	defer cancelBounded()
	defer context.AfterFunc(ctx, cancelBounded)()
	return chromedp.Run(bounded, action)
}

// printPath is url without its token, for error messages and logs.
func printPath(url string) string {
	if len(url) > 8 {
		return url[:len(url)-8] + "…"
	}
	return url
}

// printAction loads url and prints it, tagged (accessible, with an
// outline of its headings) when tagged is true.
func printAction(url, lang string, tagged bool) chromedp.Action[[]byte] {
	return func(ctx context.Context, t *chromedp.Target) ([]byte, error) {
		if _, err := cdp.Call(ctx, t, emulation.SetDeviceMetricsOverride, emulation.SetDeviceMetricsOverrideParams{
			Width: printViewWidth, Height: printViewHeight, DeviceScaleFactor: 1}); err != nil {
			return nil, err
		}
		if _, err := cdp.Call(ctx, t, network.SetExtraHTTPHeaders, network.SetExtraHTTPHeadersParams{
			Headers: network.Headers{"Accept-Language": lang}}); err != nil {
			return nil, err
		}
		res, err := chromedp.NavigateResponse(url)(ctx, t)
		if err != nil {
			return nil, err
		}
		if res == nil || res.Status != http.StatusOK {
			status := int64(0)
			if res != nil {
				status = res.Status
			}
			return nil, fmt.Errorf("the page answered %d", status)
		}
		// The page numbers in the @page margin are laid out only when
		// printing: their glyphs are loaded now, with the page's, so that
		// Chromium does not fall back to a system font for them.
		if _, err := chromedp.Evaluate[bool](`document.fonts.load('8pt "Noto Sans SC"', '第页共 Page of 0123456789/'), true`)(ctx, t); err != nil {
			return nil, err
		}
		return printReady(ctx, t, tagged)
	}
}

// swapScript puts the page at a URL in place of the tab's: it fetches
// the page, puts its body in place of the tab's body (scripts parsed this
// way never run), has dashboard.js draw its charts, lays it out so that
// the fonts its text needs are asked for, and waits for them. The head,
// with its stylesheets, fonts and scripts, stays: the pages of a series
// are made from one template. It resolves to the page's HTTP status.
const swapScript = `(async (url) => {
	const res = await fetch(url, {credentials: "omit", cache: "no-store", redirect: "error"});
	if (res.status !== 200) {
		return res.status;
	}
	const doc = new DOMParser().parseFromString(await res.text(), "text/html");
	document.title = doc.title;
	document.documentElement.lang = doc.documentElement.lang;
	document.body.replaceWith(document.adoptNode(doc.body));
	if (window.govkpiRedraw) {
		window.govkpiRedraw();
	}
	document.body.offsetHeight;
	await document.fonts.ready;
	return 200;
})(%s)`

// swapAction puts the page at url in place of the tab's (swapScript) and
// prints it, untagged.
func swapAction(url string) chromedp.Action[[]byte] {
	return func(ctx context.Context, t *chromedp.Target) ([]byte, error) {
		arg, err := json.Marshal(url)
		if err != nil {
			return nil, err
		}
		status, err := chromedp.Evaluate[int](fmt.Sprintf(swapScript, arg), chromedp.EvalAwaitPromise)(ctx, t)
		if err != nil {
			return nil, err
		}
		if status != http.StatusOK {
			return nil, fmt.Errorf("the page answered %d", status)
		}
		return printReady(ctx, t, false)
	}
}

// printReady waits until the tab's page has loaded, its fonts are ready
// and every chart is drawn, and prints it to PDF on A4 with its
// backgrounds and its own @page size and margins; tagged (accessible,
// with an outline of its headings) when tagged is true.
func printReady(ctx context.Context, t *chromedp.Target, tagged bool) ([]byte, error) {
	// dashboard.js marks each chart it has drawn with data-drawn.
	const ready = `document.readyState === "complete" && document.fonts.status === "loaded" &&
		document.querySelector("[data-chart]:not([data-drawn])") === null`
	for {
		done, err := chromedp.Evaluate[bool](ready)(ctx, t)
		if err != nil {
			return nil, err
		}
		if done {
			break
		}
		select {
		case <-time.After(25 * time.Millisecond):
		case <-ctx.Done():
			return nil, fmt.Errorf("wait for the charts: %w", ctx.Err())
		}
	}
	yes := true
	out, err := cdp.Call(ctx, t, page.PrintToPDF, page.PrintToPDFParams{
		PrintBackground: &yes, PreferCSSPageSize: &yes, GenerateTaggedPDF: &tagged, GenerateDocumentOutline: &tagged,
		PaperWidth: 8.27, PaperHeight: 11.69, // A4, should a page not say
	})
	if err != nil {
		return nil, err
	}
	return out.Data, nil
}

// printSeries prints pages one after another in one tab, for a bulk
// export: the first page is loaded, and each next one put in place of the
// last one's (swapScript), which spares Chromium a new document, its
// stylesheets, fonts and scripts, each time. Its PDFs are untagged: tags
// and an outline make a print take about half as long again, which 500
// scorecards cannot afford (docs/exports.md). A series holds one of the
// printer's turns until closed, so a single PDF asked for meanwhile
// still has one.
type printSeries struct {
	pr     *printer
	tab    *printTab
	lang   string
	loaded bool  // the tab holds a page of the series
	failed error // why the last print failed; the series prints no more
}

// series starts a series of prints in lang; close it when done. It
// returns errNoBrowser when no Chromium is installed.
func (pr *printer) series(ctx context.Context, lang string) (*printSeries, error) {
	tab, err := pr.take(ctx)
	if err != nil {
		return nil, err
	}
	return &printSeries{pr: pr, tab: tab, lang: lang}, nil
}

// print prints the page at url, bounded by printTimeout and ctx. After a
// failure the series fails every print: the tab may be anywhere.
func (ps *printSeries) print(ctx context.Context, url string) ([]byte, error) {
	if ps.failed != nil {
		return nil, ps.failed
	}
	action := swapAction(url)
	if !ps.loaded {
		action = printAction(url, ps.lang, false)
	}
	pdf, err := runInTab(ctx, ps.tab, action)
	if err != nil {
		ps.failed = fmt.Errorf("print %s: %w", printPath(url), err)
		return nil, ps.failed
	}
	ps.loaded = true
	return pdf, nil
}

// printJob prints job's page, read from the server at base with a token
// made for it; job.lang is the series'.
func (ps *printSeries) printJob(ctx context.Context, base string, job printJob) ([]byte, error) {
	return ps.print(ctx, ps.pr.tokens.url(base, job))
}

// close ends the series, giving its tab back (or closing it when a print
// failed) and its turn.
func (ps *printSeries) close() {
	ps.pr.give(ps.tab, ps.failed == nil)
}

// acquire returns a tab to print in, counting a print under way: an
// open tab not printing, else a new one, starting the browser when none
// runs (or the last one died). Opening a tab is bounded by ctx.
func (pr *printer) acquire(ctx context.Context) (*printTab, error) {
	pr.mu.Lock()
	if pr.closed {
		pr.mu.Unlock()
		return nil, errors.New("print: the printer is closed")
	}
	if pr.idle != nil {
		pr.idle.Stop()
	}
	if pr.browser == nil || pr.browser.Err() != nil {
		pr.stopBrowser()
		exe := pr.find()
		if exe == "" {
			pr.mu.Unlock()
			return nil, errNoBrowser
		}
		browser, stop, err := startChromium(exe)
		if err != nil {
			pr.mu.Unlock()
			return nil, err
		}
		pr.browser, pr.stop = browser, stop
	}
	pr.busy++
	for len(pr.tabs) > 0 {
		tab := pr.tabs[len(pr.tabs)-1]
		pr.tabs = pr.tabs[:len(pr.tabs)-1]
		if tab.ctx.Err() == nil {
			pr.mu.Unlock()
			return tab, nil
		}
		tab.close()
	}
	browser := pr.browser
	pr.mu.Unlock()

	tab, err := openTab(ctx, browser)
	if err != nil {
		pr.release(nil, false)
		return nil, err
	}
	return tab, nil
}

// openTab opens a tab in browser, in a browser context of its own. The
// tab lives as long as browser does, or until closed: its first action,
// which creates it, runs in its own context, not ctx, whose end would
// end it; ctx bounds the wait for it.
func openTab(ctx context.Context, browser context.Context) (*printTab, error) {
	tctx, closeTab := chromedp.NewContext(browser, chromedp.WithNewBrowserContext())
	opened := make(chan error, 1)
	go func() { opened <- chromedp.Do(tctx) }()
	select {
	case err := <-opened:
		if err != nil {
			closeTab()
			return nil, fmt.Errorf("print: open a tab: %w", err)
		}
		return &printTab{ctx: tctx, close: closeTab, browser: browser}, nil
	case <-ctx.Done():
		go func() {
			<-opened
			closeTab()
		}()
		return nil, fmt.Errorf("print: open a tab: %w", ctx.Err())
	}
}

// release ends a print in tab (nil when none was opened): the tab is kept
// for the next print when reuse is true and its browser still runs, else
// closed. When no print is left under way the idle timer is armed.
func (pr *printer) release(tab *printTab, reuse bool) {
	pr.mu.Lock()
	defer pr.mu.Unlock()
	pr.busy--
	if tab != nil {
		if reuse && !pr.closed && tab.browser == pr.browser && tab.ctx.Err() == nil {
			pr.tabs = append(pr.tabs, tab)
		} else {
			// Closing a tab and its browser context takes a few hundred
			// milliseconds no reader need wait for.
			go tab.close()
		}
	}
	if pr.busy > 0 || pr.browser == nil {
		return
	}
	if pr.idle == nil {
		pr.idle = time.AfterFunc(printIdle, pr.stopIdle)
	} else {
		pr.idle.Reset(printIdle)
	}
}

// stopIdle stops the browser unless a print has started since the timer
// was armed.
func (pr *printer) stopIdle() {
	pr.mu.Lock()
	defer pr.mu.Unlock()
	if pr.busy == 0 {
		pr.stopBrowser()
	}
}

// close stops the browser for good; prints after it fail.
func (pr *printer) close() {
	pr.mu.Lock()
	defer pr.mu.Unlock()
	pr.closed = true
	if pr.idle != nil {
		pr.idle.Stop()
	}
	pr.stopBrowser()
}

// stopBrowser stops the browser, if one runs, and forgets its tabs, which
// end with it. pr.mu is held.
func (pr *printer) stopBrowser() {
	if pr.stop != nil {
		pr.stop()
	}
	pr.browser, pr.stop, pr.tabs = nil, nil, nil
}

// startChromium starts a headless browser at exe with a fresh, temporary
// profile and returns its first tab's context, whose children open tabs
// in the same browser, and the function that stops it. On Linux the
// browser dies with the server (chromedp starts it with Pdeathsig).
func startChromium(exe string) (context.Context, func(), error) {
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(exe),
		chromedp.Headless,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-dev-shm-usage", true), // /dev/shm is small in containers
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("disable-features", "Translate,MediaRouter"),
		chromedp.Flag("no-proxy-server", true), // the page is on loopback: never through a proxy
		// A server serving TLS itself has a certificate for its public
		// name, not for 127.0.0.1; this browser loads only the server's
		// own print pages over loopback, whose CSP admits nothing else.
		chromedp.Flag("ignore-certificate-errors", true),
		chromedp.Flag("force-color-profile", "srgb"),
		chromedp.Flag("hide-scrollbars", true),
		chromedp.Flag("mute-audio", true),
		chromedp.Flag("password-store", "basic"),
		chromedp.WindowSize(printViewWidth, printViewHeight),
	}
	if os.Geteuid() == 0 {
		// Chromium's sandbox refuses to run as root (as in containers).
		opts = append(opts, chromedp.NoSandbox)
	}
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	tab, cancelTab := chromedp.NewContext(alloc)
	stop := func() {
		cancelTab()
		cancelAlloc()
	}
	// The first Run starts the browser; it must not carry a deadline,
	// which would end the browser with it.
	if err := chromedp.Do(tab); err != nil {
		stop()
		return nil, nil, fmt.Errorf("start %s: %w", exe, err)
	}
	return tab, stop, nil
}

// printJob is what a print token stands for: the document of kind (the
// scorecard of department code, or the run's ranking report) in run, in
// lang, for reader (who asked for the PDF).
type printJob struct {
	kind    printKind
	run     int64
	code    string
	lang    string
	reader  *survey.Account
	expires time.Time
}

// printKind is the document a print token prints. The zero value is the
// scorecard, so a job made without a kind prints one.
type printKind string

const (
	printScorecard printKind = ""
	printReport    printKind = "report" // the run's ranking report (report.go); code is ""
)

// printTokens are the one-time tokens of the prints asked for in the last
// printTokenTTL, kept in memory: a restart forgets them, as it should.
type printTokens struct {
	mu sync.Mutex
	m  map[string]printJob
}

func newPrintTokens() *printTokens { return &printTokens{m: map[string]printJob{}} }

// issue returns a new token for job: 32 random bytes, base64url, valid
// for printTokenTTL and once. Expired tokens are dropped on the way.
func (ts *printTokens) issue(job printJob) string {
	b := make([]byte, 32)
	rand.Read(b) // never fails (crypto/rand)
	token := base64.RawURLEncoding.EncodeToString(b)
	now := time.Now()
	job.expires = now.Add(printTokenTTL)
	ts.mu.Lock()
	defer ts.mu.Unlock()
	for k, j := range ts.m {
		if now.After(j.expires) {
			delete(ts.m, k)
		}
	}
	ts.m[token] = job
	return token
}

// url is the address at base of the print of job, with a new token.
func (ts *printTokens) url(base string, job printJob) string {
	return base + "/print/" + ts.issue(job)
}

// take spends token and returns its job; false for a token unknown,
// spent, or expired at now.
func (ts *printTokens) take(token string, now time.Time) (printJob, bool) {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	job, ok := ts.m[token]
	delete(ts.m, token)
	if !ok || now.After(job.expires) {
		return printJob{}, false
	}
	return job, true
}

// printBase is the origin at which the server's own Chromium reaches
// this server: the port of the connection the PDF request came in on,
// on loopback. The request's Host is not used: the client sets it, and
// behind a reverse proxy it names the proxy, which would forward the
// browser's request from elsewhere than loopback. The connection's local
// address is where this server listens; when it is a loopback address it
// is used as it is, else the same port on the loopback address of its
// family, which a server listening on every interface (":8080") also
// answers. A server bound to one outside address only cannot print.
// Over TLS served by the program itself the scheme is https.
func printBase(r *http.Request) (string, error) {
	la, ok := r.Context().Value(http.LocalAddrContextKey).(net.Addr)
	if !ok {
		return "", errors.New("print: the request has no local address")
	}
	ap, err := netip.ParseAddrPort(la.String())
	if err != nil {
		return "", fmt.Errorf("print: local address %q: %w", la, err)
	}
	addr := ap.Addr().Unmap()
	if !addr.IsLoopback() {
		addr = netip.MustParseAddr("127.0.0.1")
		if ap.Addr().Is6() && !ap.Addr().Is4In6() {
			addr = netip.IPv6Loopback()
		}
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + netip.AddrPortFrom(addr, ap.Port()).String(), nil
}

// fromThisMachine reports whether r comes straight from this machine: its
// connection is from a loopback address, and it carries no forwarding
// header, since a reverse proxy on this machine would connect from
// loopback on behalf of anyone.
func fromThisMachine(r *http.Request) bool {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return false
	}
	addr, err := netip.ParseAddr(host)
	if err != nil || !addr.Unmap().IsLoopback() {
		return false
	}
	for _, h := range []string{"X-Forwarded-For", "X-Forwarded-Host", "X-Real-Ip", "Forwarded"} {
		if r.Header.Get(h) != "" {
			return false
		}
	}
	return true
}

// printPDF prints job's page for the request: a one-time token, the page
// read back through this server's own address, the time logged. When it
// fails it answers the request (503 naming the packages to install when
// there is no browser) and returns false.
func (p *pages) printPDF(w http.ResponseWriter, r *http.Request, job printJob) ([]byte, bool) {
	base, err := printBase(r)
	if err != nil {
		p.s.Fail(w, r, err)
		return nil, false
	}
	start := time.Now()
	pdf, err := p.printer.printJob(r.Context(), base, job)
	if errors.Is(err, errNoBrowser) {
		page := p.s.Page(r, "title.error")
		page.Data = struct {
			Status  int
			Message string
		}{http.StatusServiceUnavailable, "err.pdf_unavailable"}
		p.s.RenderPage(w, r, http.StatusServiceUnavailable, "error", page)
		return nil, false
	}
	if err != nil {
		p.s.Fail(w, r, err)
		return nil, false
	}
	p.s.Log.Info("pdf", "request_id", survey.RequestID(r.Context()), "kind", job.kind, "run", job.run,
		"department", job.code, "bytes", len(pdf), "duration", time.Since(start))
	return pdf, true
}

// printJob prints job's page, read from the server at base with a token
// made for it.
func (pr *printer) printJob(ctx context.Context, base string, job printJob) ([]byte, error) {
	return pr.print(ctx, pr.tokens.url(base, job), job.lang)
}
