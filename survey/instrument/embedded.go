package instrument

import (
	"bytes"
	"embed"
	"fmt"
	"io/fs"
	"sort"
)

//go:embed questionnaires/*.yaml
var questionnairesFS embed.FS

// DefaultInstruments returns the embedded default questionnaires, by file
// name (self_assessment, data_report, citizen): the department
// self-assessment, the department data report and the citizen
// questionnaire, whose variables are the ones the scoring framework names.
func DefaultInstruments() (map[string]*Instrument, error) {
	names, err := fs.Glob(questionnairesFS, "questionnaires/*.yaml")
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	out := map[string]*Instrument{}
	for _, n := range names {
		b, err := fs.ReadFile(questionnairesFS, n)
		if err != nil {
			return nil, err
		}
		in, err := ReadYAML(bytes.NewReader(b))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", n, err)
		}
		out[n[len("questionnaires/"):len(n)-len(".yaml")]] = in
	}
	return out, nil
}
