package instrument

import (
	"errors"
	"os"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// readSample reads testdata/sample.yaml.
func readSample(t *testing.T) *Instrument {
	t.Helper()
	f, err := os.Open("testdata/sample.yaml")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	in, err := ReadYAML(f)
	if err != nil {
		t.Fatalf("ReadYAML(sample.yaml): %v", err)
	}
	return in
}

func TestReadYAMLSample(t *testing.T) {
	in := readSample(t)
	if in.Code != "sample" || in.Version != "1.0" {
		t.Errorf("code %q version %q", in.Code, in.Version)
	}
	if in.Title.In("zh") != "部门数字政府建设自评问卷（示例）" || in.Title.In("en") != "Department digital government self-assessment (sample)" {
		t.Errorf("title %+v", in.Title)
	}
	if got := in.Question("comment").Label; got.Zh != "其他意见" || got.En != "" {
		t.Errorf("a plain string label should be Chinese: %+v", got)
	}
	types := map[string]bool{}
	in.each(func(_ *Section, q *Question) { types[q.Type] = true })
	for typ := range knownTypes {
		if !types[typ] {
			t.Errorf("sample.yaml has no %s question", typ)
		}
	}
	if got, want := in.QuestionCount(), 23; got != want {
		t.Errorf("QuestionCount() = %d, want %d", got, want)
	}
	want := "dept_kind channels staff budget online_share contact head_count_check staff_per_channel form_version " +
		"satisfaction ease has_hotline hotline_hours last_review open_time last_outage quality_speed quality_attitude " +
		"ontime_num ontime_den effort ma1 ma1_evidence comment confirm"
	if got := strings.Join(in.Variables(), " "); got != want {
		t.Errorf("Variables() =\n%s\nwant\n%s", got, want)
	}
}

func TestTextUnmarshalYAML(t *testing.T) {
	tests := []struct {
		name    string
		src     string
		want    Text
		wantErr string
	}{
		{"plain string is Chinese", `t: 满意度`, Text{Zh: "满意度"}, ""},
		{"quoted string", `t: "Satisfaction"`, Text{Zh: "Satisfaction"}, ""},
		{"number scalar", `t: 2026`, Text{Zh: "2026"}, ""},
		{"null", `t: ~`, Text{}, ""},
		{"both languages", `t: {zh: 满意度, en: Satisfaction}`, Text{Zh: "满意度", En: "Satisfaction"}, ""},
		{"English only", `t: {en: Satisfaction}`, Text{En: "Satisfaction"}, ""},
		{"sequence", `t: [a, b]`, Text{}, "expected a text"},
		{"unknown language", `t: {zh: 满意度, fr: Satisfaction}`, Text{}, `unknown language "fr"`},
		{"nested mapping", `t: {zh: {a: b}}`, Text{}, "must be a string"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var v struct {
				T Text `yaml:"t"`
			}
			err := yaml.Unmarshal([]byte(tt.src), &v)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if v.T != tt.want {
				t.Errorf("got %+v, want %+v", v.T, tt.want)
			}
		})
	}
}

const minimalYAML = `code: t
version: "1"
title: 测试
sections:
  - code: s
    title: 第一部分
    questions:
      - name: q1
        type: integer
        label: 人数
`

func TestReadYAMLRefuses(t *testing.T) {
	tests := []struct {
		name  string
		src   string
		where string
		msg   string
	}{
		{"empty file", "  \n", "file", "empty"},
		{"too large", minimalYAML + "# " + strings.Repeat("x", MaxYAMLSize), "file", "larger than 4 MiB"},
		{"syntax error", "code: [t\n", "line 1", "did not find expected"},
		{"unknown key", strings.Replace(minimalYAML, "        label: 人数", "        lable: 人数", 1), "line 10", `unknown key "lable"`},
		{"unknown top key", minimalYAML + "author: me\n", "line 11", `unknown key "author"`},
		{"bad text", strings.Replace(minimalYAML, "title: 测试", "title: [测试]", 1), "line 3", "expected a text"},
		{"bad number", minimalYAML + "        min: many\n", "line 11", "cannot unmarshal"},
		{"two documents", minimalYAML + "---\ncode: u\n", "file", "more than one YAML document"},
		{"duplicate key", minimalYAML + "code: u\n", "line 11", "already defined"},
		{"invalid after decoding", strings.Replace(minimalYAML, "type: integer", "type: number", 1), `section "s", question "q1"`, `unknown type "number"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in, err := ReadYAML(strings.NewReader(tt.src))
			if err == nil {
				t.Fatalf("ReadYAML succeeded: %+v", in)
			}
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("error %T %v, want *Error", err, err)
			}
			for _, p := range e.Problems {
				if p.Where == tt.where && strings.Contains(p.Msg, tt.msg) {
					return
				}
			}
			t.Errorf("problems %v, want %s: …%s…", e.Problems, tt.where, tt.msg)
		})
	}
}

func TestReadYAMLListsEveryProblem(t *testing.T) {
	src := `code: t
version: ""
title: 测试
colour: red
sections:
  - code: s
    title: 第一部分
    questions:
      - name: q1
        type: integer
        label: 人数
        min: 5
        max: 1
      - name: q1
        type: single
        label: 选择
      - name: q3
        type: text
        label: 文字
        relevant: ${nowhere} = 1
`
	_, err := ReadYAML(strings.NewReader(src))
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("err = %v", err)
	}
	for _, want := range []string{
		`line 4: unknown key "colour"`,
		"instrument: version is missing",
		`section "s", question "q1": min 5 is greater than max 1`,
		`section "s", question "q1": duplicate name "q1"`,
		`section "s", question "q1": no choices`,
		`section "s", question "q3": relevant names unknown question "nowhere"`,
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not contain %q:\n%v", want, err)
		}
	}
	if len(e.Problems) != 6 {
		t.Errorf("%d problems, want 6: %v", len(e.Problems), e.Problems)
	}
}
