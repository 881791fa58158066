package dashboard

import (
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gorilla/mux"

	"govkpi/static"
	"govkpi/survey"
)

// A department's scorecard (考核评分表) in one run: the document an
// assessment office sends up and out, as a page that prints on A4
// (…/scorecard) and as that page printed to PDF by the server's own
// headless Chromium (…/scorecard.pdf, pdf.go). It shows what the profile
// shows, from the same code (profile.go), laid out as a document: the
// head, the index with its band and ranks, the families with their change
// from the previous period, the radar, the indicator table, strengths and
// weaknesses, the way to the next band, the open tickets, and appendices of
// the answers with their evidence and of the indicators' definitions.

// scorecardView is the scorecard page.
type scorecardView struct {
	profileView
	Published  bool
	Radar      ChartView
	Families   []scorecardFamily
	Rows       []scorecardIndicator
	Tickets    *scorecardTickets // nil when the reader may not see them
	Cards      []scorecardCard
	ProfileURL string
	PDFURL     string
	// Print is set when the page is rendered for the server's Chromium:
	// links that lead nowhere from a PDF are left out.
	Print bool
}

// scorecardFamily is one family's score in this run and the previous
// period, as the profile's trend chart has them.
type scorecardFamily struct {
	Name, Score, Previous, Change string
}

// scorecardIndicator is a row of the profile's indicator table with the
// indicator's effective weight.
type scorecardIndicator struct {
	profileIndicator
	Weight string
}

// scorecardTickets counts the department's rectification tickets not yet
// closed.
type scorecardTickets struct {
	Total, Overdue int
}

// scorecardCard is an indicator's definition card.
type scorecardCard struct {
	Code, Name, Path, Unit, Formula, Method, MethodDetail string
	LowerBetter                                           bool
	Card                                                  *provenanceCard
}

// scorecardUnit finds the route's department in the run after the
// profile's access rule. An official refused another department's
// scorecard (or one in a run they may not read) is audited as a refused
// export and answered 404, as the profile answers.
func (p *pages) scorecardUnit(r *http.Request) (*Model, int, error) {
	m, err := p.model(r)
	if err != nil {
		return nil, 0, err
	}
	code := mux.Vars(r)["code"]
	if err := p.allowed(r, m, code); err != nil {
		if a := survey.CurrentAccount(r.Context()); a != nil && a.Role == survey.RoleOfficial {
			p.s.AuditRequest(r, survey.AuditExportRefused, "department", code,
				"scorecard run "+strconv.FormatInt(m.Run.ID, 10))
		}
		return nil, 0, err
	}
	i, ok := m.UnitIndex(code)
	if !ok {
		return nil, 0, survey.Errorf(survey.ENotFound, "err.not_found")
	}
	return m, i, nil
}

// handleScorecard shows a department's scorecard, with the profile's
// access: admins and evaluators any department's, officials their own in
// a published run (or any while the campaign opens profiles). The page is
// the printable document, so serving it is audited as an export.
func (p *pages) handleScorecard(w http.ResponseWriter, r *http.Request) {
	m, i, err := p.scorecardUnit(r)
	if err != nil {
		p.s.Fail(w, r, err)
		return
	}
	page := p.s.Page(r, "title.scorecard")
	v, err := p.scorecard(r, m, i, page, survey.CurrentAccount(r.Context()))
	if err != nil {
		p.s.Fail(w, r, err)
		return
	}
	page.Data = v
	p.s.AuditRequest(r, survey.AuditExported, "department", v.Code, scorecardDetail(m, "html", page.Lang))
	p.s.RenderPage(w, r, http.StatusOK, "scorecard", page)
}

// scorecardDetail is an export's audit detail: the run, the format and
// the language.
func scorecardDetail(m *Model, format, lang string) string {
	return "scorecard run " + strconv.FormatInt(m.Run.ID, 10) + " " + format + " " + lang
}

// scorecard gathers unit i's scorecard for reader, the account the page is
// for: the signed-in one, or for the print route the one who asked for
// the PDF (the request then has none). The reader decides whether the
// tickets show, by the tickets' own rule.
func (p *pages) scorecard(r *http.Request, m *Model, i int, page *static.Page, reader *survey.Account) (scorecardView, error) {
	ctx := r.Context()
	pr := newProfiler(m, page)
	v := scorecardView{profileView: pr.profile(i), Published: m.Run.Published()}
	runs, err := p.trends.runs(ctx, m.Run.CampaignID)
	if err != nil {
		return v, err
	}
	points := pr.trendPoints(i, runs)
	v.Change, v.Previous = profChange(points)
	v.Families = pr.scorecardFamilies(points)
	if v.Answers, err = p.readAnswers(r, pr, i); err != nil {
		return v, err
	}
	if v.Tickets, err = p.scorecardTickets(r, m, i, reader); err != nil {
		return v, err
	}
	v.Rows = pr.scorecardRows(i, v.Indicators)
	v.Cards = pr.scorecardCards(i)
	v.ProfileURL = profileURL(m.Run.ID, v.Code)
	v.PDFURL = v.ProfileURL + "/scorecard.pdf"
	radar := pr.profileRadar(i)
	radar.CSV = v.ProfileURL + "/radar.csv"
	radar.Height = 360
	v.Radar = labelled(page, radar)[0]
	return v, nil
}

// scorecardFamilies are the families' scores in this run and in the
// period before it, from the trend's points (the current one marked).
func (pr *profiler) scorecardFamilies(points []profTrendPoint) []scorecardFamily {
	var cur, prev *profTrendPoint
	for k := range points {
		if points[k].current {
			cur = &points[k]
			if k > 0 {
				prev = &points[k-1]
			}
			break
		}
	}
	var out []scorecardFamily
	for fi, f := range pr.families() {
		row := scorecardFamily{Name: f.Name(pr.lang)}
		now := math.NaN()
		if cur != nil {
			now = cur.families[fi]
		}
		row.Score = profFixed(now)
		if prev != nil {
			before := prev.families[fi]
			row.Previous = profFixed(before)
			if !math.IsNaN(now) && !math.IsNaN(before) {
				row.Change = profSigned(profRound(now) - profRound(before))
			}
		}
		out = append(out, row)
	}
	return out
}

// scorecardRows are the profile's indicator rows with each indicator's
// effective weight in unit i's index, as a percentage.
func (pr *profiler) scorecardRows(i int, rows []profileIndicator) []scorecardIndicator {
	out := make([]scorecardIndicator, len(rows))
	for k, row := range rows {
		out[k] = scorecardIndicator{profileIndicator: row}
		if ew := pr.m.Result.EffWeight[pr.pos[row.Code]][i]; ew > 0 {
			out[k].Weight = strconv.FormatFloat(ew*100, 'f', 2, 64) + "%"
		}
	}
	return out
}

// scorecardCards are the definition cards of the framework's indicators,
// in framework order, as the provenance page shows them.
func (pr *profiler) scorecardCards(i int) []scorecardCard {
	var out []scorecardCard
	for _, n := range pr.m.Framework.Indicators() {
		pv := pr.provenance(i, n)
		out = append(out, scorecardCard{Code: n.Code, Name: pv.NodeName, Path: strings.Join(pv.Path, " › "),
			Unit: pv.Unit, Formula: pv.Formula, Method: pv.Method, MethodDetail: pv.MethodDetail,
			LowerBetter: pv.Direction == -1, Card: pv.Card})
	}
	return out
}

// scorecardTickets counts unit i's open and overdue tickets for reader,
// who must be able to see the department's tickets
// (survey.CanSeeDepartment): otherwise, and for a department since
// deleted, nil.
func (p *pages) scorecardTickets(r *http.Request, m *Model, i int, reader *survey.Account) (*scorecardTickets, error) {
	d, ok := m.Depts[m.Table.Units[i].Code]
	if !ok || !survey.CanSeeDepartment(reader, d.ID) {
		return nil, nil
	}
	open, err := p.s.DB.FindOpenTickets(r.Context(), d.ID, 0)
	if err != nil {
		return nil, err
	}
	return &scorecardTickets{Total: open.Total, Overdue: open.Overdue}, nil
}

// handleScorecardPDF prints the scorecard to PDF in the server's headless
// Chromium (pdf.go), with the scorecard's access. Without Chromium it
// answers 503 with a page naming the packages to install.
func (p *pages) handleScorecardPDF(w http.ResponseWriter, r *http.Request) {
	m, i, err := p.scorecardUnit(r)
	if err != nil {
		p.s.Fail(w, r, err)
		return
	}
	reader := survey.CurrentAccount(r.Context())
	lang := survey.Lang(r.Context())
	code := m.Table.Units[i].Code
	pdf, ok := p.printPDF(w, r, printJob{run: m.Run.ID, code: code, lang: lang, reader: printReader(reader)})
	if !ok {
		return
	}
	name := newProfiler(m, p.s.Page(r, "")).deptName(i)
	w.Header().Set("Content-Type", "application/pdf")
	w.Header().Set("Content-Disposition", scorecardDisposition(m.Run.ID, code, name, m.Campaign.Period))
	p.s.AuditRequest(r, survey.AuditExported, "department", code, scorecardDetail(m, "pdf", lang))
	w.Write(pdf)
}

// scorecardDisposition names the PDF download: an ASCII name of the run
// and department code for every client, and the department's own name
// for those that read filename* (RFC 6266, RFC 8187).
func scorecardDisposition(runID int64, code, name, period string) string {
	ascii := "scorecard-run" + strconv.FormatInt(runID, 10) + "-" + asciiName(code) + ".pdf"
	full := name
	if period != "" {
		full += "-" + period
	}
	full += "-scorecard.pdf"
	return `attachment; filename="` + ascii + `"; filename*=UTF-8''` + attrEncode(full)
}

// asciiName keeps letters, digits, dots, dashes and underscores of s and
// makes every other character an underscore, so the name is safe in a
// quoted header parameter and in any file system.
func asciiName(s string) string {
	var b strings.Builder
	for _, c := range s {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '.', c == '-', c == '_':
			b.WriteRune(c)
		default:
			b.WriteByte('_')
		}
	}
	return b.String()
}

// attrEncode percent-encodes s as an RFC 8187 value: every byte but
// letters, digits and -._~ is escaped, quotes and slashes included.
func attrEncode(s string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for k := 0; k < len(s); k++ {
		c := s[k]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '-', c == '.', c == '_', c == '~':
			b.WriteByte(c)
		default:
			b.WriteByte('%')
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&15])
		}
	}
	return b.String()
}

// handlePrint serves a scorecard, or for a report token the run's
// ranking report (report.go), to the server's own Chromium: public,
// but only to a request from this machine (loopback, not forwarded by a
// proxy) that brings a one-time token the PDF handler has just made. The
// token carries the run, the department, the language and who asked, and
// the access rule is applied again for that account. Anything else is not
// found, and a refused request does not spend the token.
func (p *pages) handlePrint(w http.ResponseWriter, r *http.Request) {
	if !fromThisMachine(r) {
		p.s.Fail(w, r, survey.Errorf(survey.ENotFound, "err.not_found"))
		return
	}
	job, ok := p.printer.tokens.take(mux.Vars(r)["token"], time.Now())
	if !ok {
		p.s.Fail(w, r, survey.Errorf(survey.ENotFound, "err.not_found"))
		return
	}
	m, err := p.models.Load(r.Context(), job.run)
	if err != nil {
		p.s.Fail(w, r, err)
		return
	}
	if err := p.allowedTo(r, job.reader, m, job.code); err != nil {
		p.s.Fail(w, r, err)
		return
	}
	if job.kind == printReport {
		p.printReportPage(w, r, m, job)
		return
	}
	i, ok := m.UnitIndex(job.code)
	if !ok {
		p.s.Fail(w, r, survey.Errorf(survey.ENotFound, "err.not_found"))
		return
	}
	page := p.s.Render.NewPage(job.lang)
	page.Title, page.Path, page.RequestID = "title.scorecard", r.URL.Path, survey.RequestID(r.Context())
	v, err := p.scorecard(r, m, i, page, job.reader)
	if err != nil {
		p.s.Fail(w, r, err)
		return
	}
	v.Print = true
	page.Data = v
	p.s.RenderPage(w, r, http.StatusOK, "scorecard", page)
}

// allowedTo is allowed for reader, an account that is not the request's
// own: the print route has no session, so it applies the rule to the
// account its token names (read as fresh as allowed does). Any refusal is
// not found: the print route tells nothing about what exists.
func (p *pages) allowedTo(r *http.Request, reader *survey.Account, m *Model, dept string) error {
	if reader == nil {
		return survey.Errorf(survey.ENotFound, "err.not_found")
	}
	err := p.allowedFor(r.Context(), reader, m, dept)
	if survey.ErrorCode(err) == survey.EForbidden {
		return survey.Errorf(survey.ENotFound, "err.not_found")
	}
	return err
}

// printReader keeps of the account what the print route's access rule
// and the tickets' rule read.
func printReader(a *survey.Account) *survey.Account {
	if a == nil {
		return nil
	}
	return &survey.Account{ID: a.ID, Username: a.Username, Role: a.Role, DepartmentID: a.DepartmentID,
		DepartmentCode: a.DepartmentCode}
}
