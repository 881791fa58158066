package instrument

import (
	"errors"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestTranslate(t *testing.T) {
	tests := []struct {
		name, src, want string
	}{
		{"variable", "${age}", `V["age"]`},
		{"dot", ". > 0", "Dot > 0"},
		{"equals", "${a} = 'x'", `V["a"] == "x"`},
		{"double equals kept", "${a} == 1", `V["a"] == 1`},
		{"not equal kept", "${a} != 1", `V["a"] != 1`},
		{"less or equal kept", "${a} <= 1", `V["a"] <= 1`},
		{"greater or equal kept", "${a} >= 1", `V["a"] >= 1`},
		{"less and greater", "${a}<1 or ${a}>2", `V["a"]<1  or  V["a"]>2`},
		{"and or", "${a} = 1 and ${b} = 2 or ${c} = 3", `V["a"] == 1  and  V["b"] == 2  or  V["c"] == 3`},
		{"not", "not(${a} = 'yes')", `_not(V["a"] == "yes")`},
		{"div mod", "${a} div 2 + ${b} mod 3", `V["a"]  /  2 + V["b"]  %  3`},
		{"slash and star", "${a} / 2 * 3", `V["a"] / 2 * 3`},
		{"selected", "selected(${q}, 'a')", `_selected(V["q"], "a")`},
		{"count-selected", "count-selected(${q}) >= 2", `_count_selected(V["q"]) >= 2`},
		{"if", "if(${a} > 1, 'big', 'small')", `_if(V["a"] > 1, "big", "small")`},
		{"coalesce", "coalesce(${a}, 0)", `_coalesce(V["a"], 0)`},
		{"round int", "round(${a}, 2) + int(${b})", `_round(V["a"], 2) + _int(V["b"])`},
		{"string-length", "string-length(.) <= 10", `_string_length(Dot) <= 10`},
		{"regex", `regex(., '^\d{6}$')`, `_regex(Dot, "^\\d{6}$")`},
		{"today", "today()", `_today()`},
		{"number concat", "concat(number(${a}), '-', ${b})", `_concat(_number(V["a"]), "-", V["b"])`},
		{"true false", "true() and false( )", `true  and  false`},
		{"double-quoted string", `${a} = "it's"`, `V["a"] == "it's"`},
		{"string with operators untouched", `${a} = 'x = y and not(z) div 2 ${b} . !='`, `V["a"] == "x = y and not(z) div 2 ${b} . !="`},
		{"string with quote", `concat("say 'hi'", '"')`, `_concat("say 'hi'", "\"")`},
		{"chinese string", "${a} = '是'", `V["a"] == "是"`},
		{"decimal numbers", ".5 + 3. + 1.25", "0.5 + 3.0 + 1.25"},
		{"negative", "-${a}", `-V["a"]`},
		{"newline", "${a}\n= 1", `V["a"] == 1`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tr, err := translate(tt.src, false)
			if err != nil {
				t.Fatalf("translate(%q): %v", tt.src, err)
			}
			got := strings.ReplaceAll(tr.out, "\n", "")
			want := strings.ReplaceAll(tt.want, "\n", "")
			if strings.Join(strings.Fields(got), " ") != strings.Join(strings.Fields(want), " ") {
				t.Errorf("translate(%q) = %q, want %q", tt.src, tr.out, tt.want)
			}
			if _, err := Compile(tt.src); err != nil {
				t.Errorf("Compile(%q): %v", tt.src, err)
			}
		})
	}
}

func TestCompileRefuses(t *testing.T) {
	tests := []struct {
		name, src, want string
		pos             int
	}{
		{"empty", "  ", "empty", 0},
		{"too long", strings.Repeat("1+", 1000) + "1", "too long", 0},
		{"invalid utf8", "${a} = '\xff'", "UTF-8", 0},
		{"NUL", "${a} = 1\x00", "NUL", 9},
		{"unclosed variable", "${a = 1", "not closed", 1},
		{"bad variable name", "${a-b} = 1", "not a valid question name", 1},
		{"unclosed string", "${a} = 'x", "not closed", 8},
		{"bare name", "${a} = b", `unknown name "b"`, 8},
		{"unknown function", "foo(${a})", `unknown function "foo"`, 1},
		{"unknown hyphenated function", "format-date(${a}, '%Y')", `unknown function "format-date"`, 1},
		{"namespaced function", "jr:choice-name(${a}, '${a}')", `unknown function "jr:choice-name"`, 1},
		{"function without parentheses", "${a} = today", "needs parentheses", 8},
		{"absolute path", "/data/a = 1", "paths", 1},
		{"parent path", "../a = 1", "paths", 1},
		{"bang", "!${a}", "not(", 1},
		{"unknown character", "${a} = 1 | ${b}", `unexpected character '|'`, 10},
		{"ternary", "${a} ? 1 : 2", `unexpected character '?'`, 6},
		{"wrong arity", "selected(${a})", "selected() takes 2 arguments", 1},
		{"too many arguments", "today(1)", "today() takes 0 arguments", 1},
		{"bad regex literal", "regex(., '(')", "does not compile", 10},
		{"syntax error", "${a} = = 1", "", 0},
		{"unbalanced", "(${a} = 1", "", 0},
		{"number then letter", "12a", "after a number", 3},
		{"expr builtin", "len('abc')", `unknown function "len"`, 1},
		{"expr keyword as name", "${a} in 1", `unknown name "in"`, 6},
		{"private function", "_bool(1)", `unknown function "_bool"`, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Compile(tt.src)
			if err == nil {
				t.Fatalf("Compile(%q) succeeded, want an error", tt.src)
			}
			var ee *ExprError
			if !errors.As(err, &ee) {
				t.Fatalf("Compile(%q) error %T %v, want *ExprError", tt.src, err, err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Compile(%q) = %q, want it to contain %q", tt.src, err, tt.want)
			}
			if tt.pos != 0 && ee.Pos != tt.pos {
				t.Errorf("Compile(%q) position %d, want %d (%v)", tt.src, ee.Pos, tt.pos, err)
			}
		})
	}
}

func TestCompileErrorPositionOfExprLang(t *testing.T) {
	// "${a} = 1 )" fails in expr-lang; the position is mapped back to the
	// source.
	_, err := Compile("${abcdef} = 1 )")
	var ee *ExprError
	if !errors.As(err, &ee) {
		t.Fatalf("err = %v", err)
	}
	if ee.Pos != 15 {
		t.Errorf("position %d, want 15 (%v)", ee.Pos, err)
	}
}

func TestNames(t *testing.T) {
	e, err := Compile("${b} + ${a} + ${b} + .")
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(e.Names(), ","); got != "a,b" {
		t.Errorf("Names() = %q, want a,b", got)
	}
	if !e.UsesSelf() {
		t.Error("UsesSelf() = false")
	}
	e, _ = Compile("'${x}' = 'y'")
	if len(e.Names()) != 0 || e.UsesSelf() {
		t.Errorf("names inside a string literal counted: %v %v", e.Names(), e.UsesSelf())
	}
}

func TestEval(t *testing.T) {
	hostile := "<script>\x00\xff\xfe=1+1 ${a}"
	answers := Answers{
		"n3": "3", "n10": "10", "n25": "2.5", "zero": "0", "neg": "-4",
		"s": "abc", "zh": "北京市", "multi": "a c d", "date": "2026-03-01",
		"yes": "yes", "spaced": " 7 ", "hostile": hostile, "big": strings.Repeat("x", 100000),
	}
	tests := []struct {
		name string
		src  string
		self string
		want any
	}{
		{"missing equals empty", "${none} = ''", "", true},
		{"missing not equal empty", "${none} != ''", "", false},
		{"missing equals zero", "${none} = 0", "", false},
		{"missing less than", "${none} < 5", "", false},
		{"missing greater than", "${none} > 5", "", false},
		{"missing arithmetic", "${none} + 1", "", nil},
		{"missing times", "${none} * 2", "", nil},
		{"missing negated", "-${none}", "", nil},
		{"arithmetic on text", "${s} + 1", "", nil},
		{"division by zero", "${n3} div ${zero}", "", nil},
		{"mod by zero", "${n3} mod ${zero}", "", nil},
		{"numeric string compare", "${n10} > ${n3}", "", true},
		{"less than on equal values", "${n3} < 3", "", false},
		{"less or equal on equal values", "${n3} <= 3.0", "", true},
		{"greater than on equal values", "${n3} > '3'", "", false},
		{"greater or equal on equal values", "${n3} >= 3", "", true},
		{"numeric not string order", "${n10} < ${n3}", "", false},
		{"numeric string compare with literal", "${n10} > '9'", "", true},
		{"numeric equality of forms", "${n25} = 2.50", "", true},
		{"spaces around numbers", "${spaced} = 7", "", true},
		{"string compare", "${s} < 'abd'", "", true},
		{"date compare", "${date} < '2026-12-31'", "", true},
		{"date equality", "${date} = '2026-03-01'", "", true},
		{"arithmetic", "${n10} - ${n3} * 2", "", 4.0},
		{"div", "${n3} div 2", "", 1.5},
		{"mod", "${n10} mod ${n3}", "", 1.0},
		{"negative", "-${neg}", "", 4.0},
		{"precedence", "1 + 2 * 3 = 7 and 2 > 1", "", true},
		{"or", "${none} = 'x' or ${n3} = 3", "", true},
		{"not", "not(${yes} = 'yes')", "", false},
		{"not of missing", "not(${none})", "", true},
		{"truth of text", "${s} and ${n3}", "", true},
		{"truth of zero", "${zero} + 0 and true()", "", false},
		{"selected yes", "selected(${multi}, 'c')", "", true},
		{"selected no", "selected(${multi}, 'b')", "", false},
		{"selected prefix is not a choice", "selected(${multi}, 'a c')", "", false},
		{"selected missing", "selected(${none}, 'a')", "", false},
		{"count-selected", "count-selected(${multi})", "", 3.0},
		{"count-selected missing", "count-selected(${none})", "", 0.0},
		{"regex match", "regex(${zh}, '^北京')", "", true},
		{"regex no match", `regex(${s}, '^\d+$')`, "", false},
		{"regex on missing", `regex(${none}, '^$')`, "", true},
		{"regex dynamic pattern", "regex(${s}, concat('^', 'a'))", "", true},
		{"if true", "if(${n3} > 1, 'big', 'small')", "", "big"},
		{"if false", "if(${n3} > 5, 'big', 'small')", "", "small"},
		{"if missing condition", "if(${none}, 1, 2)", "", 2.0},
		{"if lazy branch", "if(true(), 1, regex('a', ${s} + '('))", "", 1.0},
		{"coalesce first", "coalesce(${n3}, 5)", "", "3"},
		{"coalesce missing", "coalesce(${none}, 5)", "", 5.0},
		{"coalesce both missing", "coalesce(${none}, ${none2})", "", ""},
		{"round", "round(2.345, 2)", "", 2.35},
		{"round no digits", "round(${n25})", "", 3.0},
		{"round missing", "round(${none}, 1)", "", nil},
		{"int", "int(-${n25})", "", -2.0},
		{"string-length chinese", "string-length(${zh})", "", 3.0},
		{"string-length missing", "string-length(${none})", "", 0.0},
		{"number", "number(${n25}) * 2", "", 5.0},
		{"number of text", "number(${s})", "", nil},
		{"concat", "concat(${s}, '-', ${n3}, ${none})", "", "abc-3"},
		{"concat number", "concat(1.5 * 2, '')", "", "3"},
		{"dot", ". > 2", "n3", true},
		{"dot missing self", ". = ''", "none", true},
		{"dot no self", ". = ''", "", true},
		{"hostile equality", "${hostile} = 'x'", "", false},
		{"hostile arithmetic", "${hostile} + 1", "", nil},
		{"hostile length", "string-length(${hostile}) > 0", "", true},
		{"hostile regex", "regex(${hostile}, '<script>')", "", true},
		{"hostile selected", "selected(${hostile}, '${a}')", "", true},
		{"hostile as pattern", "regex('x', ${hostile})", "", nil}, // error below
		{"hostile concat", "string-length(concat(${big}, ${big})) = 200000", "", true},
		{"hostile number", "number(${hostile})", "", nil},
		{"infinity text is not a number", "'Inf' + 1", "", nil},
		{"hex text is not a number", "'0x10' + 1", "", nil},
		{"today is a date", "regex(today(), '^\\d{4}-\\d{2}-\\d{2}$')", "", true},
		{"today compares with dates", "today() > '2020-01-01'", "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, err := Compile(tt.src)
			if err != nil {
				t.Fatalf("Compile(%q): %v", tt.src, err)
			}
			got, err := e.Eval(answers, tt.self)
			if tt.name == "hostile as pattern" {
				if err == nil {
					t.Errorf("Eval(%q) = %v, want an error for a bad pattern", tt.src, got)
				}
				return
			}
			if err != nil {
				t.Fatalf("Eval(%q): %v", tt.src, err)
			}
			if got != tt.want {
				t.Errorf("Eval(%q) = %#v, want %#v", tt.src, got, tt.want)
			}
		})
	}
}

func TestEvalNilAnswers(t *testing.T) {
	e, err := Compile("${a} = '' and . = '' and count-selected(${b}) = 0")
	if err != nil {
		t.Fatal(err)
	}
	ok, err := e.Bool(nil, "a")
	if err != nil || !ok {
		t.Errorf("Bool(nil) = %v, %v; want true", ok, err)
	}
}

func TestEvalConcurrent(t *testing.T) {
	e, err := Compile("${a} + 1 > 2 and regex(${b}, '^x')")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range 200 {
				a := Answers{"a": Format(float64(i + j)), "b": "xy"}
				got, err := e.Bool(a, "")
				if err != nil || got != (i+j+1 > 2) {
					t.Errorf("Bool(%v) = %v, %v", a, got, err)
					return
				}
			}
		}()
	}
	wg.Wait()
}

func TestEvalBounded(t *testing.T) {
	// The longest accepted expression, deeply nested, over huge answers,
	// evaluates quickly.
	src := strings.Repeat("concat(", 200) + "${a}" + strings.Repeat(")", 200)
	e, err := Compile(src)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if _, err := e.Eval(Answers{"a": strings.Repeat("字", 10000)}, ""); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("evaluation took %v", d)
	}
}

func TestChoiceFilter(t *testing.T) {
	e, err := CompileChoiceFilter("province = ${province} or name = 'other'")
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(e.Columns(), ","); got != "name,province" {
		t.Errorf("Columns() = %q", got)
	}
	a := Answers{"province": "zj"}
	tests := []struct {
		name string
		c    Choice
		want bool
	}{
		{"matching column", Choice{Value: "hz", Filter: map[string]string{"province": "zj"}}, true},
		{"other column", Choice{Value: "nj", Filter: map[string]string{"province": "js"}}, false},
		{"by name", Choice{Value: "other"}, true},
		{"no column", Choice{Value: "x"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := e.EvalChoice(a, tt.c)
			if err != nil || got != tt.want {
				t.Errorf("EvalChoice(%v) = %v, %v; want %v", tt.c, got, err, tt.want)
			}
		})
	}
	if _, err := Compile("province = ${province}"); err == nil {
		t.Error("a bare name compiled outside a choice filter")
	}
}

func TestFormat(t *testing.T) {
	tests := []struct {
		name string
		v    any
		want string
	}{
		{"nil", nil, ""},
		{"integer", 3.0, "3"},
		{"fraction", 0.25, "0.25"},
		{"negative", -1.5, "-1.5"},
		{"large", 1e20, "100000000000000000000"},
		{"bool", true, "true"},
		{"string", "x", "x"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Format(tt.v); got != tt.want {
				t.Errorf("Format(%v) = %q, want %q", tt.v, got, tt.want)
			}
		})
	}
}

// FuzzCompileEval checks that no source and no answer make Compile or Eval
// panic or hang.
func FuzzCompileEval(f *testing.F) {
	for _, s := range []string{
		"${a} = 'x'", ". > 1 and ${b} != ''", "regex(${a}, ${b})", "if(${a}, concat(${a}, ${b}), -${a} div 0)",
		"count-selected(${a}) + string-length(${b}) mod 3", "not(selected(${a}, 'x')) or round(${a}, ${b})",
		"((((1))))", "'", "${", "${a", "1..2", "a.b", "coalesce(${a}, ${b}, ${a})",
	} {
		f.Add(s, "1", "x y")
	}
	f.Fuzz(func(t *testing.T, src, a, b string) {
		e, err := Compile(src)
		if err != nil {
			return
		}
		if _, err := e.Eval(Answers{"a": a, "b": b}, "a"); err != nil && !strings.Contains(err.Error(), "regex") {
			t.Errorf("Eval(%q): %v", src, err)
		}
	})
}
