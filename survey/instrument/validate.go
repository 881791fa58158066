package instrument

import (
	"fmt"
	"math"
	"regexp"
	"slices"
	"strings"
	"sync"
	"unicode"
)

// MaxNameLen is the longest name of a question, row, section or derived
// answer.
const MaxNameLen = 64

// Problem is one thing wrong with an instrument. Where names the place
// (`section "basic", question "sh_total"`, `instrument`, `line 12`), Msg
// says what is wrong.
type Problem struct {
	Where string
	Msg   string
}

func (p Problem) String() string {
	if p.Where == "" {
		return p.Msg
	}
	return p.Where + ": " + p.Msg
}

// Error lists every problem found in an instrument. ReadYAML and Validate
// return it; callers show each Problem on its own line.
type Error struct {
	Problems []Problem
}

func (e *Error) Error() string {
	s := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		s[i] = p.String()
	}
	return "invalid instrument: " + strings.Join(s, "; ")
}

// IsName reports whether s is a valid name: an ASCII letter, then ASCII
// letters, digits or _, at most MaxNameLen characters.
func IsName(s string) bool {
	if s == "" || len(s) > MaxNameLen || !isLetter(rune(s[0])) {
		return false
	}
	for _, r := range s {
		if !isNameChar(r) {
			return false
		}
	}
	return true
}

// knownTypes are the question types of the model.
var knownTypes = map[string]bool{
	TypeSingle: true, TypeMultiple: true, TypeLikert: true, TypeYesNo: true,
	TypeInteger: true, TypeDecimal: true, TypePercent: true, TypeText: true,
	TypeLongText: true, TypeDate: true, TypeTime: true, TypeDateTime: true,
	TypeMatrix: true, TypeRate: true, TypeMaturity: true, TypeNote: true,
	TypeAcknowledge: true, TypeRange: true, TypeCalculate: true, TypeHidden: true,
}

// numberTypes take min, max and step.
var numberTypes = map[string]bool{TypeInteger: true, TypeDecimal: true, TypePercent: true, TypeRange: true}

// validator collects the problems of one instrument.
type validator struct {
	in       *Instrument
	problems []Problem
	// owner of every answer name: the place of the question that declares it
	owner map[string]string
	// questions by name, with their place
	questions map[string]*Question
	where     map[string]string
}

func (v *validator) add(where, format string, args ...any) {
	v.problems = append(v.problems, Problem{Where: where, Msg: fmt.Sprintf(format, args...)})
}

func sectionWhere(i int, s *Section) string {
	if s != nil && s.Code != "" {
		return fmt.Sprintf("section %q", s.Code)
	}
	return fmt.Sprintf("section %d", i+1)
}

func questionWhere(sw string, j int, q *Question) string {
	if q != nil && q.Name != "" {
		return fmt.Sprintf("%s, question %q", sw, q.Name)
	}
	return fmt.Sprintf("%s, question %d", sw, j+1)
}

// Validate checks the instrument as a whole and returns an *Error listing
// every problem found, or nil: code and version, names (valid, unique with
// the names of matrix rows, rate parts and maturity evidence), types,
// choices, scales, maturity levels, bounds, patterns and expressions (they
// compile, name questions that exist, and calculations do not depend on
// themselves).
func (in *Instrument) Validate() error {
	v := &validator{in: in, owner: map[string]string{}, questions: map[string]*Question{}, where: map[string]string{}}
	if strings.TrimSpace(in.Code) == "" {
		v.add("instrument", "code is missing")
	}
	if strings.TrimSpace(in.Version) == "" {
		v.add("instrument", "version is missing")
	}
	if in.Title.IsZero() {
		v.add("instrument", "title is missing")
	}
	if len(in.Sections) == 0 {
		v.add("instrument", "no sections")
	}
	// First pass: names, so that expressions can be checked against all of
	// them (a relevance may name a question of a later section).
	codes := map[string]bool{}
	for i, s := range in.Sections {
		sw := sectionWhere(i, s)
		if s == nil {
			v.add(sw, "section is empty")
			continue
		}
		switch {
		case s.Code == "":
			v.add(sw, "section code is missing")
		case !IsName(s.Code):
			v.add(sw, "section code %q is not a valid name (an ASCII letter, then letters, digits or _, at most %d)", s.Code, MaxNameLen)
		case codes[s.Code]:
			v.add(sw, "duplicate section code %q", s.Code)
		}
		codes[s.Code] = true
		if s.Title.IsZero() {
			v.add(sw, "section title is missing")
		}
		if len(s.Questions) == 0 {
			v.add(sw, "section has no questions")
		}
		for j, q := range s.Questions {
			qw := questionWhere(sw, j, q)
			if q == nil {
				v.add(qw, "question is empty")
				continue
			}
			v.names(qw, q)
		}
	}
	for i, s := range in.Sections {
		if s == nil {
			continue
		}
		sw := sectionWhere(i, s)
		if s.Relevant != "" {
			v.expression(sw, "relevant", s.Relevant, nil, false)
		}
		for j, q := range s.Questions {
			if q != nil {
				v.question(questionWhere(sw, j, q), q)
			}
		}
	}
	v.cycles()
	if len(v.problems) > 0 {
		return &Error{Problems: v.problems}
	}
	return nil
}

// names checks the name of q and of the answers derived from it.
func (v *validator) names(qw string, q *Question) {
	if q.Name == "" {
		v.add(qw, "name is missing")
		return
	}
	if !IsName(q.Name) {
		v.add(qw, "name %q is not a valid name (an ASCII letter, then letters, digits or _, at most %d)", q.Name, MaxNameLen)
		return
	}
	claim := func(name, what string) {
		if prev, ok := v.owner[name]; ok {
			v.add(qw, "duplicate name %q%s (already used by %s)", name, what, prev)
			return
		}
		v.owner[name] = qw
	}
	claim(q.Name, "")
	if _, ok := v.questions[q.Name]; !ok {
		v.questions[q.Name] = q
		v.where[q.Name] = qw
	}
	if q.Type == TypeMatrix {
		rows := map[string]bool{}
		for k, r := range q.Rows {
			switch {
			case r.Name == "":
				v.add(qw, "row %d has no name", k+1)
				continue
			case !isNameTail(r.Name):
				v.add(qw, "row name %q is not valid (letters, digits or _)", r.Name)
				continue
			case rows[r.Name]:
				v.add(qw, "duplicate row %q", r.Name)
				continue
			}
			rows[r.Name] = true
		}
	}
	for _, d := range q.derived() {
		if len(d) > MaxNameLen {
			v.add(qw, "derived name %q is longer than %d characters", d, MaxNameLen)
			continue
		}
		if d != q.Name {
			claim(d, fmt.Sprintf(" (derived from %q)", q.Name))
		}
	}
}

// isNameTail reports whether s may follow "<name>_": letters, digits or _.
func isNameTail(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if !isNameChar(r) {
			return false
		}
	}
	return true
}

// derived returns the answer names derived from q's name (matrix rows, rate
// parts, maturity evidence).
func (q *Question) derived() []string {
	var out []string
	switch q.Type {
	case TypeMatrix:
		seen := map[string]bool{}
		for _, r := range q.Rows {
			if isNameTail(r.Name) && !seen[r.Name] {
				seen[r.Name] = true
				out = append(out, q.Name+"_"+r.Name)
			}
		}
	case TypeRate:
		out = append(out, q.Name+"_num", q.Name+"_den")
	case TypeMaturity:
		out = append(out, q.Name+"_evidence")
	}
	return out
}

// question checks one question other than its name.
func (v *validator) question(qw string, q *Question) {
	if !knownTypes[q.Type] {
		if q.Type == "" {
			v.add(qw, "type is missing")
		} else {
			v.add(qw, "unknown type %q", q.Type)
		}
		return
	}
	visible := q.Type != TypeCalculate && q.Type != TypeHidden
	if visible && q.Label.IsZero() && q.Hint.IsZero() {
		v.add(qw, "label is missing")
	}
	if q.Required && (q.Type == TypeNote || q.Type == TypeCalculate) {
		v.add(qw, "a %s has no answer to require", q.Type)
	}
	v.choices(qw, q)
	if len(q.Rows) > 0 && q.Type != TypeMatrix {
		v.add(qw, "rows apply only to matrix questions")
	}
	if q.Type == TypeMatrix && len(q.Rows) == 0 {
		v.add(qw, "matrix has no rows")
	}
	if q.Scale != 0 && q.Type != TypeLikert {
		v.add(qw, "scale applies only to likert questions")
	}
	if q.Type == TypeLikert && q.Scale != 0 && (q.Scale < 2 || q.Scale > 11) {
		v.add(qw, "likert scale %d is out of range 2..11", q.Scale)
	}
	v.maturity(qw, q)
	v.bounds(qw, q)
	if q.Pattern != "" {
		if q.Type != TypeText && q.Type != TypeLongText {
			v.add(qw, "pattern applies only to text questions")
		} else if _, err := compilePattern(q.Pattern); err != nil {
			v.add(qw, "pattern does not compile: %v", err)
		}
	}
	if q.Default != "" && visible && q.Type != TypeNote {
		if !utfClean(q.Default) {
			v.add(qw, "default contains invalid characters")
		} else if key, args := q.checkFormat(q.Default, nil); key != "" {
			v.add(qw, "default %q is not a valid answer (%s)", q.Default, message("en", key, args...))
		}
	}
	if q.Relevant != "" {
		v.expression(qw, "relevant", q.Relevant, q, false)
	}
	if q.Constraint != "" {
		if q.Type == TypeNote || q.Type == TypeCalculate {
			v.add(qw, "a %s cannot have a constraint", q.Type)
		}
		v.expression(qw, "constraint", q.Constraint, q, false)
	}
	if q.Type == TypeCalculate {
		if q.Calculation == "" {
			v.add(qw, "calculation is missing")
		} else {
			v.expression(qw, "calculation", q.Calculation, q, false)
		}
	} else if q.Calculation != "" {
		v.add(qw, "calculation applies only to calculate questions")
	}
	if q.ChoiceFilter != "" {
		if q.Type != TypeSingle && q.Type != TypeMultiple {
			v.add(qw, "choice_filter applies only to single and multiple questions")
		}
		v.expression(qw, "choice_filter", q.ChoiceFilter, q, true)
	}
}

// choices checks the choices of single, multiple and matrix questions.
func (v *validator) choices(qw string, q *Question) {
	needs := q.Type == TypeSingle || q.Type == TypeMultiple || q.Type == TypeMatrix
	if !needs {
		if len(q.Choices) > 0 {
			v.add(qw, "choices apply only to single, multiple and matrix questions")
		}
		return
	}
	if len(q.Choices) == 0 {
		v.add(qw, "no choices")
		return
	}
	seen := map[string]bool{}
	for k, c := range q.Choices {
		switch {
		case c.Value == "":
			v.add(qw, "choice %d has no value", k+1)
		case strings.IndexFunc(c.Value, unicode.IsSpace) >= 0:
			v.add(qw, "choice value %q contains a space", c.Value)
		case !utfClean(c.Value) || len(c.Value) > 200:
			v.add(qw, "choice value %q is not valid", c.Value)
		case seen[c.Value]:
			v.add(qw, "duplicate choice value %q", c.Value)
		}
		seen[c.Value] = true
	}
}

// maturity checks levels and evidence_from.
func (v *validator) maturity(qw string, q *Question) {
	if q.Type != TypeMaturity {
		if len(q.Levels) > 0 {
			v.add(qw, "levels apply only to maturity questions")
		}
		if q.EvidenceFrom != 0 {
			v.add(qw, "evidence_from applies only to maturity questions")
		}
		return
	}
	seen := map[int]bool{}
	for _, l := range q.Levels {
		switch {
		case l.Level < 1 || l.Level > 5:
			v.add(qw, "maturity level %d is out of range 1..5", l.Level)
			continue
		case seen[l.Level]:
			v.add(qw, "duplicate maturity level %d", l.Level)
			continue
		}
		seen[l.Level] = true
		if l.Description.IsZero() {
			v.add(qw, "maturity level %d has no description", l.Level)
		}
	}
	for l := 1; l <= 5; l++ {
		if !seen[l] {
			v.add(qw, "maturity level %d is missing (levels 1..5 are needed)", l)
		}
	}
	if q.EvidenceFrom != 0 && (q.EvidenceFrom < 1 || q.EvidenceFrom > 5) {
		v.add(qw, "evidence_from %d is out of range 1..5", q.EvidenceFrom)
	}
}

// bounds checks min, max and step.
func (v *validator) bounds(qw string, q *Question) {
	if (q.Min != nil || q.Max != nil || q.Step != nil) && !numberTypes[q.Type] {
		v.add(qw, "min, max and step apply only to integer, decimal, percent and range questions")
		return
	}
	for _, b := range []*float64{q.Min, q.Max, q.Step} {
		if b != nil && (math.IsNaN(*b) || math.IsInf(*b, 0)) {
			v.add(qw, "min, max and step must be finite numbers")
			return
		}
	}
	if q.Min != nil && q.Max != nil && *q.Min > *q.Max {
		v.add(qw, "min %s is greater than max %s", formatNumber(*q.Min), formatNumber(*q.Max))
	}
	if q.Step != nil && *q.Step <= 0 {
		v.add(qw, "step %s must be greater than 0", formatNumber(*q.Step))
	}
	if q.Type == TypeInteger {
		for _, b := range []*float64{q.Min, q.Max, q.Step} {
			if b != nil && *b != math.Trunc(*b) {
				v.add(qw, "min, max and step of an integer question must be whole numbers")
				break
			}
		}
	}
	if q.Type == TypeRange {
		lo, hi, _ := q.rangeBounds()
		if lo > hi {
			v.add(qw, "range min %s is greater than max %s", formatNumber(lo), formatNumber(hi))
		}
	}
}

// expression checks that an expression compiles and names only answers
// that exist. q is the question it belongs to (nil for a section).
func (v *validator) expression(where, field, src string, q *Question, choiceFilter bool) {
	e, err := compile(src, choiceFilter)
	if err != nil {
		v.add(where, "%s does not compile: %v", field, err)
		return
	}
	for _, n := range e.Names() {
		owner, ok := v.questions[n]
		switch {
		case !ok:
			if _, derived := v.owner[n]; !derived {
				v.add(where, "%s names unknown question %q", field, n)
			}
		case owner.Type == TypeNote || owner.Type == TypeRate || owner.Type == TypeMatrix:
			v.add(where, "%s names %q, a %s question without an answer of its own", field, n, owner.Type)
		case q != nil && n == q.Name && (field == "relevant" || field == "choice_filter"):
			v.add(where, "%s names the question itself", field)
		}
	}
	if e.UsesSelf() {
		switch {
		case q == nil:
			v.add(where, "%s uses \".\" but a section has no answer", field)
		case field == "constraint" && (q.Type == TypeMatrix || q.Type == TypeRate):
			v.add(where, "constraint uses \".\" but a %s question has no single answer; name its parts", q.Type)
		case field == "relevant" || field == "calculation":
			v.add(where, "%s uses \".\", the question itself", field)
		}
	}
	if choiceFilter && q != nil {
		for _, c := range e.Columns() {
			if c == "name" {
				continue
			}
			found := false
			for _, ch := range q.Choices {
				if _, ok := ch.Filter[c]; ok {
					found = true
					break
				}
			}
			if !found {
				v.add(where, "choice_filter names column %q that no choice has", c)
			}
		}
	}
}

// cycles reports calculations that depend on themselves.
func (v *validator) cycles() {
	_, cyclic := v.in.calcOrder()
	for _, cyc := range cyclic {
		v.add(v.where[cyc[0]], "calculation cycle: %s", strings.Join(cyc, " → "))
	}
}

// calcOrder returns the calculate questions in an order where each comes
// after the calculations it uses, and the cycles that prevent an order
// (each as the names along it, first repeated at the end). Questions on a
// cycle are left out of the order.
func (in *Instrument) calcOrder() (order []*Question, cycles [][]string) {
	calcs := map[string]*Question{}
	var names []string
	for _, s := range in.Sections {
		if s == nil {
			continue
		}
		for _, q := range s.Questions {
			if q != nil && q.Type == TypeCalculate && q.Calculation != "" {
				if _, dup := calcs[q.Name]; !dup {
					calcs[q.Name] = q
					names = append(names, q.Name)
				}
			}
		}
	}
	deps := func(q *Question) []string {
		e, err := compiled(q.Calculation, false)
		if err != nil {
			return nil
		}
		var d []string
		for _, n := range e.Names() {
			if _, ok := calcs[n]; ok {
				d = append(d, n)
			}
		}
		return d
	}
	const (
		unseen = iota
		active
		done
	)
	state := map[string]int{}
	onCycle := map[string]bool{}
	var stack []string
	var visit func(n string)
	visit = func(n string) {
		state[n] = active
		stack = append(stack, n)
		for _, d := range deps(calcs[n]) {
			switch state[d] {
			case unseen:
				visit(d)
			case active:
				i := slices.Index(stack, d)
				cyc := append(slices.Clone(stack[i:]), d)
				cycles = append(cycles, cyc)
				for _, c := range stack[i:] {
					onCycle[c] = true
				}
			}
		}
		stack = stack[:len(stack)-1]
		state[n] = done
		order = append(order, calcs[n])
	}
	for _, n := range names {
		if state[n] == unseen {
			visit(n)
		}
	}
	// A calculation that uses one on a cycle cannot be ordered either.
	blocked := func(q *Question) bool {
		for _, d := range deps(q) {
			if onCycle[d] {
				return true
			}
		}
		return false
	}
	changed := true
	for changed {
		changed = false
		for _, q := range order {
			if !onCycle[q.Name] && blocked(q) {
				onCycle[q.Name] = true
				changed = true
			}
		}
	}
	order = slices.DeleteFunc(order, func(q *Question) bool { return onCycle[q.Name] })
	return order, cycles
}

// patterns memoises compiled question patterns, like cache does
// expressions.
var patterns = struct {
	sync.RWMutex
	m map[string]*regexp.Regexp
}{m: map[string]*regexp.Regexp{}}

// compilePattern compiles a question's pattern; the whole answer must match.
func compilePattern(p string) (*regexp.Regexp, error) {
	patterns.RLock()
	re, ok := patterns.m[p]
	patterns.RUnlock()
	if ok {
		return re, nil
	}
	if _, err := regexp.Compile(p); err != nil {
		return nil, err
	}
	re, err := regexp.Compile(`^(?:` + p + `)$`)
	if err != nil {
		return nil, err
	}
	patterns.Lock()
	if len(patterns.m) >= cacheMax {
		clear(patterns.m)
	}
	patterns.m[p] = re
	patterns.Unlock()
	return re, nil
}
