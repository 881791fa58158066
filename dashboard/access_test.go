package dashboard

import (
	"context"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"govkpi/static"
)

// readerOnly matches what a profile shows admins and evaluators only: the
// compare-with-peers button and links to admin pages (both refuse
// officials), and the department's open tickets (the tickets' own rule
// shows an official only their own department's).
var readerOnly = []*regexp.Regexp{
	regexp.MustCompile(`<div class="actions"><a class="button secondary" href="[^"]*/compare\?[^"]*">[^<]*</a></div>`),
	regexp.MustCompile(`<p><a href="/admin/[^"]*">[^<]*</a></p>`),
	regexp.MustCompile(`(?s)<section class="card" aria-labelledby="tickets-title">.*?</section>`),
}

// mainContent is the page's <main> without what only readers see, its
// white space collapsed.
func mainContent(t *testing.T, body string) string {
	t.Helper()
	m := regexp.MustCompile(`(?s)<main[^>]*>(.*)</main>`).FindStringSubmatch(body)
	if m == nil {
		t.Fatal("no <main> in the page")
	}
	s := m[1]
	for _, re := range readerOnly {
		s = re.ReplaceAllString(s, "")
	}
	return strings.Join(strings.Fields(s), " ")
}

// sameContent fails the test when two pages' main contents differ, showing
// where.
func sameContent(t *testing.T, what, got, want string) {
	t.Helper()
	a, b := mainContent(t, got), mainContent(t, want)
	if a == b {
		return
	}
	i := 0
	for i < min(len(a), len(b)) && a[i] == b[i] {
		i++
	}
	t.Errorf("%s: the official's page differs from the evaluator's at\n…%s…\nwant\n…%s…", what,
		a[max(0, i-100):min(len(a), i+100)], b[max(0, i-100):min(len(b), i+100)])
}

// An official (LJ-C) reads another department's (LJ-A's) profile and
// provenance only in a published run of a campaign whose admin turned the
// switch on; the switch is read afresh on every request, so a change takes
// effect at once although the run's model (and the campaign in it) is
// cached.
func TestAccessOfficialReadsOtherProfiles(t *testing.T) {
	ts, runID, db := testRunDB(t)
	ctx := context.Background()
	camps, err := db.FindCampaigns(ctx)
	if err != nil || len(camps) != 1 {
		t.Fatalf("campaigns: %v %v", camps, err)
	}
	campID := camps[0].ID
	if camps[0].ProfilesOpen {
		t.Fatal("the switch starts on")
	}
	base := ts.URL + "/dashboard/runs/" + itoa(runID) + "/departments/"
	other, own := base+"LJ-A", base+"LJ-C"

	evaluator := signedIn(t, ts, "evaluator")
	status, evProfile := get(t, evaluator, other)
	if status != http.StatusOK {
		t.Fatalf("evaluator, LJ-A: %d", status)
	}
	link := regexp.MustCompile(`href="(/dashboard/runs/` + itoa(runID) + `/departments/LJ-A/indicators/[^"]+)"`).FindStringSubmatch(evProfile)
	if link == nil {
		t.Fatal("the profile links no indicator's provenance")
	}
	prov := ts.URL + link[1]

	official := signedIn(t, ts, "official")
	expect := func(step string, want int, urls ...string) {
		t.Helper()
		for _, u := range urls {
			if status, _ := get(t, official, u); status != want {
				t.Errorf("%s: official GET %s: %d, want %d", step, strings.TrimPrefix(u, ts.URL), status, want)
			}
		}
	}
	setOpen := func(open bool) {
		t.Helper()
		if err := db.SetCampaignProfilesOpen(ctx, campID, open); err != nil {
			t.Fatal(err)
		}
	}

	expect("draft, switch off", http.StatusNotFound, other, prov, own)

	if err := db.PublishAssessment(ctx, runID); err != nil {
		t.Fatal(err)
	}
	expect("published, switch off", http.StatusOK, own)
	expect("published, switch off", http.StatusNotFound, other, prov, other+"/indicators.csv", base+"LJ-NONE")

	setOpen(true)
	expect("published, switch on", http.StatusOK, other, prov, other+"/indicators.csv", own)
	expect("published, switch on, unknown department", http.StatusNotFound, base+"LJ-NONE")

	// What the official reads is what the evaluator reads, less the links
	// and tickets only readers may follow; LJ-A's hostile name stays text.
	_, evProfile = get(t, evaluator, other)
	_, offProfile := get(t, official, other)
	if !strings.Contains(mainContent(t, offProfile), `type="application/json"`) || !strings.Contains(evProfile, "/compare?") {
		t.Fatal("the profiles compared lack their charts, or the evaluator's lacks the compare button")
	}
	sameContent(t, "LJ-A's profile", offProfile, evProfile)
	if strings.Contains(offProfile, "tickets-title") || strings.Contains(offProfile, `href="/admin/`) {
		t.Error("an official reading another department's profile sees its tickets or links to admin pages")
	}
	if strings.Contains(offProfile, "<script>alert(1)") || !strings.Contains(offProfile, "&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;") {
		t.Error("LJ-A's hostile name is not inert text on the official's page")
	}
	_, evProv := get(t, evaluator, prov)
	_, offProv := get(t, official, prov)
	sameContent(t, "LJ-A's provenance", offProv, evProv)

	// Scoring again makes a draft: hidden from the official, switch or not.
	draft, err := db.ComputeAssessment(ctx, campID)
	if err != nil {
		t.Fatal(err)
	}
	if draft.ID == runID || draft.Published() {
		t.Fatalf("recomputing gave run %d (%s)", draft.ID, draft.State)
	}
	draftBase := ts.URL + "/dashboard/runs/" + itoa(draft.ID) + "/departments/"
	expect("draft, switch on", http.StatusNotFound, draftBase+"LJ-A", draftBase+"LJ-C")

	// Turned off: refused on the very next request to the cached run.
	setOpen(false)
	expect("switch off again", http.StatusNotFound, other, prov, other+"/indicators.csv")
	expect("switch off again, own department", http.StatusOK, own)

	// The same for a model cached while the switch was on: the newer run,
	// published and read with the switch on, then the switch turned off.
	setOpen(true)
	if err := db.PublishAssessment(ctx, draft.ID); err != nil {
		t.Fatal(err)
	}
	expect("newer run published, switch on", http.StatusOK, draftBase+"LJ-A")
	setOpen(false)
	expect("newer run, switch turned off", http.StatusNotFound, draftBase+"LJ-A")
	expect("newer run, switch turned off, own department", http.StatusOK, draftBase+"LJ-C")
}

// The overview's heatmap and quadrant hold every department's indicator
// and family scores, which is what a profile holds: an official sees them,
// and their CSVs, only where the campaign opens profiles to officials.
func TestAccessOfficialOverviewDetails(t *testing.T) {
	ts, runID, db := testRunDB(t)
	ctx := context.Background()
	if err := db.PublishAssessment(ctx, runID); err != nil {
		t.Fatal(err)
	}
	run, err := db.FindAssessmentRun(ctx, runID)
	if err != nil {
		t.Fatal(err)
	}
	official, evaluator := signedIn(t, ts, "official"), signedIn(t, ts, "evaluator")
	path := ts.URL + "/dashboard/runs/" + itoa(runID)
	check := func(what string, cl *http.Client, want bool) {
		t.Helper()
		status, body := get(t, cl, path)
		if status != http.StatusOK {
			t.Fatalf("%s: overview %d", what, status)
		}
		if got := strings.Contains(body, `id="chart-heatmap"`); got != want {
			t.Errorf("%s: heatmap on the page %v, want %v", what, got, want)
		}
		if status, _ := get(t, cl, path+"/heatmap.csv"); (status == http.StatusOK) != want {
			t.Errorf("%s: heatmap.csv %d", what, status)
		}
		if status, _ := get(t, cl, path+"/ranking.csv"); status != http.StatusOK {
			t.Errorf("%s: ranking.csv %d", what, status)
		}
	}
	check("evaluator", evaluator, true)
	check("official, profiles closed", official, false)
	if err := db.SetCampaignProfilesOpen(ctx, run.CampaignID, true); err != nil {
		t.Fatal(err)
	}
	check("official, profiles open", official, true)
}

// A radar compared with a peer group of two would show the mean of the
// department and its one peer, giving the other department's scores
// away: it compares with everyone instead, and says so.
func TestProfileRadarSmallPeerGroup(t *testing.T) {
	m := syntheticModel(t, 5) // groups by level: city 0, 2, 4; district 1, 3
	cat, err := static.NewCatalogue()
	if err != nil {
		t.Fatal(err)
	}
	r, err := static.NewRenderer(cat, static.NewAssets(), nil)
	if err != nil {
		t.Fatal(err)
	}
	pr := newProfiler(m, r.NewPage("en"))
	for _, c := range []struct {
		unit int
		want string
	}{{0, "prof.peer_median"}, {1, "prof.run_median"}} {
		radar := pr.profileRadar(c.unit)
		if want := cat.T("en", c.want); radar.Head[2] != want {
			t.Errorf("unit %d (group %q): radar compares with %q, want %q", c.unit, m.Table.Units[c.unit].Group, radar.Head[2], want)
		}
	}
}
