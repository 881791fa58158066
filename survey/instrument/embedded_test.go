package instrument

import "testing"

func TestDefaultInstrumentsEmbedded(t *testing.T) {
	all, err := DefaultInstruments()
	if err != nil {
		t.Fatal(err)
	}
	for name, code := range map[string]string{"self_assessment": "DGMI-SA", "data_report": "DGMI-DR", "citizen": "DGMI-CS"} {
		in, ok := all[name]
		if !ok || in.Code != code || in.QuestionCount() == 0 {
			t.Errorf("%s: %+v", name, in)
		}
	}
}
