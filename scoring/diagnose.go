package scoring

// IndicatorCheck is what an admin sees about one indicator's data.
type IndicatorCheck struct {
	Code         string  `json:"code"`
	Availability float64 `json:"availability"` // share of units with a raw value
	LowSample    int     `json:"low_sample"`   // units left out for a small sample
	Skew         float64 `json:"skew"`
	Kurtosis     float64 `json:"kurtosis"`
	OutlierRisk  bool    `json:"outlier_risk"` // |skew| > 2 and kurtosis > 3.5
}

// Diagnostics are the data checks of a run.
type Diagnostics struct {
	Indicators   []IndicatorCheck  `json:"indicators"`
	Correlations []CorrelationFlag `json:"correlations"`
}

// Diagnose computes the checks: availability, skew and kurtosis of every
// indicator's raw values, and correlation flags (siblings above 0.9, an
// indicator negatively correlated with its family).
func (r *Result) Diagnose() *Diagnostics {
	d := &Diagnostics{}
	cols := map[string][]float64{}
	for _, n := range r.Framework.Indicators() {
		raw := r.Raw[n.index]
		low := 0
		for _, b := range r.LowSample[n.index] {
			if b {
				low++
			}
		}
		sk, ku := Skewness(raw), Kurtosis(raw)
		d.Indicators = append(d.Indicators, IndicatorCheck{Code: n.Code, Availability: Availability(raw), LowSample: low,
			Skew: sk, Kurtosis: ku, OutlierRisk: abs(sk) > 2 && ku > 3.5})
		cols[n.Code] = r.Score[n.index]
	}
	var famOrder []string
	fams := map[string]FamilyCols{}
	for _, n := range r.Framework.Order() {
		if n.IsIndicator() {
			continue
		}
		var kids []string
		for _, c := range n.Children {
			if c.IsIndicator() {
				kids = append(kids, c.Code)
			}
		}
		if len(kids) == 0 {
			continue
		}
		famOrder = append(famOrder, n.Code)
		fams[n.Code] = FamilyCols{Score: r.Score[n.index], Children: kids}
	}
	d.Correlations = CorrelationFlags(cols, famOrder, fams, 0.9)
	r.Diag = d
	return d
}

func abs(x float64) float64 {
	if x < 0 {
		return -x
	}
	return x
}
