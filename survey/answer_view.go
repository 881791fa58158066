package survey

import (
	"strings"

	"govkpi/survey/instrument"
)

// AnswerLine is one answer as a reader sees it: the question's label (and
// the part of it, for a matrix row, a rate's two numbers or a maturity
// question's evidence), the stored value and the value with its choice
// label.
type AnswerLine struct {
	Name    string
	Label   string
	Part    string
	Raw     string
	Display string
	// Continued marks a further part of the question on the line before,
	// which a table need not label again in full.
	Continued bool
}

// AnswerSection is a section's answer lines.
type AnswerSection struct {
	Title string
	Lines []AnswerLine
}

// answerView lays answers out by section in questionnaire order, every
// answer variable with its label; unanswered ones have an empty value.
// Notes, hidden and calculated questions are left out.
func answerView(inst *instrument.Instrument, answers instrument.Answers, lang string, t func(string) string) []AnswerSection {
	var out []AnswerSection
	for _, sec := range inst.Sections {
		as := AnswerSection{Title: sec.Title.In(lang)}
		for _, q := range sec.Questions {
			if q == nil || q.Type == instrument.TypeNote || q.Type == instrument.TypeHidden {
				continue
			}
			for i, v := range q.Variables() {
				as.Lines = append(as.Lines, AnswerLine{Name: v, Label: q.Label.In(lang), Part: answerPart(q, v, lang, t),
					Raw: answers[v], Display: displayAnswer(q, v, answers[v], lang, t), Continued: i > 0})
			}
		}
		if len(as.Lines) > 0 {
			out = append(out, as)
		}
	}
	return out
}

// answerPart names the part of question q that answer name v holds, or ""
// when v is the question's only answer.
func answerPart(q *instrument.Question, v, lang string, t func(string) string) string {
	switch {
	case v == q.Name:
		return ""
	case q.Type == instrument.TypeMaturity:
		return t("review.evidence")
	case q.Type == instrument.TypeRate && v == q.Name+"_num":
		return q.Numerator.In(lang)
	case q.Type == instrument.TypeRate:
		return q.Denominator.In(lang)
	}
	for _, r := range q.Rows {
		if v == q.Name+"_"+r.Name {
			return r.Label.In(lang)
		}
	}
	return v
}

// displayAnswer is value with the labels of its choices or levels.
func displayAnswer(q *instrument.Question, v, value, lang string, t func(string) string) string {
	if value == "" || v != q.Name && q.Type != instrument.TypeMatrix {
		return value
	}
	label := func(c string) string {
		for _, ch := range q.Choices {
			if ch.Value == c {
				return c + " · " + ch.Label.In(lang)
			}
		}
		return c
	}
	switch q.Type {
	case instrument.TypeSingle, instrument.TypeMatrix:
		return label(value)
	case instrument.TypeMultiple:
		var parts []string
		for _, c := range strings.Fields(value) {
			parts = append(parts, label(c))
		}
		return strings.Join(parts, "；")
	case instrument.TypeYesNo:
		if value == "yes" || value == "no" {
			return t("fill." + value)
		}
	case instrument.TypeMaturity:
		if value == "0" {
			return t("fill.unknown")
		}
		for _, l := range q.Levels {
			if itoa(int64(l.Level)) == value {
				return value + " · " + l.Description.In(lang)
			}
		}
	case instrument.TypePercent:
		return value + "%"
	}
	return value
}

// AnswerChange is an answer that differs between two versions.
type AnswerChange struct {
	Section  string
	Line     AnswerLine
	Old, New string
}

// answerChanges lists the answers that differ between old and new, in
// questionnaire order, shown with their labels.
func answerChanges(inst *instrument.Instrument, old, new instrument.Answers, lang string, t func(string) string) []AnswerChange {
	before := answerView(inst, old, lang, t)
	after := answerView(inst, new, lang, t)
	var out []AnswerChange
	for i, sec := range after {
		for j, l := range sec.Lines {
			if o := before[i].Lines[j]; o.Raw != l.Raw {
				out = append(out, AnswerChange{Section: sec.Title, Line: l, Old: o.Display, New: l.Display})
			}
		}
	}
	return out
}
