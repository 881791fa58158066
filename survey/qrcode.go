package survey

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"strconv"

	"rsc.io/qr/coding"
)

// QR codes for the printed rating posters. Citizens scan them with whatever
// phone they have, often off a wall that is creased, faded or behind glass,
// so the codes use error-correction level M (about 15% of the code may be
// lost) and always carry the 4-module quiet zone the standard asks for:
// cropping it is the most common reason a printed code fails to scan.
//
// rsc.io/qr's Encode always applies mask 0. The standard asks the encoder to
// try all eight masks and keep the one whose penalty score is lowest, because
// a fixed mask can leave shapes in the data that look like finder patterns
// or long runs; ZXing's detector, like a phone's, then fails to find a
// 500-byte code that it reads at once when told where the code is. So QRCode
// drives rsc.io/qr/coding itself and scores every mask.

const (
	// qrMaxText bounds what a poster code holds. A rating link is well under
	// 100 bytes; anything near this limit is a bug, and the code it would
	// make (version 27 or so) is too dense to scan off a poster.
	qrMaxText = 1000
	// qrQuiet is the light margin around the code, in modules.
	qrQuiet = 4
	// qrMinPixels and qrMaxPixels clamp QRPNG's module size: below 2 pixels
	// a printer smears the modules, and above 40 the image only grows.
	qrMinPixels = 2
	qrMaxPixels = 40
)

// errQRText reports text that is empty or longer than qrMaxText.
var errQRText = errors.New("qr code: text must be 1 to " + strconv.Itoa(qrMaxText) + " bytes")

// qrMatrix is an encoded QR code: a square of dark and light modules,
// without the quiet zone.
type qrMatrix struct {
	code *coding.Code
}

// qrCode encodes text, normally a rating link, at error-correction level M
// with the mask that scores best. Text should be ASCII (percent-encode
// anything else): it is stored in byte mode without a character-set marker,
// and scanners guess the encoding. It returns an error wrapping errQRText
// when text is empty or over 1,000 bytes; the caller built the text, so that
// is an internal error, not the user's.
func qrCode(text string) (*qrMatrix, error) {
	if len(text) == 0 || len(text) > qrMaxText {
		return nil, fmt.Errorf("%w, got %d", errQRText, len(text))
	}
	// The smallest mode that holds the text, as rsc.io/qr's Encode picks it.
	var enc coding.Encoding = coding.String(text)
	if coding.Num(text).Check() == nil {
		enc = coding.Num(text)
	} else if coding.Alpha(text).Check() == nil {
		enc = coding.Alpha(text)
	}
	v := coding.Version(coding.MinVersion)
	for enc.Bits(v) > v.DataBytes(coding.M)*8 {
		if v++; v > coding.MaxVersion {
			// Unreachable under qrMaxText: version 40-M holds 2,331 bytes.
			return nil, fmt.Errorf("qr code: %d bytes do not fit any version", len(text))
		}
	}
	var best *qrMatrix
	bestScore := 0
	for mask := range coding.Mask(8) {
		p, err := coding.NewPlan(v, coding.M, mask)
		if err != nil {
			return nil, fmt.Errorf("qr code: plan version %d mask %d: %w", v, mask, err)
		}
		c, err := p.Encode(enc)
		if err != nil {
			return nil, fmt.Errorf("qr code: encode %d bytes: %w", len(text), err)
		}
		m := &qrMatrix{code: c}
		if score := qrPenalty(m.Size(), m.Dark); best == nil || score < bestScore {
			best, bestScore = m, score
		}
	}
	return best, nil
}

// qrPenalty is the mask penalty score of ISO/IEC 18004 section 7.8.3 for an
// n×n symbol: runs of five or more modules of one colour in a row or column,
// 2×2 blocks of one colour, the finder-like 1:1:3:1:1 pattern with four
// light modules on either side (counted once for each such core, as ZXing
// does), and the distance of the share of dark modules from one half. dark
// must report false for modules outside the symbol.
func qrPenalty(n int, dark func(x, y int) bool) int {
	score := 0
	for _, transpose := range []bool{false, true} {
		at := dark
		if transpose {
			at = func(x, y int) bool { return dark(y, x) }
		}
		for y := range n {
			run := 1
			for x := 1; x <= n; x++ {
				if x < n && at(x, y) == at(x-1, y) {
					run++
					continue
				}
				if run >= 5 {
					score += 3 + run - 5
				}
				run = 1
			}
			for x := 0; x+7 <= n; x++ {
				if !qrFinderCore(at, x, y) {
					continue
				}
				if qrLight(at, x-4, x, y) || qrLight(at, x+7, x+11, y) {
					score += 40
				}
			}
		}
	}
	darkCount := 0
	for y := range n {
		for x := range n {
			d := dark(x, y)
			if d {
				darkCount++
			}
			if x+1 < n && y+1 < n && dark(x+1, y) == d && dark(x, y+1) == d && dark(x+1, y+1) == d {
				score += 3
			}
		}
	}
	// Ten points for each full 5% the dark share is away from 50%.
	dev := 20*darkCount - 10*n*n
	return score + 10*(max(dev, -dev)/(n*n))
}

// qrFinderCore reports whether row y holds dark, light, three dark, light,
// dark from column x on.
func qrFinderCore(at func(x, y int) bool, x, y int) bool {
	for i, want := range [7]bool{true, false, true, true, true, false, true} {
		if at(x+i, y) != want {
			return false
		}
	}
	return true
}

// qrLight reports whether columns from..to-1 of row y are light; columns
// outside the symbol count as light, as the quiet zone is.
func qrLight(at func(x, y int) bool, from, to, y int) bool {
	for x := from; x < to; x++ {
		if at(x, y) {
			return false
		}
	}
	return true
}

// Size is the number of modules on a side, without the quiet zone.
func (m *qrMatrix) Size() int { return m.code.Size }

// Dark reports whether the module at column x, row y is dark. Modules outside
// the code, such as those of the quiet zone, are light.
func (m *qrMatrix) Dark(x, y int) bool { return m.code.Black(x, y) }

// side is the number of modules on a side, with the quiet zone.
func (m *qrMatrix) side() int { return m.code.Size + 2*qrQuiet }

// QRPNG returns text's QR code as a black-on-white PNG with a two-colour
// palette (1 bit a pixel) and the quiet zone. Each module is a square of
// pixelsPerModule pixels, clamped to 2..40, so edges stay sharp when printed.
// Errors are those of QRCode.
func QRPNG(text string, pixelsPerModule int) ([]byte, error) {
	m, err := qrCode(text)
	if err != nil {
		return nil, err
	}
	ppm := min(max(pixelsPerModule, qrMinPixels), qrMaxPixels)
	side := m.side() * ppm
	// Palette index 0 is white, so the new image is already all light.
	img := image.NewPaletted(image.Rect(0, 0, side, side), color.Palette{color.Gray{Y: 0xff}, color.Gray{Y: 0}})
	row := make([]uint8, side)
	for y := range m.Size() {
		clear(row)
		for x := range m.Size() {
			if m.Dark(x, y) {
				start := (x + qrQuiet) * ppm
				for i := start; i < start+ppm; i++ {
					row[i] = 1
				}
			}
		}
		top := (y + qrQuiet) * ppm
		for py := top; py < top+ppm; py++ {
			copy(img.Pix[py*img.Stride:], row)
		}
	}
	var buf bytes.Buffer
	enc := png.Encoder{CompressionLevel: png.BestCompression}
	if err := enc.Encode(&buf, img); err != nil {
		return nil, fmt.Errorf("qr code: write png: %w", err)
	}
	return buf.Bytes(), nil
}

// QRSVG returns text's QR code as a standalone SVG document. Its viewBox
// counts modules, quiet zone included, and it has no width or height, so the
// page that shows it sets the size. The dark modules are one path of
// rectangles, one for each run of dark modules in a row, drawn with
// crispEdges so scaling leaves no seams, and with an explicit stroke="none"
// because ImageMagick's own SVG renderer strokes shapes by default, which
// swells the dark modules over the light ones. The text is the title,
// escaped. The document has no scripts and no external references. Errors
// are those of QRCode.
func QRSVG(text string) ([]byte, error) {
	m, err := qrCode(text)
	if err != nil {
		return nil, err
	}
	n := strconv.Itoa(m.side())
	var b bytes.Buffer
	b.WriteString(`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ` + n + ` ` + n + `" shape-rendering="crispEdges" stroke="none"><title>`)
	// Writing to a bytes.Buffer cannot fail.
	_ = xml.EscapeText(&b, []byte(text))
	b.WriteString(`</title><rect width="` + n + `" height="` + n + `" fill="#fff"/><path fill="#000" d="`)
	m.writeRuns(&b)
	b.WriteString(`"/></svg>`)
	return b.Bytes(), nil
}

// writeRuns writes path data drawing each horizontal run of dark modules as a
// closed rectangle one module high. A row's first run starts with an
// absolute moveto; the next ones move relative to the previous run's start,
// which is where the closepath left the pen.
func (m *qrMatrix) writeRuns(b *bytes.Buffer) {
	for y := range m.Size() {
		prev := -1
		for x := 0; x < m.Size(); {
			if !m.Dark(x, y) {
				x++
				continue
			}
			end := x
			for end < m.Size() && m.Dark(end, y) {
				end++
			}
			if prev < 0 {
				fmt.Fprintf(b, "M%d %d", x+qrQuiet, y+qrQuiet)
			} else {
				fmt.Fprintf(b, "m%d 0", x-prev)
			}
			fmt.Fprintf(b, "h%dv1h-%dz", end-x, end-x)
			prev, x = x, end
		}
	}
}
