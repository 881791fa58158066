package instrument

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"
)

// MaxYAMLSize is the largest instrument file ReadYAML accepts.
const MaxYAMLSize = 4 << 20

// UnmarshalYAML reads a text: a plain scalar is Chinese, a mapping {zh, en}
// gives both languages; anything else is refused. Problems are returned as
// a *yaml.TypeError so that the decoder goes on and reports them all.
func (t *Text) UnmarshalYAML(n *yaml.Node) error {
	switch n.Kind {
	case yaml.ScalarNode:
		if n.Tag == "!!null" {
			*t = Text{}
			return nil
		}
		*t = Text{Zh: n.Value}
		return nil
	case yaml.MappingNode:
		var out Text
		var errs []string
		seen := map[string]bool{}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			if k.Kind != yaml.ScalarNode || (k.Value != "zh" && k.Value != "en") {
				errs = append(errs, fmt.Sprintf("line %d: unknown language %q in a text (use zh and en)", k.Line, k.Value))
				continue
			}
			if seen[k.Value] {
				errs = append(errs, fmt.Sprintf("line %d: language %q given twice", k.Line, k.Value))
				continue
			}
			seen[k.Value] = true
			if v.Kind != yaml.ScalarNode {
				errs = append(errs, fmt.Sprintf("line %d: text %s must be a string", v.Line, k.Value))
				continue
			}
			s := v.Value
			if v.Tag == "!!null" {
				s = ""
			}
			if k.Value == "zh" {
				out.Zh = s
			} else {
				out.En = s
			}
		}
		if len(errs) > 0 {
			return &yaml.TypeError{Errors: errs}
		}
		*t = out
		return nil
	}
	return &yaml.TypeError{Errors: []string{fmt.Sprintf("line %d: expected a text: a string or {zh: …, en: …}", n.Line)}}
}

var (
	yamlLineRE    = regexp.MustCompile(`^(?:yaml: )?line (\d+): (.*)$`)
	yamlUnknownRE = regexp.MustCompile(`^field (\S+) not found in type \S+$`)
)

// yamlProblems turns a decoding error of yaml.v3 into problems by line.
func yamlProblems(err error) []Problem {
	var msgs []string
	var te *yaml.TypeError
	if errors.As(err, &te) {
		msgs = te.Errors
	} else {
		msgs = []string{err.Error()}
	}
	out := make([]Problem, 0, len(msgs))
	for _, m := range msgs {
		p := Problem{Where: "file", Msg: m}
		if sub := yamlLineRE.FindStringSubmatch(m); sub != nil {
			p = Problem{Where: "line " + sub[1], Msg: sub[2]}
		}
		if sub := yamlUnknownRE.FindStringSubmatch(p.Msg); sub != nil {
			p.Msg = fmt.Sprintf("unknown key %q", sub[1])
		}
		out = append(out, p)
	}
	return out
}

// ReadYAML reads an instrument in the native YAML format (at most
// MaxYAMLSize, one document, no unknown keys) and validates it. Problems
// are returned together as an *Error: those of the YAML by line, then
// those Validate finds. Errors reading r are returned wrapped.
func ReadYAML(r io.Reader) (*Instrument, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxYAMLSize+1))
	if err != nil {
		return nil, fmt.Errorf("read instrument: %w", err)
	}
	if len(data) > MaxYAMLSize {
		return nil, &Error{Problems: []Problem{{Where: "file", Msg: "larger than 4 MiB"}}}
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, &Error{Problems: []Problem{{Where: "file", Msg: "empty"}}}
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	var in Instrument
	var problems []Problem
	err = dec.Decode(&in)
	var te *yaml.TypeError
	switch {
	case err == nil:
	case errors.As(err, &te):
		problems = yamlProblems(err)
	default:
		// A syntax error: nothing to validate.
		return nil, &Error{Problems: yamlProblems(err)}
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err != io.EOF {
		problems = append(problems, Problem{Where: "file", Msg: "more than one YAML document"})
	}
	// A duplicate key makes the decoder drop the whole mapping, so what is
	// missing then is not worth reporting.
	if !slices.ContainsFunc(problems, func(p Problem) bool { return strings.Contains(p.Msg, "already defined") }) {
		if err := in.Validate(); err != nil {
			var ve *Error
			if errors.As(err, &ve) {
				problems = append(problems, ve.Problems...)
			}
		}
	}
	if len(problems) > 0 {
		return nil, &Error{Problems: problems}
	}
	return &in, nil
}
