package static

import (
	"bytes"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"path"
	"strconv"
	"strings"
	"time"
)

// User is the signed-in account as the layout sees it.
type User struct {
	ID         int64
	Username   string
	Name       string
	Role       string
	Department string
}

// Page is what every template receives: the layout's needs plus the page's
// own Data. Templates reach messages through {{$.T "key"}}.
type Page struct {
	Title     string // catalogue key of the page title
	Lang      string
	Path      string        // request path, for the navigation's aria-current
	User      *User         // nil when nobody is signed in
	CSRFFunc  func() string // returns the per-session token, creating the session on first use
	Flash     string        // catalogue key of a one-time message
	FlashKind string        // ok, error or info
	RequestID string
	Form      url.Values        // submitted values, so a refused form keeps what was typed
	Errors    map[string]string // field → catalogue key
	ErrorArgs map[string][]any  // optional arguments for field messages
	Data      any

	cat    *Catalogue
	assets *Assets
	loc    *time.Location
}

// T translates key into the page's language.
func (p *Page) T(key string, args ...any) string { return p.cat.T(p.Lang, key, args...) }

// CSRF returns the per-session token every form carries. Pages without
// forms never call it, so an anonymous visitor gets no session row.
func (p *Page) CSRF() string {
	if p.CSRFFunc == nil {
		return ""
	}
	return p.CSRFFunc()
}

// Asset returns the versioned URL of an embedded asset.
func (p *Page) Asset(name string) string { return p.assets.URL(name) }

// FieldError returns the translated message for a field, or "".
func (p *Page) FieldError(field string) string {
	key, ok := p.Errors[field]
	if !ok {
		return ""
	}
	return p.cat.T(p.Lang, key, p.ErrorArgs[field]...)
}

// Value returns the submitted value of a form field.
func (p *Page) Value(field string) string { return p.Form.Get(field) }

// Is reports whether the signed-in user has role.
func (p *Page) Is(role string) bool { return p.User != nil && p.User.Role == role }

// Current reports whether the navigation link prefix is the current page.
func (p *Page) Current(prefix string) bool {
	if prefix == "/" {
		return p.Path == "/"
	}
	return p.Path == prefix || strings.HasPrefix(p.Path, prefix+"/")
}

// OtherLang is the language the switch offers.
func (p *Page) OtherLang() string {
	if p.Lang == "en" {
		return "zh-CN"
	}
	return "en"
}

// HTMLLang is the value of <html lang>.
func (p *Page) HTMLLang() string { return p.Lang }

// FormatTime formats t in local time per language; the zero time is "—".
func (p *Page) FormatTime(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	t = t.In(p.loc)
	if p.Lang == "en" {
		return t.Format("2 Jan 2006 15:04")
	}
	return t.Format("2006年1月2日 15:04")
}

// FormatInt formats n with thousands separators.
func (p *Page) FormatInt(n int) string {
	s := strconv.Itoa(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// Renderer holds every page template, parsed once at boot with the layout.
type Renderer struct {
	pages  map[string]*template.Template
	cat    *Catalogue
	assets *Assets
	loc    *time.Location // times are shown in this zone
}

// NewRenderer parses the layout and the partials (templates whose name
// starts with "_", each defining blocks pages share) with every page; any
// parse error fails boot.
// Times are shown in loc (UTC when nil).
func NewRenderer(cat *Catalogue, assets *Assets, loc *time.Location) (*Renderer, error) {
	if loc == nil {
		loc = time.UTC
	}
	r := &Renderer{pages: map[string]*template.Template{}, cat: cat, assets: assets, loc: loc}
	files, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		return nil, err
	}
	partials, err := fs.Glob(templateFS, "templates/_*.html")
	if err != nil {
		return nil, err
	}
	for _, f := range files {
		name := strings.TrimSuffix(path.Base(f), ".html")
		if name == "layout" || strings.HasPrefix(name, "_") {
			continue
		}
		t, err := template.New("layout.html").ParseFS(templateFS, append([]string{"templates/layout.html", f}, partials...)...)
		if err != nil {
			return nil, fmt.Errorf("template %s: %w", name, err)
		}
		r.pages[name] = t
	}
	return r, nil
}

// NewPage returns a page bound to the catalogue and assets.
func (r *Renderer) NewPage(lang string) *Page {
	return &Page{Lang: lang, cat: r.cat, assets: r.assets, loc: r.loc, Form: url.Values{}, Errors: map[string]string{}}
}

// Pages lists the page names, for tests.
func (r *Renderer) Pages() []string {
	var out []string
	for n := range r.pages {
		out = append(out, n)
	}
	return out
}

// Render executes page name into a buffer and writes it with status, so a
// template failure never sends half a page.
func (r *Renderer) Render(w http.ResponseWriter, status int, name string, p *Page) error {
	t, ok := r.pages[name]
	if !ok {
		return fmt.Errorf("render: no page %q", name)
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", p); err != nil {
		return fmt.Errorf("render %s: %w", name, err)
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, err := buf.WriteTo(w)
	return err
}
