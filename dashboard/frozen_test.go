package dashboard

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"govkpi/survey"
	"govkpi/survey/instrument"
)

// Publishing a run freezes what its pages show: an answer changed and
// approved again afterwards, and the campaign scored again, make a new
// draft with the new numbers while the published run's pages and CSVs stay
// byte for byte what they were.
func TestPublishedRunIsFrozen(t *testing.T) {
	ts, runID, db := testRunDB(t)
	ctx := context.Background()
	if err := db.PublishAssessment(ctx, runID); err != nil {
		t.Fatal(err)
	}
	admin := signedIn(t, ts, "admin")
	path := ts.URL + "/dashboard/runs/" + itoa(runID)
	status, before := get(t, admin, path+"/ranking.csv")
	if status != http.StatusOK {
		t.Fatalf("ranking.csv: %d", status)
	}

	// LJ-A (the lowest) answers every maturity question with the top level.
	run, err := db.FindAssessmentRun(ctx, runID)
	if err != nil {
		t.Fatal(err)
	}
	assignments, err := db.CampaignAssignments(ctx, run.CampaignID)
	if err != nil {
		t.Fatal(err)
	}
	var a survey.Assignment
	for _, x := range assignments {
		if x.DepartmentCode == "LJ-A" {
			a = x
		}
	}
	resp, err := db.FindLatestResponse(ctx, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	answers := instrument.Answers{}
	for k, v := range resp.Answers {
		answers[k] = v
	}
	for k := range answers {
		if strings.HasSuffix(k, "_level") {
			answers[k] = "5"
		}
	}
	if err := db.Review(ctx, a.ID, survey.ReviewReopen, "请更新"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.SubmitResponse(ctx, a.ID, "client-again", answers); err != nil {
		t.Fatal(err)
	}
	if err := db.Review(ctx, a.ID, survey.ReviewApprove, ""); err != nil {
		t.Fatal(err)
	}
	draft, err := db.ComputeAssessment(ctx, run.CampaignID)
	if err != nil {
		t.Fatal(err)
	}
	if draft.ID == runID {
		t.Fatal("scoring again overwrote the published run")
	}

	_, after := get(t, admin, path+"/ranking.csv")
	if after != before {
		t.Fatalf("the published ranking changed:\nbefore %s\nafter %s", before, after)
	}
	_, fresh := get(t, admin, ts.URL+"/dashboard/runs/"+itoa(draft.ID)+"/ranking.csv")
	if fresh == before {
		t.Fatal("the new draft shows the old numbers: the changed answer was not scored")
	}
}
