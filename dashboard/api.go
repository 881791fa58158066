package dashboard

import (
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gorilla/mux"

	"govkpi/scoring"
	"govkpi/survey"
)

// The read-only JSON API (/api/v1/…), documented in docs/API.md. Every
// answer is a JSON object with snake_case fields; a number that is missing
// (NaN in the engine) is null, never NaN; errors are
// {"error": {"code", "message", "request_id"}} (survey's fail). Runs are
// read through the cached model, so a call reads no more than the run's
// head from the database. Readers are admins, evaluators and API tokens
// (a read-only evaluator, see survey/token_handlers.go).

// apiNum is a number that is null when missing or not finite.
type apiNum float64

// MarshalJSON writes null for NaN and infinities, and the shortest exact
// form otherwise.
func (n apiNum) MarshalJSON() ([]byte, error) { return apiAppendNum(nil, float64(n)), nil }

func apiAppendNum(b []byte, f float64) []byte {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return append(b, "null"...)
	}
	if f == 0 {
		f = 0 // no "-0"
	}
	return strconv.AppendFloat(b, f, 'g', -1, 64)
}

// apiNums is a row of numbers written in one go: a matrix of 5,000
// departments × 70 nodes costs one call per row, not one per cell.
type apiNums []float64

// MarshalJSON writes the row as a JSON array, null where missing.
func (ns apiNums) MarshalJSON() ([]byte, error) {
	b := make([]byte, 0, 2+len(ns)*8)
	b = append(b, '[')
	for i, f := range ns {
		if i > 0 {
			b = append(b, ',')
		}
		b = apiAppendNum(b, f)
	}
	return append(b, ']'), nil
}

// apiOptNum is a kept number that may be absent.
func apiOptNum(p *float64) apiNum {
	if p == nil {
		return apiNum(math.NaN())
	}
	return apiNum(*p)
}

// apiOptRank is a rank, null for 0 (not ranked).
func apiOptRank(n int) *int {
	if n <= 0 {
		return nil
	}
	return &n
}

// apiOptString is a text that is null when empty.
func apiOptString(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// writeAPI answers v as JSON. Pages are never cached (secureHeaders), and
// neither is the API: it is said again here so the guarantee does not
// depend on the middleware's order.
func (p *pages) writeAPI(w http.ResponseWriter, r *http.Request, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		p.s.Fail(w, r, fmt.Errorf("api %s: %w", r.URL.Path, err))
		return
	}
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	w.Write(append(b, '\n'))
}

// apiModel loads the route's run for the whole-run endpoints.
func (p *pages) apiModel(r *http.Request) (*Model, error) {
	m, err := p.model(r)
	if err != nil {
		return nil, err
	}
	if err := p.allowed(r, m, ""); err != nil {
		return nil, err
	}
	return m, nil
}

func apiRunURL(id int64) string { return "/api/v1/runs/" + strconv.FormatInt(id, 10) }

// apiCampaign is a campaign in the list.
type apiCampaign struct {
	ID                int64     `json:"id"`
	Code              string    `json:"code"`
	NameZh            string    `json:"name_zh"`
	NameEn            string    `json:"name_en"`
	Period            string    `json:"period"`
	Status            string    `json:"status"`
	FrameworkVersion  string    `json:"framework_version"`
	InstrumentCode    string    `json:"instrument_code"`
	InstrumentVersion string    `json:"instrument_version"`
	OpensAt           time.Time `json:"opens_at"`
	ClosesAt          time.Time `json:"closes_at"`
	Assigned          int       `json:"assigned"`
	RunsURL           string    `json:"runs_url"`
}

func apiCampaignOf(c *survey.Campaign) apiCampaign {
	return apiCampaign{ID: c.ID, Code: c.Code, NameZh: c.NameZh, NameEn: c.NameEn, Period: c.Period, Status: c.Status,
		FrameworkVersion: c.FrameworkVersion, InstrumentCode: c.InstrumentCode, InstrumentVersion: c.InstrumentVersion,
		OpensAt: c.OpensAt.UTC(), ClosesAt: c.ClosesAt.UTC(), Assigned: c.Assigned,
		RunsURL: "/api/v1/campaigns/" + strconv.FormatInt(c.ID, 10) + "/runs"}
}

// apiCampaigns lists every campaign (at most 500), the latest opening
// first.
func (p *pages) apiCampaigns(w http.ResponseWriter, r *http.Request) {
	cs, err := p.s.DB.FindCampaigns(r.Context())
	if err != nil {
		p.s.Fail(w, r, err)
		return
	}
	out := make([]apiCampaign, len(cs))
	for i := range cs {
		out[i] = apiCampaignOf(&cs[i])
	}
	p.writeAPI(w, r, struct {
		Campaigns []apiCampaign `json:"campaigns"`
	}{out})
}

// apiRunHead is a run without its numbers: what it was computed from, by
// whom and when, and how well the data covered it.
type apiRunHead struct {
	ID               int64              `json:"id"`
	CampaignID       int64              `json:"campaign_id"`
	State            string             `json:"state"`
	FrameworkCode    string             `json:"framework_code"`
	FrameworkVersion string             `json:"framework_version"`
	InputsHash       string             `json:"inputs_hash"`
	Units            int                `json:"units"`
	Scored           int                `json:"scored"`
	ComputedBy       *string            `json:"computed_by"`
	ComputedAt       time.Time          `json:"computed_at"`
	PublishedBy      *string            `json:"published_by"`
	PublishedAt      *time.Time         `json:"published_at"`
	Coverage         survey.RunCoverage `json:"coverage"`
	URL              string             `json:"url"`
}

func apiRunHeadOf(run *survey.AssessmentRun) apiRunHead {
	h := apiRunHead{ID: run.ID, CampaignID: run.CampaignID, State: run.State, FrameworkCode: run.FrameworkCode,
		FrameworkVersion: run.FrameworkVersion, InputsHash: run.InputsHash, Units: run.Units, Scored: run.Scored,
		ComputedBy: apiOptString(run.ComputerName), ComputedAt: run.ComputedAt.UTC(),
		Coverage: run.CoverageOf(), URL: apiRunURL(run.ID)}
	if run.PublishedAt.Valid {
		at := run.PublishedAt.Time.UTC()
		h.PublishedAt, h.PublishedBy = &at, apiOptString(run.PublisherName)
	}
	if math.IsNaN(h.Coverage.Missing) || math.IsInf(h.Coverage.Missing, 0) {
		h.Coverage.Missing = 0
	}
	return h
}

// apiCampaignRuns lists a campaign's runs, newest first. Errors: 404 for
// an unknown campaign.
func (p *pages) apiCampaignRuns(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(mux.Vars(r)["id"], 10, 64)
	if err != nil {
		p.s.Fail(w, r, survey.Errorf(survey.ENotFound, "err.not_found"))
		return
	}
	c, err := p.s.DB.FindCampaignByID(r.Context(), id)
	if err != nil {
		p.s.Fail(w, r, err)
		return
	}
	runs, err := p.s.DB.AssessmentRuns(r.Context(), id)
	if err != nil {
		p.s.Fail(w, r, err)
		return
	}
	out := make([]apiRunHead, len(runs))
	for i := range runs {
		out[i] = apiRunHeadOf(&runs[i])
	}
	p.writeAPI(w, r, struct {
		Campaign apiCampaign  `json:"campaign"`
		Runs     []apiRunHead `json:"runs"`
	}{apiCampaignOf(c), out})
}

// apiBand is one level of the run's band set, on the 0–100 scale of the
// scores.
type apiBand struct {
	Code   string `json:"code"`
	NameZh string `json:"name_zh"`
	NameEn string `json:"name_en"`
	Min    apiNum `json:"min"`
}

// apiRunBands is the band set the run's departments were placed in.
func apiRunBands(m *Model) (string, []apiBand) {
	bs := m.Result.Bands
	if m.Record != nil {
		if set, ok := scoring.BandSets()[m.Record.Bands]; ok {
			bs = set.Rescaled(100)
		}
	}
	out := make([]apiBand, len(bs.Bands))
	for i, b := range bs.Bands {
		out[i] = apiBand{Code: b.Code, NameZh: b.NameZh, NameEn: b.NameEn, Min: apiNum(b.Min)}
	}
	return bs.Name, out
}

// apiRun is a run's head with its campaign and bands.
func (p *pages) apiRun(w http.ResponseWriter, r *http.Request) {
	m, err := p.apiModel(r)
	if err != nil {
		p.s.Fail(w, r, err)
		return
	}
	name, bands := apiRunBands(m)
	base := apiRunURL(m.Run.ID)
	p.writeAPI(w, r, struct {
		apiRunHead
		Campaign apiCampaign       `json:"campaign"`
		BandSet  string            `json:"band_set"`
		Bands    []apiBand         `json:"bands"`
		Drift    int               `json:"drift"`
		Links    map[string]string `json:"links"`
	}{apiRunHeadOf(m.Run), apiCampaignOf(m.Campaign), name, bands, m.Drift, map[string]string{
		"scores": base + "/scores", "indicators": base + "/indicators", "methodology": base + "/methodology",
		"department": base + "/departments/{code}",
	}})
}

// apiScore is one department's outcome in a run.
type apiScore struct {
	Code       string  `json:"code"`
	NameZh     string  `json:"name_zh"`
	NameEn     string  `json:"name_en"`
	Level      string  `json:"level"`
	Category   string  `json:"category"`
	Parent     *string `json:"parent"`
	Group      string  `json:"group"`
	Score      apiNum  `json:"score"`
	Band       *string `json:"band"`
	Rank       *int    `json:"rank"`
	GroupRank  *int    `json:"group_rank"`
	GroupSize  int     `json:"group_size"`
	Percentile apiNum  `json:"percentile"`
}

// apiScoreOf is unit u (index i in the model) as the API shows it.
func apiScoreOf(m *Model, u survey.RunUnit, i int) apiScore {
	d, ok := m.Depts[u.Code]
	s := apiScore{Code: u.Code, NameZh: u.Name, Group: u.Group, Score: apiOptNum(u.Score), Band: apiOptString(u.Level),
		Rank: apiOptRank(u.Rank), Percentile: apiNum(math.NaN())}
	if ok {
		s.NameZh, s.NameEn, s.Level, s.Category, s.Parent = d.NameZh, d.NameEn, d.Level, d.Category, apiOptString(d.ParentCode)
	}
	if i >= 0 && i < len(m.Result.Rank) {
		s.GroupRank, s.GroupSize, s.Percentile = apiOptRank(m.Result.GroupRank[i]), m.Result.GroupSize[i], apiNum(m.Result.Pct[i])
	}
	if math.IsNaN(float64(s.Score)) {
		s.Band = nil // unscored: no band
	}
	return s
}

// apiScores lists every department of the run by rank (the unscored
// last), optionally only those of one level and one category. Errors: 400
// for an unknown level.
func (p *pages) apiScores(w http.ResponseWriter, r *http.Request) {
	m, err := p.apiModel(r)
	if err != nil {
		p.s.Fail(w, r, err)
		return
	}
	q := r.URL.Query()
	level, category := q.Get("level"), q.Get("category")
	if level != "" && !slices.Contains(survey.Levels, level) {
		p.s.Fail(w, r, survey.Errorf(survey.EInvalid, "err.api_level"))
		return
	}
	out := make([]apiScore, 0, len(m.Outcome.Units))
	for _, u := range m.Outcome.Units {
		d := m.Depts[u.Code]
		if (level != "" && d.Level != level) || (category != "" && d.Category != category) {
			continue
		}
		i, ok := m.UnitIndex(u.Code)
		if !ok {
			i = -1
		}
		out = append(out, apiScoreOf(m, u, i))
	}
	p.writeAPI(w, r, struct {
		RunID       int64      `json:"run_id"`
		Count       int        `json:"count"`
		Departments []apiScore `json:"departments"`
	}{m.Run.ID, len(out), out})
}

// apiNodeScore is one framework node for one department.
type apiNodeScore struct {
	Code            string   `json:"code"`
	NameZh          string   `json:"name_zh"`
	NameEn          string   `json:"name_en"`
	Parent          *string  `json:"parent"`
	Depth           int      `json:"depth"`
	Indicator       bool     `json:"indicator"`
	Score           apiNum   `json:"score"`
	Band            *string  `json:"band,omitempty"`
	EffectiveWeight apiNum   `json:"effective_weight"`
	Raw             *apiNum  `json:"raw,omitempty"`
	Unit            string   `json:"unit,omitempty"`
	Normalised      *apiNum  `json:"normalised,omitempty"`
	Contribution    *apiNum  `json:"contribution,omitempty"`
	Flags           []string `json:"flags"`
}

// Flags of a node's value for a department.
const (
	apiFlagMissing   = "missing"    // no raw value (indicator) or too few children (aggregate)
	apiFlagLowSample = "low_sample" // left out of aggregation: too few responses behind it
	apiFlagImputed   = "imputed"    // the raw value is the peer group's mean
)

// apiDepartment is one department's outcome and every node's numbers for
// it. Errors: 404 for a department not in the run.
func (p *pages) apiDepartment(w http.ResponseWriter, r *http.Request) {
	m, err := p.model(r)
	if err != nil {
		p.s.Fail(w, r, err)
		return
	}
	code := mux.Vars(r)["code"]
	if err := p.allowed(r, m, code); err != nil {
		p.s.Fail(w, r, err)
		return
	}
	i, ok := m.UnitIndex(code)
	if !ok {
		p.s.Fail(w, r, survey.Errorf(survey.ENotFound, "err.not_found"))
		return
	}
	var unit survey.RunUnit
	for _, u := range m.Outcome.Units {
		if u.Code == code {
			unit = u
			break
		}
	}
	if unit.Code == "" {
		unit = survey.RunUnit{Code: code, Name: m.Table.Units[i].Name, Group: m.Table.Units[i].Group}
	}
	res := m.Result
	order := m.Framework.Order()
	nodes := make([]apiNodeScore, len(order))
	for k, n := range order {
		v := res.Score[k][i]
		ns := apiNodeScore{Code: n.Code, NameZh: n.NameZh, NameEn: n.NameEn, Depth: n.Depth(), Indicator: n.IsIndicator(),
			Score: apiNum(v), EffectiveWeight: apiNum(res.EffWeight[k][i]), Flags: []string{}}
		if pa := n.Parent(); pa != nil {
			ns.Parent = &pa.Code
		}
		if n.IsIndicator() {
			raw, norm := apiNum(math.NaN()), apiNum(v)
			if res.Raw[k] != nil {
				raw = apiNum(res.Raw[k][i])
			}
			contrib := apiNum(res.EffWeight[k][i] * v)
			ns.Raw, ns.Unit, ns.Normalised, ns.Contribution = &raw, n.Unit, &norm, &contrib
			if math.IsNaN(float64(raw)) {
				ns.Flags = append(ns.Flags, apiFlagMissing)
			}
			if res.LowSample[k] != nil && res.LowSample[k][i] {
				ns.Flags = append(ns.Flags, apiFlagLowSample)
			}
			if res.Imputed[k] != nil && res.Imputed[k][i] {
				ns.Flags = append(ns.Flags, apiFlagImputed)
			}
		} else {
			if b, ok := res.BandsOf(n).Of(v); ok {
				ns.Band = &b.Code
			}
			if math.IsNaN(v) {
				ns.Flags = append(ns.Flags, apiFlagMissing)
			}
		}
		nodes[k] = ns
	}
	p.writeAPI(w, r, struct {
		RunID      int64          `json:"run_id"`
		Department apiScore       `json:"department"`
		Nodes      []apiNodeScore `json:"nodes"`
	}{m.Run.ID, apiScoreOf(m, unit, i), nodes})
}

// apiMatrixNode names one row of the indicators matrix.
type apiMatrixNode struct {
	Code      string `json:"code"`
	NameZh    string `json:"name_zh"`
	NameEn    string `json:"name_en"`
	Unit      string `json:"unit,omitempty"`
	Indicator bool   `json:"indicator"`
}

// apiIndicators is the run's numbers as a node-major matrix, compact for
// thousands of departments: departments lists the codes once, and
// values[k][i] is node k's number for department i, null where missing.
// ?kind=raw (the default) gives the indicators' raw values; ?kind=score
// gives every node's score (normalised values for indicators). ?node=CODE,
// repeated or comma-separated, selects nodes. Errors: 400 for an unknown
// kind or node, or an aggregate asked for raw values.
func (p *pages) apiIndicators(w http.ResponseWriter, r *http.Request) {
	m, err := p.apiModel(r)
	if err != nil {
		p.s.Fail(w, r, err)
		return
	}
	q := r.URL.Query()
	kind := q.Get("kind")
	switch kind {
	case "":
		kind = "raw"
	case "raw", "score":
	default:
		p.s.Fail(w, r, survey.Errorf(survey.EInvalid, "err.api_kind"))
		return
	}
	var selected []*scoring.Node
	for _, v := range q["node"] {
		for _, code := range strings.Split(v, ",") {
			n := m.Framework.Node(strings.TrimSpace(code))
			if n == nil || (kind == "raw" && !n.IsIndicator()) {
				p.s.Fail(w, r, survey.Errorf(survey.EInvalid, "err.api_node"))
				return
			}
			selected = append(selected, n)
		}
	}
	if selected == nil {
		for _, n := range m.Framework.Order() {
			if kind == "score" || n.IsIndicator() {
				selected = append(selected, n)
			}
		}
	}
	res := m.Result
	depts := make([]string, len(res.Units))
	for i, u := range res.Units {
		depts[i] = u.Code
	}
	nodes := make([]apiMatrixNode, len(selected))
	values := make([]apiNums, len(selected))
	for j, n := range selected {
		nodes[j] = apiMatrixNode{Code: n.Code, NameZh: n.NameZh, NameEn: n.NameEn, Unit: n.Unit, Indicator: n.IsIndicator()}
		k := slices.Index(m.Framework.Order(), n)
		row := res.Score[k]
		if kind == "raw" {
			row = res.Raw[k]
		}
		if row == nil {
			row = make([]float64, len(depts))
			for i := range row {
				row[i] = math.NaN()
			}
		}
		values[j] = row
	}
	p.writeAPI(w, r, struct {
		RunID       int64           `json:"run_id"`
		Kind        string          `json:"kind"`
		Departments []string        `json:"departments"`
		Nodes       []apiMatrixNode `json:"nodes"`
		Values      []apiNums       `json:"values"`
	}{m.Run.ID, kind, depts, nodes, values})
}

// apiMethodNode is one node of the framework as the run applied it.
type apiMethodNode struct {
	Code            string                 `json:"code"`
	NameZh          string                 `json:"name_zh"`
	NameEn          string                 `json:"name_en"`
	Parent          *string                `json:"parent"`
	Depth           int                    `json:"depth"`
	Indicator       bool                   `json:"indicator"`
	Weight          apiNum                 `json:"weight"`
	EffectiveWeight apiNum                 `json:"effective_weight"`
	Method          string                 `json:"method"`
	Direction       int                    `json:"direction,omitempty"`
	Unit            string                 `json:"unit,omitempty"`
	Formula         string                 `json:"formula,omitempty"`
	Normalise       *scoring.Normalisation `json:"normalise,omitempty"`
	MinSample       *scoring.MinSample     `json:"min_sample,omitempty"`
	Weighting       *scoring.Weighting     `json:"weighting,omitempty"`
	AHP             *scoring.AHPSpec       `json:"ahp,omitempty"`
	BandSet         string                 `json:"band_set,omitempty"`
	Card            *scoring.Card          `json:"card,omitempty"`
}

// apiNodeWeights are the weights the run used, by node code (data-driven ones
// included), and each node's nominal effective weight: its share of the
// index when a department has every indicator.
func apiNodeWeights(m *Model) (weight, effective map[string]float64) {
	weight = m.Result.Weights()
	if m.Record != nil {
		for _, n := range m.Record.Nodes {
			weight[n.Code] = n.Weight
		}
	}
	effective = map[string]float64{}
	var walk func(n *scoring.Node, share float64)
	walk = func(n *scoring.Node, share float64) {
		effective[n.Code] = share
		sum := 0.0
		for _, c := range n.Children {
			if w := weight[c.Code]; w > 0 {
				sum += w
			}
		}
		for _, c := range n.Children {
			w := weight[c.Code]
			if w <= 0 || sum == 0 {
				walk(c, 0)
				continue
			}
			walk(c, share*w/sum)
		}
	}
	walk(m.Framework.Root, 1)
	return weight, effective
}

// apiMethodology is the framework the run used, as data: every node with
// its weight, effective weight, method and definition card, the band set,
// and the variables the formulas read.
func (p *pages) apiMethodology(w http.ResponseWriter, r *http.Request) {
	m, err := p.apiModel(r)
	if err != nil {
		p.s.Fail(w, r, err)
		return
	}
	fw := m.Framework
	weight, effective := apiNodeWeights(m)
	methods := map[string]string{}
	if m.Record != nil {
		for _, n := range m.Record.Nodes {
			methods[n.Code] = n.Method
		}
	}
	order := fw.Order()
	nodes := make([]apiMethodNode, len(order))
	for k, n := range order {
		mn := apiMethodNode{Code: n.Code, NameZh: n.NameZh, NameEn: n.NameEn, Depth: n.Depth(), Indicator: n.IsIndicator(),
			Weight: apiNum(weight[n.Code]), EffectiveWeight: apiNum(effective[n.Code]), Method: methods[n.Code],
			Direction: n.Direction, Unit: n.Unit, Formula: n.Formula, Normalise: n.Normalise, MinSample: n.MinSample,
			Weighting: n.Weighting, AHP: n.AHP, BandSet: n.Bands, Card: n.Card}
		if pa := n.Parent(); pa != nil {
			mn.Parent = &pa.Code
		}
		if mn.Method == "" {
			mn.Method = n.Aggregate
			if n.IsIndicator() && n.Normalise != nil {
				mn.Method = n.Normalise.Method
			}
		}
		nodes[k] = mn
	}
	minAvail := scoring.DefaultMinAvailability
	if fw.MinAvailability != nil {
		minAvail = *fw.MinAvailability
	}
	vars := fw.Variables
	if vars == nil {
		vars = []scoring.Variable{}
	}
	name, bands := apiRunBands(m)
	p.writeAPI(w, r, struct {
		RunID           int64              `json:"run_id"`
		Code            string             `json:"code"`
		Version         string             `json:"version"`
		NameZh          string             `json:"name_zh"`
		NameEn          string             `json:"name_en"`
		MinAvailability apiNum             `json:"min_availability"`
		BandSet         string             `json:"band_set"`
		Bands           []apiBand          `json:"bands"`
		Nodes           []apiMethodNode    `json:"nodes"`
		Variables       []scoring.Variable `json:"variables"`
	}{m.Run.ID, fw.Code, fw.Version, fw.NameZh, fw.NameEn, apiNum(minAvail), name, bands, nodes, vars})
}
