package dashboard

import (
	"math"
	"net/http"
	"slices"
	"strconv"

	"github.com/go-echarts/go-echarts/v2/charts"
	"github.com/go-echarts/go-echarts/v2/opts"
	"github.com/gorilla/mux"

	"govkpi/scoring"
	"govkpi/survey"
)

// The overview of one assessment run (/dashboard/runs/{id}): KPI tiles, the
// ranking as a bar chart coloured by band, and the band distribution. Every
// chart has its numbers in a table under it and as CSV
// (/dashboard/runs/{id}/{chart}.csv), exactly what the chart shows.

type runView struct {
	Run      *survey.AssessmentRun
	Campaign *survey.Campaign
	Mean     string
	Scored   int
	Units    int
	Bands    []bandCount
	Charts   []ChartView
}

type bandCount struct {
	Name string
	N    int
}

// runData is what the run's charts are drawn from.
type runData struct {
	run *survey.AssessmentRun
	*survey.RunOutcome
	lang string // of the page, for band names
}

func (p *pages) load(r *http.Request) (*runData, *survey.Campaign, error) {
	m, err := p.model(r)
	if err != nil {
		return nil, nil, err
	}
	if err := allowed(r, m, ""); err != nil {
		return nil, nil, err
	}
	return &runData{run: m.Run, RunOutcome: m.Outcome, lang: survey.Lang(r.Context())}, m.Campaign, nil
}

func (p *pages) handleRun(w http.ResponseWriter, r *http.Request) {
	d, c, err := p.load(r)
	if err != nil {
		p.s.Fail(w, r, err)
		return
	}
	page := p.s.Page(r, "title.dashboard_run")
	v := runView{Run: d.run, Campaign: c, Units: len(d.Units)}
	sum := 0.0
	for _, u := range d.Units {
		if u.Score != nil {
			v.Scored++
			sum += *u.Score
		}
	}
	if v.Scored > 0 {
		v.Mean = strconv.FormatFloat(sum/float64(v.Scored), 'f', 1, 64)
	}
	base := "/dashboard/runs/" + strconv.FormatInt(d.run.ID, 10)
	ranking := d.rankingChart(page.T)
	ranking.CSV = base + "/ranking.csv"
	bands := d.bandChart(page.T)
	bands.CSV = base + "/bands.csv"
	for _, row := range bands.Rows {
		n, _ := strconv.Atoi(row[1])
		v.Bands = append(v.Bands, bandCount{Name: row[0], N: n})
	}
	v.Charts = labelled(page, bands, ranking)
	page.Data = v
	p.s.RenderPage(w, r, http.StatusOK, "dashboard_run", page)
}

// handleChartCSV serves a chart's numbers.
func (p *pages) handleChartCSV(w http.ResponseWriter, r *http.Request) {
	d, _, err := p.load(r)
	if err != nil {
		p.s.Fail(w, r, err)
		return
	}
	t := p.s.Page(r, "").T
	var c ChartView
	switch mux.Vars(r)["chart"] {
	case "ranking":
		c = d.rankingChart(t)
	case "bands":
		c = d.bandChart(t)
	default:
		p.s.Fail(w, r, survey.Errorf(survey.ENotFound, "err.not_found"))
		return
	}
	serveCSV(w, "run-"+strconv.FormatInt(d.run.ID, 10)+"-"+c.ID, c)
}

func (d *runData) bandIndex(code string) int {
	return slices.IndexFunc(d.Bands, func(b scoring.Band) bool { return b.Code == code })
}

// rankingChart is every ranked department's score as a horizontal bar,
// best on top, coloured by band; above 30 departments a slider shows 30 at
// a time.
func (d *runData) rankingChart(t func(string, ...any) string) ChartView {
	c := ChartView{ID: "ranking", Title: t("dash.ranking"),
		Head:    []string{t("runs.rank"), t("dash.code"), t("runs.department"), t("runs.score"), t("runs.level")},
		LinkCol: 2, Click: map[string]string{}}
	var names []string
	var bars []opts.BarData
	for _, u := range d.Units {
		score := ""
		if u.Score != nil {
			score = strconv.FormatFloat(*u.Score, 'f', 2, 64)
		}
		rank := ""
		if u.Rank > 0 {
			rank = strconv.Itoa(u.Rank)
		}
		c.Rows = append(c.Rows, []string{rank, u.Code, u.Name, score, d.BandName(u.Level, d.lang)})
		c.Links = append(c.Links, profileURL(d.run.ID, u.Code))
		if u.Score == nil {
			continue
		}
		c.Click[u.Name] = profileURL(d.run.ID, u.Code)
		names = append(names, u.Name)
		bar := opts.BarData{Name: u.Name, Value: math.Round(*u.Score*100) / 100}
		if i := d.bandIndex(u.Level); i >= 0 {
			bar.ItemStyle = &opts.ItemStyle{Color: palette[i%len(palette)]}
		}
		bars = append(bars, bar)
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

// bandChart counts the scored departments per band, lowest band first.
func (d *runData) bandChart(t func(string, ...any) string) ChartView {
	c := ChartView{ID: "bands", Title: t("dash.bands"), Head: []string{t("runs.level"), t("dash.departments")}, Height: 280}
	counts := make([]int, len(d.Bands))
	for _, u := range d.Units {
		if i := d.bandIndex(u.Level); i >= 0 && u.Score != nil {
			counts[i]++
		}
	}
	var names []string
	var bars []opts.BarData
	for i, b := range d.Bands {
		name := d.BandName(b.Code, d.lang)
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
