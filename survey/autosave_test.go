package survey

import (
	"context"
	"encoding/json"
	"html/template"
	"net/http"
	"net/http/httptest"
	"net/url"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"govkpi/survey/instrument"
)

// autosaveResult is an autosave reply, success and conflict fields both.
type autosaveResult struct {
	status   int
	Version  int               `json:"version"`
	SavedAt  string            `json:"saved_at"`
	Errors   map[string]string `json:"errors"`
	Relevant map[string]bool   `json:"relevant"`
	Conflict bool              `json:"conflict"`
	Theirs   map[string]string `json:"theirs"`
	Mine     map[string]string `json:"mine"`
	Diff     []fillDiff        `json:"diff"`
	Error    string            `json:"error"` // the catalogue key of a refusal
	Message  string            `json:"message"`
}

// autosave posts form to path's autosave endpoint as fill.js does.
func (c *client) autosave(path string, form url.Values) autosaveResult {
	c.app.t.Helper()
	if !form.Has("csrf") {
		form.Set("csrf", c.csrf)
	}
	req, _ := http.NewRequest("POST", c.app.ts.URL+path+"/autosave", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	r := c.do(req)
	if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		c.app.t.Fatalf("autosave answered %d with %q, want JSON:\n%.300s", r.status, ct, r.body)
	}
	var out autosaveResult
	if err := json.Unmarshal([]byte(r.body), &out); err != nil {
		c.app.t.Fatalf("autosave reply %q: %v", r.body, err)
	}
	out.status = r.status
	return out
}

func TestAutosave(t *testing.T) {
	for dialect, dsn := range testDSNs(t) {
		t.Run(dialect, func(t *testing.T) {
			app := newTestAppDSN(t, dsn)
			ctx := context.Background()
			if _, err := app.db.CreateAccount(ctx, AccountInput{Username: "colleague", DisplayName: "周同事", Role: RoleOfficial,
				DepartmentCode: "LJ-ZSJ", Password: testPassword}); err != nil {
				t.Fatal(err)
			}
			_, inst, ids := fillCampaign(t, app.db)
			zsj := ids["LJ-ZSJ"]
			path := "/fill/" + itoa(zsj)
			last := strconv.Itoa(len(inst.Sections) - 1)
			a, b := app.client(), app.client()
			a.signIn("official")
			b.signIn("colleague")
			a.get(path)
			b.get(path)
			draft := func() *Draft {
				t.Helper()
				d, err := app.db.FindDraft(ctx, zsj)
				if err != nil {
					t.Fatal(err)
				}
				return d
			}

			t.Run("saves the section", func(t *testing.T) {
				r := a.autosave(path, url.Values{"section": {"0"}, "version": {"0"}, "ma1_level": {"2"}, "ma1_level_evidence": {"满意度报告"}})
				if r.status != http.StatusOK || r.Version != 1 || r.SavedAt == "" || len(r.Errors) != 0 {
					t.Fatalf("reply %+v", r)
				}
				if _, err := time.Parse(time.RFC3339, r.SavedAt); err != nil {
					t.Errorf("saved_at %q: %v", r.SavedAt, err)
				}
				if d := draft(); d.Version != 1 || d.Answers["ma1_level"] != "2" || d.Answers["ma1_level_evidence"] != "满意度报告" {
					t.Fatalf("draft %+v", d)
				}
				if !r.Relevant["ma1_level"] {
					t.Errorf("relevance %v", r.Relevant)
				}
				// The same content again stores nothing.
				again := a.autosave(path, url.Values{"section": {"0"}, "version": {"1"}, "ma1_level": {"2"}, "ma1_level_evidence": {"满意度报告"}})
				if again.status != http.StatusOK || again.Version != 1 {
					t.Fatalf("unchanged save: %+v", again)
				}
			})

			t.Run("a bad value is reported, not stored", func(t *testing.T) {
				r := a.autosave(path, url.Values{"section": {"0"}, "version": {"1"}, "ma1_level": {"9"}, "ma1_level_evidence": {"补充说明"}})
				want := inst.Check(instrument.Answers{"ma1_level": "9"}, "zh-CN", false)["ma1_level"]
				if r.status != http.StatusOK || want == "" || r.Errors["ma1_level"] != want {
					t.Fatalf("reply %+v, want message %q", r, want)
				}
				d := draft()
				if d.Answers["ma1_level"] != "2" || d.Answers["ma1_level_evidence"] != "补充说明" || r.Version != d.Version {
					t.Fatalf("draft %+v after a bad level and good evidence", d)
				}
				if msgs := sectionMessages(inst, 0, d.Answers, "en"); len(msgs) > 0 {
					t.Fatalf("stored draft fails its checks: %v", msgs)
				}
			})

			t.Run("relevance follows the answers", func(t *testing.T) {
				d := draft()
				r := a.autosave(path, url.Values{"section": {last}, "version": {itoa(int64(d.Version))}, "respondent_name": {"陈数据"}})
				if r.status != http.StatusOK || r.Relevant["unknown_reason"] {
					t.Fatalf("unknown_reason should not apply yet: %+v", r)
				}
				r = a.autosave(path, url.Values{"section": {"0"}, "version": {itoa(int64(r.Version))}, "ma1_level": {"0"}})
				if r.status != http.StatusOK {
					t.Fatalf("level 0: %+v", r)
				}
				r = a.autosave(path, url.Values{"section": {last}, "version": {itoa(int64(r.Version))}, "respondent_name": {"陈数据"}})
				if r.status != http.StatusOK || !r.Relevant["unknown_reason"] {
					t.Fatalf("unknown_reason should apply after a level 0: %+v", r)
				}
				page := a.get(path + "?section=" + last)
				if !strings.Contains(page.body, `data-q="unknown_reason">`) {
					t.Error("the applying question is drawn hidden")
				}
				r = a.autosave(path, url.Values{"section": {"0"}, "version": {itoa(int64(r.Version))}, "ma1_level": {"2"}, "ma1_level_evidence": {"满意度报告"}})
				if r.status != http.StatusOK {
					t.Fatalf("back to level 2: %+v", r)
				}
				page = a.get(path + "?section=" + last)
				if !strings.Contains(page.body, `data-q="unknown_reason" hidden disabled>`) {
					t.Error("the question that does not apply is not drawn hidden and disabled")
				}
			})

			t.Run("two officials, one draft", func(t *testing.T) {
				base := draft().Version
				r := a.autosave(path, url.Values{"section": {"0"}, "version": {strconv.Itoa(base)}, "ma1_level": {"3"}, "ma1_level_evidence": {"甲的说明"}})
				if r.status != http.StatusOK || r.Version != base+1 {
					t.Fatalf("first save: %+v", r)
				}
				// The colleague still holds the earlier version.
				c := b.autosave(path, url.Values{"section": {"0"}, "version": {strconv.Itoa(base)}, "ma1_level": {"4"}, "ma1_level_evidence": {"乙的说明"}})
				if c.status != http.StatusConflict || !c.Conflict || c.Version != base+1 {
					t.Fatalf("stale save: %+v", c)
				}
				if c.Theirs["ma1_level"] != "3" || c.Mine["ma1_level"] != "4" || c.Theirs["ma1_level_evidence"] != "甲的说明" {
					t.Errorf("theirs %v mine %v", c.Theirs, c.Mine)
				}
				label := inst.Question("ma1_level").Label.In("zh-CN")
				if len(c.Diff) != 2 || c.Diff[0].Name != "ma1_level" || c.Diff[0].Label != label ||
					c.Diff[0].Theirs != "3" || c.Diff[0].Mine != "4" || c.Diff[0].TheirsText != "3 级" ||
					c.Diff[1].Name != "ma1_level_evidence" || !strings.HasPrefix(c.Diff[1].Label, label) {
					t.Errorf("diff %+v", c.Diff)
				}
				if d := draft(); d.Answers["ma1_level"] != "3" || d.Version != base+1 {
					t.Fatalf("a stale autosave changed the draft: %+v", d)
				}
				// Keep mine: save again on the stored version.
				k := b.autosave(path, url.Values{"section": {"0"}, "version": {strconv.Itoa(c.Version)}, "ma1_level": {"4"}, "ma1_level_evidence": {"乙的说明"}})
				if k.status != http.StatusOK || k.Version != base+2 {
					t.Fatalf("keep mine: %+v", k)
				}
				// The first official is now behind; a page that already reads
				// as stored only catches up.
				same := a.autosave(path, url.Values{"section": {"0"}, "version": {strconv.Itoa(base + 1)}, "ma1_level": {"4"}, "ma1_level_evidence": {"乙的说明"}})
				if same.status != http.StatusOK || same.Version != base+2 {
					t.Fatalf("stale but equal: %+v", same)
				}
				if d := draft(); d.Answers["ma1_level"] != "4" || d.Version != base+2 {
					t.Fatalf("draft %+v", d)
				}
			})

			t.Run("the form shows the differences of a stale save", func(t *testing.T) {
				page := a.get(path + "?section=0")
				v := versionField.FindStringSubmatch(page.body)[1]
				if strings.Contains(page.body, `<section id="fill-conflict" class="fill-conflict" aria-labelledby="fill-conflict-title">`) {
					t.Fatal("the conflict panel shows without a conflict")
				}
				b.get(path + "?section=0")
				if r := b.post(path, url.Values{"section": {"0"}, "version": {v}, "action": {"save"}, "ma1_level": {"5"}, "ma1_level_evidence": {"乙：第五级"}}); r.status != http.StatusSeeOther {
					t.Fatalf("colleague's save: %d", r.status)
				}
				hostile := "甲 <script>alert(1)</script>"
				r := a.post(path, url.Values{"section": {"0"}, "version": {v}, "action": {"save"}, "ma1_level": {"1"}, "ma1_level_evidence": {hostile}})
				if r.status != http.StatusConflict {
					t.Fatalf("stale form save: %d", r.status)
				}
				_, panel, ok := strings.Cut(r.body, `<section id="fill-conflict" class="fill-conflict" aria-labelledby="fill-conflict-title">`)
				if !ok {
					t.Fatal("no visible conflict panel")
				}
				panel, _, _ = strings.Cut(panel, "</section>")
				label := template.HTMLEscapeString(inst.Question("ma1_level").Label.In("zh-CN"))
				for _, want := range []string{label, "5 级", "1 级", "乙：第五级", template.HTMLEscapeString(hostile)} {
					if !strings.Contains(panel, want) {
						t.Errorf("conflict panel lacks %q:\n%s", want, panel)
					}
				}
				if strings.Contains(r.body, "<script>alert") {
					t.Error("typed text reached the page unescaped")
				}
				d := draft()
				if got := versionField.FindStringSubmatch(r.body)[1]; got != strconv.Itoa(d.Version) {
					t.Errorf("the form holds version %s, the draft is at %d", got, d.Version)
				}
				if d.Answers["ma1_level"] != "5" {
					t.Fatalf("the stale form save changed the draft: %+v", d)
				}
				// Saving again from that page is the deliberate "keep mine".
				if r := a.post(path, url.Values{"section": {"0"}, "version": {strconv.Itoa(d.Version)}, "action": {"save"}, "ma1_level": {"1"}, "ma1_level_evidence": {"甲"}}); r.status != http.StatusSeeOther {
					t.Fatalf("keep mine: %d", r.status)
				}
				if d := draft(); d.Answers["ma1_level"] != "1" {
					t.Fatalf("draft %+v", d)
				}
			})

			t.Run("a stale form save with nothing to choose is saved", func(t *testing.T) {
				v := draft().Version
				if r := b.autosave(path, url.Values{"section": {last}, "version": {strconv.Itoa(v)}, "respondent_phone": {"13800138000"}}); r.status != http.StatusOK {
					t.Fatalf("colleague's autosave: %+v", r)
				}
				r := a.post(path, url.Values{"section": {"0"}, "version": {strconv.Itoa(v)}, "action": {"save"}, "ma1_level": {"1"}, "ma1_level_evidence": {"甲"}})
				if r.status != http.StatusSeeOther {
					t.Fatalf("stale save of an unchanged section: %d", r.status)
				}
				if d := draft(); d.Answers["respondent_phone"] != "13800138000" || d.Answers["ma1_level"] != "1" {
					t.Fatalf("draft %+v", d)
				}
			})

			t.Run("refusals", func(t *testing.T) {
				v := strconv.Itoa(draft().Version)
				form := func() url.Values { return url.Values{"section": {"0"}, "version": {v}, "ma1_level": {"5"}} }
				anon := app.client()
				anon.get("/login")
				if r := anon.autosave(path, form()); r.status != http.StatusUnauthorized || r.Error != "err.signin_required" || r.Message == "" {
					t.Errorf("signed out: %+v", r)
				}
				req, _ := http.NewRequest("GET", app.ts.URL+path, nil)
				req.Header.Set("Accept", "application/json")
				if r := anon.do(req); r.status != http.StatusUnauthorized {
					t.Errorf("signed-out GET for JSON: %d %s", r.status, r.header.Get("Location"))
				}
				if r := anon.get(path); r.status != http.StatusSeeOther || !strings.HasPrefix(r.header.Get("Location"), "/login?next=") {
					t.Errorf("signed-out page request: %d %s", r.status, r.header.Get("Location"))
				}
				if r := a.autosave(path, url.Values{"section": {"0"}, "version": {v}, "ma1_level": {"5"}, "csrf": {"forged"}}); r.status != http.StatusForbidden || r.Error != "err.csrf" {
					t.Errorf("bad token: %+v", r)
				}
				if r := a.autosave(path, url.Values{"section": {"0"}, "version": {"x"}}); r.status != http.StatusBadRequest {
					t.Errorf("bad version: %+v", r)
				}
				other := app.client()
				other.signIn("official2")
				before, _ := app.db.FindAudit(ctx, AuditFilter{Action: AuditForbidden, Limit: 500})
				if r := other.autosave(path, form()); r.status != http.StatusNotFound {
					t.Errorf("another department: %+v", r)
				}
				after, _ := app.db.FindAudit(ctx, AuditFilter{Action: AuditForbidden, Limit: 500})
				if len(after) != len(before)+1 || after[0].ObjectID != itoa(zsj) {
					t.Errorf("refusal not audited: %d → %d", len(before), len(after))
				}
				admin := app.client()
				admin.signIn("admin")
				if r := admin.autosave(path, form()); r.status != http.StatusForbidden {
					t.Errorf("admin: %+v", r)
				}
				if d := draft(); d.Answers["ma1_level"] == "5" {
					t.Fatal("a refused autosave changed the draft")
				}
				// Submitted answers are locked.
				d := draft()
				if _, err := app.db.SaveDraft(ctx, zsj, completeAnswers(t, inst), d.Version); err != nil {
					t.Fatal(err)
				}
				if _, err := app.db.SubmitResponse(ctx, zsj, "autosave-test", completeAnswers(t, inst)); err != nil {
					t.Fatal(err)
				}
				if r := a.autosave(path, url.Values{"section": {"0"}, "version": {strconv.Itoa(d.Version + 1)}, "ma1_level": {"5"}}); r.status != http.StatusConflict || r.Conflict || r.Error != "err.response_locked" {
					t.Errorf("locked: %+v", r)
				}
			})
		})
	}
}

// BenchmarkAutosave is officials autosaving their own drafts in parallel
// through the whole handler stack: session, account, CSRF, policy, the
// department check, the section check and a durable SaveDraft.
//
//	go test ./survey -run XXX -bench Autosave -benchtime 5s
func BenchmarkAutosave(b *testing.B) {
	// One goroutine per official: each keeps its own draft version.
	officials := 8 * runtime.GOMAXPROCS(0)
	defaults, err := instrument.DefaultInstruments()
	if err != nil {
		b.Fatal(err)
	}
	fb := newFillBench(b, officials, defaults["self_assessment"])
	ids := fb.openCampaign(b)
	type official struct {
		cookie     *http.Cookie
		csrf, path string
		version    int
	}
	var pool []*official
	for i := range officials {
		pool = append(pool, &official{cookie: fb.cookies[i], csrf: fb.tokens[i], path: "/fill/" + itoa(ids[i])})
	}
	srv := fb.srv

	var next, saves atomic.Int64
	b.SetParallelism(8)
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		o := pool[int(next.Add(1)-1)%len(pool)]
		for i := 0; pb.Next(); i++ {
			// Each autosave changes the text, so each one is a durable write.
			form := url.Values{"csrf": {o.csrf}, "section": {"0"}, "version": {strconv.Itoa(o.version)},
				"ma1_level": {"3"}, "ma1_level_evidence": {"满意度调查报告，第 " + strconv.Itoa(i) + " 稿"}}
			req := httptest.NewRequest("POST", o.path+"/autosave", strings.NewReader(form.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("Accept", "application/json")
			req.AddCookie(o.cookie)
			rec := httptest.NewRecorder()
			srv.ServeHTTP(rec, req)
			var r autosaveReply
			if rec.Code != http.StatusOK || json.Unmarshal(rec.Body.Bytes(), &r) != nil {
				b.Errorf("autosave: %d %s", rec.Code, rec.Body.String())
				return
			}
			o.version = r.Version
			saves.Add(1)
		}
	})
	b.StopTimer()
	b.ReportMetric(float64(saves.Load())/time.Since(start).Seconds(), "saves/s")
}

func TestCleanSection(t *testing.T) {
	defaults, err := instrument.DefaultInstruments()
	if err != nil {
		t.Fatal(err)
	}
	inst := defaults["self_assessment"]
	long := strings.Repeat("长", instrument.MaxLongTextLen+1)
	for _, tc := range []struct {
		name          string
		typed, stored instrument.Answers
		want          instrument.Answers
	}{
		{"all pass", instrument.Answers{"ma1_level": "3", "ma1_level_evidence": "报告"}, instrument.Answers{},
			instrument.Answers{"ma1_level": "3", "ma1_level_evidence": "报告"}},
		{"bad level keeps the stored one", instrument.Answers{"ma1_level": "9", "ma1_level_evidence": "报告"},
			instrument.Answers{"ma1_level": "2"}, instrument.Answers{"ma1_level": "2", "ma1_level_evidence": "报告"}},
		{"bad level with none stored is left out", instrument.Answers{"ma1_level": "abc", "ma1_level_evidence": "报告"},
			instrument.Answers{}, instrument.Answers{"ma1_level_evidence": "报告"}},
		{"over-long evidence keeps the stored one", instrument.Answers{"ma1_level": "4", "ma1_level_evidence": long},
			instrument.Answers{"ma1_level_evidence": "旧"}, instrument.Answers{"ma1_level": "4", "ma1_level_evidence": "旧"}},
		{"other sections are untouched", instrument.Answers{"ma1_level": "9", "ma2_level": "1"},
			instrument.Answers{"ma2_level": "1"}, instrument.Answers{"ma2_level": "1"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := cleanSection(inst, 0, tc.typed, tc.stored, "en")
			if !sameAnswers(got, tc.want) {
				t.Errorf("got %v, want %v", got, tc.want)
			}
			if _, ok := tc.typed["ma1_level"]; !ok {
				t.Error("cleanSection changed the typed answers")
			}
		})
	}
}

func TestSameAnswers(t *testing.T) {
	for _, tc := range []struct {
		name string
		a, b instrument.Answers
		want bool
	}{
		{"both empty", nil, instrument.Answers{}, true},
		{"empty value is no answer", instrument.Answers{"x": ""}, instrument.Answers{}, true},
		{"equal", instrument.Answers{"x": "1", "y": "2"}, instrument.Answers{"y": "2", "x": "1"}, true},
		{"value differs", instrument.Answers{"x": "1"}, instrument.Answers{"x": "2"}, false},
		{"extra answer", instrument.Answers{"x": "1"}, instrument.Answers{"x": "1", "y": "2"}, false},
		{"missing answer", instrument.Answers{"x": "1", "y": "2"}, instrument.Answers{"x": "1"}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := sameAnswers(tc.a, tc.b); got != tc.want {
				t.Errorf("sameAnswers(%v, %v) = %v", tc.a, tc.b, got)
			}
		})
	}
}
