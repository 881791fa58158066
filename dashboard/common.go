package dashboard

import (
	"context"
	"encoding/csv"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"

	"github.com/gorilla/mux"

	"govkpi/static"
	"govkpi/survey"
)

// allowed says whether the signed-in account may see run m's page about
// department dept ("" for a page about the whole run). Admins and
// evaluators see everything. An official sees only published runs: their
// overview and methodology, and their own department's profile; another
// department's profile and provenance only while the run's campaign lets
// officials read every department's (Campaign.ProfilesOpen). That switch
// is read from the database on each such request, since m and its
// campaign are cached and an admin may have just turned it off. A
// department an official may not see is not found, so a code cannot be
// probed.
func (p *pages) allowed(r *http.Request, m *Model, dept string) error {
	return p.allowedFor(r.Context(), survey.CurrentAccount(r.Context()), m, dept)
}

// allowedFor is allowed's rule for account a (nil when nobody is signed
// in): the request's own, or the one a print token names.
func (p *pages) allowedFor(ctx context.Context, a *survey.Account, m *Model, dept string) error {
	if a == nil {
		return survey.Errorf(survey.EForbidden, "err.forbidden")
	}
	switch a.Role {
	case survey.RoleAdmin, survey.RoleEvaluator:
		return nil
	case survey.RoleOfficial:
		if !m.Run.Published() {
			return survey.Errorf(survey.ENotFound, "err.not_found")
		}
		if dept == "" || dept == a.DepartmentCode {
			return nil
		}
		c, err := p.s.DB.FindCampaignByID(ctx, m.Run.CampaignID)
		if err != nil {
			return err
		}
		if c.ProfilesOpen {
			return nil
		}
		return survey.Errorf(survey.ENotFound, "err.not_found")
	}
	return survey.Errorf(survey.EForbidden, "err.forbidden")
}

// detailsVisible says whether the reader may see every department's
// family and indicator scores on a whole-run page (the overview's heatmap
// and quadrant): admins and evaluators may; an official only when the
// campaign opens departments' profiles to officials (read fresh), since
// those charts hold what a profile holds. Call it after allowed.
func (p *pages) detailsVisible(r *http.Request, m *Model) (bool, error) {
	a := survey.CurrentAccount(r.Context())
	if a == nil || a.Role != survey.RoleOfficial {
		return a != nil, nil
	}
	c, err := p.s.DB.FindCampaignByID(r.Context(), m.Run.CampaignID)
	if err != nil {
		return false, err
	}
	return c.ProfilesOpen, nil
}

// pages holds what every dashboard page needs: the server and the models
// of the runs read lately.
type pages struct {
	s       *survey.Server
	models  *models
	trends  *trends
	printer *printer // scorecard PDFs, in a headless Chromium started on first use
}

// trends keeps the scores of the published runs that overviews' trends
// read: a published run never changes, so its scores are read from its
// document once, not on every page.
type trends struct {
	db  *survey.DB
	max int

	mu   sync.Mutex
	kept map[int64]survey.TrendRun
}

func newTrends(db *survey.DB, max int) *trends {
	return &trends{db: db, max: max, kept: map[int64]survey.TrendRun{}}
}

// runs returns the trend's other runs for campaignID, as
// survey.DB.TrendRuns does, reading only the documents it lacks.
func (tr *trends) runs(ctx context.Context, campaignID int64) ([]survey.TrendRun, error) {
	heads, err := tr.db.TrendHeads(ctx, campaignID)
	if err != nil {
		return nil, err
	}
	for i := range heads {
		tr.mu.Lock()
		kept, ok := tr.kept[heads[i].RunID]
		tr.mu.Unlock()
		if ok {
			heads[i].Units, heads[i].Index, heads[i].Families = kept.Units, kept.Index, kept.Families
			continue
		}
		if err := tr.db.ReadTrendScores(ctx, &heads[i]); err != nil {
			return nil, err
		}
		tr.mu.Lock()
		if len(tr.kept) >= tr.max {
			for id := range tr.kept { // any one: a trend reads a few runs
				delete(tr.kept, id)
				break
			}
		}
		tr.kept[heads[i].RunID] = heads[i]
		tr.mu.Unlock()
	}
	return heads, nil
}

// model returns the model of the run named by the route's id.
// An official asking for a draft is refused from the run's head, before
// a model is built: building one costs hundreds of milliseconds at scale,
// and a slower refusal would tell that the draft exists.
func (p *pages) model(r *http.Request) (*Model, error) {
	id, err := strconv.ParseInt(mux.Vars(r)["id"], 10, 64)
	if err != nil {
		return nil, survey.Errorf(survey.ENotFound, "err.not_found")
	}
	if a := survey.CurrentAccount(r.Context()); a != nil && a.Role == survey.RoleOfficial {
		head, err := p.s.DB.FindAssessmentRunHead(r.Context(), id)
		if err != nil {
			return nil, err
		}
		if !head.Published() {
			return nil, survey.Errorf(survey.ENotFound, "err.not_found")
		}
	}
	return p.models.Load(r.Context(), id)
}

// ChartView is one chart on a page: its ECharts options for dashboard.js,
// its numbers for the table under it, and where its CSV is. Pages show it
// with {{template "chart" .}} (templates/_chart.html).
type ChartView struct {
	ID      string
	Title   string
	Note    string // a sentence under the title: how to read the chart
	Options map[string]any
	Head    []string
	Rows    [][]string
	CSV     string // URL of the CSV of Rows; "" for none
	Height  int    // pixels
	// Links, when set, has one URL per row (or ""): the cell in column
	// LinkCol links to it, usually a department's profile.
	Links   []string
	LinkCol int
	// Click maps a data item's name (a department's name) to the URL a
	// click on it opens; dashboard.js follows only same-site paths.
	Click  map[string]string
	Labels ChartLabels
	// Set by labelled: Click as the page sends it, and how many rows the
	// table had before it was cut to TableMax.
	ClickDoc *clickDoc
	AllRows  int
}

// TableMax is how many rows a chart's table shows on its page; a longer
// table shows its first TableMax rows and says that the CSV has them all
// (5,000 rows of HTML help nobody and cost the page most of its time).
const TableMax = 200

// clickDoc is a chart's click-through map as dashboard.js reads it: each
// item's path is Prefix + Items[name], so 5,000 departments do not repeat
// the run's path 5,000 times.
type clickDoc struct {
	Prefix string            `json:"prefix"`
	Items  map[string]string `json:"items"`
}

// compactLinks factors the longest common prefix, up to a slash, out of
// the paths of links.
func compactLinks(links map[string]string) *clickDoc {
	prefix, first := "", true
	for _, v := range links {
		if first {
			prefix, first = v, false
			continue
		}
		n := 0
		for n < len(prefix) && n < len(v) && prefix[n] == v[n] {
			n++
		}
		prefix = prefix[:n]
	}
	prefix = prefix[:strings.LastIndexByte(prefix, '/')+1]
	d := &clickDoc{Prefix: prefix, Items: make(map[string]string, len(links))}
	for k, v := range links {
		d.Items[k] = v[len(prefix):]
	}
	return d
}

// ChartLabels are the translated words of a chart card.
type ChartLabels struct {
	Table string
	CSV   string
	Cut   string // "the first 200 of 5,000 rows: the CSV has them all", when cut
}

// labelled returns the charts ready for their page: card words in the
// page's language, the click map compacted, and tables cut to TableMax
// rows (the CSV keeps every row).
func labelled(page *static.Page, cs ...ChartView) []ChartView {
	for i := range cs {
		c := &cs[i]
		c.Labels = ChartLabels{Table: page.T("dash.data_table"), CSV: page.T("dash.csv")}
		if len(c.Click) > 0 {
			c.ClickDoc = compactLinks(c.Click)
		}
		c.AllRows = len(c.Rows)
		if len(c.Rows) > TableMax {
			c.Labels.Cut = page.T("dash.table_cut", TableMax, c.AllRows)
			c.Rows = c.Rows[:TableMax]
			if len(c.Links) > TableMax {
				c.Links = c.Links[:TableMax]
			}
		}
	}
	return cs
}

// serveCSV writes a chart's head and rows as a CSV download named
// name.csv: UTF-8 with a BOM for Excel, CRLF line ends, formula-like cells
// neutralised (head cells too: they can carry department names).
func serveCSV(w http.ResponseWriter, name string, c ChartView) {
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`.csv"`)
	w.Write([]byte("\xef\xbb\xbf"))
	cw := csv.NewWriter(w)
	cw.UseCRLF = true
	head := make([]string, len(c.Head))
	for i, cell := range c.Head {
		head[i] = survey.CSVCell(cell)
	}
	cw.Write(head)
	for _, row := range c.Rows {
		safe := make([]string, len(row))
		for i, cell := range row {
			safe[i] = survey.CSVCell(cell)
		}
		cw.Write(safe)
	}
	cw.Flush()
}

// palette is colour-blind-safe (Okabe and Ito), one colour per band from
// the lowest; dashboard.js adds decal patterns so print and colour-blind
// readers can tell bands apart without colour.
var palette = []string{"#D55E00", "#E69F00", "#F0E442", "#56B4E9", "#009E73", "#0072B2", "#CC79A7"}

// profileURL is the address of a department's profile in run id.
func profileURL(id int64, code string) string {
	return "/dashboard/runs/" + strconv.FormatInt(id, 10) + "/departments/" + url.PathEscape(code)
}
