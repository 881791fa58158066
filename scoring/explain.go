package scoring

import (
	"math"
	"sort"
)

// Contribution is one indicator's part in a unit's index score.
type Contribution struct {
	Code            string  `json:"code"`
	Value           float64 `json:"value"`            // normalised
	EffectiveWeight float64 `json:"effective_weight"` // share of the index this indicator carries for the unit
	Contribution    float64 `json:"contribution"`     // effective weight × value: these sum to the index under arithmetic means
}

// Relative compares a unit's indicator with its peers' mean.
type Relative struct {
	Code     string  `json:"code"`
	Value    float64 `json:"value"`
	PeerMean float64 `json:"peer_mean"`
	Diff     float64 `json:"diff"`
}

// WhatIf is a single-indicator improvement that would lift the unit to the
// next band on its own.
type WhatIf struct {
	Code    string  `json:"code"`
	From    float64 `json:"from"`               // normalised value now
	To      float64 `json:"to"`                 // normalised value needed
	RawFrom float64 `json:"raw_from,omitempty"` // the raw values, where the normalisation can be inverted
	RawTo   float64 `json:"raw_to,omitempty"`
}

// Change compares a unit with a previous result.
type Change struct {
	ScoreBefore float64 `json:"score_before"`
	ScoreDelta  float64 `json:"score_delta"`
	RankBefore  int     `json:"rank_before"`
	RankDelta   int     `json:"rank_delta"` // positive: moved up
}

// Explanation says why a unit scored what it did.
type Explanation struct {
	Contributions []Contribution `json:"contributions"`
	Strongest     []Relative     `json:"strongest"`
	Weakest       []Relative     `json:"weakest"`
	GapToBest     float64        `json:"gap_to_best"`
	NextBand      string         `json:"next_band,omitempty"`
	GapToNext     float64        `json:"gap_to_next_band"`
	WhatIf        []WhatIf       `json:"what_if"`
	Change        *Change        `json:"change,omitempty"`
}

// explain fills Result.Explain for every unit.
func (r *Result) explain() {
	f := r.Framework
	inds := f.Indicators()
	root := r.RootScores()
	nu := len(r.Units)
	best := math.Inf(-1)
	for _, v := range root {
		if !math.IsNaN(v) && v > best {
			best = v
		}
	}
	// Peer means per indicator: the unit's group when it has one with at
	// least two members, else everyone.
	groupMean := map[string][]float64{}
	groupCount := map[string]int{}
	for _, u := range r.Units {
		groupCount[u.Group]++
	}
	peerMean := func(k int, group string) float64 {
		key := group
		if group == "" || groupCount[group] < 2 {
			key = "\x00all"
		}
		means, ok := groupMean[key]
		if !ok {
			means = make([]float64, len(r.Score))
			groupMean[key] = means
			for _, n := range inds {
				s, c := 0.0, 0
				for i, v := range r.Score[n.index] {
					if !math.IsNaN(v) && (key == "\x00all" || r.Units[i].Group == key) {
						s += v
						c++
					}
				}
				means[n.index] = math.NaN()
				if c > 0 {
					means[n.index] = s / float64(c)
				}
			}
		}
		return means[k]
	}
	linear := r.allArithmetic()
	var prev map[string]int
	if r.Options.Previous != nil {
		prev = map[string]int{}
		for i, u := range r.Options.Previous.Units {
			prev[u.Code] = i
		}
	}
	r.Explain = make([]Explanation, nu)
	for i := 0; i < nu; i++ {
		e := &r.Explain[i]
		var rel []Relative
		for _, n := range inds {
			v := r.Score[n.index][i]
			ew := r.EffWeight[n.index][i]
			e.Contributions = append(e.Contributions, Contribution{Code: n.Code, Value: v, EffectiveWeight: ew, Contribution: ew * v})
			if !math.IsNaN(v) && ew > 0 {
				pm := peerMean(n.index, r.Units[i].Group)
				rel = append(rel, Relative{Code: n.Code, Value: v, PeerMean: pm, Diff: v - pm})
			}
		}
		sort.SliceStable(rel, func(a, b int) bool { return rel[a].Diff > rel[b].Diff })
		e.Strongest = headRel(rel, 3)
		weak := append([]Relative(nil), rel...)
		sort.SliceStable(weak, func(a, b int) bool { return weak[a].Diff < weak[b].Diff })
		e.Weakest = headRel(weak, 3)
		s := root[i]
		e.GapToBest = best - s
		e.GapToNext = math.NaN()
		if next, gap, ok := r.Bands.Next(s); ok {
			e.NextBand, e.GapToNext = next.Code, gap
			if linear {
				e.WhatIf = r.whatIf(i, gap, inds)
			}
		}
		if prev != nil {
			if j, ok := prev[r.Units[i].Code]; ok {
				p := r.Options.Previous
				before := p.RootScores()[j]
				e.Change = &Change{ScoreBefore: before, ScoreDelta: s - before, RankBefore: p.Rank[j]}
				if p.Rank[j] > 0 && r.Rank[i] > 0 {
					e.Change.RankDelta = p.Rank[j] - r.Rank[i]
				}
			}
		}
	}
}

func headRel(rel []Relative, n int) []Relative {
	if len(rel) > n {
		rel = rel[:n]
	}
	return append([]Relative{}, rel...)
}

// allArithmetic reports whether every aggregate uses the arithmetic mean,
// which makes the index linear in each indicator.
func (r *Result) allArithmetic() bool {
	for _, n := range r.Framework.Order() {
		m := n.Aggregate
		if r.Options.Aggregate != "" {
			m = r.Options.Aggregate
		}
		if !n.IsIndicator() && m != AggArith {
			return false
		}
	}
	return true
}

// whatIf lists the indicators that alone could close the gap: under
// arithmetic means the index moves by effective weight × change, so the
// needed value is from + gap / weight, possible while it stays ≤ 100. The
// smallest changes come first, at most three.
func (r *Result) whatIf(i int, gap float64, inds []*Node) []WhatIf {
	var out []WhatIf
	for _, n := range inds {
		v, ew := r.Score[n.index][i], r.EffWeight[n.index][i]
		if math.IsNaN(v) || ew <= 0 {
			continue
		}
		to := v + gap/ew
		if to > 100+1e-9 {
			continue
		}
		w := WhatIf{Code: n.Code, From: v, To: to}
		w.RawFrom = r.Raw[n.index][i]
		w.RawTo = r.invert(n, to)
		out = append(out, w)
	}
	sort.SliceStable(out, func(a, b int) bool { return out[a].To-out[a].From < out[b].To-out[b].From })
	if len(out) > 3 {
		out = out[:3]
	}
	return out
}

// invert maps a normalised value back to raw units where the method allows
// (min-max, goalposts, none, without log); NaN otherwise.
func (r *Result) invert(n *Node, v float64) float64 {
	m := *n.Normalise
	if r.Options.Normalise != "" {
		m = Normalisation{Method: r.Options.Normalise, Log: m.Log}
	}
	if m.Log {
		return math.NaN()
	}
	switch m.Method {
	case NormNone:
		return v
	case NormGoalposts:
		return *m.Worst + v/100*(*m.Best-*m.Worst)
	case NormMinMax, NormMinMax1:
		d := float64(n.Direction)
		lo, hi := math.Inf(1), math.Inf(-1)
		for _, x := range r.Raw[n.index] {
			if !math.IsNaN(x) {
				lo, hi = math.Min(lo, x*d), math.Max(hi, x*d)
			}
		}
		if hi == lo {
			return math.NaN()
		}
		from, span := 0.0, 100.0
		if m.Method == NormMinMax1 {
			from, span = 1, 99
		}
		return ((v-from)/span*(hi-lo) + lo) / d
	}
	return math.NaN()
}
