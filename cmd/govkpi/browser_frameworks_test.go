package main

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// An admin reads the built-in framework's tree, sees a budget-point group
// that no longer sums to 100 flagged as they type, and opens an AHP round
// on the index's families for the evaluator; the evaluator fills the
// comparisons and is told, as they choose, that they are inconsistent and
// which pair to reconsider; the admin closes the round into a new
// framework version.
func TestBrowserFrameworksAndAHP(t *testing.T) {
	ctx := newBrowser(t)
	base := startDemo(t)
	problems := watchProblems(t, ctx)
	open(t, ctx, base, "/login")
	signIn(t, ctx, "admin", demoPassword)
	open(t, ctx, base, "/admin/frameworks")
	pageFits(t, ctx, "frameworks")
	screenshot(t, ctx, "frameworks")
	navigating(t, ctx, "open the built-in version",
		chromedp.Click(chromedp.CSS(`main table.data tbody a[href^="/admin/frameworks/"]`)))
	version := pathOnly(currentPath(t, ctx))
	if !strings.HasPrefix(version, "/admin/frameworks/") {
		t.Fatalf("the version's page is %s", version)
	}
	if n := get(t, ctx, "count tree rows", chromedp.Evaluate[int](`document.querySelectorAll("main table.data tbody tr").length`)); n < 30 {
		t.Errorf("the tree shows %d rows", n)
	}
	pageFits(t, ctx, "framework tree")
	problems.check(t, "framework tree")
	screenshot(t, ctx, "framework-tree")

	// Budget points: a group's total follows the typing.
	open(t, ctx, base, version+"/weights")
	sum := get(t, ctx, "change a point", chromedp.Evaluate[string](`(function () {
		var g = document.querySelector("form[data-weights] [data-group]");
		var input = g.querySelector("input[data-points]");
		input.value = String(parseInt(input.value, 10) + 7);
		input.dispatchEvent(new Event("input", {bubbles: true}));
		return g.querySelector("output[data-sum]").textContent + (g.classList.contains("invalid") ? " invalid" : "");
	})()`))
	if !strings.HasSuffix(sum, "invalid") || strings.HasPrefix(sum, "100 ") {
		t.Errorf("a group summing to %q is not flagged", sum)
	}
	pageFits(t, ctx, "weights")
	problems.check(t, "weights")
	screenshot(t, ctx, "framework-weights")

	// An AHP round on the index's four families, the evaluator invited.
	open(t, ctx, base, "/ahp?framework="+strings.TrimPrefix(version, "/admin/frameworks/"))
	get(t, ctx, "choose the node and the evaluator", chromedp.Evaluate[bool](`(function () {
		var sel = document.getElementById("ahp-node");
		sel.value = Array.from(sel.options).find(function (o) { return o.value === "DGMI"; }).value;
		Array.from(document.querySelectorAll("input[name=evaluator]")).forEach(function (i) {
			if (/evaluator/.test(i.parentElement.textContent)) { i.checked = true; }
		});
		return true;
	})()`))
	navigating(t, ctx, "open the round", chromedp.Click(chromedp.CSS(`form[action$="/ahp"] button[type="submit"]`)))
	round := pathOnly(currentPath(t, ctx))
	if !strings.HasPrefix(round, "/ahp/") {
		t.Fatalf("opening the round led to %s", round)
	}
	problems.check(t, "round opened")

	signOut(t, ctx)
	open(t, ctx, base, "/login")
	signIn(t, ctx, "evaluator", demoPassword)
	open(t, ctx, base, round)
	// SH far above SA, SA far above EF, yet EF far above SH: no weights
	// can agree with that.
	get(t, ctx, "judge inconsistently", chromedp.Evaluate[bool](`(function () {
		function set(name, v) {
			var s = document.querySelector("select[name='" + name + "']");
			s.value = v;
			s.dispatchEvent(new Event("change", {bubbles: true}));
		}
		set("c0_1", "9"); set("c1_2", "9"); set("c0_2", "1/9");
		return true;
	})()`))
	feedback := get(t, ctx, "wait for the consistency feedback", chromedp.Poll[string](
		`(function () { var t = document.getElementById("ahp-feedback-text").textContent; return /CR/.test(t) ? t : ""; })()`))
	worst := get(t, ctx, "count pairs to reconsider", chromedp.Evaluate[int](`document.querySelectorAll("[data-worst]:not([hidden])").length`))
	if worst != 1 {
		t.Errorf("feedback %q, %d pairs marked to reconsider, want 1", feedback, worst)
	}
	pageFits(t, ctx, "ahp fill")
	problems.check(t, "ahp fill")
	screenshot(t, ctx, "ahp-fill-inconsistent")
	// Reconsidered: everything equal is perfectly consistent.
	get(t, ctx, "judge consistently", chromedp.Evaluate[bool](`(function () {
		document.querySelectorAll("#ahp-form select").forEach(function (s) {
			s.value = "1";
			s.dispatchEvent(new Event("change", {bubbles: true}));
		});
		var sel = document.querySelector("select[name='c0_1']");
		sel.value = "2";
		sel.dispatchEvent(new Event("change", {bubbles: true}));
		return true;
	})()`))
	get(t, ctx, "wait for the marks to clear", chromedp.Poll[bool](`document.querySelectorAll("[data-worst]:not([hidden])").length === 0`))
	navigating(t, ctx, "submit", chromedp.Click(chromedp.CSS(`#ahp-form button.primary`)))
	problems.check(t, "ahp submitted")

	signOut(t, ctx)
	open(t, ctx, base, "/login")
	signIn(t, ctx, "admin", demoPassword)
	open(t, ctx, base, round)
	navigating(t, ctx, "close the round", chromedp.Click(chromedp.CSS(`form[action$="/close"] button[type="submit"]`)))
	if n := get(t, ctx, "find the new version", chromedp.Evaluate[int](`document.querySelectorAll('main a[href^="/admin/frameworks/"]').length`)); n < 2 {
		t.Errorf("the closed round links %d versions, want its own and the new one", n)
	}
	pageFits(t, ctx, "ahp closed")
	problems.check(t, "ahp closed")
	screenshot(t, ctx, "ahp-closed")
}
