package dashboard

import (
	"cmp"
	"encoding/csv"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/go-echarts/go-echarts/v2/charts"
	"github.com/go-echarts/go-echarts/v2/opts"
	"github.com/gorilla/mux"

	"govkpi/scoring"
	"govkpi/survey"
)

// Three pages about how far a run's numbers can be trusted and how they
// were made: the uncertainty of the ranks (/dashboard/runs/{id}/uncertainty),
// the methodology (/methodology) and the data checks (/quality). Like the
// overview, every chart has its numbers in a table under it and as CSV at
// /{page}/{chart}.csv, exactly what the chart shows.

// analysisT is a page's message function.
type analysisT = func(string, ...any) string

// analysisModel loads the run named by the route and checks the signed-in
// account may read it as a whole. The uncertainty and quality routes admit
// only admins and evaluators; methodology admits officials too, for
// published runs only (allowed answers ENotFound for a draft).
func (p *pages) analysisModel(r *http.Request) (*Model, error) {
	m, err := p.model(r)
	if err != nil {
		return nil, err
	}
	if err := p.allowed(r, m, ""); err != nil {
		return nil, err
	}
	return m, nil
}

// analysisRunPath is the address of run id's overview; the analysis pages hang
// under it.
func analysisRunPath(id int64) string { return "/dashboard/runs/" + strconv.FormatInt(id, 10) }

// analysisRound rounds x to dec decimals, so a chart and its table show
// the same number.
func analysisRound(x float64, dec int) float64 {
	p := math.Pow(10, float64(dec))
	return math.Round(x*p) / p
}

// analysisNum writes x rounded to dec decimals without trailing zeros, and
// "—" when there is no number.
func analysisNum(x float64, dec int) string {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return "—"
	}
	return strconv.FormatFloat(analysisRound(x, dec), 'f', -1, 64)
}

// analysisPct writes a share in [0, 1] as a percentage with one decimal.
func analysisPct(share float64) string {
	return analysisNum(share*100, 1) + "%"
}

// analysisChart is the name of the CSV a route asks for.
func analysisChart(r *http.Request) string { return mux.Vars(r)["chart"] }

// ---------------------------------------------------------------- uncertainty

// uncertainRow is one ranked department's rank spread over the draws.
type uncertainRow struct {
	Code, Name, URL string
	Rank            int // published (frozen) rank
	Nominal         int // rank with the nominal weights, recomputed
	Median          float64
	Q05, Q95        float64 // rounded to 2 decimals, as shown
	Width           float64 // Q95 − Q05 of the rounded bounds
}

type uncertaintyView struct {
	Run      *survey.AssessmentRun
	Campaign *survey.Campaign
	Draws    int
	Perturb  string // "25%"
	Ranked   int
	Nodes    string // codes of the nodes whose weights were perturbed
	// Wide lists the departments whose interval is wider than WideLimit
	// ranks (a fifth of the ranked departments), at most wideShown of them.
	WideLimit string
	Wide      []uncertainRow
	WideMore  int
	Pairs     int // neighbours in the ranking
	Overlap   int // of which the intervals overlap
	Charts    []ChartView
}

// wideShown caps the "read with care" list; the table has them all.
const wideShown = 20

// uncertainRows is every department the sensitivity ranked, by nominal
// rank then code.
func uncertainRows(m *Model, s *scoring.Sensitivity) []uncertainRow {
	var rows []uncertainRow
	for i, u := range m.Table.Units {
		if s.Nominal[i] <= 0 || math.IsNaN(s.Q05[i]) || math.IsNaN(s.Q95[i]) {
			continue
		}
		q05, q95 := analysisRound(s.Q05[i], 2), analysisRound(s.Q95[i], 2)
		rows = append(rows, uncertainRow{Code: u.Code, Name: u.Name, URL: profileURL(m.Run.ID, u.Code),
			Rank: m.Result.Rank[i], Nominal: s.Nominal[i], Median: analysisRound(s.Median[i], 2),
			Q05: q05, Q95: q95, Width: analysisRound(q95-q05, 2)})
	}
	slices.SortFunc(rows, func(a, b uncertainRow) int {
		return cmp.Or(cmp.Compare(a.Nominal, b.Nominal), strings.Compare(a.Code, b.Code))
	})
	return rows
}

// uncertaintyChart draws each department's 5–95% rank interval as a bar
// over a transparent bar from the axis to its 5th percentile, and its
// nominal rank as a dot; departments run along the horizontal axis in
// nominal rank order, 40 at a time under a slider when there are more.
// It sends 4 cells per department: its name and three numbers.
func uncertaintyChart(rows []uncertainRow, t analysisT) ChartView {
	c := ChartView{ID: "ranks", Title: t("dash.unc.chart"), Note: t("dash.unc.chart_note"),
		Head: []string{t("runs.rank"), t("dash.code"), t("runs.department"), t("dash.unc.nominal"),
			t("dash.unc.median"), t("dash.unc.q05"), t("dash.unc.q95"), t("dash.unc.width")},
		LinkCol: 2, Click: map[string]string{}, Height: 420}
	names := make([]string, 0, len(rows))
	base := make([]opts.BarData, 0, len(rows))
	width := make([]opts.BarData, 0, len(rows))
	nominal := make([]opts.ScatterData, 0, len(rows))
	for _, row := range rows {
		rank := ""
		if row.Rank > 0 {
			rank = strconv.Itoa(row.Rank)
		}
		c.Rows = append(c.Rows, []string{rank, row.Code, row.Name, strconv.Itoa(row.Nominal),
			analysisNum(row.Median, 2), analysisNum(row.Q05, 2), analysisNum(row.Q95, 2), analysisNum(row.Width, 2)})
		c.Links = append(c.Links, row.URL)
		c.Click[row.Name] = row.URL
		names = append(names, row.Name)
		base = append(base, opts.BarData{Value: row.Q05})
		width = append(width, opts.BarData{Value: row.Width})
		nominal = append(nominal, opts.ScatterData{Value: row.Nominal})
	}
	q05, span, nom := t("dash.unc.q05"), t("dash.unc.interval"), t("dash.unc.nominal")
	bar := charts.NewBar()
	global := []charts.GlobalOpts{
		charts.WithTooltipOpts(opts.Tooltip{Show: opts.Bool(true), Trigger: "axis"}),
		charts.WithLegendOpts(opts.Legend{Show: opts.Bool(true), Data: []string{span, nom}, Top: "0"}),
		charts.WithXAxisOpts(opts.XAxis{Type: "category",
			AxisLabel: &opts.AxisLabel{Show: opts.Bool(true), Rotate: 40, Width: 110, Overflow: "truncate", Interval: "0"}}),
		charts.WithYAxisOpts(opts.YAxis{Type: "value", Name: t("runs.rank"), Inverse: opts.Bool(true), Min: 1,
			MinInterval: 1, AxisLabel: &opts.AxisLabel{Show: opts.Bool(true)}}),
		charts.WithGridOpts(opts.Grid{Left: "60", Right: "30", Top: "40", Bottom: "130"}),
	}
	if len(rows) > 40 {
		end := 100 * 40 / float32(len(rows))
		global = append(global,
			charts.WithDataZoomOpts(opts.DataZoom{Type: "slider", XAxisIndex: []int{0}, Start: 0, End: end}),
			charts.WithDataZoomOpts(opts.DataZoom{Type: "inside", XAxisIndex: []int{0}, Start: 0, End: end}))
		c.Height = 460
	}
	bar.SetGlobalOptions(global...)
	bar.SetXAxis(names).
		AddSeries(q05, base, charts.WithBarChartOpts(opts.BarChart{Stack: "interval"}),
			// Invisible, decal included: it only lifts the interval off the axis.
			charts.WithItemStyleOpts(opts.ItemStyle{Opacity: opts.Float(0)}),
			charts.WithEmphasisOpts(opts.Emphasis{ItemStyle: &opts.ItemStyle{Opacity: opts.Float(0)}})).
		AddSeries(span, width, charts.WithBarChartOpts(opts.BarChart{Stack: "interval", BarWidth: "45%"}),
			charts.WithItemStyleOpts(opts.ItemStyle{Color: palette[3], Opacity: opts.Float(0.8)}))
	dots := charts.NewScatter()
	dots.AddSeries(nom, nominal, charts.WithItemStyleOpts(opts.ItemStyle{Color: palette[5]}))
	bar.Overlap(dots)
	c.Options = Options(bar)
	return c
}

// perturbedNodes names the nodes Sensitise perturbs: every node between
// the index and the indicators.
func perturbedNodes(f *scoring.Framework) string {
	var codes []string
	for _, n := range f.Order() {
		if !n.IsIndicator() && n.Parent() != nil {
			codes = append(codes, n.Code)
		}
	}
	slices.Sort(codes)
	return strings.Join(codes, ", ")
}

func (p *pages) handleUncertainty(w http.ResponseWriter, r *http.Request) {
	m, err := p.analysisModel(r)
	if err != nil {
		p.s.Fail(w, r, err)
		return
	}
	s, err := m.Sensitivity()
	if err != nil {
		p.s.Fail(w, r, err)
		return
	}
	page := p.s.Page(r, "title.dashboard_uncertainty")
	rows := uncertainRows(m, s)
	v := uncertaintyView{Run: m.Run, Campaign: m.Campaign, Draws: s.Draws, Perturb: analysisPct(s.Perturb),
		Ranked: len(rows), Nodes: perturbedNodes(m.Framework)}
	limit := 0.2 * float64(len(rows))
	v.WideLimit = analysisNum(limit, 1)
	for _, row := range rows {
		if row.Width > limit {
			if len(v.Wide) < wideShown {
				v.Wide = append(v.Wide, row)
			} else {
				v.WideMore++
			}
		}
	}
	// Neighbours in nominal order overlap when the better one's worst
	// plausible rank reaches the other's best.
	for k := 1; k < len(rows); k++ {
		v.Pairs++
		if rows[k-1].Q95 >= rows[k].Q05 {
			v.Overlap++
		}
	}
	chart := uncertaintyChart(rows, page.T)
	chart.CSV = analysisRunPath(m.Run.ID) + "/uncertainty/" + chart.ID + ".csv"
	v.Charts = labelled(page, chart)
	page.Data = v
	p.s.RenderPage(w, r, http.StatusOK, "dashboard_uncertainty", page)
}

func (p *pages) handleUncertaintyCSV(w http.ResponseWriter, r *http.Request) {
	m, err := p.analysisModel(r)
	if err != nil {
		p.s.Fail(w, r, err)
		return
	}
	if analysisChart(r) != "ranks" {
		p.s.Fail(w, r, survey.Errorf(survey.ENotFound, "err.not_found"))
		return
	}
	s, err := m.Sensitivity()
	if err != nil {
		p.s.Fail(w, r, err)
		return
	}
	c := uncertaintyChart(uncertainRows(m, s), p.s.Page(r, "").T)
	serveCSV(w, "run-"+strconv.FormatInt(m.Run.ID, 10)+"-uncertainty-"+c.ID, c)
}

// ---------------------------------------------------------------- methodology

type methodologyView struct {
	Run       *survey.AssessmentRun
	Campaign  *survey.Campaign
	Framework *scoring.Framework
	Name      string // the framework's, in the page's language
	Norms     []methodNorm
	Aggs      []methodAgg
	Weighted  []methodWeighting
	AHP       []methodAHP
	Bands     []methodBand
	NodeBands []string // "SA: national", nodes with their own band set
	MinAvail  string
	Imputed   bool
	Winsor    bool
	LowSample []string // "SA1: sa_ratings_total < 100"
	Groups    []methodGroup
	Charts    []ChartView
}

// methodNorm is one normalisation method and the indicators using it.
type methodNorm struct {
	Name, About string
	Codes       string
	N           int
}

// methodAgg is one aggregation method and the nodes using it.
type methodAgg struct {
	Name, About string
	Codes       string
}

// methodWeighting is a node whose child weights come from the data.
type methodWeighting struct {
	Code, Name, Method, Alpha string
}

// methodAHP is a node weighed by a pairwise comparison matrix, recomputed
// for the page.
type methodAHP struct {
	Code, Name   string
	Names        []string   // the children, "SH · 数据共享与开放"
	Matrix       [][]string // the judgements as the framework writes them
	Weights      []string   // percentages
	Lambda       string
	CI, CR       string
	RI           string // the RI table's name and source
	Limit        string
	Consistent   bool
	Error        string // when the matrix no longer computes
	WorstA       string // the most inconsistent pair
	WorstB       string
	HasWorstPair bool
}

type methodBand struct {
	Name, From, To string
}

// methodGroup is the definition cards of one aggregate's indicators.
type methodGroup struct {
	Code, Name, Path string
	Cards            []methodCard
}

type methodCard struct {
	Code, Name               string
	Definition               string
	Numerator, Denominator   string
	Unit, Direction          string
	Normalisation            string
	Weight, Share, Effective string
	Formula, Period, Source  string
	Notes, MinSample         string
	Vars                     []methodVar
}

type methodVar struct {
	Code, Name, Unit, Source string
}

// analysisPick returns the English text in English when there is one, else the
// Chinese.
func analysisPick(lang, zh, en string) string {
	if lang == "en" && en != "" {
		return en
	}
	if zh != "" {
		return zh
	}
	return en
}

// effectiveWeights is each node's share of the index with every indicator
// present: the product, down the tree, of its weight over its siblings'
// (the weights the run used, data-driven ones included). A department
// missing an indicator has its siblings' shares re-normalised; its own
// effective weights are on its profile.
func effectiveShares(f *scoring.Framework, weights map[string]float64) (share, eff map[string]float64) {
	share, eff = map[string]float64{}, map[string]float64{}
	var walk func(n *scoring.Node, e float64)
	walk = func(n *scoring.Node, e float64) {
		eff[n.Code] = e
		sum := 0.0
		for _, c := range n.Children {
			sum += max(0, weights[c.Code])
		}
		for _, c := range n.Children {
			s := 0.0
			if sum > 0 {
				s = max(0, weights[c.Code]) / sum
			}
			share[c.Code] = s
			walk(c, e*s)
		}
	}
	share[f.Root.Code] = 1
	walk(f.Root, 1)
	return share, eff
}

// methodologyChart is the framework as a sunburst: the index in the
// middle, its children around it, the indicators outside, each sector
// sized by its effective weight in percent.
func methodologyChart(m *Model, lang string, t analysisT) ChartView {
	c := ChartView{ID: "weights", Title: t("dash.meth.chart"), Note: t("dash.meth.chart_note"), Height: 520,
		Head: []string{t("dash.code"), t("dash.meth.node"), t("dash.meth.parent"), t("dash.meth.weight"),
			t("dash.meth.share_col"), t("dash.meth.effective")}}
	weights := m.Result.Weights()
	share, eff := effectiveShares(m.Framework, weights)
	pct := func(code string) float64 { return analysisRound(eff[code]*100, 4) }
	var build func(n *scoring.Node, colour string) *opts.SunBurstData
	build = func(n *scoring.Node, colour string) *opts.SunBurstData {
		d := &opts.SunBurstData{Name: n.Code + " " + n.Name(lang), Value: pct(n.Code)}
		if colour != "" {
			d.ItemStyle = &opts.ItemStyle{Color: colour}
		}
		c.Rows = append(c.Rows, []string{n.Code, n.Name(lang), n.Parent().Code, analysisNum(weights[n.Code], 4),
			analysisNum(share[n.Code]*100, 2) + "%", analysisNum(pct(n.Code), 4) + "%"})
		for _, ch := range n.Children {
			d.Children = append(d.Children, build(ch, ""))
		}
		return d
	}
	// Families take the palette from its blue end: its red end means the
	// lowest band on the other pages.
	colours := []string{palette[5], palette[4], palette[1], palette[6], palette[3], palette[2], palette[0]}
	var data []opts.SunBurstData
	for k, fam := range m.Framework.Root.Children {
		data = append(data, *build(fam, colours[k%len(colours)]))
	}
	sb := charts.NewSunburst()
	sb.SetGlobalOptions(
		charts.WithTooltipOpts(opts.Tooltip{Show: opts.Bool(true), Trigger: "item", Formatter: "{b}: {c}%"}),
		charts.WithLegendOpts(opts.Legend{Show: opts.Bool(false)}),
	)
	sb.AddSeries(m.Framework.Root.Name(lang), data,
		charts.WithSunburstOpts(opts.SunburstChart{NodeClick: "rootToNode"}),
		charts.WithLabelOpts(opts.Label{Show: opts.Bool(true), FontSize: 10}))
	c.Options = Options(sb)
	return c
}

// normalisationWords says in words how one indicator is normalised.
func normalisationWords(n *scoring.Node, o scoring.Options, t analysisT) string {
	nm := *n.Normalise
	if o.Normalise != "" {
		nm = scoring.Normalisation{Method: o.Normalise, Log: nm.Log}
	}
	num := func(p *float64) string {
		if p == nil {
			return "—"
		}
		return analysisNum(*p, 6)
	}
	var s string
	switch nm.Method {
	case scoring.NormGoalposts:
		s = t("dash.meth.norm.goalposts_detail", num(nm.Worst), num(nm.Best))
	case scoring.NormTarget:
		target, worst := num(nm.Target), num(nm.Worst)
		if nm.TargetVar != "" {
			target = nm.TargetVar
		}
		if nm.WorstVar != "" {
			worst = nm.WorstVar
		}
		s = t("dash.meth.norm.target_detail", target, worst)
	case scoring.NormZScore:
		s = t("dash.meth.norm.zscore")
		if nm.Rescale {
			s = t("dash.meth.norm.zscore_rescaled", analysisNum(nm.Mean, 4), analysisNum(nm.SD, 4))
		}
	default:
		s = normName(nm.Method, t)
	}
	if nm.Log {
		s = t("dash.meth.norm.log_then", s)
	}
	return s
}

var normMethods = []string{scoring.NormGoalposts, scoring.NormTarget, scoring.NormMinMax, scoring.NormMinMax1,
	scoring.NormZScore, scoring.NormRank, scoring.NormNone}

func normName(method string, t analysisT) string {
	if slices.Contains(normMethods, method) {
		return t("dash.meth.norm." + method)
	}
	return method
}

// sourceName translates a variable's source system.
func sourceName(source string, t analysisT) string {
	switch source {
	case "survey", "ratings", "metrics", "rectification", "citizen_survey":
		return t("dash.meth.source." + source)
	}
	return source
}

// methodAHPOf recomputes node n's AHP weights and consistency from its
// matrix as the framework keeps it.
func methodAHPOf(n *scoring.Node, lang string, t analysisT) methodAHP {
	spec := n.AHP
	a := methodAHP{Code: n.Code, Name: n.Name(lang), Matrix: spec.Matrix}
	for _, code := range spec.Names {
		label := code
		for _, c := range n.Children {
			if c.Code == code {
				label = code + " · " + c.Name(lang)
			}
		}
		a.Names = append(a.Names, label)
	}
	riName := cmp.Or(spec.RI, "saaty2005")
	ri, ok := scoring.RITables()[riName]
	a.RI = riName
	if ok {
		a.RI = ri.Name + " (" + ri.Source + ")"
	}
	limit := spec.MaxCR
	if limit == 0 {
		limit = 0.10
	}
	a.Limit = analysisNum(limit, 3)
	// The matrix's cells are text ("3", "1/3"): read them the way a
	// matrix file is read.
	var b strings.Builder
	cw := csv.NewWriter(&b)
	cw.Write(spec.Names)
	for _, row := range spec.Matrix {
		cw.Write(row)
	}
	cw.Flush()
	names, matrix, err := scoring.ParseAHPMatrixCSV(strings.NewReader(b.String()))
	if !ok {
		a.Error = t("dash.meth.ahp_unknown_ri", riName)
		return a
	}
	if err != nil {
		a.Error = err.Error()
		return a
	}
	res, err := scoring.AHP(names, matrix, ri, limit)
	if err != nil && res.Weights == nil {
		a.Error = err.Error()
		return a
	}
	for _, w := range res.Weights {
		a.Weights = append(a.Weights, analysisNum(w*100, 2)+"%")
	}
	a.Lambda, a.CI, a.CR = analysisNum(res.LambdaMax, 4), analysisNum(res.CI, 4), analysisNum(res.CR, 4)
	a.Consistent = res.Consistent
	if len(names) > 2 && res.WorstI != res.WorstJ {
		a.HasWorstPair, a.WorstA, a.WorstB = true, names[res.WorstI], names[res.WorstJ]
	}
	return a
}

func (p *pages) handleMethodology(w http.ResponseWriter, r *http.Request) {
	m, err := p.analysisModel(r)
	if err != nil {
		p.s.Fail(w, r, err)
		return
	}
	page := p.s.Page(r, "title.dashboard_methodology")
	v := methodologyOf(m, page.Lang, page.T)
	chart := methodologyChart(m, page.Lang, page.T)
	chart.CSV = analysisRunPath(m.Run.ID) + "/methodology/" + chart.ID + ".csv"
	v.Charts = labelled(page, chart)
	page.Data = v
	p.s.RenderPage(w, r, http.StatusOK, "dashboard_methodology", page)
}

// methodologyOf says in words how run m was scored: normalisation,
// weights, aggregation, the missing-data rule and bands, and a definition
// card per indicator.
func methodologyOf(m *Model, lang string, t analysisT) methodologyView {
	f, o := m.Framework, m.Result.Options
	v := methodologyView{Run: m.Run, Campaign: m.Campaign, Framework: f, Name: analysisPick(lang, f.NameZh, f.NameEn),
		Imputed: o.ImputeGroupMean, Winsor: o.Winsorise}
	if v.Name == "" {
		v.Name = f.Code
	}
	weights := m.Result.Weights()
	share, eff := effectiveShares(f, weights)
	vars := map[string]scoring.Variable{}
	for _, vr := range f.Variables {
		vars[vr.Code] = vr
	}

	// Normalisation methods in use, in the order of normMethods.
	byNorm := map[string][]string{}
	for _, n := range f.Indicators() {
		method := n.Normalise.Method
		if o.Normalise != "" {
			method = o.Normalise
		}
		byNorm[method] = append(byNorm[method], n.Code)
	}
	methods := append(slices.Clone(normMethods), slices.Sorted(func(yield func(string) bool) {
		for k := range byNorm {
			if !slices.Contains(normMethods, k) && !yield(k) {
				return
			}
		}
	})...)
	for _, method := range methods {
		if codes := byNorm[method]; len(codes) > 0 {
			about := ""
			if slices.Contains(normMethods, method) {
				about = t("dash.meth.norm." + method + "_about")
			}
			v.Norms = append(v.Norms, methodNorm{Name: normName(method, t), About: about, Codes: strings.Join(codes, ", "), N: len(codes)})
		}
	}

	// Aggregation, weights from data, AHP and band sets of the aggregates,
	// from the index down.
	byAgg := map[string][]string{}
	var aggOrder []string
	var walk func(n *scoring.Node)
	walk = func(n *scoring.Node) {
		if n.IsIndicator() {
			return
		}
		method := cmp.Or(o.Aggregate, n.Aggregate)
		if _, ok := byAgg[method]; !ok {
			aggOrder = append(aggOrder, method)
		}
		byAgg[method] = append(byAgg[method], n.Code)
		if wt := n.Weighting; wt != nil {
			mw := methodWeighting{Code: n.Code, Name: n.Name(lang), Method: t("dash.meth.weighting." + strings.ReplaceAll(wt.Method, "-", "_"))}
			if wt.Alpha > 0 {
				mw.Alpha = analysisNum(wt.Alpha, 3)
			}
			v.Weighted = append(v.Weighted, mw)
		}
		if n.AHP != nil {
			v.AHP = append(v.AHP, methodAHPOf(n, lang, t))
		}
		if n.Bands != "" {
			v.NodeBands = append(v.NodeBands, n.Code+": "+n.Bands)
		}
		for _, c := range n.Children {
			walk(c)
		}
	}
	walk(f.Root)
	for _, method := range aggOrder {
		name, about := method, ""
		if method == scoring.AggArith || method == scoring.AggGeom {
			name, about = t("dash.meth.agg."+method), t("dash.meth.agg."+method+"_about")
		}
		v.Aggs = append(v.Aggs, methodAgg{Name: name, About: about, Codes: strings.Join(byAgg[method], ", ")})
	}

	// Bands of the index, each from its minimum to the next one's.
	bands := m.Result.Bands.Bands
	for k, b := range bands {
		mb := methodBand{Name: analysisPick(lang, b.NameZh, b.NameEn), From: analysisNum(b.Min, 2), To: analysisNum(m.Result.Bands.Scale, 2)}
		if k+1 < len(bands) {
			mb.To = analysisNum(bands[k+1].Min, 2)
		}
		v.Bands = append(v.Bands, mb)
	}
	minAvail := scoring.DefaultMinAvailability
	if f.MinAvailability != nil {
		minAvail = *f.MinAvailability
	}
	if o.MinAvailability != nil {
		minAvail = *o.MinAvailability
	}
	v.MinAvail = analysisPct(minAvail)

	// Definition cards, grouped under each indicator's parent in framework
	// order.
	groupOf := map[string]int{}
	for _, n := range f.Indicators() {
		par := n.Parent()
		g, ok := groupOf[par.Code]
		if !ok {
			var path []string
			for a := par; a != nil; a = a.Parent() {
				path = append(path, a.Code)
			}
			slices.Reverse(path)
			g = len(v.Groups)
			groupOf[par.Code] = g
			v.Groups = append(v.Groups, methodGroup{Code: par.Code, Name: par.Name(lang), Path: strings.Join(path, " › ")})
		}
		card := methodCardOf(n, lang, t, o, vars)
		card.Weight = analysisNum(weights[n.Code], 4)
		card.Share = analysisNum(share[n.Code]*100, 2) + "%"
		card.Effective = analysisNum(eff[n.Code]*100, 4) + "%"
		if card.MinSample != "" {
			v.LowSample = append(v.LowSample, n.Code+": "+card.MinSample)
		}
		v.Groups[g].Cards = append(v.Groups[g].Cards, card)
	}
	return v
}

// methodCardOf is indicator n's definition card, without its weights.
func methodCardOf(n *scoring.Node, lang string, t analysisT, o scoring.Options, vars map[string]scoring.Variable) methodCard {
	card := methodCard{Code: n.Code, Name: n.Name(lang), Unit: n.Unit, Formula: n.Formula,
		Normalisation: normalisationWords(n, o, t), Direction: t("dash.meth.dir.up")}
	if n.Direction < 0 {
		card.Direction = t("dash.meth.dir.down")
	}
	if cd := n.Card; cd != nil {
		card.Definition = analysisPick(lang, cd.DefinitionZh, cd.DefinitionEn)
		card.Numerator = analysisPick(lang, cd.NumeratorZh, cd.NumeratorEn)
		card.Denominator = analysisPick(lang, cd.DenominatorZh, cd.DenominatorEn)
		card.Notes = analysisPick(lang, cd.NotesZh, cd.NotesEn)
		card.Period, card.Source = cd.Period, cd.Source
	}
	if ms := n.MinSample; ms != nil {
		card.MinSample = t("dash.meth.min_sample", ms.Variable, analysisNum(ms.Min, 4))
	}
	for _, code := range n.Vars() {
		vr := vars[code]
		card.Vars = append(card.Vars, methodVar{Code: code, Name: analysisPick(lang, vr.NameZh, vr.NameEn), Unit: vr.Unit,
			Source: sourceName(vr.Source, t)})
	}
	return card
}

func (p *pages) handleMethodologyCSV(w http.ResponseWriter, r *http.Request) {
	m, err := p.analysisModel(r)
	if err != nil {
		p.s.Fail(w, r, err)
		return
	}
	if analysisChart(r) != "weights" {
		p.s.Fail(w, r, survey.Errorf(survey.ENotFound, "err.not_found"))
		return
	}
	page := p.s.Page(r, "")
	c := methodologyChart(m, page.Lang, page.T)
	serveCSV(w, "run-"+strconv.FormatInt(m.Run.ID, 10)+"-methodology-"+c.ID, c)
}

// ---------------------------------------------------------------- data quality

type qualityView struct {
	Run          *survey.AssessmentRun
	Campaign     *survey.Campaign
	Units        int
	Limit        string // the correlation limit
	Charts       []ChartView
	Correlations ChartView // a table only: flags are pairs, not a scale
}

// correlationLimit is the |r| above which two indicators are reported as
// measuring the same thing (FRAMEWORK.md: "above 0.9").
const correlationLimit = 0.9

// qualityData is what the quality page's charts are drawn from.
type qualityData struct {
	m      *Model
	lang   string
	t      analysisT
	diag   *scoring.Diagnostics
	checks map[string]scoring.IndicatorCheck
	inds   []*scoring.Node
	col    map[string][]float64 // indicator code → its normalised scores
}

func newQualityData(m *Model, lang string, t analysisT) *qualityData {
	q := &qualityData{m: m, lang: lang, t: t, diag: m.Diagnostics(), checks: map[string]scoring.IndicatorCheck{},
		inds: m.Framework.Indicators(), col: map[string][]float64{}}
	for _, c := range q.diag.Indicators {
		q.checks[c.Code] = c
	}
	for _, n := range q.inds {
		q.col[n.Code] = m.Result.NodeScores(n.Code)
	}
	return q
}

func (q *qualityData) label(n *scoring.Node) string { return n.Code + " " + n.Name(q.lang) }

// analysisHBar draws one number per category as horizontal bars, first category
// on top.
func analysisHBar(labels []string, values []any, axis string, top any, colour string) map[string]any {
	// Copies, never nil: ECharts wants [] for no data, not null.
	labels, values = append([]string{}, labels...), append([]any{}, values...)
	slices.Reverse(labels)
	slices.Reverse(values)
	data := make([]opts.BarData, len(values))
	for i, v := range values {
		data[i] = opts.BarData{Value: v}
	}
	bar := charts.NewBar()
	bar.SetGlobalOptions(
		charts.WithTooltipOpts(opts.Tooltip{Show: opts.Bool(true), Trigger: "axis"}),
		charts.WithLegendOpts(opts.Legend{Show: opts.Bool(false)}),
		charts.WithXAxisOpts(opts.XAxis{Type: "value", Min: 0, Max: top, Name: axis, NameLocation: "middle", NameGap: 25}),
		charts.WithYAxisOpts(opts.YAxis{Type: "category", AxisLabel: &opts.AxisLabel{Show: opts.Bool(true), Width: 200, Overflow: "truncate", Interval: "0"}}),
		charts.WithGridOpts(opts.Grid{Left: "220", Right: "40", Top: "20", Bottom: "40"}),
	)
	bar.SetXAxis(labels).AddSeries(axis, data, charts.WithItemStyleOpts(opts.ItemStyle{Color: colour}))
	bar.XYReversal()
	return Options(bar)
}

// availabilityChart is the share of departments with a raw value, per
// indicator.
func (q *qualityData) availabilityChart() ChartView {
	t := q.t
	c := ChartView{ID: "availability", Title: t("dash.qual.availability"), Note: t("dash.qual.availability_note"),
		Head: []string{t("dash.code"), t("dash.qual.indicator"), t("dash.meth.parent"), t("dash.qual.with_value"),
			t("dash.departments"), t("dash.qual.availability_pct")}}
	units := len(q.m.Table.Units)
	var labels []string
	var values []any
	for _, n := range q.inds {
		a := q.checks[n.Code].Availability
		pct := analysisRound(a*100, 1)
		c.Rows = append(c.Rows, []string{n.Code, n.Name(q.lang), n.Parent().Code, strconv.Itoa(int(math.Round(a * float64(units)))),
			strconv.Itoa(units), analysisNum(pct, 1)})
		labels = append(labels, q.label(n))
		values = append(values, pct)
	}
	c.Options = analysisHBar(labels, values, t("dash.qual.availability_pct"), 100, palette[5])
	c.Height = 80 + 22*len(labels)
	return c
}

// lowSampleChart counts, per indicator with a minimum sample, the
// departments whose value was left out for a small sample.
func (q *qualityData) lowSampleChart() ChartView {
	t := q.t
	c := ChartView{ID: "low-sample", Title: t("dash.qual.low_sample"), Note: t("dash.qual.low_sample_note"),
		Head: []string{t("dash.code"), t("dash.qual.indicator"), t("dash.qual.rule"), t("dash.qual.flagged"), t("dash.departments")}}
	units := len(q.m.Table.Units)
	var labels []string
	var values []any
	for _, n := range q.inds {
		low := q.checks[n.Code].LowSample
		if n.MinSample == nil && low == 0 {
			continue
		}
		rule := ""
		if ms := n.MinSample; ms != nil {
			rule = ms.Variable + " < " + analysisNum(ms.Min, 4)
		}
		c.Rows = append(c.Rows, []string{n.Code, n.Name(q.lang), rule, strconv.Itoa(low), strconv.Itoa(units)})
		labels = append(labels, q.label(n))
		values = append(values, low)
	}
	c.Options = analysisHBar(labels, values, t("dash.qual.flagged"), nil, palette[1])
	c.Height = 80 + 26*max(len(labels), 2)
	return c
}

// alphaChart is Cronbach's α of each aggregate over its indicators'
// normalised scores, counting the departments that have all of them.
func (q *qualityData) alphaChart() ChartView {
	t := q.t
	c := ChartView{ID: "alpha", Title: t("dash.qual.alpha"), Note: t("dash.qual.alpha_note"),
		Head: []string{t("dash.code"), t("dash.meth.node"), t("dash.qual.items"), t("dash.qual.complete"), t("dash.qual.alpha_col")}}
	var labels []string
	var values []any
	for _, n := range q.m.Framework.Order() {
		var items [][]float64
		for _, ch := range n.Children {
			if ch.IsIndicator() {
				items = append(items, q.col[ch.Code])
			}
		}
		if len(items) == 0 {
			continue
		}
		complete := 0
		for i := range q.m.Table.Units {
			all := true
			for _, it := range items {
				all = all && !math.IsNaN(it[i])
			}
			if all {
				complete++
			}
		}
		a := scoring.CronbachAlpha(items)
		var shown any = "-" // ECharts' empty value: JSON has no NaN
		if !math.IsNaN(a) {
			shown = analysisRound(a, 3)
		}
		c.Rows = append(c.Rows, []string{n.Code, n.Name(q.lang), strconv.Itoa(len(items)), strconv.Itoa(complete), analysisNum(a, 3)})
		labels = append(labels, n.Code+" "+n.Name(q.lang))
		values = append(values, shown)
	}
	c.Options = analysisHBar(labels, values, "α", 1, palette[4])
	c.Height = 80 + 30*max(len(labels), 2)
	return c
}

// shapeChart plots each indicator's skewness against its kurtosis; the
// indicators COINr would treat for outliers (|skew| > 2 and kurtosis >
// 3.5) are a series of their own.
func (q *qualityData) shapeChart() ChartView {
	t := q.t
	c := ChartView{ID: "shape", Title: t("dash.qual.shape"), Note: t("dash.qual.shape_note"), Height: 360,
		Head: []string{t("dash.code"), t("dash.qual.indicator"), t("dash.qual.skew"), t("dash.qual.kurtosis"), t("dash.qual.outlier")}}
	fine, risky := []opts.ScatterData{}, []opts.ScatterData{}
	for _, n := range q.inds {
		ck := q.checks[n.Code]
		risk := t("dash.qual.no")
		if ck.OutlierRisk {
			risk = t("dash.qual.yes")
		}
		c.Rows = append(c.Rows, []string{n.Code, n.Name(q.lang), analysisNum(ck.Skew, 2), analysisNum(ck.Kurtosis, 2), risk})
		if math.IsNaN(ck.Skew) || math.IsNaN(ck.Kurtosis) {
			continue
		}
		pt := opts.ScatterData{Name: n.Code, Value: []float64{analysisRound(ck.Skew, 2), analysisRound(ck.Kurtosis, 2)}}
		if ck.OutlierRisk {
			risky = append(risky, pt)
		} else {
			fine = append(fine, pt)
		}
	}
	sc := charts.NewScatter()
	sc.SetGlobalOptions(
		charts.WithTooltipOpts(opts.Tooltip{Show: opts.Bool(true), Trigger: "item", Formatter: "{b}: {c}"}),
		charts.WithLegendOpts(opts.Legend{Show: opts.Bool(true), Top: "0"}),
		charts.WithXAxisOpts(opts.XAxis{Type: "value", Name: t("dash.qual.skew"), NameLocation: "middle", NameGap: 25}),
		charts.WithYAxisOpts(opts.YAxis{Type: "value", Name: t("dash.qual.kurtosis"), AxisLabel: &opts.AxisLabel{Show: opts.Bool(true)}}),
		charts.WithGridOpts(opts.Grid{Left: "60", Right: "30", Top: "40", Bottom: "50"}),
	)
	sc.AddSeries(t("dash.qual.outlier_no"), fine, charts.WithItemStyleOpts(opts.ItemStyle{Color: palette[5]})).
		AddSeries(t("dash.qual.outlier_yes"), risky, charts.WithItemStyleOpts(opts.ItemStyle{Color: palette[0]}))
	c.Options = Options(sc)
	return c
}

// correlationTable lists the correlation flags: within an aggregate,
// siblings above the limit and indicators that pull against it (the
// run's diagnostics), and across aggregates, indicators whose |r| is
// above the limit. Correlations are Pearson's over the departments having
// both normalised scores.
func (q *qualityData) correlationTable() ChartView {
	t := q.t
	c := ChartView{ID: "correlations", Title: t("dash.qual.correlations"),
		Head: []string{t("dash.qual.a"), t("dash.qual.a_name"), t("dash.qual.b"), t("dash.qual.b_name"), t("dash.qual.r"), t("dash.qual.kind")}}
	name := func(code string) string {
		if n := q.m.Framework.Node(code); n != nil {
			return n.Name(q.lang)
		}
		return code
	}
	add := func(a, b string, r float64, kind string) {
		c.Rows = append(c.Rows, []string{a, name(a), b, name(b), analysisNum(r, 3), t("dash.qual.kind." + kind)})
	}
	for _, f := range q.diag.Correlations {
		add(f.A, f.B, f.R, f.Kind)
	}
	for _, f := range q.acrossFlags() {
		add(f.A, f.B, f.R, "across")
	}
	return c
}

// acrossFlags are the pairs of indicators of different aggregates whose
// |r| is above the limit: every pair's correlation over every department,
// so computed once per run (Model.Memo) rather than on every view.
func (q *qualityData) acrossFlags() []scoring.CorrelationFlag {
	return q.m.Memo("quality.across", func() any {
		var out []scoring.CorrelationFlag
		for i, a := range q.inds {
			for _, b := range q.inds[i+1:] {
				if a.Parent() == b.Parent() {
					continue
				}
				if r := scoring.Pearson(q.col[a.Code], q.col[b.Code]); math.Abs(r) > correlationLimit {
					out = append(out, scoring.CorrelationFlag{A: a.Code, B: b.Code, R: r})
				}
			}
		}
		return out
	}).([]scoring.CorrelationFlag)
}

func (p *pages) handleQuality(w http.ResponseWriter, r *http.Request) {
	m, err := p.analysisModel(r)
	if err != nil {
		p.s.Fail(w, r, err)
		return
	}
	page := p.s.Page(r, "title.dashboard_quality")
	q := newQualityData(m, page.Lang, page.T)
	base := analysisRunPath(m.Run.ID) + "/quality/"
	cs := []ChartView{q.availabilityChart(), q.lowSampleChart(), q.alphaChart(), q.shapeChart()}
	for i := range cs {
		cs[i].CSV = base + cs[i].ID + ".csv"
	}
	corr := q.correlationTable()
	corr.CSV = base + corr.ID + ".csv"
	v := qualityView{Run: m.Run, Campaign: m.Campaign, Units: len(m.Table.Units), Limit: analysisNum(correlationLimit, 2),
		Charts: labelled(page, cs...), Correlations: labelled(page, corr)[0]}
	page.Data = v
	p.s.RenderPage(w, r, http.StatusOK, "dashboard_quality", page)
}

func (p *pages) handleQualityCSV(w http.ResponseWriter, r *http.Request) {
	m, err := p.analysisModel(r)
	if err != nil {
		p.s.Fail(w, r, err)
		return
	}
	page := p.s.Page(r, "")
	q := newQualityData(m, page.Lang, page.T)
	var c ChartView
	switch analysisChart(r) {
	case "availability":
		c = q.availabilityChart()
	case "low-sample":
		c = q.lowSampleChart()
	case "alpha":
		c = q.alphaChart()
	case "shape":
		c = q.shapeChart()
	case "correlations":
		c = q.correlationTable()
	default:
		p.s.Fail(w, r, survey.Errorf(survey.ENotFound, "err.not_found"))
		return
	}
	serveCSV(w, "run-"+strconv.FormatInt(m.Run.ID, 10)+"-quality-"+c.ID, c)
}
