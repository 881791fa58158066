package static

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"path"
	"strings"
)

// Languages the interface speaks; the first is the default.
var Languages = []string{"zh-CN", "en"}

// Catalogue holds every user-facing message by language and key.
type Catalogue struct {
	msgs map[string]map[string]string
}

// NewCatalogue loads the embedded catalogue: every i18n/<lang>/*.json file,
// one per area of the interface, merged. A key defined twice fails, and so
// does a language lacking a key another has, so a missing translation stops
// the build's tests and the boot.
func NewCatalogue() (*Catalogue, error) {
	c := &Catalogue{msgs: map[string]map[string]string{}}
	for _, lang := range Languages {
		files, err := fs.Glob(catalogueFS, path.Join("i18n", lang, "*.json"))
		if err != nil || len(files) == 0 {
			return nil, fmt.Errorf("catalogue %s: no message files", lang)
		}
		all := map[string]string{}
		for _, f := range files {
			b, err := fs.ReadFile(catalogueFS, f)
			if err != nil {
				return nil, fmt.Errorf("catalogue %s: %w", f, err)
			}
			m := map[string]string{}
			if err := json.Unmarshal(b, &m); err != nil {
				return nil, fmt.Errorf("catalogue %s: %w", f, err)
			}
			for k, v := range m {
				if _, dup := all[k]; dup {
					return nil, fmt.Errorf("catalogue %s: %q is defined twice", f, k)
				}
				all[k] = v
			}
		}
		c.msgs[lang] = all
	}
	for _, a := range Languages {
		for _, b := range Languages {
			for k := range c.msgs[a] {
				if _, ok := c.msgs[b][k]; !ok {
					return nil, fmt.Errorf("catalogue %s lacks %q (present in %s)", b, k, a)
				}
			}
		}
	}
	return c, nil
}

// Has reports whether key exists.
func (c *Catalogue) Has(key string) bool {
	_, ok := c.msgs[Languages[0]][key]
	return ok
}

// Keys returns every key, for tests.
func (c *Catalogue) Keys() []string {
	var out []string
	for k := range c.msgs[Languages[0]] {
		out = append(out, k)
	}
	return out
}

// T returns the message for key in lang, formatted with args (fmt verbs). An
// unknown key is returned as is, which the catalogue test forbids.
func (c *Catalogue) T(lang, key string, args ...any) string {
	m, ok := c.msgs[lang]
	if !ok {
		m = c.msgs[Languages[0]]
	}
	s, ok := m[key]
	if !ok {
		return key
	}
	if len(args) > 0 {
		return fmt.Sprintf(s, args...)
	}
	return s
}

// MatchLanguage picks a supported language from an Accept-Language header,
// honouring q-values; it returns "" when nothing matches.
func MatchLanguage(header string) string {
	best, bestQ := "", 0.0
	for _, part := range strings.Split(header, ",") {
		tag, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		q := 1.0
		if p := strings.TrimSpace(params); strings.HasPrefix(p, "q=") {
			if _, err := fmt.Sscanf(p[2:], "%g", &q); err != nil {
				q = 0
			}
		}
		tag = strings.ToLower(strings.TrimSpace(tag))
		var lang string
		switch {
		case tag == "zh" || strings.HasPrefix(tag, "zh-"):
			lang = "zh-CN"
		case tag == "en" || strings.HasPrefix(tag, "en-"):
			lang = "en"
		}
		if lang != "" && q > bestQ {
			best, bestQ = lang, q
		}
	}
	return best
}

// ValidLanguage reports whether lang is one the interface speaks.
func ValidLanguage(lang string) bool {
	for _, l := range Languages {
		if l == lang {
			return true
		}
	}
	return false
}
