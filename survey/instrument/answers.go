package instrument

import (
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Answers holds the answers of one response by answer name (see
// Variables). Every answer is a string: numbers as typed (after Normalize),
// the values of a multiple choice separated by spaces as in XLSForm, dates
// YYYY-MM-DD, times HH:MM. A missing answer and "" mean the same.
type Answers map[string]string

// Limits of text answers, in characters.
const (
	MaxTextLen     = 500
	MaxLongTextLen = 10000
)

// AcknowledgeValue is the answer of a ticked acknowledge question.
const AcknowledgeValue = "OK"

// Default evidence threshold and likert scale.
const (
	DefaultEvidenceFrom = 3
	DefaultScale        = 5
)

// Variables returns the answer names of q: its name, or for a matrix
// <name>_<row> per row, for a rate <name>_num and <name>_den, for a
// maturity question <name> and <name>_evidence; none for a note.
func (q *Question) Variables() []string {
	switch q.Type {
	case TypeNote:
		return nil
	case TypeMatrix, TypeRate:
		return q.derived()
	case TypeMaturity:
		return []string{q.Name, q.Name + "_evidence"}
	}
	return []string{q.Name}
}

// EvidenceLevel returns the maturity level from which evidence is required.
func (q *Question) EvidenceLevel() int {
	if q.EvidenceFrom == 0 {
		return DefaultEvidenceFrom
	}
	return q.EvidenceFrom
}

// Points returns the number of points of a likert question.
func (q *Question) Points() int {
	if q.Scale == 0 {
		return DefaultScale
	}
	return q.Scale
}

// rangeBounds returns min, max and step of a range question (XLSForm
// defaults 0, 10, 1).
func (q *Question) rangeBounds() (lo, hi, step float64) {
	lo, hi, step = 0, 10, 1
	if q.Min != nil {
		lo = *q.Min
	}
	if q.Max != nil {
		hi = *q.Max
	}
	if q.Step != nil {
		step = *q.Step
	}
	return lo, hi, step
}

// Variables returns every answer name of the instrument in order,
// including the names derived from matrix, rate and maturity questions.
func (in *Instrument) Variables() []string {
	var out []string
	in.each(func(_ *Section, q *Question) { out = append(out, q.Variables()...) })
	return out
}

// QuestionCount returns the number of questions of the instrument (every
// item, notes and calculations included).
func (in *Instrument) QuestionCount() int {
	n := 0
	in.each(func(*Section, *Question) { n++ })
	return n
}

// Question returns the question named name, or nil.
func (in *Instrument) Question(name string) *Question {
	var found *Question
	in.each(func(_ *Section, q *Question) {
		if found == nil && q.Name == name {
			found = q
		}
	})
	return found
}

// each calls f for every question in order.
func (in *Instrument) each(f func(*Section, *Question)) {
	for _, s := range in.Sections {
		if s == nil {
			continue
		}
		for _, q := range s.Questions {
			if q != nil {
				f(s, q)
			}
		}
	}
}

// Relevant reports, by question name, which questions apply to answers a:
// a section's relevance ANDs into its questions. Questions are taken in
// order and the answers of a question found not relevant are ignored by
// the relevance of the questions after it. An expression that cannot be
// evaluated counts as relevant, so that nothing is dropped on an error.
func (in *Instrument) Relevant(a Answers) map[string]bool {
	rel := map[string]bool{}
	work := a
	copied := false
	holds := func(src, self string) bool {
		if src == "" {
			return true
		}
		e, err := compiled(src, false)
		if err != nil {
			return true
		}
		ok, err := e.Bool(work, self)
		return ok || err != nil
	}
	for _, s := range in.Sections {
		if s == nil {
			continue
		}
		shown := holds(s.Relevant, "")
		for _, q := range s.Questions {
			if q == nil {
				continue
			}
			ok := shown && holds(q.Relevant, q.Name)
			rel[q.Name] = ok
			if ok {
				continue
			}
			for _, v := range q.Variables() {
				if _, has := work[v]; !has {
					continue
				}
				if !copied {
					work = copyAnswers(a)
					copied = true
				}
				delete(work, v)
			}
		}
	}
	return rel
}

func copyAnswers(a Answers) Answers {
	out := make(Answers, len(a))
	for k, v := range a {
		out[k] = v
	}
	return out
}

// Clean returns the answers to keep: those of relevant questions, without
// unknown names and empty values.
func (in *Instrument) Clean(a Answers) Answers {
	rel := in.Relevant(a)
	out := Answers{}
	in.each(func(_ *Section, q *Question) {
		if !rel[q.Name] {
			return
		}
		for _, v := range q.Variables() {
			if s, ok := a[v]; ok && s != "" {
				out[v] = s
			}
		}
	})
	return out
}

// Calculate returns a copy of a with hidden questions set to their Default
// when empty and every calculation computed, each after the calculations
// it uses. A calculation without a value (or on a cycle) is removed.
func (in *Instrument) Calculate(a Answers) Answers {
	out := copyAnswers(a)
	in.each(func(_ *Section, q *Question) {
		if q.Type == TypeHidden && out[q.Name] == "" && q.Default != "" {
			out[q.Name] = q.Default
		}
		if q.Type == TypeCalculate {
			delete(out, q.Name)
		}
	})
	order, _ := in.calcOrder()
	for _, q := range order {
		e, err := compiled(q.Calculation, false)
		if err != nil {
			continue
		}
		v, err := e.Eval(out, q.Name)
		if s := Format(v); err == nil && s != "" {
			out[q.Name] = s
		}
	}
	return out
}

// Settle returns the answers to store: Clean, then Calculate over the
// relevant answers, then Clean again (a calculation may change what is
// relevant).
func (in *Instrument) Settle(a Answers) Answers {
	return in.Clean(in.Calculate(in.Clean(a)))
}

// Defaults returns the default answers of the questions that have one,
// to fill a new response.
func (in *Instrument) Defaults() Answers {
	out := Answers{}
	in.each(func(_ *Section, q *Question) {
		if q.Default != "" && q.Type != TypeCalculate && q.Type != TypeNote {
			out[q.Name] = q.Default
		}
	})
	return out
}

// FilterChoices returns the choices of q that its choice_filter keeps for
// answers a (all of them without a filter, or when the filter fails).
func (q *Question) FilterChoices(a Answers) []Choice {
	if q.ChoiceFilter == "" {
		return q.Choices
	}
	e, err := compiled(q.ChoiceFilter, true)
	if err != nil {
		return q.Choices
	}
	var out []Choice
	for _, c := range q.Choices {
		ok, err := e.EvalChoice(a, c)
		if ok || err != nil {
			out = append(out, c)
		}
	}
	return out
}

// Check returns the problems of answers a by answer name (a question's
// name for problems of the question as a whole, such as a rate's
// numerator greater than its denominator), in lang ("en" or Chinese). Only
// relevant questions are checked. Every answer given is checked for its
// format, bounds, pattern and constraint; when final is true, required
// answers (and the evidence of a maturity level from EvidenceFrom up) must
// be present too, while drafts may leave them empty. The question's own
// required, constraint and pattern messages replace the built-in ones.
func (in *Instrument) Check(a Answers, lang string, final bool) map[string]string {
	out := map[string]string{}
	rel := in.Relevant(a)
	in.each(func(_ *Section, q *Question) {
		if rel[q.Name] {
			q.check(a, lang, final, out)
		}
	})
	return out
}

func blank(s string) bool { return strings.TrimSpace(s) == "" }

// check adds the problems of q's answers to out.
func (q *Question) check(a Answers, lang string, final bool, out map[string]string) {
	required := func(name string) {
		if !q.RequiredMessage.IsZero() {
			out[name] = q.RequiredMessage.In(lang)
		} else {
			out[name] = message(lang, msgRequired)
		}
	}
	switch q.Type {
	case TypeNote, TypeCalculate:
		return
	case TypeMatrix:
		answered, wrong := false, false
		for _, v := range q.Variables() {
			s := a[v]
			if blank(s) {
				if final && q.Required {
					required(v)
				}
				continue
			}
			answered = true
			if !q.hasChoice(a, strings.TrimSpace(s)) {
				out[v] = message(lang, msgChoice)
				wrong = true
			}
		}
		if answered && !wrong {
			q.constraint(a, "", lang, q.Name, out)
		}
		return
	case TypeRate:
		num, den := q.Name+"_num", q.Name+"_den"
		var vals [2]float64
		okBoth := true
		for i, v := range []string{num, den} {
			s := a[v]
			if blank(s) {
				okBoth = false
				if final && q.Required {
					required(v)
				}
				continue
			}
			x, ok := parseInteger(s)
			if !ok || x < 0 {
				okBoth = false
				out[v] = message(lang, msgRateNumber)
				continue
			}
			vals[i] = x
		}
		if final && !q.Required && blank(a[num]) != blank(a[den]) {
			out[q.Name] = message(lang, msgRateBoth)
		}
		if okBoth {
			if vals[0] > vals[1] {
				out[q.Name] = message(lang, msgRateOrder)
				return
			}
			q.constraint(a, "", lang, q.Name, out)
		}
		return
	case TypeMaturity:
		ev := q.Name + "_evidence"
		if s := a[ev]; s != "" {
			if key, args := textCheck(s, MaxLongTextLen); key != "" {
				out[ev] = message(lang, key, args...)
			}
		}
		level, ok := parseInteger(a[q.Name])
		if final && ok && level >= float64(q.EvidenceLevel()) && blank(a[ev]) {
			out[ev] = message(lang, msgEvidence, q.EvidenceLevel())
		}
	}
	s := a[q.Name]
	if blank(s) {
		if final && q.Required {
			required(q.Name)
		}
		return
	}
	if key, args := q.checkFormat(s, a); key != "" {
		if key == msgPattern && !q.PatternMessage.IsZero() {
			out[q.Name] = q.PatternMessage.In(lang)
		} else {
			out[q.Name] = message(lang, key, args...)
		}
		return
	}
	q.constraint(a, q.Name, lang, q.Name, out)
}

// constraint evaluates q's constraint ("." is the answer self) and records
// its message under key when it does not hold.
func (q *Question) constraint(a Answers, self, lang, key string, out map[string]string) {
	if q.Constraint == "" {
		return
	}
	e, err := compiled(q.Constraint, false)
	ok := false
	if err == nil {
		ok, err = e.Bool(a, self)
	}
	if ok && err == nil {
		return
	}
	if !q.ConstraintMessage.IsZero() {
		out[key] = q.ConstraintMessage.In(lang)
	} else {
		out[key] = message(lang, msgConstraint)
	}
}

// hasChoice reports whether value is one of q's choices for answers a
// (after its choice filter; a nil a skips the filter).
func (q *Question) hasChoice(a Answers, value string) bool {
	choices := q.Choices
	if a != nil {
		choices = q.FilterChoices(a)
	}
	for _, c := range choices {
		if c.Value == value {
			return true
		}
	}
	return false
}

var (
	integerRE  = regexp.MustCompile(`^[+-]?[0-9]{1,18}$`)
	timeRE     = regexp.MustCompile(`^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9])?$`)
	dateTimeRE = regexp.MustCompile(`^([0-9]{4}-[0-9]{2}-[0-9]{2})T(.*)$`)
)

// parseInteger parses a whole number (spaces around allowed).
func parseInteger(s string) (float64, bool) {
	s = strings.TrimSpace(s)
	if !integerRE.MatchString(s) {
		return 0, false
	}
	x, err := strconv.ParseInt(s, 10, 64)
	return float64(x), err == nil
}

// utfClean reports whether s is valid UTF-8 without NUL.
func utfClean(s string) bool {
	return utf8.ValidString(s) && !strings.ContainsRune(s, 0)
}

// textCheck checks a text answer: valid UTF-8, no NUL, at most max
// characters.
func textCheck(s string, max int) (string, []any) {
	if !utfClean(s) {
		return msgInvalidText, nil
	}
	if utf8.RuneCountInString(s) > max {
		return msgTooLong, []any{max}
	}
	return "", nil
}

func isDate(s string) bool {
	if len(s) != 10 {
		return false
	}
	_, err := time.Parse("2006-01-02", s)
	return err == nil
}

// checkFormat checks one answer of q (present, not blank) and returns the
// key and arguments of the message of the first problem, or "". a gives
// the other answers for a choice filter (nil: no filtering).
func (q *Question) checkFormat(s string, a Answers) (string, []any) {
	t := strings.TrimSpace(s)
	switch q.Type {
	case TypeText, TypeHidden:
		if key, args := textCheck(s, MaxTextLen); key != "" {
			return key, args
		}
		return q.checkPattern(s)
	case TypeLongText:
		if key, args := textCheck(s, MaxLongTextLen); key != "" {
			return key, args
		}
		return q.checkPattern(s)
	case TypeSingle:
		if !q.hasChoice(a, t) {
			return msgChoice, nil
		}
	case TypeMultiple:
		seen := map[string]bool{}
		for _, v := range strings.Fields(t) {
			if !q.hasChoice(a, v) {
				return msgChoice, nil
			}
			if seen[v] {
				return msgChoiceTwice, nil
			}
			seen[v] = true
		}
	case TypeLikert:
		x, ok := parseInteger(t)
		if !ok || x < 1 || x > float64(q.Points()) {
			return msgLikert, []any{q.Points()}
		}
	case TypeYesNo:
		if t != "yes" && t != "no" {
			return msgYesNo, nil
		}
	case TypeAcknowledge:
		if t != AcknowledgeValue {
			return msgAcknowledge, nil
		}
	case TypeMaturity:
		x, ok := parseInteger(t)
		if !ok || x < 0 || x > 5 {
			return msgMaturity, nil
		}
	case TypeDate:
		if !isDate(t) {
			return msgDate, nil
		}
	case TypeTime:
		if !timeRE.MatchString(t) {
			return msgTime, nil
		}
	case TypeDateTime:
		m := dateTimeRE.FindStringSubmatch(t)
		if m == nil || !isDate(m[1]) || !timeRE.MatchString(m[2]) {
			return msgDateTime, nil
		}
	case TypeInteger:
		x, ok := parseInteger(t)
		if !ok {
			return msgInteger, nil
		}
		return q.checkBounds(x, q.Min, q.Max)
	case TypeDecimal:
		x, ok := parseNumber(t)
		if !ok {
			return msgNumber, nil
		}
		return q.checkBounds(x, q.Min, q.Max)
	case TypePercent:
		x, ok := parseNumber(t)
		if !ok {
			return msgNumber, nil
		}
		if x < 0 || x > 100 {
			return msgPercent, nil
		}
		return q.checkBounds(x, q.Min, q.Max)
	case TypeRange:
		x, ok := parseNumber(t)
		if !ok {
			return msgNumber, nil
		}
		lo, hi, step := q.rangeBounds()
		if key, args := q.checkBounds(x, &lo, &hi); key != "" {
			return key, args
		}
		if step > 0 {
			n := (x - lo) / step
			if math.Abs(n-math.Round(n)) > 1e-9 {
				return msgStep, []any{formatNumber(step)}
			}
		}
	}
	return "", nil
}

// checkBounds checks a number against min, max and q's step (counted
// from min, or 0).
func (q *Question) checkBounds(x float64, lo, hi *float64) (string, []any) {
	if lo != nil && x < *lo {
		return msgMin, []any{formatNumber(*lo)}
	}
	if hi != nil && x > *hi {
		return msgMax, []any{formatNumber(*hi)}
	}
	if q.Step != nil && *q.Step > 0 && q.Type != TypeRange {
		base := 0.0
		if lo != nil {
			base = *lo
		}
		n := (x - base) / *q.Step
		if math.Abs(n-math.Round(n)) > 1e-9 {
			return msgStep, []any{formatNumber(*q.Step)}
		}
	}
	return "", nil
}

// checkPattern matches a text answer against q's pattern (the whole answer).
func (q *Question) checkPattern(s string) (string, []any) {
	if q.Pattern == "" {
		return "", nil
	}
	re, err := compilePattern(q.Pattern)
	if err != nil || !re.MatchString(s) {
		return msgPattern, nil
	}
	return "", nil
}

// fullWidth maps full-width digits and signs, as typed with a Chinese input
// method, to ASCII.
var fullWidth = strings.NewReplacer(
	"０", "0", "１", "1", "２", "2", "３", "3", "４", "4",
	"５", "5", "６", "6", "７", "7", "８", "8", "９", "9",
	"．", ".", "－", "-", "＋", "+", "：", ":", "。", ".",
)

// thousandsRE matches a number with thousands separators: 1,234,567.5.
var thousandsRE = regexp.MustCompile(`^[+-]?[0-9]{1,3}(,[0-9]{3})+(\.[0-9]+)?$`)

// Normalize returns a copy of a with answers put in their stored form:
// spaces around choices, numbers, dates and times removed, full-width
// digits and thousands separators of numbers converted, "/" in dates and
// a space in date-times accepted, the values of a multiple choice
// separated by single spaces. Text is kept as typed. Answers that do not
// take such a form are left for Check to refuse.
func (in *Instrument) Normalize(a Answers) Answers {
	out := copyAnswers(a)
	number := func(k string) {
		s, ok := out[k]
		if !ok {
			return
		}
		s = strings.TrimSpace(fullWidth.Replace(s))
		if thousandsRE.MatchString(s) {
			s = strings.ReplaceAll(s, ",", "")
		}
		out[k] = s
	}
	trim := func(k string) {
		if s, ok := out[k]; ok {
			out[k] = strings.TrimSpace(s)
		}
	}
	in.each(func(_ *Section, q *Question) {
		switch q.Type {
		case TypeInteger, TypeDecimal, TypePercent, TypeRange, TypeLikert:
			number(q.Name)
		case TypeRate:
			number(q.Name + "_num")
			number(q.Name + "_den")
		case TypeMaturity:
			number(q.Name)
		case TypeSingle, TypeYesNo, TypeAcknowledge:
			trim(q.Name)
		case TypeMatrix:
			for _, v := range q.Variables() {
				trim(v)
			}
		case TypeMultiple:
			if s, ok := out[q.Name]; ok {
				out[q.Name] = strings.Join(strings.Fields(s), " ")
			}
		case TypeDate, TypeTime, TypeDateTime:
			s, ok := out[q.Name]
			if !ok {
				return
			}
			s = strings.TrimSpace(fullWidth.Replace(s))
			out[q.Name] = normalizeDateTime(q.Type, s)
		}
	})
	return out
}

// normalizeDateTime turns 2026/1/5, 2026-1-5 and "2026-01-05 9:30" into ISO
// form; anything else is returned unchanged.
func normalizeDateTime(typ, s string) string {
	switch typ {
	case TypeDate:
		for _, layout := range []string{"2006-1-2", "2006/1/2"} {
			if d, err := time.Parse(layout, s); err == nil {
				return d.Format("2006-01-02")
			}
		}
	case TypeTime:
		for _, layout := range []string{"15:04", "15:04:05"} {
			if d, err := time.Parse(layout, s); err == nil {
				return d.Format("15:04")
			}
		}
	case TypeDateTime:
		for _, layout := range []string{"2006-1-2T15:04", "2006-1-2 15:04", "2006/1/2 15:04", "2006-1-2T15:04:05", "2006-1-2 15:04:05"} {
			if d, err := time.Parse(layout, s); err == nil {
				return d.Format("2006-01-02T15:04")
			}
		}
	}
	return s
}
