package survey

import (
	"strings"
	"testing"

	"govkpi/static"
	"govkpi/survey/instrument"
)

// The questions are drawn in Go, not by html/template: every label, hint,
// value, message and name must still come out as inert text.
func TestQuestionsHTMLEscapes(t *testing.T) {
	cat, err := static.NewCatalogue()
	if err != nil {
		t.Fatal(err)
	}
	r, err := static.NewRenderer(cat, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	p := r.NewPage("zh-CN")
	hostile := `</textarea><script>alert(1)</script>" onfocus="x'+`
	label := instrument.Text{Zh: hostile}
	var qs []fillQuestion
	for _, typ := range []string{"radio", "multiple", "maturity", "matrix", "rate", "longtext", "number", "date", "text", "note", "acknowledge"} {
		q := &instrument.Question{Name: "q_" + typ, Type: typ, Label: label, Numerator: label, Denominator: label}
		qs = append(qs, fillQuestion{Q: q, Input: typ, Label: hostile, Hint: hostile, Value: hostile, Error: hostile,
			Evidence: hostile, EvidenceError: hostile, Num: hostile, Den: hostile, NumError: hostile, DenError: hostile, Min: hostile,
			Options: []fillOption{{Value: hostile, Label: hostile}}, Rows: []fillRow{{Name: hostile, Label: hostile, Value: hostile, Error: hostile}}})
	}
	out := string(questionsHTML(p, qs))
	for _, bad := range []string{"<script", "</textarea><", `" onfocus`, "'+"} {
		if strings.Contains(out, bad) {
			t.Fatalf("%q came out as markup", bad)
		}
	}
	if n := strings.Count(out, "&lt;/textarea&gt;&lt;script&gt;alert(1)&lt;/script&gt;&#34; onfocus=&#34;x&#39;&#43;"); n < 40 {
		t.Fatalf("hostile text escaped %d times, want every place it appears", n)
	}
	if strings.Count(out, `<fieldset class="q"`) != len(qs) {
		t.Fatal("a question is missing")
	}
}
