package survey

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// The switch that lets officials read other departments' profiles starts
// off, turns on and off for one campaign only, every change leaves an audit
// row with who did it, and setting it to what it already is writes nothing.
func TestCampaignProfilesOpenStore(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *DB) {
		ctx := WithActor(context.Background(), AuditEntry{ActorName: "王考核"})
		inst := publishedInstrument(t, db)
		opens := time.Now().Add(-time.Hour).Truncate(time.Second)
		c := mustCampaign(t, db, "OPEN1", inst.ID, opens, opens.Add(48*time.Hour))
		other := mustCampaign(t, db, "OPEN2", inst.ID, opens, opens.Add(48*time.Hour))
		if c.ProfilesOpen {
			t.Fatal("a new campaign lets officials read every profile")
		}
		audits := func() []AuditEntry {
			t.Helper()
			rows, err := db.FindAudit(ctx, AuditFilter{Action: AuditCampaignProfilesOpen})
			if err != nil {
				t.Fatal(err)
			}
			return rows
		}
		state := func(id int64) bool {
			t.Helper()
			got, err := db.FindCampaignByID(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			return got.ProfilesOpen
		}
		listed := func(code string) bool {
			t.Helper()
			all, err := db.FindCampaigns(ctx)
			if err != nil {
				t.Fatal(err)
			}
			for _, x := range all {
				if x.Code == code {
					return x.ProfilesOpen
				}
			}
			t.Fatalf("%s not listed", code)
			return false
		}

		if err := db.SetCampaignProfilesOpen(ctx, c.ID, true); err != nil {
			t.Fatal(err)
		}
		if !state(c.ID) || !listed("OPEN1") {
			t.Fatal("turned on, but the campaign (or the list) still says off")
		}
		if state(other.ID) || listed("OPEN2") {
			t.Fatal("another campaign was turned on too")
		}
		rows := audits()
		if len(rows) != 1 || rows[0].ObjectType != "campaign" || rows[0].ObjectID != "OPEN1" ||
			rows[0].Detail != "off → on" || rows[0].ActorName != "王考核" {
			t.Fatalf("audit after turning on: %+v", rows)
		}

		if err := db.SetCampaignProfilesOpen(ctx, c.ID, true); err != nil {
			t.Fatal(err)
		}
		if n := len(audits()); n != 1 {
			t.Fatalf("setting the same value again wrote %d audit rows in all", n)
		}

		if err := db.SetCampaignProfilesOpen(ctx, c.ID, false); err != nil {
			t.Fatal(err)
		}
		if state(c.ID) || listed("OPEN1") {
			t.Fatal("turned off, but the campaign still says on")
		}
		if rows := audits(); len(rows) != 2 || rows[0].Detail != "on → off" {
			t.Fatalf("audit after turning off: %+v", rows)
		}

		if err := db.SetCampaignProfilesOpen(ctx, 99999, true); ErrorCode(err) != ENotFound {
			t.Fatalf("unknown campaign: %v", err)
		}
	})
}

// Only an admin turns the switch, with the page's CSRF token; the campaign
// page says in words which way it is.
func TestCampaignProfilesOpenPage(t *testing.T) {
	app := newTestApp(t)
	ctx := context.Background()
	inst := publishedInstrument(t, app.db)
	opens := time.Now().Add(-time.Hour)
	camp := mustCampaign(t, app.db, "C2026", inst.ID, opens, opens.Add(48*time.Hour))
	page := "/admin/campaigns/" + itoa(camp.ID)
	action := page + "/profiles"
	isOpen := func() bool {
		t.Helper()
		c, err := app.db.FindCampaignByID(ctx, camp.ID)
		if err != nil {
			t.Fatal(err)
		}
		return c.ProfilesOpen
	}

	admin := app.client()
	admin.signIn("admin")
	r := admin.get(page)
	if r.status != http.StatusOK || !strings.Contains(r.body, "各部门只能查看本部门的评估画像") ||
		!strings.Contains(r.body, `action="`+action+`"`) || !strings.Contains(r.body, `name="open" value="1"`) {
		t.Fatalf("admin's page does not show the switch off with a form to turn it on: %d", r.status)
	}

	t.Run("refused", func(t *testing.T) {
		for _, role := range []string{"evaluator", "official"} {
			c := app.client()
			c.signIn(role)
			if r := c.post(action, url.Values{"open": {"1"}}); r.status != http.StatusForbidden {
				t.Errorf("%s turned it on: %d", role, r.status)
			}
		}
		if r := admin.post(action, url.Values{"open": {"1"}, "csrf": {""}}); r.status != http.StatusForbidden {
			t.Errorf("admin without the CSRF token: %d", r.status)
		}
		if r := admin.post(action, url.Values{"open": {"yes"}}); r.status != http.StatusBadRequest {
			t.Errorf("a value other than 0 or 1: %d", r.status)
		}
		if isOpen() {
			t.Fatal("a refused request turned the switch on")
		}
		ev := app.client()
		ev.signIn("evaluator")
		if r := ev.get(page); !strings.Contains(r.body, "各部门只能查看本部门的评估画像") || strings.Contains(r.body, action) {
			t.Error("the evaluator should read the state but get no form")
		}
	})

	t.Run("admin turns it on and off", func(t *testing.T) {
		r := admin.post(action, url.Values{"open": {"1"}})
		if r.status != http.StatusSeeOther || r.header.Get("Location") != page {
			t.Fatalf("turn on: %d %s", r.status, r.header.Get("Location"))
		}
		if !isOpen() {
			t.Fatal("not stored")
		}
		r = admin.get(page)
		if !strings.Contains(r.body, "允许各部门查看其他部门的评估画像（仅限已发布的评估结果）") || !strings.Contains(r.body, `name="open" value="0"`) {
			t.Fatal("the page does not say the switch is on, or offers no way back")
		}
		if r := admin.post(action, url.Values{"open": {"0"}}); r.status != http.StatusSeeOther || isOpen() {
			t.Fatalf("turn off: %d, open %v", r.status, isOpen())
		}
		rows, err := app.db.FindAudit(ctx, AuditFilter{Action: AuditCampaignProfilesOpen})
		if err != nil || len(rows) != 2 || rows[0].ActorName != "admin" || rows[1].Detail != "off → on" {
			t.Fatalf("audit: %+v %v", rows, err)
		}
	})
}
