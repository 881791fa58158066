package survey

import (
	"html/template"
	"strings"

	"govkpi/static"
)

// The questions of a filling page are drawn here rather than in the
// template. A section can hold a hundred questions, and html/template's
// per-action escaping (a reflective call for every value) made their
// markup most of a page's cost; the budget is 1,000 such pages a second.
// Every text and attribute value goes through htmlEscaper (which escapes
// < > & ' " + as html/template does), every attribute is double-quoted, and nothing here
// writes into a script, style or URL context. fill.js relies on this
// markup: fieldset.q[data-q], the field ids and the p.error messages.

// questionsHTML draws the questions of the section.
func questionsHTML(p *static.Page, qs []fillQuestion) template.HTML {
	var b strings.Builder
	b.Grow(len(qs) * 900)
	for i := range qs {
		writeQuestion(&b, p, &qs[i])
	}
	return template.HTML(b.String()) // every value escaped above
}

// htmlEscaper escapes text and double-quoted attribute values as
// html/template does (NUL becomes U+FFFD).
var htmlEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&#34;", "'", "&#39;", "+", "&#43;", "\x00", "\uFFFD")

func writeEsc(b *strings.Builder, parts ...string) {
	for _, s := range parts {
		htmlEscaper.WriteString(b, s)
	}
}

// writeAttr writes ` name="value"` with value escaped.
func writeAttr(b *strings.Builder, name string, value ...string) {
	b.WriteString(" ")
	b.WriteString(name)
	b.WriteString(`="`)
	writeEsc(b, value...)
	b.WriteString(`"`)
}

// writeInvalid marks a control whose message has the id name-error.
func writeInvalid(b *strings.Builder, message, name string) {
	if message != "" {
		b.WriteString(` aria-invalid="true"`)
		writeAttr(b, "aria-describedby", name, "-error")
	}
}

// writeError writes a field's message, with an id when one is given.
func writeError(b *strings.Builder, message, id string) {
	if message == "" {
		return
	}
	b.WriteString(`<p class="error"`)
	if id != "" {
		writeAttr(b, "id", id)
	}
	b.WriteString(">")
	writeEsc(b, message)
	b.WriteString("</p>\n")
}

func writeHint(b *strings.Builder, hint string) {
	if hint != "" {
		b.WriteString(`<p class="hint">`)
		writeEsc(b, hint)
		b.WriteString("</p>\n")
	}
}

func fieldClass(b *strings.Builder, tag string, invalid bool) {
	b.WriteString("<" + tag + ` class="field`)
	if invalid {
		b.WriteString(" invalid")
	}
	b.WriteString(`">`)
}

func writeLegend(b *strings.Builder, q *fillQuestion) {
	b.WriteString("<legend>")
	writeEsc(b, q.Label)
	if q.Q.Required {
		b.WriteString(" *")
	}
	b.WriteString("</legend>\n")
}

func writeQuestion(b *strings.Builder, p *static.Page, q *fillQuestion) {
	n := q.Q.Name
	b.WriteString(`<fieldset class="q"`)
	writeAttr(b, "data-q", n)
	if !q.Relevant {
		b.WriteString(" hidden disabled")
	}
	b.WriteString(">\n")
	switch q.Input {
	case "note":
		b.WriteString(`<div class="field"><p>`)
		writeEsc(b, q.Label)
		b.WriteString("</p>")
		writeHint(b, q.Hint)
		b.WriteString("</div>\n")
	case "radio", "multiple", "maturity":
		fieldClass(b, "fieldset", q.Error != "")
		writeLegend(b, q)
		writeHint(b, q.Hint)
		kind := "radio"
		if q.Input == "multiple" {
			kind = "checkbox"
		}
		for _, o := range q.Options {
			b.WriteString(`<label><input type="` + kind + `"`)
			writeAttr(b, "name", n)
			writeAttr(b, "value", o.Value)
			if o.Checked {
				b.WriteString(" checked")
			}
			b.WriteString("> ")
			writeEsc(b, o.Label)
			b.WriteString("</label>\n")
		}
		writeError(b, q.Error, n+"-error")
		b.WriteString("</fieldset>\n")
		if q.Input == "maturity" {
			ev := n + "_evidence"
			fieldClass(b, "div", q.EvidenceError != "")
			b.WriteString("<label")
			writeAttr(b, "for", ev)
			b.WriteString(">")
			writeEsc(b, p.T("fill.evidence"))
			b.WriteString("</label>\n<textarea")
			writeAttr(b, "id", ev)
			writeAttr(b, "name", ev)
			b.WriteString(` rows="3"`)
			writeInvalid(b, q.EvidenceError, ev)
			b.WriteString(">")
			writeEsc(b, q.Evidence)
			b.WriteString("</textarea>\n")
			writeHint(b, p.T("fill.evidence_hint", q.Q.EvidenceLevel()))
			writeError(b, q.EvidenceError, ev+"-error")
			b.WriteString("</div>\n")
		}
	case "matrix":
		fieldClass(b, "fieldset", q.Error != "")
		writeLegend(b, q)
		writeHint(b, q.Hint)
		b.WriteString(`<div class="table-wrap"><table class="data"><thead><tr><th scope="col"></th>`)
		for _, o := range q.Options {
			b.WriteString(`<th scope="col">`)
			writeEsc(b, o.Label)
			b.WriteString("</th>")
		}
		b.WriteString("</tr></thead>\n<tbody>\n")
		for _, row := range q.Rows {
			b.WriteString(`<tr><th scope="row">`)
			writeEsc(b, row.Label)
			writeError(b, row.Error, "")
			b.WriteString("</th>")
			for _, o := range q.Options {
				b.WriteString(`<td><input type="radio"`)
				writeAttr(b, "name", row.Name)
				writeAttr(b, "value", o.Value)
				writeAttr(b, "aria-label", row.Label, " ", o.Label)
				if o.Value == row.Value {
					b.WriteString(" checked")
				}
				b.WriteString("></td>")
			}
			b.WriteString("</tr>\n")
		}
		b.WriteString("</tbody></table></div>\n")
		writeError(b, q.Error, n+"-error")
		b.WriteString("</fieldset>\n")
	case "rate":
		fieldClass(b, "fieldset", q.Error != "" || q.NumError != "" || q.DenError != "")
		writeLegend(b, q)
		writeHint(b, q.Hint)
		b.WriteString(`<div class="field-row">`)
		for _, part := range []struct{ suffix, label, value, err string }{
			{"_num", q.Q.Numerator.In(p.Lang), q.Num, q.NumError},
			{"_den", q.Q.Denominator.In(p.Lang), q.Den, q.DenError},
		} {
			b.WriteString(`<div class="field"><label`)
			writeAttr(b, "for", n+part.suffix)
			b.WriteString(">")
			writeEsc(b, part.label)
			b.WriteString("</label>\n<input")
			writeAttr(b, "id", n+part.suffix)
			writeAttr(b, "name", n+part.suffix)
			b.WriteString(` type="number" min="0" step="1" inputmode="numeric"`)
			writeAttr(b, "value", part.value)
			b.WriteString(">\n")
			writeError(b, part.err, "")
			b.WriteString("</div>\n")
		}
		b.WriteString("</div>\n")
		writeError(b, q.Error, n+"-error")
		b.WriteString("</fieldset>\n")
	default:
		writeControl(b, q)
	}
	b.WriteString("</fieldset>\n")
}

// writeControl draws a question answered in one control: a text, a number,
// a date or time, a box to tick.
func writeControl(b *strings.Builder, q *fillQuestion) {
	n := q.Q.Name
	fieldClass(b, "div", q.Error != "")
	b.WriteString("<label")
	writeAttr(b, "for", n)
	b.WriteString(">")
	writeEsc(b, q.Label)
	if q.Q.Required {
		b.WriteString(" *")
	}
	b.WriteString("</label>\n")
	open := func(tag string) {
		b.WriteString("<" + tag)
		writeAttr(b, "id", n)
		writeAttr(b, "name", n)
	}
	switch q.Input {
	case "longtext":
		open("textarea")
		b.WriteString(` rows="5"`)
		writeInvalid(b, q.Error, n)
		b.WriteString(">")
		writeEsc(b, q.Value)
		b.WriteString("</textarea>\n")
	case "acknowledge":
		open("input")
		b.WriteString(` type="checkbox" value="OK"`)
		if q.Value == "OK" {
			b.WriteString(" checked")
		}
		b.WriteString(">\n")
	case "number":
		open("input")
		b.WriteString(` type="number"`)
		if q.Min != "" {
			writeAttr(b, "min", q.Min)
		}
		if q.Max != "" {
			writeAttr(b, "max", q.Max)
		}
		step := q.Step
		if step == "" {
			step = "any"
			if q.Q.Type == "integer" {
				step = "1"
			}
		}
		writeAttr(b, "step", step)
		writeAttr(b, "value", q.Value)
		writeInvalid(b, q.Error, n)
		b.WriteString(">\n")
	case "date", "time", "datetime":
		kind := map[string]string{"date": "date", "time": "time", "datetime": "datetime-local"}[q.Input]
		open("input")
		b.WriteString(` type="` + kind + `"`)
		writeAttr(b, "value", q.Value)
		writeInvalid(b, q.Error, n)
		b.WriteString(">\n")
	default:
		open("input")
		writeAttr(b, "value", q.Value)
		b.WriteString(` maxlength="500"`)
		writeInvalid(b, q.Error, n)
		b.WriteString(">\n")
	}
	writeHint(b, q.Hint)
	writeError(b, q.Error, n+"-error")
	b.WriteString("</div>\n")
}
