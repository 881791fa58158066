package dashboard

import (
	"archive/zip"
	"fmt"
	"io"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/gorilla/mux"
	"github.com/xuri/excelize/v2"

	"govkpi/scoring"
	"govkpi/static"
	"govkpi/survey"
)

// Excel workbooks of a run (/export.xlsx: ranking, families, indicators,
// methodology) and of one department (/scorecard.xlsx: summary with native
// charts, indicators, answers), in the request's language. Every number
// is the model's frozen one, written as a number with a display format;
// every text from data (names, answers, evidence) is written as a string
// cell, so a name like =HYPERLINK("x") reads as the text it is and never
// becomes a formula. Chart series name cells, never literal text, since
// excelize writes a series name as a cell reference.

const xlsxType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

// wbMaxWidth caps a column's width, in characters: a long definition
// wraps instead of widening its column past the screen.
const wbMaxWidth = 60

// handleRunXLSX serves run m's workbook to admins and evaluators, and
// audits it. It reads the trend's runs for the change from the previous
// period; the rest comes from the cached model.
func (p *pages) handleRunXLSX(w http.ResponseWriter, r *http.Request) {
	m, err := p.model(r)
	if err != nil {
		p.s.Fail(w, r, err)
		return
	}
	if err := p.allowed(r, m, ""); err != nil {
		p.s.Fail(w, r, err)
		return
	}
	runs, err := p.trends.runs(r.Context(), m.Run.CampaignID)
	if err != nil {
		p.s.Fail(w, r, err)
		return
	}
	f, err := runWorkbook(m, p.s.Page(r, ""), runs)
	if err != nil {
		p.s.Fail(w, r, err)
		return
	}
	defer f.Close()
	id := strconv.FormatInt(m.Run.ID, 10)
	p.s.AuditRequest(r, survey.AuditExported, "run", id, "run "+id+" workbook (xlsx)")
	p.serveWorkbook(w, r, f, "run-"+id+".xlsx")
}

// handleScorecardXLSX serves one department's workbook with the profile's
// access rule. An official refused another department's is audited
// (export.refused) and answered not found, as the profile is; an unknown
// code is not found.
func (p *pages) handleScorecardXLSX(w http.ResponseWriter, r *http.Request) {
	m, i, err := p.exportUnit(r, "xlsx")
	if err != nil {
		p.s.Fail(w, r, err)
		return
	}
	page := p.s.Page(r, "")
	pr := newProfiler(m, page)
	answers, err := p.readAnswers(r, pr, i)
	if err != nil {
		p.s.Fail(w, r, err)
		return
	}
	runs, err := p.trends.runs(r.Context(), m.Run.CampaignID)
	if err != nil {
		p.s.Fail(w, r, err)
		return
	}
	f, err := deptWorkbook(pr, i, runs, answers)
	if err != nil {
		p.s.Fail(w, r, err)
		return
	}
	defer f.Close()
	code := m.Table.Units[i].Code
	id := strconv.FormatInt(m.Run.ID, 10)
	p.s.AuditRequest(r, survey.AuditExported, "department", code, "run "+id+" scorecard (xlsx)")
	p.serveWorkbook(w, r, f, "run-"+id+"-"+wbFileCode(code)+".xlsx")
}

// exportUnit finds the route's department in the route's run for an
// export in format, after the role check; an official refused a
// department not their own is audited.
func (p *pages) exportUnit(r *http.Request, format string) (*Model, int, error) {
	m, err := p.model(r)
	if err != nil {
		return nil, 0, err
	}
	code := mux.Vars(r)["code"]
	if err := p.allowed(r, m, code); err != nil {
		if a := survey.CurrentAccount(r.Context()); a != nil && a.Role == survey.RoleOfficial && code != a.DepartmentCode {
			p.s.AuditRequest(r, survey.AuditExportRefused, "department", code,
				"run "+strconv.FormatInt(m.Run.ID, 10)+" scorecard ("+format+")")
		}
		return nil, 0, err
	}
	i, ok := m.UnitIndex(code)
	if !ok {
		return nil, 0, survey.Errorf(survey.ENotFound, "err.not_found")
	}
	return m, i, nil
}

// serveWorkbook writes f as a download named name. The zip goes straight
// to the client (the streamed sheets from their temporary files); a
// failure once the first byte is out aborts the connection, so a client
// never takes a cut-off file for a whole one.
func (p *pages) serveWorkbook(w http.ResponseWriter, r *http.Request, f *excelize.File, name string) {
	w.Header().Set("Content-Type", xlsxType)
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	f.SetZipWriter(func(io.Writer) excelize.ZipWriter { return zip.NewWriter(w) })
	if err := f.Write(io.Discard); err != nil {
		p.s.Log.Error("workbook", "request_id", survey.RequestID(r.Context()), "file", name, "err", err)
		panic(http.ErrAbortHandler)
	}
}

// wbFileCode is a department code fit for a file name without encoding.
func wbFileCode(code string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_', r == '.':
			return r
		}
		return '_'
	}, code)
}

// wbStyles are the cell styles of a workbook.
type wbStyles struct {
	head, title, wrap int
	score, signed     int // 0.00 and +0.00
	pct, pct2         int // 0.0% and 0.00%
	weight            int // 0.0000
	bands             []int
}

func newWBStyles(f *excelize.File, bands int) (wbStyles, error) {
	var s wbStyles
	custom := func(format string) *excelize.Style { return &excelize.Style{CustomNumFmt: &format} }
	head := &excelize.Style{Font: &excelize.Font{Bold: true}, Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"#E8ECF1"}},
		Alignment: &excelize.Alignment{Vertical: "top", WrapText: true}}
	for _, st := range []struct {
		to    *int
		style *excelize.Style
	}{
		{&s.head, head},
		{&s.title, &excelize.Style{Font: &excelize.Font{Bold: true, Size: 14}}},
		{&s.wrap, &excelize.Style{Alignment: &excelize.Alignment{Vertical: "top", WrapText: true}}},
		{&s.score, custom("0.00")},
		{&s.signed, custom("+0.00;-0.00;0.00")},
		{&s.pct, custom("0.0%")},
		{&s.pct2, custom("0.00%")},
		{&s.weight, custom("0.0000")},
	} {
		id, err := f.NewStyle(st.style)
		if err != nil {
			return s, fmt.Errorf("xlsx style: %w", err)
		}
		*st.to = id
	}
	// A band's colour as a conditional format (dxf): the palette's, from
	// the lowest band.
	for k := range bands {
		id, err := f.NewConditionalStyle(&excelize.Style{
			Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{palette[k%len(palette)]}}})
		if err != nil {
			return s, fmt.Errorf("xlsx band style: %w", err)
		}
		s.bands = append(s.bands, id)
	}
	return s, nil
}

// wbTextWidth is how many character widths s takes in a column: East Asian
// wide characters count double.
func wbTextWidth(s string) float64 {
	n := 0
	for _, r := range s {
		n++
		if r >= 0x1100 && (r <= 0x115F || r >= 0x2E80 && r <= 0xA4CF || r >= 0xAC00 && r <= 0xD7A3 ||
			r >= 0xF900 && r <= 0xFAFF || r >= 0xFE30 && r <= 0xFE4F || r >= 0xFF00 && r <= 0xFF60 || r >= 0xFFE0 && r <= 0xFFE6 ||
			r >= 0x20000) {
			n++
		}
	}
	return float64(n)
}

// wbColumns sizes columns to what they hold: each column's widest text,
// plus a margin, between a minimum and wbMaxWidth.
type wbColumns []float64

func newWBColumns(head []string) wbColumns {
	c := make(wbColumns, len(head))
	for k, h := range head {
		c[k] = max(8, wbTextWidth(h))
	}
	return c
}

// fit widens column k to hold v.
func (c wbColumns) fit(k int, v any) {
	if k >= len(c) {
		return
	}
	if x, ok := v.(excelize.Cell); ok {
		v = x.Value
	}
	w := 10.0 // a number in its format
	if s, ok := v.(string); ok {
		w = wbTextWidth(s)
	}
	c[k] = max(c[k], w)
}

func (c wbColumns) width(k int) float64 { return min(c[k]+2, wbMaxWidth) }

// wbNum is v for a number cell, nil (an empty cell) when missing.
func wbNum(v float64) any {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return nil
	}
	return v
}

// wbText is s for a text cell, nil when empty: a string is always a
// string cell, whatever it starts with.
func wbText(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// wbRef is an absolute reference to cells of sheet, for chart series:
// the sheet's name quoted, as a formula needs it.
func wbRef(sheet, from, to string) string {
	abs := func(cell string) string {
		col, row, _ := excelize.CellNameToCoordinates(cell)
		name, _ := excelize.ColumnNumberToName(col)
		return "$" + name + "$" + strconv.Itoa(row)
	}
	ref := "'" + strings.ReplaceAll(sheet, "'", "''") + "'!" + abs(from)
	if to != "" && to != from {
		ref += ":" + abs(to)
	}
	return ref
}

func wbCell(col, row int) string {
	c, _ := excelize.CoordinatesToCellName(col, row)
	return c
}

// wbStream is a sheet written row by row through excelize's stream
// writer, for sheets with a row per department: rows spill to a temporary
// file instead of memory.
type wbStream struct {
	sw  *excelize.StreamWriter
	row int
}

// wbStreamSheet starts sheet name (the workbook's first sheet renamed when first)
// with its columns' widths and styles, and its first rows and columns
// frozen.
func wbStreamSheet(f *excelize.File, name string, first bool, cols wbColumns, styles map[int]int, rows, colsFrozen int) (*wbStream, error) {
	if first {
		if err := f.SetSheetName(f.GetSheetName(0), name); err != nil {
			return nil, fmt.Errorf("xlsx sheet %s: %w", name, err)
		}
	} else if _, err := f.NewSheet(name); err != nil {
		return nil, fmt.Errorf("xlsx sheet %s: %w", name, err)
	}
	sw, err := f.NewStreamWriter(name)
	if err != nil {
		return nil, fmt.Errorf("xlsx stream %s: %w", name, err)
	}
	for k := range cols {
		if err := sw.SetColWidth(k+1, k+1, cols.width(k)); err != nil {
			return nil, fmt.Errorf("xlsx width: %w", err)
		}
	}
	for k, style := range styles {
		if err := sw.SetColStyle(k+1, k+1, style); err != nil {
			return nil, fmt.Errorf("xlsx column style: %w", err)
		}
	}
	if err := sw.SetPanes(wbPanes(rows, colsFrozen)); err != nil {
		return nil, fmt.Errorf("xlsx panes: %w", err)
	}
	return &wbStream{sw: sw}, nil
}

// wbPanes freezes the first rows and columns.
func wbPanes(rows, cols int) *excelize.Panes {
	top := wbCell(cols+1, rows+1)
	pane := "bottomLeft"
	if cols > 0 {
		pane = "bottomRight"
	}
	return &excelize.Panes{Freeze: true, XSplit: cols, YSplit: rows, TopLeftCell: top, ActivePane: pane,
		Selection: []excelize.Selection{{SQRef: top, ActiveCell: top, Pane: pane}}}
}

// put writes the next row.
func (s *wbStream) put(values []any, opts ...excelize.RowOpts) error {
	s.row++
	if s.row > excelize.TotalRows {
		return survey.Errorf(survey.EInvalid, "export.too_many_rows")
	}
	if err := s.sw.SetRow(wbCell(1, s.row), values, opts...); err != nil {
		return fmt.Errorf("xlsx row %d: %w", s.row, err)
	}
	return nil
}

// wbHeads are a header row's cells in style.
func wbHeads(style int, texts []string) []any {
	out := make([]any, len(texts))
	for k, h := range texts {
		out[k] = excelize.Cell{StyleID: style, Value: h}
	}
	return out
}

// runBook is what the run's sheets share: the model, the page's words,
// the styles and each unit's names.
type runBook struct {
	m      *Model
	lang   string
	t      func(string, ...any) string
	f      *excelize.File
	st     wbStyles
	names  []string // by unit
	nameW  float64  // the widest name
	prev   *survey.TrendRun
	prevAt map[string]int // unit code → index in prev
}

// runWorkbook builds run m's workbook in page's language, runs being the
// trend's other campaigns' published runs (for the change from the
// previous period). The department sheets are streamed.
func runWorkbook(m *Model, page *static.Page, runs []survey.TrendRun) (*excelize.File, error) {
	f := excelize.NewFile()
	b := &runBook{m: m, lang: page.Lang, t: page.T, f: f, prev: exportPreviousRun(m, runs)}
	var err error
	if b.st, err = newWBStyles(f, len(m.Outcome.Bands)); err != nil {
		f.Close()
		return nil, err
	}
	pr := newProfiler(m, page)
	for i := range m.Table.Units {
		n := pr.deptName(i)
		b.names = append(b.names, n)
		b.nameW = max(b.nameW, wbTextWidth(n))
	}
	if b.prev != nil {
		b.prevAt = make(map[string]int, len(b.prev.Units))
		for k, u := range b.prev.Units {
			b.prevAt[u.Code] = k
		}
	}
	for _, write := range []func() error{b.ranking, b.familySheet, b.indicatorSheet, b.rawSheet, b.methodology} {
		if err := write(); err != nil {
			f.Close()
			return nil, err
		}
	}
	return f, nil
}

// exportPreviousRun is the published run of the campaign just before m's in
// the trend's order (opening time, period, id), nil when there is none.
func exportPreviousRun(m *Model, runs []survey.TrendRun) *survey.TrendRun {
	here := m.Campaign
	var prev *survey.TrendRun
	for k := range runs {
		r := &runs[k]
		later := here.OpensAt.Before(r.OpensAt) || here.OpensAt.Equal(r.OpensAt) &&
			(here.Period < r.Period || here.Period == r.Period && here.ID < r.CampaignID)
		if later {
			break
		}
		prev = r
	}
	return prev
}

// change is unit i's index now minus in the previous period, as the
// profile computes it (from the rounded scores); NaN when either is
// missing.
func (b *runBook) change(i int) float64 {
	if b.prev == nil {
		return math.NaN()
	}
	k, ok := b.prevAt[b.m.Table.Units[i].Code]
	if !ok || k >= len(b.prev.Index) {
		return math.NaN()
	}
	now, then := b.m.Result.RootScores()[i], b.prev.Index[k]
	if math.IsNaN(now) || math.IsNaN(then) {
		return math.NaN()
	}
	return profRound(now) - profRound(then)
}

// exportDeptFields are a department's level, category and parent in words.
func exportDeptFields(m *Model, code, lang string, t func(string, ...any) string) (level, category, parent string) {
	d, ok := m.Depts[code]
	if !ok {
		return "", "", ""
	}
	if d.Level != "" {
		level = t("level." + d.Level)
	}
	return level, d.Category, d.ParentName(lang)
}

// ranking is every department in rank order (the unscored last), its
// band cell coloured by band.
func (b *runBook) ranking() error {
	m, t, res := b.m, b.t, b.m.Result
	head := []string{t("wb.col.rank"), t("wb.col.code"), t("wb.col.department"), t("wb.col.level"), t("wb.col.category"),
		t("wb.col.parent"), t("wb.col.group"), t("wb.col.score"), t("wb.col.band"), t("wb.col.group_rank"),
		t("wb.col.group_size"), t("wb.col.percentile")}
	if b.prev != nil {
		head = append(head, t("wb.col.change", b.prev.Period))
	}
	const bandCol = 9 // I
	rows := make([][]any, 0, len(m.Outcome.Units))
	cols := newWBColumns(head)
	for _, o := range m.Outcome.Units {
		i, ok := m.UnitIndex(o.Code)
		if !ok {
			continue
		}
		level, cat, parent := exportDeptFields(m, o.Code, b.lang, t)
		row := []any{nil, o.Code, b.names[i], wbText(level), wbText(cat), wbText(parent), wbText(m.Table.Units[i].Group),
			wbNum(res.RootScores()[i]), nil, nil, nil, wbNum(res.Pct[i] / 100)}
		if res.Rank[i] > 0 {
			row[0] = res.Rank[i]
		}
		if o.Level != "" {
			row[bandCol-1] = m.Outcome.BandName(o.Level, b.lang)
		}
		if res.GroupRank[i] > 0 {
			row[9], row[10] = res.GroupRank[i], res.GroupSize[i]
		}
		if b.prev != nil {
			row = append(row, wbNum(b.change(i)))
		}
		for k, v := range row {
			if k != 2 {
				cols.fit(k, v)
			}
		}
		rows = append(rows, row)
	}
	cols[2] = max(cols[2], b.nameW)
	styles := map[int]int{7: b.st.score, 11: b.st.pct}
	if b.prev != nil {
		styles[12] = b.st.signed
	}
	s, err := wbStreamSheet(b.f, t("wb.sheet.ranking"), true, cols, styles, 1, 3)
	if err != nil {
		return err
	}
	if err := s.put(wbHeads(b.st.head, head)); err != nil {
		return err
	}
	for _, row := range rows {
		if err := s.put(row); err != nil {
			return err
		}
	}
	if len(rows) > 0 {
		// Each band's cells coloured by a rule on the band's name: the
		// colour stays right when a reader sorts the sheet.
		col, _ := excelize.ColumnNumberToName(bandCol)
		rng := col + "2:" + col + strconv.Itoa(len(rows)+1)
		var rules []excelize.ConditionalFormatOptions
		for k, band := range m.Outcome.Bands {
			name := m.Outcome.BandName(band.Code, b.lang)
			rules = append(rules, excelize.ConditionalFormatOptions{Type: "cell", Criteria: "==",
				Value: `"` + strings.ReplaceAll(name, `"`, `""`) + `"`, Format: &b.st.bands[k]})
		}
		if len(rules) > 0 {
			if err := b.f.SetConditionalFormat(t("wb.sheet.ranking"), rng, rules); err != nil {
				return fmt.Errorf("xlsx band colours: %w", err)
			}
		}
	}
	if err := s.sw.Flush(); err != nil {
		return fmt.Errorf("xlsx ranking: %w", err)
	}
	return nil
}

// familySheet is departments × the index and its families' scores, in
// table order.
func (b *runBook) familySheet() error {
	m, t := b.m, b.t
	head := []string{t("wb.col.code"), t("wb.col.department"), t("wb.col.score")}
	fams := m.Framework.Root.Children
	scores := [][]float64{m.Result.RootScores()}
	for _, fam := range fams {
		head = append(head, t("wb.col.node_score", fam.Code, fam.Name(b.lang)))
		scores = append(scores, m.Result.NodeScores(fam.Code))
	}
	return b.unitSheet(t("wb.sheet.families"), head, scores, b.st.score)
}

// indicatorSheet is departments × indicators, normalised (0–100).
func (b *runBook) indicatorSheet() error {
	m, t := b.m, b.t
	head := []string{t("wb.col.code"), t("wb.col.department")}
	var scores [][]float64
	for _, n := range m.Framework.Indicators() {
		head = append(head, t("wb.col.node_score", n.Code, n.Name(b.lang)))
		scores = append(scores, m.Result.NodeScores(n.Code))
	}
	return b.unitSheet(t("wb.sheet.indicators"), head, scores, b.st.score)
}

// rawSheet is departments × indicators' raw values, each column's unit in
// its header.
func (b *runBook) rawSheet() error {
	m, t := b.m, b.t
	head := []string{t("wb.col.code"), t("wb.col.department")}
	var raws [][]float64
	for k, n := range m.Framework.Order() {
		if !n.IsIndicator() {
			continue
		}
		if n.Unit != "" {
			head = append(head, t("wb.col.raw_unit", n.Code, n.Name(b.lang), n.Unit))
		} else {
			head = append(head, n.Code+" "+n.Name(b.lang))
		}
		raw := m.Result.Raw[k]
		if raw == nil {
			raw = make([]float64, len(m.Table.Units))
			for i := range raw {
				raw[i] = math.NaN()
			}
		}
		raws = append(raws, raw)
	}
	return b.unitSheet(t("wb.sheet.raw"), head, raws, 0)
}

// unitSheet streams one row per department (code, name, then one number
// per column of values) in the units' order, numbers in style.
func (b *runBook) unitSheet(name string, head []string, values [][]float64, style int) error {
	cols := newWBColumns(head)
	styles := map[int]int{}
	for k := range cols {
		if k >= 2 {
			// A long header wraps over a narrow number column.
			cols[k] = min(cols[k], 16)
			if style != 0 {
				styles[k] = style
			}
		}
	}
	cols[1] = max(cols[1], b.nameW)
	for _, u := range b.m.Table.Units {
		cols.fit(0, u.Code)
	}
	s, err := wbStreamSheet(b.f, name, false, cols, styles, 1, 2)
	if err != nil {
		return err
	}
	if err := s.put(wbHeads(b.st.head, head)); err != nil {
		return err
	}
	row := make([]any, 2+len(values))
	for i, u := range b.m.Table.Units {
		row[0], row[1] = u.Code, b.names[i]
		for k, col := range values {
			row[2+k] = wbNum(col[i])
		}
		if err := s.put(row); err != nil {
			return err
		}
	}
	if err := s.sw.Flush(); err != nil {
		return fmt.Errorf("xlsx %s: %w", name, err)
	}
	return nil
}

// methodology lists every node of the framework from the index down:
// its weight as the run used it, its share among its siblings and of the
// index, how it is computed, its unit, direction and definition.
func (b *runBook) methodology() error {
	m, t := b.m, b.t
	head := []string{t("wb.col.node"), t("wb.col.name"), t("wb.col.parent_node"), t("wb.col.weight"), t("wb.col.share"),
		t("wb.col.eff_weight"), t("wb.col.method"), t("wb.col.unit"), t("wb.col.direction"), t("wb.col.definition")}
	weights := m.Result.Weights()
	share, eff := effectiveShares(m.Framework, weights)
	o := m.Result.Options
	cols := newWBColumns(head)
	var rows [][]any
	for _, n := range wbTree(m.Framework.Root) {
		parent, method, dir, def := "", "", "", ""
		if n.Parent() != nil {
			parent = n.Parent().Code
		}
		if n.IsIndicator() {
			method = normalisationWords(n, o, t)
			dir = t("dash.meth.dir.up")
			if n.Direction < 0 {
				dir = t("dash.meth.dir.down")
			}
		} else {
			agg := n.Aggregate
			if o.Aggregate != "" {
				agg = o.Aggregate
			}
			method = agg
			if agg == scoring.AggArith || agg == scoring.AggGeom {
				method = t("dash.meth.agg." + agg)
			}
		}
		if c := n.Card; c != nil {
			def = analysisPick(b.lang, c.DefinitionZh, c.DefinitionEn)
		}
		row := []any{n.Code, n.Name(b.lang), wbText(parent), weights[n.Code], share[n.Code], eff[n.Code],
			wbText(method), wbText(n.Unit), wbText(dir), wbText(def)}
		for k, v := range row {
			cols.fit(k, v)
		}
		rows = append(rows, row)
	}
	styles := map[int]int{3: b.st.weight, 4: b.st.pct, 5: b.st.pct2, 6: b.st.wrap, 9: b.st.wrap}
	s, err := wbStreamSheet(b.f, t("wb.sheet.methodology"), false, cols, styles, 1, 1)
	if err != nil {
		return err
	}
	if err := s.put(wbHeads(b.st.head, head)); err != nil {
		return err
	}
	for _, row := range rows {
		if err := s.put(row); err != nil {
			return err
		}
	}
	if err := s.sw.Flush(); err != nil {
		return fmt.Errorf("xlsx methodology: %w", err)
	}
	return nil
}

// wbTree is the nodes from n down, each before its children, as the
// framework file lists them.
func wbTree(n *scoring.Node) []*scoring.Node {
	out := []*scoring.Node{n}
	for _, c := range n.Children {
		out = append(out, wbTree(c)...)
	}
	return out
}

// wbGrid writes a small sheet cell by cell, keeping each column's widest
// text to size the columns when done.
type wbGrid struct {
	f    *excelize.File
	name string
	row  int
	cols wbColumns
}

func newGrid(f *excelize.File, name string, first bool, ncols int) (*wbGrid, error) {
	if first {
		if err := f.SetSheetName(f.GetSheetName(0), name); err != nil {
			return nil, fmt.Errorf("xlsx sheet %s: %w", name, err)
		}
	} else if _, err := f.NewSheet(name); err != nil {
		return nil, fmt.Errorf("xlsx sheet %s: %w", name, err)
	}
	return &wbGrid{f: f, name: name, cols: make(wbColumns, ncols)}, nil
}

// put writes the next row; a cell given as excelize.Cell takes its style.
// Columns listed in noFit keep their width (a title over the table).
func (g *wbGrid) put(values []any, noFit ...int) error {
	g.row++
	for k, v := range values {
		style := 0
		if c, ok := v.(excelize.Cell); ok {
			style, v = c.StyleID, c.Value
		}
		if v == nil {
			continue
		}
		cell := wbCell(k+1, g.row)
		if err := g.f.SetCellValue(g.name, cell, v); err != nil {
			return fmt.Errorf("xlsx %s %s: %w", g.name, cell, err)
		}
		if style != 0 {
			if err := g.f.SetCellStyle(g.name, cell, cell, style); err != nil {
				return fmt.Errorf("xlsx %s %s: %w", g.name, cell, err)
			}
		}
		if !slices.Contains(noFit, k) {
			g.cols.fit(k, v)
		}
	}
	return nil
}

// finish sizes the columns and freezes the first rows.
func (g *wbGrid) finish(frozen int) error {
	for k := range g.cols {
		name, _ := excelize.ColumnNumberToName(k + 1)
		if err := g.f.SetColWidth(g.name, name, name, min(max(g.cols[k], 6)+2, wbMaxWidth)); err != nil {
			return fmt.Errorf("xlsx width: %w", err)
		}
	}
	if frozen > 0 {
		if err := g.f.SetPanes(g.name, wbPanes(frozen, 0)); err != nil {
			return fmt.Errorf("xlsx panes: %w", err)
		}
	}
	return nil
}

// deptWorkbook builds unit i's workbook: a summary with its families
// as a radar and a bar chart, its indicators, and its answers (nil when
// the department is no more).
func deptWorkbook(pr *profiler, i int, runs []survey.TrendRun, answers *profileAnswers) (*excelize.File, error) {
	f := excelize.NewFile()
	st, err := newWBStyles(f, 0)
	if err == nil {
		err = deptSummarySheet(f, st, pr, i, runs)
	}
	if err == nil {
		err = deptIndicatorSheet(f, st, pr, i)
	}
	if err == nil {
		err = deptAnswerSheet(f, st, pr, answers)
	}
	if err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

// deptSummarySheet is the summary sheet: who and which run, the index,
// band, ranks and change, then the families' scores the two charts draw.
func deptSummarySheet(f *excelize.File, st wbStyles, pr *profiler, i int, runs []survey.TrendRun) error {
	m, t, res := pr.m, pr.t, pr.m.Result
	// The profile's facts without its rank interval: the interval needs
	// the run's Monte Carlo sensitivity, seconds at scale on first use.
	u := m.Table.Units[i]
	level, category, parent := exportDeptFields(m, u.Code, pr.lang, t)
	band := ""
	for _, o := range m.Outcome.Units {
		if o.Code == u.Code && o.Level != "" {
			band = m.Outcome.BandName(o.Level, pr.lang)
		}
	}
	name := pr.deptName(i)
	sheet := t("wb.sheet.summary")
	g, err := newGrid(f, sheet, true, 3)
	if err != nil {
		return err
	}
	state := t("runs.state.draft")
	if m.Run.Published() {
		state = t("runs.state.published")
	}
	lines := [][]any{
		{excelize.Cell{StyleID: st.title, Value: name}},
		{m.Campaign.Name(pr.lang) + " · " + m.Campaign.Period + " · " + t("runs.run_title", m.Run.ID) + " · " + state},
	}
	for _, l := range lines {
		if err := g.put(l, 0); err != nil {
			return err
		}
	}
	g.row++
	label := func(key string, args ...any) excelize.Cell {
		return excelize.Cell{StyleID: st.head, Value: t(key, args...)}
	}
	facts := [][]any{
		{label("wb.col.code"), u.Code},
		{label("wb.col.department"), name},
		{label("wb.col.level"), wbText(level)},
		{label("wb.col.category"), wbText(category)},
		{label("wb.col.parent"), wbText(parent)},
		{label("wb.col.group"), wbText(u.Group)},
		{label("wb.col.score"), excelize.Cell{StyleID: st.score, Value: wbNum(res.RootScores()[i])}},
		{label("wb.col.band"), wbText(band)},
	}
	if res.Rank[i] > 0 {
		facts = append(facts, []any{label("wb.rank_of", pr.ranked()), res.Rank[i]})
	}
	if res.GroupRank[i] > 0 {
		facts = append(facts, []any{label("wb.group_rank_of", res.GroupSize[i]), res.GroupRank[i]})
	}
	facts = append(facts, []any{label("wb.col.percentile"), excelize.Cell{StyleID: st.pct, Value: wbNum(res.Pct[i] / 100)}})
	if change, previous := profChange(pr.trendPoints(i, runs)); previous != "" {
		c, _ := strconv.ParseFloat(change, 64)
		val := any(nil)
		if change != "" {
			val = c
		}
		facts = append(facts, []any{label("wb.col.change", previous), excelize.Cell{StyleID: st.signed, Value: val}})
	}
	for _, row := range facts {
		if err := g.put(row); err != nil {
			return err
		}
	}
	g.row++
	fams := pr.families()
	if err := g.put(wbHeads(st.head, []string{t("wb.col.node"), t("wb.col.family"), t("wb.col.family_score")})); err != nil {
		return err
	}
	first := g.row + 1
	for _, fam := range fams {
		score := res.Score[pr.pos[fam.Code]][i]
		if err := g.put([]any{fam.Code, fam.Name(pr.lang), excelize.Cell{StyleID: st.score, Value: wbNum(score)}}); err != nil {
			return err
		}
	}
	if err := g.finish(0); err != nil {
		return err
	}
	if len(fams) == 0 {
		return nil
	}
	last := g.row
	// The series' name is the header cell over the scores: excelize
	// writes a series name as a reference, so it must not be data.
	series := []excelize.ChartSeries{{Name: wbRef(sheet, wbCell(3, first-1), ""),
		Categories: wbRef(sheet, wbCell(2, first), wbCell(2, last)),
		Values:     wbRef(sheet, wbCell(3, first), wbCell(3, last)),
		Fill:       excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{palette[5]}},
		Line:       excelize.LineOptions{Width: 2}}}
	lo, hi := 0.0, 100.0
	axis := excelize.ChartAxis{Minimum: &lo, Maximum: &hi, MajorGridLines: true}
	radar := &excelize.Chart{Type: excelize.Radar, Series: series, Title: excelize.ChartTitle{Paragraph: []excelize.RichTextRun{{Text: t("wb.chart.radar")}}},
		Legend: excelize.ChartLegend{Position: "none"}, YAxis: axis, Dimension: excelize.ChartDimension{Width: 520, Height: 360}}
	if err := f.AddChart(sheet, "E3", radar); err != nil {
		return fmt.Errorf("xlsx radar: %w", err)
	}
	bar := &excelize.Chart{Type: excelize.Bar, Series: series, Title: excelize.ChartTitle{Paragraph: []excelize.RichTextRun{{Text: t("wb.chart.bar")}}},
		Legend: excelize.ChartLegend{Position: "none"}, YAxis: axis, XAxis: excelize.ChartAxis{ReverseOrder: true},
		PlotArea:  excelize.ChartPlotArea{ShowVal: true},
		Dimension: excelize.ChartDimension{Width: 520, Height: uint(80 + 36*len(fams))}}
	if err := f.AddChart(sheet, "E23", bar); err != nil {
		return fmt.Errorf("xlsx bar: %w", err)
	}
	return nil
}

// deptIndicatorSheet is the indicators sheet: the profile's table, its
// numbers as numbers.
func deptIndicatorSheet(f *excelize.File, st wbStyles, pr *profiler, i int) error {
	t, res := pr.t, pr.m.Result
	head := []string{t("wb.col.node"), t("wb.col.indicator"), t("wb.col.family"), t("wb.col.raw"), t("wb.col.unit"),
		t("wb.col.normalised"), t("wb.col.eff_weight"), t("wb.col.contribution"), t("wb.col.peer_rank"),
		t("wb.col.source"), t("wb.col.flags")}
	g, err := newGrid(f, t("wb.sheet.indicators"), false, len(head))
	if err != nil {
		return err
	}
	if err := g.put(wbHeads(st.head, head)); err != nil {
		return err
	}
	rows := pr.indicatorRows(i)
	for _, row := range rows {
		k := pr.pos[row.Code]
		raw, norm := math.NaN(), res.Score[k][i]
		if res.Raw[k] != nil {
			raw = res.Raw[k][i]
		}
		ew, contrib := res.EffWeight[k][i], math.NaN()
		if !math.IsNaN(norm) {
			contrib = ew * norm
		}
		err := g.put([]any{row.Code, row.Name, row.Family, wbNum(raw), wbText(row.Unit),
			excelize.Cell{StyleID: st.score, Value: wbNum(norm)}, excelize.Cell{StyleID: st.pct2, Value: ew},
			excelize.Cell{StyleID: st.score, Value: wbNum(contrib)}, wbText(row.PeerRank), wbText(row.Source),
			wbText(strings.Join(pr.flags(row), "; "))})
		if err != nil {
			return err
		}
	}
	return g.finish(1)
}

// deptAnswerSheet is the answers sheet: the department's latest answers
// to the run's campaign, maturity questions with their evidence first.
func deptAnswerSheet(f *excelize.File, st wbStyles, pr *profiler, a *profileAnswers) error {
	t := pr.t
	head := []string{t("wb.col.question"), t("wb.col.part"), t("wb.col.answer"), t("wb.col.evidence"), t("wb.col.indicator")}
	g, err := newGrid(f, t("wb.sheet.answers"), false, len(head))
	if err != nil {
		return err
	}
	note := ""
	switch {
	case a == nil:
		note = t("prof.no_department_data")
	case !a.Assigned:
		note = t("prof.not_assigned")
	case !a.Submitted:
		note = t("prof.no_response", a.State)
	}
	if note != "" {
		if err := g.put([]any{note}, 0); err != nil {
			return err
		}
		return g.finish(0)
	}
	submitted := ""
	if !a.SubmittedAt.IsZero() {
		submitted = a.SubmittedAt.Format("2006-01-02 15:04")
	}
	respondent := a.Respondent
	if respondent == "" {
		respondent = "—"
	}
	state := t("prof.answers_state") + ": " + a.State + " · " + t("prof.respondent") + ": " + respondent +
		" · " + t("prof.submitted_at") + ": " + submitted
	if err := g.put([]any{state}, 0); err != nil {
		return err
	}
	g.row++
	if err := g.put(wbHeads(st.head, head)); err != nil {
		return err
	}
	for _, q := range a.Maturity {
		answer := q.LevelText
		if answer == "" {
			answer = q.Level
		}
		if err := g.put([]any{q.Label, nil, wbText(answer), wbText(q.Evidence), wbText(q.Indicator)}); err != nil {
			return err
		}
	}
	for _, q := range a.Other {
		if err := g.put([]any{q.Label, wbText(q.Part), wbText(q.Value)}); err != nil {
			return err
		}
	}
	for _, k := range []int{0, 2, 3} {
		g.cols[k] = min(g.cols[k], 40)
		col, _ := excelize.ColumnNumberToName(k + 1)
		if err := f.SetColStyle(g.name, col, st.wrap); err != nil {
			return fmt.Errorf("xlsx answers: %w", err)
		}
	}
	// The columns' wrapping must not take the header's style.
	if err := f.SetCellStyle(g.name, "A3", wbCell(len(head), 3), st.head); err != nil {
		return fmt.Errorf("xlsx answers: %w", err)
	}
	return g.finish(3)
}
