package survey

import (
	"context"
	"database/sql"
	"testing"
	"time"

	"govkpi/survey/instrument"
)

func TestFindDepartmentResponse(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		mustDept(t, db, "LJ", "澜江市人民政府", "city", "")
		a := mustDept(t, db, "LJ-A", "澜江市公安局", "city", "LJ")
		b := mustDept(t, db, "LJ-B", "澜江市商务局", "city", "LJ")
		c := mustDept(t, db, "LJ-C", "澜江市水利局", "city", "LJ")
		official, err := db.CreateAccount(ctx, AccountInput{Username: "zhang", DisplayName: "张三", Role: RoleOfficial,
			DepartmentCode: "LJ-A", Password: "correct horse battery"})
		if err != nil {
			t.Fatal(err)
		}
		defaults, err := instrument.DefaultInstruments()
		if err != nil {
			t.Fatal(err)
		}
		st, err := db.ImportInstrument(ctx, defaults["self_assessment"], "yaml", "sa.yaml")
		if err != nil {
			t.Fatal(err)
		}
		if err := db.PublishInstrument(ctx, st.ID); err != nil {
			t.Fatal(err)
		}
		opens := time.Now().Add(-time.Hour).Truncate(time.Second)
		camp := mustCampaign(t, db, "C1", st.ID, opens, opens.Add(48*time.Hour))
		if _, err := db.AssignDepartments(ctx, camp.ID, DepartmentSelection{Codes: []string{"LJ-A", "LJ-B"}}); err != nil {
			t.Fatal(err)
		}
		mustNil(t, db.SetCampaignStatus(ctx, camp.ID, "open"))
		list, err := db.CampaignAssignments(ctx, camp.ID)
		if err != nil {
			t.Fatal(err)
		}
		var assignA int64
		for _, x := range list {
			if x.DepartmentCode == "LJ-A" {
				assignA = x.ID
			}
		}

		t.Run("not assigned", func(t *testing.T) {
			if _, err := db.FindDepartmentResponse(ctx, camp.ID, c.ID); ErrorCode(err) != ENotFound {
				t.Fatalf("unassigned department: %v", err)
			}
			if _, err := db.FindDepartmentResponse(ctx, camp.ID+100, a.ID); ErrorCode(err) != ENotFound {
				t.Fatalf("unknown campaign: %v", err)
			}
		})
		t.Run("nothing submitted", func(t *testing.T) {
			r, err := db.FindDepartmentResponse(ctx, camp.ID, b.ID)
			if err != nil {
				t.Fatal(err)
			}
			if r.Submitted() || r.State != "not_started" || len(r.Answers) != 0 || r.SubmittedAt.Valid || r.Respondent != "" {
				t.Fatalf("%+v", r)
			}
		})
		t.Run("the latest version and who sent it", func(t *testing.T) {
			by := WithActor(ctx, AuditEntry{ActorID: sql.NullInt64{Int64: official.ID, Valid: true}})
			if _, err := db.SubmitResponse(by, assignA, "v1", instrument.Answers{"ma1_level": "2", "ma1_evidence": "第一版"}); err != nil {
				t.Fatal(err)
			}
			mustNil(t, db.Review(ctx, assignA, ReviewReturn, "请补充佐证"))
			if _, err := db.SubmitResponse(by, assignA, "v2", instrument.Answers{"ma1_level": "4", "ma1_evidence": "第二版 <b>"}); err != nil {
				t.Fatal(err)
			}
			r, err := db.FindDepartmentResponse(ctx, camp.ID, a.ID)
			if err != nil {
				t.Fatal(err)
			}
			if !r.Submitted() || r.AssignmentID != assignA || r.State != "resubmitted" || !r.SubmittedAt.Valid || r.Respondent != "张三" {
				t.Fatalf("%+v", r)
			}
			if r.Answers["ma1_level"] != "4" || r.Answers["ma1_evidence"] != "第二版 <b>" {
				t.Fatalf("answers %v", r.Answers)
			}
			mustNil(t, db.Review(ctx, assignA, ReviewApprove, ""))
			if r, _ := db.FindDepartmentResponse(ctx, camp.ID, a.ID); r == nil || r.State != "approved" || r.Answers["ma1_level"] != "4" {
				t.Fatalf("after approval %+v", r)
			}
		})
	})
}

func TestFindOpenTickets(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		mustDept(t, db, "LJ", "澜江市人民政府", "city", "")
		ga := mustDept(t, db, "LJ-GA", "澜江市公安局", "city", "LJ")
		sw := mustDept(t, db, "LJ-SW", "澜江市商务局", "city", "LJ")
		shanghai := mustZone(t, "Asia/Shanghai")
		rate := func(dept int64, level int, at time.Time) {
			t.Helper()
			in := RatingInput{DepartmentID: dept, Channel: "window", Level: level, At: at}
			if level <= 2 {
				in.Reasons = []string{"time"}
			}
			if _, err := db.AddRating(ctx, in, shanghai); err != nil {
				t.Fatal(err)
			}
		}
		now := time.Now()
		rate(ga.ID, 1, now.Add(-90*24*time.Hour)) // overdue
		rate(ga.ID, 2, now.Add(-80*24*time.Hour)) // answered: waiting for review, not overdue
		rate(ga.ID, 2, now.Add(-70*24*time.Hour)) // answered and accepted: closed
		rate(ga.ID, 1, now.Add(-time.Hour))       // open, due later
		rate(ga.ID, 5, now.Add(-time.Hour))       // good: no ticket
		rate(sw.ID, 1, now.Add(-90*24*time.Hour)) // another department's

		all, err := db.FindRectifications(ctx, RectificationFilter{DepartmentID: ga.ID})
		if err != nil || len(all) != 4 {
			t.Fatalf("tickets %d, %v", len(all), err)
		}
		answer := RectificationResponse{Outcome: "explained", Action: "已向群众解释办理时限。"}
		mustNil(t, db.RespondRectification(ctx, all[1].ID, answer))
		mustNil(t, db.RespondRectification(ctx, all[2].ID, answer))
		mustNil(t, db.ReviewRectification(ctx, all[2].ID, true, ""))

		t.Run("counts and order", func(t *testing.T) {
			got, err := db.FindOpenTickets(ctx, ga.ID, 10)
			if err != nil {
				t.Fatal(err)
			}
			if got.Total != 3 || got.Overdue != 1 || len(got.First) != 3 {
				t.Fatalf("total %d, overdue %d, listed %d", got.Total, got.Overdue, len(got.First))
			}
			want := []struct {
				id      int64
				state   string
				overdue bool
			}{{all[0].ID, "open", true}, {all[1].ID, "responded", false}, {all[3].ID, "open", false}}
			for k, w := range want {
				tk := got.First[k]
				if tk.ID != w.id || tk.State != w.state || tk.Overdue != w.overdue || tk.Level < 1 || tk.Level > 2 || !tk.DueAt.After(tk.OpenedAt) {
					t.Fatalf("ticket %d: %+v, want %+v", k, tk, w)
				}
			}
		})
		t.Run("limit keeps the counts", func(t *testing.T) {
			got, err := db.FindOpenTickets(ctx, ga.ID, 1)
			if err != nil || got.Total != 3 || got.Overdue != 1 || len(got.First) != 1 || got.First[0].ID != all[0].ID {
				t.Fatalf("%+v, %v", got, err)
			}
		})
		t.Run("none", func(t *testing.T) {
			sl := mustDept(t, db, "LJ-SL", "澜江市水利局", "city", "LJ")
			got, err := db.FindOpenTickets(ctx, sl.ID, 10)
			if err != nil || got.Total != 0 || got.Overdue != 0 || len(got.First) != 0 {
				t.Fatalf("%+v, %v", got, err)
			}
		})
	})
}
