package instrument

import (
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/file"
	"github.com/expr-lang/expr/vm"
)

// MaxExprLen is the longest expression Compile accepts, in characters.
const MaxExprLen = 2000

// Expr is a compiled expression of the instrument's language: XLSForm syntax
// (${name}, ., and, or, not(), div, mod, selected() …) translated once into
// expr-lang and compiled once. An Expr is immutable and safe for concurrent
// use.
//
// Values are strings (answers), numbers, booleans or nothing (nil). A missing
// answer is the empty string. Arithmetic on a value that is not a number
// gives nothing; comparisons are numeric when both sides are numbers or
// strings that parse as numbers, and otherwise compare the strings (so ISO
// dates and times compare in calendar order). A value is true when it is a
// true boolean, a non-zero number or a non-empty string (XPath rules: the
// string "no" is true; compare it: ${q} = 'yes').
type Expr struct {
	src        string
	translated string
	program    *vm.Program
	names      []string
	columns    []string
	self       bool
	regexps    map[string]*regexp.Regexp
}

// exprEnv is what a compiled expression sees: V holds the answers (${name}
// becomes V["name"]), Dot the current question's answer (.), and C the
// columns of the choice a choice_filter is testing.
type exprEnv struct {
	V   Answers           `expr:"V"`
	Dot string            `expr:"Dot"`
	C   map[string]string `expr:"C"`
}

// ExprError is a refused expression: Pos is the character (from 1) of the
// source where the problem was found.
type ExprError struct {
	Pos int
	Msg string
}

func (e *ExprError) Error() string {
	if e.Pos <= 0 {
		return e.Msg
	}
	return fmt.Sprintf("at character %d: %s", e.Pos, e.Msg)
}

// function describes one function of the language: its name in expr-lang
// and how many arguments it takes (max -1: any number).
type function struct {
	internal string
	min, max int
}

// functions are the XLSForm functions the language knows, by their XLSForm
// name.
var functions = map[string]function{
	"selected":       {"_selected", 2, 2},
	"count-selected": {"_count_selected", 1, 1},
	"if":             {"_if", 3, 3},
	"coalesce":       {"_coalesce", 2, -1},
	"round":          {"_round", 1, 2},
	"int":            {"_int", 1, 1},
	"string-length":  {"_string_length", 1, 1},
	"regex":          {"_regex", 2, 2},
	"today":          {"_today", 0, 0},
	"now":            {"_now", 0, 0},
	"number":         {"_number", 1, 1},
	"string":         {"_string", 1, 1},
	"concat":         {"_concat", 1, -1},
	"not":            {"_not", 1, 1},
}

// internalFuncs maps an expr-lang function name back to its description.
var internalFuncs = func() map[string]function {
	m := make(map[string]function, len(functions))
	for _, f := range functions {
		m[f.internal] = f
	}
	return m
}()

// Compile translates and compiles an expression of a relevance, constraint
// or calculation. The error is an *ExprError naming the character and the
// problem.
func Compile(src string) (*Expr, error) {
	return compile(src, false)
}

// CompileChoiceFilter compiles a choice_filter expression, in which a bare
// name (province, name) is a column of the choice being tested and ${q} an
// answer, as in XLSForm. Evaluate it with EvalChoice.
func CompileChoiceFilter(src string) (*Expr, error) {
	return compile(src, true)
}

// cache memoises compiled expressions by source, so that instruments (which
// keep only source strings) evaluate without recompiling. A compiled Expr is
// immutable; the cache is emptied when it grows past cacheMax.
var cache = struct {
	sync.RWMutex
	m map[string]*Expr
}{m: map[string]*Expr{}}

const cacheMax = 20000

// compiled returns the compiled form of src, from the cache when it is there.
func compiled(src string, choiceFilter bool) (*Expr, error) {
	key := src
	if choiceFilter {
		key = "\x00" + src
	}
	cache.RLock()
	e, ok := cache.m[key]
	cache.RUnlock()
	if ok {
		return e, nil
	}
	e, err := compile(src, choiceFilter)
	if err != nil {
		return nil, err
	}
	cache.Lock()
	if len(cache.m) >= cacheMax {
		clear(cache.m)
	}
	cache.m[key] = e
	cache.Unlock()
	return e, nil
}

func compile(src string, choiceFilter bool) (*Expr, error) {
	tr, err := translate(src, choiceFilter)
	if err != nil {
		return nil, err
	}
	e := &Expr{
		src:        src,
		translated: tr.out,
		names:      tr.names,
		columns:    tr.columns,
		self:       tr.self,
		regexps:    map[string]*regexp.Regexp{},
	}
	p := &patcher{e: e, tr: tr}
	opts := []expr.Option{
		expr.Env(exprEnv{}),
		expr.DisableAllBuiltins(),
		expr.Patch(p),
		expr.Function("_bool", func(a ...any) (any, error) { return truth(a[0]), nil }, new(func(any) bool)),
	}
	for _, f := range e.funcs() {
		opts = append(opts, f)
	}
	prog, err := expr.Compile(tr.out, opts...)
	if p.err != nil {
		return nil, p.err
	}
	if err != nil {
		return nil, tr.exprError(err)
	}
	e.program = prog
	return e, nil
}

// String returns the source of the expression as written.
func (e *Expr) String() string { return e.src }

// Names returns the answers the expression uses (${name}), sorted, without
// duplicates.
func (e *Expr) Names() []string { return slices.Clone(e.names) }

// Columns returns the choice columns a choice filter uses (bare names),
// sorted, without duplicates.
func (e *Expr) Columns() []string { return slices.Clone(e.columns) }

// UsesSelf reports whether the expression uses "." (the current answer).
func (e *Expr) UsesSelf() bool { return e.self }

// Eval evaluates the expression over answers; self names the current
// question, whose answer "." stands for. The result is nil (no value), a
// string, a float64 or a bool. Errors are rare: a regular expression built
// from answers that does not compile.
func (e *Expr) Eval(answers Answers, self string) (any, error) {
	env := exprEnv{V: answers}
	if self != "" {
		env.Dot = answers[self]
	}
	return e.run(env)
}

// Bool evaluates the expression and converts the result to a truth value.
func (e *Expr) Bool(answers Answers, self string) (bool, error) {
	v, err := e.Eval(answers, self)
	if err != nil {
		return false, err
	}
	return truth(v), nil
}

// EvalChoice evaluates a choice filter for choice c: bare names are c's
// Filter columns, "name" its value.
func (e *Expr) EvalChoice(answers Answers, c Choice) (bool, error) {
	cols := make(map[string]string, len(c.Filter)+1)
	for k, v := range c.Filter {
		cols[k] = v
	}
	cols["name"] = c.Value
	v, err := e.run(exprEnv{V: answers, C: cols})
	if err != nil {
		return false, err
	}
	return truth(v), nil
}

func (e *Expr) run(env exprEnv) (v any, err error) {
	if e == nil || e.program == nil {
		return nil, fmt.Errorf("evaluate expression: not compiled")
	}
	defer func() {
		if r := recover(); r != nil {
			v, err = nil, fmt.Errorf("evaluate %q: %v", e.src, r)
		}
	}()
	v, err = expr.Run(e.program, env)
	if err != nil {
		return nil, fmt.Errorf("evaluate %q: %w", e.src, err)
	}
	return v, nil
}

// translation is the expr-lang text of an expression with what was learnt
// on the way.
type translation struct {
	src     string
	out     string
	pos     []int // pos[i]: source character of output character i
	names   []string
	columns []string
	self    bool
}

// exprError turns an error of expr-lang, whose positions are in the
// translated text, into an *ExprError on the source.
func (tr *translation) exprError(err error) *ExprError {
	if fe, ok := err.(*file.Error); ok {
		return &ExprError{Pos: tr.srcPos(fe.From), Msg: fe.Message}
	}
	return &ExprError{Msg: err.Error()}
}

// srcPos maps an output character offset to a source position (from 1).
func (tr *translation) srcPos(out int) int {
	switch {
	case len(tr.pos) == 0:
		return 1
	case out < 0:
		return 1
	case out >= len(tr.pos):
		return tr.pos[len(tr.pos)-1] + 2
	}
	return tr.pos[out] + 1
}

// translator turns XLSForm syntax into expr-lang, token by token. It keeps,
// for every character it writes, the source character it came from.
type translator struct {
	src          []rune
	i            int
	out          []rune
	pos          []int
	names        map[string]bool
	columns      map[string]bool
	self         bool
	choiceFilter bool
	operand      bool // the last token ends an operand (a value, ")")
}

func (t *translator) emit(s string, at int) {
	for _, r := range s {
		t.out = append(t.out, r)
		t.pos = append(t.pos, at)
	}
}

func (t *translator) fail(at int, format string, args ...any) error {
	return &ExprError{Pos: at + 1, Msg: fmt.Sprintf(format, args...)}
}

func (t *translator) peek(k int) rune {
	if t.i+k < len(t.src) {
		return t.src[t.i+k]
	}
	return 0
}

// nextNonSpace returns the first character at or after j that is not a
// space, or 0.
func (t *translator) nextNonSpace(j int) rune {
	for ; j < len(t.src); j++ {
		if !isSpace(t.src[j]) {
			return t.src[j]
		}
	}
	return 0
}

func isSpace(r rune) bool { return r == ' ' || r == '\t' || r == '\n' || r == '\r' }

func isLetter(r rune) bool { return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' }

func isDigit(r rune) bool { return r >= '0' && r <= '9' }

func isNameChar(r rune) bool { return isLetter(r) || isDigit(r) || r == '_' }

// translate rewrites an XLSForm expression into expr-lang:
//
//	${name}               V["name"]
//	.                     Dot
//	=                     ==   (!=, <=, >= and == stay)
//	and, or               and, or
//	div, mod              /, %
//	not(x)                _not(x)
//	true(), false()       true, false
//	f(…)                  _f(…) for the functions of the language
//	'text', "text"        "text" (a Go-quoted literal; its content untouched)
//
// In a choice filter a bare name is a column of the choice: C["name"].
// Anything else (paths, other functions, bare names, unknown characters) is
// refused.
func translate(src string, choiceFilter bool) (*translation, error) {
	if !utf8.ValidString(src) {
		return nil, &ExprError{Msg: "expression is not valid UTF-8"}
	}
	if n := utf8.RuneCountInString(src); n > MaxExprLen {
		return nil, &ExprError{Msg: fmt.Sprintf("expression is too long (%d characters, at most %d)", n, MaxExprLen)}
	}
	if strings.TrimSpace(src) == "" {
		return nil, &ExprError{Msg: "expression is empty"}
	}
	t := &translator{
		src:          []rune(src),
		names:        map[string]bool{},
		columns:      map[string]bool{},
		choiceFilter: choiceFilter,
	}
	for t.i < len(t.src) {
		if err := t.token(); err != nil {
			return nil, err
		}
	}
	tr := &translation{src: src, out: string(t.out), pos: t.pos, self: t.self}
	for n := range t.names {
		tr.names = append(tr.names, n)
	}
	slices.Sort(tr.names)
	for c := range t.columns {
		tr.columns = append(tr.columns, c)
	}
	slices.Sort(tr.columns)
	return tr, nil
}

// token translates the token at t.i and advances past it.
func (t *translator) token() error {
	at := t.i
	r := t.src[t.i]
	switch {
	case r == 0:
		return t.fail(at, "NUL character in expression")
	case isSpace(r):
		t.emit(" ", at)
		t.i++
		return nil
	case r == '$':
		return t.variable()
	case r == '\'' || r == '"':
		return t.str()
	case isDigit(r) || r == '.' && isDigit(t.peek(1)):
		return t.number()
	case r == '.':
		if t.peek(1) == '.' {
			return t.fail(at, "paths (..) are not supported; write ${name}")
		}
		t.emit("Dot", at)
		t.self = true
		t.i++
		t.operand = true
		return nil
	case r == '=':
		t.emit("==", at)
		t.i++
		if t.peek(0) == '=' {
			t.i++
		}
		t.operand = false
		return nil
	case r == '!':
		if t.peek(1) != '=' {
			return t.fail(at, "unexpected \"!\"; write not(…) or !=")
		}
		t.emit("!=", at)
		t.i += 2
		t.operand = false
		return nil
	case r == '<' || r == '>':
		if t.peek(1) == '=' {
			t.emit(string(r)+"=", at)
			t.i += 2
		} else {
			t.emit(string(r), at)
			t.i++
		}
		t.operand = false
		return nil
	case r == '/':
		if !t.operand {
			return t.fail(at, "paths (/…) are not supported; write ${name}")
		}
		t.emit("/", at)
		t.i++
		t.operand = false
		return nil
	case r == '+' || r == '-' || r == '*' || r == '%' || r == '(' || r == ',':
		t.emit(string(r), at)
		t.i++
		t.operand = false
		return nil
	case r == ')':
		t.emit(")", at)
		t.i++
		t.operand = true
		return nil
	case isLetter(r) || r == '_':
		return t.word()
	}
	return t.fail(at, "unexpected character %q", r)
}

// variable translates ${name}.
func (t *translator) variable() error {
	at := t.i
	if t.peek(1) != '{' {
		return t.fail(at, "unexpected \"$\"; write ${name}")
	}
	j := t.i + 2
	for j < len(t.src) && t.src[j] != '}' {
		j++
	}
	if j >= len(t.src) {
		return t.fail(at, "${ is not closed with }")
	}
	name := string(t.src[t.i+2 : j])
	if !IsName(name) {
		return t.fail(at, "%q is not a valid question name", name)
	}
	t.names[name] = true
	t.emit(`V["`+name+`"]`, at)
	t.i = j + 1
	t.operand = true
	return nil
}

// str translates a string literal; XPath literals have no escapes, the
// other quote may appear inside.
func (t *translator) str() error {
	at := t.i
	q := t.src[t.i]
	j := t.i + 1
	for j < len(t.src) && t.src[j] != q {
		j++
	}
	if j >= len(t.src) {
		return t.fail(at, "string is not closed with %c", q)
	}
	t.emit(strconv.Quote(string(t.src[t.i+1:j])), at)
	t.i = j + 1
	t.operand = true
	return nil
}

// number translates 12, 1.5, .5 and 3. into expr-lang numbers.
func (t *translator) number() error {
	at := t.i
	j := t.i
	for j < len(t.src) && isDigit(t.src[j]) {
		j++
	}
	if j < len(t.src) && t.src[j] == '.' {
		j++
		for j < len(t.src) && isDigit(t.src[j]) {
			j++
		}
	}
	if j < len(t.src) && (isNameChar(t.src[j]) || t.src[j] == '.') {
		return t.fail(j, "unexpected %q after a number", t.src[j])
	}
	s := string(t.src[t.i:j])
	if strings.HasPrefix(s, ".") {
		s = "0" + s
	}
	if strings.HasSuffix(s, ".") {
		s += "0"
	}
	t.emit(s, at)
	t.i = j
	t.operand = true
	return nil
}

// word translates a keyword (and, or, div, mod), a function call or, in a
// choice filter, a column name.
func (t *translator) word() error {
	at := t.i
	j := t.i
	for j < len(t.src) && isNameChar(t.src[j]) {
		j++
	}
	w := string(t.src[t.i:j])
	// XPath names may hold "-", "." and ":" (count-selected, jr:choice-name);
	// take the longer form when a "(" follows it.
	k := j
	for k+1 < len(t.src) && (t.src[k] == '-' || t.src[k] == '.' || t.src[k] == ':') && isNameChar(t.src[k+1]) {
		k++
		for k < len(t.src) && isNameChar(t.src[k]) {
			k++
		}
	}
	if k > j && t.nextNonSpace(k) == '(' {
		long := string(t.src[t.i:k])
		if _, ok := functions[long]; !ok {
			return t.fail(at, "unknown function %q", long)
		}
		w, j = long, k
	}
	call := t.nextNonSpace(j) == '('
	switch w {
	case "and", "or":
		t.emit(" "+w+" ", at)
		t.i = j
		t.operand = false
		return nil
	case "div":
		t.emit(" / ", at)
		t.i = j
		t.operand = false
		return nil
	case "mod":
		t.emit(" % ", at)
		t.i = j
		t.operand = false
		return nil
	case "true", "false":
		if !call {
			break
		}
		// true() and false(): drop the empty parentheses.
		k := j
		for k < len(t.src) && isSpace(t.src[k]) {
			k++
		}
		k++ // "("
		for k < len(t.src) && isSpace(t.src[k]) {
			k++
		}
		if k >= len(t.src) || t.src[k] != ')' {
			return t.fail(at, "%s() takes no arguments", w)
		}
		t.emit(w, at)
		t.i = k + 1
		t.operand = true
		return nil
	}
	if call {
		f, ok := functions[w]
		if !ok {
			return t.fail(at, "unknown function %q", w)
		}
		t.emit(f.internal, at)
		t.i = j
		t.operand = false
		return nil
	}
	if _, ok := functions[w]; ok {
		return t.fail(at, "function %q needs parentheses: %s(…)", w, w)
	}
	if t.choiceFilter {
		t.columns[w] = true
		t.emit(`C["`+w+`"]`, at)
		t.i = j
		t.operand = true
		return nil
	}
	return t.fail(at, "unknown name %q; write ${%s} for the answer to a question", w, w)
}

// patcher rewrites the parsed expression into calls of the language's
// functions (comparisons, arithmetic) and refuses every construct of
// expr-lang that is not part of the language. It records the first problem.
type patcher struct {
	e   *Expr
	tr  *translation
	err error
}

// binaryFuncs are the functions operators become.
var binaryFuncs = map[string]string{
	"==": "_eq", "!=": "_ne", "<": "_lt", "<=": "_le", ">": "_gt", ">=": "_ge",
	"+": "_add", "-": "_sub", "*": "_mul", "/": "_div", "%": "_mod",
}

func (p *patcher) fail(n ast.Node, format string, args ...any) {
	if p.err == nil {
		p.err = &ExprError{Pos: p.tr.srcPos(n.Location().From), Msg: fmt.Sprintf(format, args...)}
	}
}

func call(name string, args ...ast.Node) ast.Node {
	return &ast.CallNode{Callee: &ast.IdentifierNode{Value: name}, Arguments: args}
}

func (p *patcher) Visit(node *ast.Node) {
	switch n := (*node).(type) {
	case *ast.StringNode, *ast.FloatNode, *ast.BoolNode:
	case *ast.IntegerNode:
		// Every number of the language is a float64.
		ast.Patch(node, &ast.FloatNode{Value: float64(n.Value)})
	case *ast.IdentifierNode:
		switch {
		case n.Value == "V" || n.Value == "Dot" || n.Value == "C":
		case n.Value == "_bool":
		default:
			if _, ok := internalFuncs[n.Value]; !ok {
				p.fail(n, "unknown name %q", n.Value)
			}
		}
	case *ast.MemberNode:
		id, ok := n.Node.(*ast.IdentifierNode)
		_, isStr := n.Property.(*ast.StringNode)
		if !ok || (id.Value != "V" && id.Value != "C") || !isStr || n.Optional || n.Method {
			p.fail(n, "this construct is not supported")
		}
	case *ast.UnaryNode:
		switch n.Operator {
		case "-":
			ast.Patch(node, call("_neg", n.Node))
		case "+":
			ast.Patch(node, call("_number", n.Node))
		default:
			p.fail(n, "operator %q is not supported", n.Operator)
		}
	case *ast.BinaryNode:
		switch n.Operator {
		case "and", "or":
			n.Left = call("_bool", n.Left)
			n.Right = call("_bool", n.Right)
		default:
			f, ok := binaryFuncs[n.Operator]
			if !ok {
				p.fail(n, "operator %q is not supported", n.Operator)
				return
			}
			ast.Patch(node, call(f, n.Left, n.Right))
		}
	case *ast.CallNode:
		id, ok := n.Callee.(*ast.IdentifierNode)
		if !ok {
			p.fail(n, "this construct is not supported")
			return
		}
		f, ok := internalFuncs[id.Value]
		if !ok {
			p.fail(n, "unknown function %q", id.Value)
			return
		}
		name := strings.TrimPrefix(strings.ReplaceAll(id.Value, "_", "-"), "-")
		if len(n.Arguments) < f.min || f.max >= 0 && len(n.Arguments) > f.max {
			p.fail(n, "%s() takes %s", name, arity(f))
			return
		}
		switch id.Value {
		case "_if":
			// if() evaluates only the branch it takes.
			ast.Patch(node, &ast.ConditionalNode{Cond: call("_bool", n.Arguments[0]), Exp1: n.Arguments[1], Exp2: n.Arguments[2]})
		case "_regex":
			if s, ok := n.Arguments[1].(*ast.StringNode); ok {
				re, err := regexp.Compile(s.Value)
				if err != nil {
					p.fail(n.Arguments[1], "regex() pattern does not compile: %v", err)
					return
				}
				p.e.regexps[s.Value] = re
			}
		}
	default:
		p.fail(*node, "this construct is not supported")
	}
}

func arity(f function) string {
	switch {
	case f.max < 0:
		return fmt.Sprintf("at least %d arguments", f.min)
	case f.min == f.max && f.min == 1:
		return "1 argument"
	case f.min == f.max:
		return fmt.Sprintf("%d arguments", f.min)
	}
	return fmt.Sprintf("%d to %d arguments", f.min, f.max)
}

// funcs returns the functions of the language for expr-lang. regex() uses
// e's compiled literal patterns.
func (e *Expr) funcs() []expr.Option {
	fn := func(name string, f func(a ...any) any) expr.Option {
		return expr.Function(name, func(a ...any) (any, error) { return f(a...), nil })
	}
	cmp := func(name string, f func(a, b any) bool) expr.Option {
		return expr.Function(name, func(a ...any) (any, error) { return f(a[0], a[1]), nil }, new(func(any, any) bool))
	}
	arith := func(name string, f func(x, y float64) float64) expr.Option {
		return fn(name, func(a ...any) any {
			x, ok1 := toNumber(a[0])
			y, ok2 := toNumber(a[1])
			if !ok1 || !ok2 {
				return nil
			}
			return numberValue(f(x, y))
		})
	}
	return []expr.Option{
		cmp("_eq", equal),
		cmp("_ne", func(a, b any) bool { return !equal(a, b) }),
		cmp("_lt", func(a, b any) bool { c, ok := compare(a, b); return ok && c < 0 }),
		cmp("_le", func(a, b any) bool { c, ok := compare(a, b); return ok && c <= 0 }),
		cmp("_gt", func(a, b any) bool { c, ok := compare(a, b); return ok && c > 0 }),
		cmp("_ge", func(a, b any) bool { c, ok := compare(a, b); return ok && c >= 0 }),
		arith("_add", func(x, y float64) float64 { return x + y }),
		arith("_sub", func(x, y float64) float64 { return x - y }),
		arith("_mul", func(x, y float64) float64 { return x * y }),
		arith("_div", func(x, y float64) float64 { return x / y }),
		arith("_mod", math.Mod),
		fn("_neg", func(a ...any) any {
			if x, ok := toNumber(a[0]); ok {
				return numberValue(-x)
			}
			return nil
		}),
		expr.Function("_not", func(a ...any) (any, error) { return !truth(a[0]), nil }, new(func(any) bool)),
		expr.Function("_selected", func(a ...any) (any, error) {
			return slices.Contains(strings.Fields(toString(a[0])), strings.TrimSpace(toString(a[1]))), nil
		}, new(func(any, any) bool)),
		fn("_count_selected", func(a ...any) any { return float64(len(strings.Fields(toString(a[0])))) }),
		fn("_if", func(a ...any) any { // replaced by a conditional; kept for the checker
			if truth(a[0]) {
				return a[1]
			}
			return a[2]
		}),
		fn("_coalesce", func(a ...any) any {
			for _, v := range a {
				if toString(v) != "" {
					return v
				}
			}
			return ""
		}),
		fn("_round", func(a ...any) any {
			x, ok := toNumber(a[0])
			if !ok {
				return nil
			}
			digits := 0.0
			if len(a) > 1 {
				d, ok := toNumber(a[1])
				if !ok || d != math.Trunc(d) || d < -15 || d > 15 {
					return nil
				}
				digits = d
			}
			p := math.Pow(10, digits)
			return numberValue(math.Round(x*p) / p)
		}),
		fn("_int", func(a ...any) any {
			if x, ok := toNumber(a[0]); ok {
				return numberValue(math.Trunc(x))
			}
			return nil
		}),
		fn("_string_length", func(a ...any) any { return float64(utf8.RuneCountInString(toString(a[0]))) }),
		expr.Function("_regex", func(a ...any) (any, error) {
			pat := toString(a[1])
			re := e.regexps[pat]
			if re == nil {
				var err error
				if re, err = regexp.Compile(pat); err != nil {
					return nil, fmt.Errorf("regex() pattern does not compile: %w", err)
				}
			}
			return re.MatchString(toString(a[0])), nil
		}, new(func(any, any) bool)),
		fn("_today", func(...any) any { return time.Now().Format("2006-01-02") }),
		fn("_now", func(...any) any { return time.Now().Format("2006-01-02T15:04") }),
		fn("_number", func(a ...any) any {
			if x, ok := toNumber(a[0]); ok {
				return x
			}
			return nil
		}),
		fn("_string", func(a ...any) any { return toString(a[0]) }),
		fn("_concat", func(a ...any) any {
			var b strings.Builder
			for _, v := range a {
				b.WriteString(toString(v))
			}
			return b.String()
		}),
	}
}

// numberValue turns NaN and infinities (division by zero) into no value.
func numberValue(x float64) any {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return nil
	}
	return x
}

// numberRE is what a number looks like: no hexadecimal, no infinities.
var numberRE = regexp.MustCompile(`^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]{1,3})?$`)

// parseNumber parses s as a number when it looks like one (spaces around
// allowed).
func parseNumber(s string) (float64, bool) {
	s = strings.TrimSpace(s)
	if len(s) > 64 || !numberRE.MatchString(s) {
		return 0, false
	}
	x, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsInf(x, 0) {
		return 0, false
	}
	return x, true
}

// toNumber converts a value to a number: numbers, strings that parse as
// numbers, and booleans (1, 0).
func toNumber(v any) (float64, bool) {
	switch v := v.(type) {
	case float64:
		return v, !math.IsNaN(v)
	case int:
		return float64(v), true
	case bool:
		if v {
			return 1, true
		}
		return 0, true
	case string:
		return parseNumber(v)
	}
	return 0, false
}

// toString converts a value to its string form (nothing is "").
func toString(v any) string {
	switch v := v.(type) {
	case nil:
		return ""
	case string:
		return v
	case bool:
		if v {
			return "true"
		}
		return "false"
	case int:
		return strconv.Itoa(v)
	case float64:
		return formatNumber(v)
	}
	return fmt.Sprint(v)
}

// formatNumber writes a number without exponent or trailing zeros.
func formatNumber(x float64) string {
	if x == math.Trunc(x) && math.Abs(x) < 1e15 {
		return strconv.FormatInt(int64(x), 10)
	}
	return strconv.FormatFloat(x, 'f', -1, 64)
}

// Format returns the answer string of a value Eval returned: "" for no
// value, numbers without exponent ("3", "0.25"), booleans as "true" or
// "false".
func Format(v any) string { return toString(v) }

// truth converts a value to a boolean by XPath rules.
func truth(v any) bool {
	switch v := v.(type) {
	case bool:
		return v
	case string:
		return v != ""
	case float64:
		return v != 0 && !math.IsNaN(v)
	case int:
		return v != 0
	}
	return false
}

// equal compares as numbers when both sides are numbers, as truth values
// when one is a boolean, and as strings otherwise.
func equal(a, b any) bool {
	_, ab := a.(bool)
	_, bb := b.(bool)
	if ab || bb {
		return truth(a) == truth(b)
	}
	x, ok1 := toNumber(a)
	y, ok2 := toNumber(b)
	if ok1 && ok2 {
		return x == y
	}
	return toString(a) == toString(b)
}

// compare orders two values: numerically when both are numbers, otherwise
// as strings; ok is false when either side is empty.
func compare(a, b any) (c int, ok bool) {
	x, ok1 := toNumber(a)
	y, ok2 := toNumber(b)
	if ok1 && ok2 {
		switch {
		case x < y:
			return -1, true
		case x > y:
			return 1, true
		}
		return 0, true
	}
	s, t := toString(a), toString(b)
	if s == "" || t == "" {
		return 0, false
	}
	return strings.Compare(s, t), true
}
