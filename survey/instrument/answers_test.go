package instrument

import (
	"errors"
	"maps"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"
)

// goodAnswers are complete, valid final answers to sample.yaml.
func goodAnswers() Answers {
	return Answers{
		"dept_kind": "service", "channels": "hall web", "staff": "120", "budget": "35.5",
		"online_share": "80", "contact": "13912345678", "form_version": "2026",
		"satisfaction": "4", "ease": "6", "has_hotline": "yes", "hotline_hours": "9:00-17:00",
		"last_review": "2025-06-30", "open_time": "08:30", "last_outage": "2025-01-02T03:04",
		"quality_speed": "3", "quality_attitude": "2", "ontime_num": "90", "ontime_den": "100",
		"effort": "2", "ma1": "4", "ma1_evidence": "《数据共享目录》", "comment": "", "confirm": "OK",
	}
}

func TestCheck(t *testing.T) {
	in := readSample(t)
	tomorrow := time.Now().AddDate(0, 0, 1).Format("2006-01-02")
	tests := []struct {
		name   string
		change Answers // answers replacing those of goodAnswers ("" clears)
		lang   string
		draft  bool
		want   map[string]string
	}{
		{name: "good answers", want: map[string]string{}},
		{name: "good answers in English", lang: "en", want: map[string]string{}},

		// required
		{name: "required single missing", change: Answers{"dept_kind": ""}, want: map[string]string{"dept_kind": "必填"}},
		{name: "required in English", change: Answers{"dept_kind": ""}, lang: "en", want: map[string]string{"dept_kind": "Required"}},
		{name: "blank counts as missing", change: Answers{"staff": "  "}, want: map[string]string{"staff": "必填"}},
		{name: "draft leaves required empty", change: Answers{"dept_kind": "", "staff": "", "confirm": "", "ontime_num": "", "ma1": ""}, draft: true, want: map[string]string{}},
		{name: "draft still checks format", change: Answers{"staff": "abc"}, draft: true, want: map[string]string{"staff": "请输入整数"}},
		{name: "optional may stay empty", change: Answers{"budget": "", "contact": "", "last_review": ""}, want: map[string]string{}},
		{name: "required when relevant", change: Answers{"hotline_hours": ""}, want: map[string]string{"hotline_hours": "必填"}},
		{name: "not required when not relevant", change: Answers{"has_hotline": "no", "hotline_hours": ""}, want: map[string]string{}},
		{name: "irrelevant answer not checked", change: Answers{"channels": "hall", "online_share": "200"}, want: map[string]string{}},
		{name: "section relevance", change: Answers{"dept_kind": "support", "satisfaction": "", "has_hotline": "", "quality_speed": "9", "ontime_num": "", "ontime_den": ""}, want: map[string]string{}},

		// single and multiple
		{name: "single not in list", change: Answers{"dept_kind": "other"}, want: map[string]string{"dept_kind": "请从列表中选择"}},
		{name: "single not in list English", change: Answers{"dept_kind": "<script>"}, lang: "en", want: map[string]string{"dept_kind": "Choose from the list"}},
		{name: "multiple not in list", change: Answers{"channels": "hall fax"}, want: map[string]string{"channels": "请从列表中选择"}},
		{name: "multiple twice", change: Answers{"channels": "hall hall"}, want: map[string]string{"channels": "同一选项不能选两次"}},
		{name: "multiple constraint message", change: Answers{"channels": "hall web app phone"}, want: map[string]string{"channels": "最多选三项"}},
		{name: "multiple constraint message English", change: Answers{"channels": "hall web app phone"}, lang: "en", want: map[string]string{"channels": "Choose at most three"}},
		{name: "multiple at the constraint bound", change: Answers{"channels": "hall web app"}, want: map[string]string{}},

		// integer
		{name: "integer with fraction", change: Answers{"staff": "12.5"}, want: map[string]string{"staff": "请输入整数"}},
		{name: "integer text", change: Answers{"staff": "many"}, lang: "en", want: map[string]string{"staff": "Enter a whole number"}},
		{name: "integer exponent", change: Answers{"staff": "1e3"}, want: map[string]string{"staff": "请输入整数"}},
		{name: "integer below min", change: Answers{"staff": "0"}, want: map[string]string{"staff": "不能小于 1"}},
		{name: "integer below min English", change: Answers{"staff": "0"}, lang: "en", want: map[string]string{"staff": "At least 1"}},
		{name: "integer at min", change: Answers{"staff": "1"}, want: map[string]string{}},
		{name: "integer at max", change: Answers{"staff": "5000"}, want: map[string]string{}},
		{name: "integer above max", change: Answers{"staff": "5001"}, want: map[string]string{"staff": "不能大于 5000"}},
		{name: "integer above max English", change: Answers{"staff": "5001"}, lang: "en", want: map[string]string{"staff": "At most 5000"}},
		{name: "integer huge", change: Answers{"staff": strings.Repeat("9", 40)}, want: map[string]string{"staff": "请输入整数"}},

		// decimal and percent
		{name: "decimal text", change: Answers{"budget": "abc"}, want: map[string]string{"budget": "请输入数字"}},
		{name: "decimal hex refused", change: Answers{"budget": "0x10"}, want: map[string]string{"budget": "请输入数字"}},
		{name: "decimal NaN refused", change: Answers{"budget": "NaN"}, want: map[string]string{"budget": "请输入数字"}},
		{name: "decimal below min", change: Answers{"budget": "-0.01"}, want: map[string]string{"budget": "不能小于 0"}},
		{name: "decimal at min", change: Answers{"budget": "0"}, want: map[string]string{}},
		{name: "percent above 100", change: Answers{"online_share": "100.5"}, want: map[string]string{"online_share": "请输入 0 到 100 之间的数"}},
		{name: "percent below 0", change: Answers{"online_share": "-1"}, lang: "en", want: map[string]string{"online_share": "Enter a number from 0 to 100"}},
		{name: "percent at 100", change: Answers{"online_share": "100"}, want: map[string]string{}},
		{name: "percent at 0", change: Answers{"online_share": "0"}, want: map[string]string{}},
		{name: "percent text", change: Answers{"online_share": "80%"}, want: map[string]string{"online_share": "请输入数字"}},

		// text and long text
		{name: "text pattern message", change: Answers{"contact": "12345"}, want: map[string]string{"contact": "请输入 11 位手机号码"}},
		{name: "text pattern message English", change: Answers{"contact": "139123456789"}, lang: "en", want: map[string]string{"contact": "Enter an 11-digit mobile number"}},
		{name: "text pattern matches whole answer", change: Answers{"contact": "x13912345678"}, want: map[string]string{"contact": "请输入 11 位手机号码"}},
		{name: "text at 500 characters", change: Answers{"hotline_hours": strings.Repeat("字", 500)}, want: map[string]string{}},
		{name: "text over 500 characters", change: Answers{"hotline_hours": strings.Repeat("字", 501)}, want: map[string]string{"hotline_hours": "不能超过 500 个字"}},
		{name: "text NUL", change: Answers{"hotline_hours": "9\x0017"}, want: map[string]string{"hotline_hours": "含有无效字符"}},
		{name: "text invalid UTF-8", change: Answers{"hotline_hours": "9\xff17"}, lang: "en", want: map[string]string{"hotline_hours": "Contains invalid characters"}},
		{name: "text hostile but valid", change: Answers{"hotline_hours": "<script>alert(1)</script>", "comment": "=HYPERLINK(\"x\")\n@SUM(1)"}, want: map[string]string{}},
		{name: "long text at 10000", change: Answers{"comment": strings.Repeat("a", 10000)}, want: map[string]string{}},
		{name: "long text over 10000", change: Answers{"comment": strings.Repeat("a", 10001)}, lang: "en", want: map[string]string{"comment": "At most 10000 characters"}},
		{name: "hidden invalid", change: Answers{"form_version": "\x00"}, want: map[string]string{"form_version": "含有无效字符"}},

		// likert and yes/no
		{name: "likert above scale", change: Answers{"satisfaction": "6"}, want: map[string]string{"satisfaction": "请选择 1 到 5 之间的分值"}},
		{name: "likert zero", change: Answers{"satisfaction": "0"}, lang: "en", want: map[string]string{"satisfaction": "Choose a point from 1 to 5"}},
		{name: "likert at bounds", change: Answers{"satisfaction": "1", "ease": "7"}, want: map[string]string{}},
		{name: "likert seven points", change: Answers{"ease": "8"}, want: map[string]string{"ease": "请选择 1 到 7 之间的分值"}},
		{name: "likert fraction", change: Answers{"satisfaction": "2.5"}, want: map[string]string{"satisfaction": "请选择 1 到 5 之间的分值"}},
		{name: "yesno other", change: Answers{"has_hotline": "是"}, want: map[string]string{"has_hotline": "请选择“是”或“否”"}},
		{name: "yesno capital", change: Answers{"has_hotline": "YES"}, lang: "en", want: map[string]string{"has_hotline": "Choose yes or no"}},

		// dates and times
		{name: "date impossible", change: Answers{"last_review": "2025-02-30"}, want: map[string]string{"last_review": "请输入日期（年-月-日）"}},
		{name: "date with slashes", change: Answers{"last_review": "2025/01/01"}, lang: "en", want: map[string]string{"last_review": "Enter a date (YYYY-MM-DD)"}},
		{name: "date short", change: Answers{"last_review": "2025-1-1"}, want: map[string]string{"last_review": "请输入日期（年-月-日）"}},
		{name: "date constraint", change: Answers{"last_review": tomorrow}, want: map[string]string{"last_review": "不能晚于今天"}},
		{name: "time 24:00", change: Answers{"open_time": "24:00"}, want: map[string]string{"open_time": "请输入时间（时:分）"}},
		{name: "time one digit", change: Answers{"open_time": "8:30"}, lang: "en", want: map[string]string{"open_time": "Enter a time (HH:MM)"}},
		{name: "time with seconds", change: Answers{"open_time": "08:30:15"}, want: map[string]string{}},
		{name: "datetime with space", change: Answers{"last_outage": "2025-01-02 03:04"}, want: map[string]string{"last_outage": "请输入日期和时间（年-月-日 时:分）"}},
		{name: "datetime bad hour", change: Answers{"last_outage": "2025-01-02T25:00"}, lang: "en", want: map[string]string{"last_outage": "Enter a date and time (YYYY-MM-DD HH:MM)"}},

		// matrix
		{name: "matrix row not in list", change: Answers{"quality_speed": "4"}, want: map[string]string{"quality_speed": "请从列表中选择"}},
		{name: "matrix row required", change: Answers{"quality_attitude": ""}, want: map[string]string{"quality_attitude": "必填"}},
		{name: "matrix draft", change: Answers{"quality_attitude": ""}, draft: true, want: map[string]string{}},

		// rate
		{name: "rate numerator above denominator", change: Answers{"ontime_num": "101"}, want: map[string]string{"ontime": "分子不能大于分母"}},
		{name: "rate in English", change: Answers{"ontime_num": "101"}, lang: "en", want: map[string]string{"ontime": "The numerator cannot be greater than the denominator"}},
		{name: "rate equal", change: Answers{"ontime_num": "100"}, want: map[string]string{}},
		{name: "rate zero over zero", change: Answers{"ontime_num": "0", "ontime_den": "0"}, want: map[string]string{}},
		{name: "rate negative", change: Answers{"ontime_num": "-1"}, want: map[string]string{"ontime_num": "请输入不小于 0 的整数"}},
		{name: "rate fraction", change: Answers{"ontime_den": "100.5"}, lang: "en", want: map[string]string{"ontime_den": "Enter a whole number, 0 or more"}},
		{name: "rate denominator required", change: Answers{"ontime_den": ""}, want: map[string]string{"ontime_den": "必填"}},

		// range
		{name: "range above max", change: Answers{"effort": "6"}, want: map[string]string{"effort": "不能大于 5"}},
		{name: "range below min", change: Answers{"effort": "-1"}, want: map[string]string{"effort": "不能小于 0"}},
		{name: "range off step", change: Answers{"effort": "2.5"}, lang: "en", want: map[string]string{"effort": "Use steps of 1"}},
		{name: "range at bounds", change: Answers{"effort": "5"}, want: map[string]string{}},

		// maturity
		{name: "maturity above 5", change: Answers{"ma1": "6"}, want: map[string]string{"ma1": "请选择 0 到 5 级（0 表示不了解或不适用）"}},
		{name: "maturity negative", change: Answers{"ma1": "-1"}, lang: "en", want: map[string]string{"ma1": "Choose a level from 0 to 5 (0: unknown or not applicable)"}},
		{name: "maturity 0 without evidence", change: Answers{"ma1": "0", "ma1_evidence": ""}, want: map[string]string{}},
		{name: "maturity 2 without evidence", change: Answers{"ma1": "2", "ma1_evidence": ""}, want: map[string]string{}},
		{name: "maturity 3 needs evidence", change: Answers{"ma1": "3", "ma1_evidence": ""}, want: map[string]string{"ma1_evidence": "第 3 级及以上须提供佐证材料"}},
		{name: "maturity 5 needs evidence English", change: Answers{"ma1": "5", "ma1_evidence": " "}, lang: "en", want: map[string]string{"ma1_evidence": "Evidence is required from level 3"}},
		{name: "maturity evidence not needed in a draft", change: Answers{"ma1": "5", "ma1_evidence": ""}, draft: true, want: map[string]string{}},
		{name: "maturity required", change: Answers{"ma1": "", "ma1_evidence": ""}, want: map[string]string{"ma1": "必填"}},
		{name: "maturity evidence too long", change: Answers{"ma1_evidence": strings.Repeat("证", 10001)}, want: map[string]string{"ma1_evidence": "不能超过 10000 个字"}},

		// acknowledge
		{name: "acknowledge required", change: Answers{"confirm": ""}, want: map[string]string{"confirm": "必填"}},
		{name: "acknowledge other value", change: Answers{"confirm": "yes"}, lang: "en", want: map[string]string{"confirm": "Tick to confirm"}},

		// several at once
		{name: "several problems", change: Answers{"staff": "x", "effort": "9", "confirm": ""}, want: map[string]string{"staff": "请输入整数", "effort": "不能大于 5", "confirm": "必填"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := goodAnswers()
			maps.Copy(a, tt.change)
			lang := tt.lang
			if lang == "" {
				lang = "zh"
			}
			got := in.Check(a, lang, !tt.draft)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Check() = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestCheckOwnMessages(t *testing.T) {
	in := &Instrument{Code: "t", Version: "1", Title: Text{Zh: "t"}, Sections: []*Section{{Code: "s", Title: Text{Zh: "s"}, Questions: []*Question{
		{Name: "n", Type: TypeInteger, Label: Text{Zh: "n"}, Required: true, RequiredMessage: Text{Zh: "请填写人数", En: "Enter the head count"},
			Constraint: ". mod 2 = 0", ConstraintMessage: Text{Zh: "须为偶数"}},
		{Name: "m", Type: TypeMatrix, Label: Text{Zh: "m"}, Rows: []Row{{Name: "a"}, {Name: "b"}}, Choices: []Choice{{Value: "1"}, {Value: "2"}},
			Constraint: "${m_a} != ${m_b}"},
		{Name: "r", Type: TypeRate, Label: Text{Zh: "r"}, Constraint: "${r_den} >= 10", ConstraintMessage: Text{Zh: "分母至少为 10", En: "At least 10 cases"}},
	}}}}
	if err := in.Validate(); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		a    Answers
		lang string
		want map[string]string
	}{
		{"required message", Answers{}, "zh", map[string]string{"n": "请填写人数"}},
		{"required message English", Answers{}, "en", map[string]string{"n": "Enter the head count"}},
		{"constraint message falls back to Chinese", Answers{"n": "3"}, "en", map[string]string{"n": "须为偶数"}},
		{"constraint holds", Answers{"n": "4"}, "zh", map[string]string{}},
		{"matrix constraint", Answers{"n": "4", "m_a": "1", "m_b": "1"}, "zh", map[string]string{"m": "填写的内容不符合要求"}},
		{"rate constraint", Answers{"n": "4", "r_num": "1", "r_den": "5"}, "en", map[string]string{"r": "At least 10 cases"}},
		{"rate needs both parts", Answers{"n": "4", "r_num": "1"}, "zh", map[string]string{"r": "请同时填写分子和分母"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := in.Check(tt.a, tt.lang, true); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Check() = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestRelevant(t *testing.T) {
	in := readSample(t)
	tests := []struct {
		name   string
		change Answers
		want   map[string]bool // questions whose relevance is checked
	}{
		{"all shown", nil, map[string]bool{"online_share": true, "hotline_hours": true, "satisfaction": true, "ma1": true}},
		{"question relevance", Answers{"channels": "hall", "has_hotline": "no"}, map[string]bool{"online_share": false, "hotline_hours": false, "satisfaction": true}},
		{"section relevance ANDs into questions", Answers{"dept_kind": "support"}, map[string]bool{"satisfaction": false, "quality": false, "hotline_hours": false, "ma1": true}},
		{"missing answers", Answers{"channels": "", "has_hotline": "", "dept_kind": ""}, map[string]bool{"online_share": false, "hotline_hours": false, "satisfaction": true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := goodAnswers()
			maps.Copy(a, tt.change)
			got := in.Relevant(a)
			for name, want := range tt.want {
				if got[name] != want {
					t.Errorf("Relevant()[%q] = %v, want %v", name, got[name], want)
				}
			}
		})
	}
}

func TestRelevantIgnoresIrrelevantAnswers(t *testing.T) {
	in := &Instrument{Sections: []*Section{{Code: "s", Questions: []*Question{
		{Name: "q1", Type: TypeYesNo},
		{Name: "q2", Type: TypeText, Relevant: "${q1} = 'yes'"},
		{Name: "q3", Type: TypeText, Relevant: "${q2} != ''"},
	}}}}
	got := in.Relevant(Answers{"q1": "no", "q2": "left over", "q3": "x"})
	if got["q2"] || got["q3"] {
		t.Errorf("Relevant() = %v; q2 and q3 should not be relevant", got)
	}
	got = in.Relevant(Answers{"q1": "yes", "q2": "x"})
	if !got["q2"] || !got["q3"] {
		t.Errorf("Relevant() = %v; q2 and q3 should be relevant", got)
	}
}

func TestClean(t *testing.T) {
	in := readSample(t)
	tests := []struct {
		name    string
		change  Answers
		dropped []string
	}{
		{"nothing to drop", nil, []string{"comment"}}, // empty answers are dropped
		{"unknown keys", Answers{"evil": "x", "intro": "note text", "ontime": "1"}, []string{"evil", "intro", "ontime", "comment"}},
		{"irrelevant question", Answers{"has_hotline": "no"}, []string{"hotline_hours", "comment"}},
		{"irrelevant section", Answers{"dept_kind": "support"}, []string{
			"satisfaction", "ease", "has_hotline", "hotline_hours", "last_review", "open_time", "last_outage",
			"quality_speed", "quality_attitude", "ontime_num", "ontime_den", "effort", "comment"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := goodAnswers()
			maps.Copy(a, tt.change)
			got := in.Clean(a)
			want := maps.Clone(a)
			for _, k := range tt.dropped {
				delete(want, k)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("Clean() = %v\nwant %v", got, want)
			}
			if _, ok := a["comment"]; !ok {
				t.Error("Clean() changed its argument")
			}
		})
	}
}

// calcInstrument has calculations out of order: c2 uses c1, defined after
// it, and c3 uses c2.
func calcInstrument() *Instrument {
	return &Instrument{Code: "t", Version: "1", Title: Text{Zh: "t"}, Sections: []*Section{{Code: "s", Title: Text{Zh: "s"}, Questions: []*Question{
		{Name: "n", Type: TypeInteger, Label: Text{Zh: "n"}},
		{Name: "c2", Type: TypeCalculate, Calculation: "${c1} + 1"},
		{Name: "c3", Type: TypeCalculate, Calculation: "concat(${c2}, '!')"},
		{Name: "c1", Type: TypeCalculate, Calculation: "${n} * 2"},
		{Name: "h", Type: TypeHidden, Default: "v1"},
	}}}}
}

func TestCalculateChain(t *testing.T) {
	in := calcInstrument()
	if err := in.Validate(); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		a    Answers
		want Answers
	}{
		{"chain", Answers{"n": "4"}, Answers{"n": "4", "c1": "8", "c2": "9", "c3": "9!", "h": "v1"}},
		{"fraction", Answers{"n": "0.25"}, Answers{"n": "0.25", "c1": "0.5", "c2": "1.5", "c3": "1.5!", "h": "v1"}},
		{"missing input gives no value", Answers{}, Answers{"c3": "!", "h": "v1"}},
		{"stale values replaced", Answers{"n": "1", "c1": "100", "c2": "x", "h": "kept"}, Answers{"n": "1", "c1": "2", "c2": "3", "c3": "3!", "h": "kept"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := in.Calculate(tt.a); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Calculate(%v) = %v, want %v", tt.a, got, tt.want)
			}
		})
	}
}

func TestCalculateCycle(t *testing.T) {
	in := calcInstrument()
	in.Question("c1").Calculation = "${c3} + ${n}"
	err := in.Validate()
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("Validate() = %v, want a cycle refused", err)
	}
	if !strings.Contains(err.Error(), "calculation cycle: c2 → c1 → c3 → c2") {
		t.Errorf("Validate() = %v", err)
	}
	// Calculate on the refused instrument ends and leaves the cycle empty.
	got := in.Calculate(Answers{"n": "1", "c1": "stale"})
	if want := (Answers{"n": "1", "h": "v1"}); !reflect.DeepEqual(got, want) {
		t.Errorf("Calculate() = %v, want %v", got, want)
	}
}

func TestCalculateSample(t *testing.T) {
	in := readSample(t)
	got := in.Calculate(goodAnswers())
	if got["head_count_check"] != "large" || got["staff_per_channel"] != "60" {
		t.Errorf("head_count_check %q staff_per_channel %q", got["head_count_check"], got["staff_per_channel"])
	}
	a := goodAnswers()
	a["channels"] = ""
	got = in.Calculate(a)
	if v, ok := got["staff_per_channel"]; ok {
		t.Errorf("division by zero selected gave %q, want no value", v)
	}
}

func TestSettle(t *testing.T) {
	in := readSample(t)
	a := goodAnswers()
	a["has_hotline"] = "no"
	a["evil"] = "x"
	got := in.Settle(a)
	if _, ok := got["hotline_hours"]; ok {
		t.Error("Settle kept an irrelevant answer")
	}
	if _, ok := got["evil"]; ok {
		t.Error("Settle kept an unknown answer")
	}
	if got["staff_per_channel"] != "60" {
		t.Errorf("Settle did not calculate: %v", got)
	}
}

func TestNormalize(t *testing.T) {
	in := readSample(t)
	tests := []struct {
		name, key, in, want string
	}{
		{"full-width digits", "staff", "１２０", "120"},
		{"spaces around a number", "budget", " 35.5 ", "35.5"},
		{"thousands separators", "budget", "1,234.5", "1234.5"},
		{"comma that is not thousands kept", "budget", "1,23", "1,23"},
		{"date with slashes", "last_review", "2025/1/5", "2025-01-05"},
		{"date without zeros", "last_review", "2025-1-5", "2025-01-05"},
		{"impossible date kept", "last_review", "2025-2-30", "2025-2-30"},
		{"time one digit", "open_time", "8:30", "08:30"},
		{"date-time with space", "last_outage", "2025-1-2 3:04", "2025-01-02T03:04"},
		{"multiple spaces", "channels", "  hall   web ", "hall web"},
		{"single trimmed", "dept_kind", " service ", "service"},
		{"rate parts", "ontime_num", "９０", "90"},
		{"text kept", "hotline_hours", " 9:00 ", " 9:00 "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := in.Normalize(Answers{tt.key: tt.in})
			if got[tt.key] != tt.want {
				t.Errorf("Normalize(%q) = %q, want %q", tt.in, got[tt.key], tt.want)
			}
		})
	}
}

func TestFilterChoices(t *testing.T) {
	q := &Question{Name: "city", Type: TypeSingle, ChoiceFilter: "province = ${province}", Choices: []Choice{
		{Value: "hz", Filter: map[string]string{"province": "zj"}},
		{Value: "nb", Filter: map[string]string{"province": "zj"}},
		{Value: "nj", Filter: map[string]string{"province": "js"}},
	}}
	var got []string
	for _, c := range q.FilterChoices(Answers{"province": "zj"}) {
		got = append(got, c.Value)
	}
	if strings.Join(got, " ") != "hz nb" {
		t.Errorf("FilterChoices() = %v", got)
	}
	in := &Instrument{Sections: []*Section{{Code: "s", Questions: []*Question{{Name: "province", Type: TypeText}, q}}}}
	if msgs := in.Check(Answers{"province": "zj", "city": "nj"}, "en", false); msgs["city"] != "Choose from the list" {
		t.Errorf("a filtered-out choice was accepted: %v", msgs)
	}
}

func BenchmarkCheck(b *testing.B) {
	f, err := os.Open("testdata/sample.yaml")
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	in, err := ReadYAML(f)
	if err != nil {
		b.Fatal(err)
	}
	a := goodAnswers()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if msgs := in.Check(in.Settle(a), "zh", true); len(msgs) != 0 {
				b.Fatal(msgs)
			}
		}
	})
}
