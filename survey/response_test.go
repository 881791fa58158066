package survey

import (
	"context"
	"html/template"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"govkpi/survey/instrument"
)

// fillCampaign publishes the default self-assessment, opens a campaign with
// it assigned to LJ-ZSJ and LJ-GA, and returns the campaign and the
// assignment ids by department code.
func fillCampaign(t *testing.T, db *DB) (*Campaign, *instrument.Instrument, map[string]int64) {
	t.Helper()
	defaults, err := instrument.DefaultInstruments()
	if err != nil {
		t.Fatal(err)
	}
	c, ids := feedCampaign(t, db, publishDefault(t, db, "self_assessment"), "SA2026", false, "LJ-ZSJ", "LJ-GA")
	return c, defaults["self_assessment"], ids
}

// completeAnswers is a self-assessment that passes the final check.
func completeAnswers(t testing.TB, inst *instrument.Instrument) instrument.Answers {
	t.Helper()
	a := instrument.Answers{"respondent_name": "陈数据", "respondent_position": "办公室 副主任", "respondent_phone": "13800138000"}
	for i := 1; i <= 10; i++ {
		a["ma"+strconv.Itoa(i)+"_level"] = "2"
	}
	if msgs := inst.Check(inst.Settle(a), "en", true); len(msgs) > 0 {
		t.Fatalf("complete answers fail the final check: %v", msgs)
	}
	return a
}

func countRows(t *testing.T, db *DB, query string, args ...any) int {
	t.Helper()
	var n int
	if err := db.W.Get(&n, db.W.Rebind(query), args...); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestResponseStore(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		mustDept(t, db, "LJ", "澜江市人民政府", "city", "")
		mustDept(t, db, "LJ-ZSJ", "澜江市政务服务和数据管理局", "city", "LJ")
		mustDept(t, db, "LJ-GA", "澜江市公安局", "city", "LJ")
		camp, inst, ids := fillCampaign(t, db)
		zsj, ga := ids["LJ-ZSJ"], ids["LJ-GA"]

		t.Run("find assignment", func(t *testing.T) {
			a, err := db.FindAssignmentByID(ctx, zsj)
			if err != nil {
				t.Fatal(err)
			}
			if a.DepartmentCode != "LJ-ZSJ" || a.CampaignID != camp.ID || a.InstrumentID != camp.InstrumentID || a.State != "not_started" {
				t.Fatalf("assignment: %+v", a)
			}
			if _, err := db.FindAssignmentByID(ctx, 999999); ErrorCode(err) != ENotFound {
				t.Fatalf("missing assignment: %v", err)
			}
		})

		t.Run("draft versions", func(t *testing.T) {
			d, err := db.FindDraft(ctx, zsj)
			if err != nil || d.Version != 0 || len(d.Answers) != 0 {
				t.Fatalf("no draft yet: %+v %v", d, err)
			}
			v, err := db.SaveDraft(ctx, zsj, instrument.Answers{"ma1_level": "2"}, 0)
			if err != nil || v != 1 {
				t.Fatalf("first save: %d %v", v, err)
			}
			if a, _ := db.FindAssignmentByID(ctx, zsj); a.State != "draft" {
				t.Fatalf("state after first save: %s", a.State)
			}
			if v, err = db.SaveDraft(ctx, zsj, instrument.Answers{"ma1_level": "3"}, 1); err != nil || v != 2 {
				t.Fatalf("second save: %d %v", v, err)
			}
			// Another official still holds version 1: the save is refused.
			if _, err := db.SaveDraft(ctx, zsj, instrument.Answers{"ma1_level": "5"}, 1); ErrorCode(err) != EConflict {
				t.Fatalf("stale save: %v", err)
			}
			if _, err := db.SaveDraft(ctx, zsj, instrument.Answers{"ma1_level": "5"}, 0); ErrorCode(err) != EConflict {
				t.Fatalf("stale first save: %v", err)
			}
			d, _ = db.FindDraft(ctx, zsj)
			if d.Version != 2 || d.Answers["ma1_level"] != "3" {
				t.Fatalf("draft overwritten: %+v", d)
			}
			if _, err := db.SaveDraft(ctx, 999999, nil, 0); ErrorCode(err) != ENotFound {
				t.Fatalf("missing assignment: %v", err)
			}
		})

		receiptRE := regexp.MustCompile(`^R-[0-9]{4}-[0-9]{6}$`)
		var first *Response
		t.Run("idempotent submit", func(t *testing.T) {
			ans := completeAnswers(t, inst)
			r1, err := db.SubmitResponse(ctx, zsj, "client-1", ans)
			if err != nil {
				t.Fatal(err)
			}
			if !receiptRE.MatchString(r1.Receipt) {
				t.Fatalf("receipt %q", r1.Receipt)
			}
			r2, err := db.SubmitResponse(ctx, zsj, "client-1", instrument.Answers{"ma1_level": "5"})
			if err != nil {
				t.Fatal(err)
			}
			if r2.Receipt != r1.Receipt || !r2.SubmittedAt.Equal(r1.SubmittedAt) || r2.Answers["ma1_level"] != "2" {
				t.Fatalf("second submit: %+v, first %+v", r2, r1)
			}
			if n := countRows(t, db, `SELECT COUNT(*) FROM responses WHERE assignment_id = ?`, zsj); n != 1 {
				t.Fatalf("%d responses", n)
			}
			if a, _ := db.FindAssignmentByID(ctx, zsj); a.State != "submitted" {
				t.Fatalf("state %s", a.State)
			}
			if _, err := db.SubmitResponse(ctx, zsj, "client-2", ans); ErrorCode(err) != EConflict {
				t.Fatalf("submit over a submitted response: %v", err)
			}
			if _, err := db.SaveDraft(ctx, zsj, ans, 2); ErrorCode(err) != EConflict {
				t.Fatalf("draft over a submitted response: %v", err)
			}
			// A client id belongs to its assignment only.
			if _, err := db.SubmitResponse(ctx, ga, "client-1", ans); ErrorCode(err) != ENotFound {
				t.Fatalf("client id of another assignment: %v", err)
			}
			if _, err := db.SubmitResponse(ctx, ga, "", ans); ErrorCode(err) != EInvalid {
				t.Fatalf("empty client id: %v", err)
			}
			first = r1
		})

		t.Run("resubmission after a return", func(t *testing.T) {
			setState(t, db, camp.ID, "LJ-ZSJ", "returned")
			ans := completeAnswers(t, inst)
			ans["ma1_level"] = "1"
			if _, err := db.SaveDraft(ctx, zsj, ans, 2); err != nil {
				t.Fatal(err)
			}
			if a, _ := db.FindAssignmentByID(ctx, zsj); a.State != "returned" {
				t.Fatalf("a returned assignment became %s on save", a.State)
			}
			r, err := db.SubmitResponse(ctx, zsj, "client-3", ans)
			if err != nil {
				t.Fatal(err)
			}
			if first != nil && r.Receipt == first.Receipt {
				t.Fatal("resubmission reused the first receipt")
			}
			if a, _ := db.FindAssignmentByID(ctx, zsj); a.State != "resubmitted" {
				t.Fatalf("state %s", a.State)
			}
			latest, err := db.FindLatestResponse(ctx, zsj)
			if err != nil || latest.Receipt != r.Receipt || latest.Answers["ma1_level"] != "1" {
				t.Fatalf("latest: %+v %v", latest, err)
			}
			if n := countRows(t, db, `SELECT COUNT(*) FROM responses WHERE assignment_id = ?`, zsj); n != 2 {
				t.Fatalf("%d responses kept", n)
			}
			if n := countRows(t, db, `SELECT COUNT(*) FROM review_events WHERE assignment_id = ? AND to_state = 'resubmitted' AND from_state = 'returned'`, zsj); n != 1 {
				t.Fatalf("%d resubmission events", n)
			}
			// Both submits are audited; of the drafts only the first save.
			if n := countRows(t, db, `SELECT COUNT(*) FROM audit_log WHERE action = ? AND object_id = ?`, AuditResponseSubmitted, itoa(zsj)); n != 2 {
				t.Fatalf("%d submit audit entries", n)
			}
			if n := countRows(t, db, `SELECT COUNT(*) FROM audit_log WHERE action = ? AND object_id = ?`, AuditDraftSaved, itoa(zsj)); n != 1 {
				t.Fatalf("%d draft audit entries", n)
			}
		})

		t.Run("campaign not open", func(t *testing.T) {
			if err := db.SetCampaignStatus(ctx, camp.ID, "closed"); err != nil {
				t.Fatal(err)
			}
			if _, err := db.SaveDraft(ctx, ga, instrument.Answers{"ma1_level": "2"}, 0); ErrorCode(err) != EConflict {
				t.Fatalf("save in a closed campaign: %v", err)
			}
		})
	})
}

var (
	clientIDField = regexp.MustCompile(`name="client_id" value="([0-9a-f]+)"`)
	versionField  = regexp.MustCompile(`name="version" value="([0-9]+)"`)
	receiptText   = regexp.MustCompile(`R-[0-9]{4}-[0-9]{6}`)
)

func TestFillHandlers(t *testing.T) {
	for dialect, dsn := range testDSNs(t) {
		t.Run(dialect, func(t *testing.T) {
			app := newTestAppDSN(t, dsn)
			ctx := context.Background()
			_, inst, ids := fillCampaign(t, app.db)
			zsj := ids["LJ-ZSJ"]
			path := "/fill/" + itoa(zsj)
			c := app.client()
			c.signIn("official")

			r := c.get(path)
			if r.status != http.StatusOK || !strings.Contains(r.body, "<progress") || !strings.Contains(r.body, `name="ma1_level"`) {
				t.Fatalf("fill page: %d", r.status)
			}
			m := clientIDField.FindStringSubmatch(r.body)
			if m == nil {
				t.Fatal("no client id in the form")
			}
			clientID := m[1]

			t.Run("bad value keeps what was typed", func(t *testing.T) {
				typed := "见附件 <script>alert(1)</script>"
				r := c.post(path, url.Values{"section": {"0"}, "version": {"0"}, "client_id": {clientID}, "action": {"next"},
					"ma1_level": {"9"}, "ma1_level_evidence": {typed}})
				if r.status != http.StatusBadRequest {
					t.Fatalf("status %d", r.status)
				}
				want := inst.Check(instrument.Answers{"ma1_level": "9"}, "zh-CN", false)["ma1_level"]
				if want == "" || !strings.Contains(r.body, template.HTMLEscapeString(want)) || !strings.Contains(r.body, `id="ma1_level-error"`) {
					t.Fatalf("message %q not shown", want)
				}
				if !strings.Contains(r.body, "见附件 &lt;script&gt;") || strings.Contains(r.body, "<script>alert") {
					t.Fatal("typed evidence not kept as text")
				}
				if d, _ := app.db.FindDraft(ctx, zsj); d.Version != 0 {
					t.Fatal("a refused section was saved")
				}
			})

			t.Run("good value is saved", func(t *testing.T) {
				r := c.post(path, url.Values{"section": {"0"}, "version": {"0"}, "client_id": {clientID}, "action": {"next"},
					"ma1_level": {"2"}, "ma1_level_evidence": {"满意度调查报告"}})
				if r.status != http.StatusSeeOther || r.header.Get("Location") != path+"?section=1" {
					t.Fatalf("status %d %s", r.status, r.header.Get("Location"))
				}
				d, _ := app.db.FindDraft(ctx, zsj)
				if d.Version != 1 || d.Answers["ma1_level"] != "2" || d.Answers["ma1_level_evidence"] != "满意度调查报告" {
					t.Fatalf("draft %+v", d)
				}
				back := c.get(path + "?section=0")
				if !strings.Contains(back.body, `value="2" checked`) || !strings.Contains(back.body, "满意度调查报告") {
					t.Fatal("saved answers not shown again")
				}
			})

			t.Run("stale version conflicts", func(t *testing.T) {
				r := c.post(path, url.Values{"section": {"0"}, "version": {"0"}, "client_id": {clientID}, "action": {"save"},
					"ma1_level": {"4"}, "ma1_level_evidence": {"另一人的说明"}})
				if r.status != http.StatusConflict || !strings.Contains(r.body, "另一人的说明") {
					t.Fatalf("stale save: %d", r.status)
				}
				if d, _ := app.db.FindDraft(ctx, zsj); d.Answers["ma1_level"] != "2" {
					t.Fatal("stale save overwrote the draft")
				}
			})

			t.Run("another department gets 404", func(t *testing.T) {
				other := app.client()
				other.signIn("official2")
				before, _ := app.db.FindAudit(ctx, AuditFilter{Action: AuditForbidden, Limit: 500})
				if r := other.get(path); r.status != http.StatusNotFound {
					t.Fatalf("GET: %d", r.status)
				}
				if r := other.post(path, url.Values{"section": {"0"}, "version": {"1"}, "action": {"save"}, "ma1_level": {"5"}}); r.status != http.StatusNotFound {
					t.Fatalf("POST: %d", r.status)
				}
				if r := other.get(path + "/receipt"); r.status != http.StatusNotFound {
					t.Fatalf("receipt: %d", r.status)
				}
				after, _ := app.db.FindAudit(ctx, AuditFilter{Action: AuditForbidden, Limit: 500})
				if len(after) < len(before)+2 || after[0].ObjectType != "assignment" || after[0].ObjectID != itoa(zsj) {
					t.Fatalf("refusals not audited: %d → %d", len(before), len(after))
				}
				if d, _ := app.db.FindDraft(ctx, zsj); d.Answers["ma1_level"] != "2" {
					t.Fatal("another department changed the draft")
				}
			})

			t.Run("evaluator and admin cannot fill", func(t *testing.T) {
				for _, role := range []string{"evaluator", "admin"} {
					o := app.client()
					o.signIn(role)
					if r := o.post(path, url.Values{"section": {"0"}, "version": {"1"}, "action": {"save"}, "ma1_level": {"5"}}); r.status != http.StatusForbidden {
						t.Fatalf("%s POST: %d", role, r.status)
					}
				}
			})

			t.Run("incomplete submit shows the problems", func(t *testing.T) {
				last := strconv.Itoa(len(inst.Sections) - 1)
				page := c.get(path + "?section=" + last)
				v := versionField.FindStringSubmatch(page.body)[1]
				r := c.post(path, url.Values{"section": {last}, "version": {v}, "client_id": {clientID}, "action": {"submit"},
					"respondent_name": {"陈数据"}})
				if r.status != http.StatusSeeOther || r.header.Get("Location") != path+"?section=1&check=1" {
					t.Fatalf("incomplete submit: %d %s", r.status, r.header.Get("Location"))
				}
				if p := c.get(r.header.Get("Location")); !strings.Contains(p.body, `id="ma2_level-error"`) {
					t.Fatal("problem not shown on its section")
				}
			})

			t.Run("submit twice gives one receipt", func(t *testing.T) {
				d, _ := app.db.FindDraft(ctx, zsj)
				if _, err := app.db.SaveDraft(ctx, zsj, completeAnswers(t, inst), d.Version); err != nil {
					t.Fatal(err)
				}
				last := strconv.Itoa(len(inst.Sections) - 1)
				page := c.get(path + "?section=" + last)
				v := versionField.FindStringSubmatch(page.body)[1]
				cid := clientIDField.FindStringSubmatch(page.body)[1]
				form := url.Values{"section": {last}, "version": {v}, "client_id": {cid}, "action": {"submit"},
					"respondent_name": {"陈数据"}, "respondent_position": {"办公室 副主任"}, "respondent_phone": {"13800138000"}}
				var receipts []string
				for i := 0; i < 2; i++ {
					r := c.post(path, form)
					if r.status != http.StatusSeeOther || r.header.Get("Location") != path+"/receipt" {
						t.Fatalf("submit %d: %d %s %s", i, r.status, r.header.Get("Location"), r.body)
					}
					page := c.get(path + "/receipt")
					receipts = append(receipts, receiptText.FindString(page.body))
				}
				if receipts[0] == "" || receipts[0] != receipts[1] {
					t.Fatalf("receipts %q", receipts)
				}
				if n := countRows(t, app.db, `SELECT COUNT(*) FROM responses WHERE assignment_id = ?`, zsj); n != 1 {
					t.Fatalf("%d responses", n)
				}
				form.Set("client_id", "another-try")
				if r := c.post(path, form); r.status != http.StatusConflict {
					t.Fatalf("submit with a new client id over a submitted response: %d", r.status)
				}
				if r := c.get(path); r.status != http.StatusSeeOther || r.header.Get("Location") != path+"/receipt" {
					t.Fatalf("fill page after submit: %d", r.status)
				}
			})
		})
	}
}
