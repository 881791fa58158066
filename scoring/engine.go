package scoring

import (
	"fmt"
	"math"
	"sort"
)

// DefaultMinAvailability is the share of a node's children a unit must have
// for the node to be scored (FRAMEWORK.md: the 2/3 rule).
const DefaultMinAvailability = 2.0 / 3.0

// Options change how a framework is applied, without editing it.
type Options struct {
	Normalise       string             // override every indicator's method ("" keeps the framework's)
	Aggregate       string             // override every aggregate's method
	Weights         map[string]float64 // override node weights by code
	Drop            []string           // nodes given weight 0 (leave-one-out)
	Bands           string             // band set name ("" keeps the framework's)
	MinAvailability *float64           // overrides the framework's share (0 scores anything with one child)
	ImputeGroupMean bool               // fill a missing raw value with the mean of the unit's group
	Winsorise       bool               // COINr's outlier treatment before normalisation
	Previous        *Result            // an earlier result, for changes
	Explain         bool               // compute explanations per unit
}

// Result is the outcome of a run. Raw, Norm and Score are node-major:
// Score[k][i] is node k (in Framework.Order) for unit i; for an indicator it
// is the normalised value.
type Result struct {
	Framework *Framework
	Options   Options
	Units     []Unit
	Raw       [][]float64 // indicators only (nil rows for aggregates)
	Score     [][]float64
	LowSample [][]bool // indicators: left out for a small sample
	Imputed   [][]bool // indicators: the raw value is a group mean
	// Effective weights: EffWeight[k][i] is the share of the root score
	// that node k carries for unit i (re-normalised over what is present).
	EffWeight [][]float64
	Rank      []int     // root rank, competition ranking; 0 when unscored
	GroupRank []int     // rank within the unit's group
	GroupSize []int     // ranked units in the group
	Pct       []float64 // percentile of the root score
	Bands     BandSet
	Explain   []Explanation // per unit when Options.Explain
	Diag      *Diagnostics
	Warnings  []string
	// LeaveOneOut, when the caller computed it, is written with the JSON.
	LeaveOneOut []RankShift

	ranges  map[int][2]float64 // min and max of x·dir per indicator, for inverting min-max
	weights []float64          // the weights used, by Order position (data-driven ones included)
}

// Run scores the table with the framework. It fails when the data lack a
// column that an indicator or formula needs, when a needed column holds
// text, or when a geometric mean meets a value that is not positive.
func Run(f *Framework, t *Table, o Options) (*Result, error) {
	order := f.Order()
	nu := len(t.Units)
	res := &Result{Framework: f, Options: o, Units: t.Units,
		Raw: make([][]float64, len(order)), Score: make([][]float64, len(order)),
		LowSample: make([][]bool, len(order)), Imputed: make([][]bool, len(order)), EffWeight: make([][]float64, len(order))}
	bandName := f.Bands
	if o.Bands != "" {
		bandName = o.Bands
	}
	bs, ok := BandSets()[bandName]
	if !ok {
		return nil, fmt.Errorf("unknown band set %q (default, un, national, gtmi)", bandName)
	}
	res.Bands = bs.Rescaled(100)
	minAvail := DefaultMinAvailability
	if f.MinAvailability != nil {
		minAvail = *f.MinAvailability
	}
	if o.MinAvailability != nil {
		minAvail = *o.MinAvailability
	}
	weights := effectiveWeights(f, o)

	// Indicators: raw values, sample checks, treatment, normalisation.
	for k, n := range order {
		if !n.IsIndicator() {
			continue
		}
		raw, err := indicatorRaw(n, t)
		if err != nil {
			return nil, err
		}
		low := make([]bool, nu)
		if ms := n.MinSample; ms != nil {
			counts, err := t.numeric(ms.Variable)
			if err != nil {
				return nil, fmt.Errorf("indicator %s: min_sample: %w", n.Code, err)
			}
			for i := range raw {
				if !math.IsNaN(raw[i]) && (math.IsNaN(counts[i]) || counts[i] < ms.Min) {
					low[i] = true
				}
			}
		}
		if o.ImputeGroupMean {
			filled := imputeGroupMean(raw, t.Units)
			res.Imputed[k] = make([]bool, nu)
			for i := range raw {
				res.Imputed[k][i] = math.IsNaN(raw[i]) && !math.IsNaN(filled[i])
			}
			raw = filled
		}
		use := raw
		if o.Winsorise {
			w := Winsorise(raw, 2, 3.5, 5)
			if w.Applied {
				use = w.Treated
				res.Warnings = append(res.Warnings, fmt.Sprintf("%s: winsorised %d points (skew %.2f → %.2f)", n.Code, w.Points, w.SkewBefore, w.SkewAfter))
			}
		}
		masked := use
		if n.MinSample != nil {
			masked = make([]float64, nu)
			for i, v := range use {
				if low[i] {
					v = math.NaN()
				}
				masked[i] = v
			}
		}
		m := *n.Normalise
		if o.Normalise != "" {
			m = Normalisation{Method: o.Normalise, Log: m.Log}
		}
		var targets, worsts []float64
		if m.Method == NormTarget {
			if m.TargetVar != "" {
				if targets, err = t.numeric(m.TargetVar); err != nil {
					return nil, fmt.Errorf("indicator %s: target_var: %w", n.Code, err)
				}
			}
			if m.WorstVar != "" {
				if worsts, err = t.numeric(m.WorstVar); err != nil {
					return nil, fmt.Errorf("indicator %s: worst_var: %w", n.Code, err)
				}
			}
		}
		norm, err := normaliseColumn(masked, n.Direction, m, targets, worsts)
		if err != nil {
			return nil, fmt.Errorf("indicator %s: %w", n.Code, err)
		}
		res.Raw[k], res.Score[k], res.LowSample[k] = raw, norm, low
	}

	// Aggregates, deepest first (Order puts them so).
	for k, n := range order {
		if n.IsIndicator() {
			continue
		}
		method := n.Aggregate
		if o.Aggregate != "" {
			method = o.Aggregate
		}
		if n.Weighting != nil {
			if err := res.dataWeights(n, weights); err != nil {
				return nil, fmt.Errorf("node %s: %w", n.Code, err)
			}
		}
		out := make([]float64, nu)
		for i := 0; i < nu; i++ {
			v, err := aggregate(n, res.Score, weights, i, method, minAvail)
			if err != nil {
				return nil, fmt.Errorf("node %s, unit %s: %w", n.Code, t.Units[i].Code, err)
			}
			out[i] = v
		}
		res.Score[k] = out
	}

	root := res.Score[f.Root.index]
	res.Rank = CompetitionRanks(root)
	groups := make([]string, nu)
	for i, u := range t.Units {
		groups[i] = u.Group
	}
	res.GroupRank, res.GroupSize = GroupRanks(root, groups)
	res.Pct = PercentRanks(root)
	res.computeEffectiveWeights(weights, minAvail)
	res.weights = weights
	if o.Explain {
		res.explain()
	}
	return res, nil
}

// dataWeights sets the weights of n's children from the data (entropy, or a
// mix with the fixed weights), computed on the children's scores over the
// units that have all of them.
func (r *Result) dataWeights(n *Node, w []float64) error {
	wt := n.Weighting
	var rows [][]float64
	for i := range r.Units {
		row := make([]float64, len(n.Children))
		complete := true
		for j, c := range n.Children {
			row[j] = r.Score[c.index][i]
			complete = complete && !math.IsNaN(row[j])
		}
		if complete {
			rows = append(rows, row)
		}
	}
	variant := EntropyClassic
	if wt.Method == WeightEntropyMinMax {
		variant = EntropyMinMax
	}
	ew, err := EntropyWeights(rows, nil, variant)
	if err != nil {
		return fmt.Errorf("entropy weights: %w", err)
	}
	if wt.Alpha > 0 {
		fixed := make([]float64, len(n.Children))
		for j, c := range n.Children {
			fixed[j] = w[c.index]
		}
		if ew, err = MixWeights(fixed, ew, wt.Alpha); err != nil {
			return err
		}
	}
	for j, c := range n.Children {
		w[c.index] = ew[j]
	}
	return nil
}

// BandsOf returns the band set that names node n's levels: its own when the
// framework gives one, else the run's.
func (r *Result) BandsOf(n *Node) BandSet {
	if n.Bands != "" && r.Options.Bands == "" {
		if bs, ok := BandSets()[n.Bands]; ok {
			return bs.Rescaled(100)
		}
	}
	return r.Bands
}

// Weights returns the weight each node had in the run, by code, including
// weights computed from the data.
func (r *Result) Weights() map[string]float64 {
	out := map[string]float64{}
	for k, n := range r.Framework.Order() {
		out[n.Code] = r.weights[k]
	}
	return out
}

// effectiveWeights returns each node's weight after the options' overrides
// and drops, indexed by Order position.
func effectiveWeights(f *Framework, o Options) []float64 {
	order := f.Order()
	w := make([]float64, len(order))
	for k, n := range order {
		w[k] = n.W()
		if v, ok := o.Weights[n.Code]; ok {
			w[k] = v
		}
	}
	for _, code := range o.Drop {
		if n := f.Node(code); n != nil {
			w[n.index] = 0
		}
	}
	return w
}

// indicatorRaw returns an indicator's raw values: its formula over the
// table's variables, or the column named by its code.
func indicatorRaw(n *Node, t *Table) ([]float64, error) {
	if n.program == nil {
		col, err := t.numeric(n.Code)
		if err != nil {
			return nil, fmt.Errorf("indicator %s: the data have no usable column %q and the indicator has no formula (%v)", n.Code, n.Code, err)
		}
		return col, nil
	}
	cols := make([][]float64, len(n.vars))
	for j, v := range n.vars {
		c, err := t.numeric(v)
		if err != nil {
			return nil, fmt.Errorf("indicator %s: formula variable %s: %w", n.Code, v, err)
		}
		cols[j] = c
	}
	out := make([]float64, len(t.Units))
	env := make(map[string]any, len(n.vars))
	for i := range t.Units {
		missing := false
		for j, v := range n.vars {
			x := cols[j][i]
			if math.IsNaN(x) {
				missing = true
				break
			}
			env[v] = x
		}
		if missing {
			out[i] = math.NaN()
			continue
		}
		v, err := runFormula(n, env)
		if err != nil {
			return nil, fmt.Errorf("indicator %s, unit %s: formula: %w", n.Code, t.Units[i].Code, err)
		}
		if math.IsInf(v, 0) {
			v = math.NaN() // a zero denominator: no value, not infinity
		}
		out[i] = v
	}
	return out, nil
}

// imputeGroupMean fills missing values with the mean of the unit's group
// (units without a group form one group).
func imputeGroupMean(raw []float64, units []Unit) []float64 {
	sum, cnt := map[string]float64{}, map[string]int{}
	for i, v := range raw {
		if !math.IsNaN(v) {
			sum[units[i].Group] += v
			cnt[units[i].Group]++
		}
	}
	out := make([]float64, len(raw))
	for i, v := range raw {
		if math.IsNaN(v) && cnt[units[i].Group] > 0 {
			v = sum[units[i].Group] / float64(cnt[units[i].Group])
		}
		out[i] = v
	}
	return out
}

// aggregate scores node n for unit i from its children: a weighted mean over
// the children that have a value, their weights re-normalised; NaN when
// fewer than minAvail of the weighted children are present.
func aggregate(n *Node, score [][]float64, w []float64, i int, method string, minAvail float64) (float64, error) {
	var sumW, acc float64
	total, present := 0, 0
	for _, c := range n.Children {
		wc := w[c.index]
		if wc <= 0 {
			continue
		}
		total++
		v := score[c.index][i]
		if math.IsNaN(v) {
			continue
		}
		present++
		sumW += wc
		switch method {
		case AggGeom:
			if v <= 0 {
				return 0, fmt.Errorf("a geometric mean needs values above 0, %s is %v (normalise to [1,100] with minmax1)", c.Code, v)
			}
			acc += wc * math.Log(v)
		default:
			acc += wc * v
		}
	}
	if present == 0 || float64(present) < minAvail*float64(total)-1e-12 {
		return math.NaN(), nil
	}
	if method == AggGeom {
		return math.Exp(acc / sumW), nil
	}
	return acc / sumW, nil
}

// computeEffectiveWeights fills EffWeight: the root has 1; a child present
// for the unit gets its parent's share × its weight over the weights of its
// present siblings. Missing children and unscored subtrees get 0.
func (r *Result) computeEffectiveWeights(w []float64, minAvail float64) {
	order := r.Framework.Order()
	nu := len(r.Units)
	for k := range order {
		r.EffWeight[k] = make([]float64, nu)
	}
	root := r.Framework.Root
	for i := 0; i < nu; i++ {
		if !math.IsNaN(r.Score[root.index][i]) {
			r.EffWeight[root.index][i] = 1
		}
	}
	// Parents before children: walk the tree from the root.
	var walk func(n *Node)
	walk = func(n *Node) {
		for i := 0; i < nu; i++ {
			share := r.EffWeight[n.index][i]
			if share == 0 {
				continue
			}
			sum := 0.0
			for _, c := range n.Children {
				if w[c.index] > 0 && !math.IsNaN(r.Score[c.index][i]) {
					sum += w[c.index]
				}
			}
			for _, c := range n.Children {
				if w[c.index] > 0 && !math.IsNaN(r.Score[c.index][i]) && sum > 0 {
					r.EffWeight[c.index][i] = share * w[c.index] / sum
				}
			}
		}
		for _, c := range n.Children {
			walk(c)
		}
	}
	walk(root)
}

// RootScores returns the index score of every unit.
func (r *Result) RootScores() []float64 { return r.Score[r.Framework.Root.index] }

// NodeScores returns node code's scores (normalised values for an
// indicator), or nil for an unknown code.
func (r *Result) NodeScores(code string) []float64 {
	n := r.Framework.Node(code)
	if n == nil {
		return nil
	}
	return r.Score[n.index]
}

// sortedCodes returns map keys in order, for deterministic output.
func sortedCodes[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
