package survey

import (
	"encoding/json"
	"maps"
	"testing"

	"govkpi/survey/instrument"
)

// The fast reader of stored answers must agree with encoding/json on
// everything: what json.Marshal writes, and anything else stored.
func FuzzDecodeAnswers(f *testing.F) {
	for _, s := range []string{
		`{}`, `{"a":"1","b":"两"}`, ` { "a" : "x\"y\\z\/\b\f\n\r\t" } `, `{"a":"\u003cscript\u003e\u0026"}`,
		`{"a":"\ud83d\ude00"}`, `{"a":"\ud83d"}`, `{"a":1}`, `{"a":"1",}`, `{"a":"1"`, `[]`, `{"a":"\x"}`,
		"{\"a\":\"\xff\"}", `{"a":"1","a":"2"}`, `null`, `{"a":null}`,
	} {
		f.Add(s)
	}
	a := instrument.Answers{"evidence": "=cmd|' /C calc'!A0\t<b>\u2028", "bad": "\xff\x00", "zh": "澜江市"}
	b, _ := json.Marshal(a)
	f.Add(string(b))
	f.Fuzz(func(t *testing.T, s string) {
		want := instrument.Answers{}
		werr := json.Unmarshal([]byte(s), &want)
		got := instrument.Answers{"stale": "x"}
		gerr := decodeAnswers(s, got)
		if (werr == nil) != (gerr == nil) {
			t.Fatalf("%q: encoding/json says %v, decodeAnswers %v", s, werr, gerr)
		}
		if werr == nil && !maps.Equal(want, got) && !(len(want) == 0 && len(got) == 0) {
			t.Fatalf("%q: encoding/json %q, decodeAnswers %q", s, want, got)
		}
	})
}

func BenchmarkDecodeAnswers(b *testing.B) {
	_, form := benchQuestionnaire(60)
	a := instrument.Answers{}
	for k, v := range form {
		a[k] = v[0]
	}
	body, _ := json.Marshal(a)
	s := string(body)
	into := instrument.Answers{}
	b.Run("fast", func(b *testing.B) {
		for b.Loop() {
			if err := decodeAnswers(s, into); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("encoding-json", func(b *testing.B) {
		for b.Loop() {
			clear(into)
			if err := json.Unmarshal(body, &into); err != nil {
				b.Fatal(err)
			}
		}
	})
}
