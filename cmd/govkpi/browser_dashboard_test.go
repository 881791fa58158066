package main

import (
	"context"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

// outsideRequests records every request the tab makes to a host other than
// the server's: the product must need nothing from the internet.
type outsideRequests struct {
	mu   sync.Mutex
	list []string
}

func watchOutside(t *testing.T, ctx context.Context, base string) *outsideRequests {
	t.Helper()
	host := mustHost(t, base)
	o := &outsideRequests{}
	err := chromedp.Listen(ctx, func(ev any) {
		if e, ok := ev.(*network.EventRequestWillBeSent); ok {
			u, err := url.Parse(e.Request.URL)
			if err != nil || (u.Scheme != "data" && u.Scheme != "blob" && u.Host != host) {
				o.mu.Lock()
				o.list = append(o.list, e.Request.URL)
				o.mu.Unlock()
			}
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Call(ctx, network.Enable, network.EnableParams{}); err != nil {
		t.Fatal(err)
	}
	return o
}

func (o *outsideRequests) check(t *testing.T, where string) {
	t.Helper()
	o.mu.Lock()
	defer o.mu.Unlock()
	if len(o.list) > 0 {
		t.Errorf("%s: requests to other hosts: %s", where, strings.Join(o.list, ", "))
		o.list = nil
	}
}

func mustHost(t *testing.T, base string) string {
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	return u.Host
}

// chartsDrawn waits until every chart of the page is drawn by dashboard.js
// and returns how many there are and when the first was drawn (ms after
// the navigation started).
func chartsDrawn(t *testing.T, ctx context.Context, where string, atLeast int) (int, float64) {
	t.Helper()
	n := get(t, ctx, where+": wait for the charts", chromedp.Poll[int](`(function () {
		var all = document.querySelectorAll('[data-chart]').length;
		var drawn = document.querySelectorAll('[data-chart][data-drawn="true"] canvas').length;
		return all > 0 && drawn >= all ? all : 0;
	})()`))
	if n < atLeast {
		t.Errorf("%s: %d charts drawn, want at least %d", where, n, atLeast)
	}
	tables := get(t, ctx, where+": count data tables", chromedp.Evaluate[int](`document.querySelectorAll("details.chart-data table").length`))
	if tables != n {
		t.Errorf("%s: %d charts but %d data tables", where, n, tables)
	}
	first := get(t, ctx, where+": first chart time", chromedp.Evaluate[float64](
		`(performance.getEntriesByName('govkpi-first-chart')[0] || {startTime: -1}).startTime`))
	return n, first
}

// An evaluator reads the demo's published run: the overview, a
// department's profile from the ranking, one of its indicators'
// provenance, a comparison, the uncertainty, methodology and data-quality
// pages. Every chart is drawn, nothing comes from another host, no
// console error; an official reads their own department's profile and
// nobody else's.
func TestBrowserDashboards(t *testing.T) {
	ctx := newBrowser(t)
	base, dbPath := startDemoDB(t)
	db := openDemoDB(t, dbPath)
	var runID int64
	if err := db.R.QueryRow("SELECT id FROM assessment_runs WHERE state = 'published' ORDER BY id LIMIT 1").Scan(&runID); err != nil {
		t.Fatal(err)
	}
	run := "/dashboard/runs/" + strconv.FormatInt(runID, 10)
	problems := watchProblems(t, ctx)
	outside := watchOutside(t, ctx, base)
	open(t, ctx, base, "/login")
	signIn(t, ctx, "evaluator", demoPassword)

	visit := func(path, name string, atLeast int) {
		t.Helper()
		open(t, ctx, base, path)
		n, first := chartsDrawn(t, ctx, name, atLeast)
		t.Logf("%s: %d charts, first drawn at %.0f ms", name, n, first)
		pageFits(t, ctx, name)
		problems.check(t, name)
		outside.check(t, name)
		screenshot(t, ctx, "dashboard-"+name)
	}
	visit(run, "overview", 5)

	// The ranking's data table links each department to its profile.
	get(t, ctx, "open the data tables", chromedp.Evaluate[bool](
		`document.querySelectorAll('details.chart-data').forEach(function (d) { d.open = true; }); true`))
	href := get(t, ctx, "find a profile link", chromedp.Evaluate[string](
		`(document.querySelector('details.chart-data a[href*="/departments/"]') || {}).getAttribute ? document.querySelector('details.chart-data a[href*="/departments/"]').getAttribute('href') : ''`))
	if !strings.HasPrefix(href, run+"/departments/") {
		t.Fatalf("no profile link in the overview's tables (%q)", href)
	}
	visit(href, "profile", 2)
	ind := get(t, ctx, "find a provenance link", chromedp.Evaluate[string](
		`(function () { var a = document.querySelector('a[href*="/indicators/"]'); return a ? a.getAttribute('href') : ''; })()`))
	if ind == "" {
		t.Error("the profile links no indicator to its provenance")
	} else {
		open(t, ctx, base, ind)
		problems.check(t, "provenance")
		pageFits(t, ctx, "provenance")
		screenshot(t, ctx, "dashboard-provenance")
	}

	// The profile's scorecard, the document offices print, set in the
	// program's own Noto Sans SC (served from here: no outside request),
	// and the run's ranking report.
	visit(href+"/scorecard", "scorecard", 1)
	if !get(t, ctx, "the scorecard's font", chromedp.Evaluate[bool](
		`Array.from(document.fonts).some(function (f) { return f.family.indexOf('Noto Sans SC') >= 0 && f.status === 'loaded'; })`)) {
		t.Error("the scorecard loaded no face of Noto Sans SC")
	}
	visit(run+"/report", "report", 1)
	visit(run+"/compare?d=LJ-ZSJ&d=LJ-GA&d=LJ-RS", "compare", 1)
	visit(run+"/uncertainty", "uncertainty", 1)
	visit(run+"/methodology", "methodology", 1)
	visit(run+"/quality", "quality", 1)
	onPhone(t, ctx, func() {
		open(t, ctx, base, run)
		chartsDrawn(t, ctx, "phone: overview", 5)
		pageFits(t, ctx, "phone: overview")
		screenshot(t, ctx, "dashboard-overview-phone")
	})

	// The data bureau's official: its own profile, not the police's.
	signOut(t, ctx)
	open(t, ctx, base, "/login")
	signIn(t, ctx, "zsj", demoPassword)
	visit(run+"/departments/LJ-ZSJ", "profile-official", 2)
	open(t, ctx, base, run+"/departments/LJ-GA")
	if h := text(t, ctx, "main h1"); strings.Contains(h, "公安") {
		t.Errorf("an official reads another department's profile: %q", h)
	}
}
