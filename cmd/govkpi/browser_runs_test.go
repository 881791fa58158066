package main

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// An admin scores the demo's published self-assessment from its campaign
// page, reads the ranking and publishes the run.
func TestBrowserAssessmentRun(t *testing.T) {
	ctx := newBrowser(t)
	base := startDemo(t)
	problems := watchProblems(t, ctx)
	open(t, ctx, base, "/login")
	signIn(t, ctx, "admin", demoPassword)
	open(t, ctx, base, "/admin/campaigns")
	navigating(t, ctx, "open last year's campaign",
		chromedp.Click(chromedp.CSS(`table.data tbody tr:last-child a[href^="/admin/campaigns/"]`)))
	navigating(t, ctx, "open its runs", chromedp.Click(chromedp.CSS(`a[href$="/runs"]`)))
	navigating(t, ctx, "compute", chromedp.Click(chromedp.CSS(`form[action$="/runs"] button`)))
	if p := pathOnly(currentPath(t, ctx)); !strings.HasPrefix(p, "/admin/runs/") {
		t.Fatalf("computing led to %s", p)
	}
	rows := get(t, ctx, "count ranked rows", chromedp.Evaluate[int](
		`Array.from(document.querySelectorAll("table.data tbody tr")).filter(function (tr) { return /^[0-9]+$/.test(tr.cells[0].textContent.trim()); }).length`))
	if rows < 40 {
		t.Errorf("only %d departments ranked", rows)
	}
	pageFits(t, ctx, "draft run")
	problems.check(t, "draft run")
	screenshot(t, ctx, "run-draft")
	// The publish form asks for confirmation (data-confirm); the person
	// says yes.
	get(t, ctx, "answer yes to the confirmation", chromedp.Evaluate[bool](`window.confirm = function () { return true; }; true`))
	navigating(t, ctx, "publish", chromedp.Click(chromedp.CSS(`form[action$="/publish"] button`)))
	if s := text(t, ctx, "dl.meta .badge"); s != "已发布" {
		t.Errorf("after publishing the state reads %q", s)
	}
	if n := get(t, ctx, "look for the publish button", chromedp.Evaluate[int](`document.querySelectorAll('form[action$="/publish"]').length`)); n != 0 {
		t.Error("a published run still offers to publish")
	}
	problems.check(t, "published run")
	screenshot(t, ctx, "run-published")

	// Its dashboard: both charts drawn by dashboard.js from the JSON the
	// server wrote, nothing fetched from outside, no console error.
	navigating(t, ctx, "open the dashboard", chromedp.Click(chromedp.CSS(`a[href^="/dashboard/runs/"]`)))
	drawn := get(t, ctx, "wait for the charts", chromedp.Poll[int](
		`document.querySelectorAll('[data-chart][data-drawn="true"] canvas').length >= 2 ? document.querySelectorAll('[data-chart][data-drawn="true"] canvas').length : 0`))
	if drawn < 2 {
		t.Errorf("%d charts drawn, want 2", drawn)
	}
	tables := get(t, ctx, "count data tables", chromedp.Evaluate[int](`document.querySelectorAll("details.chart-data table").length`))
	charts := get(t, ctx, "count charts", chromedp.Evaluate[int](`document.querySelectorAll("[data-chart]").length`))
	if tables != charts {
		t.Errorf("%d data tables under %d charts", tables, charts)
	}
	pageFits(t, ctx, "dashboard")
	problems.check(t, "dashboard")
	screenshot(t, ctx, "dashboard-run")
	onPhone(t, ctx, func() {
		pageFits(t, ctx, "phone: dashboard")
		screenshot(t, ctx, "dashboard-run-phone")
	})
}
