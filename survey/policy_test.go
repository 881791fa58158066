package survey

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/mux"

	"govkpi/survey/instrument"
)

// expectedPolicy is the reviewed list of who may use each route. A new route
// fails this test until it is added here, so nobody adds a route without
// deciding its roles.
var expectedPolicy = map[string]string{
	"healthz": "public", "root": "public", "lang": "public", "login": "public", "login.post": "public",
	"rate": "public", "rate.post": "public", "rate.thanks": "public",
	"logout": "signed-in", "home": "signed-in", "me": "signed-in", "me.password": "signed-in", "me.lang": "signed-in",
	"departments": "admin", "department.new": "admin", "department.create": "admin", "department.edit": "admin",
	"department.update": "admin", "department.active": "admin", "department.import.form": "admin",
	"department.import": "admin", "department.template": "admin",
	"accounts": "admin", "account.new": "admin", "account.create": "admin", "account.disabled": "admin",
	"account.reset": "admin", "account.reset.post": "admin", "audit": "admin",
	"tokens": "admin", "token.create": "admin", "token.revoke": "admin",
	"instruments": "admin", "instrument.upload": "admin", "instrument": "admin", "instrument.publish": "admin",
	"campaigns": "admin,evaluator", "campaign.new": "admin", "campaign.create": "admin", "campaign": "admin,evaluator",
	"frameworks": "admin,evaluator", "framework.upload": "admin", "framework": "admin,evaluator",
	"framework.yaml": "admin,evaluator", "framework.weights": "admin", "framework.weights.post": "admin",
	"ahp.create": "admin", "ahp.rounds": "admin,evaluator", "ahp.round": "admin,evaluator",
	"ahp.submit": "admin,evaluator", "ahp.check": "admin,evaluator", "ahp.close": "admin",
	"campaign.assign": "admin", "campaign.status": "admin", "campaign.profiles": "admin", "campaign.missing": "admin,evaluator",
	"campaign.responses.csv": "admin,evaluator", "campaign.responses.xlsx": "admin,evaluator",
	"review": "admin,evaluator", "review.decide": "admin",
	"calendar": "admin", "calendar.save": "admin",
	"runs": "admin,evaluator", "runs.compute": "admin", "run": "admin,evaluator", "run.publish": "admin",
	"imports": "admin", "imports.metrics": "admin", "imports.ratings": "admin", "imports.rollback": "admin",
	"imports.template.xlsx": "admin", "imports.template.csv": "admin", "imports.ratings.template": "admin",
	"tickets": "admin,evaluator,official", "ticket": "admin,evaluator,official", "ticket.respond": "official", "ticket.review": "admin",
	"ratings": "admin", "rating.link.create": "admin", "rating.poster": "admin", "rating.qr.png": "admin", "rating.qr.svg": "admin", "ratings.list": "admin,evaluator,official",
	"fill": "official", "fill.post": "official", "fill.receipt": "official", "fill.autosave": "official",
}

func policyName(p Policy) string {
	switch {
	case p.Public:
		return "public"
	case p.AnyRole:
		return "signed-in"
	}
	var rs []string
	for _, r := range p.Roles {
		rs = append(rs, string(r))
	}
	return strings.Join(rs, ",")
}

type routeInfo struct {
	name, path, method string
}

func walkRoutes(t *testing.T, s *Server) []routeInfo {
	var out []routeInfo
	err := s.Router().Walk(func(rt *mux.Route, _ *mux.Router, _ []*mux.Route) error {
		tpl, _ := rt.GetPathTemplate()
		methods, _ := rt.GetMethods()
		if len(methods) == 0 {
			t.Errorf("route %s (%s) accepts every method", rt.GetName(), tpl)
		}
		for _, m := range methods {
			out = append(out, routeInfo{name: rt.GetName(), path: tpl, method: m})
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestEveryRouteHasReviewedPolicy(t *testing.T) {
	app := newTestApp(t)
	seen := map[string]bool{}
	for _, rt := range walkRoutes(t, app.srv) {
		seen[rt.name] = true
		p, ok := app.srv.PolicyOf(rt.name)
		if rt.name == "" || !ok {
			t.Errorf("route %s %s has no policy", rt.method, rt.path)
			continue
		}
		if want, ok := expectedPolicy[rt.name]; !ok {
			t.Errorf("route %q (%s %s) is not in expectedPolicy: decide its roles", rt.name, rt.method, rt.path)
		} else if got := policyName(p); got != want {
			t.Errorf("route %q admits %s, want %s", rt.name, got, want)
		}
	}
	for name := range expectedPolicy {
		if !seen[name] {
			t.Errorf("expectedPolicy names %q, which no longer exists", name)
		}
	}
}

// TestUnguardedRouteDenied shows deny-by-default: a handler registered on the
// router without a policy is refused for everyone.
func TestUnguardedRouteDenied(t *testing.T) {
	app := newTestApp(t)
	app.srv.Router().HandleFunc("/unguarded", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("leak")) }).Methods("GET")
	c := app.client()
	c.signIn("admin")
	if r := c.get("/unguarded"); r.status != http.StatusForbidden || strings.Contains(r.body, "leak") {
		t.Fatalf("route without policy answered %d", r.status)
	}
}

// TestRoleRouteMatrix calls every route as every role and as a signed-out
// client, and checks each is let in or refused exactly as its policy says.
func TestRoleRouteMatrix(t *testing.T) {
	app := newTestApp(t)
	ctx := context.Background()
	dept, _ := app.db.FindDepartmentByCode(ctx, "LJ-GA")
	acct, _ := app.db.FindAccountByUsername(ctx, "official2")
	defaults, _ := instrument.DefaultInstruments()
	inst, err := app.db.ImportInstrument(ctx, defaults["citizen"], "yaml", "citizen.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if err := app.db.PublishInstrument(ctx, inst.ID); err != nil {
		t.Fatal(err)
	}
	opens := time.Now().Add(-time.Hour)
	camp, err := app.db.CreateCampaign(ctx, CampaignInput{Code: "C2026", NameZh: "2026年度考核", Period: "2026年度",
		InstrumentID: inst.ID, OpensAt: opens, ClosesAt: opens.Add(30 * 24 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := app.db.AssignDepartments(ctx, camp.ID, DepartmentSelection{Codes: []string{"LJ-ZSJ"}}); err != nil {
		t.Fatal(err)
	}
	if err := app.db.SetCampaignStatus(ctx, camp.ID, "open"); err != nil {
		t.Fatal(err)
	}
	assigned, err := app.db.CampaignAssignments(ctx, camp.ID)
	if err != nil || len(assigned) != 1 {
		t.Fatalf("assignments: %v %v", assigned, err)
	}
	link, err := app.db.CreateRatingLink(ctx, "LJ-GA", "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := app.db.AddRating(ctx, RatingInput{DepartmentID: link.DepartmentID, LinkID: link.ID, Channel: "window", Level: 1}, nil); err != nil {
		t.Fatal(err)
	}
	tickets, err := app.db.FindRectifications(ctx, RectificationFilter{})
	if err != nil || len(tickets) != 1 {
		t.Fatalf("tickets %v %v", tickets, err)
	}
	ticket := tickets[0]
	ids := map[string]string{"department": itoa(dept.ID), "account": itoa(acct.ID), "instrument": itoa(inst.ID), "campaign": itoa(camp.ID),
		"assignment": itoa(assigned[0].ID), "rating_link": itoa(link.ID), "ticket": itoa(ticket.ID)}
	roles := []string{"anonymous", "admin", "evaluator", "official"}
	for _, rt := range walkRoutes(t, app.srv) {
		path := rt.path
		if strings.Contains(path, "{id") {
			kind := "department"
			if strings.HasPrefix(path, "/admin/accounts") {
				kind = "account"
			}
			if strings.HasPrefix(path, "/admin/instruments") {
				kind = "instrument"
			}
			if strings.HasPrefix(path, "/admin/campaigns") {
				kind = "campaign"
			}
			if strings.HasPrefix(path, "/tickets/") {
				kind = "ticket"
			}
			if strings.HasPrefix(path, "/admin/ratings/links") {
				kind = "rating_link"
			}
			if strings.HasPrefix(path, "/fill/") || strings.HasPrefix(path, "/admin/assignments") {
				kind = "assignment"
			}
			path = path[:strings.Index(path, "{id")] + ids[kind] + path[strings.Index(path, "}")+1:]
		}
		p, _ := app.srv.PolicyOf(rt.name)
		for _, role := range roles {
			c := app.client()
			var u *Account
			if role != "anonymous" {
				c.signIn(role)
				u, _ = app.db.FindAccountByUsername(ctx, role)
			}
			var r resp
			if rt.method == http.MethodPost {
				r = c.post(path, url.Values{})
			} else {
				r = c.get(path)
			}
			// A refusal by the policy is the error page (a failed sign-in is
			// the sign-in form again, also 401, but that is the handler's answer).
			refused := ((r.status == http.StatusForbidden || r.status == http.StatusUnauthorized) && strings.Contains(r.body, `class="error-page"`)) ||
				(r.status == http.StatusSeeOther && strings.HasPrefix(r.header.Get("Location"), "/login?next="))
			if p.Admits(u) == refused {
				t.Errorf("%s %s as %s: status %d %s (policy %s)", rt.method, path, role, r.status, r.header.Get("Location"), policyName(p))
			}
		}
	}
	entries, _ := app.db.FindAudit(ctx, AuditFilter{Action: "authz.", Limit: 500})
	if len(entries) == 0 {
		t.Error("refusals were not audited")
	}
}
