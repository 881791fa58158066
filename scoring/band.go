package scoring

import (
	"fmt"
	"math"
)

// Band is one level of a band set: scores at or above Min, and below the next
// band's Min, belong to it. Code is a stable identifier for storage and
// tests; NameZh and NameEn are what people read.
type Band struct {
	Code   string
	NameZh string
	NameEn string
	Min    float64
}

// BandSet is an ordered set of bands on a score scale. Bands must be sorted by
// Min ascending; Scale is the top of the scale the cuts are written on (100
// for 0–100, 1 for 0–1) and sets the tolerance of Of.
type BandSet struct {
	Name  string
	Scale float64
	Bands []Band
}

// BandSets returns the band sets the engine offers, by name:
//
//   - "default": the framework's levels on 0–100, 起步 < 20 ≤ 标准化 < 40 ≤
//     便捷化 < 60 ≤ 精准化 < 80 ≤ 智能化.
//   - "un": the UN E-Government Survey groups on 0–1, low < 0.25 ≤ middle <
//     0.50 ≤ high < 0.75 ≤ very high.
//   - "gtmi": the World Bank GovTech Maturity Index groups on 0–1, the same
//     cuts lettered D < 0.25 ≤ C < 0.50 ≤ B < 0.75 ≤ A.
//   - "national": the national assessment on 0–100, 中 < 80 ≤ 高 < 90 ≤ 非常高.
//
// The first band of each set starts at the bottom of its scale. Each call
// returns fresh values, so a caller may change what it gets without affecting
// anyone else.
func BandSets() map[string]BandSet {
	return map[string]BandSet{
		"default": {Name: "default", Scale: 100, Bands: []Band{
			{Code: "start", NameZh: "起步", NameEn: "Starting", Min: 0},
			{Code: "standardised", NameZh: "标准化", NameEn: "Standardised", Min: 20},
			{Code: "convenient", NameZh: "便捷化", NameEn: "Convenient", Min: 40},
			{Code: "precise", NameZh: "精准化", NameEn: "Precise", Min: 60},
			{Code: "intelligent", NameZh: "智能化", NameEn: "Intelligent", Min: 80},
		}},
		"un": {Name: "un", Scale: 1, Bands: []Band{
			{Code: "low", NameZh: "低", NameEn: "Low", Min: 0},
			{Code: "middle", NameZh: "中", NameEn: "Middle", Min: 0.25},
			{Code: "high", NameZh: "高", NameEn: "High", Min: 0.50},
			{Code: "very_high", NameZh: "非常高", NameEn: "Very high", Min: 0.75},
		}},
		"gtmi": {Name: "gtmi", Scale: 1, Bands: []Band{
			{Code: "D", NameZh: "D组", NameEn: "Group D", Min: 0},
			{Code: "C", NameZh: "C组", NameEn: "Group C", Min: 0.25},
			{Code: "B", NameZh: "B组", NameEn: "Group B", Min: 0.50},
			{Code: "A", NameZh: "A组", NameEn: "Group A", Min: 0.75},
		}},
		"national": {Name: "national", Scale: 100, Bands: []Band{
			{Code: "medium", NameZh: "中", NameEn: "Medium", Min: 0},
			{Code: "high", NameZh: "高", NameEn: "High", Min: 80},
			{Code: "very_high", NameZh: "非常高", NameEn: "Very high", Min: 90},
		}},
	}
}

// tolerance is how far below a cut a score may lie and still count as on it:
// 1e-9 of the scale, enough to absorb float noise in a score computed as a
// mean of published values, far too small to move a genuinely lower score.
func (b BandSet) tolerance() float64 {
	return 1e-9 * math.Abs(b.Scale)
}

// index returns the position of score's band, or -1 for NaN or an empty set.
func (b BandSet) index(score float64) int {
	if math.IsNaN(score) || len(b.Bands) == 0 {
		return -1
	}
	tol := b.tolerance()
	for i := len(b.Bands) - 1; i > 0; i-- {
		if score+tol >= b.Bands[i].Min {
			return i
		}
	}
	// Below the second band's cut, including scores below the first band's
	// Min (outside the scale): the bottom band, so every number has a level.
	return 0
}

// Of returns the band of a score: the last band whose Min ≤ score. A score
// exactly on a cut belongs to the upper band, and so does one below the cut by
// at most 1e-9 × Scale, so that 0.7499999999999 from summing published values
// is not pushed down by float noise. A score below the first band's Min falls
// in the first band. ok is false for NaN and for a set without bands.
func (b BandSet) Of(score float64) (Band, bool) {
	i := b.index(score)
	if i < 0 {
		return Band{}, false
	}
	return b.Bands[i], true
}

// Next returns the band above score's band and the gap (next.Min − score) a
// unit must gain to reach it. ok is false at the top band and for NaN. A
// score below a cut by no more than the tolerance of Of is already in the
// upper band, so Next never reports a gap made only of float noise.
func (b BandSet) Next(score float64) (Band, float64, bool) {
	i := b.index(score)
	if i < 0 || i+1 >= len(b.Bands) {
		return Band{}, 0, false
	}
	next := b.Bands[i+1]
	return next, next.Min - score, true
}

// Rescaled returns a copy of the set with its cuts moved to another scale, so
// an index on 0–100 can use the UN cuts (0.25 becomes 25). The copy shares no
// memory with b. Rescaled panics if either scale is not a positive finite
// number, since the cuts would be meaningless.
func (b BandSet) Rescaled(scale float64) BandSet {
	if !(scale > 0) || math.IsInf(scale, 0) || !(b.Scale > 0) || math.IsInf(b.Scale, 0) {
		panic(fmt.Sprintf("scoring.BandSet.Rescaled: cannot rescale %q from scale %v to %v", b.Name, b.Scale, scale))
	}
	out := BandSet{Name: b.Name, Scale: scale, Bands: make([]Band, len(b.Bands))}
	for i, band := range b.Bands {
		// Multiply before dividing so 0.25 → 25 and 20 → 0.2 come out as the
		// nearest floats to the decimal cuts.
		band.Min = band.Min * scale / b.Scale
		out.Bands[i] = band
	}
	return out
}
