package survey

import (
	"bytes"
	"encoding/xml"
	"errors"
	"image"
	"image/color"
	"image/png"
	"io"
	"strconv"
	"strings"
	"testing"

	"github.com/makiuchi-d/gozxing"
	gozxingqr "github.com/makiuchi-d/gozxing/qrcode"
	"rsc.io/qr"
)

const qrTypicalURL = "https://kpi.example.gov/r/AbC123xyz?item=5&ch=window"

// qrLongURL is a rating link padded to exactly n bytes with varied URL
// characters, so the code is a large one in byte mode.
func qrLongURL(n int) string {
	const pad = "abcXYZ0189-._~%2F&=?"
	var b strings.Builder
	b.WriteString(qrTypicalURL + "&note=")
	for i := 0; b.Len() < n; i++ {
		b.WriteByte(pad[(i*7+i/3)%len(pad)])
	}
	return b.String()
}

// decodeQR scans img with gozxing, as a phone would, and returns the text.
func decodeQR(t *testing.T, img image.Image) string {
	t.Helper()
	bmp, err := gozxing.NewBinaryBitmapFromImage(img)
	if err != nil {
		t.Fatalf("binarise: %v", err)
	}
	res, err := gozxingqr.NewQRCodeReader().Decode(bmp, nil)
	if err != nil {
		t.Fatalf("decode: %v", err)
	}
	return res.GetText()
}

func TestQRCodeLength(t *testing.T) {
	tests := []struct {
		name string
		text string
		ok   bool
	}{
		{"empty", "", false},
		{"one byte", "x", true},
		{"typical", qrTypicalURL, true},
		{"at the limit", qrLongURL(qrMaxText), true},
		{"one over", qrLongURL(qrMaxText + 1), false},
		{"far over", strings.Repeat("a", 5000), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := qrCode(tt.text)
			if !tt.ok {
				if !errors.Is(err, errQRText) {
					t.Fatalf("qrCode(%d bytes) error = %v, want errQRText", len(tt.text), err)
				}
				if _, err := QRPNG(tt.text, 4); !errors.Is(err, errQRText) {
					t.Errorf("QRPNG error = %v, want errQRText", err)
				}
				if _, err := QRSVG(tt.text); !errors.Is(err, errQRText) {
					t.Errorf("QRSVG error = %v, want errQRText", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("qrCode(%d bytes): %v", len(tt.text), err)
			}
			// A QR code of version v has 17+4v modules on a side.
			if s := m.Size(); s < 21 || s > 177 || (s-17)%4 != 0 {
				t.Errorf("Size() = %d, not a QR code size", s)
			}
		})
	}
}

func TestQRPNGDecodes(t *testing.T) {
	tests := []struct {
		name string
		text string
	}{
		{"typical", qrTypicalURL},
		{"hostile characters", `https://kpi.example.gov/r/x?a=1&b=<script>"'`},
		{"percent-encoded Chinese", "https://kpi.example.gov/r/k9?dept=%E6%94%BF%E5%8A%A1"},
		{"alphanumeric mode", "HTTPS://KPI.EXAMPLE.GOV/R/ABC123"},
		{"numeric mode", "0123456789012345"},
		{"200 bytes", qrLongURL(200)},
		// With rsc.io/qr's fixed mask 0 this one is not found at most
		// scales: the mask leaves finder-like shapes in the data.
		{"500 bytes", qrLongURL(500)},
		{"near the limit", qrLongURL(qrMaxText)},
	}
	for _, tt := range tests {
		for _, ppm := range []int{2, 3, 5, 8} {
			t.Run(tt.name+"/"+strconv.Itoa(ppm), func(t *testing.T) {
				b, err := QRPNG(tt.text, ppm)
				if err != nil {
					t.Fatal(err)
				}
				img, err := png.Decode(bytes.NewReader(b))
				if err != nil {
					t.Fatalf("png.Decode: %v", err)
				}
				if got := decodeQR(t, img); got != tt.text {
					t.Errorf("decoded %q, want %q", got, tt.text)
				}
			})
		}
	}
}

func TestQRPenalty(t *testing.T) {
	grid := func(n int, dark func(x, y int) bool) func(x, y int) bool {
		return func(x, y int) bool { return x >= 0 && y >= 0 && x < n && y < n && dark(x, y) }
	}
	tests := []struct {
		name string
		n    int
		dark func(x, y int) bool
		want int
	}{
		// 42 runs of 21 (3+16 each), 400 blocks (3 each), 0% dark (100).
		{"all light", 21, func(x, y int) bool { return false }, 42*19 + 400*3 + 100},
		// 42 runs of 21, 400 blocks, 100% dark.
		{"all dark", 21, func(x, y int) bool { return true }, 42*19 + 400*3 + 100},
		// No runs, no blocks, 221 of 441 dark is within 5% of half.
		{"checkerboard", 21, func(x, y int) bool { return (x+y)%2 == 0 }, 0},
		// Row 7 of a light 15×15 grid holds 1011101 at columns 4..10:
		// runs: 14 light rows (13 each), 10 light columns (13 each), 5
		// columns with two runs of 7 (5 each); blocks: 168 in the rows
		// away from row 7 and 6 on each side of it; one finder-like core;
		// 5 of 225 dark is 9 full steps of 5% from half.
		{"finder-like row", 15, func(x, y int) bool {
			return y == 7 && (x == 4 || x == 6 || x == 7 || x == 8 || x == 10)
		}, 14*13 + 10*13 + 5*2*5 + (168+12)*3 + 40 + 90},
		// The core filling row 3 of a 7×7 grid, so its light sides are
		// outside: runs: 6 light rows and 2 light columns (5 each); blocks:
		// the 24 away from row 3; one core; 5 of 49 dark is 7 full steps.
		{"finder-like row at the edge", 7, func(x, y int) bool {
			return y == 3 && (x == 0 || x == 2 || x == 3 || x == 4 || x == 6)
		}, 6*5 + 2*5 + 24*3 + 40 + 70},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := qrPenalty(tt.n, grid(tt.n, tt.dark)); got != tt.want {
				t.Errorf("qrPenalty = %d, want %d", got, tt.want)
			}
		})
	}
}

func TestQRCodeBeatsMaskZero(t *testing.T) {
	for _, text := range []string{qrTypicalURL, qrLongURL(500), qrLongURL(qrMaxText)} {
		m, err := qrCode(text)
		if err != nil {
			t.Fatal(err)
		}
		fixed, err := qr.Encode(text, qr.M)
		if err != nil {
			t.Fatal(err)
		}
		if m.Size() != fixed.Size {
			t.Errorf("%d bytes: %d modules, rsc.io/qr uses %d", len(text), m.Size(), fixed.Size)
		}
		got, mask0 := qrPenalty(m.Size(), m.Dark), qrPenalty(fixed.Size, fixed.Black)
		if got > mask0 {
			t.Errorf("%d bytes: penalty %d, mask 0 scores %d", len(text), got, mask0)
		}
	}
}

func TestQRPNGImage(t *testing.T) {
	m, err := qrCode(qrTypicalURL)
	if err != nil {
		t.Fatal(err)
	}
	const ppm = 5
	b, err := QRPNG(qrTypicalURL, ppm)
	if err != nil {
		t.Fatal(err)
	}
	// IHDR follows the 8-byte signature, 4-byte length and 4-byte type;
	// byte 24 is the bit depth and byte 25 the colour type (3, paletted).
	if len(b) < 26 || b[24] != 1 || b[25] != 3 {
		t.Fatalf("PNG is not 1-bit paletted: header % x", b[:min(len(b), 26)])
	}
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	side := (m.Size() + 2*qrQuiet) * ppm
	if got := img.Bounds(); got != image.Rect(0, 0, side, side) {
		t.Fatalf("bounds = %v, want %dx%d", got, side, side)
	}
	// Every pixel of every module has the module's colour, and the quiet
	// zone is white.
	for py := range side {
		for px := range side {
			x, y := px/ppm-qrQuiet, py/ppm-qrQuiet
			want := color.Gray{Y: 0xff}
			if m.Dark(x, y) {
				want = color.Gray{Y: 0}
			}
			if got := color.GrayModel.Convert(img.At(px, py)); got != want {
				t.Fatalf("pixel (%d,%d) = %v, want %v", px, py, got, want)
			}
		}
	}
}

func TestQRPNGClampsModuleSize(t *testing.T) {
	m, err := qrCode(qrTypicalURL)
	if err != nil {
		t.Fatal(err)
	}
	side := m.Size() + 2*qrQuiet
	tests := []struct {
		name    string
		ppm     int
		wantPPM int
	}{
		{"negative", -3, qrMinPixels},
		{"zero", 0, qrMinPixels},
		{"one", 1, qrMinPixels},
		{"lowest", qrMinPixels, qrMinPixels},
		{"typical", 10, 10},
		{"highest", qrMaxPixels, qrMaxPixels},
		{"one over", qrMaxPixels + 1, qrMaxPixels},
		{"huge", 1 << 30, qrMaxPixels},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := QRPNG(qrTypicalURL, tt.ppm)
			if err != nil {
				t.Fatal(err)
			}
			cfg, err := png.DecodeConfig(bytes.NewReader(b))
			if err != nil {
				t.Fatal(err)
			}
			if want := side * tt.wantPPM; cfg.Width != want || cfg.Height != want {
				t.Errorf("size = %dx%d, want %dx%d", cfg.Width, cfg.Height, want, want)
			}
		})
	}
}

// qrSVG is the part of the SVG document the tests read.
type qrSVG struct {
	XMLName        xml.Name `xml:"http://www.w3.org/2000/svg svg"`
	ViewBox        string   `xml:"viewBox,attr"`
	ShapeRendering string   `xml:"shape-rendering,attr"`
	Stroke         string   `xml:"stroke,attr"`
	Title          string   `xml:"title"`
	Rects          []struct {
		Width  string `xml:"width,attr"`
		Height string `xml:"height,attr"`
		Fill   string `xml:"fill,attr"`
	} `xml:"rect"`
	Paths []struct {
		D    string `xml:"d,attr"`
		Fill string `xml:"fill,attr"`
	} `xml:"path"`
}

func TestQRSVG(t *testing.T) {
	tests := []struct {
		name string
		text string
	}{
		{"typical", qrTypicalURL},
		{"hostile title", `https://kpi.example.gov/r/x?a=1&b=<script>alert("x")</script>]]>`},
		{"near the limit", qrLongURL(qrMaxText)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := qrCode(tt.text)
			if err != nil {
				t.Fatal(err)
			}
			b, err := QRSVG(tt.text)
			if err != nil {
				t.Fatal(err)
			}
			checkSVGSafe(t, b)
			var doc qrSVG
			if err := xml.Unmarshal(b, &doc); err != nil {
				t.Fatalf("not XML: %v\n%s", err, b)
			}
			n := m.Size() + 2*qrQuiet
			ns := strconv.Itoa(n)
			if want := "0 0 " + ns + " " + ns; doc.ViewBox != want {
				t.Errorf("viewBox = %q, want %q", doc.ViewBox, want)
			}
			if doc.ShapeRendering != "crispEdges" || doc.Stroke != "none" {
				t.Errorf("shape-rendering = %q, stroke = %q, want crispEdges, none", doc.ShapeRendering, doc.Stroke)
			}
			if doc.Title != tt.text {
				t.Errorf("title = %q, want %q", doc.Title, tt.text)
			}
			if len(doc.Rects) != 1 || doc.Rects[0].Width != ns || doc.Rects[0].Height != ns || doc.Rects[0].Fill != "#fff" {
				t.Errorf("background rects = %+v, want one white %s×%s", doc.Rects, ns, ns)
			}
			if len(doc.Paths) != 1 || doc.Paths[0].Fill != "#000" {
				t.Fatalf("paths = %d, want one black path", len(doc.Paths))
			}
			grid := rasteriseRuns(t, doc.Paths[0].D, n)
			// The path draws exactly the dark modules, quiet zone left light.
			for y := range n {
				for x := range n {
					if want := m.Dark(x-qrQuiet, y-qrQuiet); grid[y][x] != want {
						t.Fatalf("module (%d,%d) drawn %v, want %v", x, y, grid[y][x], want)
					}
				}
			}
			if got := decodeQR(t, gridImage(grid, 4)); got != tt.text {
				t.Errorf("SVG decoded %q, want %q", got, tt.text)
			}
		})
	}
}

func TestQRSVGEscapesTitle(t *testing.T) {
	b, err := QRSVG("https://kpi.example.gov/r/x?a=1&b=<i>")
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	for _, want := range []string{"a=1&amp;b=&lt;i&gt;</title>"} {
		if !strings.Contains(s, want) {
			t.Errorf("SVG lacks %q:\n%s", want, s)
		}
	}
	if strings.Contains(s, "<i>") || strings.Contains(s, "&b") {
		t.Errorf("title not escaped:\n%s", s)
	}
}

// checkSVGSafe walks the document and fails on any element but the four the
// code uses, on event-handler attributes and on anything that could fetch or
// run something else.
func checkSVGSafe(t *testing.T, b []byte) {
	t.Helper()
	lower := strings.ToLower(string(b))
	for _, bad := range []string{"<script", "href", "url(", "<foreignobject", "<!doctype", "<!entity", "<?xml-stylesheet"} {
		if strings.Contains(lower, bad) {
			t.Errorf("SVG contains %q", bad)
		}
	}
	allowed := map[string]bool{"svg": true, "title": true, "rect": true, "path": true}
	dec := xml.NewDecoder(bytes.NewReader(b))
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return
		}
		if err != nil {
			t.Fatalf("not XML: %v", err)
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			if !allowed[tok.Name.Local] || tok.Name.Space != "http://www.w3.org/2000/svg" {
				t.Errorf("unexpected element %v", tok.Name)
			}
			for _, a := range tok.Attr {
				if strings.HasPrefix(strings.ToLower(a.Name.Local), "on") || a.Name.Space != "" && a.Name.Local != "xmlns" {
					t.Errorf("unexpected attribute %v on <%s>", a.Name, tok.Name.Local)
				}
			}
		case xml.ProcInst, xml.Directive:
			t.Errorf("unexpected %T", tok)
		}
	}
}

// rasteriseRuns draws path data made of closed axis-aligned rectangles with
// integer corners (the commands M, m, h, v and z) onto an n×n grid of
// modules. It fails the test on any other command and on a subpath that is
// not a rectangle, so it reads only what writeRuns is meant to write.
func rasteriseRuns(t *testing.T, d string, n int) [][]bool {
	t.Helper()
	grid := make([][]bool, n)
	for i := range grid {
		grid[i] = make([]bool, n)
	}
	var (
		x, y         int      // the pen
		sx, sy       int      // start of the current subpath
		corners      [][2]int // vertices of the current subpath
		open         bool
		rects, cells int
	)
	num := func(i *int) int {
		j := *i
		if j < len(d) && d[j] == '-' {
			j++
		}
		for j < len(d) && d[j] >= '0' && d[j] <= '9' {
			j++
		}
		v, err := strconv.Atoi(d[*i:j])
		if err != nil {
			t.Fatalf("path data: bad number at %d in %q", *i, d)
		}
		*i = j
		for *i < len(d) && (d[*i] == ' ' || d[*i] == ',') {
			*i++
		}
		return v
	}
	for i := 0; i < len(d); {
		c := d[i]
		i++
		switch c {
		case 'M', 'm':
			if open {
				t.Fatalf("path data: moveto inside an open subpath at %d", i)
			}
			dx := num(&i)
			dy := num(&i)
			if c == 'M' {
				x, y = dx, dy
			} else {
				x, y = x+dx, y+dy
			}
			sx, sy, open = x, y, true
			corners = [][2]int{{x, y}}
		case 'h', 'v':
			if !open {
				t.Fatalf("path data: %c before a moveto", c)
			}
			if c == 'h' {
				x += num(&i)
			} else {
				y += num(&i)
			}
			corners = append(corners, [2]int{x, y})
		case 'z':
			if !open {
				t.Fatal("path data: z without a subpath")
			}
			x0, y0, x1, y1 := sx, sy, sx, sy
			for _, p := range corners {
				x0, y0, x1, y1 = min(x0, p[0]), min(y0, p[1]), max(x1, p[0]), max(y1, p[1])
			}
			if len(corners) != 4 || x1 == x0 || y1 == y0 {
				t.Fatalf("path data: subpath %v is not a rectangle", corners)
			}
			for _, p := range corners {
				if (p[0] != x0 && p[0] != x1) || (p[1] != y0 && p[1] != y1) {
					t.Fatalf("path data: subpath %v is not a rectangle", corners)
				}
			}
			if x0 < 0 || y0 < 0 || x1 > n || y1 > n {
				t.Fatalf("path data: rectangle %v outside the %d×%d viewBox", corners, n, n)
			}
			for ry := y0; ry < y1; ry++ {
				for rx := x0; rx < x1; rx++ {
					if grid[ry][rx] {
						t.Fatalf("path data: module (%d,%d) drawn twice", rx, ry)
					}
					grid[ry][rx] = true
					cells++
				}
			}
			// After closepath the pen is back at the subpath's start.
			x, y, open = sx, sy, false
			rects++
		default:
			t.Fatalf("path data: unexpected command %q at %d", c, i-1)
		}
	}
	if open {
		t.Fatal("path data: last subpath not closed")
	}
	if rects == 0 || cells == 0 {
		t.Fatal("path data draws nothing")
	}
	return grid
}

// gridImage renders a grid of modules black on white, scale pixels a module.
func gridImage(grid [][]bool, scale int) image.Image {
	n := len(grid)
	img := image.NewGray(image.Rect(0, 0, n*scale, n*scale))
	for py := range n * scale {
		for px := range n * scale {
			v := uint8(0xff)
			if grid[py/scale][px/scale] {
				v = 0
			}
			img.SetGray(px, py, color.Gray{Y: v})
		}
	}
	return img
}
