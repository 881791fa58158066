package main

// Browser test of the whole life of a self-assessment: an official fills it
// section by section (a relevance rule firing, a reload, an expired
// session), submits it twice, the assessment office returns it with a
// hostile comment, the official corrects it, the office compares the
// versions, approves it and exports the responses. It uses the harness of
// browser_test.go and the helpers of browser_fill_test.go.
//
//	GOVKPI_SCREENSHOT_DIR=/tmp/shots go test ./cmd/govkpi -run BrowserReview -v

import (
	"context"
	"encoding/csv"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// reviewAnswer is one answer the official gives: the section it is on, the
// form control's name and the value (a maturity level's value for radios).
type reviewAnswer struct {
	section     int
	name, value string
}

// The official's first answers. MA3 "0 · unknown" makes unknown_reason
// relevant on the last section.
var reviewAnswers = []reviewAnswer{
	{0, "ma1_level", "4"},
	{0, "ma1_level_evidence", "《政务服务“好差评”工作实施细则》及季度分析报告"},
	{1, "ma2_level", "2"},
	{1, "ma3_level", "0"},
	{2, "ma4_level", "3"},
	{2, "ma4_level_evidence", "政务云资源使用清单，迁移上云系统 12 个"},
	{2, "ma5_level", "2"},
	{2, "ma6_level", "1"},
	{3, "ma7_level", "2"},
	{3, "ma8_level", "3"},
	{3, "ma8_level_evidence", "“一网统管”监管平台接入数据目录"},
	{3, "ma9_level", "2"},
	{3, "ma10_level", "1"},
	{4, "respondent_name", "陈数据"},
	{4, "respondent_position", "办公室 副主任"},
	{4, "respondent_phone", "0571-87654321"},
	{4, "unknown_reason", "MA3 运营由市大数据中心统一承担，本部门无法判断所处等级。"},
}

// reviewComment is the office's return comment: a Chinese sentence and
// markup that must stay text.
const reviewComment = "MA1 佐证材料只能证明3级，请核实后修改。<img src=x onerror=alert(1)>"

// answerJS reads the value of the form control named n: the checked radio's
// value ("" for none), a field's value, or null when there is no such
// control on the page.
const answerJS = `(function (n) {
	var els = document.getElementsByName(n);
	if (!els.length) { return null; }
	if (els[0].type === "radio") {
		var c = document.querySelector('input[name="' + n + '"]:checked');
		return c ? c.value : "";
	}
	return els[0].value;
})`

// answer returns what the page shows for the control named name, or
// "<none>" when the page has no such control.
func answer(t *testing.T, ctx context.Context, name string) string {
	t.Helper()
	v := get(t, ctx, "read "+name, chromedp.Evaluate[*string](answerJS+"("+jsString(name)+")"))
	if v == nil {
		return "<none>"
	}
	return *v
}

// giveAnswers fills the answers of section sec on the page: a click on a
// level, typing into a field.
func giveAnswers(t *testing.T, ctx context.Context, sec int, answers []reviewAnswer) {
	t.Helper()
	for _, a := range answers {
		if a.section != sec {
			continue
		}
		if strings.HasSuffix(a.name, "_level") {
			do(t, ctx, "choose "+a.name+" = "+a.value,
				chromedp.Click(chromedp.CSS(`input[name="`+a.name+`"][value="`+a.value+`"]`)))
			continue
		}
		retype(t, ctx, a.name, a.value)
	}
}

// checkAnswers opens every section up to last and fails for each answer
// the page does not show as given.
func checkAnswers(t *testing.T, ctx context.Context, base, fillPath string, last int, answers []reviewAnswer, where string) {
	t.Helper()
	for sec := 0; sec <= last; sec++ {
		open(t, ctx, base, fillPath+"?section="+strconv.Itoa(sec))
		for _, a := range answers {
			if a.section == sec {
				if got := answer(t, ctx, a.name); got != a.value {
					t.Errorf("%s: section %d shows %s = %q, want %q", where, sec, a.name, got, a.value)
				}
			}
		}
	}
}

// signOut submits the header's sign-out form once the page has settled: a
// click computed while a page still lays itself out (a slow CI machine, a
// script still answering) can land beside the button.
func signOut(t *testing.T, ctx context.Context) {
	t.Helper()
	get(t, ctx, "wait for the page to settle", chromedp.Poll[bool](`document.readyState === "complete"`))
	navigating(t, ctx, "sign out", chromedp.Submit(chromedp.CSS(`header form[action="/logout"]`)))
}

// postForm builds a form of fields (name, value pairs) posting to action,
// as a page kept by the browser would still hold it, submits it and returns
// the status of the page that follows.
func postForm(t *testing.T, ctx context.Context, what, action string, fields [][2]string) int64 {
	t.Helper()
	var js strings.Builder
	js.WriteString(`(function () { var f = document.createElement("form"); f.method = "post"; f.action = ` + jsString(action) + `;`)
	for _, kv := range fields {
		js.WriteString(`var i = document.createElement("input"); i.type = "hidden"; i.name = ` + jsString(kv[0]) +
			`; i.value = ` + jsString(kv[1]) + `; f.appendChild(i);`)
	}
	js.WriteString(`document.body.appendChild(f); f.submit(); })()`)
	return navigating(t, ctx, what, chromedp.Evaluate[chromedp.Void](js.String()))
}

// formFields reads the fields the fill form would post, in order.
func formFields(t *testing.T, ctx context.Context) [][2]string {
	t.Helper()
	return get(t, ctx, "read the fill form", chromedp.Evaluate[[][2]string](
		`Array.from(new FormData(document.getElementById("fill-form")).entries())`))
}

// unknownReasonHidden reports whether the fill page does not ask
// unknown_reason: absent, or hidden and disabled by its relevance.
func unknownReasonHidden(t *testing.T, ctx context.Context) bool {
	t.Helper()
	return get(t, ctx, "read unknown_reason", chromedp.Evaluate[bool](
		`(function (f) { return !f || f.hidden || f.disabled; })(document.querySelector('fieldset.q[data-q="unknown_reason"]'))`))
}

// onPhone runs fn with the tab at a phone's size and puts the desktop size
// back after; EmulateReset leaves the page laid out at the phone's width.
func onPhone(t *testing.T, ctx context.Context, fn func()) {
	t.Helper()
	do(t, ctx, "emulate a phone",
		chromedp.EmulateViewport(phoneWidth, phoneHeight, chromedp.EmulateMobile, chromedp.EmulateTouch, chromedp.EmulatePortrait))
	fn()
	if _, err := chromedp.Call(ctx, emulation.ClearDeviceMetricsOverride, cdp.Empty{}); err != nil {
		t.Fatalf("leave the phone size: %v", err)
	}
	if _, err := chromedp.Call(ctx, emulation.SetTouchEmulationEnabled, emulation.SetTouchEmulationEnabledParams{}); err != nil {
		t.Fatalf("leave touch emulation: %v", err)
	}
	// The renderer takes the desktop size back asynchronously: give it a
	// moment before reading the width.
	w := 0
	for deadline := time.Now().Add(3 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		w = get(t, ctx, "read the width", chromedp.Evaluate[int](`document.documentElement.clientWidth`))
		if w >= desktopWidth-40 || time.Now().After(deadline) {
			break
		}
	}
	if w < desktopWidth-40 {
		t.Fatalf("back from the phone size the page is %dpx wide", w)
	}
}

// noImage fails when the element of css holds an <img>: markup in user text
// must stay text.
func noImage(t *testing.T, ctx context.Context, css, where string) {
	t.Helper()
	if n := get(t, ctx, "count images in "+css, chromedp.Evaluate[int](
		`document.querySelectorAll(`+jsString(css+" img")+`).length`)); n != 0 {
		t.Errorf("%s: the comment became markup (%d <img> in %s)", where, n, css)
	}
}

func TestBrowserReviewScenario(t *testing.T) {
	ctx := newBrowser(t)
	base, dbPath := startDemoDB(t)
	problems := watchProblems(t, ctx)
	var dialogs atomic.Int32 // alert() and friends: hostile text that ran
	if err := chromedp.Listen(ctx, func(ev any) {
		if _, ok := ev.(*page.EventJavascriptDialogOpening); ok {
			dialogs.Add(1)
			go chromedp.Call(ctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{})
		}
	}); err != nil {
		t.Fatalf("listen for dialogs: %v", err)
	}
	bg := context.Background()
	db := openDemoDB(t, dbPath)
	fillPath, fillID := assignmentPath(t, db, "DGMI-SA", "LJ-ZSJ")
	asg, err := db.FindAssignmentByID(bg, fillID)
	if err != nil {
		t.Fatal(err)
	}
	campaignPath := "/admin/campaigns/" + strconv.FormatInt(asg.CampaignID, 10)
	reviewPath := "/admin/assignments/" + strconv.FormatInt(fillID, 10)

	// ------------------------------------------------ the official fills it in

	open(t, ctx, base, "/login")
	signIn(t, ctx, "zsj", demoPassword)
	navigating(t, ctx, "open the assignment from the home page",
		chromedp.Click(chromedp.CSS(`main a[href="`+fillPath+`"]`)))
	if p := pathOnly(currentPath(t, ctx)); p != fillPath {
		t.Fatalf("the home page's link led to %s, want %s", p, fillPath)
	}
	problems.check(t, "home page and first section")
	next := chromedp.Click(chromedp.CSS(`button[name="action"][value="next"]`))
	giveAnswers(t, ctx, 0, reviewAnswers)
	navigating(t, ctx, "go on from section 0", next)
	// Before MA3 is answered "unknown" the last section does not ask why.
	open(t, ctx, base, fillPath+"?section=4")
	if !unknownReasonHidden(t, ctx) {
		t.Error("unknown_reason is asked before any level is answered 0 (unknown)")
	}
	open(t, ctx, base, fillPath+"?section=1")
	giveAnswers(t, ctx, 1, reviewAnswers)
	navigating(t, ctx, "go on from section 1", next)
	// Mid-way, after the autosave, a reload shows this section's answers
	// and the earlier ones.
	giveAnswers(t, ctx, 2, reviewAnswers)
	waitFor(t, ctx, "the autosave of section 2", statusShows("已保存"))
	do(t, ctx, "reload", chromedp.Reload())
	checkAnswers(t, ctx, base, fillPath, 2, reviewAnswers, "after a reload")
	problems.check(t, "reload")
	navigating(t, ctx, "go on from section 2", next)
	if p := currentPath(t, ctx); p != fillPath+"?section=3" {
		t.Fatalf("after three sections the browser shows %s, want section 3", p)
	}

	// The session runs out while section 3 is half done; the last level,
	// chosen after, waits in the browser until the official signs in again.
	var before, after []reviewAnswer
	for _, a := range reviewAnswers {
		if a.name == "ma10_level" {
			after = append(after, a)
		} else {
			before = append(before, a)
		}
	}
	giveAnswers(t, ctx, 3, before)
	waitFor(t, ctx, "the autosave of section 3", statusShows("已保存"))
	if _, err := db.W.Exec(`UPDATE sessions SET expiry = julianday('now') - 1`); err != nil {
		t.Fatal(err)
	}
	giveAnswers(t, ctx, 3, after)
	waitFor(t, ctx, "the expired status", statusShows("登录已过期"))
	expectedProblems(t, problems, "expired session")
	navigating(t, ctx, "follow the sign-in link", chromedp.Click(chromedp.CSS(`#autosave-status a`)))
	signIn(t, ctx, "zsj", demoPassword)
	if p := currentPath(t, ctx); p != fillPath+"?section=3" {
		t.Fatalf("signing in again led to %s, want %s?section=3", p, fillPath)
	}
	waitFor(t, ctx, "the answer kept in the browser to be saved", statusShows("已保存"))
	if d, err := db.FindDraft(bg, fillID); err != nil || d.Answers["ma10_level"] != "1" {
		t.Errorf("the level chosen after the session expired did not reach the server: %v (%v)", d, err)
	}
	checkAnswers(t, ctx, base, fillPath, 3, reviewAnswers, "after signing in again")
	expectedProblems(t, problems, "signing in again")

	// The last section: unknown_reason applies because MA3 is "unknown".
	open(t, ctx, base, fillPath+"?section=4")
	if unknownReasonHidden(t, ctx) {
		t.Fatal("unknown_reason is not asked although MA3 is answered 0 (unknown)")
	}
	giveAnswers(t, ctx, 4, reviewAnswers)
	waitFor(t, ctx, "the autosave of the last section", statusShows("已保存"))
	kept := formFields(t, ctx)

	// Submitting twice: the submit button, then the same form again (as
	// the back button's copy of the page would post it). One response, one
	// receipt.
	navigating(t, ctx, "submit", chromedp.Click(chromedp.CSS(`button[name="action"][value="submit"]`)))
	if p := currentPath(t, ctx); p != fillPath+"/receipt" {
		t.Fatalf("submitting led to %s, want the receipt", p)
	}
	receipt1 := text(t, ctx, "dd.receipt")
	if receipt1 == "" {
		t.Fatal("the receipt page shows no receipt number")
	}
	if answers := text(t, ctx, "main"); !strings.Contains(answers, "MA3 运营由市大数据中心统一承担") {
		t.Errorf("the receipt does not list the submitted answers:\n%s", answers)
	}
	pageFits(t, ctx, "receipt")
	screenshot(t, ctx, "fill-receipt")
	problems.check(t, "submit")
	st := postForm(t, ctx, "submit the same form again", fillPath, append(kept, [2]string{"action", "submit"}))
	if p := currentPath(t, ctx); st != 200 || p != fillPath+"/receipt" {
		t.Errorf("the second submit led to %s (status %d), want the receipt", p, st)
	}
	if again := text(t, ctx, "dd.receipt"); again != receipt1 {
		t.Errorf("the second submit shows receipt %q, the first %q", again, receipt1)
	}
	if vs, err := db.ResponseVersions(bg, fillID); err != nil || len(vs) != 1 {
		t.Fatalf("after submitting twice the database holds %d responses (%v), want 1", len(vs), err)
	}
	problems.check(t, "second submit")
	signOut(t, ctx)

	// ------------------------------------------------ the office returns it

	open(t, ctx, base, "/login")
	signIn(t, ctx, "admin", demoPassword)
	open(t, ctx, base, "/admin/campaigns")
	navigating(t, ctx, "open the campaign", chromedp.Click(chromedp.CSS(`table.data a[href="`+campaignPath+`"]`)))
	do(t, ctx, "filter: submitted", chromedp.SetValue(chromedp.ID("state"), "submitted"))
	navigating(t, ctx, "apply the filter", chromedp.Click(chromedp.CSS(`form.filters button[type="submit"]`)))
	if p := currentPath(t, ctx); p != campaignPath+"?state=submitted" {
		t.Errorf("the filter led to %s, want %s?state=submitted", p, campaignPath)
	}
	if others := get(t, ctx, "read the listed states", chromedp.Evaluate[[]string](
		`Array.from(document.querySelectorAll("#assignments ~ .table-wrap tbody .badge")).map(function (b) { return b.className; }).filter(function (c) { return c !== "badge state-submitted"; })`)); len(others) != 0 {
		t.Errorf("the submitted filter lists other states: %v", others)
	}
	if tile := text(t, ctx, `a.tile[aria-current="true"]`); !strings.HasPrefix(tile, "已提交") {
		t.Errorf("the tile marked as the filter reads %q, want 已提交", tile)
	}
	pageFits(t, ctx, "campaign page, filtered")
	problems.check(t, "campaign page, filtered")
	screenshot(t, ctx, "review-campaign-filtered")
	onPhone(t, ctx, func() {
		pageFits(t, ctx, "phone: campaign page, filtered")
		screenshot(t, ctx, "review-campaign-filtered-phone")
	})
	// Followed by a script click: a pointer click right after the phone
	// size was left sometimes found the link still being laid out.
	navigating(t, ctx, "open the assignment to review",
		chromedp.WaitVisible(chromedp.CSS(`a[href="`+reviewPath+`"]`)),
		chromedp.Evaluate[chromedp.Void](`(document.querySelector(`+jsString(`a[href="`+reviewPath+`"]`)+`).click(), {})`))
	if body := text(t, ctx, "main"); !strings.Contains(body, receipt1) || !strings.Contains(body, "MA3 运营由市大数据中心统一承担") {
		t.Errorf("the review page lacks the receipt %s or the answers:\n%s", receipt1, body)
	}
	do(t, ctx, "type the comment", chromedp.SendKeys(chromedp.ID("comment"), reviewComment))
	navigating(t, ctx, "return", chromedp.Click(chromedp.CSS(`button[name="decision"][value="return"]`)))
	if st := text(t, ctx, "dl.meta .badge"); st != "已退回" {
		t.Errorf("after returning the state reads %q, want 已退回", st)
	}
	if h := text(t, ctx, "main table.history"); !strings.Contains(h, reviewComment) {
		t.Errorf("the history does not show the comment as text:\n%s", h)
	}
	noImage(t, ctx, "main", "review page")
	problems.check(t, "return")
	signOut(t, ctx)

	// ------------------------------------------------ the official corrects it

	open(t, ctx, base, "/login")
	signIn(t, ctx, "zsj", demoPassword)
	if note := text(t, ctx, "main .return-note"); !strings.Contains(note, reviewComment) || !strings.Contains(note, "审核退回意见") {
		t.Errorf("the home page's return note reads %q, want the comment as text", note)
	}
	noImage(t, ctx, "main", "home page")
	pageFits(t, ctx, "home page with the return note")
	problems.check(t, "home page with the return note")
	screenshot(t, ctx, "review-home-returned")
	onPhone(t, ctx, func() {
		pageFits(t, ctx, "phone: home page with the return note")
		screenshot(t, ctx, "review-home-returned-phone")
	})

	navigating(t, ctx, "open the returned assignment", chromedp.Click(chromedp.CSS(`main a[href="`+fillPath+`"]`)))
	if note := text(t, ctx, "main .return-note"); !strings.Contains(note, reviewComment) {
		t.Errorf("the fill page's return note reads %q, want the comment", note)
	}
	noImage(t, ctx, "main", "fill page")
	if p := answer(t, ctx, "ma1_level"); p != "4" {
		t.Errorf("the returned draft shows ma1_level = %q, want 4", p)
	}
	do(t, ctx, "correct MA1", chromedp.Click(chromedp.CSS(`input[name="ma1_level"][value="3"]`)))
	navigating(t, ctx, "go on", next)
	open(t, ctx, base, fillPath+"?section=4")
	navigating(t, ctx, "submit again", chromedp.Click(chromedp.CSS(`button[name="action"][value="submit"]`)))
	receipt2 := text(t, ctx, "dd.receipt")
	if receipt2 == "" || receipt2 == receipt1 {
		t.Errorf("the corrected version's receipt is %q, the first %q", receipt2, receipt1)
	}
	problems.check(t, "resubmit")
	signOut(t, ctx)

	// ------------------------------------------------ the office approves it

	open(t, ctx, base, "/login")
	signIn(t, ctx, "admin", demoPassword)
	open(t, ctx, base, reviewPath)
	if n := get(t, ctx, "count versions", chromedp.Evaluate[int](`document.querySelectorAll("table.versions tbody tr").length`)); n != 2 {
		t.Errorf("the review page lists %d versions, want 2", n)
	}
	if h := text(t, ctx, "#changes-h"); h != "第 1 版 → 第 2 版的变化" {
		t.Errorf("changes heading = %q", h)
	}
	rows := get(t, ctx, "read the changes", chromedp.Evaluate[[][3]string](
		`Array.from(document.querySelectorAll("table.changes tbody tr")).map(function (tr) {
			return [tr.cells[0].innerText, tr.cells[1].innerText, tr.cells[2].innerText];
		})`))
	if len(rows) != 1 || !strings.HasPrefix(rows[0][0], "MA1") || !strings.HasPrefix(rows[0][1], "4") || !strings.HasPrefix(rows[0][2], "3") {
		t.Errorf("changes from version 1 to 2: %q, want MA1 4 → 3 only", rows)
	}
	if hl := get(t, ctx, "read the highlight", chromedp.Evaluate[[]string](
		`[getComputedStyle(document.querySelector("table.changes td.old")).backgroundColor,
		  getComputedStyle(document.querySelector("table.changes td.new")).backgroundColor]`)); len(hl) != 2 || hl[0] == hl[1] || hl[1] == "rgba(0, 0, 0, 0)" {
		t.Errorf("the old and new values are not highlighted apart: backgrounds %q", hl)
	}
	pageFits(t, ctx, "review page with changes")
	problems.check(t, "review page with changes")
	screenshot(t, ctx, "review-changes")
	onPhone(t, ctx, func() {
		pageFits(t, ctx, "phone: review page with changes")
		screenshot(t, ctx, "review-changes-phone")
	})

	navigating(t, ctx, "approve", chromedp.Click(chromedp.CSS(`button[name="decision"][value="approve"]`)))
	if st := text(t, ctx, "dl.meta .badge"); st != "已批准" {
		t.Errorf("after approving the state reads %q, want 已批准", st)
	}
	if n := get(t, ctx, "count decision buttons", chromedp.Evaluate[int](`document.querySelectorAll('button[name="decision"]').length`)); n != 1 {
		t.Errorf("an approved assignment offers %d decisions, want 1 (reopen)", n)
	}
	problems.check(t, "approve")

	// The export, fetched with the admin's session: both versions, the
	// corrected answer and the receipts.
	body := get(t, ctx, "fetch the CSV", chromedp.Evaluate[string](
		`fetch(`+jsString(campaignPath+"/responses.csv")+`).then(function (r) {
			return r.text().then(function (s) { return r.status + "\n" + s; });
		})`, chromedp.EvalAwaitPromise))
	checkExport(t, body, receipt1, receipt2)
	problems.check(t, "export")
	signOut(t, ctx)

	// ------------------------------------------------ and it is locked

	open(t, ctx, base, "/login")
	signIn(t, ctx, "zsj", demoPassword)
	if p := open(t, ctx, base, fillPath); p != fillPath+"/receipt" {
		t.Errorf("the approved assignment's fill page led to %s, want the receipt", p)
	}
	if n := get(t, ctx, "look for the fill form", chromedp.Evaluate[int](`document.querySelectorAll("#fill-form").length`)); n != 0 {
		t.Error("the approved assignment still shows the fill form")
	}
	csrf := get(t, ctx, "read the csrf token", chromedp.Evaluate[string](`document.querySelector('header form[action="/logout"] input[name="csrf"]').value`))
	fields := [][2]string{{"csrf", csrf}, {"section", "0"}, {"version", "0"}, {"ma1_level", "5"},
		{"ma1_level_evidence", "x"}, {"action", "save"}}
	if st := postForm(t, ctx, "post an edit to the approved assignment", fillPath, fields); st != 409 {
		t.Errorf("an edit posted to the approved assignment has status %d, want 409", st)
	}
	if vs, err := db.ResponseVersions(bg, fillID); err != nil || len(vs) != 2 || vs[1].Answers["ma1_level"] != "3" {
		t.Errorf("after the refused edit the responses are %v (%v)", vs, err)
	}
	for _, m := range problems.take() {
		if !strings.Contains(m, "status of 409") || !strings.Contains(m, fillPath) {
			t.Errorf("locked: %s", m)
		}
	}
	if n := dialogs.Load(); n != 0 {
		t.Errorf("%d JavaScript dialogs opened: hostile text ran", n)
	}
}

// checkExport fails unless the CSV (its status line first) holds the
// department's two versions with their receipts and the corrected answer.
func checkExport(t *testing.T, body, receipt1, receipt2 string) {
	t.Helper()
	status, data, _ := strings.Cut(body, "\n")
	if status != "200" {
		t.Fatalf("the CSV download has status %s", status)
	}
	recs, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(data, "\ufeff"))).ReadAll()
	if err != nil || len(recs) < 2 {
		t.Fatalf("the CSV does not parse (%v):\n%s", err, data)
	}
	col := map[string]int{}
	for i, h := range recs[0] {
		col[h] = i
	}
	for _, h := range []string{"version", "receipt", "department_code", "state", "ma1_level", "unknown_reason"} {
		if _, ok := col[h]; !ok {
			t.Fatalf("the CSV has no %s column: %q", h, recs[0])
		}
	}
	var got [][]string
	for _, r := range recs[1:] {
		if r[col["department_code"]] == "LJ-ZSJ" {
			got = append(got, []string{r[col["version"]], r[col["receipt"]], r[col["state"]], r[col["ma1_level"]]})
		}
	}
	want := [][]string{{"1", receipt1, "approved", "4"}, {"2", receipt2, "approved", "3"}}
	if len(got) != len(want) {
		t.Fatalf("the CSV's LJ-ZSJ rows (version, receipt, state, ma1_level): %q, want %q", got, want)
	}
	for i := range want {
		if strings.Join(got[i], ",") != strings.Join(want[i], ",") {
			t.Errorf("the CSV's LJ-ZSJ row %d: %q, want %q", i+1, got[i], want[i])
		}
	}
}
