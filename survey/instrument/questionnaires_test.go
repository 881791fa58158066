package instrument

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"unicode"

	"go.yaml.in/yaml/v3"
)

// The default questionnaires, their codes, and the source of the framework
// variables each one supplies ("" for none: the citizen survey's variables
// are totals over respondents, computed by survey code).
var defaultQuestionnaires = []struct {
	file, code, source string
}{
	{"self_assessment.yaml", "DGMI-SA", "survey"},
	{"data_report.yaml", "DGMI-DR", "metrics"},
	{"citizen.yaml", "DGMI-CS", ""},
}

// citizenScaleItems are the citizen questionnaire's 5-point items, whose
// answers survey code sums into sa_survey_score_total and counts into
// sa_survey_item_answers (see the comment at the top of citizen.yaml).
var citizenScaleItems = []string{
	"overall_satisfaction", "process_ease",
	"aspect_staff", "aspect_waiting", "aspect_information", "aspect_online",
}

const dgmiPath = "../../scoring/frameworks/dgmi.yaml"

func readQuestionnaire(t *testing.T, file string) *Instrument {
	t.Helper()
	f, err := os.Open(filepath.Join("questionnaires", file))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	in, err := ReadYAML(f)
	if err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	return in
}

// dgmiVariables returns the source of every variable of the default
// framework, by code.
func dgmiVariables(t *testing.T) map[string]string {
	t.Helper()
	data, err := os.ReadFile(dgmiPath)
	if err != nil {
		t.Fatal(err)
	}
	var fw struct {
		Variables []struct {
			Code   string `yaml:"code"`
			Source string `yaml:"source"`
		} `yaml:"variables"`
	}
	if err := yaml.Unmarshal(data, &fw); err != nil {
		t.Fatalf("%s: %v", dgmiPath, err)
	}
	if len(fw.Variables) == 0 {
		t.Fatalf("%s: no variables", dgmiPath)
	}
	out := make(map[string]string, len(fw.Variables))
	for _, v := range fw.Variables {
		out[v.Code] = v.Source
	}
	return out
}

// untranslated appends the path of every non-empty Text under v that lacks
// one of its languages or whose Chinese has no Chinese in it (a sign of
// swapped keys).
func untranslated(v reflect.Value, path string, out *[]string) {
	switch v.Kind() {
	case reflect.Pointer:
		if !v.IsNil() {
			untranslated(v.Elem(), path, out)
		}
	case reflect.Slice:
		for i := 0; i < v.Len(); i++ {
			untranslated(v.Index(i), fmt.Sprintf("%s[%d]", path, i), out)
		}
	case reflect.Struct:
		switch t := v.Interface().(type) {
		case Text:
			hasHan := strings.IndexFunc(t.Zh, func(r rune) bool { return unicode.Is(unicode.Han, r) }) >= 0
			if !t.IsZero() && (strings.TrimSpace(t.Zh) == "" || strings.TrimSpace(t.En) == "" || !hasHan) {
				*out = append(*out, fmt.Sprintf("%s %+v", path, t))
			}
			return
		case Question:
			path = fmt.Sprintf("question %q", t.Name)
		case Section:
			path = fmt.Sprintf("section %q", t.Code)
		}
		for i := 0; i < v.NumField(); i++ {
			untranslated(v.Field(i), path+"."+v.Type().Field(i).Name, out)
		}
	}
}

func TestDefaultQuestionnairesRead(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("questionnaires", "*.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, d := range defaultQuestionnaires {
		want = append(want, filepath.Join("questionnaires", d.file))
	}
	slices.Sort(files)
	slices.Sort(want)
	if !slices.Equal(files, want) {
		t.Errorf("questionnaires/ holds %v, want %v", files, want)
	}
	for _, d := range defaultQuestionnaires {
		t.Run(d.file, func(t *testing.T) {
			in := readQuestionnaire(t, d.file)
			if err := in.Validate(); err != nil {
				t.Fatal(err)
			}
			if in.Code != d.code || in.Version != "2026.1" {
				t.Errorf("code, version = %q, %q; want %q, 2026.1", in.Code, in.Version, d.code)
			}
			var bad []string
			untranslated(reflect.ValueOf(in), "instrument", &bad)
			for _, b := range bad {
				t.Errorf("text not in both languages: %s", b)
			}
		})
	}
}

func TestSelfAssessmentMaturityQuestions(t *testing.T) {
	in := readQuestionnaire(t, "self_assessment.yaml")
	var got []string
	for _, s := range in.Sections {
		for _, q := range s.Questions {
			if q.Type != TypeMaturity {
				continue
			}
			got = append(got, q.Name)
			if !q.Required || q.EvidenceFrom != 3 {
				t.Errorf("%s: required %v, evidence_from %d; want true, 3", q.Name, q.Required, q.EvidenceFrom)
			}
			if q.Hint.Zh == "" || q.Hint.En == "" || !strings.Contains(q.Hint.En, "0 = unknown") {
				t.Errorf("%s: hint %+v does not explain the levels and 0", q.Name, q.Hint)
			}
			if len(q.Levels) != 5 {
				t.Errorf("%s: %d levels, want 5", q.Name, len(q.Levels))
			}
			for i, l := range q.Levels {
				if l.Level != i+1 {
					t.Errorf("%s: level %d at position %d", q.Name, l.Level, i+1)
				}
				if strings.TrimSpace(l.Description.Zh) == "" || strings.TrimSpace(l.Description.En) == "" {
					t.Errorf("%s: level %d is not described in both languages", q.Name, l.Level)
				}
			}
		}
	}
	var want []string
	for i := 1; i <= 10; i++ {
		want = append(want, fmt.Sprintf("ma%d_level", i))
	}
	if !slices.Equal(got, want) {
		t.Errorf("maturity questions %v, want %v", got, want)
	}
}

func TestDataReportMatchesFramework(t *testing.T) {
	vars := dgmiVariables(t)
	in := readQuestionnaire(t, "data_report.yaml")
	asked := map[string]bool{}
	for _, name := range in.Variables() {
		if !strings.HasPrefix(name, "sh_") && !strings.HasPrefix(name, "ef_") {
			continue
		}
		asked[name] = true
		if src, ok := vars[name]; !ok || src != "metrics" {
			t.Errorf("data report asks %s, which is not a metrics variable of dgmi.yaml (source %q)", name, src)
		}
	}
	for code, src := range vars {
		if src == "metrics" && (strings.HasPrefix(code, "sh_") || strings.HasPrefix(code, "ef_")) && !asked[code] {
			t.Errorf("dgmi.yaml metrics variable %s is not asked by the data report", code)
		}
	}
	for name := range asked {
		q := in.Question(name)
		if q.Type != TypeInteger && q.Type != TypeDecimal {
			t.Errorf("%s: type %s, want integer or decimal", name, q.Type)
		}
		if q.Min == nil || *q.Min != 0 {
			t.Errorf("%s: min is not 0", name)
		}
		if !strings.HasPrefix(q.Hint.Zh, "单位：") || !strings.HasPrefix(q.Hint.En, "Unit: ") {
			t.Errorf("%s: the hint does not start with the unit: %+v", name, q.Hint)
		}
	}
}

// TestQuestionnaireVariablesAgainstFramework checks that no questionnaire
// supplies a framework variable it should not (a contact field named like a
// scoring variable, say) and that every survey variable is asked.
func TestQuestionnaireVariablesAgainstFramework(t *testing.T) {
	vars := dgmiVariables(t)
	supplied := map[string]bool{}
	for _, d := range defaultQuestionnaires {
		in := readQuestionnaire(t, d.file)
		for _, name := range in.Variables() {
			src, ok := vars[name]
			if !ok {
				continue
			}
			if src != d.source {
				t.Errorf("%s: %s is a %s variable of dgmi.yaml", d.file, name, src)
			}
			supplied[name] = true
		}
	}
	for code, src := range vars {
		if src == "survey" && !supplied[code] {
			t.Errorf("survey variable %s is asked by no questionnaire", code)
		}
	}
}

// TestCitizenScaleItems keeps citizenScaleItems (and the comment in
// citizen.yaml that survey code follows) in step with the questionnaire:
// they are exactly its answers on a 1–5 scale, best at 5.
func TestCitizenScaleItems(t *testing.T) {
	vars := dgmiVariables(t)
	for _, v := range []string{"sa_survey_score_total", "sa_survey_item_answers"} {
		if vars[v] != "citizen_survey" {
			t.Errorf("dgmi.yaml: %s has source %q, want citizen_survey", v, vars[v])
		}
	}
	in := readQuestionnaire(t, "citizen.yaml")
	var got []string
	for _, s := range in.Sections {
		for _, q := range s.Questions {
			switch q.Type {
			case TypeLikert:
				if q.Points() != 5 {
					t.Errorf("%s: %d points, want 5", q.Name, q.Points())
				}
				got = append(got, q.Name)
			case TypeMatrix:
				var values []string
				for _, c := range q.Choices {
					values = append(values, c.Value)
				}
				if !slices.Equal(values, []string{"1", "2", "3", "4", "5"}) {
					t.Errorf("%s: choices %v, want 1..5", q.Name, values)
				}
				got = append(got, q.Variables()...)
			}
		}
	}
	if !slices.Equal(got, citizenScaleItems) {
		t.Errorf("5-point items %v, want %v", got, citizenScaleItems)
	}
	if comment, err := os.ReadFile(filepath.Join("questionnaires", "citizen.yaml")); err != nil {
		t.Fatal(err)
	} else {
		for _, item := range citizenScaleItems {
			if !strings.Contains(string(comment), item) {
				t.Errorf("citizen.yaml does not mention %s in its comment", item)
			}
		}
	}
}

// validDataReport is a complete, consistent data report.
func validDataReport() Answers {
	return Answers{
		"sh_resources_inventory":           "120",
		"sh_resources_catalogued":          "110",
		"sh_resources_unconditional":       "60",
		"sh_resources_conditional":         "40",
		"sh_datasets_with_frequency":       "90",
		"sh_datasets_updated_on_time":      "81",
		"sh_requests_received":             "50",
		"sh_requests_answered_on_time":     "46",
		"sh_requests_refused_lawfully":     "3",
		"sh_requests_delivered":            "44",
		"sh_api_calls_by_others":           "182345",
		"sh_open_datasets":                 "30",
		"sh_open_datasets_api":             "24",
		"ef_items_total":                   "210",
		"ef_items_fully_online":            "150",
		"ef_items_one_visit":               "198",
		"sh_materials_required":            "1260",
		"sh_materials_exempted":            "415",
		"ef_statutory_days_total":          "3150",
		"ef_promised_days_total":           "1280.5",
		"ef_cases_completed":               "18230",
		"ef_cases_completed_online":        "14102",
		"ef_cases_completed_on_time":       "18011",
		"ef_processing_days_mean":          "4.6",
		"ef_statutory_days_mean":           "15.2",
		"ef_promised_days_mean":            "6.8",
		"ef_online_applications_started":   "15020",
		"ef_online_applications_concluded": "14630",
		"cost_known":                       "yes",
		"ef_cost_total":                    "5460000",
		"ef_cost_target":                   "250",
		"ef_cost_ceiling":                  "320",
	}
}

func validSelfAssessment() Answers {
	a := Answers{
		"respondent_name": "王晓明", "respondent_position": "办公室 副主任",
		"respondent_phone": "13812345678",
	}
	for i := 1; i <= 10; i++ {
		a[fmt.Sprintf("ma%d_level", i)] = "3"
		a[fmt.Sprintf("ma%d_level_evidence", i)] = "https://example.gov.cn/evidence"
	}
	return a
}

func validCitizen() Answers {
	return Answers{
		"service_channel": "window", "visits": "1",
		"overall_satisfaction": "4", "process_ease": "5", "aspect_staff": "5",
		"aware_online": "yes", "aware_source": "staff",
	}
}

// TestQuestionnaireRules runs the questionnaires' relevance, constraints
// and patterns through Check: a consistent response passes, and each kind
// of typing error gets its own message.
func TestQuestionnaireRules(t *testing.T) {
	type change map[string]string // "" deletes the answer
	tests := []struct {
		name, file string
		base       func() Answers
		change     change
		problem    string // answer name that must have a problem ("" for none)
		message    string // part of the Chinese message, if any
		hidden     string // question that must not be relevant
	}{
		{name: "data report complete", file: "data_report.yaml", base: validDataReport},
		{name: "catalogued above inventory", file: "data_report.yaml", base: validDataReport,
			change: change{"sh_resources_catalogued": "121"}, problem: "sh_resources_catalogued", message: "已编目资源数不能超过资源总数"},
		{name: "catalogued equal to inventory", file: "data_report.yaml", base: validDataReport,
			change: change{"sh_resources_catalogued": "120"}},
		{name: "sharing classes above catalogued", file: "data_report.yaml", base: validDataReport,
			change: change{"sh_resources_conditional": "51"}, problem: "sh_resources_conditional", message: "之和不能超过"},
		{name: "delivered plus refused above received", file: "data_report.yaml", base: validDataReport,
			change: change{"sh_requests_delivered": "48"}, problem: "sh_requests_delivered", message: "之和不能超过"},
		{name: "no requests: the follow-ups are skipped", file: "data_report.yaml", base: validDataReport,
			change: change{"sh_requests_received": "0", "sh_requests_answered_on_time": "", "sh_requests_refused_lawfully": "", "sh_requests_delivered": ""},
			hidden: "sh_requests_delivered"},
		{name: "API calls may be left blank", file: "data_report.yaml", base: validDataReport,
			change: change{"sh_api_calls_by_others": ""}},
		{name: "count with a fraction", file: "data_report.yaml", base: validDataReport,
			change: change{"ef_cases_completed": "18230.5"}, problem: "ef_cases_completed"},
		{name: "negative count", file: "data_report.yaml", base: validDataReport,
			change: change{"sh_api_calls_by_others": "-1"}, problem: "sh_api_calls_by_others"},
		{name: "one visit fewer than fully online", file: "data_report.yaml", base: validDataReport,
			change: change{"ef_items_one_visit": "149"}, problem: "ef_items_one_visit", message: "最多跑一次"},
		{name: "promised above statutory (items)", file: "data_report.yaml", base: validDataReport,
			change: change{"ef_promised_days_total": "3150.5"}, problem: "ef_promised_days_total", message: "承诺时限合计不能超过法定时限合计"},
		{name: "promised above statutory (cases)", file: "data_report.yaml", base: validDataReport,
			change: change{"ef_promised_days_mean": "16"}, problem: "ef_promised_days_mean", message: "平均承诺时限"},
		{name: "online completed above completed", file: "data_report.yaml", base: validDataReport,
			change: change{"ef_cases_completed_online": "18231"}, problem: "ef_cases_completed_online"},
		{name: "mean time missing", file: "data_report.yaml", base: validDataReport,
			change: change{"ef_processing_days_mean": ""}, problem: "ef_processing_days_mean"},
		{name: "cost section skipped", file: "data_report.yaml", base: validDataReport,
			change: change{"cost_known": "no", "ef_cost_total": "", "ef_cost_target": "", "ef_cost_ceiling": ""}, hidden: "ef_cost_total"},
		{name: "cost total required when known", file: "data_report.yaml", base: validDataReport,
			change: change{"ef_cost_total": ""}, problem: "ef_cost_total"},
		{name: "cost without target and ceiling", file: "data_report.yaml", base: validDataReport,
			change: change{"ef_cost_target": "", "ef_cost_ceiling": ""}},
		{name: "ceiling not above target", file: "data_report.yaml", base: validDataReport,
			change: change{"ef_cost_ceiling": "250"}, problem: "ef_cost_ceiling", message: "上限值应高于目标值"},

		{name: "self-assessment complete", file: "self_assessment.yaml", base: validSelfAssessment,
			hidden: "unknown_reason"},
		{name: "level 3 without evidence", file: "self_assessment.yaml", base: validSelfAssessment,
			change: change{"ma4_level_evidence": ""}, problem: "ma4_level_evidence"},
		{name: "level 2 without evidence", file: "self_assessment.yaml", base: validSelfAssessment,
			change: change{"ma4_level": "2", "ma4_level_evidence": ""}},
		{name: "level 6", file: "self_assessment.yaml", base: validSelfAssessment,
			change: change{"ma4_level": "6"}, problem: "ma4_level"},
		{name: "unknown level needs a reason", file: "self_assessment.yaml", base: validSelfAssessment,
			change: change{"ma8_level": "0", "ma8_level_evidence": ""}, problem: "unknown_reason"},
		{name: "unknown level with a reason", file: "self_assessment.yaml", base: validSelfAssessment,
			change: change{"ma8_level": "0", "ma8_level_evidence": "", "unknown_reason": "MA8：本部门无监管执法职能。"}},
		{name: "landline with area code and extension", file: "self_assessment.yaml", base: validSelfAssessment,
			change: change{"respondent_phone": "0571-87654321-8021"}},
		{name: "Beijing landline", file: "self_assessment.yaml", base: validSelfAssessment,
			change: change{"respondent_phone": "01065432109"}},
		{name: "mobile number too short", file: "self_assessment.yaml", base: validSelfAssessment,
			change: change{"respondent_phone": "1381234567"}, problem: "respondent_phone", message: "请填写11位手机号码"},
		{name: "mobile number starting 12", file: "self_assessment.yaml", base: validSelfAssessment,
			change: change{"respondent_phone": "12812345678"}, problem: "respondent_phone"},
		{name: "landline without area code", file: "self_assessment.yaml", base: validSelfAssessment,
			change: change{"respondent_phone": "87654321"}, problem: "respondent_phone"},

		{name: "citizen complete", file: "citizen.yaml", base: validCitizen},
		{name: "citizen unaware", file: "citizen.yaml", base: validCitizen,
			change: change{"aware_online": "no", "aware_source": ""}, hidden: "aware_source"},
		{name: "citizen aware without source", file: "citizen.yaml", base: validCitizen,
			change: change{"aware_source": ""}, problem: "aware_source"},
		{name: "citizen rating 6", file: "citizen.yaml", base: validCitizen,
			change: change{"overall_satisfaction": "6"}, problem: "overall_satisfaction"},
		{name: "citizen matrix row out of scale", file: "citizen.yaml", base: validCitizen,
			change: change{"aspect_waiting": "0"}, problem: "aspect_waiting"},
		{name: "citizen overall rating missing", file: "citizen.yaml", base: validCitizen,
			change: change{"overall_satisfaction": ""}, problem: "overall_satisfaction"},
	}
	instruments := map[string]*Instrument{}
	for _, d := range defaultQuestionnaires {
		instruments[d.file] = readQuestionnaire(t, d.file)
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := instruments[tc.file]
			a := tc.base()
			for k, v := range tc.change {
				if v == "" {
					delete(a, k)
				} else {
					a[k] = v
				}
			}
			problems := in.Check(a, "zh", true)
			if tc.problem == "" {
				if len(problems) > 0 {
					t.Errorf("problems %v, want none", problems)
				}
			} else {
				msg, ok := problems[tc.problem]
				if !ok {
					t.Errorf("no problem with %s; problems %v", tc.problem, problems)
				} else if !strings.Contains(msg, tc.message) {
					t.Errorf("%s: message %q, want it to contain %q", tc.problem, msg, tc.message)
				}
				for k := range problems {
					if k != tc.problem {
						t.Errorf("unexpected problem with %s: %s", k, problems[k])
					}
				}
			}
			if tc.hidden != "" && in.Relevant(a)[tc.hidden] {
				t.Errorf("%s is relevant, want it skipped", tc.hidden)
			}
		})
	}
}
