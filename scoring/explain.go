package scoring

import (
	"cmp"
	"math"
	"slices"
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
	// least two members, else everyone (slot 0).
	peers, means := r.peerMeans(inds)
	linear := r.allArithmetic()
	r.ranges = map[int][2]float64{}
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
		e.Contributions = make([]Contribution, 0, len(inds))
		var strong, weak topK
		for _, n := range inds {
			v := r.Score[n.index][i]
			ew := r.EffWeight[n.index][i]
			e.Contributions = append(e.Contributions, Contribution{Code: n.Code, Value: v, EffectiveWeight: ew, Contribution: ew * v})
			if !math.IsNaN(v) && ew > 0 {
				pm := means[peers[i]][n.index]
				rel := Relative{Code: n.Code, Value: v, PeerMean: pm, Diff: v - pm}
				strong.offer(rel, rel.Diff)
				weak.offer(rel, -rel.Diff)
			}
		}
		e.Strongest, e.Weakest = strong.list(), weak.list()
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

// peerMeans gives each unit a peer slot (0 = everyone) and the mean of each
// indicator's normalised value per slot, indexed by Order position.
func (r *Result) peerMeans(inds []*Node) (slotOf []int, means [][]float64) {
	count := map[string]int{}
	for _, u := range r.Units {
		count[u.Group]++
	}
	slot := map[string]int{}
	slotOf = make([]int, len(r.Units))
	for i, u := range r.Units {
		if u.Group == "" || count[u.Group] < 2 {
			continue
		}
		s, ok := slot[u.Group]
		if !ok {
			s = len(slot) + 1
			slot[u.Group] = s
		}
		slotOf[i] = s
	}
	slots := len(slot) + 1
	means = make([][]float64, slots)
	sums := make([][]float64, slots)
	cnts := make([][]int, slots)
	for s := range means {
		means[s] = make([]float64, len(r.Score))
		sums[s] = make([]float64, len(r.Score))
		cnts[s] = make([]int, len(r.Score))
	}
	for _, n := range inds {
		k := n.index
		for i, v := range r.Score[k] {
			if math.IsNaN(v) {
				continue
			}
			sums[0][k] += v
			cnts[0][k]++
			if s := slotOf[i]; s > 0 {
				sums[s][k] += v
				cnts[s][k]++
			}
		}
		for s := range means {
			means[s][k] = math.NaN()
			if cnts[s][k] > 0 {
				means[s][k] = sums[s][k] / float64(cnts[s][k])
			}
		}
	}
	return slotOf, means
}

// topK keeps the three entries with the highest keys; on equal keys the one
// offered first (framework order) stays ahead.
type topK struct {
	items [3]Relative
	keys  [3]float64
	n     int
}

func (t *topK) offer(r Relative, key float64) {
	pos := t.n
	for pos > 0 && key > t.keys[pos-1] {
		pos--
	}
	if pos >= len(t.items) {
		return
	}
	end := t.n
	if end == len(t.items) {
		end--
	}
	for k := end; k > pos; k-- {
		t.items[k], t.keys[k] = t.items[k-1], t.keys[k-1]
	}
	t.items[pos], t.keys[pos] = r, key
	if t.n < len(t.items) {
		t.n++
	}
}

func (t *topK) list() []Relative { return append([]Relative{}, t.items[:t.n]...) }

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
		out = append(out, WhatIf{Code: n.Code, From: v, To: to, RawFrom: r.Raw[n.index][i]})
	}
	slices.SortStableFunc(out, func(a, b WhatIf) int { return cmp.Compare(a.To-a.From, b.To-b.From) })
	if len(out) > 3 {
		out = out[:3]
	}
	for k := range out {
		out[k].RawTo = r.invert(r.Framework.Node(out[k].Code), out[k].To)
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
		lohi, ok := r.ranges[n.index]
		if !ok {
			lohi = [2]float64{math.Inf(1), math.Inf(-1)}
			for _, x := range r.Raw[n.index] {
				if !math.IsNaN(x) {
					lohi[0], lohi[1] = math.Min(lohi[0], x*d), math.Max(lohi[1], x*d)
				}
			}
			r.ranges[n.index] = lohi
		}
		lo, hi := lohi[0], lohi[1]
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
