package scoring

import (
	"math"
	"slices"
)

// This file holds the checks shown to admins (FRAMEWORK.md, "Checks shown to
// admins"): availability, skewness and kurtosis, correlations within a
// family, Cronbach's α per Likert scale, and the Wilson interval shown next
// to every rate. NaN is a missing value throughout and is left out.
//
// Skewness and kurtosis follow COINr (github.com/bluefoxr/COINr), whose
// skew() and kurt() in R/treat.R (commit 0889f05c) take their formulas from
// e1071::skewness and e1071::kurtosis with type = 2, which their
// documentation says equal Excel's SKEW and KURT. COINr's get_stats() in
// R/stats.R flags a column as a possible outlier case when
// abs(skew) > 2 and kurt > 3.5; winsor.go applies the same test.

// Kinds of CorrelationFlag.
const (
	correlationCollinear = "collinear"
	correlationNegative  = "negative"
)

// defaultCollinearLimit is the correlation above which two siblings are
// reported as double counting (FRAMEWORK.md: "above 0.9 within a family").
const defaultCollinearLimit = 0.9

// diagMoments holds the central sums of the present values of a column.
type diagMoments struct {
	n          int
	m2, m3, m4 float64 // Σd², Σd³, Σd⁴ with d = x − mean
	constant   bool    // all present values are equal (or none are present)
}

// diagMomentsOf returns the central sums of the non-NaN values of xs.
// Constancy is decided by comparing the values themselves, not by testing
// Σd² == 0: the floating-point mean of equal values can differ from them in
// the last bit (three times 0.1 averages to 0.10000000000000002), which
// would turn a constant column into a column of tiny equal deviations whose
// skewness is a meaningless 1/√n instead of undefined.
func diagMomentsOf(xs []float64) diagMoments {
	var (
		n      int
		sum    float64
		lo, hi = math.Inf(1), math.Inf(-1)
	)
	for _, x := range xs {
		if math.IsNaN(x) {
			continue
		}
		n++
		sum += x
		lo, hi = min(lo, x), max(hi, x)
	}
	m := diagMoments{n: n, constant: n == 0 || lo == hi}
	if m.constant {
		return m
	}
	mean := sum / float64(n)
	for _, x := range xs {
		if math.IsNaN(x) {
			continue
		}
		d := x - mean
		d2 := d * d
		m.m2 += d2
		m.m3 += d2 * d
		m.m4 += d2 * d2
	}
	return m
}

// Skewness returns the sample skewness of the non-NaN values of xs, using
// the estimator of COINr's skew() (e1071 type 2, Excel's SKEW), the adjusted
// Fisher–Pearson coefficient
//
//	G1 = n / ((n−1)(n−2)) · Σ ((xᵢ − x̄) / s)³,  s² = Σ (xᵢ − x̄)² / (n−1),
//
// computed as COINr does, as g1 · √(n(n−1)) / (n−2) with
// g1 = √n · Σd³ / (Σd²)^(3/2). It returns NaN when fewer than 3 values are
// present or when they are all equal (zero variance).
func Skewness(xs []float64) float64 {
	m := diagMomentsOf(xs)
	if m.n < 3 || m.constant {
		return math.NaN()
	}
	n := float64(m.n)
	g1 := math.Sqrt(n) * m.m3 / math.Pow(m.m2, 1.5)
	return g1 * math.Sqrt(n*(n-1)) / (n - 2)
}

// Kurtosis returns the sample excess kurtosis of the non-NaN values of xs,
// using the estimator of COINr's kurt() (e1071 type 2, Excel's KURT):
//
//	G2 = n(n+1) / ((n−1)(n−2)(n−3)) · Σ ((xᵢ − x̄) / s)⁴ − 3(n−1)² / ((n−2)(n−3)),
//
// computed as COINr does, as ((n+1)(r−3) + 6)(n−1) / ((n−2)(n−3)) with
// r = n · Σd⁴ / (Σd²)². A normal sample gives about 0, not 3. It returns NaN
// when fewer than 4 values are present or when they are all equal.
func Kurtosis(xs []float64) float64 {
	m := diagMomentsOf(xs)
	if m.n < 4 || m.constant {
		return math.NaN()
	}
	n := float64(m.n)
	r := n * m.m4 / (m.m2 * m.m2)
	return ((n+1)*(r-3) + 6) * (n - 1) / ((n - 2) * (n - 3))
}

// Availability returns the share of values in xs that are not NaN, in
// [0, 1]. An empty column has nothing available and gives 0.
func Availability(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	present := 0
	for _, x := range xs {
		if !math.IsNaN(x) {
			present++
		}
	}
	return float64(present) / float64(len(xs))
}

// Pearson returns the Pearson correlation of x and y over the units where
// both values are present; units are matched by index, and values of the
// longer slice beyond the shorter one's length have no partner and are left
// out. It returns NaN when fewer than 3 pairs remain or when either side of
// the remaining pairs is constant.
func Pearson(x, y []float64) float64 {
	n := min(len(x), len(y))
	px := make([]float64, 0, n)
	py := make([]float64, 0, n)
	for i := range n {
		if math.IsNaN(x[i]) || math.IsNaN(y[i]) {
			continue
		}
		px = append(px, x[i])
		py = append(py, y[i])
	}
	if len(px) < 3 || slices.Min(px) == slices.Max(px) || slices.Min(py) == slices.Max(py) {
		return math.NaN()
	}
	var sx, sy float64
	for i := range px {
		sx += px[i]
		sy += py[i]
	}
	mx, my := sx/float64(len(px)), sy/float64(len(py))
	var sxx, syy, sxy float64
	for i := range px {
		dx, dy := px[i]-mx, py[i]-my
		sxx += dx * dx
		syy += dy * dy
		sxy += dx * dy
	}
	// Rounding can push |r| a hair past 1 for exactly linear columns.
	return max(-1, min(1, sxy/math.Sqrt(sxx*syy)))
}

// CorrelationFlag is a warning about one indicator, shown to admins.
//
// Kind "collinear": siblings A and B of one family correlate above the
// limit, so the family counts the same thing twice. Kind "negative":
// indicator A correlates negatively with the score of its family B, so it
// pulls against the family it is meant to measure (often a wrong
// direction). R is the Pearson correlation behind the flag.
type CorrelationFlag struct {
	A, B string
	R    float64
	Kind string
}

// FamilyCols gives, for one family, its score per unit (in the same unit
// order as the indicator columns) and its child indicator codes in
// framework order.
type FamilyCols struct {
	Score    []float64
	Children []string
}

// CorrelationFlags checks every family for double counting and for
// indicators that pull against it. Within a family, each pair of siblings
// whose Pearson correlation is above limit is flagged "collinear" (A the
// earlier child, B the later one); each child whose correlation with the
// family score is below 0 is flagged "negative" (A the child, B the family
// code). cols maps indicator code to its values per unit; families maps
// family code to its score and children. A limit that is zero, negative or
// NaN selects the default 0.9.
//
// Correlations follow Pearson: units missing either value are left out, and
// a pair with fewer than 3 common units, a constant column or a child
// absent from cols gives NaN, which is never flagged. A code listed twice
// in one family counts once, at its first position.
//
// The output is in a fixed order that does not depend on map iteration:
// families in familyOrder (then any families missing from familyOrder, by
// code), within a family by A's position among the children, then by B's
// position, the family itself (a "negative" flag) coming after all
// siblings. Positions rather than the alphabet are used so that SH10 comes
// after SH9, as in the framework.
func CorrelationFlags(cols map[string][]float64, familyOrder []string, families map[string]FamilyCols, limit float64) []CorrelationFlag {
	if !(limit > 0) {
		limit = defaultCollinearLimit
	}
	order := make([]string, 0, len(families))
	seen := make(map[string]bool, len(families))
	for _, f := range familyOrder {
		if _, ok := families[f]; ok && !seen[f] {
			order = append(order, f)
			seen[f] = true
		}
	}
	var rest []string
	for f := range families {
		if !seen[f] {
			rest = append(rest, f)
		}
	}
	slices.Sort(rest)
	order = append(order, rest...)

	var flags []CorrelationFlag
	for _, f := range order {
		fam := families[f]
		children := make([]string, 0, len(fam.Children))
		for _, c := range fam.Children {
			if !slices.Contains(children, c) {
				children = append(children, c)
			}
		}
		for i, a := range children {
			for _, b := range children[i+1:] {
				if r := Pearson(cols[a], cols[b]); r > limit {
					flags = append(flags, CorrelationFlag{A: a, B: b, R: r, Kind: correlationCollinear})
				}
			}
			if r := Pearson(cols[a], fam.Score); r < 0 {
				flags = append(flags, CorrelationFlag{A: a, B: f, R: r, Kind: correlationNegative})
			}
		}
	}
	return flags
}

// CronbachAlpha returns Cronbach's α for the k Likert items of one scale,
// where items[j][i] is respondent i's answer to item j:
//
//	α = k/(k−1) · (1 − Σⱼ var(itemⱼ) / var(total)),
//
// with total the sum of a respondent's answers and sample variances (the
// n−1 denominators cancel). Only respondents who answered every item count:
// a NaN answer, or an item slice too short to reach the respondent, leaves
// the respondent out. It returns NaN when k < 2, when fewer than 2
// respondents are complete, or when every complete respondent has the same
// total. α is not clamped: items that contradict each other give a
// negative α, which is itself worth showing.
func CronbachAlpha(items [][]float64) float64 {
	k := len(items)
	if k < 2 {
		return math.NaN()
	}
	n := len(items[0])
	for _, it := range items[1:] {
		n = min(n, len(it))
	}
	var complete []int
	for i := range n {
		ok := true
		for _, it := range items {
			if math.IsNaN(it[i]) {
				ok = false
				break
			}
		}
		if ok {
			complete = append(complete, i)
		}
	}
	if len(complete) < 2 {
		return math.NaN()
	}
	totals := make([]float64, len(complete))
	col := make([]float64, len(complete))
	var itemVars float64
	for _, it := range items {
		for r, i := range complete {
			col[r] = it[i]
			totals[r] += it[i]
		}
		itemVars += diagVariance(col)
	}
	if slices.Min(totals) == slices.Max(totals) {
		return math.NaN()
	}
	kf := float64(k)
	return kf / (kf - 1) * (1 - itemVars/diagVariance(totals))
}

// diagVariance returns the sample variance (n−1 denominator) of xs, which
// holds no NaN and at least 2 values.
func diagVariance(xs []float64) float64 {
	var s float64
	for _, x := range xs {
		s += x
	}
	mean := s / float64(len(xs))
	var ss float64
	for _, x := range xs {
		d := x - mean
		ss += d * d
	}
	return ss / float64(len(xs)-1)
}

// Wilson returns the Wilson score interval for a proportion of successes
// out of n, with z the normal quantile (1.959963984540054 for 95%):
//
//	(p̂ + z²/2n ± z·√(p̂(1−p̂)/n + z²/4n²)) / (1 + z²/n),  p̂ = successes/n.
//
// Unlike the normal ("Wald") interval it stays inside [0, 1] and is not
// empty at 0 or n successes; the bounds are exactly 0 at 0 successes and
// exactly 1 at n. It returns lo = hi = NaN when n is 0, when successes is
// outside [0, n], or when z is negative or NaN.
func Wilson(successes, n int, z float64) (lo, hi float64) {
	if n <= 0 || successes < 0 || successes > n || !(z >= 0) {
		return math.NaN(), math.NaN()
	}
	nf := float64(n)
	p := float64(successes) / nf
	z2 := z * z
	denom := 1 + z2/nf
	centre := (p + z2/(2*nf)) / denom
	half := z / denom * math.Sqrt(p*(1-p)/nf+z2/(4*nf*nf))
	lo, hi = max(0, centre-half), min(1, centre+half)
	// Algebraically exact, but rounding leaves 1e-17 or 0.9999999999999999.
	if successes == 0 {
		lo = 0
	}
	if successes == n {
		hi = 1
	}
	return lo, hi
}
