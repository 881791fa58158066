package dashboard

import (
	"cmp"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/go-echarts/go-echarts/v2/charts"
	"github.com/go-echarts/go-echarts/v2/opts"
	"github.com/gorilla/mux"

	"govkpi/scoring"
	"govkpi/static"
	"govkpi/survey"
)

// The overview of one assessment run (/dashboard/runs/{id}): KPI tiles, the
// ranking coloured by band, the band distribution, each family's spread by
// category, the efficiency × satisfaction quadrant, the departments ×
// indicators heatmap, the trend over periods and the roll-up of departments
// to their parent. The URL's level, category and group narrow every chart,
// tile and CSV, so a view is a link to share. Every chart has its numbers
// in a table under it and as CSV (/dashboard/runs/{id}/{chart}.csv, with the
// page's query), exactly what the chart shows.
//
// With 5,000 departments a page is built in O(departments × indicators):
// the run's order is the ranking, so nothing is sorted per department, and
// the only query is the trend's.

// Overview sizes.
const (
	rankingEnds      = 15     // the ranking shows the best and the worst this many by default
	heatmapRows      = 50     // departments on a heatmap page at most
	overviewMaxCells = 20_000 // data cells a chart may send
	ovNoCategory     = "—"    // the category of a department that has none
	sharingCode      = "SH"   // the families the quadrant plots, by code
	satisfactionCode = "SA"
	efficiencyCode   = "EF"
)

// ovViridis is a sequential ramp that reads in grey and to colour-blind eyes.
var ovViridis = []string{"#440154", "#3B528B", "#21918C", "#5EC962", "#FDE725"}

// overviewFilter is what the URL narrows the overview to, and which view
// of the long charts it shows.
type overviewFilter struct {
	Level, Category, Group string
	All                    bool // the whole ranking, not its ends
	HPage                  int  // heatmap page, from 1
}

func ovParseFilter(q url.Values) overviewFilter {
	f := overviewFilter{Level: q.Get("level"), Category: q.Get("category"), Group: q.Get("group"), All: q.Get("all") == "1"}
	f.HPage, _ = strconv.Atoi(q.Get("hpage"))
	f.HPage = max(f.HPage, 1)
	return f
}

// query is the filter as a query string ("" or starting with "?"), with
// the ranking's view and heatmap page when they are not the defaults.
func (f overviewFilter) query() string {
	q := url.Values{}
	for k, v := range map[string]string{"level": f.Level, "category": f.Category, "group": f.Group} {
		if v != "" {
			q.Set(k, v)
		}
	}
	if f.All {
		q.Set("all", "1")
	}
	if f.HPage > 1 {
		q.Set("hpage", strconv.Itoa(f.HPage))
	}
	if len(q) == 0 {
		return ""
	}
	return "?" + q.Encode()
}

// Active reports whether the filter leaves departments out.
func (f overviewFilter) Active() bool { return f.Level != "" || f.Category != "" || f.Group != "" }

// overview is one request's view of a run: the model, the filter, and the
// departments it keeps in the run's order (ranked first, best first).
type overview struct {
	m      *Model
	lang   string
	t      func(string, ...any) string
	f      overviewFilter
	base   string // the overview's path
	units  []survey.RunUnit
	idx    []int // each kept unit's index in the model's table and result
	scored int   // the first scored units of units are the ranked ones
	// details: the reader may see every department's family and
	// indicator scores (the quadrant and the heatmap); an official may
	// not unless the campaign opens profiles to officials.
	details bool
}

// loadOverview reads the run named by the route, checks the account may
// see it and keeps the departments the URL's filter admits.
func (p *pages) loadOverview(r *http.Request) (*overview, error) {
	m, err := p.model(r)
	if err != nil {
		return nil, err
	}
	if err := p.allowed(r, m, ""); err != nil {
		return nil, err
	}
	details, err := p.detailsVisible(r, m)
	if err != nil {
		return nil, err
	}
	o := newOverview(m, survey.Lang(r.Context()), p.s.Page(r, "").T, ovParseFilter(r.URL.Query()))
	o.details = details
	return o, nil
}

// newOverview keeps the model's departments that f admits, in the run's
// order.
func newOverview(m *Model, lang string, t func(string, ...any) string, f overviewFilter) *overview {
	o := &overview{m: m, lang: lang, t: t, f: f, base: "/dashboard/runs/" + strconv.FormatInt(m.Run.ID, 10)}
	for _, u := range m.Outcome.Units {
		i, ok := m.UnitIndex(u.Code)
		if !ok || !o.keeps(u.Code, m.Table.Units[i].Group) {
			continue
		}
		o.units = append(o.units, u)
		o.idx = append(o.idx, i)
		if u.Score != nil {
			o.scored++
		}
	}
	return o
}

// keeps reports whether the filter admits the department with code in
// peer group group; a value the run does not have admits nobody.
func (o *overview) keeps(code, group string) bool {
	d := o.m.Depts[code]
	return (o.f.Level == "" || d.Level == o.f.Level) &&
		(o.f.Category == "" || d.Category == o.f.Category) &&
		(o.f.Group == "" || group == o.f.Group)
}

// Page data.

type runView struct {
	ShowHeat  bool // the heatmap is for readers who may see every department's details
	Run       *survey.AssessmentRun
	Campaign  *survey.Campaign
	Base      string
	Filter    overviewFilter
	Levels    []string
	Cats      []string
	Groups    []string
	Mean      string
	Scored    int
	Units     int
	Bands     []bandCount
	Response  string // "counted / assigned (percent)"
	Coverage  string // share of the table's cells with a value
	Change    string // mean now minus the previous period's, "" for none
	Previous  string // the previous period
	Ranking   ChartView
	RankEnds  bool   // the ranking shows its ends only
	AllURL    string // the whole ranking
	EndsURL   string // back to the ends
	Grid      []ChartView
	Heatmap   ChartView
	HeatFrom  int
	HeatTo    int
	HeatTotal int
	HeatPrev  string
	HeatNext  string
}

type bandCount struct {
	Name string
	N    int
}

func (p *pages) handleRun(w http.ResponseWriter, r *http.Request) {
	o, err := p.loadOverview(r)
	if err != nil {
		p.s.Fail(w, r, err)
		return
	}
	trend, err := p.trends.runs(r.Context(), o.m.Run.CampaignID)
	if err != nil {
		p.s.Fail(w, r, err)
		return
	}
	page := p.s.Page(r, "title.dashboard_run")
	page.Data = o.view(page, trend)
	p.s.RenderPage(w, r, http.StatusOK, "dashboard_run", page)
}

// view is the whole page: its tiles and charts, with the trend's other
// runs.
func (o *overview) view(page *static.Page, trend []survey.TrendRun) runView {
	v := runView{Run: o.m.Run, Campaign: o.m.Campaign, Base: o.base, Filter: o.f, Units: len(o.units), Scored: o.scored}
	v.Levels, v.Cats, v.Groups = o.choices()
	if mean, ok := o.mean(); ok {
		v.Mean = strconv.FormatFloat(mean, 'f', 1, 64)
	}
	v.Response, v.Coverage = o.coverage()
	points := o.trendPoints(trend)
	if prev, ok := ovPrevious(points); ok {
		cur, _ := o.mean()
		if v.Mean != "" && !math.IsNaN(prev.index) {
			v.Change = fmt.Sprintf("%+.1f", cur-prev.index)
		}
		v.Previous = prev.label
	}

	bands := o.bandChart()
	for _, row := range bands.Rows {
		n, _ := strconv.Atoi(row[1])
		v.Bands = append(v.Bands, bandCount{Name: row[0], N: n})
	}
	v.Ranking = o.rankingChart()
	v.RankEnds = !o.f.All && o.scored > 2*rankingEnds
	all, ends := o.f, o.f
	all.All, ends.All = true, false
	v.AllURL, v.EndsURL = o.base+all.query(), o.base+ends.query()
	grid := []ChartView{bands, o.boxplotChart()}
	if q, ok := o.quadrantChart(); ok && o.details {
		grid = append(grid, q)
	}
	grid = append(grid, o.trendChart(points), o.rollupChart())
	if !o.details {
		cs := labelled(page, append([]ChartView{v.Ranking}, grid...)...)
		for i := range cs {
			cs[i].CSV = o.base + "/" + cs[i].ID + ".csv" + o.f.query()
		}
		v.Ranking, v.Grid = cs[0], cs[1:]
		return v
	}
	v.ShowHeat = true
	var heat heatPage
	v.Heatmap, heat = o.heatmapChart()
	v.HeatFrom, v.HeatTo, v.HeatTotal = heat.from, heat.to, heat.total
	if heat.page > 1 {
		prev := o.f
		prev.HPage = heat.page - 1
		v.HeatPrev = o.base + prev.query()
	}
	if heat.page < heat.pages {
		next := o.f
		next.HPage = heat.page + 1
		v.HeatNext = o.base + next.query()
	}
	cs := labelled(page, append([]ChartView{v.Ranking, v.Heatmap}, grid...)...)
	for i := range cs {
		cs[i].CSV = o.base + "/" + cs[i].ID + ".csv" + o.f.query()
	}
	v.Ranking, v.Heatmap, v.Grid = cs[0], cs[1], cs[2:]
	return v
}

// handleChartCSV serves a chart's numbers for the same filter and view as
// the page it is linked from. An unknown chart is not found.
func (p *pages) handleChartCSV(w http.ResponseWriter, r *http.Request) {
	o, err := p.loadOverview(r)
	if err != nil {
		p.s.Fail(w, r, err)
		return
	}
	var c ChartView
	ok := true
	switch mux.Vars(r)["chart"] {
	case "ranking":
		c = o.rankingChart()
	case "bands":
		c = o.bandChart()
	case "boxplot":
		c = o.boxplotChart()
	case "quadrant":
		c, ok = o.quadrantChart()
		ok = ok && o.details
	case "heatmap":
		c, _ = o.heatmapChart()
		ok = o.details
	case "rollup":
		c = o.rollupChart()
	case "trend":
		trend, err := p.trends.runs(r.Context(), o.m.Run.CampaignID)
		if err != nil {
			p.s.Fail(w, r, err)
			return
		}
		c = o.trendChart(o.trendPoints(trend))
	default:
		ok = false
	}
	if !ok {
		p.s.Fail(w, r, survey.Errorf(survey.ENotFound, "err.not_found"))
		return
	}
	serveCSV(w, "run-"+strconv.FormatInt(o.m.Run.ID, 10)+"-"+c.ID, c)
}

// choices are the levels, categories and peer groups of the run's
// departments, for the filter's lists.
func (o *overview) choices() (levels, cats, groups []string) {
	seen := map[[2]string]bool{}
	add := func(list *[]string, kind, v string) {
		if v != "" && !seen[[2]string{kind, v}] {
			seen[[2]string{kind, v}] = true
			*list = append(*list, v)
		}
	}
	for i, u := range o.m.Table.Units {
		d := o.m.Depts[u.Code]
		add(&levels, "level", d.Level)
		add(&cats, "category", d.Category)
		add(&groups, "group", o.m.Table.Units[i].Group)
	}
	slices.Sort(levels)
	slices.Sort(cats)
	slices.Sort(groups)
	return levels, cats, groups
}

// mean is the mean index of the kept departments.
func (o *overview) mean() (float64, bool) {
	sum := 0.0
	for _, u := range o.units[:o.scored] {
		sum += *u.Score
	}
	if o.scored == 0 {
		return math.NaN(), false
	}
	return sum / float64(o.scored), true
}

// coverage says how many departments' answers counted and what share of
// the table's cells have a value. Unfiltered, the run's own coverage says
// it; filtered, a kept department counts when any of its survey variables
// has a value, which is how the run counted it.
func (o *overview) coverage() (response, cells string) {
	pct := func(a, b int) string {
		if b == 0 {
			return "—"
		}
		return strconv.Itoa(int(math.Round(100*float64(a)/float64(b)))) + "%"
	}
	cov := o.m.Run.CoverageOf()
	if !o.f.Active() {
		return fmt.Sprintf("%d / %d (%s)", cov.Counted, cov.Assigned, pct(cov.Counted, cov.Assigned)),
			strconv.Itoa(int(math.Round(100*(1-cov.Missing)))) + "%"
	}
	survey := map[string]bool{}
	for _, v := range o.m.Framework.Variables {
		survey[v.Code] = v.Source == "survey"
	}
	answered := make([]bool, len(o.idx))
	filled, total := 0, 0
	for j, col := range o.m.Table.Values {
		fromSurvey := survey[o.m.Table.Columns[j]]
		for k, i := range o.idx {
			total++
			if !math.IsNaN(col[i]) {
				filled++
				answered[k] = answered[k] || fromSurvey
			}
		}
	}
	counted := 0
	for _, a := range answered {
		if a {
			counted++
		}
	}
	return fmt.Sprintf("%d / %d (%s)", counted, len(o.idx), pct(counted, len(o.idx))), pct(filled, total)
}

func (o *overview) bandIndex(code string) int {
	return slices.IndexFunc(o.m.Outcome.Bands, func(b scoring.Band) bool { return b.Code == code })
}

func (o *overview) bandColour(code string) *opts.ItemStyle {
	if i := o.bandIndex(code); i >= 0 {
		return &opts.ItemStyle{Color: palette[i%len(palette)]}
	}
	return nil
}

// families are the framework's root's children, in framework order.
func (o *overview) families() []*scoring.Node { return o.m.Framework.Root.Children }

func (o *overview) nodeName(n *scoring.Node) string { return n.Name(o.lang) }

// num writes a score for tables and CSV: one decimal place is what charts
// show, two for the index as it was published.
func ovNum(v float64, places int) string {
	if math.IsNaN(v) {
		return ""
	}
	return strconv.FormatFloat(v, 'f', places, 64)
}

func ovRound(v float64, places int) float64 {
	p := math.Pow(10, float64(places))
	return math.Round(v*p) / p
}

// rankingChart is the kept departments' scores as horizontal bars, best on
// top, coloured by band: the best and the worst rankingEnds by default,
// every department with ?all=1 (a slider shows 30 at a time). Unscored
// departments are listed under the whole ranking's table.
func (o *overview) rankingChart() ChartView {
	t := o.t
	c := ChartView{ID: "ranking", Title: t("dash.ranking"),
		Head:    []string{t("runs.rank"), t("dash.code"), t("runs.department"), t("runs.score"), t("runs.level")},
		LinkCol: 2, Click: map[string]string{}}
	shown := o.units[:o.scored]
	ends := !o.f.All && o.scored > 2*rankingEnds
	if ends {
		shown = append(slices.Clip(o.units[:rankingEnds]), o.units[o.scored-rankingEnds:o.scored]...)
		c.Note = t("overview.ranking_ends", rankingEnds, rankingEnds, o.scored)
	}
	if o.f.All {
		shown = o.units
	}
	names := make([]string, 0, len(shown))
	bars := make([]opts.BarData, 0, len(shown))
	for _, u := range shown {
		score, rank := "", ""
		if u.Score != nil {
			score = strconv.FormatFloat(*u.Score, 'f', 2, 64)
		}
		if u.Rank > 0 {
			rank = strconv.Itoa(u.Rank)
		}
		c.Rows = append(c.Rows, []string{rank, u.Code, u.Name, score, o.m.Outcome.BandName(u.Level, o.lang)})
		c.Links = append(c.Links, profileURL(o.m.Run.ID, u.Code))
		if u.Score == nil {
			continue
		}
		c.Click[u.Name] = profileURL(o.m.Run.ID, u.Code)
		names = append(names, u.Name)
		bars = append(bars, opts.BarData{Name: u.Name, Value: ovRound(*u.Score, 2), ItemStyle: o.bandColour(u.Level)})
	}
	// Best on top: a category y axis draws its first category at the bottom.
	slices.Reverse(names)
	slices.Reverse(bars)
	bar := charts.NewBar()
	global := []charts.GlobalOpts{
		charts.WithTooltipOpts(opts.Tooltip{Show: opts.Bool(true), Trigger: "axis"}),
		charts.WithLegendOpts(opts.Legend{Show: opts.Bool(false)}),
		charts.WithXAxisOpts(opts.XAxis{Type: "value", Min: 0, Max: 100, Name: t("runs.score"), NameLocation: "middle", NameGap: 25}),
		charts.WithYAxisOpts(opts.YAxis{Type: "category", AxisLabel: &opts.AxisLabel{Show: opts.Bool(true), Width: 180, Overflow: "truncate"}}),
		charts.WithGridOpts(opts.Grid{Left: "200", Right: "40", Top: "20", Bottom: "40"}),
	}
	c.Height = 80 + 22*min(len(bars), 30)
	if len(bars) > 30 {
		start := 100 - 100*30/float32(len(bars))
		global = append(global, charts.WithDataZoomOpts(opts.DataZoom{Type: "slider", YAxisIndex: []int{0}, Start: start, End: 100}),
			charts.WithDataZoomOpts(opts.DataZoom{Type: "inside", YAxisIndex: []int{0}, Start: start, End: 100}))
	}
	bar.SetGlobalOptions(global...)
	bar.SetXAxis(names).AddSeries(t("runs.score"), bars)
	bar.XYReversal()
	c.Options = Options(bar)
	return c
}

// bandChart counts the kept scored departments per band, lowest band
// first.
func (o *overview) bandChart() ChartView {
	t := o.t
	c := ChartView{ID: "bands", Title: t("dash.bands"), Head: []string{t("runs.level"), t("dash.departments")}, Height: 300}
	counts := make([]int, len(o.m.Outcome.Bands))
	for _, u := range o.units[:o.scored] {
		if i := o.bandIndex(u.Level); i >= 0 {
			counts[i]++
		}
	}
	var names []string
	var bars []opts.BarData
	for i, b := range o.m.Outcome.Bands {
		name := o.m.Outcome.BandName(b.Code, o.lang)
		names = append(names, name)
		bars = append(bars, opts.BarData{Name: name, Value: counts[i], ItemStyle: &opts.ItemStyle{Color: palette[i%len(palette)]}})
		c.Rows = append(c.Rows, []string{name, strconv.Itoa(counts[i])})
	}
	bar := charts.NewBar()
	bar.SetGlobalOptions(
		charts.WithTooltipOpts(opts.Tooltip{Show: opts.Bool(true), Trigger: "axis"}),
		charts.WithLegendOpts(opts.Legend{Show: opts.Bool(false)}),
		charts.WithYAxisOpts(opts.YAxis{Type: "value", Name: t("dash.departments"), MinInterval: 1}),
		charts.WithGridOpts(opts.Grid{Left: "60", Right: "20", Top: "40", Bottom: "40"}),
	)
	bar.SetXAxis(names).AddSeries(t("dash.departments"), bars)
	c.Options = Options(bar)
	return c
}

// boxStats are a sample's five numbers: minimum, quartiles and maximum.
type boxStats [5]float64

// fiveNumbers summarises sorted values with quartiles interpolated
// linearly between order statistics (Hyndman and Fan's type 7, the
// default of R and NumPy).
func ovFiveNumbers(sorted []float64) boxStats {
	q := func(p float64) float64 {
		h := p * float64(len(sorted)-1)
		lo := int(math.Floor(h))
		if lo+1 >= len(sorted) {
			return sorted[lo]
		}
		return sorted[lo] + (h-float64(lo))*(sorted[lo+1]-sorted[lo])
	}
	return boxStats{sorted[0], q(0.25), q(0.5), q(0.75), sorted[len(sorted)-1]}
}

// boxplotChart shows each family's scores by department category as
// boxes of [min, Q1, median, Q3, max], one series per family.
func (o *overview) boxplotChart() ChartView {
	t := o.t
	c := ChartView{ID: "boxplot", Title: t("overview.boxplot"), Note: t("overview.boxplot_note"), Height: 360,
		Head: []string{t("overview.family"), t("department.category"), t("dash.departments"),
			t("overview.min"), t("overview.q1"), t("overview.median"), t("overview.q3"), t("overview.max")}}
	catOf := make([]string, len(o.units))
	seen := map[string]bool{}
	var cats []string
	for k, u := range o.units {
		cat := cmp.Or(o.m.Depts[u.Code].Category, ovNoCategory)
		catOf[k] = cat
		if !seen[cat] {
			seen[cat] = true
			cats = append(cats, cat)
		}
	}
	// Named categories in order, the departments without one last.
	slices.SortFunc(cats, func(a, b string) int {
		switch {
		case a == b:
			return 0
		case a == ovNoCategory:
			return 1
		case b == ovNoCategory:
			return -1
		}
		return strings.Compare(a, b)
	})
	box := charts.NewBoxPlot()
	box.SetGlobalOptions(
		charts.WithTooltipOpts(opts.Tooltip{Show: opts.Bool(true), Trigger: "item"}),
		charts.WithLegendOpts(opts.Legend{Show: opts.Bool(true), Top: "0"}),
		charts.WithYAxisOpts(opts.YAxis{Type: "value", Min: 0, Max: 100, Name: t("runs.score")}),
		charts.WithXAxisOpts(opts.XAxis{Type: "category", AxisLabel: &opts.AxisLabel{Show: opts.Bool(true), Interval: "0", Width: 90, Overflow: "truncate"}}),
		charts.WithGridOpts(opts.Grid{Left: "50", Right: "20", Top: "50", Bottom: "50"}),
	)
	box.SetXAxis(cats)
	for fi, fam := range o.families() {
		scores := o.m.Result.NodeScores(fam.Code)
		byCat := map[string][]float64{}
		for k, i := range o.idx {
			if v := scores[i]; !math.IsNaN(v) {
				byCat[catOf[k]] = append(byCat[catOf[k]], v)
			}
		}
		data := make([]opts.BoxPlotData, len(cats))
		for ci, cat := range cats {
			vals := byCat[cat]
			if len(vals) == 0 {
				data[ci] = opts.BoxPlotData{Name: cat, Value: []string{"-", "-", "-", "-", "-"}}
				continue
			}
			// Each category's values are sorted once: together they are
			// the family's scores, so this is O(n log n) per family.
			slices.Sort(vals)
			s := ovFiveNumbers(vals)
			value := make([]float64, 5)
			row := []string{o.nodeName(fam), cat, strconv.Itoa(len(vals))}
			for k, x := range s {
				value[k] = ovRound(x, 1)
				row = append(row, ovNum(value[k], 1))
			}
			data[ci] = opts.BoxPlotData{Name: cat, Value: value}
			c.Rows = append(c.Rows, row)
		}
		box.AddSeries(o.nodeName(fam), data, charts.WithItemStyleOpts(opts.ItemStyle{BorderColor: palette[(fi+3)%len(palette)]}))
	}
	c.Options = Options(box)
	return c
}

// quadrantFamilies are the sharing, satisfaction and efficiency families
// of the run's framework, or false when it lacks one.
func (o *overview) quadrantFamilies() (sh, sa, ef *scoring.Node, ok bool) {
	find := func(code string) *scoring.Node {
		n := o.m.Framework.Node(code)
		if n == nil || n.Parent() != o.m.Framework.Root {
			return nil
		}
		return n
	}
	sh, sa, ef = find(sharingCode), find(satisfactionCode), find(efficiencyCode)
	return sh, sa, ef, sh != nil && sa != nil && ef != nil
}

// quadrantChart plots each kept department's efficiency (x) against its
// satisfaction (y), its data sharing as the bubble's size, coloured by
// band; the medians split the plane into four quadrants. Departments
// missing one of the three are left out. false when the framework lacks
// one of the families.
func (o *overview) quadrantChart() (ChartView, bool) {
	sh, sa, ef, ok := o.quadrantFamilies()
	if !ok {
		return ChartView{}, false
	}
	t := o.t
	c := ChartView{ID: "quadrant", Title: t("overview.quadrant"), Note: t("overview.quadrant_note", o.nodeName(sh)), Height: 420,
		Head:  []string{t("dash.code"), t("runs.department"), o.nodeName(ef), o.nodeName(sa), o.nodeName(sh), t("runs.level")},
		Click: map[string]string{}}
	shS, saS, efS := o.m.Result.NodeScores(sh.Code), o.m.Result.NodeScores(sa.Code), o.m.Result.NodeScores(ef.Code)
	// One series per band, so bubbles take their band's colour and the
	// legend names the bands.
	bands := o.m.Outcome.Bands
	byBand := make([][]opts.ScatterData, len(bands)+1) // the last for departments with no band
	var xs, ys []float64
	for k, u := range o.units {
		i := o.idx[k]
		x, y, s := ovRound(efS[i], 1), ovRound(saS[i], 1), ovRound(shS[i], 1)
		if math.IsNaN(x) || math.IsNaN(y) || math.IsNaN(s) {
			continue
		}
		xs, ys = append(xs, x), append(ys, y)
		// The bubble's diameter grows from 6 to 30 pixels with sharing's
		// 0 to 100.
		size := 6 + int(math.Round(24*math.Max(0, math.Min(s, 100))/100))
		b := o.bandIndex(u.Level)
		if b < 0 || u.Score == nil {
			b = len(bands)
		}
		byBand[b] = append(byBand[b], opts.ScatterData{Name: u.Name, Value: []float64{x, y, s}, SymbolSize: size})
		// The table's rows are not links: with 5,000 departments a linked
		// cell per row costs the page tens of milliseconds, and the
		// bubbles and the ranking open the profiles.
		c.Rows = append(c.Rows, []string{u.Code, u.Name, ovNum(x, 1), ovNum(y, 1), ovNum(s, 1), o.m.Outcome.BandName(u.Level, o.lang)})
		c.Click[u.Name] = profileURL(o.m.Run.ID, u.Code)
	}
	if len(c.Rows) == 0 {
		// Say why the plane is empty rather than leave the reader guessing.
		c.Note = t("overview.quadrant_empty", o.nodeName(ef), o.nodeName(sa), o.nodeName(sh))
	}
	sc := charts.NewScatter()
	sc.SetGlobalOptions(
		charts.WithTooltipOpts(opts.Tooltip{Show: opts.Bool(true), Trigger: "item", Formatter: "{b}: {c}"}),
		charts.WithLegendOpts(opts.Legend{Show: opts.Bool(true), Top: "0"}),
		charts.WithXAxisOpts(opts.XAxis{Type: "value", Min: 0, Max: 100, Name: o.nodeName(ef), NameLocation: "middle", NameGap: 28}),
		charts.WithYAxisOpts(opts.YAxis{Type: "value", Min: 0, Max: 100, Name: o.nodeName(sa)}),
		charts.WithGridOpts(opts.Grid{Left: "50", Right: "30", Top: "50", Bottom: "50"}),
	)
	marked := false
	for b, points := range byBand {
		if len(points) == 0 {
			continue
		}
		name, colour := ovNoCategory, "#777777"
		if b < len(bands) {
			name, colour = o.m.Outcome.BandName(bands[b].Code, o.lang), palette[b%len(palette)]
		}
		series := []charts.SeriesOpts{charts.WithItemStyleOpts(opts.ItemStyle{Color: colour, Opacity: opts.Float(0.8)})}
		if !marked {
			// The medians, drawn once, split the plane into quadrants.
			marked = true
			label := t("overview.median")
			series = append(series,
				charts.WithMarkLineNameXAxisItemOpts(opts.MarkLineNameXAxisItem{Name: label, XAxis: ovMedian(xs)}),
				charts.WithMarkLineNameYAxisItemOpts(opts.MarkLineNameYAxisItem{Name: label, YAxis: ovMedian(ys)}),
				charts.WithMarkLineStyleOpts(opts.MarkLineStyle{Symbol: []string{"none", "none"},
					Label: &opts.Label{Show: opts.Bool(true), Formatter: "{b} {c}"}}))
		}
		sc.AddSeries(name, points, series...)
	}
	c.Options = Options(sc)
	return c, true
}

// median of values, which it sorts.
func ovMedian(values []float64) float64 {
	slices.Sort(values)
	return ovFiveNumbers(values)[2]
}

// heatPage is where a heatmap page sits among the kept departments.
type heatPage struct {
	page, pages     int
	from, to, total int
}

// heatmapChart shows the normalised score (0–100) of every indicator, in
// framework order, for one page of the kept departments, best first; a
// page has at most heatmapRows departments and overviewMaxCells cells.
func (o *overview) heatmapChart() (ChartView, heatPage) {
	t := o.t
	inds := o.m.Framework.Indicators()
	per := max(1, min(heatmapRows, overviewMaxCells/max(1, len(inds))))
	hp := heatPage{total: len(o.units), pages: max(1, (len(o.units)+per-1)/per)}
	hp.page = max(1, min(o.f.HPage, hp.pages))
	first := (hp.page - 1) * per
	last := min(first+per, len(o.units))
	hp.from, hp.to = min(first+1, last), last

	c := ChartView{ID: "heatmap", Title: t("overview.heatmap"), Note: t("overview.heatmap_note"),
		Head: []string{t("runs.rank"), t("dash.code"), t("runs.department")}, LinkCol: 2, Click: map[string]string{}}
	xs := make([]string, len(inds))
	rows := make([][]float64, len(inds))
	for j, n := range inds {
		xs[j] = o.nodeName(n)
		rows[j] = o.m.Result.NodeScores(n.Code)
		c.Head = append(c.Head, n.Code+" "+xs[j])
	}
	names := make([]string, 0, last-first)
	cells := make([]opts.HeatMapData, 0, (last-first)*len(inds))
	for y, k := 0, first; k < last; y, k = y+1, k+1 {
		u, i := o.units[k], o.idx[k]
		names = append(names, u.Name)
		rank := ""
		if u.Rank > 0 {
			rank = strconv.Itoa(u.Rank)
		}
		row := []string{rank, u.Code, u.Name}
		for x := range inds {
			v := ovRound(rows[x][i], 1)
			row = append(row, ovNum(v, 1))
			var cell any = v
			if math.IsNaN(v) {
				cell = "-"
			}
			cells = append(cells, opts.HeatMapData{Name: u.Name, Value: []any{x, y, cell}})
		}
		c.Rows = append(c.Rows, row)
		c.Links = append(c.Links, profileURL(o.m.Run.ID, u.Code))
		c.Click[u.Name] = profileURL(o.m.Run.ID, u.Code)
	}
	hm := charts.NewHeatMap()
	hm.SetGlobalOptions(
		charts.WithTooltipOpts(opts.Tooltip{Show: opts.Bool(true), Trigger: "item"}),
		charts.WithLegendOpts(opts.Legend{Show: opts.Bool(false)}),
		charts.WithXAxisOpts(opts.XAxis{Type: "category", SplitArea: &opts.SplitArea{Show: opts.Bool(true)},
			AxisLabel: &opts.AxisLabel{Show: opts.Bool(true), Interval: "0", Rotate: 60, Width: 110, Overflow: "truncate"}}),
		charts.WithYAxisOpts(opts.YAxis{Type: "category", Data: names, Inverse: opts.Bool(true),
			AxisLabel: &opts.AxisLabel{Show: opts.Bool(true), Interval: "0", Width: 180, Overflow: "truncate"}}),
		charts.WithVisualMapOpts(opts.VisualMap{Calculable: opts.Bool(true), Min: 0, Max: 100, Orient: "horizontal",
			Left: "center", Bottom: "0", InRange: &opts.VisualMapInRange{Color: ovViridis}}),
		charts.WithGridOpts(opts.Grid{Left: "200", Right: "20", Top: "10", Bottom: "170"}),
	)
	hm.SetXAxis(xs).AddSeries(t("runs.score"), cells)
	c.Options = Options(hm)
	c.Height = 200 + 18*len(names)
	return c, hp
}

// trendPoint is one period's means over the kept departments.
type trendPoint struct {
	label    string
	current  bool
	index    float64
	families []float64 // by family in framework order
}

// trendPoints are the earlier and later campaigns' published means and
// this run's, in campaign order. A department of another run is kept by
// its department's level and category today and its peer group then.
func (o *overview) trendPoints(runs []survey.TrendRun) []trendPoint {
	fams := o.families()
	var out []trendPoint
	here := o.m.Campaign
	placed := false
	for _, r := range runs {
		// The campaigns' order is the query's: opening time, period, id.
		later := here.OpensAt.Before(r.OpensAt) || here.OpensAt.Equal(r.OpensAt) &&
			(here.Period < r.Period || here.Period == r.Period && here.ID < r.CampaignID)
		if !placed && later {
			out = append(out, o.currentPoint())
			placed = true
		}
		p := trendPoint{label: r.Period, index: math.NaN(), families: make([]float64, len(fams))}
		keep := make([]bool, len(r.Units))
		for k, u := range r.Units {
			keep[k] = o.keeps(u.Code, u.Group)
		}
		p.index = ovMeanOf(r.Index, keep)
		for fi, f := range fams {
			p.families[fi] = ovMeanOf(r.Families[f.Code], keep)
		}
		out = append(out, p)
	}
	if !placed {
		out = append(out, o.currentPoint())
	}
	return out
}

func (o *overview) currentPoint() trendPoint {
	label := o.m.Campaign.Period
	if !o.m.Run.Published() {
		label += " (" + o.t("runs.state.draft") + ")"
	}
	p := trendPoint{label: label, current: true, index: math.NaN()}
	if mean, ok := o.mean(); ok {
		p.index = mean
	}
	for _, f := range o.families() {
		scores := o.m.Result.NodeScores(f.Code)
		sum, n := 0.0, 0
		for _, i := range o.idx {
			if v := scores[i]; !math.IsNaN(v) {
				sum += v
				n++
			}
		}
		mean := math.NaN()
		if n > 0 {
			mean = sum / float64(n)
		}
		p.families = append(p.families, mean)
	}
	return p
}

// meanOf is the mean of the values kept that are numbers, NaN for none.
func ovMeanOf(values []float64, keep []bool) float64 {
	sum, n := 0.0, 0
	for k, v := range values {
		if k < len(keep) && keep[k] && !math.IsNaN(v) {
			sum += v
			n++
		}
	}
	if n == 0 {
		return math.NaN()
	}
	return sum / float64(n)
}

// previous is the point just before the current run's.
func ovPrevious(points []trendPoint) (trendPoint, bool) {
	for k, p := range points {
		if p.current && k > 0 {
			return points[k-1], true
		}
	}
	return trendPoint{}, false
}

// trendChart draws the mean index and each family's mean over the
// periods, one line each.
func (o *overview) trendChart(points []trendPoint) ChartView {
	t := o.t
	fams := o.families()
	c := ChartView{ID: "trend", Title: t("overview.trend"), Note: t("overview.trend_note"), Height: 340,
		Head: []string{t("overview.period"), t("dash.mean")}}
	if len(points) == 1 {
		c.Note = t("overview.trend_single")
	}
	for _, f := range fams {
		c.Head = append(c.Head, o.nodeName(f))
	}
	labels := make([]string, len(points))
	index := make([]opts.LineData, len(points))
	famLines := make([][]opts.LineData, len(fams))
	value := func(v float64) any {
		if math.IsNaN(v) {
			return "-"
		}
		return ovRound(v, 1)
	}
	for k, p := range points {
		labels[k] = p.label
		index[k] = opts.LineData{Name: p.label, Value: value(p.index)}
		row := []string{p.label, ovNum(ovRound(p.index, 1), 1)}
		for fi := range fams {
			famLines[fi] = append(famLines[fi], opts.LineData{Name: p.label, Value: value(p.families[fi])})
			row = append(row, ovNum(ovRound(p.families[fi], 1), 1))
		}
		c.Rows = append(c.Rows, row)
	}
	line := charts.NewLine()
	line.SetGlobalOptions(
		charts.WithTooltipOpts(opts.Tooltip{Show: opts.Bool(true), Trigger: "axis"}),
		charts.WithLegendOpts(opts.Legend{Show: opts.Bool(true), Top: "0"}),
		charts.WithYAxisOpts(opts.YAxis{Type: "value", Min: 0, Max: 100, Name: t("runs.score")}),
		charts.WithGridOpts(opts.Grid{Left: "50", Right: "20", Top: "60", Bottom: "40"}),
	)
	line.SetXAxis(labels)
	symbols := charts.WithLineChartOpts(opts.LineChart{ShowSymbol: opts.Bool(true), SymbolSize: 8})
	line.AddSeries(t("dash.mean"), index, symbols, charts.WithLineStyleOpts(opts.LineStyle{Width: 3, Color: "#000000"}),
		charts.WithItemStyleOpts(opts.ItemStyle{Color: "#000000"}))
	for fi, f := range fams {
		colour := palette[(fi+3)%len(palette)]
		line.AddSeries(o.nodeName(f), famLines[fi], symbols, charts.WithLineStyleOpts(opts.LineStyle{Color: colour}),
			charts.WithItemStyleOpts(opts.ItemStyle{Color: colour}))
	}
	c.Options = Options(line)
	return c
}

// rollupGroup is the kept scored departments under one parent.
type rollupGroup struct {
	code, name string
	n          int
	sum, sumSq float64
	min, max   float64
}

// rollupChart groups the kept scored departments by their parent (a city,
// a district) and shows each parent's mean index as a bar beside the
// range from its lowest to its highest department, highest mean first.
func (o *overview) rollupChart() ChartView {
	t := o.t
	c := ChartView{ID: "rollup", Title: t("overview.rollup"), Note: t("overview.rollup_note"), Height: 360,
		Head: []string{t("department.parent_code"), t("department.parent"), t("dash.departments"), t("dash.mean"),
			t("overview.min"), t("overview.max"), t("overview.sd")}}
	groups := map[string]*rollupGroup{}
	var order []*rollupGroup
	for _, u := range o.units[:o.scored] {
		d := o.m.Depts[u.Code]
		g := groups[d.ParentCode]
		if g == nil {
			g = &rollupGroup{code: d.ParentCode, name: ovNoCategory, min: math.Inf(1), max: math.Inf(-1)}
			if d.ParentCode != "" {
				g.name = cmp.Or(d.ParentName(o.lang), d.ParentCode)
			}
			groups[d.ParentCode] = g
			order = append(order, g)
		}
		s := *u.Score
		g.n++
		g.sum += s
		g.sumSq += s * s
		g.min, g.max = math.Min(g.min, s), math.Max(g.max, s)
	}
	slices.SortStableFunc(order, func(a, b *rollupGroup) int {
		return cmp.Compare(b.sum/float64(b.n), a.sum/float64(a.n))
	})
	names := make([]string, len(order))
	means, lows, spans := make([]opts.BarData, len(order)), make([]opts.BarData, len(order)), make([]opts.BarData, len(order))
	for k, g := range order {
		mean := g.sum / float64(g.n)
		sd := ""
		if g.n > 1 {
			// Sample standard deviation; rounding can make the variance a
			// hair below zero when every value is the same.
			v := math.Max(0, (g.sumSq-float64(g.n)*mean*mean)/float64(g.n-1))
			sd = ovNum(math.Sqrt(v), 2)
		}
		lo, hi := ovRound(g.min, 1), ovRound(g.max, 1)
		names[k] = g.name
		means[k] = opts.BarData{Name: g.name, Value: ovRound(mean, 1)}
		lows[k] = opts.BarData{Name: g.name, Value: lo}
		spans[k] = opts.BarData{Name: g.name, Value: ovRound(hi-lo, 1)}
		c.Rows = append(c.Rows, []string{g.code, g.name, strconv.Itoa(g.n), ovNum(mean, 2), ovNum(g.min, 2), ovNum(g.max, 2), sd})
	}
	bar := charts.NewBar()
	bar.SetGlobalOptions(
		charts.WithTooltipOpts(opts.Tooltip{Show: opts.Bool(true), Trigger: "axis"}),
		charts.WithLegendOpts(opts.Legend{Show: opts.Bool(true), Top: "0"}),
		charts.WithYAxisOpts(opts.YAxis{Type: "value", Min: 0, Max: 100, Name: t("runs.score")}),
		charts.WithXAxisOpts(opts.XAxis{Type: "category", AxisLabel: &opts.AxisLabel{Show: opts.Bool(true), Interval: "0", Width: 90, Overflow: "truncate"}}),
		charts.WithGridOpts(opts.Grid{Left: "50", Right: "20", Top: "50", Bottom: "50"}),
	)
	if len(order) > 12 {
		bar.SetGlobalOptions(charts.WithDataZoomOpts(opts.DataZoom{Type: "slider", XAxisIndex: []int{0}, Start: 0, End: float32(100 * 12 / len(order))}))
	}
	bar.SetXAxis(names).
		AddSeries(t("dash.mean"), means, charts.WithItemStyleOpts(opts.ItemStyle{Color: palette[5]})).
		// The range bar floats on a transparent bar as tall as the minimum.
		AddSeries(t("overview.min"), lows, charts.WithBarChartOpts(opts.BarChart{Stack: "range"}),
			charts.WithItemStyleOpts(opts.ItemStyle{Color: "transparent"})).
		AddSeries(t("overview.range"), spans, charts.WithBarChartOpts(opts.BarChart{Stack: "range", BarWidth: "30%"}),
			charts.WithItemStyleOpts(opts.ItemStyle{Color: palette[1]}))
	c.Options = Options(bar)
	return c
}
