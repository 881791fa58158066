package scoring

import (
	"math"
	"slices"
	"testing"
)

func TestBandSets(t *testing.T) {
	tests := []struct {
		name      string
		scale     float64
		wantCodes []string
		wantMins  []float64
	}{
		{
			name:      "default",
			scale:     100,
			wantCodes: []string{"start", "standardised", "convenient", "precise", "intelligent"},
			wantMins:  []float64{0, 20, 40, 60, 80},
		},
		{name: "un", scale: 1, wantCodes: []string{"low", "middle", "high", "very_high"}, wantMins: []float64{0, 0.25, 0.50, 0.75}},
		{name: "gtmi", scale: 1, wantCodes: []string{"D", "C", "B", "A"}, wantMins: []float64{0, 0.25, 0.50, 0.75}},
		{name: "national", scale: 100, wantCodes: []string{"medium", "high", "very_high"}, wantMins: []float64{0, 80, 90}},
	}
	sets := BandSets()
	if len(sets) != len(tests) {
		t.Errorf("BandSets() has %d sets, want %d", len(sets), len(tests))
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			set, ok := sets[tt.name]
			if !ok {
				t.Fatalf("BandSets() has no %q set", tt.name)
			}
			if set.Name != tt.name || set.Scale != tt.scale {
				t.Errorf("set = {Name: %q, Scale: %v}, want {%q, %v}", set.Name, set.Scale, tt.name, tt.scale)
			}
			var codes []string
			var mins []float64
			for _, b := range set.Bands {
				codes = append(codes, b.Code)
				mins = append(mins, b.Min)
				if b.NameZh == "" || b.NameEn == "" {
					t.Errorf("band %q lacks a name: zh %q, en %q", b.Code, b.NameZh, b.NameEn)
				}
			}
			if !slices.Equal(codes, tt.wantCodes) {
				t.Errorf("codes = %v, want %v", codes, tt.wantCodes)
			}
			if !slices.Equal(mins, tt.wantMins) {
				t.Errorf("cuts = %v, want %v", mins, tt.wantMins)
			}
		})
	}
	t.Run("framework level names", func(t *testing.T) {
		var zh, en []string
		for _, b := range sets["default"].Bands {
			zh = append(zh, b.NameZh)
			en = append(en, b.NameEn)
		}
		if want := []string{"起步", "标准化", "便捷化", "精准化", "智能化"}; !slices.Equal(zh, want) {
			t.Errorf("Chinese names = %v, want %v", zh, want)
		}
		if want := []string{"Starting", "Standardised", "Convenient", "Precise", "Intelligent"}; !slices.Equal(en, want) {
			t.Errorf("English names = %v, want %v", en, want)
		}
	})
	t.Run("each call returns fresh values", func(t *testing.T) {
		a := BandSets()
		a["un"].Bands[1].Min = 0.3
		delete(a, "default")
		b := BandSets()
		if b["un"].Bands[1].Min != 0.25 {
			t.Errorf("changing one result changed the next: un middle cut = %v", b["un"].Bands[1].Min)
		}
		if _, ok := b["default"]; !ok {
			t.Error("deleting from one result removed a set from the next")
		}
	})
}

func TestBandSetOf(t *testing.T) {
	sets := BandSets()
	tests := []struct {
		name   string
		set    BandSet
		score  float64
		want   string
		wantOK bool
	}{
		{name: "default zero", set: sets["default"], score: 0, want: "start", wantOK: true},
		{name: "default below the first cut", set: sets["default"], score: 19.99, want: "start", wantOK: true},
		{name: "default on the first cut", set: sets["default"], score: 20, want: "standardised", wantOK: true},
		{name: "default just below a cut", set: sets["default"], score: 39.999, want: "standardised", wantOK: true},
		{name: "default on 40", set: sets["default"], score: 40, want: "convenient", wantOK: true},
		{name: "default on 60", set: sets["default"], score: 60, want: "precise", wantOK: true},
		{name: "default on 80", set: sets["default"], score: 80, want: "intelligent", wantOK: true},
		{name: "default top of scale", set: sets["default"], score: 100, want: "intelligent", wantOK: true},
		{name: "default below the scale", set: sets["default"], score: -5, want: "start", wantOK: true},
		{name: "default NaN", set: sets["default"], score: nanScore, wantOK: false},
		{name: "un below 0.25", set: sets["un"], score: 0.2499, want: "low", wantOK: true},
		{name: "un on 0.25", set: sets["un"], score: 0.25, want: "middle", wantOK: true},
		{name: "un on 0.50", set: sets["un"], score: 0.5, want: "high", wantOK: true},
		{name: "un on 0.75", set: sets["un"], score: 0.75, want: "very_high", wantOK: true},
		{name: "un float noise under 0.75 counts as on it", set: sets["un"], score: 0.7499999999999, want: "very_high", wantOK: true},
		{name: "un 1.1e-9 under 0.75 is below it", set: sets["un"], score: 0.7499999989, want: "high", wantOK: true},
		{name: "un 1e-6 under 0.75 is below it", set: sets["un"], score: 0.749999, want: "high", wantOK: true},
		{name: "un NaN", set: sets["un"], score: nanScore, wantOK: false},
		{name: "gtmi on 0.75", set: sets["gtmi"], score: 0.75, want: "A", wantOK: true},
		{name: "gtmi below 0.25", set: sets["gtmi"], score: 0.1, want: "D", wantOK: true},
		{name: "national below 80", set: sets["national"], score: 79.9, want: "medium", wantOK: true},
		{name: "national on 80", set: sets["national"], score: 80, want: "high", wantOK: true},
		{name: "national on 90", set: sets["national"], score: 90, want: "very_high", wantOK: true},
		{name: "national tolerance scales with 0–100", set: sets["national"], score: 89.99999995, want: "very_high", wantOK: true},
		{name: "empty set", set: BandSet{Name: "none", Scale: 1}, score: 0.5, wantOK: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := tt.set.Of(tt.score)
			if ok != tt.wantOK || got.Code != tt.want {
				t.Errorf("%s.Of(%v) = %q, %v; want %q, %v", tt.set.Name, tt.score, got.Code, ok, tt.want, tt.wantOK)
			}
		})
	}
}

func TestBandSetNext(t *testing.T) {
	sets := BandSets()
	tests := []struct {
		name    string
		set     BandSet
		score   float64
		want    string
		wantGap float64
		wantOK  bool
	}{
		{name: "default from zero", set: sets["default"], score: 0, want: "standardised", wantGap: 20, wantOK: true},
		{name: "default gap to the next cut", set: sets["default"], score: 35, want: "convenient", wantGap: 5, wantOK: true},
		{name: "default on a cut needs the whole band", set: sets["default"], score: 60, want: "intelligent", wantGap: 20, wantOK: true},
		{name: "default top band", set: sets["default"], score: 80, wantOK: false},
		{name: "default top of scale", set: sets["default"], score: 100, wantOK: false},
		{name: "default NaN", set: sets["default"], score: nanScore, wantOK: false},
		{name: "un gap on 0–1", set: sets["un"], score: 0.6, want: "very_high", wantGap: 0.15, wantOK: true},
		{name: "un float noise under the top cut is top", set: sets["un"], score: 0.7499999999999, wantOK: false},
		{name: "national below 80", set: sets["national"], score: 72.5, want: "high", wantGap: 7.5, wantOK: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, gap, ok := tt.set.Next(tt.score)
			if ok != tt.wantOK || got.Code != tt.want || math.Abs(gap-tt.wantGap) > 1e-12 {
				t.Errorf("%s.Next(%v) = %q, %v, %v; want %q, %v, %v",
					tt.set.Name, tt.score, got.Code, gap, ok, tt.want, tt.wantGap, tt.wantOK)
			}
		})
	}
}

func TestBandSetRescaled(t *testing.T) {
	sets := BandSets()
	tests := []struct {
		name     string
		set      BandSet
		scale    float64
		wantMins []float64
		score    float64
		wantCode string
	}{
		{name: "un on 0–100", set: sets["un"], scale: 100, wantMins: []float64{0, 25, 50, 75}, score: 75, wantCode: "very_high"},
		{name: "un on 0–100 below a cut", set: sets["un"], scale: 100, wantMins: []float64{0, 25, 50, 75}, score: 49.9, wantCode: "middle"},
		{name: "default on 0–1", set: sets["default"], scale: 1, wantMins: []float64{0, 0.2, 0.4, 0.6, 0.8}, score: 0.6, wantCode: "precise"},
		{name: "national on 0–1", set: sets["national"], scale: 1, wantMins: []float64{0, 0.8, 0.9}, score: 0.85, wantCode: "high"},
		{name: "same scale", set: sets["gtmi"], scale: 1, wantMins: []float64{0, 0.25, 0.5, 0.75}, score: 0.5, wantCode: "B"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.set.Rescaled(tt.scale)
			var mins []float64
			for _, b := range got.Bands {
				mins = append(mins, b.Min)
			}
			if got.Scale != tt.scale || got.Name != tt.set.Name || !slices.Equal(mins, tt.wantMins) {
				t.Errorf("Rescaled(%v) = {%q, scale %v, cuts %v}, want {%q, scale %v, cuts %v}",
					tt.scale, got.Name, got.Scale, mins, tt.set.Name, tt.scale, tt.wantMins)
			}
			if b, ok := got.Of(tt.score); !ok || b.Code != tt.wantCode {
				t.Errorf("rescaled Of(%v) = %q, %v; want %q", tt.score, b.Code, ok, tt.wantCode)
			}
		})
	}
	t.Run("original unchanged", func(t *testing.T) {
		un := BandSets()["un"]
		r := un.Rescaled(100)
		r.Bands[3].Min = 1
		if un.Scale != 1 || un.Bands[3].Min != 0.75 {
			t.Errorf("original changed: scale %v, top cut %v", un.Scale, un.Bands[3].Min)
		}
	})
	t.Run("invalid scale panics", func(t *testing.T) {
		for _, scale := range []float64{0, -1, nanScore, math.Inf(1)} {
			func() {
				defer func() {
					if recover() == nil {
						t.Errorf("Rescaled(%v) did not panic", scale)
					}
				}()
				sets["un"].Rescaled(scale)
			}()
		}
	})
}
