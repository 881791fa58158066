package survey

import (
	"context"
	"errors"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

func TestRectifications(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		mustDept(t, db, "LJ", "澜江市人民政府", "city", "")
		ga := mustDept(t, db, "LJ-GA", "澜江市公安局", "city", "LJ")
		shanghai, _ := time.LoadLocation("Asia/Shanghai")
		// A bad rating on Friday 6 February 2026, 20:00 in Shanghai: 15
		// working days, with the 春节 holidays (15–23 February) and the
		// make-up Saturdays 14 and 28 February, end on Thursday 5 March.
		at := time.Date(2026, 2, 6, 20, 0, 0, 0, shanghai)
		in := RatingInput{DepartmentID: ga.ID, Channel: "window", Level: 1, Reasons: []string{"time"}, Phone: "13900001111",
			CaseID: "GA-1", Identified: true, At: at}
		if _, err := db.AddRating(ctx, in, shanghai); err != nil {
			t.Fatal(err)
		}
		good := in
		good.Level, good.CaseID = 5, "GA-2"
		if _, err := db.AddRating(ctx, good, shanghai); err != nil {
			t.Fatal(err)
		}
		list, err := db.FindRectifications(ctx, RectificationFilter{DepartmentID: ga.ID})
		if err != nil || len(list) != 1 {
			t.Fatalf("tickets %+v %v (a good rating must open none)", list, err)
		}
		tk := list[0]
		if due := tk.DueAt.In(shanghai); due.Format(time.DateOnly) != "2026-03-05" || tk.State != "open" || tk.Level != 1 || !tk.Overdue {
			t.Fatalf("ticket due %s, state %s, overdue %v", due, tk.State, tk.Overdue)
		}

		// The official answers; the admin sends it back; answered again, accepted.
		resp := RectificationResponse{CallbackAt: time.Now().Add(-time.Hour), CallbackResult: "已电话联系，群众表示理解",
			Outcome: "immediate", Action: "已优化窗口排号，增加高峰时段人手。"}
		bad := resp
		bad.Outcome, bad.Action = "ignore", " "
		if err := db.RespondRectification(ctx, tk.ID, bad); formErrors(err)["outcome"] == "" || formErrors(err)["action"] == "" {
			t.Fatalf("bad response: %v", err)
		}
		if err := db.ReviewRectification(ctx, tk.ID, true, ""); ErrorCode(err) != EConflict {
			t.Fatalf("accepting an unanswered ticket: %v", err)
		}
		if err := db.RespondRectification(ctx, tk.ID, resp); err != nil {
			t.Fatal(err)
		}
		if err := db.RespondRectification(ctx, tk.ID, resp); ErrorCode(err) != EConflict {
			t.Fatalf("answering twice: %v", err)
		}
		if err := db.ReviewRectification(ctx, tk.ID, false, ""); formErrors(err)["comment"] == "" {
			t.Fatalf("send back without a comment: %v", err)
		}
		if err := db.ReviewRectification(ctx, tk.ID, false, "请补充整改照片"); err != nil {
			t.Fatal(err)
		}
		if r, _ := db.FindRectification(ctx, tk.ID); r.State != "returned" || r.ReviewComment != "请补充整改照片" || !r.Open() {
			t.Fatalf("after sending back: %+v", r)
		}
		if err := db.RespondRectification(ctx, tk.ID, resp); err != nil {
			t.Fatal(err)
		}
		if err := db.ReviewRectification(ctx, tk.ID, true, ""); err != nil {
			t.Fatal(err)
		}
		if err := db.ReviewRectification(ctx, 999999, true, ""); ErrorCode(err) != ENotFound {
			t.Fatalf("unknown ticket: %v", err)
		}
		c, err := db.RectificationCountsBetween(ctx, ga.ID, time.Date(2026, 1, 1, 0, 0, 0, 0, shanghai), time.Date(2027, 1, 1, 0, 0, 0, 0, shanghai))
		if err != nil {
			t.Fatal(err)
		}
		// Answered after its due date (it is now past 5 March), so not on
		// time; the identified rater was called back.
		if c.Due != 1 || c.ClosedOnTime != 0 || c.Identified != 1 || c.IdentifiedCalled != 1 || c.AcceptedTotal != 1 || c.OpenTotal != 0 {
			t.Fatalf("counts %+v", c)
		}

		// The admin's calendar replaces the built-in one for new tickets.
		if err := db.SetCalendar(ctx, "2026-02-09 休\nnot a date\n"); err == nil {
			t.Fatal("a bad calendar line was accepted")
		} else {
			var lines CalendarLineErrors
			if !errors.As(err, &lines) || len(lines) != 1 || lines[0].Line != 2 {
				t.Fatalf("calendar errors: %v", err)
			}
		}
		if err := db.SetCalendar(ctx, "# test\n2026-03-02 休\n"); err != nil {
			t.Fatal(err)
		}
		cal, _ := db.Calendar(ctx)
		if cal.IsWorkday(time.Date(2026, 3, 2, 12, 0, 0, 0, shanghai)) || !cal.IsWorkday(time.Date(2026, 2, 16, 12, 0, 0, 0, shanghai)) {
			t.Fatal("the stored calendar is not the one in force")
		}
		if !strings.Contains(cal.Text(), "2026-03-02") {
			t.Fatalf("calendar text:\n%s", cal.Text())
		}
	})
}

func TestTicketPages(t *testing.T) {
	app := newTestApp(t)
	ctx := context.Background()
	link, err := app.db.CreateRatingLink(ctx, "LJ-ZSJ", "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := app.db.AddRating(ctx, RatingInput{DepartmentID: link.DepartmentID, LinkID: link.ID, Channel: "online", Level: 2,
		Comment: "<img src=x onerror=alert(1)> 网上申报总失败", Reasons: []string{"online"}, Phone: "13900001111"}, nil); err != nil {
		t.Fatal(err)
	}
	list, _ := app.db.FindRectifications(ctx, RectificationFilter{})
	path := "/tickets/" + itoa(list[0].ID)

	official := app.client()
	official.signIn("official") // LJ-ZSJ
	r := official.get("/tickets")
	if r.status != http.StatusOK || !strings.Contains(r.body, `href="`+path+`"`) || !strings.Contains(r.body, "本部门本年度群众评价") {
		t.Fatalf("official's list: %d", r.status)
	}
	r = official.get(path)
	if r.status != http.StatusOK || !strings.Contains(r.body, "&lt;img src=x onerror=alert(1)&gt; 网上申报总失败") || !strings.Contains(r.body, `action="`+path+`/respond"`) {
		t.Fatalf("official's ticket: %d", r.status)
	}
	other := app.client()
	other.signIn("official2") // LJ-GA
	if r := other.get(path); r.status != http.StatusNotFound {
		t.Fatalf("another department's ticket: %d", r.status)
	}
	if r := other.post(path+"/respond", url.Values{"outcome": {"immediate"}, "action": {"x"}}); r.status != http.StatusNotFound {
		t.Fatalf("another department answers: %d", r.status)
	}
	if entries, _ := app.db.FindAudit(ctx, AuditFilter{Action: "authz.", Limit: 10}); len(entries) < 2 {
		t.Fatalf("refusals not audited: %d", len(entries))
	}
	if r := other.get("/tickets"); strings.Contains(r.body, `href="`+path+`"`) {
		t.Fatal("another department's official lists the ticket")
	}

	// A refused answer keeps what was typed.
	r = official.post(path+"/respond", url.Values{"callback_at": {"not a time"}, "action": {"已修复申报系统"}})
	if r.status != http.StatusBadRequest || !strings.Contains(r.body, "已修复申报系统") || !strings.Contains(r.body, `id="callback_at-error"`) {
		t.Fatalf("bad answer: %d", r.status)
	}
	r = official.post(path+"/respond", url.Values{"callback_at": {time.Now().Add(-time.Hour).Format(datetimeLocal)},
		"callback_result": {"已回访，群众满意"}, "outcome": {"immediate"}, "action": {"已修复申报系统"}})
	if r.status != http.StatusSeeOther {
		t.Fatalf("answer: %d", r.status)
	}
	ev := app.client()
	ev.signIn("evaluator")
	if r := ev.get(path); r.status != http.StatusOK || strings.Contains(r.body, `/review"`) {
		t.Fatalf("evaluator: %d", r.status)
	}
	admin := app.client()
	admin.signIn("admin")
	if r := admin.get("/tickets?state=responded"); !strings.Contains(r.body, `href="`+path+`"`) {
		t.Fatal("the admin's filtered list lacks the answered ticket")
	}
	if r := admin.post(path+"/review", url.Values{"decision": {"accept"}}); r.status != http.StatusSeeOther {
		t.Fatalf("accept: %d", r.status)
	}
	if tk, _ := app.db.FindRectification(ctx, list[0].ID); tk.State != "accepted" || !tk.ClosedAt.Valid {
		t.Fatalf("after accepting: %+v", tk)
	}

	// The calendar page refuses a bad line by number and keeps the text.
	r = admin.post("/admin/calendar", url.Values{"calendar": {"2026-10-01 休\n2026-13-01 休\n"}})
	if r.status != http.StatusBadRequest || !strings.Contains(r.body, "2026-13-01") || !strings.Contains(r.body, "第 2 行") {
		t.Fatalf("bad calendar: %d", r.status)
	}
	if r := admin.post("/admin/calendar", url.Values{"calendar": {"2026-10-01 休\n2026-10-10 班\n"}}); r.status != http.StatusSeeOther {
		t.Fatalf("calendar: %d", r.status)
	}
	if r := admin.get("/admin/calendar"); !strings.Contains(r.body, "2026-10-10") {
		t.Fatal("the saved calendar is not shown")
	}
}

// The rollups the scoring feed reads agree with the tickets themselves
// (RectificationCountsBetween scans them) after tickets are opened,
// answered with and without a call-back, sent back and accepted — the old
// ones late, the recent ones on time — and the migration's backfill counts
// them the same way.
func TestRectificationRollupsMatchTickets(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		mustDept(t, db, "LJ", "澜江市人民政府", "city", "")
		ga := mustDept(t, db, "LJ-GA", "澜江市公安局", "city", "LJ")
		loc := db.Zone()
		r := rand.New(rand.NewPCG(7, 7))
		var batch []RatingInput
		start := time.Now().In(loc).AddDate(0, 0, -60)
		for i := range 60 {
			batch = append(batch, RatingInput{DepartmentID: ga.ID, Channel: "window", Level: 1 + r.IntN(2),
				At: start.Add(time.Duration(i) * 23 * time.Hour), Identified: r.IntN(2) == 0})
		}
		if _, err := db.StoreRatings(ctx, batch, loc, true); err != nil {
			t.Fatal(err)
		}
		tickets, err := db.FindRectifications(ctx, RectificationFilter{DepartmentID: ga.ID})
		if err != nil || len(tickets) != 60 {
			t.Fatalf("%d tickets: %v", len(tickets), err)
		}
		for _, x := range tickets {
			resp := RectificationResponse{CallbackResult: "已回访", Outcome: "explained", Action: "已解释"}
			if r.IntN(3) > 0 {
				resp.CallbackAt = x.OpenedAt.Add(time.Hour)
			}
			switch r.IntN(4) {
			case 0: // left open
				continue
			case 1: // answered, sent back, answered again without a call-back
				mustNil(t, db.RespondRectification(ctx, x.ID, resp))
				mustNil(t, db.ReviewRectification(ctx, x.ID, false, "请补充回访记录"))
				resp.CallbackAt = time.Time{}
				mustNil(t, db.RespondRectification(ctx, x.ID, resp))
			case 2: // answered and accepted
				mustNil(t, db.RespondRectification(ctx, x.ID, resp))
				mustNil(t, db.ReviewRectification(ctx, x.ID, true, ""))
			default: // answered, waiting
				mustNil(t, db.RespondRectification(ctx, x.ID, resp))
			}
		}
		from, to := start.AddDate(0, 0, -1), time.Now().In(loc).AddDate(0, 2, 0)
		check := func(where string) {
			t.Helper()
			raw, err := db.RectificationCountsBetween(ctx, ga.ID, from, to)
			if err != nil {
				t.Fatal(err)
			}
			rolled, err := db.ticketsByDepartment(ctx, from.Format(time.DateOnly), to.AddDate(0, 0, -1).Format(time.DateOnly))
			if err != nil {
				t.Fatal(err)
			}
			if len(rolled) != 1 || rolled[0].Due != raw.Due || rolled[0].ClosedOnTime != raw.ClosedOnTime ||
				rolled[0].Identified != raw.Identified || rolled[0].IdentifiedCalled != raw.IdentifiedCalled {
				t.Fatalf("%s: rollups %+v, tickets %+v", where, rolled, raw)
			}
			if raw.Due != 60 || raw.Identified == 0 || raw.IdentifiedCalled == 0 || raw.ClosedOnTime == 0 || raw.ClosedOnTime == raw.Due {
				t.Fatalf("%s: the test exercises too little: %+v", where, raw)
			}
		}
		check("kept by the store")
		// The migration's backfill, run again on these tickets, gives the
		// same counts.
		if _, err := db.W.Exec("DELETE FROM rectification_rollups"); err != nil {
			t.Fatal(err)
		}
		if _, err := db.W.Exec(ticketBackfill(t, db)); err != nil {
			t.Fatal(err)
		}
		check("rebuilt")
		responded, _ := db.FindRectifications(ctx, RectificationFilter{DepartmentID: ga.ID, State: "responded"})
		for _, x := range responded {
			mustNil(t, db.ReviewRectification(ctx, x.ID, true, ""))
		}
		check("after accepting the rest")
	})
}

func mustNil(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
