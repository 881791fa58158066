package main

// Browser test of filling with JavaScript: autosave, the browser mirror
// across an expired session, live relevance and the conflict panel. It uses
// the harness of browser_test.go (newBrowser, watchProblems, signIn, …).
//
//	GOVKPI_SCREENSHOT_DIR=/tmp/shots go test ./cmd/govkpi -run BrowserFill -v

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"govkpi/survey"
	"govkpi/survey/instrument"
)

// waitFor polls a JavaScript condition until it holds or the step times out.
func waitFor(t *testing.T, ctx context.Context, what, cond string) {
	t.Helper()
	deadline := time.Now().Add(stepTimeout)
	for {
		ok := get(t, ctx, what, chromedp.Evaluate[bool](cond))
		if ok {
			return
		}
		if time.Now().After(deadline) {
			status := get(t, ctx, "read the status", chromedp.Evaluate[string](
				`(document.getElementById('autosave-status') || {}).textContent || ''`))
			t.Fatalf("%s: not within %s (status line: %q)", what, stepTimeout, status)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// statusShows is the condition that the autosave status line contains s.
func statusShows(s string) string {
	return `(document.getElementById('autosave-status').textContent || '').indexOf(` + jsString(s) + `) >= 0`
}

func jsString(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
}

// fieldValue returns the value of the form control named name.
func fieldValue(t *testing.T, ctx context.Context, name string) string {
	t.Helper()
	return get(t, ctx, "read "+name, chromedp.Evaluate[string](`document.querySelector('[name="`+name+`"]').value`))
}

// typeAtEnd types text at the end of the field with id, as a person who
// clicks after the text would (focus alone puts the caret first).
func typeAtEnd(t *testing.T, ctx context.Context, id, text string) {
	t.Helper()
	get(t, ctx, "put the caret after the text of "+id, chromedp.Evaluate[bool](`(function () {
		var el = document.getElementById(`+jsString(id)+`);
		el.focus();
		el.setSelectionRange(el.value.length, el.value.length);
		return true;
	})()`))
	do(t, ctx, "type into "+id, chromedp.SendKeys(chromedp.ID(id), text))
}

// retype empties the field with id, as selecting its text and deleting it
// would (an input event included), and types text.
func retype(t *testing.T, ctx context.Context, id, text string) {
	t.Helper()
	get(t, ctx, "empty "+id, chromedp.Evaluate[bool](`(function () {
		var el = document.getElementById(`+jsString(id)+`);
		el.focus();
		el.value = '';
		el.dispatchEvent(new Event('input', {bubbles: true}));
		return true;
	})()`))
	do(t, ctx, "type into "+id, chromedp.SendKeys(chromedp.ID(id), text))
}

// mirrorKeys lists the localStorage keys of fill.js's mirror.
func mirrorKeys(t *testing.T, ctx context.Context) []string {
	t.Helper()
	return get(t, ctx, "read localStorage", chromedp.Evaluate[[]string](
		`Object.keys(localStorage).filter(function (k) { return k.indexOf('govkpi.fill.') === 0; })`))
}

// expectedProblems drops from problems the failed loads the test caused on
// purpose (an autosave answered 401 or 409) and fails on anything else.
func expectedProblems(t *testing.T, problems *pageProblems, where string) {
	t.Helper()
	for _, m := range problems.take() {
		if strings.Contains(m, "/autosave") && (strings.Contains(m, "401") || strings.Contains(m, "409")) {
			continue
		}
		t.Errorf("%s: %s", where, m)
	}
}

// assignmentPath returns /fill/{id} of department code's assignment in the
// campaign whose instrument has code instCode.
func assignmentPath(t *testing.T, db *survey.DB, instCode, deptCode string) (string, int64) {
	t.Helper()
	ctx := context.Background()
	camps, err := db.FindCampaigns(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range camps {
		si, err := db.FindInstrumentByID(ctx, c.InstrumentID)
		if err != nil {
			t.Fatal(err)
		}
		if si.Code != instCode {
			continue
		}
		all, err := db.CampaignAssignments(ctx, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range all {
			if a.DepartmentCode == deptCode {
				return "/fill/" + strconv.FormatInt(a.ID, 10), a.ID
			}
		}
	}
	t.Fatalf("no %s assignment for %s", instCode, deptCode)
	return "", 0
}

// openDataReport publishes the demo's draft data report and opens a
// campaign of it for LJ-ZSJ: its first section has a question shown only
// when another on the same page is above zero.
func openDataReport(t *testing.T, db *survey.DB) {
	t.Helper()
	ctx := context.Background()
	list, err := db.FindInstruments(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var id int64
	for _, si := range list {
		if si.Code == "DGMI-DR" {
			id = si.ID
		}
	}
	if id == 0 {
		t.Fatal("the demo has no data report")
	}
	if err := db.PublishInstrument(ctx, id); err != nil {
		t.Fatal(err)
	}
	opens := time.Now().Add(-time.Hour)
	c, err := db.CreateCampaign(ctx, survey.CampaignInput{Code: "DR-TEST", NameZh: "数据填报（测试）", NameEn: "Data report (test)",
		Period: "2026", InstrumentID: id, FrameworkVersion: "DGMI 2026.1", OpensAt: opens, ClosesAt: opens.Add(30 * 24 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.AssignDepartments(ctx, c.ID, survey.DepartmentSelection{Codes: []string{"LJ-ZSJ"}}); err != nil {
		t.Fatal(err)
	}
	if err := db.SetCampaignStatus(ctx, c.ID, "open"); err != nil {
		t.Fatal(err)
	}
}

func TestBrowserFillAutosave(t *testing.T) {
	ctx := newBrowser(t)
	base, dbPath := startDemoDB(t)
	problems := watchProblems(t, ctx)
	bg := context.Background()
	db := openDemoDB(t, dbPath)
	openDataReport(t, db)
	fillPath, fillID := assignmentPath(t, db, "DGMI-SA", "LJ-ZSJ")
	reportPath, reportID := assignmentPath(t, db, "DGMI-DR", "LJ-ZSJ")

	open(t, ctx, base, "/login")
	signIn(t, ctx, "zsj", demoPassword)
	if p := pathOnly(open(t, ctx, base, fillPath)); p != fillPath {
		t.Fatalf("%s led to %s", fillPath, p)
	}

	// Typing is saved by itself: the status line says so, and a reload
	// shows the answer from the server with nothing left in the mirror.
	const first = "见2026年满意度调查报告"
	do(t, ctx, "type evidence", chromedp.SendKeys(chromedp.ID("ma1_level_evidence"), first))
	waitFor(t, ctx, "the saved status", statusShows("已保存"))
	if role := get(t, ctx, "status role", chromedp.Evaluate[string](
		`document.getElementById('autosave-status').getAttribute('aria-live')`)); role != "polite" {
		t.Errorf("status line aria-live = %q", role)
	}
	pageFits(t, ctx, "fill page with the status line")
	screenshot(t, ctx, "fill-autosaved")
	open(t, ctx, base, fillPath)
	if v := fieldValue(t, ctx, "ma1_level_evidence"); v != first {
		t.Fatalf("after a reload the evidence reads %q, want %q", v, first)
	}
	if k := mirrorKeys(t, ctx); len(k) != 0 {
		t.Errorf("the mirror was kept after the server confirmed it: %v", k)
	}
	problems.check(t, "autosave")

	// The session runs out on the server (what the idle timeout does).
	if _, err := db.W.Exec(`UPDATE sessions SET expiry = julianday('now') - 1`); err != nil {
		t.Fatal(err)
	}
	const second = "；另附整改清单"
	typeAtEnd(t, ctx, "ma1_level_evidence", second)
	waitFor(t, ctx, "the expired status", statusShows("登录已过期"))
	link := get(t, ctx, "read the sign-in link", chromedp.Evaluate[string](
		`document.querySelector('#autosave-status a').getAttribute('href')`))
	wantLink := "/login?next=" + strings.NewReplacer("/", "%2F", "?", "%3F", "=", "%3D").Replace(fillPath+"?section=0")
	if link != wantLink {
		t.Errorf("sign-in link %q, want %q", link, wantLink)
	}
	if k := mirrorKeys(t, ctx); len(k) != 1 {
		t.Fatalf("mirror keys %v, want one", k)
	} else if m := get(t, ctx, "read the mirror", chromedp.Evaluate[string](`localStorage.getItem(`+jsString(k[0])+`)`)); !strings.Contains(m, first+second) || !strings.Contains(m, `"dirty":true`) {
		t.Errorf("mirror %s lacks the text typed after expiry", m)
	}
	screenshot(t, ctx, "fill-expired")
	expectedProblems(t, problems, "expired session")

	// Signing in through the link comes back to the section with both
	// answers, and the second reaches the server.
	navigating(t, ctx, "follow the sign-in link", chromedp.Click(chromedp.CSS(`#autosave-status a`)))
	signIn(t, ctx, "zsj", demoPassword)
	if p := currentPath(t, ctx); p != fillPath+"?section=0" {
		t.Fatalf("sign-in led to %s, want %s?section=0", p, fillPath)
	}
	if v := fieldValue(t, ctx, "ma1_level_evidence"); v != first+second {
		t.Errorf("after signing in again the evidence reads %q, want %q", v, first+second)
	}
	waitFor(t, ctx, "the saved status after signing in", statusShows("已保存"))
	screenshot(t, ctx, "fill-restored")
	open(t, ctx, base, fillPath)
	if v := fieldValue(t, ctx, "ma1_level_evidence"); v != first+second {
		t.Errorf("after a reload the evidence reads %q, want %q", v, first+second)
	}
	if d, err := db.FindDraft(bg, fillID); err != nil || d.Answers["ma1_level_evidence"] != first+second {
		t.Errorf("the server's draft: %v %v", d, err)
	}
	if k := mirrorKeys(t, ctx); len(k) != 0 {
		t.Errorf("the mirror was kept after syncing: %v", k)
	}
	expectedProblems(t, problems, "signing in again")

	// Live relevance: the on-time question applies only when some datasets
	// have an update frequency.
	open(t, ctx, base, reportPath)
	do(t, ctx, "type the inventory and catalogue counts",
		chromedp.SendKeys(chromedp.ID("sh_resources_inventory"), "60"),
		chromedp.SendKeys(chromedp.ID("sh_resources_catalogued"), "50"))
	const dependent = `fieldset.q[data-q="sh_datasets_updated_on_time"]`
	if !get(t, ctx, "read the dependent question", chromedp.Evaluate[bool](`document.querySelector('`+dependent+`').hidden`)) {
		t.Fatal("sh_datasets_updated_on_time is shown before it applies")
	}
	do(t, ctx, "type a frequency count", chromedp.SendKeys(chromedp.ID("sh_datasets_with_frequency"), "12"))
	waitFor(t, ctx, "the dependent question to show", `!document.querySelector('`+dependent+`').hidden && !document.querySelector('`+dependent+`').disabled`)
	do(t, ctx, "answer the dependent question", chromedp.SendKeys(chromedp.ID("sh_datasets_updated_on_time"), "30"))
	waitFor(t, ctx, "the inline message", `document.querySelector('`+dependent+` p.error') !== null`)
	msg := text(t, ctx, dependent+" p.error")
	screenshot(t, ctx, "fill-relevance-message")
	if msg == "" {
		t.Error("no message for 30 on time out of 12")
	}
	retype(t, ctx, "sh_datasets_updated_on_time", "10")
	waitFor(t, ctx, "the message to go", `document.querySelector('`+dependent+` p.error') === null && `+statusShows("已保存"))
	retype(t, ctx, "sh_datasets_with_frequency", "0")
	waitFor(t, ctx, "the dependent question to hide", `document.querySelector('`+dependent+`').hidden`)
	screenshot(t, ctx, "fill-relevance")
	problems.check(t, "live relevance")

	// A colleague saves the same draft meanwhile: the next autosave shows
	// both answers, and "keep mine" stores this one.
	waitFor(t, ctx, "the saved status", statusShows("已保存"))
	d, err := db.FindDraft(bg, reportID)
	if err != nil {
		t.Fatal(err)
	}
	theirs := instrument.Answers{}
	for k, v := range d.Answers {
		theirs[k] = v
	}
	theirs["sh_resources_unconditional"] = "20"
	if _, err := db.SaveDraft(bg, reportID, theirs, d.Version); err != nil {
		t.Fatal(err)
	}
	do(t, ctx, "type an unconditional count", chromedp.SendKeys(chromedp.ID("sh_resources_unconditional"), "30"))
	waitFor(t, ctx, "the conflict panel", `!document.getElementById('fill-conflict').hidden`)
	row := text(t, ctx, `#fill-conflict tbody tr[data-name="sh_resources_unconditional"]`)
	if !strings.Contains(row, "20") || !strings.Contains(row, "30") {
		t.Errorf("conflict row %q lacks both values", row)
	}
	pageFits(t, ctx, "fill page with the conflict panel")
	screenshot(t, ctx, "fill-conflict")
	onPhone(t, ctx, func() {
		pageFits(t, ctx, "conflict panel on a phone")
		screenshot(t, ctx, "fill-conflict-phone")
	})
	do(t, ctx, "keep mine", chromedp.Click(chromedp.CSS(`#fill-conflict [data-conflict="mine"]`)))
	waitFor(t, ctx, "saved after keeping mine", `document.getElementById('fill-conflict').hidden && `+statusShows("已保存"))
	if d, err := db.FindDraft(bg, reportID); err != nil || d.Answers["sh_resources_unconditional"] != "30" {
		t.Errorf("after keep mine the draft holds %v (%v)", d.Answers["sh_resources_unconditional"], err)
	}
	expectedProblems(t, problems, "conflict")
}
