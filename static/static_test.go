package static

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestCatalogueCoversEveryKey finds every catalogue key the templates and the
// Go code use and checks both languages have it.
func TestCatalogueCoversEveryKey(t *testing.T) {
	cat, err := NewCatalogue()
	if err != nil {
		t.Fatal(err)
	}
	keyInTemplate := regexp.MustCompile(`\.T "([a-z_.]+[a-z0-9_]*)"`)
	prefixInTemplate := regexp.MustCompile(`\(print "([a-z_.]+\.)" `)
	keyInGo := regexp.MustCompile(`"((?:err|import|flash|title|backup)\.[a-z0-9_]+)"`)
	var files []string
	for _, glob := range []string{"templates/*.html", "../survey/*.go", "../dashboard/*.go", "../cmd/govkpi/*.go"} {
		m, _ := filepath.Glob(glob)
		files = append(files, m...)
	}
	used := 0
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		re := keyInGo
		if strings.HasSuffix(f, ".html") {
			re = keyInTemplate
			for _, m := range prefixInTemplate.FindAllStringSubmatch(string(b), -1) {
				found := false
				for _, k := range cat.Keys() {
					found = found || strings.HasPrefix(k, m[1])
				}
				if !found {
					t.Errorf("%s: no catalogue key starts with %q", f, m[1])
				}
			}
		}
		for _, m := range re.FindAllStringSubmatch(string(b), -1) {
			used++
			if !cat.Has(m[1]) {
				t.Errorf("%s uses %q, which the catalogue lacks", f, m[1])
			}
		}
	}
	if used < 100 {
		t.Fatalf("found only %d key uses: the scan is broken", used)
	}
	for _, k := range []string{"role.admin", "role.evaluator", "role.official", "level.province", "level.city", "level.district", "level.street"} {
		if !cat.Has(k) {
			t.Errorf("catalogue lacks %q", k)
		}
	}
}

func TestEveryPageParses(t *testing.T) {
	cat, err := NewCatalogue()
	if err != nil {
		t.Fatal(err)
	}
	r, err := NewRenderer(cat, NewAssets(), nil)
	if err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob("templates/*.html")
	partials, _ := filepath.Glob("templates/_*.html")
	if len(partials) == 0 {
		t.Fatal("no partial templates (templates/_*.html)")
	}
	if len(r.Pages()) != len(files)-1-len(partials) {
		t.Fatalf("%d pages parsed from %d files (%d partials)", len(r.Pages()), len(files), len(partials))
	}
}

func TestMatchLanguage(t *testing.T) {
	cases := map[string]string{
		"":                        "",
		"en-US,en;q=0.9":          "en",
		"zh-CN,zh;q=0.9,en;q=0.8": "zh-CN",
		"zh-TW":                   "zh-CN",
		"fr-FR,en;q=0.5,zh;q=0.7": "zh-CN",
		"de":                      "",
		"en;q=0.2,zh;q=garbage":   "en",
	}
	for in, want := range cases {
		if got := MatchLanguage(in); got != want {
			t.Errorf("MatchLanguage(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestVendoredECharts(t *testing.T) {
	v, err := os.ReadFile("vendor/echarts/VERSION")
	if err != nil || !strings.HasPrefix(strings.TrimSpace(string(v)), "5.6.") {
		t.Fatalf("VERSION: %q %v", v, err)
	}
	js, err := os.ReadFile("vendor/echarts/echarts.min.js")
	if err != nil || !strings.Contains(string(js), `version="5.6.0"`) {
		t.Fatal("echarts.min.js is missing or not 5.6.0")
	}
	if _, err := os.Stat("vendor/echarts/LICENSE"); err != nil {
		t.Fatal("ECharts licence missing")
	}
}

// The vendored Noto Sans SC: its licence, and a font file for every face
// fonts.css declares, served as font/woff2, both weights the documents
// use, and nothing unused.
func TestVendoredNotoSansSC(t *testing.T) {
	if _, err := os.Stat("vendor/noto-sans-sc/LICENSE"); err != nil {
		t.Fatal("Noto Sans SC licence missing")
	}
	css, err := os.ReadFile("vendor/noto-sans-sc/fonts.css")
	if err != nil {
		t.Fatal(err)
	}
	urls := regexp.MustCompile(`src: url\(([^)]+)\) format\('woff2'\);`).FindAllStringSubmatch(string(css), -1)
	if faces := strings.Count(string(css), "@font-face"); faces != len(urls) || faces < 100 {
		t.Fatalf("%d faces, %d woff2 sources", faces, len(urls))
	}
	for _, w := range []string{"font-weight: 400;", "font-weight: 700;"} {
		if !strings.Contains(string(css), w) {
			t.Errorf("fonts.css declares no face of %s", w)
		}
	}
	used := map[string]bool{}
	for _, u := range urls {
		used[u[1]] = true
		if _, err := os.Stat("vendor/noto-sans-sc/" + u[1]); err != nil {
			t.Errorf("fonts.css names %s: %v", u[1], err)
		}
	}
	files, err := os.ReadDir("vendor/noto-sans-sc")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if strings.HasSuffix(f.Name(), ".woff2") && !used[f.Name()] {
			t.Errorf("%s is embedded but fonts.css does not use it", f.Name())
		}
	}

	a := NewAssets()
	w := httptest.NewRecorder()
	a.ServeHTTP(w, httptest.NewRequest(http.MethodGet, a.URL("vendor/noto-sans-sc/"+urls[0][1]), nil))
	if w.Code != http.StatusOK || w.Header().Get("Content-Type") != "font/woff2" || !strings.HasPrefix(w.Body.String(), "wOF2") {
		t.Fatalf("a font: %d %q", w.Code, w.Header().Get("Content-Type"))
	}
}
