package scoring

import (
	"bytes"
	"encoding/json"
	"math"
	"math/rand/v2"
	"testing"
)

// TestRecordRoundTrip writes the default framework's result for units with
// awkward names and gaps as a record, reads it back, and finds every score,
// raw value, rank and band as the engine computed them, NaN as null, and
// the same bytes on a second write.
func TestRecordRoundTrip(t *testing.T) {
	fw, err := DefaultFramework()
	if err != nil {
		t.Fatal(err)
	}
	var cols []string
	for _, v := range fw.Variables {
		cols = append(cols, v.Code)
	}
	units := []Unit{
		{Code: "A", Name: `</script><script>alert(1)</script>`, Group: "city"},
		{Code: "B", Name: "澜江市数据局 \"引号\"", Group: "city"},
		{Code: "C", Name: "=HYPERLINK(\"x\")", Group: "district"},
		{Code: "D", Group: "district"},
		{Code: "E", Name: "无数据"},
	}
	tab := NewTable(units, cols)
	rng := rand.New(rand.NewPCG(4, 2))
	for j := range cols {
		for i := 0; i < 4; i++ {
			if rng.Float64() > 0.05 {
				tab.Values[j][i] = float64(rng.IntN(90) + 1)
			}
		}
	}
	res, err := Run(fw, tab, Options{})
	if err != nil {
		t.Fatal(err)
	}
	var b1, b2 bytes.Buffer
	if err := res.WriteRecord(&b1); err != nil {
		t.Fatal(err)
	}
	res.WriteRecord(&b2)
	if !bytes.Equal(b1.Bytes(), b2.Bytes()) {
		t.Fatal("two writes of one result differ")
	}
	if !json.Valid(b1.Bytes()) {
		t.Fatal("the record is not valid JSON")
	}
	rec, err := ReadRecord(bytes.NewReader(b1.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	if rec.Framework != fw.Code || rec.Version != fw.Version || len(rec.Nodes) != len(fw.Order()) || len(rec.Units) != len(units) {
		t.Fatalf("record header: %s %s, %d nodes, %d units", rec.Framework, rec.Version, len(rec.Nodes), len(rec.Units))
	}
	same := func(p *float64, v float64) bool {
		if math.IsNaN(v) {
			return p == nil
		}
		return p != nil && *p == v
	}
	nulls := 0
	for k, n := range fw.Order() {
		if rec.Nodes[k].Code != n.Code || rec.Nodes[k].Indicator != n.IsIndicator() {
			t.Fatalf("node %d is %+v, want %s", k, rec.Nodes[k], n.Code)
		}
		if n.Parent() != nil && rec.Nodes[k].Parent != n.Parent().Code {
			t.Fatalf("node %s parent %q", n.Code, rec.Nodes[k].Parent)
		}
		for i := range units {
			if !same(rec.Scores[k][i], res.Score[k][i]) {
				t.Fatalf("score of %s for %s: %v, engine %v", n.Code, units[i].Code, rec.Scores[k][i], res.Score[k][i])
			}
			if rec.Scores[k][i] == nil {
				nulls++
			}
			if n.IsIndicator() && !same(rec.Raw[k][i], res.Raw[k][i]) {
				t.Fatalf("raw of %s for %s: %v, engine %v", n.Code, units[i].Code, rec.Raw[k][i], res.Raw[k][i])
			}
		}
		if !n.IsIndicator() && rec.Raw[k] != nil {
			t.Fatalf("aggregate %s has raw values", n.Code)
		}
	}
	if nulls == 0 {
		t.Fatal("no missing score came back as null")
	}
	root := res.RootScores()
	for i, u := range rec.Units {
		if u.Code != units[i].Code || u.Name != units[i].Name || u.Rank != res.Rank[i] || !same(u.Score, root[i]) {
			t.Fatalf("unit %d: %+v", i, u)
		}
		band, ok := res.Bands.Of(root[i])
		if ok != (u.Level != "") || (ok && band.Code != u.Level) {
			t.Fatalf("unit %s band %q", u.Code, u.Level)
		}
	}
	if got := rec.NodeScores(fw.Root.Code); len(got) != len(units) {
		t.Fatal("NodeScores of the root")
	}
	if rec.NodeScores("nope") != nil {
		t.Fatal("NodeScores of an unknown node")
	}
}
