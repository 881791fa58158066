package survey

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"html"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"govkpi/scoring"
)

// ahpTestFramework has a root of four families, so a round on IDX compares
// four items; F1's Chinese name is hostile, to show it stays text.
const ahpTestFramework = `code: T
version: v1
name_zh: 测试框架
root:
  code: IDX
  children:
    - code: F1
      name_zh: "</script><script>alert(1)</script>"
      name_en: Sharing
      children: [{code: I1}, {code: I2}]
    - code: F2
      name_zh: 群众满意度
      children: [{code: I3}]
    - code: F3
      name_zh: 服务效能
      children: [{code: I4}]
    - code: F4
      name_zh: 能力成熟度
      children: [{code: I5}]
`

// Judgements of the four families, upper triangle in reading order
// (F1F2, F1F3, F1F4, F2F3, F2F4, F3F4). ahpConsistent is exactly
// consistent with weights 8:4:2:1; ahpInconsistent reverses F1 vs F4.
var (
	ahpConsistent   = []string{"2", "4", "8", "2", "4", "2"}
	ahpInconsistent = []string{"2", "4", "1/8", "2", "4", "2"}
)

func ahpTestVersion(t *testing.T, db *DB) *FrameworkVersion {
	t.Helper()
	fw, err := scoring.ReadFrameworkYAML(strings.NewReader(ahpTestFramework))
	if err != nil {
		t.Fatal(err)
	}
	v, err := db.SaveFrameworkVersion(context.Background(), fw, FrameworkSourceYAML, 0, "test")
	if err != nil {
		t.Fatalf("save framework version (is the framework store built?): %v", err)
	}
	return v
}

func ahpAccount(t *testing.T, db *DB, username string, role Role) *Account {
	t.Helper()
	a, err := db.CreateAccount(context.Background(), AccountInput{Username: username, Role: role, Password: testPassword,
		DepartmentCode: map[bool]string{true: "LJ"}[role == RoleOfficial]})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func TestAHPScaleAndMatrix(t *testing.T) {
	if len(ahpScale) != 17 {
		t.Fatalf("%d scale steps, want 17", len(ahpScale))
	}
	for _, c := range []struct {
		cell string
		want float64
	}{{"9", 9}, {"2", 2}, {"1", 1}, {"1/2", 0.5}, {"1/9", 1.0 / 9}} {
		if v, ok := ahpScaleValue(c.cell); !ok || v != c.want {
			t.Errorf("%s = %v %v, want %v", c.cell, v, ok, c.want)
		}
	}
	for _, bad := range []string{"", "0", "10", "1/10", "0.5", "3 ", "NaN"} {
		if _, ok := ahpScaleValue(bad); ok {
			t.Errorf("%q accepted as a scale step", bad)
		}
	}
	m, err := ahpMatrix(4, ahpInconsistent)
	if err != nil {
		t.Fatal(err)
	}
	if m[0][3] != 0.125 || m[3][0] != 8 || m[2][1] != 0.5 || m[1][1] != 1 {
		t.Fatalf("matrix %v", m)
	}
	if err := scoring.CheckReciprocal(m); err != nil {
		t.Fatal(err)
	}
	if _, err := ahpMatrix(4, ahpInconsistent[:5]); ErrorCode(err) != EInvalid {
		t.Errorf("short judgement: %v", err)
	}
	if _, err := ahpMatrix(3, []string{"2", "x", "1"}); ErrorCode(err) != EInvalid {
		t.Errorf("cell off the scale: %v", err)
	}
	full := ahpFullCells(3, []string{"3", "1/5", "1"})
	want := [][]string{{"1", "3", "1/5"}, {"1/3", "1", "1"}, {"5", "1", "1"}}
	for i := range want {
		for j := range want[i] {
			if full[i][j] != want[i][j] {
				t.Fatalf("full cells %v, want %v", full, want)
			}
		}
	}
	for k, p := range ahpPairs(5) {
		if got := ahpPairIndex(5, p.I, p.J); got != k {
			t.Errorf("pair %v at %d, want %d", p, got, k)
		}
	}
}

func TestAHPSuggest(t *testing.T) {
	cases := []struct {
		name    string
		implied float64
		judged  string
		want    string
	}{
		{"nearest step", 0.66, "1/8", "1/2"},
		{"upper end", 20, "1", "9"},
		{"lower end", 0.01, "1", "1/9"},
		{"nearest is the judged one: one step up", 3.2, "3", "4"},
		{"nearest is the judged one: one step down", 2.8, "3", "2"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := ahpSuggest(c.implied, c.judged); got != c.want {
				t.Errorf("ahpSuggest(%v, %s) = %s, want %s", c.implied, c.judged, got, c.want)
			}
		})
	}
}

func TestAHPRoundCheck(t *testing.T) {
	r := &AHPRound{ID: 1, Items: AHPItems{{Code: "F1"}, {Code: "F2"}, {Code: "F3"}, {Code: "F4"}}, RI: "saaty2005", MaxCR: 0.10}
	ok, err := r.Check(ahpConsistent)
	if err != nil {
		t.Fatal(err)
	}
	if !ok.OK || ok.CR > 1e-9 || ok.Worst != nil {
		t.Fatalf("consistent: %+v", ok)
	}
	for i, want := range []float64{8, 4, 2, 1} {
		if math.Abs(ok.Weights[i]-want/15) > 1e-9 {
			t.Errorf("weight %d = %v, want %v", i, ok.Weights[i], want/15)
		}
	}
	bad, err := r.Check(ahpInconsistent)
	if err != nil {
		t.Fatal(err)
	}
	if bad.OK || bad.CR <= 0.10 || bad.Worst == nil {
		t.Fatalf("inconsistent: %+v", bad)
	}
	if w := bad.Worst; w.I != 0 || w.J != 3 || w.Judged != "1/8" || w.Suggested != "1/2" {
		t.Errorf("worst pair %+v, want F1 vs F4, judged 1/8, suggested 1/2", w)
	}
	two := &AHPRound{Items: AHPItems{{Code: "A"}, {Code: "B"}}, RI: "saaty2005", MaxCR: 0.10}
	if c, err := two.Check([]string{"1/9"}); err != nil || !c.OK || c.CR != 0 {
		t.Errorf("two items are always consistent: %+v %v", c, err)
	}
}

// TestAHPCombineGeometricMean combines two known matrices and compares each
// cell with the geometric mean worked by hand.
func TestAHPCombineGeometricMean(t *testing.T) {
	r := &AHPRound{ID: 7, Items: AHPItems{{Code: "A"}, {Code: "B"}, {Code: "C"}}, RI: "saaty2005", MaxCR: 0.10}
	invitees := []AHPInvitee{
		{AccountID: 1, Cells: AHPCells{"3", "5", "2"}, SubmittedAt: validTime(), Consistent: validBool(true)},
		{AccountID: 2, Cells: AHPCells{"1/3", "1", "3"}, SubmittedAt: validTime(), Consistent: validBool(true)},
		{AccountID: 3}, // invited, never submitted
	}
	c, err := ahpCombine(r, invitees, false)
	if err != nil {
		t.Fatal(err)
	}
	// √(3·1/3) = 1, √(5·1) = 2.2361, √(2·3) = 2.4495.
	want := [][]string{{"1", "1", "2.2361"}, {"1", "1", "2.4495"}, {"1/2.2361", "1/2.4495", "1"}}
	for i := range want {
		for j := range want[i] {
			if c.Matrix[i][j] != want[i][j] {
				t.Fatalf("combined %v, want %v", c.Matrix, want)
			}
		}
	}
	if c.Count != 2 || !c.Included[1] || !c.Included[2] {
		t.Errorf("combined %d, included %v", c.Count, c.Included)
	}
	if _, ok := c.Included[3]; ok {
		t.Error("an invitee without a judgement is marked")
	}
	// The weights are those of the matrix as written, through scoring.AHP.
	written := [][]float64{{1, 1, 2.2361}, {1, 1, 2.4495}, {1 / 2.2361, 1 / 2.4495, 1}}
	res, err := scoring.AHP(nil, written, scoring.RITables()["saaty2005"], 0.10)
	if err != nil {
		t.Fatal(err)
	}
	for i := range res.Weights {
		if math.Abs(res.Weights[i]-c.Weights[i]) > 1e-12 {
			t.Errorf("weight %d = %v, want %v", i, c.Weights[i], res.Weights[i])
		}
	}
	if math.Abs(res.CR-c.CR) > 1e-12 {
		t.Errorf("CR %v, want %v", c.CR, res.CR)
	}

	t.Run("consistent only", func(t *testing.T) {
		in := append([]AHPInvitee(nil), invitees...)
		in[1].Consistent = validBool(false)
		c, err := ahpCombine(r, in, true)
		if err != nil {
			t.Fatal(err)
		}
		if c.Count != 1 || c.Included[2] || c.Matrix[0][2] != "5" {
			t.Errorf("consistent only: %+v", c)
		}
	})
	t.Run("nothing to combine", func(t *testing.T) {
		if _, err := ahpCombine(r, invitees[2:], false); errorKey(err) != "err.ahp_no_judgements" {
			t.Errorf("got %v", err)
		}
	})
	t.Run("combined matrix too inconsistent", func(t *testing.T) {
		r4 := &AHPRound{Items: AHPItems{{Code: "F1"}, {Code: "F2"}, {Code: "F3"}, {Code: "F4"}}, RI: "saaty2005", MaxCR: 0.10}
		bad := []AHPInvitee{{AccountID: 1, Cells: AHPCells(ahpInconsistent), SubmittedAt: validTime()}}
		_, err := ahpCombine(r4, bad, false)
		var ce *AHPCombineError
		if ErrorCode(err) != EInvalid || !errors.As(err, &ce) || ce.Check.Worst.I != 0 || ce.Check.Worst.J != 3 {
			t.Errorf("got %v", err)
		}
	})
}

// TestAHPCombinedCellsRead checks that combined cells are exactly
// reciprocal and that a framework reads them.
func TestAHPCombinedCellsRead(t *testing.T) {
	g, err := scoring.CombineJudgements([][][]float64{
		{{1, 3, 1.0 / 5}, {1.0 / 3, 1, 1.0 / 7}, {5, 7, 1}},
		{{1, 2, 1.0 / 4}, {1.0 / 2, 1, 1.0 / 6}, {4, 6, 1}},
	})
	if err != nil {
		t.Fatal(err)
	}
	cells := ahpCombinedCells(g)
	doc := "code: X\nversion: v\nroot:\n  code: R\n  ahp: {names: [A, B, C], matrix: ["
	for i, row := range cells {
		if i > 0 {
			doc += ", "
		}
		doc += `["` + strings.Join(row, `", "`) + `"]`
	}
	doc += "]}\n  children: [{code: A}, {code: B}, {code: C}]\n"
	fw, err := scoring.ReadFrameworkYAML(strings.NewReader(doc))
	if err != nil {
		t.Fatalf("%v\n%s", err, doc)
	}
	for i, row := range cells {
		for j, c := range row {
			a, _ := ahpCellFloat(c)
			b, _ := ahpCellFloat(cells[j][i])
			if math.Abs(a*b-1) > 1e-15 {
				t.Errorf("cells %d,%d: %s × %s is not 1", i, j, c, cells[j][i])
			}
		}
	}
	if !(fw.Node("C").W() > fw.Node("A").W() && fw.Node("A").W() > fw.Node("B").W()) {
		t.Errorf("weights C %v, A %v, B %v: want C > A > B", fw.Node("C").W(), fw.Node("A").W(), fw.Node("B").W())
	}
}

func validTime() sql.NullTime { return sql.NullTime{Time: time.Now(), Valid: true} }

func validBool(b bool) sql.NullBool { return sql.NullBool{Bool: b, Valid: true} }

func TestAHPStore(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *DB) {
		ctx := WithActor(context.Background(), AuditEntry{ActorName: "test"})
		mustDept(t, db, "LJ", "澜江市人民政府", "city", "")
		e1 := ahpAccount(t, db, "e1", RoleEvaluator)
		e2 := ahpAccount(t, db, "e2", RoleEvaluator)
		e3 := ahpAccount(t, db, "e3", RoleEvaluator)
		ahpAccount(t, db, "boss", RoleAdmin)
		ahpAccount(t, db, "off", RoleOfficial)
		v := ahpTestVersion(t, db)

		t.Run("open refusals", func(t *testing.T) {
			cases := []struct {
				name  string
				in    AHPRoundInput
				field string
				key   string
			}{
				{"unknown node", AHPRoundInput{NodeCode: "NOPE", Evaluators: []string{"e1"}}, "node", "err.ahp_node_unknown"},
				{"indicator", AHPRoundInput{NodeCode: "I1", Evaluators: []string{"e1"}}, "node", "err.ahp_node_leaf"},
				{"one child", AHPRoundInput{NodeCode: "F2", Evaluators: []string{"e1"}}, "node", "err.ahp_node_size"},
				{"nobody", AHPRoundInput{NodeCode: "IDX", Evaluators: []string{" "}}, "evaluators", "err.ahp_evaluators_none"},
				{"official", AHPRoundInput{NodeCode: "IDX", Evaluators: []string{"e1", "off"}}, "evaluators", "err.ahp_evaluator_unknown"},
				{"unknown account", AHPRoundInput{NodeCode: "IDX", Evaluators: []string{"99999"}}, "evaluators", "err.ahp_evaluator_unknown"},
			}
			for _, c := range cases {
				t.Run(c.name, func(t *testing.T) {
					_, err := db.CreateAHPRound(ctx, v.ID, c.in)
					if ErrorCode(err) != EInvalid || fieldKey(err, c.field) != c.key {
						t.Errorf("got %v, want %s on %s", err, c.key, c.field)
					}
				})
			}
			if _, err := db.CreateAHPRound(ctx, 99999, AHPRoundInput{NodeCode: "IDX", Evaluators: []string{"e1"}}); ErrorCode(err) != ENotFound {
				t.Errorf("unknown version: %v", err)
			}
			if rounds, _ := db.FindAHPRounds(ctx, AHPRoundFilter{All: true}); len(rounds) != 0 {
				t.Errorf("a refused round was stored: %v", rounds)
			}
		})

		// Invited by username (any case) and by account id, once each.
		r, err := db.CreateAHPRound(ctx, v.ID, AHPRoundInput{NodeCode: "IDX", Title: "2026 权重",
			Evaluators: []string{"E1", strconv.FormatInt(e2.ID, 10), "e1"}})
		if err != nil {
			t.Fatal(err)
		}
		if r.State != AHPOpen || r.Invited != 2 || r.Submitted != 0 || len(r.Items) != 4 || r.Items[0].Code != "F1" ||
			r.Items[1].NameZh != "群众满意度" || r.RI != "saaty2005" || r.MaxCR != 0.10 || r.FrameworkVersionID != v.ID {
			t.Fatalf("round %+v", r)
		}
		if ok, _ := db.AHPInvited(ctx, r.ID, e1.ID); !ok {
			t.Error("e1 not invited")
		}
		if ok, _ := db.AHPInvited(ctx, r.ID, e3.ID); ok {
			t.Error("e3 invited")
		}

		t.Run("submit", func(t *testing.T) {
			if _, err := db.SubmitAHPJudgement(ctx, r.ID, e3.ID, ahpConsistent); ErrorCode(err) != ENotFound {
				t.Errorf("uninvited: %v", err)
			}
			if _, err := db.SubmitAHPJudgement(ctx, 99999, e1.ID, ahpConsistent); ErrorCode(err) != ENotFound {
				t.Errorf("unknown round: %v", err)
			}
			if _, err := db.SubmitAHPJudgement(ctx, r.ID, e1.ID, []string{"2", "4", "8", "2", "4", "10"}); ErrorCode(err) != EInvalid {
				t.Errorf("off the scale: %v", err)
			}
			c, err := db.SubmitAHPJudgement(ctx, r.ID, e1.ID, ahpConsistent)
			if err != nil || !c.OK {
				t.Fatalf("consistent: %+v %v", c, err)
			}
			// Replaced, even though it is inconsistent: kept and marked.
			c, err = db.SubmitAHPJudgement(ctx, r.ID, e1.ID, ahpInconsistent)
			if err != nil || c.OK || c.CR <= 0.10 {
				t.Fatalf("inconsistent: %+v %v", c, err)
			}
			ivs, err := db.FindAHPInvitees(ctx, r.ID)
			if err != nil || len(ivs) != 2 {
				t.Fatalf("invitees %v %v", ivs, err)
			}
			if ivs[0].Username != "e1" || !ivs[0].Submitted() || ivs[0].Consistent.Bool || !ivs[0].Consistent.Valid ||
				strings.Join(ivs[0].Cells, ",") != strings.Join(ahpInconsistent, ",") || math.Abs(ivs[0].CR.Float64-c.CR) > 1e-12 {
				t.Errorf("e1's judgement %+v", ivs[0])
			}
			if ivs[1].Username != "e2" || ivs[1].Submitted() {
				t.Errorf("e2 %+v", ivs[1])
			}
			if got, _ := db.FindAHPRound(ctx, r.ID); got.Submitted != 1 {
				t.Errorf("submitted %d, want 1 (replaced, not added)", got.Submitted)
			}
		})

		t.Run("lists", func(t *testing.T) {
			mine, err := db.FindAHPRounds(ctx, AHPRoundFilter{AccountID: e1.ID})
			if err != nil || len(mine) != 1 || !mine[0].MeInvited || !mine[0].MeSubmittedAt.Valid || mine[0].Invited != 2 {
				t.Fatalf("e1's rounds %+v %v", mine, err)
			}
			theirs, _ := db.FindAHPRounds(ctx, AHPRoundFilter{AccountID: e2.ID})
			if len(theirs) != 1 || theirs[0].MeSubmittedAt.Valid {
				t.Errorf("e2's rounds %+v", theirs)
			}
			if none, _ := db.FindAHPRounds(ctx, AHPRoundFilter{AccountID: e3.ID}); len(none) != 0 {
				t.Errorf("e3 sees %v", none)
			}
			all, _ := db.FindAHPRounds(ctx, AHPRoundFilter{AccountID: e3.ID, All: true})
			if len(all) != 1 || all[0].MeInvited {
				t.Errorf("all rounds %+v", all)
			}
		})

		t.Run("close refusals reopen the round", func(t *testing.T) {
			empty, err := db.CreateAHPRound(ctx, v.ID, AHPRoundInput{NodeCode: "F1", Evaluators: []string{"e3"}})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := db.CloseAHPRound(ctx, empty.ID, AHPCloseInput{}); errorKey(err) != "err.ahp_no_judgements" {
				t.Errorf("no judgements: %v", err)
			}
			if got, _ := db.FindAHPRound(ctx, empty.ID); got.State != AHPOpen {
				t.Errorf("state %s after a refused close", got.State)
			}
			// Only e1's inconsistent judgement so far.
			if _, err := db.CloseAHPRound(ctx, r.ID, AHPCloseInput{ConsistentOnly: true}); errorKey(err) != "err.ahp_no_consistent" {
				t.Errorf("consistent only: %v", err)
			}
			var ce *AHPCombineError
			if _, err := db.CloseAHPRound(ctx, r.ID, AHPCloseInput{}); !errors.As(err, &ce) {
				t.Errorf("combined inconsistent: %v", err)
			}
			boom := errors.New("disk full")
			failing := func(context.Context, *AHPRound, *AHPCombined, string) (int64, error) { return 0, boom }
			if _, err := db.closeAHPRound(ctx, empty.ID, AHPCloseInput{}, failing); err == nil {
				t.Error("closed without judgements")
			}
			if _, err := db.SubmitAHPJudgement(ctx, empty.ID, e3.ID, []string{"3"}); err != nil {
				t.Fatal(err)
			}
			if _, err := db.closeAHPRound(ctx, empty.ID, AHPCloseInput{}, failing); !errors.Is(err, boom) {
				t.Errorf("failing save: %v", err)
			}
			got, _ := db.FindAHPRound(ctx, empty.ID)
			if got.State != AHPOpen || got.ResultVersionID.Valid {
				t.Errorf("after a failed save: %+v", got)
			}
			if _, err := db.SubmitAHPJudgement(ctx, empty.ID, e3.ID, []string{"1/3"}); err != nil {
				t.Errorf("the reopened round refuses judgements: %v", err)
			}
			if _, err := db.CloseAHPRound(ctx, r.ID, AHPCloseInput{Version: strings.Repeat("v", 65)}); fieldKey(err, "version") == "" {
				t.Errorf("long version: %v", err)
			}
		})

		t.Run("close", func(t *testing.T) {
			if _, err := db.SubmitAHPJudgement(ctx, r.ID, e1.ID, []string{"3", "4", "7", "2", "3", "2"}); err != nil {
				t.Fatal(err)
			}
			if _, err := db.SubmitAHPJudgement(ctx, r.ID, e2.ID, ahpConsistent); err != nil {
				t.Fatal(err)
			}
			closed, err := db.CloseAHPRound(ctx, r.ID, AHPCloseInput{})
			if err != nil {
				t.Fatal(err)
			}
			if closed.State != AHPClosed || !closed.ResultVersionID.Valid || !closed.ClosedAt.Valid || !closed.CombinedCR.Valid ||
				len(closed.Combined) != 4 || len(closed.Weights) != 4 || closed.CloserName != "" {
				t.Fatalf("closed round %+v", closed)
			}
			// F1 vs F2: √(3·2).
			if closed.Combined[0][1] != "2.4495" || closed.Combined[1][0] != "1/2.4495" {
				t.Errorf("combined %v", closed.Combined)
			}
			ivs, _ := db.FindAHPInvitees(ctx, r.ID)
			for _, iv := range ivs {
				if !iv.Included.Valid || !iv.Included.Bool {
					t.Errorf("%s not marked combined", iv.Username)
				}
			}
			nv, err := db.FindFrameworkVersion(ctx, closed.ResultVersionID.Int64)
			if err != nil {
				t.Fatal(err)
			}
			if nv.Code != "T" || nv.Version != "v1-ahp"+itoa(r.ID) || nv.Source != FrameworkSourceAHP ||
				nv.ParentID.Int64 != v.ID || !strings.Contains(nv.Note, "AHP round "+itoa(r.ID)) {
				t.Errorf("new version %+v", nv)
			}
			fw, err := nv.Framework()
			if err != nil {
				t.Fatal(err)
			}
			node := fw.Node("IDX")
			if node.AHP == nil || strings.Join(node.AHP.Names, ",") != "F1,F2,F3,F4" || math.Abs(node.AHP.CR-closed.CombinedCR.Float64) > 1e-12 {
				t.Fatalf("node's AHP spec %+v", node.AHP)
			}
			sum := 0.0
			for i, code := range []string{"F1", "F2", "F3", "F4"} {
				w := fw.Node(code).W()
				sum += w
				if math.Abs(w-closed.Weights[i]) > 1e-9 {
					t.Errorf("%s weighs %v in the new version, the round says %v", code, w, closed.Weights[i])
				}
			}
			if math.Abs(sum-1) > 1e-9 || !(closed.Weights[0] > closed.Weights[1] && closed.Weights[1] > closed.Weights[2]) {
				t.Errorf("weights %v", closed.Weights)
			}
			// The parent is untouched.
			if pf, _ := v.Framework(); pf.Node("IDX").AHP != nil {
				t.Error("the parent version changed")
			}

			if _, err := db.SubmitAHPJudgement(ctx, r.ID, e2.ID, ahpConsistent); ErrorCode(err) != EConflict {
				t.Errorf("judgement after closing: %v", err)
			}
			if _, err := db.CloseAHPRound(ctx, r.ID, AHPCloseInput{}); ErrorCode(err) != EConflict {
				t.Errorf("closed twice: %v", err)
			}
			if _, err := db.CloseAHPRound(ctx, 99999, AHPCloseInput{}); ErrorCode(err) != ENotFound {
				t.Errorf("unknown round: %v", err)
			}
			entries, _ := db.FindAudit(ctx, AuditFilter{Action: "ahp.", Limit: 50})
			seen := map[string]bool{}
			for _, e := range entries {
				seen[e.Action] = true
			}
			for _, a := range []string{AuditAHPRoundOpened, AuditAHPSubmitted, AuditAHPRoundClosed} {
				if !seen[a] {
					t.Errorf("no audit entry %s", a)
				}
			}
		})
	})
}

// TestAHPPages drives the round through HTTP: opened by the admin, filled
// with live checks by the invitee, refused to others, closed.
func TestAHPPages(t *testing.T) {
	app := newTestApp(t)
	ctx := context.Background()
	v := ahpTestVersion(t, app.db)
	if _, err := app.db.CreateAccount(ctx, AccountInput{Username: "outsider", Role: RoleEvaluator, Password: testPassword}); err != nil {
		t.Fatal(err)
	}
	admin, eval, outsider, official := app.client(), app.client(), app.client(), app.client()
	admin.signIn("admin")
	eval.signIn("evaluator")
	outsider.signIn("outsider")
	official.signIn("official")

	create := "/admin/frameworks/" + itoa(v.ID) + "/ahp"
	if res := admin.post(create, url.Values{"node": {"IDX"}, "evaluators": {"evaluator"}, "csrf": {"forged"}}); res.status != http.StatusForbidden {
		t.Fatalf("open without the CSRF token: %d", res.status)
	}
	res := admin.post(create, url.Values{"node": {"IDX"}, "evaluators": {"nobody-here"}, "title": {"<b>权重</b>"}})
	if res.status != http.StatusBadRequest || !strings.Contains(res.body, "nobody-here") || !strings.Contains(res.body, `value="&lt;b&gt;权重&lt;/b&gt;"`) {
		t.Fatalf("unknown invitee: %d", res.status)
	}
	res = admin.post(create, url.Values{"node": {"IDX"}, "evaluators": {"evaluator"}, "title": {"<b>权重</b>"}})
	if res.status != http.StatusSeeOther || !strings.HasPrefix(res.header.Get("Location"), "/ahp/") {
		t.Fatalf("open: %d %s", res.status, res.header.Get("Location"))
	}
	round := res.header.Get("Location")

	t.Run("who may see it", func(t *testing.T) {
		if res := outsider.get(round); res.status != http.StatusNotFound {
			t.Errorf("uninvited evaluator: %d", res.status)
		}
		if res := outsider.post(round+"/check", ahpForm(ahpConsistent)); res.status != http.StatusNotFound {
			t.Errorf("uninvited check: %d", res.status)
		}
		if res := outsider.post(round, ahpForm(ahpConsistent)); res.status != http.StatusNotFound {
			t.Errorf("uninvited submit: %d", res.status)
		}
		if res := official.get(round); res.status != http.StatusForbidden {
			t.Errorf("official: %d", res.status)
		}
		if res := official.get("/ahp"); res.status != http.StatusForbidden {
			t.Errorf("official list: %d", res.status)
		}
		if res := outsider.get("/ahp"); res.status != http.StatusOK || strings.Contains(res.body, `href="`+round+`"`) {
			t.Errorf("the outsider's list shows the round: %d", res.status)
		}
		// The admin, not invited, sees the progress but no form.
		res := admin.get(round)
		if res.status != http.StatusOK || strings.Contains(res.body, `id="ahp-form"`) || !strings.Contains(res.body, round+"/close") {
			t.Errorf("admin's page: %d", res.status)
		}
	})

	t.Run("fill", func(t *testing.T) {
		res := eval.get(round)
		if res.status != http.StatusOK || strings.Count(res.body, `<select id="c`) != 6 || !strings.Contains(res.body, "js/ahp.js") {
			t.Fatalf("form: %d", res.status)
		}
		if strings.Contains(res.body, "<script>alert(1)") || !strings.Contains(res.body, "&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;") {
			t.Error("a hostile item name is not escaped")
		}
		if strings.Count(res.body, `<option value="1" selected>`) != 6 {
			t.Error("an unfilled form does not start at equal")
		}
		if !strings.Contains(res.body, "群众满意度 比 服务效能 明显重要（5）") {
			t.Error("no scale labels naming the items")
		}

		good := ahpCheckJSON(t, eval, round+"/check", ahpConsistent)
		if !good.OK || good.CR > 1e-9 || good.Worst != nil || len(good.Weights) != 4 || math.Abs(good.Weights[0].Weight-8.0/15) > 1e-9 {
			t.Errorf("consistent check %+v", good)
		}
		bad := ahpCheckJSON(t, eval, round+"/check", ahpInconsistent)
		if bad.OK || bad.CR <= 0.10 || bad.Worst == nil || bad.Worst.A != "F1" || bad.Worst.B != "F4" || bad.Worst.Field != "c0_3" ||
			bad.Worst.Judged != "1/8" || bad.Worst.Suggested != "1/2" || !strings.Contains(bad.Message, "能力成熟度") {
			t.Errorf("inconsistent check %+v", bad)
		}

		// The same feedback without script: the page, with the values kept.
		res = eval.post(round+"/check", ahpForm(ahpInconsistent))
		if res.status != http.StatusOK || !strings.Contains(res.body, html.EscapeString(bad.Message)) ||
			!strings.Contains(res.body, `<option value="1/8" selected>`) {
			t.Errorf("check without script: %d", res.status)
		}
		if got, _ := app.db.FindAHPRound(ctx, ahpRoundID(t, round)); got.Submitted != 0 {
			t.Error("a check saved the judgement")
		}

		if res := eval.post(round, ahpFormCSRF(ahpConsistent, "forged")); res.status != http.StatusForbidden {
			t.Errorf("submit without the CSRF token: %d", res.status)
		}
		req, _ := http.NewRequest("POST", app.ts.URL+round+"/check", strings.NewReader(ahpForm(ahpConsistent).Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Accept", "application/json")
		if res := eval.do(req); res.status != http.StatusForbidden {
			t.Errorf("check without the CSRF token: %d", res.status)
		}
		if got, _ := app.db.FindAHPRound(ctx, ahpRoundID(t, round)); got.Submitted != 0 {
			t.Error("a forged submit was saved")
		}

		res = eval.post(round, ahpForm(ahpInconsistent))
		if res.status != http.StatusSeeOther {
			t.Fatalf("submit: %d", res.status)
		}
		res = eval.get(round)
		if !strings.Contains(res.body, "已标记为不一致") || !strings.Contains(res.body, `<option value="1/8" selected>`) ||
			!strings.Contains(res.body, html.EscapeString(bad.Message)) {
			t.Error("the saved inconsistent judgement is not shown with its feedback")
		}
		if res := eval.post(round, ahpForm(ahpConsistent)); res.status != http.StatusSeeOther {
			t.Fatalf("resubmit: %d", res.status)
		}
		if res := eval.get("/ahp"); !strings.Contains(res.body, "已提交") {
			t.Error("the evaluator's list does not say it is submitted")
		}
	})

	t.Run("close", func(t *testing.T) {
		if res := admin.post(round+"/close", url.Values{"csrf": {"forged"}}); res.status != http.StatusForbidden {
			t.Errorf("close without the CSRF token: %d", res.status)
		}
		if res := eval.post(round+"/close", nil); res.status != http.StatusForbidden {
			t.Errorf("evaluator closes: %d", res.status)
		}
		res := admin.post(round+"/close", nil)
		if res.status != http.StatusSeeOther {
			t.Fatalf("close: %d %s", res.status, res.body)
		}
		got, _ := app.db.FindAHPRound(ctx, ahpRoundID(t, round))
		if got.State != AHPClosed || !got.ResultVersionID.Valid {
			t.Fatalf("round %+v", got)
		}
		for _, c := range []*client{admin, eval} {
			res := c.get(round)
			if res.status != http.StatusOK || strings.Contains(res.body, `id="ahp-form"`) ||
				!strings.Contains(res.body, "/admin/frameworks/"+itoa(got.ResultVersionID.Int64)) ||
				!strings.Contains(res.body, "53.3%") || strings.Count(res.body, "<caption>") != 3 {
				t.Errorf("closed page: %d", res.status)
			}
		}
		if res := eval.post(round, ahpForm(ahpConsistent)); res.status != http.StatusConflict {
			t.Errorf("submit after closing: %d", res.status)
		}
		if res := admin.post(round+"/close", nil); res.status != http.StatusConflict || !strings.Contains(res.body, "该轮次已关闭") {
			t.Errorf("close twice: %d", res.status)
		}
	})
}

func ahpForm(cells []string) url.Values { return ahpFormCSRF(cells, "") }

func ahpFormCSRF(cells []string, csrf string) url.Values {
	f := url.Values{}
	for k, p := range ahpPairs(4) {
		f.Set(ahpCellName(p.I, p.J), cells[k])
	}
	if csrf != "" {
		f.Set("csrf", csrf)
	}
	return f
}

func ahpRoundID(t *testing.T, path string) int64 {
	id, err := strconv.ParseInt(strings.TrimPrefix(path, "/ahp/"), 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// ahpCheckJSON posts cells as the page's script does and decodes the reply.
func ahpCheckJSON(t *testing.T, c *client, path string, cells []string) ahpCheckReply {
	t.Helper()
	form := ahpForm(cells)
	req, _ := http.NewRequest("POST", c.app.ts.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	req.Header.Set("X-CSRF-Token", c.csrf)
	res := c.do(req)
	if res.status != http.StatusOK || !strings.HasPrefix(res.header.Get("Content-Type"), "application/json") {
		t.Fatalf("check: %d %s", res.status, res.body)
	}
	var out ahpCheckReply
	if err := json.Unmarshal([]byte(res.body), &out); err != nil {
		t.Fatal(err)
	}
	return out
}
