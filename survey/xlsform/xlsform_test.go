package xlsform

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"errors"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"govkpi/survey/instrument"
)

// sheet is one worksheet of a test workbook; rows start at Excel row 1.
type sheet struct {
	name string
	rows [][]any
}

// buildBook builds an .xlsx in memory with excelize.
func buildBook(t testing.TB, sheets ...sheet) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	for i, s := range sheets {
		if i == 0 {
			if err := f.SetSheetName("Sheet1", s.name); err != nil {
				t.Fatal(err)
			}
		} else if _, err := f.NewSheet(s.name); err != nil {
			t.Fatal(err)
		}
		for r, row := range s.rows {
			for c, v := range row {
				if v == nil || v == "" {
					continue
				}
				cell, err := excelize.CoordinatesToCellName(c+1, r+1)
				if err != nil {
					t.Fatal(err)
				}
				if err := f.SetCellValue(s.name, cell, v); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	buf, err := f.WriteToBuffer()
	if err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func survey(rows ...[]any) sheet  { return sheet{"survey", rows} }
func choices(rows ...[]any) sheet { return sheet{"choices", rows} }

func read(t *testing.T, sheets ...sheet) (*instrument.Instrument, error) {
	t.Helper()
	return Read(bytes.NewReader(buildBook(t, sheets...)), "form.xlsx")
}

func mustRead(t *testing.T, sheets ...sheet) *instrument.Instrument {
	t.Helper()
	inst, err := read(t, sheets...)
	if err != nil {
		t.Fatalf("Read: %v", err)
	}
	return inst
}

// problems returns the problems of a refusal, failing when err is not one.
func problems(t *testing.T, err error) []Problem {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("want *Error, got %T %v", err, err)
	}
	if len(e.Problems) == 0 {
		t.Fatal("*Error without problems")
	}
	return e.Problems
}

// wantProblem asserts that err holds a problem on sheet and row whose message
// contains every one of subs.
func wantProblem(t *testing.T, err error, sheet string, row int, subs ...string) {
	t.Helper()
	for _, p := range problems(t, err) {
		if p.Sheet != sheet || p.Row != row {
			continue
		}
		if !slices.ContainsFunc(subs, func(s string) bool { return !strings.Contains(p.Msg, s) }) {
			return
		}
	}
	t.Errorf("no problem on %s row %d containing %q in:\n%v", sheet, row, subs, err)
}

// valid asserts that an imported instrument passes the instrument package's
// own validation, which compiles the copied expressions.
func valid(t *testing.T, inst *instrument.Instrument) {
	t.Helper()
	if err := inst.Validate(); err != nil {
		t.Errorf("imported instrument does not validate: %v", err)
	}
}

func questions(inst *instrument.Instrument) []*instrument.Question {
	var qs []*instrument.Question
	for _, s := range inst.Sections {
		qs = append(qs, s.Questions...)
	}
	return qs
}

func question(t *testing.T, inst *instrument.Instrument, name string) *instrument.Question {
	t.Helper()
	for _, q := range questions(inst) {
		if q.Name == name {
			return q
		}
	}
	t.Fatalf("no question %q", name)
	return nil
}

// shape summarises an instrument as "code:count" per section.
func shape(inst *instrument.Instrument) []string {
	var s []string
	for _, sec := range inst.Sections {
		s = append(s, sec.Code+":"+strconv.Itoa(len(sec.Questions)))
	}
	return s
}

func types(inst *instrument.Instrument) []string {
	var ts []string
	for _, q := range questions(inst) {
		ts = append(ts, q.Name+"="+q.Type)
	}
	return ts
}

func num(p *float64) float64 {
	if p == nil {
		return -999
	}
	return *p
}

const realDir = "../../../shared/validation/xlsform/"

func openReal(t *testing.T, name string) *os.File {
	t.Helper()
	f, err := os.Open(filepath.Join(realDir, name))
	if errors.Is(err, os.ErrNotExist) {
		if os.Getenv("CI") == "true" {
			t.Fatalf("validation file %s is missing", name)
		}
		t.Skipf("validation file %s is missing (shared/validation not checked out)", name)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

// TestRealForms imports the real XLSForm files of shared/validation/xlsform.
func TestRealForms(t *testing.T) {
	t.Run("sample_xlsform", func(t *testing.T) {
		inst, err := Read(openReal(t, "sample_xlsform.xlsx"), "sample_xlsform.xlsx")
		if err != nil {
			t.Fatal(err)
		}
		valid(t, inst)
		// No settings values: code from the file name, version 1.
		if inst.Code != "sample_xlsform" || inst.Version != "1" {
			t.Errorf("code %q version %q", inst.Code, inst.Version)
		}
		if got, want := shape(inst), []string{"sample_xlsform:4"}; !slices.Equal(got, want) {
			t.Errorf("sections %v, want %v", got, want)
		}
		want := []string{"name=text", "age=integer", "consent=single", "thank_you=note"}
		if got := types(inst); !slices.Equal(got, want) {
			t.Errorf("types %v, want %v", got, want)
		}
		consent := question(t, inst, "consent")
		if len(consent.Choices) != 2 || consent.Choices[0].Value != "yes" || consent.Choices[1].Label.En != "No" {
			t.Errorf("consent choices %+v", consent.Choices)
		}
		if question(t, inst, "age").Label.En != "How old are you?" {
			t.Errorf("English label not kept: %+v", question(t, inst, "age").Label)
		}
	})

	t.Run("cascading_select", func(t *testing.T) {
		inst, err := Read(openReal(t, "cascading_select.xlsx"), "cascading_select.xlsx")
		if err != nil {
			t.Fatal(err)
		}
		valid(t, inst)
		if inst.Code != "cascading_select" || inst.Title.En != "Cascading select example" {
			t.Errorf("code %q title %+v", inst.Code, inst.Title)
		}
		if got, want := shape(inst), []string{"cascading_select:3"}; !slices.Equal(got, want) {
			t.Errorf("sections %v, want %v", got, want)
		}
		if inst.Sections[0].Title.En != "Cascading select example" {
			t.Errorf("section title %+v", inst.Sections[0].Title)
		}
		state, county, city := question(t, inst, "selected_state"), question(t, inst, "selected_county"), question(t, inst, "selected_city")
		if len(state.Choices) != 2 || len(county.Choices) != 4 || len(city.Choices) != 6 {
			t.Errorf("choice counts %d %d %d, want 2 4 6", len(state.Choices), len(county.Choices), len(city.Choices))
		}
		if county.ChoiceFilter != "state=${selected_state}" || city.ChoiceFilter != "county=${selected_county}" {
			t.Errorf("choice filters %q %q", county.ChoiceFilter, city.ChoiceFilter)
		}
		if state.Choices[0].Filter != nil {
			t.Errorf("states have no extra columns, got filter %v", state.Choices[0].Filter)
		}
		if f := county.Choices[0].Filter; county.Choices[0].Value != "king" || len(f) != 1 || f["state"] != "washington" {
			t.Errorf("county king: %+v", county.Choices[0])
		}
		if f := city.Choices[5].Filter; city.Choices[5].Value != "puyallup" || f["state"] != "washington" || f["county"] != "pierce" {
			t.Errorf("city puyallup: %+v", city.Choices[5])
		}
	})

	t.Run("number_decimal_range_question_types", func(t *testing.T) {
		inst, err := Read(openReal(t, "number_decimal_range_question_types.xlsx"), "number_decimal_range_question_types.xlsx")
		if err != nil {
			t.Fatal(err)
		}
		valid(t, inst)
		if got, want := shape(inst), []string{"number_decimal_range_question_types:8"}; !slices.Equal(got, want) {
			t.Errorf("sections %v, want %v", got, want)
		}
		want := []string{"hhsize=integer", "landsize=decimal", "rating=range", "income=integer", "bearing=decimal",
			"vertical_rating=range", "picker_rating=range", "star_rating=range"}
		if got := types(inst); !slices.Equal(got, want) {
			t.Errorf("types %v, want %v", got, want)
		}
		for _, name := range []string{"rating", "vertical_rating", "picker_rating", "star_rating"} {
			q := question(t, inst, name)
			if num(q.Min) != 1 || num(q.Max) != 5 || num(q.Step) != 1 {
				t.Errorf("%s range %g..%g step %g, want 1..5 step 1", name, num(q.Min), num(q.Max), num(q.Step))
			}
		}
		if a := question(t, inst, "picker_rating").Appearance; a != "picker" {
			t.Errorf("appearance %q", a)
		}
		if a := question(t, inst, "income").Appearance; a != "thousands-sep" {
			t.Errorf("appearance %q", a)
		}
	})

	t.Run("calculations_constraints_matrix", func(t *testing.T) {
		inst, err := Read(openReal(t, "calculations_constraints_matrix.xlsx"), "calculations_constraints_matrix.xlsx")
		if err != nil {
			t.Fatal(err)
		}
		valid(t, inst)
		// One ungrouped question, then five groups (h, r1–r4) of a note and
		// three cells each.
		want := []string{"calculations_constraints_matrix:1", "h:4", "r1:4", "r2:4", "r3:4", "r4:4"}
		if got := shape(inst); !slices.Equal(got, want) {
			t.Errorf("sections %v, want %v", got, want)
		}
		if n := len(questions(inst)); n != 21 {
			t.Errorf("%d questions, want 21", n)
		}
		if inst.Title.En != "Adding Calculations (Column Total & Row Total) and Constraints in a Matrix Question" {
			t.Errorf("title %+v", inst.Title)
		}
		hh := question(t, inst, "hh_mem")
		if hh.Type != instrument.TypeInteger || !hh.Required {
			t.Errorf("hh_mem %+v", hh)
		}
		if q := question(t, inst, "r2_c2"); q.Constraint != ". <= (${hh_mem} - ${r1_c1} - ${r1_c2} - ${r2_c1})" ||
			q.ConstraintMessage.En != "Your input now exceeds the total HH members!" || !q.Required || q.Appearance != "w1" {
			t.Errorf("r2_c2 %+v", q)
		}
		// The row and column totals are read-only integers computed by a
		// calculation: the model holds them as calculate questions (label
		// kept, nothing required).
		if q := question(t, inst, "r4_c1"); q.Type != instrument.TypeCalculate || q.Required ||
			q.Calculation != "coalesce(${r1_c1},0) + coalesce(${r2_c1},0) + coalesce(${r3_c1},0)" ||
			q.Label.En != `<span style="display:none">r4-No of Males</span>` {
			t.Errorf("r4_c1 %+v", q)
		}
		count := map[string]int{}
		for _, q := range questions(inst) {
			count[q.Type]++
		}
		if count[instrument.TypeNote] != 8 || count[instrument.TypeInteger] != 7 || count[instrument.TypeCalculate] != 6 {
			t.Errorf("types %v, want 8 notes, 7 integers, 6 calculates", count)
		}
		if q := question(t, inst, "h_c1"); q.Type != instrument.TypeNote || q.Label.En != "**No of Males**" {
			t.Errorf("h_c1 %+v", q)
		}
		// Groups without a label are titled by their name.
		if inst.Sections[1].Title.En != "h" {
			t.Errorf("group title %+v", inst.Sections[1].Title)
		}
	})

	t.Run("gps_questions refused", func(t *testing.T) {
		_, err := Read(openReal(t, "gps_questions.xlsx"), "gps_questions.xlsx")
		wantProblem(t, err, "survey", 2, "geopoint", "not supported")
		wantProblem(t, err, "survey", 3, "geotrace")
		wantProblem(t, err, "survey", 4, "geoshape")
		// The calculations and notes that use the refused questions add no
		// further noise.
		if ps := problems(t, err); len(ps) != 5 {
			t.Errorf("%d problems, want 5:\n%v", len(ps), err)
		}
		if first := strings.SplitN(err.Error(), "\n", 2)[0]; first != `survey sheet, row 2: type "geopoint" is not supported (location questions are outside the supported subset)` {
			t.Errorf("first line %q", first)
		}
	})
}

func TestFileRefused(t *testing.T) {
	good := buildBook(t, survey([]any{"type", "name", "label"}, []any{"text", "q", "Q"}))
	tests := []struct {
		name     string
		file     string
		data     []byte
		maxBytes int64
		want     string
	}{
		{"xls", "form.xls", good, 0, "save the workbook as .xlsx"},
		{"XLS upper case", "FORM.XLS", good, 0, "save the workbook as .xlsx"},
		{"csv", "form.csv", good, 0, "only XLSForm workbooks saved as .xlsx"},
		{"no extension", "form", good, 0, "not an .xlsx workbook"},
		{"ods", "form.ods", good, 0, "not an .xlsx workbook"},
		{"xls renamed", "form.xlsx", append(slices.Clone(oleMagic), make([]byte, 512)...), 0, "save the workbook as .xlsx"},
		{"not a zip", "form.xlsx", []byte("type,name,label\ntext,q,Q\n"), 0, "not a valid .xlsx workbook"},
		{"empty", "form.xlsx", nil, 0, "not a valid .xlsx workbook"},
		{"too big", "form.xlsx", good, int64(len(good) - 1), "larger than"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ReadLimit(bytes.NewReader(tt.data), tt.file, tt.maxBytes)
			ps := problems(t, err)
			if len(ps) != 1 || ps[0].Sheet != "" || !strings.Contains(ps[0].Msg, tt.want) {
				t.Errorf("got %v, want one file problem containing %q", err, tt.want)
			}
		})
	}
	t.Run("exactly maxBytes accepted", func(t *testing.T) {
		if _, err := ReadLimit(bytes.NewReader(good), "form.xlsx", int64(len(good))); err != nil {
			t.Error(err)
		}
	})
}

func TestGroups(t *testing.T) {
	head := []any{"type", "name", "label", "relevant"}
	t.Run("sections in document order", func(t *testing.T) {
		inst := mustRead(t,
			survey(head,
				[]any{"text", "a", "A"},
				[]any{"text", "b", "B"},
				[]any{"begin_group", "g1", "Group one", "${a} = 'y'"},
				[]any{"integer", "c", "C"},
				[]any{"end_group"},
				[]any{"text", "d", "D"},
				[]any{"begin group", "form", "Same name as the form"},
				[]any{"text", "e", "E"},
				[]any{"end group"},
				[]any{"begin_group", "empty", "Only metadata"},
				[]any{"start", "started"},
				[]any{"end_group"},
			),
			sheet{"settings", [][]any{{"form_id", "form_title"}, {"form", "My form"}}},
		)
		want := []string{"form:2", "g1:1", "form_2:1", "form_3:1"}
		if got := shape(inst); !slices.Equal(got, want) {
			t.Fatalf("sections %v, want %v", got, want)
		}
		valid(t, inst)
		if s := inst.Sections[1]; s.Relevant != "${a} = 'y'" || s.Title.En != "Group one" {
			t.Errorf("group section %+v", s)
		}
		if s := inst.Sections[0]; s.Title.En != "My form" {
			t.Errorf("form section title %+v", s.Title)
		}
		if s := inst.Sections[3]; s.Title.En != "Same name as the form" {
			t.Errorf("section 3 %+v", s)
		}
		if q := question(t, inst, "c"); q.Relevant != "" {
			t.Errorf("top-level group relevance belongs to the section, not to %q", q.Relevant)
		}
	})

	t.Run("nested group relevance", func(t *testing.T) {
		inst := mustRead(t, survey(head,
			[]any{"text", "a", "A"},
			[]any{"begin_group", "outer", "Outer", "${a} != ''"},
			[]any{"text", "x", "X"},
			[]any{"begin_group", "inner", "Inner", "${a} = 'y'"},
			[]any{"text", "plain", "No relevance of its own"},
			[]any{"text", "own", "Own relevance", "${plain} = 'z'"},
			[]any{"begin_group", "deepest", "", "${x} > 1"},
			[]any{"text", "deep", "Deep", "${own} != ''"},
			[]any{"end_group"},
			[]any{"end_group"},
			[]any{"text", "after", "After inner", "${a} = 'n'"},
			[]any{"end_group"},
		))
		if got, want := shape(inst), []string{"form:1", "outer:5"}; !slices.Equal(got, want) {
			t.Fatalf("sections %v, want %v", got, want)
		}
		valid(t, inst)
		if s := inst.Sections[1]; s.Relevant != "${a} != ''" {
			t.Errorf("outer section relevance %q", s.Relevant)
		}
		tests := map[string]string{
			"x":     "",
			"plain": "${a} = 'y'",
			"own":   "(${a} = 'y') and (${plain} = 'z')",
			"deep":  "(${a} = 'y') and (${x} > 1) and (${own} != '')",
			"after": "${a} = 'n'",
		}
		for name, want := range tests {
			if got := question(t, inst, name).Relevant; got != want {
				t.Errorf("%s relevance %q, want %q", name, got, want)
			}
		}
	})

	t.Run("unclosed and stray", func(t *testing.T) {
		_, err := read(t, survey(head,
			[]any{"end_group"},
			[]any{"begin_group", "g", "G"},
			[]any{"text", "a", "A"},
			[]any{"begin_group", "h", "H"},
			[]any{"text", "b", "B"},
			[]any{"end_group"},
		))
		wantProblem(t, err, "survey", 2, "end_group without a matching begin_group")
		wantProblem(t, err, "survey", 3, `begin_group "g" is never closed`)
		if ps := problems(t, err); len(ps) != 2 {
			t.Errorf("want 2 problems, got\n%v", err)
		}
	})

	t.Run("group without name", func(t *testing.T) {
		_, err := read(t, survey(head, []any{"begin_group", "", "G"}, []any{"text", "a", "A"}, []any{"end_group"}))
		wantProblem(t, err, "survey", 2, "begin_group has no name")
	})
}

func TestNames(t *testing.T) {
	head := []any{"type", "name", "label"}
	t.Run("duplicate", func(t *testing.T) {
		_, err := read(t, survey(head,
			[]any{"text", "age", "A"},
			[]any{"integer", "x", "X"},
			[]any{"integer", "Age", "Case differs only"},
			[]any{"begin_group", "g", "G"},
			[]any{"integer", "x", "X again"},
			[]any{"end_group"},
		))
		wantProblem(t, err, "survey", 4, `name "Age" is already used on row 2`)
		wantProblem(t, err, "survey", 6, `name "x" is already used on row 3`)
	})
	t.Run("empty, invalid, unlabelled", func(t *testing.T) {
		_, err := read(t, survey(head,
			[]any{"text", "", "Nameless"},
			[]any{"integer", "2nd", "Starts with a digit"},
			[]any{"integer", "a-b", "XLSForm allows -, the expression language does not"},
			[]any{"text", "unlabelled"},
			[]any{"calculate", "calc"},
			[]any{"note", "", "A note may go without a name"},
			[]any{"hidden", "h"},
		))
		wantProblem(t, err, "survey", 2, "has no name")
		wantProblem(t, err, "survey", 3, `"2nd" is not valid`)
		wantProblem(t, err, "survey", 4, `"a-b" is not valid`)
		wantProblem(t, err, "survey", 5, `"unlabelled" has no label`)
		wantProblem(t, err, "survey", 6, `"calc" has no calculation`)
		if ps := problems(t, err); len(ps) != 5 {
			t.Errorf("want 4 problems, got\n%v", err)
		}
	})
}

func TestChoices(t *testing.T) {
	head := []any{"type", "name", "label"}
	chead := []any{"list_name", "name", "label"}
	t.Run("unknown list", func(t *testing.T) {
		_, err := read(t,
			survey(head, []any{"select_one yn", "q", "Q"}, []any{"select_multiple nope", "r", "R"}),
			choices(chead, []any{"yn", "y", "Yes"}))
		wantProblem(t, err, "survey", 3, `choice list "nope" is not defined on the choices sheet`)
		if ps := problems(t, err); len(ps) != 1 {
			t.Errorf("want 1 problem, got\n%v", err)
		}
	})
	t.Run("no choices sheet", func(t *testing.T) {
		_, err := read(t, survey(head, []any{"select_one yn", "q", "Q"}))
		wantProblem(t, err, "survey", 2, `"yn"`, "no choices sheet")
	})
	t.Run("select without list", func(t *testing.T) {
		_, err := read(t, survey(head, []any{"select_one", "q", "Q"}), choices(chead, []any{"yn", "y", "Yes"}))
		wantProblem(t, err, "survey", 2, "needs the name of a choice list")
	})
	t.Run("duplicate value", func(t *testing.T) {
		_, err := read(t,
			survey(head, []any{"select_one yn", "q", "Q"}),
			choices(chead,
				[]any{"yn", "y", "Yes"},
				[]any{"yn", "n", "No"},
				[]any{"other", "y", "Same value, other list: fine"},
				[]any{"yn", "y", "Yes again"},
				[]any{"yn", "", "No value"},
			))
		wantProblem(t, err, "choices", 5, `value "y" is already used in list "yn" on row 2`)
		wantProblem(t, err, "choices", 6, "has no name")
		if ps := problems(t, err); len(ps) != 2 {
			t.Errorf("want 2 problems, got\n%v", err)
		}
	})
	t.Run("numeric values, extra columns, or_other", func(t *testing.T) {
		inst := mustRead(t,
			survey(head, []any{"select_multiple lvl or_other", "q", "Q"}),
			choices([]any{"list_name", "name", "label", "Province", "image"},
				[]any{"lvl", 1, "一级", "zj"},
				[]any{"lvl", 2.5, "Two and a half"},
				[]any{"lvl", 3},
			))
		q := question(t, inst, "q")
		got := make([]string, len(q.Choices))
		for i, c := range q.Choices {
			got[i] = c.Value + "/" + c.Label.Zh + "/" + c.Label.En + "/" + c.Filter["Province"]
		}
		want := []string{"1/一级//zj", "2.5//Two and a half/", "3//3/", "other/其他/Other/"}
		if !slices.Equal(got, want) {
			t.Errorf("choices %v, want %v", got, want)
		}
	})
	t.Run("value with a space", func(t *testing.T) {
		_, err := read(t,
			survey(head, []any{"select_multiple l", "q", "Q"}),
			choices(chead, []any{"l", "a b", "A B"}))
		wantProblem(t, err, "choices", 2, `"a b"`, "contains a space")
	})
	t.Run("media in choices", func(t *testing.T) {
		_, err := read(t,
			survey(head, []any{"select_one yn", "q", "Q"}),
			choices([]any{"list_name", "name", "label", "media::image"}, []any{"yn", "y", "Yes", "yes.png"}))
		wantProblem(t, err, "choices", 2, "media")
	})
}

func TestRefusedFeatures(t *testing.T) {
	tests := []struct {
		typ  string
		want string
	}{
		{"geopoint", `type "geopoint" is not supported (location questions`},
		{"geotrace", "location"},
		{"geoshape", "location"},
		{"image", "media"},
		{"audio", "media"},
		{"video", "media"},
		{"file", "media"},
		{"barcode", "barcode"},
		{"begin_repeat", "repeats"},
		{"begin repeat", "repeats"},
		{"end_repeat", "repeats"},
		{"begin loop over towns", "repeats"},
		{"select_one_from_file towns.csv", "external files"},
		{"select_multiple_from_file towns.csv", "external files"},
		{"select one from file towns.csv", "external files"},
		{"select_one_external towns", "external choices"},
		{"rank towns", "rank"},
		{"xml-external", "external data"},
		{"csv-external", "external data"},
		{"trigger", "trigger"},
		{"osm towns", "map"},
		{"deviceid", `metadata "deviceid" is not supported`},
		{"username", "only start, end and today"},
		{"audit", "metadata"},
		{"phone number", `type "phone number" is not supported`},
		{"select_one a b", "takes one list name"},
		{"frobnicate", `type "frobnicate" is not supported`},
	}
	for _, tt := range tests {
		t.Run(tt.typ, func(t *testing.T) {
			_, err := read(t, survey([]any{"type", "name", "label"},
				[]any{"text", "ok", "Fine"},
				[]any{tt.typ, "x", "Refused"}))
			wantProblem(t, err, "survey", 3, tt.want)
			if ps := problems(t, err); len(ps) != 1 || ps[0].Column != "type" {
				t.Errorf("want one problem in the type column, got %+v", ps)
			}
		})
	}

	t.Run("features outside the type column", func(t *testing.T) {
		_, err := read(t, survey(
			[]any{"type", "name", "label", "calculation", "appearance", "required", "media::image", "repeat_count", "default"},
			[]any{"calculate", "c", "", "pulldata('towns', 'pop', 'id', ${t})"},
			[]any{"text", "t", "T", "", "search('towns')"},
			[]any{"text", "u", "U", "", "", "${t} != ''"},
			[]any{"note", "n", "N", "", "", "", "n.png"},
			[]any{"integer", "r", "R", "", "", "", "", "3"},
			[]any{"text", "d", "D", "", "", "", "", "", "instance('towns')/root/item[1]/name"},
		))
		wantProblem(t, err, "survey", 2, "pulldata()")
		wantProblem(t, err, "survey", 3, "search()")
		wantProblem(t, err, "survey", 4, "conditional required")
		wantProblem(t, err, "survey", 5, "media")
		wantProblem(t, err, "survey", 6, "repeat_count")
		wantProblem(t, err, "survey", 7, "instance()")
	})

	t.Run("start end today skipped", func(t *testing.T) {
		inst := mustRead(t, survey([]any{"type", "name", "label"},
			[]any{"start", "start"},
			[]any{"end", "end"},
			[]any{"today", "today"},
			[]any{"text", "q", "Q"}))
		if got := types(inst); !slices.Equal(got, []string{"q=text"}) {
			t.Errorf("questions %v, want only q", got)
		}
	})
}

func TestReferences(t *testing.T) {
	_, err := read(t,
		survey([]any{"type", "name", "label", "relevant", "constraint", "calculation", "choice_filter"},
			[]any{"start", "started"},
			[]any{"integer", "a", "A", "${ghost} > 1"},
			[]any{"integer", "b", "B", "", ". < ${phantom}"},
			[]any{"calculate", "c", "", "", "", "${a} + ${spectre}"},
			[]any{"select_one l", "d", "D", "", "", "", "k = ${wraith}"},
			[]any{"begin_group", "g", "G", "${spook} = 1"},
			[]any{"text", "e", "E", "${started} != '' and ${later} > 0"},
			[]any{"end_group"},
			[]any{"integer", "later", "Defined after its first use"},
			[]any{"text", "f", "F", "${} = 1"},
		),
		choices([]any{"list_name", "name", "label", "k"}, []any{"l", "x", "X", "1"}))
	wantProblem(t, err, "survey", 3, "relevant", "${ghost}")
	wantProblem(t, err, "survey", 4, "constraint", "${phantom}")
	wantProblem(t, err, "survey", 5, "calculation", "${spectre}")
	wantProblem(t, err, "survey", 6, "choice_filter", "${wraith}")
	wantProblem(t, err, "survey", 7, "${spook}")
	wantProblem(t, err, "survey", 8, "${started}", "metadata")
	wantProblem(t, err, "survey", 11, "empty reference")
	if ps := problems(t, err); len(ps) != 7 {
		t.Errorf("want 7 problems (forward reference to later is fine), got\n%v", err)
	}
}

func TestLanguages(t *testing.T) {
	inst := mustRead(t,
		sheet{"Survey", [][]any{
			{"TYPE", "Name", "label::Chinese (zh)", "Label::English (en)", "hint::中文 (zh)", "hint::English",
				"constraint", "constraint_message::English (en)", "Constraint_Message::Chinese (zh)",
				"required", "required_message::English (en)", "required_message", "label::Français (fr)"},
			{"integer", "age", "年龄", "Age", "周岁", "Years", ". >= 0", "Must not be negative", "不能为负", "yes", "Needed", "必填"},
		}},
		sheet{"SETTINGS", [][]any{
			{"form_title::中文 (zh)", "form_title::English (en)", "form_id", "version"},
			{"部门自评", "Department self-assessment", "Dept Self-Assessment 2026!", 2026010101},
		}},
	)
	valid(t, inst)
	q := question(t, inst, "age")
	check := func(what string, got, want instrument.Text) {
		t.Helper()
		if got != want {
			t.Errorf("%s %+v, want %+v", what, got, want)
		}
	}
	check("label", q.Label, instrument.Text{Zh: "年龄", En: "Age"})
	check("hint", q.Hint, instrument.Text{Zh: "周岁", En: "Years"})
	check("constraint_message", q.ConstraintMessage, instrument.Text{Zh: "不能为负", En: "Must not be negative"})
	check("required_message", q.RequiredMessage, instrument.Text{Zh: "必填", En: "Needed"})
	check("title", inst.Title, instrument.Text{Zh: "部门自评", En: "Department self-assessment"})
	if !q.Required || q.Constraint != ". >= 0" {
		t.Errorf("question %+v", q)
	}
	if inst.Code != "dept_self_assessment_2026" || inst.Version != "2026010101" {
		t.Errorf("code %q version %q", inst.Code, inst.Version)
	}

	t.Run("plain columns by script, aliases", func(t *testing.T) {
		inst := mustRead(t,
			survey([]any{"type", "name", "caption", "relevance", "label:english", "label::zh", "label::Deutsch (de)"},
				[]any{"text", "zh", "您的姓名"},
				[]any{"text", "en", "Your name", "${zh} != ''"},
				[]any{"text", "single_colon", "", "", "Single colon", "单冒号"},
				[]any{"text", "other_only", "", "", "", "", "Nur Deutsch"},
				[]any{"text", "zh_ascii", "", "", "", "GDP"},
			),
		)
		check("zh", question(t, inst, "zh").Label, instrument.Text{Zh: "您的姓名"})
		check("en", question(t, inst, "en").Label, instrument.Text{En: "Your name"})
		check("single colon", question(t, inst, "single_colon").Label, instrument.Text{Zh: "单冒号", En: "Single colon"})
		check("a Chinese column holds Latin text", question(t, inst, "zh_ascii").Label, instrument.Text{Zh: "GDP"})
		check("other language as fallback", question(t, inst, "other_only").Label, instrument.Text{En: "Nur Deutsch"})
		if r := question(t, inst, "en").Relevant; r != "${zh} != ''" {
			t.Errorf("relevance alias: %q", r)
		}
	})

	tests := map[string]string{
		"Chinese (zh)": langZh, "中文 (zh)": langZh, "中文": langZh, "zh-CN": langZh, "Chinese (zh-Hans)": langZh,
		"English (en)": langEn, "English": langEn, "en": langEn, "English (en-GB)": langEn, "英文": langEn,
		"French (fr)": langOther, "Español": langOther, "default": langPlain,
	}
	for in, want := range tests {
		if got := languageSlot(in); got != want {
			t.Errorf("languageSlot(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestTypes(t *testing.T) {
	inst := mustRead(t,
		survey([]any{"type", "name", "label", "appearance", "default", "calculation", "required"},
			[]any{"select one yn", "s1", "S1"},
			[]any{"select_multiple yn", "sm", "SM"},
			[]any{"integer", "i", "I"},
			[]any{"decimal", "dec", "Dec"},
			[]any{"text", "t", "T"},
			[]any{"text", "long", "Long", "multiline"},
			[]any{"date", "d", "D"},
			[]any{"time", "tm", "Tm"},
			[]any{"dateTime", "dt", "Dt"},
			[]any{"note", "n", "N"},
			[]any{"acknowledge", "ack", "Ack"},
			[]any{"range", "rg", "Rg"},
			[]any{"calculate", "calc", "", "", "", "${i} * 2"},
			[]any{"hidden", "hid", "", "", "fixed"},
			[]any{"integer", "computed", "Computed total", "", "", "${i} + 1", "yes"},
			[]any{"note", "n2", "Required means nothing here", "", "", "", "yes"},
		),
		choices([]any{"list name", "value", "label"}, []any{"yn", "y", "Yes"}, []any{"yn", "n", "No"}))
	want := []string{"s1=single", "sm=multiple", "i=integer", "dec=decimal", "t=text", "long=longtext",
		"d=date", "tm=time", "dt=datetime", "n=note", "ack=acknowledge", "rg=range", "calc=calculate", "hid=hidden",
		"computed=calculate", "n2=note"}
	if got := types(inst); !slices.Equal(got, want) {
		t.Errorf("types\n got %v\nwant %v", got, want)
	}
	valid(t, inst)
	if q := question(t, inst, "rg"); num(q.Min) != 1 || num(q.Max) != 10 || num(q.Step) != 1 {
		t.Errorf("range defaults %g..%g/%g, want 1..10/1", num(q.Min), num(q.Max), num(q.Step))
	}
	if question(t, inst, "computed").Required || question(t, inst, "n2").Required {
		t.Error("required kept on a calculate or note")
	}
	if q := question(t, inst, "hid"); q.Default != "fixed" {
		t.Errorf("hidden default %q", q.Default)
	}
	if q := question(t, inst, "calc"); q.Calculation != "${i} * 2" {
		t.Errorf("calculation %q", q.Calculation)
	}
}

func TestRangeParameters(t *testing.T) {
	tests := []struct {
		name, params   string
		min, max, step float64
		problem        string
	}{
		{"spaces", "start=0 end=100 step=5", 0, 100, 5, ""},
		{"commas and case", "START=-1.5,End=1.5, step=0.5", -1.5, 1.5, 0.5, ""},
		{"semicolons", "start=1;end=7", 1, 7, 1, ""},
		{"unknown key ignored", "tart=3 end=5 step=1", 1, 5, 1, ""},
		{"empty", "", 1, 10, 1, ""},
		{"zero step", "start=0 end=10 step=0", 0, 0, 0, "step must be positive"},
		{"start not below end", "start=5 end=5", 0, 0, 0, "must be below end"},
		{"not a number", "start=one end=5", 0, 0, 0, "is not a number"},
		{"not key=value", "start 1", 0, 0, 0, "not key=value"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inst, err := read(t, survey([]any{"type", "name", "label", "parameters"}, []any{"range", "r", "R", tt.params}))
			if tt.problem != "" {
				wantProblem(t, err, "survey", 2, tt.problem)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			q := question(t, inst, "r")
			if num(q.Min) != tt.min || num(q.Max) != tt.max || num(q.Step) != tt.step {
				t.Errorf("got %g..%g/%g, want %g..%g/%g", num(q.Min), num(q.Max), num(q.Step), tt.min, tt.max, tt.step)
			}
		})
	}
}

// TestAllProblemsTogether checks that one refusal lists every problem, in
// sheet and row order.
func TestAllProblemsTogether(t *testing.T) {
	_, err := read(t,
		survey([]any{"type", "name", "label", "relevant"},
			[]any{"geopoint", "where", "Where?"},
			[]any{"text", "a", "A", "${nobody}"},
			[]any{"text", "a", "A again"},
			[]any{"select_one missing", "s", "S"},
			[]any{"begin_group", "g", "G"},
		),
		choices([]any{"list_name", "name", "label"}, []any{"l", "x", "X"}, []any{"l", "x", "X"}))
	ps := problems(t, err)
	var got []string
	for _, p := range ps {
		got = append(got, p.Sheet+":"+strconv.Itoa(p.Row))
	}
	want := []string{"survey:2", "survey:3", "survey:4", "survey:5", "survey:6", "choices:3"}
	if !slices.Equal(got, want) {
		t.Errorf("problems at %v, want %v:\n%v", got, want, err)
	}
	if n := strings.Count(err.Error(), "\n") + 1; n != len(ps) {
		t.Errorf("Error() has %d lines for %d problems", n, len(ps))
	}
}

func TestSheetStructure(t *testing.T) {
	t.Run("no survey sheet", func(t *testing.T) {
		_, err := read(t, choices([]any{"list_name", "name", "label"}, []any{"l", "x", "X"}))
		wantProblem(t, err, "", 0, "no survey sheet")
	})
	t.Run("no type column", func(t *testing.T) {
		_, err := read(t, survey([]any{"kind", "name", "label"}, []any{"text", "q", "Q"}))
		wantProblem(t, err, "survey", 1, "no type column")
	})
	t.Run("no questions", func(t *testing.T) {
		_, err := read(t, survey([]any{"type", "name", "label"}, []any{"start", "s"}))
		wantProblem(t, err, "survey", 0, "no questions")
	})
	t.Run("row without type", func(t *testing.T) {
		_, err := read(t, survey([]any{"type", "name", "label"}, []any{"", "q", "Q"}))
		wantProblem(t, err, "survey", 2, "no type")
	})
	t.Run("header after blank rows, unknown columns ignored", func(t *testing.T) {
		inst := mustRead(t, survey(nil, nil, []any{"type", "name", "label", "read_only", "guidance_hint"},
			[]any{"text", "q", "Q", "yes", "ignored"}))
		if got := types(inst); !slices.Equal(got, []string{"q=text"}) {
			t.Errorf("questions %v", got)
		}
	})
}

// TestPyxformExampleFeatures covers what the pyxform project's example forms
// (XLSForm/pyxform tests/example_xls, read with the search tool) use:
//   - group.md: "begin group" / "end group" with spaces, the header
//     "label:English (en)" (single colon), and a "phone number" question
//     (not in our subset: refused);
//   - yes_or_no_question.md and specify_other.md: "select one from LIST",
//     "… or specify other", "list name" with a space, "label:english";
//   - text_and_integer.md: text and integer with "label:english";
//   - case_insensitivity.md: upper-case sheet names and headers (SURVEY,
//     TYPE, LABEL::EN, FORM_TITLE, FORM_ID), select_one_external and osm
//     (refused, see TestRefusedFeatures);
//   - loop.md: "select all that apply from LIST or specify other" and
//     "begin loop over" (refused, see TestRefusedFeatures);
//   - widgets.csv: string, int, decimal, date, time, dateTime, select with
//     appearances (minimal, quick, autocomplete), defaults, and trigger,
//     geopoint, barcode, image, audio, video (refused).
//
// The workbook below is written for this test in the same style.
func TestPyxformExampleFeatures(t *testing.T) {
	inst := mustRead(t,
		sheet{"SURVEY", [][]any{
			{"TYPE", "NAME", "LABEL:English (en)", "LABEL::ZH", "APPEARANCE", "DEFAULT"},
			{"text", "family_name", "What's your family name?", "您贵姓？"},
			{"begin group", "father", "Father"},
			{"int", "age", "How old is your father?"},
			{"string", "nickname", "Nickname"},
			{"end group"},
			{"select one from yes_or_no", "good_day", "Have you had a good day today?", "", "minimal"},
			{"select one from sexes or specify other", "sex", "What sex are you?", "", "quick"},
			{"select all that apply from toilet_type or specify other", "toilets", "Which toilets?"},
			{"date", "visit", "Visit date", "", "", 40344},
		}},
		sheet{"CHOICES", [][]any{
			{"LIST NAME", "NAME", "LABEL:English"},
			{"yes_or_no", "yes", "yes"},
			{"yes_or_no", "no", "no"},
			{"sexes", "male", "Male"},
			{"sexes", "female", "Female"},
			{"toilet_type", "pit_latrine_with_slab", "Pit latrine with slab"},
		}},
		sheet{"SETTINGS", [][]any{{"FORM_TITLE", "FORM_ID", "DEFAULT_LANGUAGE"}, {"Yes or no", "YesNo", "EN"}}},
	)
	valid(t, inst)
	if inst.Code != "yesno" || inst.Title.En != "Yes or no" {
		t.Errorf("code %q title %+v", inst.Code, inst.Title)
	}
	if got, want := shape(inst), []string{"yesno:1", "father:2", "yesno_2:4"}; !slices.Equal(got, want) {
		t.Errorf("sections %v, want %v", got, want)
	}
	want := []string{"family_name=text", "age=integer", "nickname=text", "good_day=single", "sex=single", "toilets=multiple", "visit=date"}
	if got := types(inst); !slices.Equal(got, want) {
		t.Errorf("types %v, want %v", got, want)
	}
	if l := question(t, inst, "family_name").Label; l.En != "What's your family name?" || l.Zh != "您贵姓？" {
		t.Errorf("label %+v", l)
	}
	if c := question(t, inst, "sex").Choices; len(c) != 3 || c[2].Value != "other" {
		t.Errorf("or specify other: %+v", c)
	}
	if c := question(t, inst, "toilets").Choices; len(c) != 2 || c[1].Value != "other" {
		t.Errorf("or specify other: %+v", c)
	}
	if d := question(t, inst, "visit").Default; d != "2010-06-15" {
		t.Errorf("date default typed as an Excel date: %q, want 2010-06-15", d)
	}
	if a := question(t, inst, "good_day").Appearance; a != "minimal" {
		t.Errorf("appearance %q", a)
	}
}

// Zip bombs and oversized sheets.

// bomb returns an .xlsx whose worksheet is size bytes of repeated XML,
// compressed to little. With honest false, the zip directory claims the
// sheet holds 1,000 bytes.
func bomb(t *testing.T, size int, honest bool) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	small := map[string]string{
		"[Content_Types].xml": `<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">` +
			`<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>` +
			`<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>` +
			`<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>`,
		"_rels/.rels": `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
			`<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>`,
		"xl/workbook.xml": `<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">` +
			`<sheets><sheet name="survey" sheetId="1" r:id="rId1"/></sheets></workbook>`,
		"xl/_rels/workbook.xml.rels": `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
			`<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>`,
	}
	for _, name := range []string{"[Content_Types].xml", "_rels/.rels", "xl/workbook.xml", "xl/_rels/workbook.xml.rels"} {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		io.WriteString(w, small[name])
	}

	var comp bytes.Buffer
	fw, err := flate.NewWriter(&comp, flate.BestSpeed)
	if err != nil {
		t.Fatal(err)
	}
	io.WriteString(fw, `<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>`)
	chunk := bytes.Repeat([]byte("<row/>"), 10000)
	for n := 0; n < size; n += len(chunk) {
		fw.Write(chunk)
	}
	io.WriteString(fw, `</sheetData></worksheet>`)
	fw.Close()
	declared := uint64(size)
	if !honest {
		declared = 1000
	}
	w, err := zw.CreateRaw(&zip.FileHeader{
		Name:               "xl/worksheets/sheet1.xml",
		Method:             zip.Deflate,
		CompressedSize64:   uint64(comp.Len()),
		UncompressedSize64: declared,
	})
	if err != nil {
		t.Fatal(err)
	}
	w.Write(comp.Bytes())
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestZipBomb(t *testing.T) {
	const size = 300 << 20
	tests := []struct {
		name   string
		honest bool
		want   string
	}{
		{"declared size", true, "expands to more than 50 MiB"},
		{"lying directory", false, "damaged"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := bomb(t, size, tt.honest)
			if len(data) > MaxBytes {
				t.Fatalf("the bomb is %d bytes, more than an upload may be", len(data))
			}
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			start := time.Now()
			_, err := Read(bytes.NewReader(data), "bomb.xlsx")
			elapsed := time.Since(start)
			runtime.ReadMemStats(&after)
			ps := problems(t, err)
			if !strings.Contains(ps[0].Msg, tt.want) {
				t.Errorf("got %v, want %q", err, tt.want)
			}
			if elapsed > 2*time.Second {
				t.Errorf("refusal took %v", elapsed)
			}
			if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 32<<20 {
				t.Errorf("refusal allocated %d MiB", alloc>>20)
			}
		})
	}

	t.Run("too many rows", func(t *testing.T) {
		f := excelize.NewFile()
		defer f.Close()
		f.SetSheetName("Sheet1", "survey")
		f.SetCellValue("survey", "A1", "type")
		f.SetCellValue("survey", "A10001", "text")
		buf, _ := f.WriteToBuffer()
		_, err := Read(buf, "rows.xlsx")
		wantProblem(t, err, "", 0, `sheet "survey" has more than 10000 rows`)
	})
	t.Run("too many columns", func(t *testing.T) {
		f := excelize.NewFile()
		defer f.Close()
		f.NewSheet("notes")
		f.SetCellValue("notes", "GS1", "x") // column 201
		buf, _ := f.WriteToBuffer()
		_, err := Read(buf, "cols.xlsx")
		wantProblem(t, err, "", 0, `sheet "notes" has more than 200 columns`)
	})
	// excelize finds sheets through the workbook's relationships, so a sheet
	// stored outside xl/worksheets/ must meet the limits too.
	for _, tt := range []struct{ cell, want string }{
		{"A20000", `sheet "survey" has more than 10000 rows`},
		{"GS2", `sheet "survey" has more than 200 columns`},
	} {
		t.Run("relocated sheet "+tt.cell, func(t *testing.T) {
			f := excelize.NewFile()
			defer f.Close()
			f.SetSheetName("Sheet1", "survey")
			f.SetSheetRow("survey", "A1", &[]any{"type", "name", "label"})
			f.SetCellValue("survey", tt.cell, "far")
			buf, _ := f.WriteToBuffer()
			_, err := Read(bytes.NewReader(relocate(t, buf.Bytes())), "moved.xlsx")
			wantProblem(t, err, "", 0, tt.want)
		})
	}
	t.Run("limits themselves accepted", func(t *testing.T) {
		f := excelize.NewFile()
		defer f.Close()
		f.SetSheetName("Sheet1", "survey")
		f.SetSheetRow("survey", "A1", &[]any{"type", "name", "label"})
		f.SetSheetRow("survey", "A2", &[]any{"text", "q", "Q"})
		f.SetCellValue("survey", "GR10000", " ") // column 200, row 10000
		buf, _ := f.WriteToBuffer()
		if _, err := Read(buf, "limits.xlsx"); err != nil {
			t.Error(err)
		}
	})
}

func TestSanitize(t *testing.T) {
	tests := map[string]string{
		"cascading_select":           "cascading_select",
		"My Form (v2).final":         "my_form_v2_final",
		"部门自评":                       "",
		"  --Dept-Report--  ":        "dept_report",
		strings.Repeat("a", 100):     strings.Repeat("a", maxCodeLen),
		"Dept Self-Assessment 2026!": "dept_self_assessment_2026",
	}
	for in, want := range tests {
		if got := sanitize(in); got != want {
			t.Errorf("sanitize(%q) = %q, want %q", in, got, want)
		}
	}
	inst, err := Read(bytes.NewReader(buildBook(t, survey([]any{"type", "name", "label"}, []any{"text", "q", "Q"}))), "2026 report.xlsx")
	if err != nil || inst.Code != "2026_report" || inst.Sections[0].Code != "form_2026_report" {
		t.Errorf("code %q, section %q, %v: want 2026_report and form_2026_report", inst.Code, inst.Sections[0].Code, err)
	}
	valid(t, inst)
	inst = mustRead(t, survey([]any{"type", "name", "label"}, []any{"text", "q", "Q"}))
	if inst.Code != "form" {
		t.Errorf("code from file name form.xlsx: %q", inst.Code)
	}
	inst, err = Read(bytes.NewReader(buildBook(t, survey([]any{"type", "name", "label"}, []any{"text", "q", "问"}))), "自评表.xlsx")
	if err != nil || inst.Code != "xlsform" {
		t.Errorf("code of an all-Chinese file name: %v %v", inst, err)
	}
}

// FuzzRead feeds damaged workbooks to Read: whatever the bytes, it returns
// an instrument or an error, never panics.
func FuzzRead(f *testing.F) {
	good := buildBook(f, survey([]any{"type", "name", "label", "relevant"},
		[]any{"select_one yn", "q", "Q"}, []any{"begin_group", "g", "G", "${q} = 'y'"}, []any{"text", "a", "A"}, []any{"end_group"}),
		choices([]any{"list_name", "name", "label"}, []any{"yn", "y", "Yes"}))
	f.Add(good)
	f.Add(good[:len(good)/2])
	f.Add([]byte("PK\x03\x04"))
	f.Fuzz(func(t *testing.T, data []byte) {
		inst, err := Read(bytes.NewReader(data), "fuzz.xlsx")
		if (inst == nil) == (err == nil) {
			t.Fatalf("instrument %v and error %v", inst, err)
		}
	})
}

// relocate moves the first worksheet of an .xlsx to xl/hidden/data1.xml and
// points the workbook's relationships there.
func relocate(t *testing.T, data []byte) []byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	zw := zip.NewWriter(&out)
	for _, e := range zr.File {
		rc, err := e.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		name := e.Name
		if name == "xl/worksheets/sheet1.xml" {
			name = "xl/hidden/data1.xml"
		}
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(bytes.ReplaceAll(b, []byte("worksheets/sheet1.xml"), []byte("hidden/data1.xml")))
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}
