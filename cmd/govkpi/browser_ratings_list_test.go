package main

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestBrowserRatingsList: the admin follows the link from the ratings page
// to the list of ratings, filters it to bad ratings at a counter with a
// comment, and reads it on a phone; an official sees only their own
// department's ratings, even when the link names another department.
func TestBrowserRatingsList(t *testing.T) {
	ctx := newBrowser(t)
	base := startDemo(t)
	problems := watchProblems(t, ctx)
	column := func(n string) []string {
		t.Helper()
		return get(t, ctx, "read column "+n, chromedp.Evaluate[[]string](
			`Array.from(document.querySelectorAll("table.ratings-list tbody tr td:nth-child(`+n+`)")).map(function (td) { return td.textContent.trim(); })`))
	}

	open(t, ctx, base, "/login")
	signIn(t, ctx, "admin", demoPassword)
	open(t, ctx, base, "/admin/ratings")
	if status := navigating(t, ctx, "follow the link to the list", chromedp.Click(chromedp.CSS(`main a[href="/ratings"]`))); status != 200 {
		t.Fatalf("/ratings answered %d", status)
	}
	if h := text(t, ctx, "main"); !strings.Contains(h, "评价明细") || !strings.Contains(h, "满意率") || !strings.Contains(h, "共 ") {
		t.Fatalf("the list lacks its title, summary or count:\n%.600s", h)
	}
	if n := len(column("1")); n != 50 {
		t.Errorf("the first page lists %d ratings, want 50", n)
	}
	pageFits(t, ctx, "ratings list")
	screenshot(t, ctx, "ratings-list-admin")

	navigating(t, ctx, "filter: bad ratings at a counter with a comment",
		chromedp.SetValue(chromedp.ID("level"), "bad"),
		chromedp.SetValue(chromedp.ID("channel"), "window"),
		chromedp.Click(chromedp.ID("comment")),
		chromedp.Click(chromedp.CSS(`form.filters button[type="submit"]`)))
	if p := currentPath(t, ctx); !strings.Contains(p, "level=bad") || !strings.Contains(p, "channel=window") || !strings.Contains(p, "comment=1") {
		t.Fatalf("the filters are not in the address: %s", p)
	}
	levels := column("4")
	if len(levels) == 0 {
		t.Fatal("no bad rating at a counter with a comment in the demo")
	}
	for i, l := range levels {
		if !strings.HasPrefix(l, "不满意") && !strings.HasPrefix(l, "非常不满意") {
			t.Errorf("row %d is %q", i+1, l)
		}
	}
	for i, c := range column("3") {
		if c != "窗口" {
			t.Errorf("row %d was given at %q", i+1, c)
		}
	}
	screenshot(t, ctx, "ratings-list-admin-bad")
	onPhone(t, ctx, func() {
		open(t, ctx, base, currentPath(t, ctx))
		pageFits(t, ctx, "ratings list on a phone")
		screenshot(t, ctx, "ratings-list-phone")
	})
	problems.check(t, "admin ratings list")
	signOut(t, ctx)

	// 市公安局's official asks for 市政数局's ratings and gets their own.
	open(t, ctx, base, "/login")
	signIn(t, ctx, "ga", demoPassword)
	open(t, ctx, base, "/ratings?department=LJ-ZSJ")
	if h := text(t, ctx, "main"); !strings.Contains(h, "澜江市公安局") {
		t.Fatalf("the official's list does not name their department:\n%.600s", h)
	}
	depts := column("2")
	if len(depts) == 0 {
		t.Fatal("the official's list is empty")
	}
	for i, d := range depts {
		if d != "澜江市公安局" && !strings.HasPrefix(d, "澜江市公安局 · ") {
			t.Fatalf("row %d is of %q", i+1, d)
		}
	}
	pageFits(t, ctx, "official's ratings list")
	screenshot(t, ctx, "ratings-list-official")
	onPhone(t, ctx, func() {
		open(t, ctx, base, "/ratings?level=bad")
		pageFits(t, ctx, "official's ratings list on a phone")
		screenshot(t, ctx, "ratings-list-official-phone")
	})
	problems.check(t, "official's ratings list")
}
