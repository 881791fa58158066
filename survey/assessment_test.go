package survey

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"govkpi/survey/instrument"
)

// A campaign scored from the database: the draft is recomputed in place,
// publishing freezes it (the database itself refuses to change it), and an
// answer changed after publication leaves the published numbers as they
// were while a new draft shows what moved and which inputs moved it.
func TestAssessmentRuns(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		mustDept(t, db, "LJ", "澜江市人民政府", "city", "")
		for _, code := range []string{"LJ-GA", "LJ-RS", "LJ-ZSJ"} {
			mustDept(t, db, code, code+" 局", "city", "LJ")
		}
		defaults, _ := instrument.DefaultInstruments()
		sa := defaults["self_assessment"]
		c, ids := feedCampaign(t, db, publishDefault(t, db, "self_assessment"), "SA2026", false, "LJ-GA", "LJ-RS", "LJ-ZSJ")
		levels := map[string]string{"LJ-GA": "2", "LJ-RS": "3", "LJ-ZSJ": "5"}
		for code, id := range ids {
			a := completeAnswers(t, sa)
			for _, q := range []string{"ma1_level", "ma2_level", "ma3_level", "ma4_level"} {
				a[q] = levels[code]
			}
			if _, err := db.SubmitResponse(ctx, id, "c-"+code, a); err != nil {
				t.Fatal(err)
			}
			if err := db.Review(ctx, id, ReviewApprove, ""); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := db.ImportMetrics(ctx, strings.NewReader("period,department_code,variable,value\n"+
			"2026,LJ-GA,ef_items_total,100\n2026,LJ-GA,ef_items_fully_online,40\n"+
			"2026,LJ-RS,ef_items_total,100\n2026,LJ-RS,ef_items_fully_online,70\n"+
			"2026,LJ-ZSJ,ef_items_total,100\n2026,LJ-ZSJ,ef_items_fully_online,95\n"), "m.csv"); err != nil {
			t.Fatal(err)
		}

		draft, err := db.ComputeAssessment(ctx, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if draft.State != RunDraft || draft.Units != 3 || len(draft.InputsHash) != 64 || draft.FrameworkCode != "DGMI" {
			t.Fatalf("draft %+v", draft)
		}
		cov := draft.CoverageOf()
		if cov.Assigned != 3 || cov.Counted != 3 || cov.MetricsPeriod != "2026" || len(cov.MetricBatches) != 1 || cov.Missing <= 0 || cov.Missing >= 1 {
			t.Fatalf("coverage %+v", cov)
		}
		again, err := db.ComputeAssessment(ctx, c.ID)
		if err != nil || again.ID != draft.ID || again.InputsHash != draft.InputsHash || again.Result != draft.Result {
			t.Fatalf("recomputing unchanged data: %d vs %d, same hash %v, same result %v (%v)",
				again.ID, draft.ID, again.InputsHash == draft.InputsHash, again.Result == draft.Result, err)
		}

		if err := db.PublishAssessment(ctx, draft.ID); err != nil {
			t.Fatal(err)
		}
		if err := db.PublishAssessment(ctx, draft.ID); ErrorCode(err) != EConflict {
			t.Fatalf("published twice: %v", err)
		}
		published, err := db.FindAssessmentRun(ctx, draft.ID)
		if err != nil || !published.Published() || !published.PublishedAt.Valid {
			t.Fatalf("published %+v %v", published, err)
		}
		// Not even SQL behind the store's back changes a published run.
		if _, err := db.W.Exec(db.W.Rebind("UPDATE assessment_runs SET result = '{}' WHERE id = ?"), draft.ID); err == nil {
			t.Fatal("a published run was changed")
		}
		if _, err := db.W.Exec(db.W.Rebind("DELETE FROM assessment_runs WHERE id = ?"), draft.ID); err == nil {
			t.Fatal("a published run was deleted")
		}

		// After publication the office reopens LJ-RS, which answers MA1
		// anew, and a metric is corrected.
		if err := db.Review(ctx, ids["LJ-RS"], ReviewReopen, "请按新口径更新"); err != nil {
			t.Fatal(err)
		}
		rs := completeAnswers(t, sa)
		for _, q := range []string{"ma1_level", "ma2_level", "ma3_level", "ma4_level"} {
			rs[q] = "3"
		}
		rs["ma1_level"] = "5"
		if _, err := db.SubmitResponse(ctx, ids["LJ-RS"], "c-LJ-RS-2", rs); err != nil {
			t.Fatal(err)
		}
		if err := db.Review(ctx, ids["LJ-RS"], ReviewApprove, ""); err != nil {
			t.Fatal(err)
		}
		// A corrected metric after publication.
		if _, err := db.ImportMetrics(ctx, strings.NewReader("period,department_code,variable,value\n2026,LJ-GA,ef_items_fully_online,99\n"), "fix.csv"); err != nil {
			t.Fatal(err)
		}
		next, err := db.ComputeAssessment(ctx, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if next.ID == draft.ID || next.InputsHash == draft.InputsHash || next.State != RunDraft {
			t.Fatalf("the recomputation after publication: %+v", next)
		}
		still, _ := db.FindAssessmentRun(ctx, draft.ID)
		if still.Result != published.Result || still.InputsHash != published.InputsHash || !still.Published() {
			t.Fatal("the published run changed")
		}
		latest, err := db.LatestPublishedRun(ctx, c.ID)
		if err != nil || latest == nil || latest.ID != draft.ID {
			t.Fatalf("latest published: %+v %v", latest, err)
		}
		changes, err := CompareRuns(published, next)
		if err != nil {
			t.Fatal(err)
		}
		var ga *RunChange
		for i := range changes {
			if changes[i].Code == "LJ-GA" {
				ga = &changes[i]
			}
		}
		if ga == nil || len(ga.Inputs) != 1 || ga.Inputs[0].Variable != "ef_items_fully_online" ||
			*ga.Inputs[0].Before != 40 || *ga.Inputs[0].After != 99 {
			t.Fatalf("changes %+v", changes)
		}
		var rsChange *RunChange
		for i := range changes {
			if changes[i].Code == "LJ-RS" {
				rsChange = &changes[i]
			}
		}
		if rsChange == nil || len(rsChange.Inputs) != 1 || rsChange.Inputs[0].Variable != "ma1_level" ||
			*rsChange.Inputs[0].Before != 3 || *rsChange.Inputs[0].After != 5 {
			t.Fatalf("the changed answer is not among the changes: %+v", changes)
		}
		runs, err := db.AssessmentRuns(ctx, c.ID)
		if err != nil || len(runs) != 2 || runs[0].ID != next.ID || runs[1].State != RunPublished || runs[0].Result != "" {
			t.Fatalf("runs %+v %v", runs, err)
		}
		if n := countRows(t, db, "SELECT COUNT(*) FROM audit_log WHERE action = ?", AuditAssessmentComputed); n != 3 {
			t.Fatalf("%d computation audit rows", n)
		}

		// A campaign naming a framework version the system lacks.
		other, _ := feedCampaign(t, db, publishDefault(t, db, "citizen"), "CS2026", false, "LJ-GA")
		if _, err := db.W.Exec(db.W.Rebind("UPDATE campaigns SET framework_version = '1999.9' WHERE id = ?"), other.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := db.ComputeAssessment(ctx, other.ID); ErrorCode(err) != EInvalid {
			t.Fatalf("unknown framework version: %v", err)
		}
	})
}

func TestAssessmentPages(t *testing.T) {
	app := newTestApp(t)
	mustDept(t, app.db, "LJ-X", "<script>alert(1)</script>局", "city", "LJ")
	c, _ := feedCampaign(t, app.db, publishDefault(t, app.db, "self_assessment"), "SA2026", false, "LJ-GA", "LJ-ZSJ", "LJ-X")

	ev := app.client()
	ev.signIn("evaluator")
	if r := ev.post("/admin/campaigns/"+itoa(c.ID)+"/runs", nil); r.status != http.StatusForbidden {
		t.Fatalf("an evaluator computed: %d", r.status)
	}
	admin := app.client()
	admin.signIn("admin")
	if r := admin.get("/admin/campaigns/" + itoa(c.ID)); !strings.Contains(r.body, "/admin/campaigns/"+itoa(c.ID)+"/runs") {
		t.Fatal("the campaign page does not link its runs")
	}
	r := admin.post("/admin/campaigns/"+itoa(c.ID)+"/runs", nil)
	if r.status != http.StatusSeeOther || !strings.HasPrefix(r.header.Get("Location"), "/admin/runs/") {
		t.Fatalf("compute: %d %s", r.status, r.header.Get("Location"))
	}
	runPath := r.header.Get("Location")
	r = admin.get(runPath)
	if r.status != 200 || !strings.Contains(r.body, "草稿") || !strings.Contains(r.body, "&lt;script&gt;alert(1)&lt;/script&gt;局") ||
		strings.Contains(r.body, "<script>alert(1)") || !strings.Contains(r.body, "发布并冻结") || strings.Contains(r.body, "<td>precise</td>") {
		t.Fatalf("draft page: %d\n%s", r.status, r.body)
	}
	if r := ev.get(runPath); r.status != 200 || strings.Contains(r.body, "发布并冻结") {
		t.Fatalf("the evaluator's view: %d", r.status)
	}
	if r := ev.post(runPath+"/publish", nil); r.status != http.StatusForbidden {
		t.Fatalf("an evaluator published: %d", r.status)
	}
	if r := admin.post(runPath+"/publish", nil); r.status != http.StatusSeeOther {
		t.Fatalf("publish: %d", r.status)
	}
	if r := admin.get(runPath); !strings.Contains(r.body, "已发布") || strings.Contains(r.body, "发布并冻结</button>") {
		t.Fatal("the published run still offers to publish")
	}
	if r := admin.post(runPath+"/publish", nil); r.status != http.StatusConflict {
		t.Fatalf("published twice: %d", r.status)
	}
	// Recomputing makes a new draft that compares itself with the published run.
	r = admin.post("/admin/campaigns/"+itoa(c.ID)+"/runs", nil)
	if next := r.header.Get("Location"); next == runPath {
		t.Fatal("the recomputation reused the published run")
	} else if r := admin.get(next); !strings.Contains(r.body, "与已发布结果相同") {
		t.Fatalf("the new draft does not compare itself:\n%s", r.body)
	}
	if r := admin.get("/admin/campaigns/" + itoa(c.ID) + "/runs"); strings.Count(r.body, `href="/admin/runs/`) != 2 {
		t.Fatal("the runs list does not show both runs")
	}
	if r := admin.get("/admin/runs/999"); r.status != http.StatusNotFound {
		t.Fatalf("unknown run: %d", r.status)
	}
}
