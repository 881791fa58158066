package main

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"govkpi/survey"
)

// TestBrowserPublicRating: a citizen on a phone opens a department's public
// rating link (no sign-in), gives a bad rating with a reason and a phone
// number, and is thanked; the rating is in the department's rollup for
// today. The admin's ratings page lists the link and its poster.
func TestBrowserPublicRating(t *testing.T) {
	ctx := newBrowser(t)
	base, dbPath := startDemoDB(t)
	problems := watchProblems(t, ctx)
	bg := context.Background()
	db := openDemoDB(t, dbPath)
	links, err := db.RatingLinks(bg)
	if err != nil {
		t.Fatal(err)
	}
	var link *survey.RatingLink
	for i := range links {
		if links[i].DepartmentCode == "LJ-GA" {
			link = &links[i]
		}
	}
	if link == nil {
		t.Fatal("the demo has no rating link for LJ-GA")
	}
	today := time.Now().In(shanghai(t)).Format(time.DateOnly)
	before, err := db.RatingCountsBetween(bg, link.DepartmentID, today, today)
	if err != nil {
		t.Fatal(err)
	}

	onPhone(t, ctx, func() {
		open(t, ctx, base, "/r/"+link.Slug)
		if h := text(t, ctx, "main"); !strings.Contains(h, "澜江市公安局") || !strings.Contains(h, "非常不满意") {
			t.Fatalf("the rating page lacks the department or the levels:\n%s", h)
		}
		pageFits(t, ctx, "public rating page on a phone")
		screenshot(t, ctx, "rate-phone")
		navigating(t, ctx, "give a bad rating",
			chromedp.Click(chromedp.CSS(`input[name="level"][value="2"]`)),
			chromedp.Click(chromedp.CSS(`input[name="channel"][value="window"]`)),
			chromedp.Click(chromedp.CSS(`input[name="reasons"][value="visits"]`)),
			chromedp.SendKeys(chromedp.ID("comment"), "跑了两次才办好 <script>alert(1)</script>"),
			chromedp.SendKeys(chromedp.ID("phone"), "13900001111"),
			chromedp.Click(chromedp.CSS(`.rate form button.primary`)))
		if p := currentPath(t, ctx); !strings.HasPrefix(p, "/r/"+link.Slug+"/thanks") {
			t.Fatalf("after rating the page is %s", p)
		}
		if h := text(t, ctx, "main"); !strings.Contains(h, "感谢您的评价") || !strings.Contains(h, "回访") {
			t.Errorf("the thank-you page does not promise a call-back:\n%s", h)
		}
		screenshot(t, ctx, "rate-thanks-phone")
	})
	problems.check(t, "public rating")
	after, err := db.RatingCountsBetween(bg, link.DepartmentID, today, today)
	if err != nil {
		t.Fatal(err)
	}
	if after.N2 != before.N2+1 || after.Total() != before.Total()+1 {
		t.Fatalf("today's rollup went from %+v to %+v, want one more 不满意", before, after)
	}
	var comment string
	if err := db.R.Get(&comment, db.R.Rebind("SELECT comment FROM ratings WHERE department_id = ? ORDER BY id DESC LIMIT 1"), link.DepartmentID); err != nil ||
		comment != "跑了两次才办好 <script>alert(1)</script>" {
		t.Fatalf("stored comment %q (%v)", comment, err)
	}

	// The bad rating opened a ticket due 15 working days later by the
	// calendar, which the department's official answers.
	var ratedAt time.Time
	var ratingID int64
	if err := db.R.QueryRow(db.R.Rebind("SELECT id, rated_at FROM ratings WHERE department_id = ? ORDER BY id DESC LIMIT 1"), link.DepartmentID).Scan(&ratingID, &ratedAt); err != nil {
		t.Fatal(err)
	}
	tickets, err := db.FindRectifications(bg, survey.RectificationFilter{DepartmentID: link.DepartmentID, Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	var ticket *survey.Rectification
	for i := range tickets {
		if tickets[i].RatingID == ratingID {
			ticket = &tickets[i]
		}
	}
	if ticket == nil {
		t.Fatal("the bad rating opened no ticket")
	}
	cal, err := db.Calendar(bg)
	if err != nil {
		t.Fatal(err)
	}
	if want := cal.AddWorkdays(ratedAt, survey.DefaultRectificationDays); !ticket.DueAt.Equal(want) {
		t.Errorf("the ticket is due %s, want %s (15 working days after %s)", ticket.DueAt, want, ratedAt)
	}
	ticketPath := "/tickets/" + strconv.FormatInt(ticket.ID, 10)
	open(t, ctx, base, "/login")
	signIn(t, ctx, "ga", demoPassword)
	open(t, ctx, base, ticketPath)
	if h := text(t, ctx, "main"); !strings.Contains(h, "跑了两次才办好 <script>alert(1)</script>") || !strings.Contains(h, "13900001111") {
		t.Errorf("the ticket page lacks the citizen's comment as text or the phone:\n%s", h)
	}
	navigating(t, ctx, "answer the ticket",
		chromedp.SendKeys(chromedp.ID("callback_at"), time.Now().In(shanghai(t)).Add(-time.Hour).Format("01022006\t0304PM")),
		chromedp.SendKeys(chromedp.ID("callback_result"), "已电话回访，群众认可"),
		chromedp.Click(chromedp.CSS(`input[name="outcome"][value="immediate"]`)),
		chromedp.SendKeys(chromedp.ID("action"), "已告知一次性材料清单，并在窗口张贴样表。"),
		chromedp.Click(chromedp.CSS(`form[action$="/respond"] button.primary`)))
	if tk, err := db.FindRectification(bg, ticket.ID); err != nil || tk.State != "responded" || tk.Outcome != "immediate" || !tk.CallbackAt.Valid {
		t.Fatalf("after answering: %+v %v\n%s", tk, err, text(t, ctx, "main"))
	}
	screenshot(t, ctx, "ticket-answered")
	problems.check(t, "ticket")
	navigating(t, ctx, "sign out", chromedp.Click(chromedp.CSS(`form[action="/logout"] button`)))

	// The admin finds the link and prints its poster.
	open(t, ctx, base, "/login")
	signIn(t, ctx, "admin", demoPassword)
	open(t, ctx, base, "/admin/ratings")
	if h := text(t, ctx, "main"); !strings.Contains(h, "/r/"+link.Slug) || !strings.Contains(h, "满意率") {
		t.Errorf("the ratings page lacks the link or the table")
	}
	pageFits(t, ctx, "admin ratings page")
	screenshot(t, ctx, "ratings-admin")
	open(t, ctx, base, "/admin/ratings/links/"+strconv.FormatInt(link.ID, 10)+"/poster")
	screenshot(t, ctx, "rating-poster")
	problems.check(t, "admin ratings")
}

func shanghai(t *testing.T) *time.Location {
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	return loc
}
