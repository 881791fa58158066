package scoring

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
)

// RITable is a named random-index table: RI by matrix size n. The RI of a
// size is the mean consistency index of random reciprocal matrices of that
// size, so CR = CI/RI compares a matrix with random judgements.
type RITable struct {
	Name   string
	Source string
	Values map[int]float64
}

// RITables returns the built-in random-index tables keyed "saaty2005",
// "dd1991" (Donegan & Dodd 1991, n = 3..10) and "saaty1980". RI is 0 for
// n = 1 and 2 in every table. It returns a fresh map on every call, so a
// caller may change its copy freely.
func RITables() map[string]RITable {
	return map[string]RITable{
		"saaty2005": {
			Name:   "saaty2005",
			Source: "Saaty (2005), Theory and Applications of the Analytic Network Process, p. 31",
			Values: map[int]float64{
				1: 0, 2: 0, 3: 0.52, 4: 0.89, 5: 1.11, 6: 1.25, 7: 1.35, 8: 1.40,
				9: 1.45, 10: 1.49, 11: 1.52, 12: 1.54, 13: 1.56, 14: 1.58, 15: 1.59,
			},
		},
		"dd1991": {
			Name:   "dd1991",
			Source: "Donegan & Dodd (1991), Math. Comput. Modelling 15(10):135-137",
			Values: map[int]float64{
				1: 0, 2: 0, 3: 0.4914, 4: 0.8286, 5: 1.0591, 6: 1.1797, 7: 1.2519,
				8: 1.3171, 9: 1.3733, 10: 1.4055,
			},
		},
		"saaty1980": {
			Name:   "saaty1980",
			Source: "Saaty (1980), The Analytic Hierarchy Process (the classic table, n = 1..10)",
			Values: map[int]float64{
				1: 0, 2: 0, 3: 0.58, 4: 0.90, 5: 1.12, 6: 1.24, 7: 1.32, 8: 1.41,
				9: 1.45, 10: 1.49,
			},
		},
	}
}

// AHPResult is the outcome of one pairwise-comparison matrix.
type AHPResult struct {
	Names      []string  `json:"names"`
	Weights    []float64 `json:"weights"`
	LambdaMax  float64   `json:"lambda_max"`
	CI         float64   `json:"ci"`
	CR         float64   `json:"cr"`
	RI         string    `json:"ri_table"`
	Consistent bool      `json:"consistent"`
	// WorstI and WorstJ (0-based, WorstI < WorstJ) name the pair whose
	// judgement departs most from the weights: a_ij·w_j/w_i farthest from 1
	// in log terms. They are both 0 when n < 2.
	WorstI, WorstJ int `json:"-"`
	// judged and implied keep the worst pair's numbers for the refusal.
	judged, implied float64
}

// AHPError is the refusal of a matrix whose CR is above the limit. Its
// message names the most inconsistent pair, the judgement made and the ratio
// the weights imply, so the person can reconsider that one comparison.
type AHPError struct {
	Result AHPResult
	Limit  float64
}

// Error says by how much the limit is exceeded and which judgement to
// reconsider, e.g. `CR 0.172 is above 0.10: reconsider "coffee" vs "tea"
// (judged 1/5, the weights imply about 1/2)`.
func (e *AHPError) Error() string {
	r := e.Result
	msg := fmt.Sprintf("CR %.3f is above %s", r.CR, ahpFormatLimit(e.Limit))
	if len(r.Names) < 2 || r.WorstI == r.WorstJ {
		return msg
	}
	judged := r.judged
	implied := r.implied
	if judged == 0 && len(r.Weights) == len(r.Names) {
		// A result built outside AHP: fall back to what can be recovered.
		implied = r.Weights[r.WorstI] / r.Weights[r.WorstJ]
	}
	s := fmt.Sprintf("%s: reconsider %q vs %q (", msg, r.Names[r.WorstI], r.Names[r.WorstJ])
	if judged > 0 {
		s += "judged " + ahpFormatJudgement(judged) + ", "
	}
	return s + "the weights imply about " + ahpFormatImplied(implied) + ")"
}

// ahpFormatLimit prints the CR limit with at least two decimals (0.1 → 0.10).
func ahpFormatLimit(x float64) string {
	s := strconv.FormatFloat(x, 'f', -1, 64)
	dot := strings.IndexByte(s, '.')
	switch {
	case dot < 0:
		return s + ".00"
	case len(s)-dot-1 < 2:
		return s + "0"
	}
	return s
}

// ahpFormatJudgement prints a judgement as a person wrote it: 5, 1/5, 2.5
// or 1/2.5.
func ahpFormatJudgement(x float64) string {
	if x >= 1 {
		return ahpFormatScale(x, 3)
	}
	return "1/" + ahpFormatScale(1/x, 3)
}

// ahpFormatImplied prints the ratio the weights imply on the same scale,
// rounded to one decimal (2.4, 1/3.5): a suggestion, not a measurement.
// Between 1/2 and 1 a decimal reads better than 1/1.2.
func ahpFormatImplied(x float64) string {
	switch {
	case x >= 1:
		return ahpFormatScale(x, 1)
	case 1/x < 1.95:
		return ahpFormatScale(x, 2)
	}
	return "1/" + ahpFormatScale(1/x, 1)
}

// ahpFormatScale prints x ≥ 1 with at most dec decimals and no trailing zeros.
func ahpFormatScale(x float64, dec int) string {
	s := strconv.FormatFloat(x, 'f', dec, 64)
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	return s
}

// ahpReciprocalTol is the relative tolerance on a_ij·a_ji = 1 and on the
// diagonal: judgements typed as 0.333 for 1/3 are refused, 1/3 is not.
const ahpReciprocalTol = 1e-6

// CheckReciprocal returns an error naming the first cell (row and column,
// 1-based, in reading order) that is not positive, not 1 on the diagonal, or
// not reciprocal (a_ij·a_ji must be 1 within 1e-6 relative). It also refuses
// an empty or non-square matrix.
func CheckReciprocal(m [][]float64) error {
	rows := make([]int, len(m))
	for i := range rows {
		rows[i] = i + 1
	}
	return ahpCheck(m, rows, 0, nil)
}

// ahpCheck is CheckReciprocal with the positions a person sees: rows[i] is
// the printed row of matrix row i and colOff is added to column numbers (1
// when the file has a column of row names). names, if not nil, are added to
// the message.
func ahpCheck(m [][]float64, rows []int, colOff int, names []string) error {
	n := len(m)
	if n == 0 {
		return errors.New("the matrix is empty")
	}
	for i, row := range m {
		if len(row) != n {
			return fmt.Errorf("row %d has %d cells, want %d: the matrix is not square", rows[i], len(row), n)
		}
	}
	pair := func(i, j int) string {
		if names == nil {
			return ""
		}
		return fmt.Sprintf(" (%q vs %q)", names[i], names[j])
	}
	for i, row := range m {
		for j, a := range row {
			at := fmt.Sprintf("row %d, column %d%s", rows[i], j+1+colOff, pair(i, j))
			if math.IsNaN(a) || math.IsInf(a, 0) {
				return fmt.Errorf("%s: %v is not a number", at, a)
			}
			if a <= 0 {
				return fmt.Errorf("%s: %s is not positive (a judgement is a ratio > 0)", at, ahpFormatCell(a))
			}
			if i == j {
				if math.Abs(a-1) > ahpReciprocalTol {
					return fmt.Errorf("%s: the diagonal must be 1, got %s", at, ahpFormatCell(a))
				}
				continue
			}
			if j < i {
				// The partner above the diagonal was checked positive already.
				b := m[j][i]
				if p := a * b; math.Abs(p-1) > ahpReciprocalTol {
					return fmt.Errorf("%s: %s is not the reciprocal of %s at row %d, column %d (their product is %.6g, it must be 1)",
						at, ahpFormatCell(a), ahpFormatCell(b), rows[j], i+1+colOff, p)
				}
			}
		}
	}
	return nil
}

// ahpFormatCell prints a cell value compactly for messages.
func ahpFormatCell(a float64) string {
	if a > 0 && a < 1 {
		if k := 1 / a; math.Abs(k-math.Round(k)) < 1e-9 {
			return "1/" + strconv.FormatFloat(math.Round(k), 'f', -1, 64)
		}
	}
	return strconv.FormatFloat(a, 'g', 6, 64)
}

// ahpMaxCells bounds a matrix read from a file; AHP is meant for a handful
// of items (Saaty advises at most 7±2), so 100 is generous.
const ahpMaxCells = 100

// ParseAHPMatrixCSV reads a pairwise-comparison matrix from CSV: a header row
// of names, then n rows of n cells holding numbers or fractions such as
// "1/3" (spaces around a cell are ignored). The header may start with an
// empty cell (or a label such as "criterion" when the first data row starts
// with the first name); the first column then holds row names, which must
// repeat the header in the same order. A UTF-8 byte-order mark and rows of
// empty cells are ignored. Errors name the row (the line of the file, as a
// person counts) and the column (1-based) and say what is wrong: not square,
// a bad number, a cell that is not positive, a diagonal that is not 1, or a
// pair that is not reciprocal (a_ij·a_ji must be 1 within 1e-6 relative).
func ParseAHPMatrixCSV(r io.Reader) (names []string, m [][]float64, err error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true
	var recs [][]string
	var lines []int
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, nil, fmt.Errorf("ahp matrix csv: %w", err)
		}
		line, _ := cr.FieldPos(0)
		if len(recs) == 0 && len(rec) > 0 {
			rec[0] = strings.TrimPrefix(rec[0], "\ufeff")
		}
		for k := range rec {
			rec[k] = strings.TrimSpace(rec[k])
		}
		if ahpBlankRecord(rec) {
			continue
		}
		// Trailing empty cells are what spreadsheets add to ragged sheets.
		for len(rec) > 1 && rec[len(rec)-1] == "" {
			rec = rec[:len(rec)-1]
		}
		recs = append(recs, rec)
		lines = append(lines, line)
		if len(recs) > ahpMaxCells+1 {
			return nil, nil, fmt.Errorf("ahp matrix csv: more than %d rows", ahpMaxCells)
		}
	}
	if len(recs) == 0 {
		return nil, nil, errors.New("ahp matrix csv: the file is empty, want a header row of names")
	}
	header, data := recs[0], recs[1:]
	rowNames := header[0] == ""
	if !rowNames && len(header) >= 2 && len(data) > 0 && data[0][0] == header[1] {
		rowNames = true // a label such as "criterion" in the top-left cell
	}
	off := 0
	if rowNames {
		off = 1
	}
	names = header[off:]
	n := len(names)
	if n == 0 {
		return nil, nil, fmt.Errorf("ahp matrix csv: row %d: the header has no names", lines[0])
	}
	if n > ahpMaxCells {
		return nil, nil, fmt.Errorf("ahp matrix csv: row %d: %d names, at most %d are allowed", lines[0], n, ahpMaxCells)
	}
	seen := make(map[string]int, n)
	for k, name := range names {
		if name == "" {
			return nil, nil, fmt.Errorf("ahp matrix csv: row %d, column %d: empty name", lines[0], k+1+off)
		}
		if prev, ok := seen[name]; ok {
			return nil, nil, fmt.Errorf("ahp matrix csv: row %d, column %d: name %q repeats column %d", lines[0], k+1+off, name, prev+1+off)
		}
		seen[name] = k
	}
	if len(data) != n {
		return nil, nil, fmt.Errorf("ahp matrix csv: %d names but %d rows of judgements: the matrix is not square", n, len(data))
	}
	m = make([][]float64, n)
	for i, rec := range data {
		if len(rec) != n+off {
			return nil, nil, fmt.Errorf("ahp matrix csv: row %d has %d cells, want %d: the matrix is not square", lines[i+1], len(rec), n+off)
		}
		if rowNames && rec[0] != names[i] {
			return nil, nil, fmt.Errorf("ahp matrix csv: row %d, column 1: row name %q, want %q (rows must follow the order of the header)", lines[i+1], rec[0], names[i])
		}
		m[i] = make([]float64, n)
		for j, cell := range rec[off:] {
			v, err := ahpParseCell(cell)
			if err != nil {
				return nil, nil, fmt.Errorf("ahp matrix csv: row %d, column %d: %w", lines[i+1], j+1+off, err)
			}
			m[i][j] = v
		}
	}
	if err := ahpCheck(m, lines[1:], off, names); err != nil {
		return nil, nil, fmt.Errorf("ahp matrix csv: %w", err)
	}
	return names, m, nil
}

// ahpBlankRecord reports whether every cell of a record is empty.
func ahpBlankRecord(rec []string) bool {
	for _, c := range rec {
		if c != "" {
			return false
		}
	}
	return true
}

// ahpParseCell reads one judgement: a decimal number ("3", "0.5", "2e0") or
// a fraction of two decimals ("1/3", "5 / 2"). NaN, infinities, hex and
// empty cells are refused; the sign is checked later with the position.
func ahpParseCell(s string) (float64, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, errors.New("empty cell, want a number such as 3 or 1/3")
	}
	if num, den, ok := strings.Cut(s, "/"); ok {
		a, err1 := ahpParseDecimal(strings.TrimSpace(num))
		b, err2 := ahpParseDecimal(strings.TrimSpace(den))
		if err1 != nil || err2 != nil {
			return 0, fmt.Errorf("%q is not a number or a fraction such as 1/3", s)
		}
		if b == 0 {
			return 0, fmt.Errorf("%q divides by zero", s)
		}
		return a / b, nil
	}
	v, err := ahpParseDecimal(s)
	if err != nil {
		return 0, fmt.Errorf("%q is not a number or a fraction such as 1/3", s)
	}
	return v, nil
}

// ahpParseDecimal parses a plain decimal number, refusing the other forms
// strconv accepts (NaN, Inf, hex, underscores).
func ahpParseDecimal(s string) (float64, error) {
	if s == "" {
		return 0, errors.New("empty")
	}
	for _, c := range s {
		if !(c >= '0' && c <= '9' || c == '.' || c == 'e' || c == 'E' || c == '+' || c == '-') {
			return 0, fmt.Errorf("bad character %q", c)
		}
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsInf(v, 0) {
		return 0, fmt.Errorf("bad number %q", s)
	}
	return v, nil
}

// ahpPowerTol and ahpPowerMaxIter bound the power iteration. A positive
// matrix has a simple dominant eigenvalue, so the iteration converges; the
// start from the row geometric means (exact for a consistent matrix) makes
// it fast for the near-consistent matrices people write.
const (
	ahpPowerTol     = 1e-15
	ahpPowerMaxIter = 100000
)

// ahpWorstTieTol is the relative margin by which a pair must depart more
// than an earlier one to be named the worst.
const ahpWorstTieTol = 1e-9

// AHP computes the weights of a positive reciprocal matrix m (m[i][j] is the
// importance of item i over item j): the normalised principal right
// eigenvector (weights sum to 1), λmax as the mean of (A·w)_i/w_i,
// CI = (λmax − n)/(n − 1) (0 for n ≤ 2) and CR = CI/RI(n) from the table ri
// (0 when RI is 0). names may be nil (items are then called "1", "2", …).
// Consistent is CR ≤ maxCR. When CR > maxCR it returns the full result
// together with an *AHPError naming the most inconsistent pair. An invalid
// matrix, a size missing from ri or a negative maxCR is a plain error.
func AHP(names []string, m [][]float64, ri RITable, maxCR float64) (AHPResult, error) {
	n := len(m)
	if err := CheckReciprocal(m); err != nil {
		return AHPResult{}, fmt.Errorf("ahp: %w", err)
	}
	if names == nil {
		names = make([]string, n)
		for i := range names {
			names[i] = strconv.Itoa(i + 1)
		}
	}
	if len(names) != n {
		return AHPResult{}, fmt.Errorf("ahp: %d names for a %d×%d matrix", len(names), n, n)
	}
	if math.IsNaN(maxCR) || maxCR < 0 {
		return AHPResult{}, fmt.Errorf("ahp: CR limit %v must be ≥ 0", maxCR)
	}
	riN, ok := ri.Values[n]
	if !ok {
		return AHPResult{}, fmt.Errorf("ahp: RI table %q has no value for %d items", ri.Name, n)
	}

	w := ahpPrincipal(m)
	aw := make([]float64, n)
	lambda := 0.0
	for i := range m {
		for j, a := range m[i] {
			aw[i] += a * w[j]
		}
		lambda += aw[i] / w[i]
	}
	lambda /= float64(n)

	res := AHPResult{
		Names:     append([]string(nil), names...),
		Weights:   w,
		LambdaMax: lambda,
		RI:        ri.Name,
	}
	if n > 2 {
		// λmax ≥ n for every positive reciprocal matrix; a hair below is rounding.
		res.CI = max(0, (lambda-float64(n))/float64(n-1))
	}
	if riN > 0 {
		res.CR = res.CI / riN
	}
	// Ties are common (in a 3×3 matrix every judgement departs by the same
	// factor), so a pair must beat the one before it clearly: the first pair
	// in reading order wins, whatever the last bits of the arithmetic.
	worst := -1.0
	for i := range n {
		for j := i + 1; j < n; j++ {
			if d := math.Abs(math.Log(m[i][j] * w[j] / w[i])); d > worst*(1+ahpWorstTieTol)+ahpWorstTieTol {
				worst = d
				res.WorstI, res.WorstJ = i, j
				res.judged, res.implied = m[i][j], w[i]/w[j]
			}
		}
	}
	res.Consistent = res.CR <= maxCR
	if !res.Consistent {
		return res, &AHPError{Result: res, Limit: maxCR}
	}
	return res, nil
}

// ahpPrincipal returns the principal right eigenvector of the positive
// matrix m, normalised to sum 1, by power iteration.
func ahpPrincipal(m [][]float64) []float64 {
	n := len(m)
	w := make([]float64, n)
	for i, row := range m {
		s := 0.0
		for _, a := range row {
			s += math.Log(a)
		}
		w[i] = math.Exp(s / float64(n))
	}
	ahpNormalise(w)
	next := make([]float64, n)
	for range ahpPowerMaxIter {
		for i, row := range m {
			s := 0.0
			for j, a := range row {
				s += a * w[j]
			}
			next[i] = s
		}
		ahpNormalise(next)
		diff := 0.0
		for i := range w {
			diff = max(diff, math.Abs(next[i]-w[i]))
		}
		w, next = next, w
		if diff <= ahpPowerTol {
			break
		}
	}
	return w
}

// ahpNormalise scales w in place to sum 1.
func ahpNormalise(w []float64) {
	s := 0.0
	for _, v := range w {
		s += v
	}
	for i := range w {
		w[i] /= s
	}
}

// CombineJudgements combines several evaluators' matrices into one by the
// element-wise geometric mean, the AHP rule for aggregating individual
// judgements (it keeps the result reciprocal). Every matrix must be a valid
// reciprocal matrix of the same size; errors name the evaluator (1-based).
func CombineJudgements(ms [][][]float64) ([][]float64, error) {
	if len(ms) == 0 {
		return nil, errors.New("combine judgements: no matrices")
	}
	n := len(ms[0])
	for k, m := range ms {
		if len(m) != n {
			return nil, fmt.Errorf("combine judgements: evaluator %d has %d rows, evaluator 1 has %d", k+1, len(m), n)
		}
		if err := CheckReciprocal(m); err != nil {
			return nil, fmt.Errorf("combine judgements: evaluator %d: %w", k+1, err)
		}
	}
	out := make([][]float64, n)
	for i := range out {
		out[i] = make([]float64, n)
		out[i][i] = 1
	}
	for i := range n {
		for j := i + 1; j < n; j++ {
			s := 0.0
			for _, m := range ms {
				s += math.Log(m[i][j])
			}
			g := math.Exp(s / float64(len(ms)))
			out[i][j], out[j][i] = g, 1/g
		}
	}
	return out, nil
}
