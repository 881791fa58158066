package scoring

import (
	"encoding/csv"
	"encoding/json"
	"io"
	"math"
	"strconv"
)

// Num is a float that marshals NaN as null and numbers in their shortest
// exact form, so JSON output is valid and byte-identical across runs.
type Num float64

// MarshalJSON writes null for NaN and infinities.
func (n Num) MarshalJSON() ([]byte, error) {
	f := float64(n)
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return []byte("null"), nil
	}
	if f == 0 {
		f = 0 // no "-0"
	}
	return strconv.AppendFloat(nil, f, 'g', -1, 64), nil
}

// formatNum writes a value for CSV: empty for missing.
func formatNum(f float64) string {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return ""
	}
	if f == 0 {
		f = 0 // no "-0"
	}
	return strconv.FormatFloat(f, 'g', -1, 64)
}

// WriteCSV writes one row per unit: the unit code, the normalised value of
// every indicator and the score of every aggregate in framework order, then
// the index rank and level; with sensitivity, the median and 5th/95th
// percentile ranks.
func (r *Result) WriteCSV(w io.Writer, s *Sensitivity) error {
	cw := csv.NewWriter(w)
	order := r.Framework.Order()
	head := []string{"uCode"}
	for _, n := range order {
		head = append(head, n.Code)
	}
	head = append(head, "rank", "level")
	if s != nil {
		head = append(head, "rank_median", "rank_q05", "rank_q95")
	}
	if err := cw.Write(head); err != nil {
		return err
	}
	root := r.RootScores()
	row := make([]string, 0, len(head))
	for i, u := range r.Units {
		row = append(row[:0], u.Code)
		for k := range order {
			row = append(row, formatNum(r.Score[k][i]))
		}
		rank, level := "", ""
		if r.Rank[i] > 0 {
			rank = strconv.Itoa(r.Rank[i])
		}
		if b, ok := r.Bands.Of(root[i]); ok {
			level = b.Code
		}
		row = append(row, rank, level)
		if s != nil {
			row = append(row, formatNum(s.Median[i]), formatNum(s.Q05[i]), formatNum(s.Q95[i]))
		}
		if err := cw.Write(row); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// jsonNode describes a node once, for readers of the JSON.
type jsonNode struct {
	Code      string `json:"code"`
	NameZh    string `json:"name_zh,omitempty"`
	NameEn    string `json:"name_en,omitempty"`
	Parent    string `json:"parent,omitempty"`
	Depth     int    `json:"depth"`
	Indicator bool   `json:"indicator"`
	Weight    Num    `json:"weight"`
	Method    string `json:"method"`
}

type jsonValue struct {
	Code      string `json:"code"`
	Raw       *Num   `json:"raw,omitempty"`
	Value     Num    `json:"value"`
	Level     string `json:"level,omitempty"`
	LowSample bool   `json:"low_sample,omitempty"`
	Imputed   bool   `json:"imputed,omitempty"`
	// Insufficient marks an aggregate left unscored because fewer of its
	// children had values than the availability rule asks (it had some).
	Insufficient bool `json:"insufficient_data,omitempty"`
}

type jsonUnit struct {
	Code       string       `json:"code"`
	Name       string       `json:"name,omitempty"`
	Group      string       `json:"group,omitempty"`
	Score      Num          `json:"score"`
	Level      string       `json:"level,omitempty"`
	Rank       int          `json:"rank"`
	GroupRank  int          `json:"group_rank,omitempty"`
	GroupSize  int          `json:"group_size,omitempty"`
	Percentile Num          `json:"percentile"`
	Values     []jsonValue  `json:"values"`
	Explain    *jsonExplain `json:"explanation,omitempty"`
	RankMedian *Num         `json:"rank_median,omitempty"`
	RankQ05    *Num         `json:"rank_q05,omitempty"`
	RankQ95    *Num         `json:"rank_q95,omitempty"`
}

type jsonExplain struct {
	Contrib   []jsonContrib  `json:"contributions"`
	Strongest []jsonRelative `json:"strongest"`
	Weakest   []jsonRelative `json:"weakest"`
	GapToBest Num            `json:"gap_to_best"`
	NextBand  string         `json:"next_band,omitempty"`
	GapToNext Num            `json:"gap_to_next_band"`
	WhatIf    []jsonWhatIf   `json:"what_if"`
	Change    *jsonChange    `json:"change,omitempty"`
}

type jsonContrib struct {
	Code            string `json:"code"`
	Value           Num    `json:"value"`
	EffectiveWeight Num    `json:"effective_weight"`
	Contribution    Num    `json:"contribution"`
}

type jsonRelative struct {
	Code     string `json:"code"`
	Value    Num    `json:"value"`
	PeerMean Num    `json:"peer_mean"`
	Diff     Num    `json:"diff"`
}

type jsonWhatIf struct {
	Code    string `json:"code"`
	From    Num    `json:"from"`
	To      Num    `json:"to"`
	RawFrom Num    `json:"raw_from"`
	RawTo   Num    `json:"raw_to"`
}

type jsonChange struct {
	ScoreBefore Num `json:"score_before"`
	ScoreDelta  Num `json:"score_delta"`
	RankBefore  int `json:"rank_before"`
	RankDelta   int `json:"rank_delta"`
}

type jsonCheck struct {
	Code         string `json:"code"`
	Availability Num    `json:"availability"`
	LowSample    int    `json:"low_sample"`
	Skew         Num    `json:"skew"`
	Kurtosis     Num    `json:"kurtosis"`
	OutlierRisk  bool   `json:"outlier_risk"`
}

type jsonCorr struct {
	A    string `json:"a"`
	B    string `json:"b"`
	R    Num    `json:"r"`
	Kind string `json:"kind"`
}

type jsonResult struct {
	Framework   string           `json:"framework"`
	Version     string           `json:"version"`
	Bands       string           `json:"bands"`
	Nodes       []jsonNode       `json:"nodes"`
	Units       []jsonUnit       `json:"units"`
	Checks      []jsonCheck      `json:"checks,omitempty"`
	Correlation []jsonCorr       `json:"correlation_flags,omitempty"`
	Sensitivity *jsonSensitivity `json:"sensitivity,omitempty"`
	LeaveOneOut []RankShift      `json:"leave_one_out,omitempty"`
	Warnings    []string         `json:"warnings,omitempty"`
}

type jsonSensitivity struct {
	Draws   int     `json:"draws"`
	Seed    uint64  `json:"seed"`
	Perturb float64 `json:"perturb"`
}

// WriteJSON writes everything: nodes, every unit's values, levels, ranks,
// explanations, diagnostics and sensitivity, with NaN as null.
func (r *Result) WriteJSON(w io.Writer, s *Sensitivity) error {
	f := r.Framework
	out := jsonResult{Framework: f.Code, Version: f.Version, Bands: r.Bands.Name, Warnings: r.Warnings, LeaveOneOut: r.LeaveOneOut}
	weights := r.weights
	for k, n := range f.Order() {
		jn := jsonNode{Code: n.Code, NameZh: n.NameZh, NameEn: n.NameEn, Depth: n.depth, Indicator: n.IsIndicator(), Weight: Num(weights[k])}
		if n.parent != nil {
			jn.Parent = n.parent.Code
		}
		if n.IsIndicator() {
			jn.Method = n.Normalise.Method
			if r.Options.Normalise != "" {
				jn.Method = r.Options.Normalise
			}
		} else {
			jn.Method = n.Aggregate
			if r.Options.Aggregate != "" {
				jn.Method = r.Options.Aggregate
			}
		}
		out.Nodes = append(out.Nodes, jn)
	}
	root := r.RootScores()
	for i, u := range r.Units {
		ju := jsonUnit{Code: u.Code, Name: u.Name, Group: u.Group, Score: Num(root[i]), Rank: r.Rank[i],
			GroupRank: r.GroupRank[i], GroupSize: r.GroupSize[i], Percentile: Num(r.Pct[i])}
		if b, ok := r.Bands.Of(root[i]); ok {
			ju.Level = b.Code
		}
		for k, n := range f.Order() {
			v := jsonValue{Code: n.Code, Value: Num(r.Score[k][i])}
			if n.IsIndicator() {
				raw := Num(r.Raw[k][i])
				v.Raw = &raw
				v.LowSample = r.LowSample[k][i]
				v.Imputed = r.Imputed[k] != nil && r.Imputed[k][i]
			} else if b, ok := r.BandsOf(n).Of(r.Score[k][i]); ok {
				v.Level = b.Code
			} else {
				for _, c := range n.Children {
					if !math.IsNaN(r.Score[c.index][i]) {
						v.Insufficient = true
						break
					}
				}
			}
			ju.Values = append(ju.Values, v)
		}
		if r.Explain != nil {
			ju.Explain = jsonExplanation(r.Explain[i])
		}
		if s != nil {
			m, lo, hi := Num(s.Median[i]), Num(s.Q05[i]), Num(s.Q95[i])
			ju.RankMedian, ju.RankQ05, ju.RankQ95 = &m, &lo, &hi
		}
		out.Units = append(out.Units, ju)
	}
	if r.Diag != nil {
		for _, c := range r.Diag.Indicators {
			out.Checks = append(out.Checks, jsonCheck{Code: c.Code, Availability: Num(c.Availability), LowSample: c.LowSample,
				Skew: Num(c.Skew), Kurtosis: Num(c.Kurtosis), OutlierRisk: c.OutlierRisk})
		}
		for _, c := range r.Diag.Correlations {
			out.Correlation = append(out.Correlation, jsonCorr{A: c.A, B: c.B, R: Num(c.R), Kind: c.Kind})
		}
	}
	if s != nil {
		out.Sensitivity = &jsonSensitivity{Draws: s.Draws, Seed: s.Seed, Perturb: s.Perturb}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", " ")
	return enc.Encode(out)
}

func jsonExplanation(e Explanation) *jsonExplain {
	j := &jsonExplain{GapToBest: Num(e.GapToBest), NextBand: e.NextBand, GapToNext: Num(e.GapToNext),
		Contrib: []jsonContrib{}, Strongest: []jsonRelative{}, Weakest: []jsonRelative{}, WhatIf: []jsonWhatIf{}}
	for _, c := range e.Contributions {
		j.Contrib = append(j.Contrib, jsonContrib{c.Code, Num(c.Value), Num(c.EffectiveWeight), Num(c.Contribution)})
	}
	for _, r := range e.Strongest {
		j.Strongest = append(j.Strongest, jsonRelative{r.Code, Num(r.Value), Num(r.PeerMean), Num(r.Diff)})
	}
	for _, r := range e.Weakest {
		j.Weakest = append(j.Weakest, jsonRelative{r.Code, Num(r.Value), Num(r.PeerMean), Num(r.Diff)})
	}
	for _, w := range e.WhatIf {
		j.WhatIf = append(j.WhatIf, jsonWhatIf{w.Code, Num(w.From), Num(w.To), Num(w.RawFrom), Num(w.RawTo)})
	}
	if c := e.Change; c != nil {
		j.Change = &jsonChange{Num(c.ScoreBefore), Num(c.ScoreDelta), c.RankBefore, c.RankDelta}
	}
	return j
}
