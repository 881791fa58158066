package survey

import (
	"context"
	"database/sql"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
)

func TestReviewStore(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *DB) {
		mustDept(t, db, "LJ", "澜江市人民政府", "city", "")
		mustDept(t, db, "LJ-ZSJ", "澜江市政务服务和数据管理局", "city", "LJ")
		mustDept(t, db, "LJ-GA", "澜江市公安局", "city", "LJ")
		camp, inst, ids := fillCampaign(t, db)
		zsj, ga := ids["LJ-ZSJ"], ids["LJ-GA"]
		admin, err := db.CreateAccount(context.Background(), AccountInput{Username: "reviewer", Role: RoleAdmin, Password: "review-pass-2026"})
		if err != nil {
			t.Fatal(err)
		}
		ctx := WithActor(context.Background(), AuditEntry{ActorID: sql.NullInt64{Int64: admin.ID, Valid: true}})
		answers := completeAnswers(t, inst)

		state := func(id int64) string {
			t.Helper()
			a, err := db.FindAssignmentByID(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			return a.State
		}

		if err := db.Review(ctx, zsj, ReviewApprove, ""); ErrorCode(err) != EConflict {
			t.Fatalf("approving what was never submitted: %v", err)
		}
		if _, err := db.SubmitResponse(ctx, zsj, "c-1", answers); err != nil {
			t.Fatal(err)
		}
		if err := db.Review(ctx, zsj, ReviewReturn, "  "); formErrors(err)["comment"] != "err.review_comment_required" {
			t.Fatalf("return without a comment: %v", err)
		}
		if err := db.Review(ctx, zsj, "delete", "x"); ErrorCode(err) != EInvalid {
			t.Fatalf("unknown decision: %v", err)
		}
		if err := db.Review(ctx, zsj, ReviewReturn, strings.Repeat("长", maxReviewComment+1)); ErrorCode(err) != EInvalid {
			t.Fatalf("overlong comment: %v", err)
		}
		if err := db.Review(ctx, zsj, ReviewReturn, "MA3 证据不足\x00"); ErrorCode(err) != EInvalid {
			t.Fatalf("NUL in a comment: %v", err)
		}
		comment := "MA3 请补充运营制度文件 <b>=SUM(A1)</b>"
		if err := db.Review(ctx, zsj, ReviewReturn, comment); err != nil {
			t.Fatal(err)
		}
		if s := state(zsj); s != "returned" {
			t.Fatalf("after return: %s", s)
		}
		note, err := db.LastReturn(ctx, zsj)
		if err != nil || note == nil || note.Comment != comment || note.Actor != "reviewer" {
			t.Fatalf("last return: %+v %v", note, err)
		}
		if err := db.Review(ctx, zsj, ReviewApprove, ""); ErrorCode(err) != EConflict {
			t.Fatalf("approving a returned response: %v", err)
		}

		// The official corrects and resubmits: a second version is kept.
		answers["ma3_level"], answers["ma3_level_evidence"] = "3", "《运营管理办法》2026"
		if _, err := db.SubmitResponse(ctx, zsj, "c-2", answers); err != nil {
			t.Fatal(err)
		}
		if s := state(zsj); s != "resubmitted" {
			t.Fatalf("after resubmit: %s", s)
		}
		versions, err := db.ResponseVersions(ctx, zsj)
		if err != nil || len(versions) != 2 || versions[0].Answers["ma3_level"] != "2" || versions[1].Answers["ma3_level"] != "3" || versions[1].Number != 2 {
			t.Fatalf("versions: %+v %v", versions, err)
		}
		changes := answerChanges(inst, versions[0].Answers, versions[1].Answers, "zh-CN", func(k string) string { return k })
		if len(changes) != 2 || changes[0].Line.Name != "ma3_level" || changes[1].Line.Name != "ma3_level_evidence" || changes[1].New != "《运营管理办法》2026" || changes[1].Old != "" {
			t.Fatalf("changes: %+v", changes)
		}

		// Two reviewers decide at once: exactly one decision is taken.
		var wg sync.WaitGroup
		errs := make([]error, 2)
		for i, d := range []string{ReviewApprove, ReviewReturn} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs[i] = db.Review(ctx, zsj, d, "并发")
			}()
		}
		wg.Wait()
		if (errs[0] == nil) == (errs[1] == nil) {
			t.Fatalf("concurrent decisions: %v, %v", errs[0], errs[1])
		}
		if errs[0] != nil {
			// The return won; approve the resubmission that follows.
			if _, err := db.SubmitResponse(ctx, zsj, "c-3", answers); err != nil {
				t.Fatal(err)
			}
			if err := db.Review(ctx, zsj, ReviewApprove, ""); err != nil {
				t.Fatal(err)
			}
		}
		if s := state(zsj); s != "approved" {
			t.Fatalf("after approval: %s", s)
		}
		if _, err := db.SubmitResponse(ctx, zsj, "c-4", answers); ErrorCode(err) != EConflict {
			t.Fatalf("submitting over an approved response: %v", err)
		}
		if _, err := db.SaveDraft(ctx, zsj, answers, 0); ErrorCode(err) != EConflict {
			t.Fatalf("saving a draft of an approved response: %v", err)
		}

		// Reopening hands an approved response back, with a comment.
		if err := db.Review(ctx, zsj, ReviewReopen, ""); ErrorCode(err) != EInvalid {
			t.Fatalf("reopen without a comment: %v", err)
		}
		if err := db.Review(ctx, zsj, ReviewReopen, "数据口径调整，请按新口径更新 MA5"); err != nil {
			t.Fatal(err)
		}
		if s := state(zsj); s != "returned" {
			t.Fatalf("after reopening: %s", s)
		}
		events, err := db.ReviewEvents(ctx, zsj)
		if err != nil {
			t.Fatal(err)
		}
		var trail []string
		for _, e := range events {
			trail = append(trail, e.FromState+">"+e.ToState)
			if e.Actor != "reviewer" {
				t.Fatalf("event without its actor: %+v", e)
			}
		}
		got := strings.Join(trail, " ")
		if !strings.HasPrefix(got, "not_started>submitted submitted>returned returned>resubmitted") || !strings.HasSuffix(got, "resubmitted>approved approved>returned") {
			t.Fatalf("history: %s", got)
		}
		if n := countRows(t, db, "SELECT COUNT(*) FROM audit_log WHERE action LIKE 'response.%' AND object_id = ?", itoa(zsj)); n < len(events) {
			t.Fatalf("audit rows %d for %d events", n, len(events))
		}

		// A closed campaign can approve but not return; a published one
		// takes no decision.
		if _, err := db.SubmitResponse(ctx, ga, "g-1", answers); err != nil {
			t.Fatal(err)
		}
		if err := db.SetCampaignStatus(ctx, camp.ID, "closed"); err != nil {
			t.Fatal(err)
		}
		if err := db.Review(ctx, ga, ReviewReturn, "请修改"); ErrorCode(err) != EConflict {
			t.Fatalf("return in a closed campaign: %v", err)
		} else if e := err.(*Error); e.Key != "err.review_campaign_closed" {
			t.Fatalf("key %s", e.Key)
		}
		if got := ReviewDecisions("submitted", "closed"); strings.Join(got, ",") != "approve" {
			t.Fatalf("decisions in a closed campaign: %v", got)
		}
		if err := db.Review(ctx, ga, ReviewApprove, "同意"); err != nil {
			t.Fatal(err)
		}
		if err := db.SetCampaignStatus(ctx, camp.ID, "published"); err != nil {
			t.Fatal(err)
		}
		if err := db.Review(ctx, ga, ReviewReopen, "重新打开"); ErrorCode(err) != EConflict {
			t.Fatalf("reopen in a published campaign: %v", err)
		}
		if err := db.Review(ctx, 999999, ReviewApprove, ""); ErrorCode(err) != ENotFound {
			t.Fatalf("unknown assignment: %v", err)
		}
	})
}

func TestReviewHandlers(t *testing.T) {
	for dialect, dsn := range testDSNs(t) {
		t.Run(dialect, func(t *testing.T) {
			app := newTestAppDSN(t, dsn)
			ctx := context.Background()
			camp, inst, ids := fillCampaign(t, app.db)
			zsj := ids["LJ-ZSJ"]
			answers := completeAnswers(t, inst)
			answers["respondent_name"] = "<script>alert(1)</script>"
			if _, err := app.db.SubmitResponse(ctx, zsj, "h-1", answers); err != nil {
				t.Fatal(err)
			}
			path := "/admin/assignments/" + itoa(zsj)
			admin := app.client()
			admin.signIn("admin")

			r := admin.get(path)
			if r.status != http.StatusOK || !strings.Contains(r.body, `value="approve"`) || !strings.Contains(r.body, `value="return"`) {
				t.Fatalf("review page: %d", r.status)
			}
			if strings.Contains(r.body, "<script>alert(1)") || !strings.Contains(r.body, "&lt;script&gt;alert(1)&lt;/script&gt;") {
				t.Fatal("an answer is not shown as text")
			}

			// A refused return keeps the typed comment and says why.
			r = admin.post(path+"/review", url.Values{"decision": {"return"}, "comment": {""}})
			if r.status != http.StatusBadRequest || !strings.Contains(r.body, `id="comment-error"`) {
				t.Fatalf("return without comment: %d", r.status)
			}
			comment := `MA1 佐证不足 "<img src=x onerror=alert(2)>"`
			r = admin.post(path+"/review", url.Values{"decision": {"return"}, "comment": {comment}})
			if r.status != http.StatusSeeOther {
				t.Fatalf("return: %d", r.status)
			}
			r = admin.get(path)
			if !strings.Contains(r.body, "MA1 佐证不足 &#34;&lt;img src=x onerror=alert(2)&gt;&#34;") {
				t.Fatal("the comment is not in the history as text")
			}
			// A second, stale return is refused with the reason, not a crash.
			r = admin.post(path+"/review", url.Values{"decision": {"return"}, "comment": {"again"}})
			if r.status != http.StatusConflict || !strings.Contains(r.body, `value="again"`) && !strings.Contains(r.body, ">again<") {
				t.Fatalf("stale decision: %d %s", r.status, r.body)
			}

			// The official sees the comment on the form and resubmits.
			official := app.client()
			official.signIn("official")
			home := official.get("/home")
			if !strings.Contains(home.body, "MA1 佐证不足") {
				t.Fatal("the official's home page does not show the return comment")
			}
			if fill := official.get("/fill/" + itoa(zsj)); !strings.Contains(fill.body, "MA1 佐证不足 &#34;&lt;img src=x") {
				t.Fatal("the fill page does not show the return comment as text")
			}
			answers["ma1_level"], answers["ma1_level_evidence"] = "3", "《用户需求调研报告》"
			if _, err := app.db.SubmitResponse(ctx, zsj, "h-2", answers); err != nil {
				t.Fatal(err)
			}
			r = admin.get(path)
			if !strings.Contains(r.body, "《用户需求调研报告》") || !strings.Contains(r.body, `class="data changes"`) {
				t.Fatal("the changes between versions are not shown")
			}
			r = admin.get(path + "?v=1")
			if strings.Contains(r.body, `class="data changes"`) {
				t.Fatal("the first version has nothing to compare with")
			}

			ev := app.client()
			ev.signIn("evaluator")
			r = ev.get(path)
			if r.status != http.StatusOK || strings.Contains(r.body, `name="decision"`) {
				t.Fatalf("evaluator: %d, decision form shown: %v", r.status, strings.Contains(r.body, `name="decision"`))
			}
			if r := ev.post(path+"/review", url.Values{"decision": {"approve"}}); r.status != http.StatusForbidden {
				t.Fatalf("evaluator decides: %d", r.status)
			}
			r = ev.get("/admin/campaigns/" + itoa(camp.ID))
			if r.status != http.StatusOK || strings.Contains(r.body, `action="/admin/campaigns/`+itoa(camp.ID)+`/status"`) ||
				strings.Contains(r.body, `/assign"`) || !strings.Contains(r.body, `/responses.csv"`) {
				t.Fatalf("evaluator's campaign page: %d, or it offers changes", r.status)
			}
			if r := ev.post("/admin/campaigns/"+itoa(camp.ID)+"/status", url.Values{"status": {"closed"}}); r.status != http.StatusForbidden {
				t.Fatalf("evaluator changes a campaign: %d", r.status)
			}
			if r := official.get(path); r.status != http.StatusForbidden {
				t.Fatalf("official reads the review page: %d", r.status)
			}
			r = admin.post(path+"/review", url.Values{"decision": {"approve"}})
			if r.status != http.StatusSeeOther {
				t.Fatalf("approve: %d", r.status)
			}
			if a, _ := app.db.FindAssignmentByID(ctx, zsj); a.State != "approved" {
				t.Fatalf("state %s", a.State)
			}
			r = admin.get("/admin/campaigns/" + itoa(camp.ID) + "?state=approved")
			if !strings.Contains(r.body, `href="/admin/assignments/`+itoa(zsj)+`"`) || strings.Contains(r.body, `/admin/assignments/`+itoa(ids["LJ-GA"])+`"`) {
				t.Fatal("the campaign's filtered list does not link the approved assignment only")
			}
		})
	}
}
