package scoring

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"sync"
)

// SensitivityOptions control a Monte Carlo run.
type SensitivityOptions struct {
	Draws   int     // number of draws (e.g. 1000)
	Seed    uint64  // the same seed gives the same result
	Perturb float64 // each weight × (1 + U(−p, +p)); default 0.25
	// Normalisations and Aggregations, when given, are drawn uniformly per
	// draw for every indicator / aggregate, on top of the weights.
	Normalisations []string
	Aggregations   []string
	Workers        int // 0 means every core
}

// Sensitivity is the spread of each unit's index rank over the draws.
type Sensitivity struct {
	Draws   int
	Seed    uint64
	Perturb float64
	Nominal []int     // the rank without perturbation
	Median  []float64 // median rank over the draws
	Q05     []float64 // 5th percentile rank (linear interpolation)
	Q95     []float64 // 95th percentile rank
}

// Sensitise perturbs the weights of every node above the indicators (each
// weight × (1 + U(−p, +p)), siblings re-normalised by the mean), optionally
// varies normalisation and aggregation, and reports each unit's rank spread.
// Each draw has its own random stream derived from the seed and the draw
// number, so the result does not depend on how draws are spread over cores.
func Sensitise(f *Framework, t *Table, o Options, so SensitivityOptions) (*Sensitivity, error) {
	if so.Draws <= 0 {
		return nil, fmt.Errorf("sensitivity: draws must be positive")
	}
	if so.Perturb == 0 {
		so.Perturb = 0.25
	}
	if so.Perturb < 0 || so.Perturb >= 1 {
		return nil, fmt.Errorf("sensitivity: perturbation %v, want between 0 and 1", so.Perturb)
	}
	o.Explain, o.Previous = false, nil
	base, err := Run(f, t, o)
	if err != nil {
		return nil, err
	}
	nu := len(t.Units)
	order := f.Order()
	nominal := base.weights // fixed weights, and any computed from the data
	// The nodes whose weights are perturbed: every node that is not an
	// indicator, except the root (it has no siblings).
	var perturbed []int
	for k, n := range order {
		if !n.IsIndicator() && n.parent != nil {
			perturbed = append(perturbed, k)
		}
	}
	// Only aggregates with an aggregate child change when only weights move.
	var upper []*Node
	for _, n := range order {
		for _, c := range n.Children {
			if !c.IsIndicator() {
				upper = append(upper, n)
				break
			}
		}
	}
	full := len(so.Normalisations) > 0 || len(so.Aggregations) > 0
	ranks := make([][]int32, so.Draws)
	workers := so.Workers
	if workers <= 0 {
		workers = runtime.NumCPU()
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	var firstErr error
	next := make(chan int)
	for wk := 0; wk < workers; wk++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			score := make([][]float64, len(order))
			copy(score, base.Score)
			w := make([]float64, len(nominal))
			for d := range next {
				rng := rand.New(rand.NewPCG(so.Seed, uint64(d)))
				copy(w, nominal)
				for _, k := range perturbed {
					w[k] = nominal[k] * (1 + so.Perturb*(2*rng.Float64()-1))
				}
				var root []float64
				if full {
					od := o
					od.Weights = map[string]float64{}
					for _, k := range perturbed {
						od.Weights[order[k].Code] = w[k]
					}
					if len(so.Normalisations) > 0 {
						od.Normalise = so.Normalisations[rng.IntN(len(so.Normalisations))]
					}
					if len(so.Aggregations) > 0 {
						od.Aggregate = so.Aggregations[rng.IntN(len(so.Aggregations))]
					}
					r, err := Run(f, t, od)
					if err != nil {
						mu.Lock()
						if firstErr == nil {
							firstErr = fmt.Errorf("sensitivity draw %d: %w", d, err)
						}
						mu.Unlock()
						continue
					}
					root = r.RootScores()
				} else {
					minAvail := availability(f, o)
					for _, n := range upper {
						out := make([]float64, nu)
						for i := 0; i < nu; i++ {
							v, err := aggregate(n, score, w, i, aggMethod(n, o), minAvail)
							if err != nil {
								v = math.NaN()
							}
							out[i] = v
						}
						score[n.index] = out
					}
					root = score[f.Root.index]
				}
				rk := CompetitionRanks(root)
				row := make([]int32, nu)
				for i, r := range rk {
					row[i] = int32(r)
				}
				ranks[d] = row
			}
		}()
	}
	for d := 0; d < so.Draws; d++ {
		next <- d
	}
	close(next)
	wg.Wait()
	if firstErr != nil {
		return nil, firstErr
	}
	s := &Sensitivity{Draws: so.Draws, Seed: so.Seed, Perturb: so.Perturb, Nominal: base.Rank,
		Median: make([]float64, nu), Q05: make([]float64, nu), Q95: make([]float64, nu)}
	col := make([]float64, so.Draws)
	for i := 0; i < nu; i++ {
		for d := range ranks {
			col[d] = float64(ranks[d][i])
			if ranks[d][i] == 0 {
				col[d] = math.NaN()
			}
		}
		s.Median[i], s.Q05[i], s.Q95[i] = Quantile(col, 0.5), Quantile(col, 0.05), Quantile(col, 0.95)
	}
	return s, nil
}

func availability(f *Framework, o Options) float64 {
	if o.MinAvailability != nil {
		return *o.MinAvailability
	}
	if f.MinAvailability != nil {
		return *f.MinAvailability
	}
	return DefaultMinAvailability
}

func aggMethod(n *Node, o Options) string {
	if o.Aggregate != "" {
		return o.Aggregate
	}
	return n.Aggregate
}

// RankShift is how far each unit's rank moves when one node is dropped.
type RankShift struct {
	Node    string  `json:"node"`
	Shift   []int   `json:"shift"`    // nominal rank − rank without the node: positive moved up
	MeanAbs float64 `json:"mean_abs"` // mean absolute shift over ranked units
}

// LeaveOneOut drops each named node in turn (weight 0) and reports the rank
// shifts; with no codes it drops each child of the root.
func LeaveOneOut(f *Framework, t *Table, o Options, codes []string) ([]RankShift, error) {
	o.Explain, o.Previous = false, nil
	base, err := Run(f, t, o)
	if err != nil {
		return nil, err
	}
	if len(codes) == 0 {
		for _, c := range f.Root.Children {
			codes = append(codes, c.Code)
		}
	}
	var out []RankShift
	for _, code := range codes {
		if f.Node(code) == nil || f.Node(code) == f.Root {
			return nil, fmt.Errorf("leave-one-out: no droppable node %q", code)
		}
		od := o
		od.Drop = append(append([]string(nil), o.Drop...), code)
		r, err := Run(f, t, od)
		if err != nil {
			return nil, err
		}
		rs := RankShift{Node: code, Shift: make([]int, len(t.Units))}
		sum, n := 0, 0
		for i := range t.Units {
			if base.Rank[i] > 0 && r.Rank[i] > 0 {
				rs.Shift[i] = base.Rank[i] - r.Rank[i]
				sum += absInt(rs.Shift[i])
				n++
			}
		}
		if n > 0 {
			rs.MeanAbs = float64(sum) / float64(n)
		}
		out = append(out, rs)
	}
	return out, nil
}

func absInt(x int) int {
	if x < 0 {
		return -x
	}
	return x
}
