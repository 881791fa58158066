package dashboard

import (
	"encoding/csv"
	"io"
	"math"
	"net/http"
	"strconv"
	"strings"

	"github.com/gorilla/mux"

	"govkpi/static"
	"govkpi/survey"
)

// The run's numbers as CSV for admins and evaluators: /export/scores.csv,
// one row per department with its index, band, ranks and family scores,
// and /export/indicators.csv, one row per department and indicator. Both
// are RFC 4180 with a UTF-8 byte order mark (Excel needs it to read
// Chinese) and CRLF line ends, every cell, heads included, neutralised
// with survey.CSVCell, and rows written as they are made: 5,000
// departments × 33 indicators are never held as text at once. Numbers
// are printed as the pages print them (two decimals).

// handleRunExportCSV serves one of the run's CSVs and audits it.
func (p *pages) handleRunExportCSV(w http.ResponseWriter, r *http.Request) {
	m, err := p.model(r)
	if err != nil {
		p.s.Fail(w, r, err)
		return
	}
	if err := p.allowed(r, m, ""); err != nil {
		p.s.Fail(w, r, err)
		return
	}
	what := mux.Vars(r)["what"]
	write := scoresCSV
	if what == "indicators" {
		write = indicatorsCSV
	}
	id := strconv.FormatInt(m.Run.ID, 10)
	p.s.AuditRequest(r, survey.AuditExported, "run", id, "run "+id+" "+what+" (csv)")
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="run-`+id+`-`+what+`.csv"`)
	if err := write(w, m, p.s.Page(r, "")); err != nil {
		// Headers and rows are out: abort rather than end a cut-off file
		// as if it were whole.
		p.s.Log.Error("run csv", "request_id", survey.RequestID(r.Context()), "run", m.Run.ID, "err", err)
		panic(http.ErrAbortHandler)
	}
}

// csvOut writes neutralised rows to w after a byte order mark.
type csvOut struct {
	cw   *csv.Writer
	cell []string
}

func newCSVOut(w io.Writer) (*csvOut, error) {
	if _, err := io.WriteString(w, "\ufeff"); err != nil {
		return nil, err
	}
	cw := csv.NewWriter(w)
	cw.UseCRLF = true
	return &csvOut{cw: cw}, nil
}

func (o *csvOut) put(row ...string) error {
	o.cell = o.cell[:0]
	for _, c := range row {
		o.cell = append(o.cell, survey.CSVCell(c))
	}
	return o.cw.Write(o.cell)
}

func (o *csvOut) done() error {
	o.cw.Flush()
	return o.cw.Error()
}

// scoresCSV writes one row per department in rank order, the unscored
// last: code, name, level, category, parent, peer group, index, band,
// rank, rank in group, percentile, then each family's score.
func scoresCSV(w io.Writer, m *Model, page *static.Page) error {
	t, lang, res := page.T, page.Lang, m.Result
	pr := newProfiler(m, page)
	fams := m.Framework.Root.Children
	head := []string{t("wb.col.code"), t("wb.col.department"), t("wb.col.level"), t("wb.col.category"), t("wb.col.parent"),
		t("wb.col.group"), t("wb.col.score"), t("wb.col.band"), t("wb.col.rank"), t("wb.col.group_rank"), t("wb.col.percentile")}
	famScores := make([][]float64, len(fams))
	for k, f := range fams {
		head = append(head, t("wb.col.node_score", f.Code, f.Name(lang)))
		famScores[k] = res.NodeScores(f.Code)
	}
	out, err := newCSVOut(w)
	if err != nil {
		return err
	}
	if err := out.put(head...); err != nil {
		return err
	}
	row := make([]string, len(head))
	for _, o := range m.Outcome.Units {
		i, ok := m.UnitIndex(o.Code)
		if !ok {
			continue
		}
		level, cat, parent := exportDeptFields(m, o.Code, lang, t)
		band := ""
		if o.Level != "" {
			band = m.Outcome.BandName(o.Level, lang)
		}
		row = append(row[:0], o.Code, pr.deptName(i), level, cat, parent, m.Table.Units[i].Group,
			profFixed(res.RootScores()[i]), band, csvRank(res.Rank[i]), csvRank(res.GroupRank[i]), profFixed(res.Pct[i]))
		for _, s := range famScores {
			row = append(row, profFixed(s[i]))
		}
		if err := out.put(row...); err != nil {
			return err
		}
	}
	return out.done()
}

// csvRank is a rank, "" for none.
func csvRank(r int) string {
	if r <= 0 {
		return ""
	}
	return strconv.Itoa(r)
}

// indicatorsCSV writes one row per department and indicator, in table
// and framework order: codes and names, the unit, the raw value, the
// normalised score, the effective weight in per cent, the contribution
// to the index, and the flags (missing, low sample, imputed).
func indicatorsCSV(w io.Writer, m *Model, page *static.Page) error {
	t, lang, res := page.T, page.Lang, m.Result
	pr := newProfiler(m, page)
	head := []string{t("wb.col.code"), t("wb.col.department"), t("wb.col.indicator_code"), t("wb.col.indicator"),
		t("wb.col.unit"), t("wb.col.raw"), t("wb.col.normalised"), t("wb.col.eff_weight_pct"), t("wb.col.contribution"),
		t("wb.col.flags")}
	inds := m.Framework.Indicators()
	names := make([]string, len(inds))
	for k, n := range inds {
		names[k] = n.Name(lang)
	}
	out, err := newCSVOut(w)
	if err != nil {
		return err
	}
	if err := out.put(head...); err != nil {
		return err
	}
	row := make([]string, 0, len(head))
	var flags []string
	for i, u := range m.Table.Units {
		name := pr.deptName(i)
		for k, n := range inds {
			pos := pr.pos[n.Code]
			raw, norm := math.NaN(), res.Score[pos][i]
			if res.Raw[pos] != nil {
				raw = res.Raw[pos][i]
			}
			ew, contrib := res.EffWeight[pos][i], ""
			if !math.IsNaN(norm) {
				contrib = profFixed(ew * norm)
			}
			flags = flags[:0]
			if math.IsNaN(raw) {
				flags = append(flags, t("prof.flag_missing"))
			}
			if res.LowSample[pos] != nil && res.LowSample[pos][i] {
				flags = append(flags, t("prof.flag_low_sample"))
			}
			if res.Imputed[pos] != nil && res.Imputed[pos][i] {
				flags = append(flags, t("prof.flag_imputed"))
			}
			row = append(row[:0], u.Code, name, n.Code, names[k], n.Unit, profRaw(raw), profFixed(norm),
				strconv.FormatFloat(ew*100, 'f', 2, 64), contrib, strings.Join(flags, "; "))
			if err := out.put(row...); err != nil {
				return err
			}
		}
	}
	return out.done()
}
