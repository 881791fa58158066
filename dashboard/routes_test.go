package dashboard

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/mux"

	"govkpi/survey"
)

// expectedRoles is the reviewed list of who may use each dashboard and API
// route. A new route fails TestDashboardRoutesReviewed until it is here.
var expectedRoles = map[string]string{
	"dashboard.run": "admin,evaluator,official", "dashboard.run.csv": "admin,evaluator,official",
	"dashboard.department": "admin,evaluator,official", "dashboard.department.csv": "admin,evaluator,official",
	"dashboard.provenance": "admin,evaluator,official",
	"dashboard.compare":    "admin,evaluator", "dashboard.compare.csv": "admin,evaluator",
	"dashboard.uncertainty": "admin,evaluator", "dashboard.uncertainty.csv": "admin,evaluator",
	"dashboard.methodology": "admin,evaluator,official", "dashboard.methodology.csv": "admin,evaluator,official",
	"dashboard.quality": "admin,evaluator", "dashboard.quality.csv": "admin,evaluator",
	"export.scorecard": "admin,evaluator,official", "export.scorecard.pdf": "admin,evaluator,official",
	"export.scorecard.xlsx": "admin,evaluator,official", "export.run.xlsx": "admin,evaluator",
	"export.run.csv": "admin,evaluator", "export.print": "public",
	"export.report": "admin,evaluator,official", "export.report.pdf": "admin,evaluator,official",
	"export.job.create": "admin,evaluator", "export.job": "admin,evaluator",
	"export.job.status": "admin,evaluator", "export.job.download": "admin,evaluator",
	"api.campaigns": "admin,evaluator", "api.campaign.runs": "admin,evaluator", "api.run": "admin,evaluator",
	"api.run.scores": "admin,evaluator", "api.run.department": "admin,evaluator",
	"api.run.indicators": "admin,evaluator", "api.run.methodology": "admin,evaluator",
}

func TestDashboardRoutesReviewed(t *testing.T) {
	db, err := survey.Open(context.Background(), filepath.Join(t.TempDir(), "r.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	srv, err := survey.NewServer(db, slog.New(slog.NewTextHandler(io.Discard, nil)), survey.ServerConfig{
		IdleTimeout: time.Hour, SessionMax: time.Hour, Version: "test"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	t.Cleanup(Register(srv).Close)
	seen := map[string]bool{}
	err = srv.Router().Walk(func(rt *mux.Route, _ *mux.Router, _ []*mux.Route) error {
		name := rt.GetName()
		if !strings.HasPrefix(name, "dashboard.") && !strings.HasPrefix(name, "api.") && !strings.HasPrefix(name, "export.") {
			return nil
		}
		seen[name] = true
		methods, _ := rt.GetMethods()
		if !slices.Equal(methods, []string{"GET"}) && name != "export.job.create" {
			t.Errorf("%s answers %v: the dashboard and the API only read", name, methods)
		}
		p, ok := srv.PolicyOf(name)
		if ok && p.Public && expectedRoles[name] == "public" {
			return nil
		}
		if !ok || p.Public || p.AnyRole {
			t.Errorf("%s: policy %+v, want named roles", name, p)
			return nil
		}
		var roles []string
		for _, r := range p.Roles {
			roles = append(roles, string(r))
		}
		slices.Sort(roles)
		if want, ok := expectedRoles[name]; !ok {
			t.Errorf("route %q is not in expectedRoles: decide its roles", name)
		} else if got := strings.Join(roles, ","); got != want {
			t.Errorf("%s admits %s, want %s", name, got, want)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for name := range expectedRoles {
		if !seen[name] {
			t.Errorf("expectedRoles names %q, which is not registered", name)
		}
	}
}

// clickLinks decodes a chart's click-through map from its page: item name
// to the full path dashboard.js opens.
func clickLinks(t *testing.T, doc string) map[string]string {
	t.Helper()
	var d struct {
		Prefix string            `json:"prefix"`
		Items  map[string]string `json:"items"`
	}
	if err := json.Unmarshal([]byte(doc), &d); err != nil {
		t.Fatalf("click map %q: %v", doc, err)
	}
	out := map[string]string{}
	for k, v := range d.Items {
		out[k] = d.Prefix + v
	}
	return out
}
