package survey

import (
	"encoding/json"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"govkpi/survey/instrument"
)

// decodeAnswers reads stored answers (a JSON object of strings, as
// json.Marshal writes an instrument.Answers) into into, which it clears
// first. Exports decode every stored response, and encoding/json's
// reflection was most of their cost, so the common shape is read here
// directly; anything else (unusual escapes, other value types, damage)
// goes through encoding/json, which decides.
func decodeAnswers(s string, into instrument.Answers) error {
	clear(into)
	if decodeFlatObject(s, into) {
		return nil
	}
	clear(into)
	return json.Unmarshal([]byte(s), &into)
}

// decodeFlatObject parses {"k":"v",...} into into; it reports false on
// anything it does not handle, leaving into partly filled.
func decodeFlatObject(s string, into instrument.Answers) bool {
	return eachFlatPair(s, func(k, v string) { into[k] = v })
}

// eachFlatPair calls fn with every key and value of the flat JSON object
// of strings s, in order; it reports false on anything it does not handle
// (fn may have been called for the pairs before it).
func eachFlatPair(s string, fn func(k, v string)) bool {
	i := skipSpace(s, 0)
	if i >= len(s) || s[i] != '{' {
		return false
	}
	i = skipSpace(s, i+1)
	if i < len(s) && s[i] == '}' {
		return skipSpace(s, i+1) == len(s)
	}
	for {
		k, j, ok := jsonString(s, i)
		if !ok {
			return false
		}
		i = skipSpace(s, j)
		if i >= len(s) || s[i] != ':' {
			return false
		}
		v, j, ok := jsonString(s, skipSpace(s, i+1))
		if !ok {
			return false
		}
		fn(k, v)
		i = skipSpace(s, j)
		if i >= len(s) {
			return false
		}
		switch s[i] {
		case ',':
			i = skipSpace(s, i+1)
		case '}':
			return skipSpace(s, i+1) == len(s)
		default:
			return false
		}
	}
}

func skipSpace(s string, i int) int {
	for i < len(s) && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r') {
		i++
	}
	return i
}

// jsonString reads the JSON string starting at s[i] and returns it and the
// index after its closing quote.
func jsonString(s string, i int) (string, int, bool) {
	if i >= len(s) || s[i] != '"' {
		return "", 0, false
	}
	i++
	start := i
	// The common case: no escapes, valid UTF-8, no control characters.
	for i < len(s) && s[i] != '"' && s[i] != '\\' && s[i] >= 0x20 {
		i++
	}
	if i < len(s) && s[i] == '"' {
		if !utf8.ValidString(s[start:i]) {
			return "", 0, false
		}
		return s[start:i], i + 1, true
	}
	var b strings.Builder
	b.WriteString(s[start:i])
	for i < len(s) {
		c := s[i]
		switch {
		case c == '"':
			out := b.String()
			if !utf8.ValidString(out) {
				return "", 0, false
			}
			return out, i + 1, true
		case c < 0x20:
			return "", 0, false
		case c != '\\':
			b.WriteByte(c)
			i++
			continue
		}
		if i+1 >= len(s) {
			return "", 0, false
		}
		switch e := s[i+1]; e {
		case '"', '\\', '/':
			b.WriteByte(e)
		case 'b':
			b.WriteByte('\b')
		case 'f':
			b.WriteByte('\f')
		case 'n':
			b.WriteByte('\n')
		case 'r':
			b.WriteByte('\r')
		case 't':
			b.WriteByte('\t')
		case 'u':
			r, n, ok := jsonRune(s, i)
			if !ok {
				return "", 0, false
			}
			b.WriteRune(r)
			i += n
			continue
		default:
			return "", 0, false
		}
		i += 2
	}
	return "", 0, false
}

// jsonRune reads a \uXXXX escape (and its low surrogate, if it is a high
// one) at s[i] and returns the rune and the bytes read. A lone surrogate is
// refused here so encoding/json decides what it means.
func jsonRune(s string, i int) (rune, int, bool) {
	hex := func(at int) (rune, bool) {
		if at+6 > len(s) || s[at] != '\\' || s[at+1] != 'u' {
			return 0, false
		}
		v, err := strconv.ParseUint(s[at+2:at+6], 16, 16)
		return rune(v), err == nil
	}
	r, ok := hex(i)
	if !ok {
		return 0, 0, false
	}
	if !utf16.IsSurrogate(r) {
		return r, 6, true
	}
	lo, ok := hex(i + 6)
	if !ok {
		return 0, 0, false
	}
	if dec := utf16.DecodeRune(r, lo); dec != utf8.RuneError {
		return dec, 12, true
	}
	return 0, 0, false
}
