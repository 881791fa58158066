// Package static ships what the binary serves besides data: the embedded
// assets (ECharts, CSS, JS), the shared layout and page templates, and the
// message catalogue. It imports nothing of ours.
package static

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"net/http"
	"path"
	"sort"
	"strings"
)

//go:embed css js img vendor
var assetFS embed.FS

//go:embed templates/*.html
var templateFS embed.FS

//go:embed i18n
var catalogueFS embed.FS

// Assets serves the embedded files under /static/<version>/…, where version
// is a hash of their content, so they can be cached for a year and a new
// build is fetched at once.
type Assets struct {
	Version string
	fsys    fs.FS
}

// NewAssets hashes the embedded files to compute the version.
func NewAssets() *Assets {
	h := sha256.New()
	var names []string
	fs.WalkDir(assetFS, ".", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			names = append(names, p)
		}
		return nil
	})
	sort.Strings(names)
	for _, n := range names {
		b, _ := fs.ReadFile(assetFS, n)
		h.Write([]byte(n))
		h.Write(b)
	}
	return &Assets{Version: hex.EncodeToString(h.Sum(nil))[:12], fsys: assetFS}
}

// URL returns the versioned URL of an asset, e.g. URL("css/app.css").
func (a *Assets) URL(name string) string {
	return "/static/" + a.Version + "/" + strings.TrimPrefix(name, "/")
}

// ServeHTTP serves /static/<version>/<name>. An old version is answered from
// the current files without long caching, so a page cached across an upgrade
// still works.
func (a *Assets) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rest := strings.TrimPrefix(r.URL.Path, "/static/")
	version, name, ok := strings.Cut(rest, "/")
	name = path.Clean("/" + name)[1:]
	if !ok || name == "" || strings.HasPrefix(name, ".") {
		http.NotFound(w, r)
		return
	}
	f, err := a.fsys.Open(name)
	if err != nil {
		http.NotFound(w, r)
		return
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil || st.IsDir() {
		http.NotFound(w, r)
		return
	}
	if version == a.Version {
		w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		w.Header().Set("Cache-Control", "no-cache")
	}
	switch {
	case strings.HasSuffix(name, ".js"):
		w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
	case strings.HasSuffix(name, ".css"):
		w.Header().Set("Content-Type", "text/css; charset=utf-8")
	case strings.HasSuffix(name, ".woff2"):
		w.Header().Set("Content-Type", "font/woff2")
	case !strings.Contains(path.Base(name), "."):
		w.Header().Set("Content-Type", "text/plain; charset=utf-8") // LICENSE, VERSION
	}
	http.ServeContent(w, r, name, st.ModTime(), f.(interface {
		Read([]byte) (int, error)
		Seek(int64, int) (int64, error)
	}))
}
