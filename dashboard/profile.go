package dashboard

import (
	"errors"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/go-echarts/go-echarts/v2/charts"
	"github.com/go-echarts/go-echarts/v2/opts"
	"github.com/gorilla/mux"

	"govkpi/scoring"
	"govkpi/static"
	"govkpi/survey"
	"govkpi/survey/instrument"
)

// A department's profile (/dashboard/runs/{id}/departments/{code}), one of
// its indicators traced to its inputs (…/indicators/{node}), and two to
// five departments side by side (/dashboard/runs/{id}/compare?d=…&d=…).
// Every number comes from the run's model: the frozen scores and ranks,
// and the explanations recomputed from the run's own inputs.

// profiler reads one run's model in one page language.
type profiler struct {
	m    *Model
	lang string
	t    func(string, ...any) string
	pos  map[string]int              // node code → position in Framework.Order
	vars map[string]scoring.Variable // declared variables by code
}

func newProfiler(m *Model, page *static.Page) *profiler {
	pr := &profiler{m: m, lang: page.Lang, t: page.T, pos: map[string]int{}, vars: map[string]scoring.Variable{}}
	for k, n := range m.Framework.Order() {
		pr.pos[n.Code] = k
	}
	for _, v := range m.Framework.Variables {
		pr.vars[v.Code] = v
	}
	return pr
}

// runBase is the address of the run's overview, which every dashboard
// address of the run starts with.
func (pr *profiler) runBase() string {
	return "/dashboard/runs/" + strconv.FormatInt(pr.m.Run.ID, 10)
}

// provenanceURL is where indicator node of unit i is traced to its inputs.
func (pr *profiler) provenanceURL(i int, node string) string {
	return profileURL(pr.m.Run.ID, pr.m.Table.Units[i].Code) + "/indicators/" + url.PathEscape(node)
}

// deptName is unit i's name in the page's language: the department's when
// it still exists, else the name the run kept, else its code.
func (pr *profiler) deptName(i int) string {
	u := pr.m.Table.Units[i]
	if d, ok := pr.m.Depts[u.Code]; ok {
		if n := d.Name(pr.lang); n != "" {
			return n
		}
	}
	if u.Name != "" {
		return u.Name
	}
	return u.Code
}

// axes are the radar's axes: every aggregate node below the root (the
// families, and their pillars where a framework has them), in tree order.
func (pr *profiler) axes() []*scoring.Node {
	var out []*scoring.Node
	var walk func(n *scoring.Node)
	walk = func(n *scoring.Node) {
		for _, c := range n.Children {
			if !c.IsIndicator() {
				out = append(out, c)
				walk(c)
			}
		}
	}
	walk(pr.m.Framework.Root)
	return out
}

// families are the root's aggregate children.
func (pr *profiler) families() []*scoring.Node {
	var out []*scoring.Node
	for _, c := range pr.m.Framework.Root.Children {
		if !c.IsIndicator() {
			out = append(out, c)
		}
	}
	return out
}

// profFamily is the root's child that indicator n sits under.
func profFamily(n *scoring.Node) *scoring.Node {
	for n.Parent() != nil && n.Parent().Parent() != nil {
		n = n.Parent()
	}
	return n
}

// peers are the units unit i is compared with, i included: its peer
// group when it has one of at least two, else every unit of the run, the
// same rule as the engine's strengths and weaknesses (peer means), so the
// radar's peer median, the peer ranks and the strengths on one page
// measure against the same departments.
func (pr *profiler) peers(i int) []int {
	g := pr.m.Table.Units[i].Group
	var out []int
	for j, u := range pr.m.Table.Units {
		if u.Group == g {
			out = append(out, j)
		}
	}
	if g != "" && len(out) >= 2 {
		return out
	}
	out = out[:0]
	for j := range pr.m.Table.Units {
		out = append(out, j)
	}
	return out
}

// ranked counts the units with an index rank.
func (pr *profiler) ranked() int {
	n := 0
	for _, r := range pr.m.Result.Rank {
		if r > 0 {
			n++
		}
	}
	return n
}

// sources names, in the page's language, where indicator n's inputs come
// from: the sources of the variables its formula reads, or of the variable
// named by its code.
func (pr *profiler) sources(n *scoring.Node) string {
	var out []string
	for _, v := range pr.inputs(n) {
		if s := pr.sourceName(pr.vars[v].Source); s != "" && !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return strings.Join(out, " / ")
}

// inputs are the variables indicator n reads: those of its formula (or
// the one named by its code), then any per-department target and worst
// value of its normalisation and the count its minimum sample checks.
func (pr *profiler) inputs(n *scoring.Node) []string {
	out := []string{n.Code}
	if n.Formula != "" {
		out = slices.Clone(n.Vars())
	}
	var more []string
	if nm := n.Normalise; nm != nil {
		more = append(more, nm.TargetVar, nm.WorstVar)
	}
	if n.MinSample != nil {
		more = append(more, n.MinSample.Variable)
	}
	for _, v := range more {
		if v != "" && !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	return out
}

func (pr *profiler) sourceName(s string) string {
	switch s {
	case "survey", "ratings", "metrics", "rectification", "citizen_survey":
		return pr.t("prof.source." + s)
	}
	return s
}

// profRound is v to two decimals, as charts show it; a negative zero
// becomes zero, so nothing prints as "-0.00".
func profRound(v float64) float64 { return math.Round(v*100)/100 + 0 }

// profFixed is v as charts show it, "" when missing: tables and CSVs print
// the chart's own rounded number, so the two never disagree.
func profFixed(v float64) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return ""
	}
	return strconv.FormatFloat(profRound(v), 'f', 2, 64)
}

// profChartValue is v as a chart's data: rounded, or "-" (ECharts' empty
// value) when missing, since JSON has no NaN.
func profChartValue(v float64) any {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return "-"
	}
	return profRound(v)
}

// profRaw prints a raw value in its own units: whole numbers for large
// counts and amounts, up to four decimals for shares.
func profRaw(v float64) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return ""
	}
	prec := 4
	switch a := math.Abs(v); {
	case a >= 1000:
		prec = 0
	case a >= 1:
		prec = 2
	}
	s := strconv.FormatFloat(v, 'f', prec, 64)
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	return s
}

// profSigned prints a difference with its sign.
func profSigned(v float64) string {
	s := profFixed(v)
	if s != "" && !strings.HasPrefix(s, "-") {
		s = "+" + s
	}
	return s
}

// profNeutralHead returns a chart whose CSV header cells cannot be read as
// spreadsheet formulas: heads here carry names from data and frameworks.
func profNeutralHead(c ChartView) ChartView {
	head := make([]string, len(c.Head))
	for i, h := range c.Head {
		head[i] = survey.CSVCell(h)
	}
	c.Head = head
	return c
}

// profSeriesLook gives the k-th series of a radar its colour, line and symbol,
// so series differ in shape as well as colour.
func profSeriesLook(k int) []charts.SeriesOpts {
	colours := []string{palette[5], palette[1], palette[4], palette[6], palette[0]}
	lines := []string{"solid", "dashed", "dotted", "solid", "dashed"}
	symbols := []string{"circle", "rect", "triangle", "diamond", "pin"}
	k %= len(colours)
	return []charts.SeriesOpts{
		charts.WithItemStyleOpts(opts.ItemStyle{Color: colours[k]}),
		charts.WithLineStyleOpts(opts.LineStyle{Color: colours[k], Width: 2, Type: lines[k]}),
		charts.WithRadarChartOpts(opts.RadarChart{Symbol: symbols[k], SymbolSize: 7}),
	}
}

// profRadar draws the axes' scores of each line (a department, a median, the
// best) as one series; lines[s][a] is line s on axis a.
func profRadar(axes []*scoring.Node, names []string, lines [][]float64, lang string) map[string]any {
	ind := make([]*opts.Indicator, len(axes))
	for a, n := range axes {
		ind[a] = &opts.Indicator{Name: n.Name(lang), Max: 100}
	}
	rd := charts.NewRadar()
	rd.SetGlobalOptions(
		charts.WithTooltipOpts(opts.Tooltip{Show: opts.Bool(true), Trigger: "item"}),
		charts.WithLegendOpts(opts.Legend{Show: opts.Bool(true), Bottom: "0", Type: "scroll"}),
		charts.WithRadarComponentOpts(opts.RadarComponent{Indicator: ind, Shape: "polygon", SplitNumber: 5,
			Center: []string{"50%", "48%"}}),
	)
	for s, name := range names {
		vals := make([]any, len(axes))
		for a := range axes {
			vals[a] = profChartValue(lines[s][a])
		}
		rd.AddSeries(name, []opts.RadarData{{Name: name, Value: vals}}, profSeriesLook(s)...)
	}
	return Options(rd)
}

// profileUnit finds the department of the route's code in the model, after the
// role check: an unknown code is not found.
func (p *pages) profileUnit(r *http.Request) (*Model, int, error) {
	m, err := p.model(r)
	if err != nil {
		return nil, 0, err
	}
	code := mux.Vars(r)["code"]
	if err := p.allowed(r, m, code); err != nil {
		return nil, 0, err
	}
	i, ok := m.UnitIndex(code)
	if !ok {
		return nil, 0, survey.Errorf(survey.ENotFound, "err.not_found")
	}
	return m, i, nil
}

// profileView is the department profile page.
type profileView struct {
	Run        *survey.AssessmentRun
	Campaign   *survey.Campaign
	Code       string
	Name       string
	Level      string
	Category   string
	Parent     string
	ParentCode string
	Group      string
	Score      string
	Band       string
	Rank       int
	Ranked     int
	GroupRank  int
	GroupSize  int
	Pct        string
	LikelyLo   int // sensitivity interval of the rank (5–95%); 0 when unknown
	LikelyHi   int
	Draws      int
	Perturb    int // the weights' perturbation, per cent
	SensFailed bool
	Drift      int
	Charts     []ChartView
	Indicators []profileIndicator
	CSV        string // the indicator table's CSV
	Strongest  []profileRelative
	Weakest    []profileRelative
	NextBand   string
	GapToNext  string
	WhatIf     []profileWhatIf
	CompareURL string
	// Change is the index's change from the department's previous period
	// as the trend chart shows it, signed; "" when there is none.
	Change   string
	Previous string // the previous period's label
	Answers  *profileAnswers
	Ratings  *profileRatings
	Tickets  *profileTickets // nil when the reader may not see them
}

// profileIndicator is one indicator of the profile's table.
type profileIndicator struct {
	Code, Name, Family, URL     string
	Raw, Unit, Norm, Contrib    string
	PeerRank, Source, Period    string
	LowSample, Imputed, Missing bool
}

// profileRelative is a strength or weakness: the indicator against its peers'
// mean.
type profileRelative struct {
	Name, URL, Value, PeerMean, Diff string
}

// profileWhatIf is one indicator that alone would lift the index to the next
// band.
type profileWhatIf struct {
	Name, URL, From, To, RawFrom, RawTo, Unit string
}

// handleProfile shows one department's profile: admins and evaluators any
// department's, officials their own in a published run (or any while the
// campaign opens profiles to them). An unknown code is not found. Besides
// the run's model it reads the trend's runs, the department's answers,
// ratings and open tickets: a fixed handful of queries.
func (p *pages) handleProfile(w http.ResponseWriter, r *http.Request) {
	m, i, err := p.profileUnit(r)
	if err != nil {
		p.s.Fail(w, r, err)
		return
	}
	ctx := r.Context()
	page := p.s.Page(r, "title.dashboard_profile")
	pr := newProfiler(m, page)
	v := pr.profile(i)
	runs, err := p.trends.runs(ctx, m.Run.CampaignID)
	if err != nil {
		p.s.Fail(w, r, err)
		return
	}
	points := pr.trendPoints(i, runs)
	v.Change, v.Previous = profChange(points)
	if v.Answers, err = p.readAnswers(r, pr, i); err != nil {
		p.s.Fail(w, r, err)
		return
	}
	counts, err := p.readRatingCounts(r, m, i)
	if err != nil {
		p.s.Fail(w, r, err)
		return
	}
	from, to := p.ratingDays(m)
	if counts != nil {
		v.Ratings = pr.ratings(*counts, from, to)
	}
	if v.Tickets, err = p.readTickets(r, pr, i); err != nil {
		p.s.Fail(w, r, err)
		return
	}

	base := profileURL(m.Run.ID, v.Code)
	radarChart, contrib, trend := pr.profileRadar(i), pr.contributionChart(i), pr.trendChart(points)
	radarChart.CSV, contrib.CSV, trend.CSV = base+"/radar.csv", base+"/contributions.csv", base+"/trend.csv"
	cs := []ChartView{radarChart, contrib, trend}
	if v.Ratings != nil && v.Ratings.Total > 0 {
		rc := pr.ratingsChart(*counts, from, to)
		rc.CSV = base + "/ratings.csv"
		cs = append(cs, rc)
	}
	v.Charts = labelled(page, cs...)
	v.CSV = base + "/indicators.csv"
	if page.Is(string(survey.RoleAdmin)) || page.Is(string(survey.RoleEvaluator)) {
		v.CompareURL = pr.compareWithPeers(i)
	}
	page.Data = v
	p.s.RenderPage(w, r, http.StatusOK, "dashboard_profile", page)
}

// handleProfileCSV serves the numbers of one of the profile's charts, or
// of its indicator table.
func (p *pages) handleProfileCSV(w http.ResponseWriter, r *http.Request) {
	m, i, err := p.profileUnit(r)
	if err != nil {
		p.s.Fail(w, r, err)
		return
	}
	pr := newProfiler(m, p.s.Page(r, ""))
	var c ChartView
	switch mux.Vars(r)["chart"] {
	case "radar":
		c = pr.profileRadar(i)
	case "contributions":
		c = pr.contributionChart(i)
	case "indicators":
		c = pr.indicatorTable(i)
	case "trend":
		runs, err := p.trends.runs(r.Context(), m.Run.CampaignID)
		if err != nil {
			p.s.Fail(w, r, err)
			return
		}
		c = pr.trendChart(pr.trendPoints(i, runs))
	case "ratings":
		counts, err := p.readRatingCounts(r, m, i)
		if err != nil {
			p.s.Fail(w, r, err)
			return
		}
		if counts == nil {
			counts = &survey.RatingCounts{}
		}
		from, to := p.ratingDays(m)
		c = pr.ratingsChart(*counts, from, to)
	default:
		p.s.Fail(w, r, survey.Errorf(survey.ENotFound, "err.not_found"))
		return
	}
	serveCSV(w, "run-"+strconv.FormatInt(m.Run.ID, 10)+"-"+m.Table.Units[i].Code+"-"+c.ID, profNeutralHead(c))
}

// profile gathers unit i's page but its charts.
func (pr *profiler) profile(i int) profileView {
	m, res := pr.m, pr.m.Result
	u := m.Table.Units[i]
	v := profileView{Run: m.Run, Campaign: m.Campaign, Code: u.Code, Name: pr.deptName(i), Group: u.Group,
		Score: profFixed(res.RootScores()[i]), Rank: res.Rank[i], Ranked: pr.ranked(),
		GroupRank: res.GroupRank[i], GroupSize: res.GroupSize[i], Pct: profFixed(res.Pct[i]), Drift: m.Drift}
	if d, ok := m.Depts[u.Code]; ok {
		v.Category, v.Parent, v.ParentCode = d.Category, d.ParentName(pr.lang), d.ParentCode
		if d.Level != "" {
			v.Level = pr.t("level." + d.Level)
		}
	}
	for _, o := range m.Outcome.Units {
		if o.Code == u.Code {
			v.Band = m.Outcome.BandName(o.Level, pr.lang)
		}
	}
	if v.Rank > 0 {
		sens, err := m.Sensitivity()
		if err != nil || i >= len(sens.Q05) || math.IsNaN(sens.Q05[i]) {
			v.SensFailed = true
		} else {
			v.LikelyLo, v.LikelyHi, v.Draws = int(math.Round(sens.Q05[i])), int(math.Round(sens.Q95[i])), sens.Draws
			v.Perturb = int(math.Round(sens.Perturb * 100))
		}
	}
	v.Indicators = pr.indicatorRows(i)
	if i < len(res.Explain) {
		e := res.Explain[i]
		v.Strongest, v.Weakest = pr.relatives(i, e.Strongest, 1), pr.relatives(i, e.Weakest, -1)
		if e.NextBand != "" {
			v.NextBand, v.GapToNext = m.Outcome.BandName(e.NextBand, pr.lang), profFixed(e.GapToNext)
		}
		for _, wi := range e.WhatIf {
			n := m.Framework.Node(wi.Code)
			v.WhatIf = append(v.WhatIf, profileWhatIf{Name: n.Name(pr.lang), URL: pr.provenanceURL(i, n.Code),
				From: profFixed(wi.From), To: profFixed(wi.To), RawFrom: profRaw(wi.RawFrom), RawTo: profRaw(wi.RawTo), Unit: n.Unit})
		}
	}
	return v
}

// relatives lists the strengths (sign 1) or weaknesses (sign −1) that are
// above or below the peer mean once rounded as shown: the three strongest
// of a department below its peers everywhere are no strengths.
func (pr *profiler) relatives(i int, rs []scoring.Relative, sign float64) []profileRelative {
	var out []profileRelative
	for _, rel := range rs {
		if profRound(rel.Diff)*sign <= 0 {
			continue
		}
		n := pr.m.Framework.Node(rel.Code)
		out = append(out, profileRelative{Name: n.Name(pr.lang), URL: pr.provenanceURL(i, rel.Code),
			Value: profFixed(rel.Value), PeerMean: profFixed(rel.PeerMean), Diff: profSigned(rel.Diff)})
	}
	return out
}

// indicatorRows is unit i's indicator table: raw value, normalised value,
// contribution to the index, rank among its peers, source, period and
// flags of every indicator, in framework order.
func (pr *profiler) indicatorRows(i int) []profileIndicator {
	m, res := pr.m, pr.m.Result
	peers := pr.peers(i)
	var out []profileIndicator
	for _, n := range m.Framework.Indicators() {
		k := pr.pos[n.Code]
		norm := res.Score[k][i]
		row := profileIndicator{Code: n.Code, Name: n.Name(pr.lang), Family: profFamily(n).Name(pr.lang),
			URL: pr.provenanceURL(i, n.Code), Unit: n.Unit, Norm: profFixed(norm),
			Source: pr.sources(n), Period: m.Campaign.Period}
		raw := math.NaN()
		if res.Raw[k] != nil {
			raw = res.Raw[k][i]
		}
		row.Raw = profRaw(raw)
		row.Missing = math.IsNaN(raw)
		row.LowSample = res.LowSample[k] != nil && res.LowSample[k][i]
		row.Imputed = res.Imputed[k] != nil && res.Imputed[k][i]
		if !math.IsNaN(norm) {
			row.Contrib = profFixed(res.EffWeight[k][i] * norm)
			rank, size := 1, 0
			for _, j := range peers {
				x := res.Score[k][j]
				if math.IsNaN(x) {
					continue
				}
				size++
				if profRound(x) > profRound(norm) {
					rank++
				}
			}
			row.PeerRank = strconv.Itoa(rank) + " / " + strconv.Itoa(size)
		}
		out = append(out, row)
	}
	return out
}

// indicatorTable is the indicator table as a chart's numbers, for its CSV.
func (pr *profiler) indicatorTable(i int) ChartView {
	t := pr.t
	c := ChartView{ID: "indicators", Title: t("prof.indicators"),
		Head: []string{t("dash.code"), t("prof.indicator"), t("prof.family"), t("prof.raw"), t("prof.unit"),
			t("prof.normalised"), t("prof.contribution"), t("prof.peer_rank"), t("prof.source"), t("prof.period"), t("prof.flags")}}
	for _, row := range pr.indicatorRows(i) {
		c.Rows = append(c.Rows, []string{row.Code, row.Name, row.Family, row.Raw, row.Unit, row.Norm, row.Contrib,
			row.PeerRank, row.Source, row.Period, strings.Join(pr.flags(row), "; ")})
	}
	return c
}

func (pr *profiler) flags(row profileIndicator) []string {
	var out []string
	if row.Missing {
		out = append(out, pr.t("prof.flag_missing"))
	}
	if row.LowSample {
		out = append(out, pr.t("prof.flag_low_sample"))
	}
	if row.Imputed {
		out = append(out, pr.t("prof.flag_imputed"))
	}
	return out
}

// profileRadar draws unit i's families and pillars against its peer
// group's median and the best score in the run on each axis.
func (pr *profiler) profileRadar(i int) ChartView {
	t := pr.t
	axes := pr.axes()
	peers := pr.peers(i)
	medianName := t("prof.peer_median")
	if len(peers) < 3 {
		// The median of two is their mean: it would give away the other
		// department's scores. Compare with everyone instead.
		peers = peers[:0]
		for j := range pr.m.Table.Units {
			peers = append(peers, j)
		}
		medianName = t("prof.run_median")
	}
	self, median, best := make([]float64, len(axes)), make([]float64, len(axes)), make([]float64, len(axes))
	c := ChartView{ID: "radar", Title: t("prof.radar"), Note: t("prof.radar_note"), Height: 400,
		Head: []string{t("prof.axis"), t("prof.this_department"), medianName, t("prof.best")}}
	for a, n := range axes {
		scores := pr.m.Result.Score[pr.pos[n.Code]]
		self[a] = scores[i]
		xs := make([]float64, 0, len(peers))
		for _, j := range peers {
			xs = append(xs, scores[j])
		}
		median[a] = scoring.Quantile(xs, 0.5)
		best[a] = math.NaN()
		for _, x := range scores {
			if !math.IsNaN(x) && (math.IsNaN(best[a]) || x > best[a]) {
				best[a] = x
			}
		}
		c.Rows = append(c.Rows, []string{n.Name(pr.lang), profFixed(self[a]), profFixed(median[a]), profFixed(best[a])})
	}
	c.Options = profRadar(axes, []string{pr.deptName(i), medianName, t("prof.best")},
		[][]float64{self, median, best}, pr.lang)
	return c
}

// contributionChart draws how many points of the index each indicator
// brings (effective weight × normalised value), one stacked series per
// family so the legend names the families. Indicators without a value
// bring nothing and are left out.
func (pr *profiler) contributionChart(i int) ChartView {
	t := pr.t
	fams := pr.families()
	c := ChartView{ID: "contributions", Title: t("prof.contributions"), Note: t("prof.contributions_note"),
		Head:    []string{t("prof.family"), t("dash.code"), t("prof.indicator"), t("prof.contribution")},
		LinkCol: 2, Click: map[string]string{}}
	var names []string
	series := make([][]opts.BarData, len(fams))
	if i < len(pr.m.Result.Explain) {
		for _, ct := range pr.m.Result.Explain[i].Contributions {
			if math.IsNaN(ct.Contribution) {
				continue
			}
			n := pr.m.Framework.Node(ct.Code)
			f := profFamily(n)
			names = append(names, n.Name(pr.lang))
			for s, fam := range fams {
				if fam == f {
					series[s] = append(series[s], opts.BarData{Name: n.Name(pr.lang), Value: profRound(ct.Contribution)})
				} else {
					series[s] = append(series[s], opts.BarData{Name: n.Name(pr.lang), Value: "-"})
				}
			}
			c.Rows = append(c.Rows, []string{f.Name(pr.lang), n.Code, n.Name(pr.lang), profFixed(ct.Contribution)})
			c.Links = append(c.Links, pr.provenanceURL(i, n.Code))
			c.Click[n.Name(pr.lang)] = pr.provenanceURL(i, n.Code)
		}
	}
	// The first indicator on top: a category y axis starts at the bottom.
	slices.Reverse(names)
	for s := range series {
		slices.Reverse(series[s])
	}
	c.Height = 100 + 22*len(names)
	bar := charts.NewBar()
	bar.SetGlobalOptions(
		charts.WithTooltipOpts(opts.Tooltip{Show: opts.Bool(true), Trigger: "item"}),
		charts.WithLegendOpts(opts.Legend{Show: opts.Bool(true), Top: "0", Type: "scroll"}),
		charts.WithXAxisOpts(opts.XAxis{Type: "value", Name: t("prof.points"), NameLocation: "middle", NameGap: 25}),
		charts.WithYAxisOpts(opts.YAxis{Type: "category", AxisLabel: &opts.AxisLabel{Show: opts.Bool(true), Width: 180, Overflow: "truncate"}}),
		charts.WithGridOpts(opts.Grid{Left: "200", Right: "40", Top: "40", Bottom: "40"}),
	)
	bar.SetXAxis(names)
	for s, fam := range fams {
		bar.AddSeries(fam.Name(pr.lang), series[s],
			charts.WithBarChartOpts(opts.BarChart{Stack: "contribution"}),
			charts.WithItemStyleOpts(opts.ItemStyle{Color: []string{palette[5], palette[1], palette[4], palette[6], palette[0], palette[3], palette[2]}[s%7]}))
	}
	bar.XYReversal()
	c.Options = Options(bar)
	return c
}

// compareWithPeers is a comparison of unit i with up to four departments
// ranked nearest to it in its peer group (in the whole run when it has no
// peers).
func (pr *profiler) compareWithPeers(i int) string {
	res := pr.m.Result
	cands := pr.peers(i)
	if len(cands) < 2 {
		cands = make([]int, len(pr.m.Table.Units))
		for j := range cands {
			cands[j] = j
		}
	}
	cands = slices.DeleteFunc(slices.Clone(cands), func(j int) bool { return j == i || res.Rank[j] == 0 })
	dist := func(j int) int {
		d := res.Rank[j] - res.Rank[i]
		if res.Rank[i] == 0 {
			d = res.Rank[j]
		}
		if d < 0 {
			d = -d
		}
		return d
	}
	slices.SortStableFunc(cands, func(a, b int) int { return dist(a) - dist(b) })
	codes := []string{pr.m.Table.Units[i].Code}
	for _, j := range cands[:min(len(cands), 4)] {
		codes = append(codes, pr.m.Table.Units[j].Code)
	}
	return pr.runBase() + "/compare?" + url.Values{"d": codes}.Encode()
}

// provenanceView traces one indicator of one department to its inputs.
type provenanceView struct {
	Run          *survey.AssessmentRun
	Campaign     *survey.Campaign
	Code         string
	Name         string
	ProfileURL   string
	Node         string
	NodeName     string
	Path         []string // the node's ancestors below the root, names
	Unit         string
	Direction    int
	Card         *provenanceCard
	Formula      string
	Variables    []provenanceVariable
	Coverage     survey.RunCoverage
	Batches      string
	MinSample    *scoring.MinSample
	SampleValue  string
	Raw          string
	Method       string
	MethodDetail string
	Norm         string
	EffWeight    string
	Contribution string
	LowSample    bool
	Imputed      bool
	Missing      bool
}

// provenanceCard is a definition card in the page's language.
type provenanceCard struct {
	Definition, Numerator, Denominator, Period, Source, Notes string
}

// provenanceVariable is one input of an indicator with this department's value.
type provenanceVariable struct {
	Code, Name, Unit, Source, Value string
	InTable                         bool
}

// handleProvenance traces one indicator of one department to its inputs
// (same access as the profile). A node that is not an indicator of the
// run's framework is not found.
func (p *pages) handleProvenance(w http.ResponseWriter, r *http.Request) {
	m, i, err := p.profileUnit(r)
	if err != nil {
		p.s.Fail(w, r, err)
		return
	}
	n := m.Framework.Node(mux.Vars(r)["node"])
	if n == nil || !n.IsIndicator() {
		p.s.Fail(w, r, survey.Errorf(survey.ENotFound, "err.not_found"))
		return
	}
	page := p.s.Page(r, "title.dashboard_provenance")
	page.Data = newProfiler(m, page).provenance(i, n)
	p.s.RenderPage(w, r, http.StatusOK, "dashboard_provenance", page)
}

func (pr *profiler) provenance(i int, n *scoring.Node) provenanceView {
	m, res := pr.m, pr.m.Result
	k := pr.pos[n.Code]
	v := provenanceView{Run: m.Run, Campaign: m.Campaign, Code: m.Table.Units[i].Code, Name: pr.deptName(i),
		ProfileURL: profileURL(m.Run.ID, m.Table.Units[i].Code), Node: n.Code, NodeName: n.Name(pr.lang),
		Unit: n.Unit, Direction: n.Direction, Formula: n.Formula, Coverage: m.Run.CoverageOf(), MinSample: n.MinSample}
	for a := n.Parent(); a != nil && a.Parent() != nil; a = a.Parent() {
		v.Path = append([]string{a.Name(pr.lang)}, v.Path...)
	}
	if c := n.Card; c != nil {
		v.Card = &provenanceCard{Definition: c.DefinitionZh, Numerator: c.NumeratorZh, Denominator: c.DenominatorZh,
			Period: c.Period, Source: c.Source, Notes: c.NotesZh}
		if pr.lang == "en" {
			v.Card.Definition, v.Card.Numerator = profFirst(c.DefinitionEn, c.DefinitionZh), profFirst(c.NumeratorEn, c.NumeratorZh)
			v.Card.Denominator, v.Card.Notes = profFirst(c.DenominatorEn, c.DenominatorZh), profFirst(c.NotesEn, c.NotesZh)
		}
	}
	for _, code := range pr.inputs(n) {
		vr := provenanceVariable{Code: code}
		if d, ok := pr.vars[code]; ok {
			vr.Name, vr.Unit, vr.Source = d.NameZh, d.Unit, pr.sourceName(d.Source)
			if pr.lang == "en" {
				vr.Name = profFirst(d.NameEn, d.NameZh)
			}
		}
		if col, ok := m.Table.Column(code); ok {
			vr.InTable, vr.Value = true, profRaw(col[i])
		}
		v.Variables = append(v.Variables, vr)
	}
	var ids []string
	for _, b := range v.Coverage.MetricBatches {
		ids = append(ids, "#"+strconv.FormatInt(b, 10))
	}
	v.Batches = strings.Join(ids, ", ")
	if ms := n.MinSample; ms != nil {
		if col, ok := m.Table.Column(ms.Variable); ok {
			v.SampleValue = profRaw(col[i])
		}
	}
	raw := math.NaN()
	if res.Raw[k] != nil {
		raw = res.Raw[k][i]
	}
	v.Raw, v.Missing = profRaw(raw), math.IsNaN(raw)
	v.LowSample = res.LowSample[k] != nil && res.LowSample[k][i]
	v.Imputed = res.Imputed[k] != nil && res.Imputed[k][i]
	v.Method, v.MethodDetail = pr.method(n)
	norm := res.Score[k][i]
	v.Norm = profFixed(norm)
	if ew := res.EffWeight[k][i]; ew > 0 {
		v.EffWeight = strconv.FormatFloat(ew*100, 'f', 2, 64) + "%"
	}
	if !math.IsNaN(norm) {
		v.Contribution = profFixed(res.EffWeight[k][i] * norm)
	}
	return v
}

// method names indicator n's normalisation and says its parameters.
func (pr *profiler) method(n *scoring.Node) (string, string) {
	nm := n.Normalise
	if nm == nil {
		return "", ""
	}
	name := nm.Method
	switch nm.Method {
	case scoring.NormMinMax, scoring.NormMinMax1, scoring.NormZScore, scoring.NormGoalposts,
		scoring.NormTarget, scoring.NormRank, scoring.NormNone:
		name = pr.t("prof.norm_" + nm.Method)
	}
	num := func(p *float64) string {
		if p == nil {
			return ""
		}
		return profRaw(*p)
	}
	var detail []string
	switch nm.Method {
	case scoring.NormGoalposts:
		detail = append(detail, pr.t("prof.goalposts", num(nm.Worst), num(nm.Best)))
	case scoring.NormTarget:
		target, worst := profFirst(num(nm.Target), nm.TargetVar), profFirst(num(nm.Worst), nm.WorstVar)
		detail = append(detail, pr.t("prof.target", target, worst))
	case scoring.NormZScore:
		if nm.Rescale {
			detail = append(detail, pr.t("prof.rescale", profRaw(nm.Mean), profRaw(nm.SD)))
		}
	}
	if nm.Log {
		detail = append(detail, pr.t("prof.log"))
	}
	return name, strings.Join(detail, "; ")
}

func profFirst(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// compareMax is how many departments a comparison shows at most.
const compareMax = 5

// compareView is the comparison page: the form, and when the choice is
// valid, the departments side by side.
type compareView struct {
	Run      *survey.AssessmentRun
	Campaign *survey.Campaign
	Chosen   []compareSlot // as given, with empty slots up to compareMax
	Max      int
	Options  []compareOption
	Error    string
	Depts    []compareDept
	Charts   []ChartView
	Rows     []compareRow
	CSV      string // the indicator table's CSV
}

// compareSlot is one department input of the form, numbered from 1.
type compareSlot struct {
	N    int
	Code string
}

type compareOption struct{ Code, Name string }

type compareDept struct{ Code, Name, URL string }

// compareRow is one indicator's normalised value for each department, the
// highest marked.
type compareRow struct {
	Name  string
	Cells []compareCell
}

type compareCell struct {
	Value, URL string
	Best       bool
}

// compareChoice reads the departments to compare from the query (?d=CODE,
// repeated), in the order given: the first is the baseline of the
// differences. Empty values (unused form slots) are skipped; at most 20 are
// kept, enough to show a choice that was too long.
func compareChoice(r *http.Request) []string {
	var out []string
	for _, c := range r.URL.Query()["d"] {
		if c = strings.TrimSpace(c); c != "" && len(out) < 20 {
			out = append(out, c)
		}
	}
	return out
}

// choose checks a choice and returns the units it names. Errors: EInvalid
// for fewer than two or more than compareMax departments, a code the run
// does not have, or a code given twice.
func (pr *profiler) choose(codes []string) ([]int, error) {
	if len(codes) < 2 {
		return nil, survey.Errorf(survey.EInvalid, "prof.compare_too_few", compareMax)
	}
	if len(codes) > compareMax {
		return nil, survey.Errorf(survey.EInvalid, "prof.compare_too_many", compareMax, len(codes))
	}
	var out []int
	for k, c := range codes {
		i, ok := pr.m.UnitIndex(c)
		if !ok {
			return nil, survey.Errorf(survey.EInvalid, "prof.compare_unknown", c)
		}
		if slices.Contains(codes[:k], c) {
			return nil, survey.Errorf(survey.EInvalid, "prof.compare_twice", c)
		}
		out = append(out, i)
	}
	return out, nil
}

// handleCompare shows two to five departments side by side (admins and
// evaluators). A choice that is not valid answers 400 with the form, the
// choice kept and what is wrong with it; no choice at all shows the form.
func (p *pages) handleCompare(w http.ResponseWriter, r *http.Request) {
	m, err := p.model(r)
	if err != nil {
		p.s.Fail(w, r, err)
		return
	}
	if err := p.allowed(r, m, ""); err != nil {
		p.s.Fail(w, r, err)
		return
	}
	page := p.s.Page(r, "title.dashboard_compare")
	pr := newProfiler(m, page)
	codes := compareChoice(r)
	v := compareView{Run: m.Run, Campaign: m.Campaign, Max: compareMax}
	for k := 0; k < max(len(codes), compareMax); k++ {
		slot := compareSlot{N: k + 1}
		if k < len(codes) {
			slot.Code = codes[k]
		}
		v.Chosen = append(v.Chosen, slot)
	}
	for j, u := range m.Table.Units {
		v.Options = append(v.Options, compareOption{Code: u.Code, Name: pr.deptName(j)})
	}
	status := http.StatusOK
	units, err := pr.choose(codes)
	var e *survey.Error
	switch {
	case err == nil:
		pr.compare(&v, units, page)
	case len(codes) == 0:
		// The first visit: just the form.
	case errors.As(err, &e):
		status, v.Error = http.StatusBadRequest, page.T(e.Key, e.Args...)
	default:
		p.s.Fail(w, r, err)
		return
	}
	page.Data = v
	p.s.RenderPage(w, r, status, "dashboard_compare", page)
}

// handleCompareCSV serves the numbers of one of the comparison's charts or
// of its indicator table; an invalid choice is refused (400).
func (p *pages) handleCompareCSV(w http.ResponseWriter, r *http.Request) {
	m, err := p.model(r)
	if err != nil {
		p.s.Fail(w, r, err)
		return
	}
	if err := p.allowed(r, m, ""); err != nil {
		p.s.Fail(w, r, err)
		return
	}
	pr := newProfiler(m, p.s.Page(r, ""))
	units, err := pr.choose(compareChoice(r))
	if err != nil {
		p.s.Fail(w, r, err)
		return
	}
	var c ChartView
	switch mux.Vars(r)["chart"] {
	case "radar":
		c = pr.compareRadar(units)
	case "differences":
		c = pr.differenceChart(units)
	case "indicators":
		c, _ = pr.compareTable(units)
	default:
		p.s.Fail(w, r, survey.Errorf(survey.ENotFound, "err.not_found"))
		return
	}
	serveCSV(w, "run-"+strconv.FormatInt(m.Run.ID, 10)+"-compare-"+c.ID, profNeutralHead(c))
}

// compare fills the comparison of units into v.
func (pr *profiler) compare(v *compareView, units []int, page *static.Page) {
	codes := make([]string, len(units))
	for k, i := range units {
		code := pr.m.Table.Units[i].Code
		codes[k] = code
		v.Depts = append(v.Depts, compareDept{Code: code, Name: pr.deptName(i), URL: profileURL(pr.m.Run.ID, code)})
	}
	query := "?" + url.Values{"d": codes}.Encode()
	base := pr.runBase() + "/compare/"
	rd, diff := pr.compareRadar(units), pr.differenceChart(units)
	rd.CSV, diff.CSV = base+"radar.csv"+query, base+"differences.csv"+query
	v.Charts = labelled(page, rd, diff)
	_, v.Rows = pr.compareTable(units)
	v.CSV = base + "indicators.csv" + query
}

// compareRadar draws the families and pillars of each department as one
// series; its table has a row per department.
func (pr *profiler) compareRadar(units []int) ChartView {
	t := pr.t
	axes := pr.axes()
	c := ChartView{ID: "radar", Title: t("prof.radar_compare"), Note: t("prof.radar_compare_note"), Height: 420,
		Head: []string{t("dash.code"), t("runs.department")}, LinkCol: 1, Click: map[string]string{}}
	for _, n := range axes {
		c.Head = append(c.Head, n.Name(pr.lang))
	}
	names := make([]string, len(units))
	lines := make([][]float64, len(units))
	for s, i := range units {
		names[s] = pr.deptName(i)
		row := []string{pr.m.Table.Units[i].Code, names[s]}
		lines[s] = make([]float64, len(axes))
		for a, n := range axes {
			lines[s][a] = pr.m.Result.Score[pr.pos[n.Code]][i]
			row = append(row, profFixed(lines[s][a]))
		}
		c.Rows = append(c.Rows, row)
		c.Links = append(c.Links, profileURL(pr.m.Run.ID, pr.m.Table.Units[i].Code))
		c.Click[names[s]] = profileURL(pr.m.Run.ID, pr.m.Table.Units[i].Code)
	}
	c.Options = profRadar(axes, names, lines, pr.lang)
	return c
}

// differenceChart draws each department's index and family scores minus
// the first department's.
func (pr *profiler) differenceChart(units []int) ChartView {
	t := pr.t
	nodes := append([]*scoring.Node{pr.m.Framework.Root}, pr.families()...)
	first := units[0]
	c := ChartView{ID: "differences", Title: t("prof.differences"), Note: t("prof.differences_note", pr.deptName(first)),
		Head: []string{t("dash.code"), t("runs.department")}, LinkCol: 1, Height: 360}
	var cats []string
	for _, n := range nodes {
		cats = append(cats, n.Name(pr.lang))
		c.Head = append(c.Head, n.Name(pr.lang))
	}
	bar := charts.NewBar()
	bar.SetGlobalOptions(
		charts.WithTooltipOpts(opts.Tooltip{Show: opts.Bool(true), Trigger: "item"}),
		charts.WithLegendOpts(opts.Legend{Show: opts.Bool(true), Top: "0", Type: "scroll"}),
		charts.WithYAxisOpts(opts.YAxis{Type: "value", Name: t("prof.points")}),
		charts.WithXAxisOpts(opts.XAxis{AxisLabel: &opts.AxisLabel{Show: opts.Bool(true), Interval: "0", Width: 110, Overflow: "truncate"}}),
		charts.WithGridOpts(opts.Grid{Left: "60", Right: "20", Top: "50", Bottom: "50"}),
	)
	bar.SetXAxis(cats)
	for s, i := range units[1:] {
		row := []string{pr.m.Table.Units[i].Code, pr.deptName(i)}
		var data []opts.BarData
		for _, n := range nodes {
			scores := pr.m.Result.Score[pr.pos[n.Code]]
			d := scores[i] - scores[first]
			data = append(data, opts.BarData{Name: n.Name(pr.lang), Value: profChartValue(d)})
			row = append(row, profFixed(d))
		}
		c.Rows = append(c.Rows, row)
		c.Links = append(c.Links, profileURL(pr.m.Run.ID, pr.m.Table.Units[i].Code))
		bar.AddSeries(pr.deptName(i), data, profSeriesLook(s + 1)[0])
	}
	c.Options = Options(bar)
	return c
}

// compareTable is every indicator's normalised value for each department,
// the highest of a row marked (ties mark every holder); as a chart's
// numbers for the CSV, with a column naming the best, and as page rows.
func (pr *profiler) compareTable(units []int) (ChartView, []compareRow) {
	t := pr.t
	c := ChartView{ID: "indicators", Title: t("prof.indicators"),
		Head: []string{t("dash.code"), t("prof.indicator")}}
	for _, i := range units {
		c.Head = append(c.Head, pr.m.Table.Units[i].Code)
	}
	c.Head = append(c.Head, t("prof.best_of_row"))
	var rows []compareRow
	for _, n := range pr.m.Framework.Indicators() {
		scores := pr.m.Result.Score[pr.pos[n.Code]]
		best := math.NaN()
		for _, i := range units {
			if x := profRound(scores[i]); !math.IsNaN(x) && (math.IsNaN(best) || x > best) {
				best = x
			}
		}
		row := compareRow{Name: n.Name(pr.lang)}
		csvRow := []string{n.Code, n.Name(pr.lang)}
		var bests []string
		for _, i := range units {
			cell := compareCell{Value: profFixed(scores[i]), URL: pr.provenanceURL(i, n.Code),
				Best: !math.IsNaN(best) && profRound(scores[i]) == best}
			if cell.Best {
				bests = append(bests, pr.m.Table.Units[i].Code)
			}
			row.Cells = append(row.Cells, cell)
			csvRow = append(csvRow, cell.Value)
		}
		rows = append(rows, row)
		c.Rows = append(c.Rows, append(csvRow, strings.Join(bests, " ")))
	}
	return c, rows
}

// The profile's sections read from the database besides the run's model:
// the department's trend over the published runs of other campaigns, its
// answers to the run's campaign, its ratings over the campaign's rating
// period and its tickets not yet closed.

// profTrendPoint is the department's index and family scores in one
// period.
type profTrendPoint struct {
	label    string
	current  bool
	index    float64
	families []float64 // by family in framework order; NaN when missing
}

// trendPoints are unit i's scores in the latest published run of every
// other campaign it was assessed in, and in this run, in campaign order
// (the order of survey.DB.TrendHeads: opening time, period, id).
func (pr *profiler) trendPoints(i int, runs []survey.TrendRun) []profTrendPoint {
	code := pr.m.Table.Units[i].Code
	fams := pr.families()
	here := pr.m.Campaign
	var out []profTrendPoint
	placed := false
	for _, r := range runs {
		later := here.OpensAt.Before(r.OpensAt) || here.OpensAt.Equal(r.OpensAt) &&
			(here.Period < r.Period || here.Period == r.Period && here.ID < r.CampaignID)
		if !placed && later {
			out = append(out, pr.currentPoint(i))
			placed = true
		}
		k := slices.IndexFunc(r.Units, func(u survey.TrendUnit) bool { return u.Code == code })
		if k < 0 {
			continue // not assessed in that campaign
		}
		pt := profTrendPoint{label: r.Period, index: math.NaN(), families: make([]float64, len(fams))}
		if k < len(r.Index) {
			pt.index = r.Index[k]
		}
		for fi, f := range fams {
			pt.families[fi] = math.NaN()
			if scores := r.Families[f.Code]; k < len(scores) {
				pt.families[fi] = scores[k]
			}
		}
		out = append(out, pt)
	}
	if !placed {
		out = append(out, pr.currentPoint(i))
	}
	return out
}

// currentPoint is unit i's point in this run, marked when the run is a
// draft.
func (pr *profiler) currentPoint(i int) profTrendPoint {
	label := pr.m.Campaign.Period
	if !pr.m.Run.Published() {
		label += " (" + pr.t("runs.state.draft") + ")"
	}
	pt := profTrendPoint{label: label, current: true, index: pr.m.Result.RootScores()[i]}
	for _, f := range pr.families() {
		pt.families = append(pt.families, pr.m.Result.NodeScores(f.Code)[i])
	}
	return pt
}

// profChange is the index's change from the period before this run's to
// this run's, from the numbers the trend chart shows, and that period's
// label; "" when there is no earlier period or a score is missing.
func profChange(points []profTrendPoint) (change, previous string) {
	for k, pt := range points {
		if !pt.current || k == 0 {
			continue
		}
		prev := points[k-1]
		if !math.IsNaN(pt.index) && !math.IsNaN(prev.index) {
			change = profSigned(profRound(pt.index) - profRound(prev.index))
		}
		return change, prev.label
	}
	return "", ""
}

// trendChart draws the department's index and each family's score over
// the periods, one line each; a single period is one point per line.
func (pr *profiler) trendChart(points []profTrendPoint) ChartView {
	t := pr.t
	fams := pr.families()
	c := ChartView{ID: "trend", Title: t("prof.trend"), Note: t("prof.trend_note"), Height: 340,
		Head: []string{t("prof.trend_period"), t("prof.index")}}
	if len(points) == 1 {
		c.Note = t("prof.trend_single")
	}
	for _, f := range fams {
		c.Head = append(c.Head, f.Name(pr.lang))
	}
	labels := make([]string, len(points))
	index := make([]opts.LineData, len(points))
	lines := make([][]opts.LineData, len(fams))
	for k, pt := range points {
		labels[k] = pt.label
		index[k] = opts.LineData{Name: pt.label, Value: profChartValue(pt.index)}
		row := []string{pt.label, profFixed(pt.index)}
		for fi := range fams {
			lines[fi] = append(lines[fi], opts.LineData{Name: pt.label, Value: profChartValue(pt.families[fi])})
			row = append(row, profFixed(pt.families[fi]))
		}
		c.Rows = append(c.Rows, row)
	}
	line := charts.NewLine()
	line.SetGlobalOptions(
		charts.WithTooltipOpts(opts.Tooltip{Show: opts.Bool(true), Trigger: "axis"}),
		charts.WithLegendOpts(opts.Legend{Show: opts.Bool(true), Top: "0", Type: "scroll"}),
		charts.WithYAxisOpts(opts.YAxis{Type: "value", Min: 0, Max: 100, Name: t("runs.score")}),
		charts.WithGridOpts(opts.Grid{Left: "50", Right: "30", Top: "60", Bottom: "40"}),
	)
	line.SetXAxis(labels)
	// Symbols always: a single period has no line to see, only its points.
	symbols := charts.WithLineChartOpts(opts.LineChart{ShowSymbol: opts.Bool(true), SymbolSize: 9})
	line.AddSeries(t("prof.index"), index, symbols,
		charts.WithLineStyleOpts(opts.LineStyle{Width: 3, Color: "#000000"}),
		charts.WithItemStyleOpts(opts.ItemStyle{Color: "#000000"}))
	// The families in the contribution chart's colours, and dashed or
	// dotted in turn so lines differ without colour too.
	colours := []string{palette[5], palette[1], palette[4], palette[6], palette[0], palette[3], palette[2]}
	for fi, f := range fams {
		colour := colours[fi%len(colours)]
		line.AddSeries(f.Name(pr.lang), lines[fi], symbols,
			charts.WithLineStyleOpts(opts.LineStyle{Color: colour, Width: 2, Type: []string{"solid", "dashed", "dotted"}[fi%3]}),
			charts.WithItemStyleOpts(opts.ItemStyle{Color: colour}))
	}
	c.Options = Options(line)
	return c
}

// profileAnswers are the department's answers to the run's campaign.
type profileAnswers struct {
	Assigned    bool // false: the campaign was not assigned to the department
	Submitted   bool
	State       string // the assignment's state, in words
	Approved    bool
	Respondent  string
	SubmittedAt time.Time
	ReviewURL   string // the review page, for admins and evaluators
	Maturity    []profileMaturity
	Other       []profileAnswer
}

// profileMaturity is one maturity question with the level answered and
// its evidence (user text: templates print it as text).
type profileMaturity struct {
	Label, Level, LevelText, Evidence string
	// Indicator is the framework's indicator that reads the answer, with
	// its provenance; "" when none does.
	Indicator, IndicatorURL string
}

// profileAnswer is one answer to another question.
type profileAnswer struct {
	Label, Part, Value string
}

// readAnswers reads unit i's latest submitted answers to the run's
// campaign and lays them out by the campaign's questionnaire: every
// maturity question with its level and evidence, the other answers apart.
// A department the run kept but since deleted has none.
func (p *pages) readAnswers(r *http.Request, pr *profiler, i int) (*profileAnswers, error) {
	d, ok := pr.m.Depts[pr.m.Table.Units[i].Code]
	if !ok {
		return nil, nil
	}
	ctx := r.Context()
	resp, err := p.s.DB.FindDepartmentResponse(ctx, pr.m.Run.CampaignID, d.ID)
	if survey.ErrorCode(err) == survey.ENotFound {
		return &profileAnswers{}, nil
	}
	if err != nil {
		return nil, err
	}
	a := &profileAnswers{Assigned: true, Submitted: resp.Submitted(), State: pr.t("assignment.state." + resp.State),
		Approved: resp.State == "approved", Respondent: resp.Respondent}
	if resp.SubmittedAt.Valid {
		a.SubmittedAt = resp.SubmittedAt.Time
	}
	if acc := survey.CurrentAccount(ctx); acc != nil && (acc.Role == survey.RoleAdmin || acc.Role == survey.RoleEvaluator) {
		a.ReviewURL = "/admin/assignments/" + strconv.FormatInt(resp.AssignmentID, 10)
	}
	if !a.Submitted {
		return a, nil
	}
	stored, err := p.s.DB.FindInstrumentByID(ctx, pr.m.Campaign.InstrumentID)
	if err != nil {
		return nil, err
	}
	inst, err := stored.Instrument()
	if err != nil {
		return nil, err
	}
	readers := pr.answerIndicators()
	for _, sec := range inst.Sections {
		for _, q := range sec.Questions {
			switch {
			case q == nil || q.Type == instrument.TypeNote || q.Type == instrument.TypeHidden:
			case q.Type == instrument.TypeMaturity:
				mq := profileMaturity{Label: q.Label.In(pr.lang), Level: resp.Answers[q.Name],
					LevelText: pr.answerText(q, q.Name, resp.Answers[q.Name]), Evidence: resp.Answers[q.Name+"_evidence"]}
				if n := readers[q.Name]; n != nil {
					mq.Indicator, mq.IndicatorURL = n.Name(pr.lang), pr.provenanceURL(i, n.Code)
				}
				a.Maturity = append(a.Maturity, mq)
			default:
				for _, v := range q.Variables() {
					a.Other = append(a.Other, profileAnswer{Label: q.Label.In(pr.lang), Part: pr.answerPart(q, v),
						Value: pr.answerText(q, v, resp.Answers[v])})
				}
			}
		}
	}
	return a, nil
}

// answerIndicators maps each variable to the first indicator, in framework
// order, that reads it.
func (pr *profiler) answerIndicators() map[string]*scoring.Node {
	out := map[string]*scoring.Node{}
	for _, n := range pr.m.Framework.Indicators() {
		for _, v := range pr.inputs(n) {
			if out[v] == nil {
				out[v] = n
			}
		}
	}
	return out
}

// answerPart names the part of question q that answer v holds (a matrix
// row, a rate's numerator or denominator), "" for the question's own.
func (pr *profiler) answerPart(q *instrument.Question, v string) string {
	switch {
	case v == q.Name:
		return ""
	case q.Type == instrument.TypeRate && v == q.Name+"_num":
		return q.Numerator.In(pr.lang)
	case q.Type == instrument.TypeRate:
		return q.Denominator.In(pr.lang)
	}
	for _, row := range q.Rows {
		if v == q.Name+"_"+row.Name {
			return row.Label.In(pr.lang)
		}
	}
	return v
}

// answerText is answer v of question q in words: a choice with its label,
// a maturity level with its description, yes or no translated. The text
// stays text: templates escape it.
func (pr *profiler) answerText(q *instrument.Question, v, value string) string {
	if value == "" {
		return ""
	}
	choice := func(c string) string {
		for _, ch := range q.Choices {
			if ch.Value == c {
				return c + " · " + ch.Label.In(pr.lang)
			}
		}
		return c
	}
	switch q.Type {
	case instrument.TypeSingle, instrument.TypeMatrix:
		return choice(value)
	case instrument.TypeMultiple:
		var parts []string
		for _, c := range strings.Fields(value) {
			parts = append(parts, choice(c))
		}
		return strings.Join(parts, "；")
	case instrument.TypeYesNo:
		if value == "yes" || value == "no" {
			return pr.t("fill." + value)
		}
	case instrument.TypeMaturity:
		if v != q.Name {
			return value
		}
		if value == "0" {
			return pr.t("fill.unknown")
		}
		for _, l := range q.Levels {
			if strconv.Itoa(l.Level) == value {
				return value + " · " + l.Description.In(pr.lang)
			}
		}
	case instrument.TypePercent:
		return value + "%"
	}
	return value
}

// profileRatings is the department's ratings summary over the campaign's
// rating period.
type profileRatings struct {
	From, To  string // civil days, inclusive
	Levels    []profileRatingLevel
	Total     int
	Satisfied string // share of satisfied and very satisfied, "" without ratings
}

// profileRatingLevel is one level's count and share of the total.
type profileRatingLevel struct {
	Level int
	Name  string
	N     int
	Share string
}

// ratingDays are the first and last civil days of the run's campaign's
// rating period, as the assessment counted them.
func (p *pages) ratingDays(m *Model) (from, to string) {
	f, t := m.Campaign.RatingPeriod(p.s.DB.Zone())
	return f.Format(time.DateOnly), t.AddDate(0, 0, -1).Format(time.DateOnly)
}

// readRatingCounts reads unit i's ratings over the campaign's rating
// period from the daily rollups; nil for a department since deleted.
func (p *pages) readRatingCounts(r *http.Request, m *Model, i int) (*survey.RatingCounts, error) {
	d, ok := m.Depts[m.Table.Units[i].Code]
	if !ok {
		return nil, nil
	}
	from, to := p.ratingDays(m)
	c, err := p.s.DB.RatingCountsBetween(r.Context(), d.ID, from, to)
	if err != nil {
		return nil, err
	}
	return &c, nil
}

// ratings lays out counts from the most satisfied level down.
func (pr *profiler) ratings(c survey.RatingCounts, from, to string) *profileRatings {
	out := &profileRatings{From: from, To: to, Total: c.Total()}
	for _, l := range []int{5, 4, 3, 2, 1} {
		n := profLevelCount(c, l)
		out.Levels = append(out.Levels, profileRatingLevel{Level: l, Name: pr.t("rating.level." + strconv.Itoa(l)), N: n,
			Share: profShare(n, out.Total)})
	}
	out.Satisfied = profShare(c.N4+c.N5, out.Total)
	return out
}

// profLevelCount is the number of ratings of level l.
func profLevelCount(c survey.RatingCounts, l int) int {
	return [...]int{c.N1, c.N2, c.N3, c.N4, c.N5}[l-1]
}

// profShare is n of total as a percentage to one decimal, "" for no total.
func profShare(n, total int) string {
	if total == 0 {
		return ""
	}
	return strconv.FormatFloat(100*float64(n)/float64(total), 'f', 1, 64) + "%"
}

// ratingsChart draws the counts by level as bars, each level in its band
// colour from the least satisfied up.
func (pr *profiler) ratingsChart(c survey.RatingCounts, from, to string) ChartView {
	t := pr.t
	rs := pr.ratings(c, from, to)
	ch := ChartView{ID: "ratings", Title: t("prof.ratings_chart"), Note: t("prof.ratings_period", from, to), Height: 280,
		Head: []string{t("prof.rating_level"), t("ratings.total"), t("prof.share")}}
	var names []string
	var bars []opts.BarData
	for _, l := range rs.Levels {
		names = append(names, l.Name)
		bars = append(bars, opts.BarData{Name: l.Name, Value: l.N,
			ItemStyle: &opts.ItemStyle{Color: palette[l.Level-1]}})
		ch.Rows = append(ch.Rows, []string{l.Name, strconv.Itoa(l.N), l.Share})
	}
	bar := charts.NewBar()
	bar.SetGlobalOptions(
		charts.WithTooltipOpts(opts.Tooltip{Show: opts.Bool(true), Trigger: "item"}),
		charts.WithYAxisOpts(opts.YAxis{Type: "value", Name: t("ratings.total"), MinInterval: 1}),
		charts.WithGridOpts(opts.Grid{Left: "50", Right: "20", Top: "40", Bottom: "40"}),
	)
	bar.SetXAxis(names)
	bar.AddSeries(t("ratings.total"), bars, charts.WithLabelOpts(opts.Label{Show: opts.Bool(true), Position: "top"}))
	ch.Options = Options(bar)
	return ch
}

// profileTickets are the department's tickets not yet closed.
type profileTickets struct {
	Total, Overdue int
	First          []profileTicket
	ListURL        string // the reader's own list of tickets, for an official
}

// profileTicket is one ticket of the list, linked to its page.
type profileTicket struct {
	ID              int64
	URL             string
	State, Rating   string
	OpenedAt, DueAt time.Time
	Overdue         bool
}

// profTicketsShown is how many open tickets the profile lists.
const profTicketsShown = 10

// readTickets reads unit i's tickets not yet closed, for a reader who
// may open them (survey.CanSeeDepartment, the tickets' own rule): admins
// and evaluators, and an official for their own department. Anyone else
// (an official reading another department's profile) gets nil.
func (p *pages) readTickets(r *http.Request, pr *profiler, i int) (*profileTickets, error) {
	d, ok := pr.m.Depts[pr.m.Table.Units[i].Code]
	acc := survey.CurrentAccount(r.Context())
	if !ok || !survey.CanSeeDepartment(acc, d.ID) {
		return nil, nil
	}
	open, err := p.s.DB.FindOpenTickets(r.Context(), d.ID, profTicketsShown)
	if err != nil {
		return nil, err
	}
	out := &profileTickets{Total: open.Total, Overdue: open.Overdue}
	if acc.Role == survey.RoleOfficial {
		out.ListURL = "/tickets"
	}
	for _, tk := range open.First {
		out.First = append(out.First, profileTicket{ID: tk.ID, URL: "/tickets/" + strconv.FormatInt(tk.ID, 10),
			State: pr.t("tickets.state." + tk.State), Rating: pr.t("rating.level." + strconv.Itoa(tk.Level)),
			OpenedAt: tk.OpenedAt, DueAt: tk.DueAt, Overdue: tk.Overdue})
	}
	return out, nil
}
