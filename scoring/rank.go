package scoring

import (
	"cmp"
	"fmt"
	"math"
	"slices"
)

// tieKey returns the value two scores are compared on when ranking: the score
// rounded to 9 decimal places, so that float noise such as 0.1+0.2 against 0.3
// does not split a tie. Beyond 1e15 a float64 has no digits at 1e-9 left to
// round, and multiplying could overflow, so the score is used as it is.
func tieKey(x float64) float64 {
	if math.Abs(x) >= 1e15 || math.IsInf(x, 0) {
		return x
	}
	return math.Round(x*1e9) / 1e9
}

// rankedOrder returns the indices of the non-NaN scores with their tie keys,
// sorted by key from highest to lowest; equal keys keep their input order so
// the result never depends on the sort algorithm.
func rankedOrder(scores []float64) (idx []int, keys []float64) {
	keys = make([]float64, len(scores))
	for i, s := range scores {
		keys[i] = tieKey(s)
		if !math.IsNaN(s) {
			idx = append(idx, i)
		}
	}
	slices.SortStableFunc(idx, func(a, b int) int { return cmp.Compare(keys[b], keys[a]) })
	return idx, keys
}

// CompetitionRanks ranks scores from highest (rank 1) down with competition
// ranking: ties share a rank and the next rank skips (1-2-2-4), as the UN
// E-Government Survey ranks countries. NaN scores get rank 0 (unranked) and do
// not take a place. Two scores tie when they are equal after rounding both to
// 9 decimal places, so 0.1+0.2 ties with 0.3. The result has one rank per
// score, in input order; scores is not modified.
func CompetitionRanks(scores []float64) []int {
	ranks := make([]int, len(scores))
	idx, keys := rankedOrder(scores)
	for pos, i := range idx {
		if pos > 0 && keys[i] == keys[idx[pos-1]] {
			ranks[i] = ranks[idx[pos-1]]
			continue
		}
		ranks[i] = pos + 1
	}
	return ranks
}

// GroupRanks ranks within each group with CompetitionRanks: groups[i] is unit
// i's group, and "" is a group like any other (units without a peer group are
// ranked among themselves, not dropped). It returns each unit's rank inside
// its group (0 for a NaN score) and the size of its group counted over ranked
// units, so "3 of 12" reads ranks[i] of sizes[i]; an unranked unit still gets
// its group's size. GroupRanks panics if the two slices differ in length,
// because pairing scores with the wrong groups would give silently wrong ranks.
func GroupRanks(scores []float64, groups []string) (ranks []int, sizes []int) {
	if len(scores) != len(groups) {
		panic(fmt.Sprintf("scoring.GroupRanks: %d scores but %d groups", len(scores), len(groups)))
	}
	members := make(map[string][]int)
	for i, g := range groups {
		members[g] = append(members[g], i)
	}
	ranks = make([]int, len(scores))
	sizes = make([]int, len(scores))
	for _, idx := range members {
		sub := make([]float64, len(idx))
		size := 0
		for j, i := range idx {
			sub[j] = scores[i]
			if !math.IsNaN(scores[i]) {
				size++
			}
		}
		for j, r := range CompetitionRanks(sub) {
			ranks[idx[j]] = r
			sizes[idx[j]] = size
		}
	}
	return ranks, sizes
}

// PercentRanks returns each unit's percentile in [0,100]: the share of the
// other ranked units it scores strictly above, plus half of those it ties
// with, times 100/(n−1), where n counts the non-NaN scores. A single ranked
// unit gets 100; a NaN score gets NaN. Ties are judged as in CompetitionRanks
// (equal after rounding to 9 decimals), so units sharing a rank share a
// percentile, and when all units tie each gets 50.
func PercentRanks(scores []float64) []float64 {
	pct := make([]float64, len(scores))
	for i := range pct {
		pct[i] = math.NaN()
	}
	idx, keys := rankedOrder(scores)
	n := len(idx)
	if n == 1 {
		pct[idx[0]] = 100
		return pct
	}
	// idx runs from highest to lowest; for a run of t tied units starting at
	// position lo, the units below the run are n−lo−t and each unit ties with
	// t−1 others.
	for lo := 0; lo < n; {
		hi := lo + 1
		for hi < n && keys[idx[hi]] == keys[idx[lo]] {
			hi++
		}
		t := hi - lo
		below := n - lo - t
		p := (float64(below) + float64(t-1)/2) * 100 / float64(n-1)
		for _, i := range idx[lo:hi] {
			pct[i] = p
		}
		lo = hi
	}
	return pct
}

// Quantile returns the p-quantile (p in [0,1]) of xs with linear interpolation
// between order statistics, type 7 in R and numpy's default: with the values
// sorted and h = (n−1)p, it is x[⌊h⌋] + (h−⌊h⌋)(x[⌊h⌋+1] − x[⌊h⌋]). It ignores
// NaN values and returns NaN when none remain, or when p is NaN or outside
// [0,1]. It does not modify xs.
func Quantile(xs []float64, p float64) float64 {
	if !(p >= 0 && p <= 1) {
		return math.NaN()
	}
	sorted := make([]float64, 0, len(xs))
	for _, x := range xs {
		if !math.IsNaN(x) {
			sorted = append(sorted, x)
		}
	}
	if len(sorted) == 0 {
		return math.NaN()
	}
	slices.Sort(sorted)
	h := float64(len(sorted)-1) * p
	lo := int(math.Floor(h))
	frac := h - float64(lo)
	// Without a fraction, return the order statistic itself: interpolating
	// would turn an infinite neighbour into NaN (0 × Inf).
	if frac == 0 || lo+1 >= len(sorted) {
		return sorted[lo]
	}
	return sorted[lo] + frac*(sorted[lo+1]-sorted[lo])
}
