package instrument

import (
	"errors"
	"strings"
	"testing"
)

func ptr(x float64) *float64 { return &x }

func levels() []Level {
	var out []Level
	for l := 1; l <= 5; l++ {
		out = append(out, Level{Level: l, Description: Text{Zh: "描述", En: "description"}})
	}
	return out
}

// baseInstrument returns a small valid instrument; the cases of
// TestValidate break it one way each.
func baseInstrument() *Instrument {
	choices := []Choice{{Value: "a", Label: Text{Zh: "甲"}}, {Value: "b", Label: Text{Zh: "乙"}}}
	return &Instrument{
		Code: "t", Version: "1", Title: Text{Zh: "测试", En: "Test"},
		Sections: []*Section{
			{Code: "s1", Title: Text{Zh: "一"}, Questions: []*Question{
				{Name: "pick", Type: TypeSingle, Label: Text{Zh: "选择"}, Choices: choices},
				{Name: "many", Type: TypeMultiple, Label: Text{Zh: "多选"}, Choices: choices},
				{Name: "n", Type: TypeInteger, Label: Text{Zh: "数"}, Min: ptr(0), Max: ptr(10)},
				{Name: "txt", Type: TypeText, Label: Text{Zh: "文字"}, Pattern: "[0-9]+"},
				{Name: "c1", Type: TypeCalculate, Calculation: "${n} * 2"},
				{Name: "c2", Type: TypeCalculate, Calculation: "${c1} + 1"},
			}},
			{Code: "s2", Title: Text{Zh: "二"}, Relevant: "${pick} = 'a'", Questions: []*Question{
				{Name: "lk", Type: TypeLikert, Label: Text{Zh: "量表"}, Scale: 7},
				{Name: "m", Type: TypeMatrix, Label: Text{Zh: "矩阵"}, Choices: choices, Rows: []Row{{Name: "r1"}, {Name: "r2"}}},
				{Name: "rt", Type: TypeRate, Label: Text{Zh: "比率"}},
				{Name: "ma", Type: TypeMaturity, Label: Text{Zh: "成熟度"}, Levels: levels(), EvidenceFrom: 3},
				{Name: "later", Type: TypeText, Label: Text{Zh: "后"}, Relevant: "${m_r1} = 'a' and ${rt_num} > 0 and ${ma_evidence} != ''"},
			}},
		},
	}
}

func TestValidateBase(t *testing.T) {
	if err := baseInstrument().Validate(); err != nil {
		t.Fatalf("Validate() = %v", err)
	}
}

func TestValidate(t *testing.T) {
	q := func(in *Instrument, name string) *Question { return in.Question(name) }
	tests := []struct {
		name   string
		change func(in *Instrument)
		where  string
		msg    string
	}{
		{"code missing", func(in *Instrument) { in.Code = "" }, "instrument", "code is missing"},
		{"version missing", func(in *Instrument) { in.Version = " " }, "instrument", "version is missing"},
		{"title missing", func(in *Instrument) { in.Title = Text{} }, "instrument", "title is missing"},
		{"no sections", func(in *Instrument) { in.Sections = nil }, "instrument", "no sections"},
		{"nil section", func(in *Instrument) { in.Sections = append(in.Sections, nil) }, "section 3", "section is empty"},
		{"section code missing", func(in *Instrument) { in.Sections[0].Code = "" }, "section 1", "section code is missing"},
		{"section code invalid", func(in *Instrument) { in.Sections[0].Code = "第一" }, `section "第一"`, "not a valid name"},
		{"section code duplicate", func(in *Instrument) { in.Sections[1].Code = "s1" }, `section "s1"`, `duplicate section code "s1"`},
		{"section without questions", func(in *Instrument) { in.Sections[1].Questions = nil }, `section "s2"`, "no questions"},
		{"nil question", func(in *Instrument) { in.Sections[0].Questions = append(in.Sections[0].Questions, nil) }, `section "s1", question 7`, "question is empty"},
		{"name missing", func(in *Instrument) { q(in, "n").Name = "" }, `section "s1", question 3`, "name is missing"},
		{"name starts with digit", func(in *Instrument) { q(in, "n").Name = "1n" }, `section "s1", question "1n"`, "not a valid name"},
		{"name with hyphen", func(in *Instrument) { q(in, "n").Name = "n-1" }, `section "s1", question "n-1"`, "not a valid name"},
		{"name too long", func(in *Instrument) { q(in, "n").Name = "n" + strings.Repeat("x", 64) }, `section "s1", question "n` + strings.Repeat("x", 64) + `"`, "not a valid name"},
		{"name duplicate across sections", func(in *Instrument) { q(in, "later").Name = "n" }, `section "s2", question "n"`, `duplicate name "n" (already used by section "s1", question "n")`},
		{"name clashes with matrix row", func(in *Instrument) { q(in, "later").Name = "m_r2" }, `section "s2", question "m_r2"`, `duplicate name "m_r2" (already used by section "s2", question "m")`},
		{"name clashes with rate part", func(in *Instrument) { q(in, "n").Name = "rt_den"; q(in, "c1").Calculation = "1" }, `section "s2", question "rt"`, `duplicate name "rt_den" (derived from "rt")`},
		{"name clashes with evidence", func(in *Instrument) { q(in, "txt").Name = "ma_evidence" }, `section "s2", question "ma"`, `duplicate name "ma_evidence"`},
		{"derived name too long", func(in *Instrument) { q(in, "m").Rows[0].Name = strings.Repeat("r", 63) }, `section "s2", question "m"`, "longer than 64"},
		{"type missing", func(in *Instrument) { q(in, "n").Type = "" }, `section "s1", question "n"`, "type is missing"},
		{"unknown type", func(in *Instrument) { q(in, "n").Type = "geopoint" }, `section "s1", question "n"`, `unknown type "geopoint"`},
		{"label missing", func(in *Instrument) { q(in, "n").Label = Text{} }, `section "s1", question "n"`, "label is missing"},
		{"required note", func(in *Instrument) {
			in.Sections[0].Questions = append(in.Sections[0].Questions, &Question{Name: "nt", Type: TypeNote, Label: Text{Zh: "说明"}, Required: true})
		}, `section "s1", question "nt"`, "has no answer to require"},
		{"single without choices", func(in *Instrument) { q(in, "pick").Choices = nil }, `section "s1", question "pick"`, "no choices"},
		{"multiple without choices", func(in *Instrument) { q(in, "many").Choices = []Choice{} }, `section "s1", question "many"`, "no choices"},
		{"matrix without choices", func(in *Instrument) { q(in, "m").Choices = nil }, `section "s2", question "m"`, "no choices"},
		{"duplicate choice", func(in *Instrument) { q(in, "pick").Choices[1].Value = "a" }, `section "s1", question "pick"`, `duplicate choice value "a"`},
		{"empty choice value", func(in *Instrument) { q(in, "pick").Choices[1].Value = "" }, `section "s1", question "pick"`, "choice 2 has no value"},
		{"choice value with space", func(in *Instrument) { q(in, "many").Choices[1].Value = "b c" }, `section "s1", question "many"`, "contains a space"},
		{"choices on integer", func(in *Instrument) { q(in, "n").Choices = []Choice{{Value: "x"}} }, `section "s1", question "n"`, "choices apply only"},
		{"matrix without rows", func(in *Instrument) { q(in, "m").Rows = nil }, `section "s2", question "m"`, "matrix has no rows"},
		{"duplicate row", func(in *Instrument) { q(in, "m").Rows[1].Name = "r1" }, `section "s2", question "m"`, `duplicate row "r1"`},
		{"row without name", func(in *Instrument) { q(in, "m").Rows[1].Name = "" }, `section "s2", question "m"`, "row 2 has no name"},
		{"rows on single", func(in *Instrument) { q(in, "pick").Rows = []Row{{Name: "x"}} }, `section "s1", question "pick"`, "rows apply only"},
		{"likert scale too small", func(in *Instrument) { q(in, "lk").Scale = 1 }, `section "s2", question "lk"`, "likert scale 1 is out of range 2..11"},
		{"likert scale too large", func(in *Instrument) { q(in, "lk").Scale = 12 }, `section "s2", question "lk"`, "likert scale 12 is out of range 2..11"},
		{"scale on integer", func(in *Instrument) { q(in, "n").Scale = 5 }, `section "s1", question "n"`, "scale applies only"},
		{"maturity level missing", func(in *Instrument) { q(in, "ma").Levels = q(in, "ma").Levels[:4] }, `section "s2", question "ma"`, "maturity level 5 is missing"},
		{"maturity level duplicate", func(in *Instrument) { q(in, "ma").Levels[4].Level = 4 }, `section "s2", question "ma"`, "duplicate maturity level 4"},
		{"maturity level out of range", func(in *Instrument) { q(in, "ma").Levels[4].Level = 6 }, `section "s2", question "ma"`, "maturity level 6 is out of range"},
		{"maturity level without description", func(in *Instrument) { q(in, "ma").Levels[2].Description = Text{} }, `section "s2", question "ma"`, "maturity level 3 has no description"},
		{"evidence_from out of range", func(in *Instrument) { q(in, "ma").EvidenceFrom = 6 }, `section "s2", question "ma"`, "evidence_from 6 is out of range"},
		{"levels on likert", func(in *Instrument) { q(in, "lk").Levels = levels() }, `section "s2", question "lk"`, "levels apply only"},
		{"min greater than max", func(in *Instrument) { q(in, "n").Min = ptr(11) }, `section "s1", question "n"`, "min 11 is greater than max 10"},
		{"step not positive", func(in *Instrument) { q(in, "n").Step = ptr(0) }, `section "s1", question "n"`, "step 0 must be greater than 0"},
		{"fractional bound of integer", func(in *Instrument) { q(in, "n").Max = ptr(9.5) }, `section "s1", question "n"`, "must be whole numbers"},
		{"min on text", func(in *Instrument) { q(in, "txt").Min = ptr(1) }, `section "s1", question "txt"`, "min, max and step apply only"},
		{"pattern does not compile", func(in *Instrument) { q(in, "txt").Pattern = "[0-9" }, `section "s1", question "txt"`, "pattern does not compile"},
		{"pattern on integer", func(in *Instrument) { q(in, "n").Pattern = "[0-9]+" }, `section "s1", question "n"`, "pattern applies only"},
		{"default invalid", func(in *Instrument) { q(in, "n").Default = "many" }, `section "s1", question "n"`, `default "many" is not a valid answer`},
		{"default out of bounds", func(in *Instrument) { q(in, "n").Default = "11" }, `section "s1", question "n"`, "At most 10"},
		{"relevance does not compile", func(in *Instrument) { q(in, "txt").Relevant = "${n} = = 1" }, `section "s1", question "txt"`, "relevant does not compile"},
		{"relevance names unknown question", func(in *Instrument) { q(in, "txt").Relevant = "${nobody} = 1" }, `section "s1", question "txt"`, `relevant names unknown question "nobody"`},
		{"relevance names itself", func(in *Instrument) { q(in, "txt").Relevant = "${txt} = ''" }, `section "s1", question "txt"`, "relevant names the question itself"},
		{"relevance uses dot", func(in *Instrument) { q(in, "txt").Relevant = ". = ''" }, `section "s1", question "txt"`, `relevant uses "."`},
		{"relevance names a matrix", func(in *Instrument) { q(in, "txt").Relevant = "${m} = 'a'" }, `section "s1", question "txt"`, `names "m", a matrix question without an answer of its own`},
		{"section relevance unknown", func(in *Instrument) { in.Sections[1].Relevant = "${ghost} = 1" }, `section "s2"`, `relevant names unknown question "ghost"`},
		{"section relevance uses dot", func(in *Instrument) { in.Sections[1].Relevant = ". = 1" }, `section "s2"`, "a section has no answer"},
		{"constraint does not compile", func(in *Instrument) { q(in, "n").Constraint = ". >" }, `section "s1", question "n"`, "constraint does not compile"},
		{"constraint names unknown", func(in *Instrument) { q(in, "n").Constraint = ". < ${max}" }, `section "s1", question "n"`, `constraint names unknown question "max"`},
		{"constraint dot on rate", func(in *Instrument) { q(in, "rt").Constraint = ". > 0" }, `section "s2", question "rt"`, "constraint uses \".\" but a rate question"},
		{"calculation missing", func(in *Instrument) { q(in, "c1").Calculation = "" }, `section "s1", question "c1"`, "calculation is missing"},
		{"calculation on integer", func(in *Instrument) { q(in, "n").Calculation = "1" }, `section "s1", question "n"`, "calculation applies only"},
		{"calculation names unknown", func(in *Instrument) { q(in, "c1").Calculation = "${nn} + 1" }, `section "s1", question "c1"`, `calculation names unknown question "nn"`},
		{"calculation cycle", func(in *Instrument) { q(in, "c1").Calculation = "${c2} * 2" }, `section "s1", question "c1"`, "calculation cycle: c1 → c2 → c1"},
		{"calculation on itself", func(in *Instrument) { q(in, "c1").Calculation = "${c1} + 1" }, `section "s1", question "c1"`, "calculation cycle: c1 → c1"},
		{"choice filter unknown column", func(in *Instrument) { q(in, "pick").ChoiceFilter = "province = ${txt}" }, `section "s1", question "pick"`, `choice_filter names column "province"`},
		{"choice filter on text", func(in *Instrument) { q(in, "txt").ChoiceFilter = "name = 'a'" }, `section "s1", question "txt"`, "choice_filter applies only"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := baseInstrument()
			tt.change(in)
			err := in.Validate()
			if err == nil {
				t.Fatal("Validate() = nil, want a problem")
			}
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("error %T, want *Error", err)
			}
			for _, p := range e.Problems {
				if p.Where == tt.where && strings.Contains(p.Msg, tt.msg) {
					return
				}
			}
			t.Errorf("problems:\n%s\nwant %s: …%s…", strings.ReplaceAll(err.Error(), "; ", "\n"), tt.where, tt.msg)
		})
	}
}

func TestValidateReportsAllTogether(t *testing.T) {
	in := baseInstrument()
	in.Code = ""
	in.Question("n").Type = "geopoint"
	in.Question("pick").Choices = nil
	in.Question("lk").Scale = 20
	in.Question("c1").Calculation = "${c2}"
	err := in.Validate()
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("err = %v", err)
	}
	if len(e.Problems) != 5 {
		t.Errorf("%d problems, want 5:\n%v", len(e.Problems), err)
	}
}

func TestIsName(t *testing.T) {
	tests := []struct {
		name string
		s    string
		want bool
	}{
		{"simple", "sh_total", true},
		{"letters digits", "MA10", true},
		{"64 characters", "a" + strings.Repeat("b", 63), true},
		{"65 characters", "a" + strings.Repeat("b", 64), false},
		{"empty", "", false},
		{"underscore first", "_a", false},
		{"digit first", "1a", false},
		{"hyphen", "a-b", false},
		{"dot", "a.b", false},
		{"chinese", "满意度", false},
		{"space", "a b", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := IsName(tt.s); got != tt.want {
				t.Errorf("IsName(%q) = %v, want %v", tt.s, got, tt.want)
			}
		})
	}
}
