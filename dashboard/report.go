package dashboard

import (
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"govkpi/static"
	"govkpi/survey"
)

// The ranking report (排名通报) of a run: the document an assessment
// office circulates, as a page that prints on A4 (…/report) and as that
// page printed to PDF by the server's own headless Chromium (…/report.pdf,
// pdf.go). It has the run's head, a summary in words, the band
// distribution, the whole ranking with each department's change from the
// previous published period, the most improved and most declined, and
// short notes on method. It is built in O(departments): the run's order is
// the ranking, the previous period's scores are looked up by code, and the
// most improved are picked in one pass.

// reportTop is how many departments the most improved and the most
// declined list.
const reportTop = 5

// reportView is the ranking report.
type reportView struct {
	Run        *survey.AssessmentRun
	Campaign   *survey.Campaign
	Published  bool
	Framework  string // the framework's name in the page's language
	Date       time.Time
	Units      int // departments in the run
	Scored     int // departments with an index, ranked
	Mean       string
	Summary    string // the summary paragraph
	Previous   string // the previous published period, "" when there is none
	Bands      []reportBand
	BandChart  ChartView
	Rows       []reportRow // ranked first, best first, then the unscored
	Ties       bool        // some ranks are shared
	TieLabel   string
	Improved   []reportRow
	Declined   []reportRow
	Method     reportMethod
	Base       string // the overview's path
	PDFURL     string
	MethodPath string
	// Print is set when the page is rendered for the server's Chromium:
	// links that lead nowhere from a PDF are left out.
	Print bool
}

// reportBand is one band's line of the distribution table.
type reportBand struct {
	Name, From, To string
	N              int
	Share          string
}

// reportRow is one department's line of the ranking.
type reportRow struct {
	Rank      int // 0 when unscored
	Tied      bool
	Code      string
	Name      string
	Where     string // level · parent
	Score     string
	Band      string
	BandClass string // "rep-b0"… for the band's swatch
	Previous  string
	Change    string // signed, "" when either period has no score
	Up, Down  bool
	URL       string

	delta float64 // the change as a number, NaN without one
}

// reportMethod is the notes on method, one sentence each.
type reportMethod struct {
	Normalisation, Weights, Aggregation, Bands, Missing, Imputed string
}

// handleReport shows a run's ranking report: admins and evaluators any
// run's, officials a published run's. Serving it is audited as an export.
func (p *pages) handleReport(w http.ResponseWriter, r *http.Request) {
	m, err := p.reportModel(r)
	if err != nil {
		p.s.Fail(w, r, err)
		return
	}
	page := p.s.Page(r, "title.report")
	v, err := p.report(r, m, page)
	if err != nil {
		p.s.Fail(w, r, err)
		return
	}
	page.Data = v
	p.s.AuditRequest(r, survey.AuditExported, "run", strconv.FormatInt(m.Run.ID, 10), reportDetail("html", page.Lang))
	p.s.RenderPage(w, r, http.StatusOK, "report", page)
}

// reportModel loads the route's run for the signed-in account under the
// whole-run rule: an official's draft is not found.
func (p *pages) reportModel(r *http.Request) (*Model, error) {
	m, err := p.model(r)
	if err != nil {
		return nil, err
	}
	if err := p.allowed(r, m, ""); err != nil {
		return nil, err
	}
	return m, nil
}

// reportDetail is a report's audit detail: the format and the language.
func reportDetail(format, lang string) string {
	return "ranking report " + format + " " + lang
}

// report gathers run m's ranking report in page's language, with the
// previous published period from the trend's runs.
func (p *pages) report(r *http.Request, m *Model, page *static.Page) (reportView, error) {
	runs, err := p.trends.runs(r.Context(), m.Run.CampaignID)
	if err != nil {
		return reportView{}, err
	}
	return reportOf(m, page, reportPrevious(m.Campaign, runs), time.Now()), nil
}

// reportPrevious is the published run of the campaign just before c in
// the trend's order (opening time, period, id), nil when c is the first.
func reportPrevious(c *survey.Campaign, runs []survey.TrendRun) *survey.TrendRun {
	var prev *survey.TrendRun
	for k := range runs {
		r := &runs[k]
		later := c.OpensAt.Before(r.OpensAt) || c.OpensAt.Equal(r.OpensAt) &&
			(c.Period < r.Period || c.Period == r.Period && c.ID < r.CampaignID)
		if later {
			break
		}
		prev = r
	}
	return prev
}

// reportOf builds the report of m as of now, against prev (nil for none).
func reportOf(m *Model, page *static.Page, prev *survey.TrendRun, now time.Time) reportView {
	lang, t := page.Lang, page.T
	base := "/dashboard/runs/" + strconv.FormatInt(m.Run.ID, 10)
	o := newOverview(m, lang, t, overviewFilter{})
	meth := methodologyOf(m, lang, t)
	v := reportView{Run: m.Run, Campaign: m.Campaign, Published: m.Run.Published(), Framework: meth.Name, Date: now,
		Units: len(o.units), Scored: o.scored, TieLabel: t("rep.tie"), Base: base, PDFURL: base + "/report.pdf",
		MethodPath: base + "/methodology"}
	if prev != nil {
		v.Previous = prev.Period
	}

	// The previous period's index by department code.
	before := map[string]float64{}
	if prev != nil {
		for k, u := range prev.Units {
			if k < len(prev.Index) && !math.IsNaN(prev.Index[k]) {
				before[u.Code] = prev.Index[k]
			}
		}
	}

	// The ranking, in the run's order. Level names and band names are
	// looked up once each, not once a row.
	levels := map[string]string{}
	bandName := map[string]string{}
	for _, b := range m.Outcome.Bands {
		bandName[b.Code] = m.Outcome.BandName(b.Code, lang)
	}
	v.Rows = make([]reportRow, len(o.units))
	for k, u := range o.units {
		d, known := m.Depts[u.Code]
		row := reportRow{Rank: u.Rank, Code: u.Code, Name: u.Name, URL: profileURL(m.Run.ID, u.Code), delta: math.NaN()}
		if known {
			if n := d.Name(lang); n != "" {
				row.Name = n
			}
			level, ok := levels[d.Level]
			if !ok && d.Level != "" {
				level = t("level." + d.Level)
				levels[d.Level] = level
			}
			row.Where = level
			if parent := d.ParentName(lang); parent != "" {
				if row.Where != "" {
					row.Where += " · "
				}
				row.Where += parent
			}
		}
		if row.Name == "" {
			row.Name = u.Code
		}
		if u.Score != nil {
			row.Score = profFixed(*u.Score)
			if name, ok := bandName[u.Level]; ok {
				row.Band = name
			} else {
				row.Band = u.Level
			}
			if b := o.bandIndex(u.Level); b >= 0 {
				row.BandClass = "rep-b" + strconv.Itoa(b%len(palette))
			}
			if x, ok := before[u.Code]; ok {
				row.Previous = profFixed(x)
				row.delta = profRound(*u.Score) - profRound(x)
				row.Change = profSigned(row.delta)
				row.Up, row.Down = row.delta > 0, row.delta < 0
			}
		} else {
			row.Rank = 0
		}
		v.Rows[k] = row
	}
	// Ranks are competition ranks (1-2-2-4) in order: a shared rank is a
	// neighbour's.
	for k := range v.Rows[:o.scored] {
		rank := v.Rows[k].Rank
		if (k > 0 && v.Rows[k-1].Rank == rank) || (k+1 < o.scored && v.Rows[k+1].Rank == rank) {
			v.Rows[k].Tied = true
			v.Ties = true
		}
	}
	if prev != nil {
		v.Improved = reportExtremes(v.Rows[:o.scored], 1)
		v.Declined = reportExtremes(v.Rows[:o.scored], -1)
	}

	// The bands: the overview's chart, and a table with each band's range
	// and share.
	chart := o.bandChart()
	chart.CSV = base + "/" + chart.ID + ".csv"
	chart.Title = t("rep.band_chart")
	chart.Height = 260
	v.BandChart = labelled(page, chart)[0]
	bands := m.Outcome.Bands
	for k, row := range chart.Rows {
		n, _ := strconv.Atoi(row[1])
		b := reportBand{Name: row[0], N: n, Share: "—"}
		if k < len(bands) {
			b.From, b.To = analysisNum(bands[k].Min, 2), analysisNum(m.Result.Bands.Scale, 2)
			if k+1 < len(bands) {
				b.To = analysisNum(bands[k+1].Min, 2)
			}
		}
		if o.scored > 0 {
			b.Share = strconv.FormatFloat(100*float64(n)/float64(o.scored), 'f', 1, 64) + "%"
		}
		v.Bands = append(v.Bands, b)
	}

	mean, ok := o.mean()
	if ok {
		v.Mean = strconv.FormatFloat(mean, 'f', 1, 64)
	}
	v.Summary = v.summary(t, mean, prev)
	v.Method = reportMethodOf(meth, t)
	return v
}

// summary says the report's numbers in words: departments scored, the
// mean index and its change, and the count in each band, best first.
func (v *reportView) summary(t func(string, ...any) string, mean float64, prev *survey.TrendRun) string {
	sep := t("rep.list_sep")
	var parts []string
	if v.Scored == 0 {
		parts = append(parts, t("rep.summary_none", v.Units))
	} else {
		parts = append(parts, t("rep.summary_scored", v.Units, v.Scored, v.Mean))
		var bands []string
		for k := len(v.Bands) - 1; k >= 0; k-- {
			bands = append(bands, t("rep.summary_band", v.Bands[k].Name, v.Bands[k].N))
		}
		if len(bands) > 0 {
			parts = append(parts, t("rep.summary_bands", strings.Join(bands, sep)))
		}
	}
	if n := v.Units - v.Scored; n > 0 {
		parts = append(parts, t("rep.summary_unscored", n))
	}
	if prev != nil {
		all := make([]bool, len(prev.Index))
		for k := range all {
			all[k] = true
		}
		if before := ovMeanOf(prev.Index, all); v.Scored > 0 && !math.IsNaN(before) {
			parts = append(parts, t("rep.summary_change", prev.Period, strconv.FormatFloat(before, 'f', 1, 64),
				fmt.Sprintf("%+.1f", ovRound(mean, 1)-ovRound(before, 1))))
		}
	} else {
		parts = append(parts, t("rep.summary_first"))
	}
	end := t("rep.sentence_sep")
	return strings.Join(parts, end) + strings.TrimSpace(end)
}

// reportExtremes picks the reportTop rows with the largest change in
// direction sign (1: rises, -1: falls), largest first; a tie keeps the
// better-ranked first. One pass, keeping the best so far in order.
func reportExtremes(rows []reportRow, sign float64) []reportRow {
	var top []reportRow
	for _, row := range rows {
		d := sign * row.delta
		if math.IsNaN(row.delta) || d <= 0 {
			continue
		}
		k := len(top)
		for k > 0 && sign*top[k-1].delta < d {
			k--
		}
		if k >= reportTop {
			continue
		}
		top = append(top, reportRow{})
		copy(top[k+1:], top[k:])
		top[k] = row
		if len(top) > reportTop {
			top = top[:reportTop]
		}
	}
	return top
}

// reportMethodOf shortens the methodology page's account of the run to a
// sentence a topic.
func reportMethodOf(meth methodologyView, t func(string, ...any) string) reportMethod {
	sep := t("rep.list_sep")
	var norms, aggs, bands []string
	for _, n := range meth.Norms {
		norms = append(norms, t("rep.meth_norm_item", n.Name, n.N))
	}
	for _, a := range meth.Aggs {
		aggs = append(aggs, a.Name)
	}
	for _, b := range meth.Bands {
		bands = append(bands, t("rep.meth_band_item", b.Name, b.From, b.To))
	}
	out := reportMethod{
		Normalisation: t("rep.meth_norm", strings.Join(norms, sep)),
		Aggregation:   t("rep.meth_agg", strings.Join(aggs, sep)),
		Bands:         t("rep.meth_bands", strings.Join(bands, sep)),
		Missing:       t("rep.meth_missing", meth.MinAvail),
		Imputed:       t("dash.meth.not_imputed"),
	}
	if meth.Imputed {
		out.Imputed = t("dash.meth.imputed")
	}
	var derived []string
	for _, w := range meth.Weighted {
		derived = append(derived, w.Code+"（"+w.Method+"）")
	}
	for _, a := range meth.AHP {
		derived = append(derived, a.Code+"（AHP）")
	}
	end := t("rep.sentence_sep")
	out.Weights = t("rep.meth_weights") + strings.TrimSpace(end)
	if len(derived) > 0 {
		out.Weights = t("rep.meth_weights") + end + t("rep.meth_weights_derived", strings.Join(derived, sep))
	}
	return out
}

// handleReportPDF prints the ranking report to PDF in the server's
// headless Chromium (pdf.go), with the report's access. Without Chromium
// it answers 503 with a page naming the packages to install.
func (p *pages) handleReportPDF(w http.ResponseWriter, r *http.Request) {
	m, err := p.reportModel(r)
	if err != nil {
		p.s.Fail(w, r, err)
		return
	}
	lang := survey.Lang(r.Context())
	pdf, ok := p.printPDF(w, r, printJob{kind: printReport, run: m.Run.ID, lang: lang,
		reader: printReader(survey.CurrentAccount(r.Context()))})
	if !ok {
		return
	}
	page := p.s.Page(r, "")
	w.Header().Set("Content-Type", "application/pdf")
	w.Header().Set("Content-Disposition", reportDisposition(m.Run.ID, m.Campaign.Name(lang), m.Campaign.Period, page.T("rep.file_word")))
	p.s.AuditRequest(r, survey.AuditExported, "run", strconv.FormatInt(m.Run.ID, 10), reportDetail("pdf", lang))
	w.Write(pdf)
}

// reportDisposition names the PDF download: report-run{id}.pdf for every
// client, and the campaign's name, period and word for the document for
// those that read filename* (RFC 6266, RFC 8187).
func reportDisposition(runID int64, campaign, period, word string) string {
	full := campaign
	if period != "" {
		full += "-" + period
	}
	full += "-" + word + ".pdf"
	return `attachment; filename="report-run` + strconv.FormatInt(runID, 10) + `.pdf"; filename*=UTF-8''` + attrEncode(full)
}

// printReportPage serves run m's report to the server's Chromium for the
// token's job; handlePrint has checked the token and the reader's access.
func (p *pages) printReportPage(w http.ResponseWriter, r *http.Request, m *Model, job printJob) {
	page := p.s.Render.NewPage(job.lang)
	page.Title, page.Path, page.RequestID = "title.report", r.URL.Path, survey.RequestID(r.Context())
	v, err := p.report(r, m, page)
	if err != nil {
		p.s.Fail(w, r, err)
		return
	}
	v.Print = true
	page.Data = v
	p.s.RenderPage(w, r, http.StatusOK, "report", page)
}
