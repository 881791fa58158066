// Package instrument holds questionnaires: their model, the native YAML
// format, the expression language of relevance, constraints and
// calculations, and the validation of answers. It does no I/O beyond reading
// the bytes it is given; survey stores instruments and renders them, and
// survey/xlsform imports XLSForm workbooks into this model.
package instrument

// Text is a bilingual string. In YAML it is either a plain string (taken as
// Chinese) or a mapping {zh: …, en: …}.
type Text struct {
	Zh string `yaml:"zh,omitempty" json:"zh,omitempty"`
	En string `yaml:"en,omitempty" json:"en,omitempty"`
}

// In returns the text in lang ("en" or Chinese), falling back to the other.
func (t Text) In(lang string) string {
	if lang == "en" && t.En != "" {
		return t.En
	}
	if t.Zh != "" {
		return t.Zh
	}
	return t.En
}

// IsZero reports whether both languages are empty.
func (t Text) IsZero() bool { return t.Zh == "" && t.En == "" }

// Question types.
const (
	TypeSingle      = "single"      // one choice
	TypeMultiple    = "multiple"    // several choices
	TypeLikert      = "likert"      // a point scale (Scale points, default 5), answer 1..Scale
	TypeYesNo       = "yesno"       // yes or no
	TypeInteger     = "integer"     // whole number
	TypeDecimal     = "decimal"     // number
	TypePercent     = "percent"     // number 0–100 shown with %
	TypeText        = "text"        // one line
	TypeLongText    = "longtext"    // several lines
	TypeDate        = "date"        // YYYY-MM-DD
	TypeTime        = "time"        // HH:MM
	TypeDateTime    = "datetime"    // YYYY-MM-DDTHH:MM
	TypeMatrix      = "matrix"      // Likert rows: one answer per row, named <name>_<row>
	TypeRate        = "rate"        // a numerator and a denominator asked together
	TypeMaturity    = "maturity"    // 5-level maturity question with level descriptions and evidence
	TypeNote        = "note"        // text only, no answer
	TypeAcknowledge = "acknowledge" // a box to tick ("OK")
	TypeRange       = "range"       // a number on a slider between Min and Max by Step
	TypeCalculate   = "calculate"   // computed from Calculation, not shown
	TypeHidden      = "hidden"      // a stored value not shown (Default)
)

// Choice is one option of a single, multiple or matrix question.
type Choice struct {
	Value string `yaml:"value" json:"value"`
	Label Text   `yaml:"label" json:"label"`
	// Filter holds extra columns of an XLSForm choices sheet, used by a
	// choice_filter expression (e.g. {"province": "zj"}).
	Filter map[string]string `yaml:"filter,omitempty" json:"filter,omitempty"`
}

// Level describes one level (1–5) of a maturity question.
type Level struct {
	Level       int  `yaml:"level" json:"level"`
	Description Text `yaml:"description" json:"description"`
}

// Row is one row of a matrix question.
type Row struct {
	Name  string `yaml:"name" json:"name"`
	Label Text   `yaml:"label" json:"label"`
}

// Question is one item of a section. Name is the variable the answer feeds
// (unique in the instrument). Expressions (Relevant, Constraint, Calculation,
// ChoiceFilter) use the instrument's expression language.
type Question struct {
	Name              string   `yaml:"name" json:"name"`
	Type              string   `yaml:"type" json:"type"`
	Label             Text     `yaml:"label,omitempty" json:"label,omitempty"`
	Hint              Text     `yaml:"hint,omitempty" json:"hint,omitempty"`
	Required          bool     `yaml:"required,omitempty" json:"required,omitempty"`
	RequiredMessage   Text     `yaml:"required_message,omitempty" json:"required_message,omitempty"`
	Min               *float64 `yaml:"min,omitempty" json:"min,omitempty"`
	Max               *float64 `yaml:"max,omitempty" json:"max,omitempty"`
	Step              *float64 `yaml:"step,omitempty" json:"step,omitempty"`
	Pattern           string   `yaml:"pattern,omitempty" json:"pattern,omitempty"` // regular expression (Go RE2) a text answer must match
	PatternMessage    Text     `yaml:"pattern_message,omitempty" json:"pattern_message,omitempty"`
	Relevant          string   `yaml:"relevant,omitempty" json:"relevant,omitempty"`
	Constraint        string   `yaml:"constraint,omitempty" json:"constraint,omitempty"`
	ConstraintMessage Text     `yaml:"constraint_message,omitempty" json:"constraint_message,omitempty"`
	Default           string   `yaml:"default,omitempty" json:"default,omitempty"`
	Appearance        string   `yaml:"appearance,omitempty" json:"appearance,omitempty"`
	Calculation       string   `yaml:"calculation,omitempty" json:"calculation,omitempty"`
	ChoiceFilter      string   `yaml:"choice_filter,omitempty" json:"choice_filter,omitempty"`
	Choices           []Choice `yaml:"choices,omitempty" json:"choices,omitempty"`
	Scale             int      `yaml:"scale,omitempty" json:"scale,omitempty"`                 // likert points (default 5)
	Rows              []Row    `yaml:"rows,omitempty" json:"rows,omitempty"`                   // matrix rows
	Levels            []Level  `yaml:"levels,omitempty" json:"levels,omitempty"`               // maturity levels 1–5
	EvidenceFrom      int      `yaml:"evidence_from,omitempty" json:"evidence_from,omitempty"` // maturity: evidence required from this level (default 3)
	Numerator         Text     `yaml:"numerator,omitempty" json:"numerator,omitempty"`         // rate: label of the numerator
	Denominator       Text     `yaml:"denominator,omitempty" json:"denominator,omitempty"`     // rate: label of the denominator
}

// Section is a page of the questionnaire.
type Section struct {
	Code        string      `yaml:"code" json:"code"`
	Title       Text        `yaml:"title" json:"title"`
	Description Text        `yaml:"description,omitempty" json:"description,omitempty"`
	Relevant    string      `yaml:"relevant,omitempty" json:"relevant,omitempty"`
	Questions   []*Question `yaml:"questions" json:"questions"`
}

// Instrument is a versioned questionnaire.
type Instrument struct {
	Code        string     `yaml:"code" json:"code"`
	Version     string     `yaml:"version" json:"version"`
	Title       Text       `yaml:"title" json:"title"`
	Description Text       `yaml:"description,omitempty" json:"description,omitempty"`
	Sections    []*Section `yaml:"sections" json:"sections"`
}
