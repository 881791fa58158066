package instrument

import "fmt"

// msgText is a built-in message of answer checks in both languages.
type msgText struct{ zh, en string }

// Keys of the built-in messages.
const (
	msgRequired    = "required"
	msgInteger     = "integer"
	msgNumber      = "number"
	msgMin         = "min"
	msgMax         = "max"
	msgStep        = "step"
	msgPercent     = "percent"
	msgDate        = "date"
	msgTime        = "time"
	msgDateTime    = "datetime"
	msgChoice      = "choice"
	msgChoiceTwice = "choice_twice"
	msgLikert      = "likert"
	msgYesNo       = "yesno"
	msgMaturity    = "maturity"
	msgEvidence    = "evidence"
	msgRateNumber  = "rate_number"
	msgRateOrder   = "rate_order"
	msgRateBoth    = "rate_both"
	msgAcknowledge = "acknowledge"
	msgInvalidText = "invalid_text"
	msgTooLong     = "too_long"
	msgPattern     = "pattern"
	msgConstraint  = "constraint"
)

var messages = map[string]msgText{
	msgRequired:    {"必填", "Required"},
	msgInteger:     {"请输入整数", "Enter a whole number"},
	msgNumber:      {"请输入数字", "Enter a number"},
	msgMin:         {"不能小于 %v", "At least %v"},
	msgMax:         {"不能大于 %v", "At most %v"},
	msgStep:        {"请按 %v 的间隔取值", "Use steps of %v"},
	msgPercent:     {"请输入 0 到 100 之间的数", "Enter a number from 0 to 100"},
	msgDate:        {"请输入日期（年-月-日）", "Enter a date (YYYY-MM-DD)"},
	msgTime:        {"请输入时间（时:分）", "Enter a time (HH:MM)"},
	msgDateTime:    {"请输入日期和时间（年-月-日 时:分）", "Enter a date and time (YYYY-MM-DD HH:MM)"},
	msgChoice:      {"请从列表中选择", "Choose from the list"},
	msgChoiceTwice: {"同一选项不能选两次", "The same choice is selected twice"},
	msgLikert:      {"请选择 1 到 %v 之间的分值", "Choose a point from 1 to %v"},
	msgYesNo:       {"请选择“是”或“否”", "Choose yes or no"},
	msgMaturity:    {"请选择 0 到 5 级（0 表示不了解或不适用）", "Choose a level from 0 to 5 (0: unknown or not applicable)"},
	msgEvidence:    {"第 %v 级及以上须提供佐证材料", "Evidence is required from level %v"},
	msgRateNumber:  {"请输入不小于 0 的整数", "Enter a whole number, 0 or more"},
	msgRateOrder:   {"分子不能大于分母", "The numerator cannot be greater than the denominator"},
	msgRateBoth:    {"请同时填写分子和分母", "Enter both the numerator and the denominator"},
	msgAcknowledge: {"请勾选确认", "Tick to confirm"},
	msgInvalidText: {"含有无效字符", "Contains invalid characters"},
	msgTooLong:     {"不能超过 %v 个字", "At most %v characters"},
	msgPattern:     {"格式不正确", "Wrong format"},
	msgConstraint:  {"填写的内容不符合要求", "This answer is not allowed"},
}

// message returns the built-in message key in lang ("en" or Chinese).
func message(lang, key string, args ...any) string {
	m := messages[key]
	f := m.zh
	if lang == "en" {
		f = m.en
	}
	if len(args) == 0 {
		return f
	}
	return fmt.Sprintf(f, args...)
}
