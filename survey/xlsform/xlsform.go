// Package xlsform imports XLSForm workbooks (.xlsx, the ODK / KoboToolbox
// authoring standard) into the questionnaire model of survey/instrument.
//
// Only a subset of XLSForm is accepted: the sheets survey, choices and
// settings; the question types select_one, select_multiple, integer,
// decimal, text, date, time, dateTime, note, acknowledge, range, calculate,
// hidden and groups; the metadata start, end and today (skipped: they are not
// questions). Everything else (locations, media, barcodes, repeats, external
// data, pulldata …) is refused with a Problem naming the sheet and the row,
// and all problems of a workbook are reported together.
//
// Expressions (relevant, constraint, calculation, choice_filter) are copied
// as written; survey/instrument compiles them. The importer only checks that
// the ${name} references they hold name questions of the form.
package xlsform

import (
	"archive/zip"
	"bytes"
	"cmp"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"path"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"github.com/xuri/excelize/v2"

	"govkpi/survey/instrument"
)

// Limits on what Read accepts. A workbook is a zip archive, so a small upload
// can expand enormously; the limits are checked on the zip directory and on a
// streaming scan of the sheets before the workbook is parsed.
const (
	MaxBytes         = 10 << 20 // default bound of the upload itself
	MaxUnzippedBytes = 50 << 20 // sum of the uncompressed sizes of the parts
	MaxRows          = 10000    // rows of any sheet
	MaxColumns       = 200      // columns of any sheet
	maxParts         = 10000    // entries of the zip directory
)

// Problem is one refusal, naming the sheet, the row (as Excel numbers it)
// and what is wrong. Sheet is "survey", "choices" or "settings", or empty when
// the problem concerns the file as a whole; Row is 0 when the problem is not
// about one row. Column is the standard name of the column concerned (type,
// name, label, relevant …) when there is one, for highlighting.
type Problem struct {
	Sheet  string
	Row    int
	Column string
	Msg    string
}

// String formats p as `survey sheet, row 12: msg`.
func (p Problem) String() string {
	switch {
	case p.Sheet == "":
		return p.Msg
	case p.Row == 0:
		return p.Sheet + " sheet: " + p.Msg
	default:
		return fmt.Sprintf("%s sheet, row %d: %s", p.Sheet, p.Row, p.Msg)
	}
}

// Error is the refusal of a workbook: every problem found, in sheet and row
// order.
type Error struct {
	Problems []Problem
}

// Error lists all the problems, one a line.
func (e *Error) Error() string {
	lines := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		lines[i] = p.String()
	}
	return strings.Join(lines, "\n")
}

func refuse(format string, args ...any) error {
	return &Error{Problems: []Problem{{Msg: fmt.Sprintf(format, args...)}}}
}

// Read imports an XLSForm workbook (.xlsx) into an instrument, reading at
// most MaxBytes. name is the file name; only .xlsx is accepted (.xls is
// refused with "save the workbook as .xlsx"). A workbook that does not fit
// the supported subset, or whose content is inconsistent, is refused with an
// *Error listing every problem; other errors come from reading r. The
// instrument is not validated beyond the checks listed in the package
// documentation: callers run instrument validation on it.
func Read(r io.Reader, name string) (*instrument.Instrument, error) {
	return ReadLimit(r, name, MaxBytes)
}

// ReadLimit is Read with another bound on the size of the upload (MaxBytes
// when maxBytes is not positive).
func ReadLimit(r io.Reader, name string, maxBytes int64) (*instrument.Instrument, error) {
	if maxBytes <= 0 {
		maxBytes = MaxBytes
	}
	switch ext := strings.ToLower(path.Ext(name)); ext {
	case ".xlsx":
	case ".xls":
		return nil, refuse("%s is an old Excel .xls file: save the workbook as .xlsx and upload it again", name)
	default:
		return nil, refuse("%s is not an .xlsx workbook: only XLSForm workbooks saved as .xlsx can be imported", name)
	}
	data, err := io.ReadAll(io.LimitReader(r, maxBytes+1))
	if err != nil {
		return nil, fmt.Errorf("xlsform: read %s: %w", name, err)
	}
	if int64(len(data)) > maxBytes {
		return nil, refuse("the file is larger than %s", sizeText(maxBytes))
	}
	book, err := openWorkbook(data)
	if err != nil {
		return nil, err
	}
	return convert(book, name)
}

func sizeText(n int64) string {
	if n >= 1<<20 && n%(1<<20) == 0 {
		return fmt.Sprintf("%d MiB", n>>20)
	}
	return fmt.Sprintf("%d bytes", n)
}

// workbook holds the rows of the three sheets the importer reads, keyed by
// their lower-case name, with every cell trimmed.
type workbook map[string][][]string

var oleMagic = []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}

// openWorkbook checks the archive against the limits and reads the survey,
// choices and settings sheets.
func openWorkbook(data []byte) (workbook, error) {
	if bytes.HasPrefix(data, oleMagic) {
		// Both .xls files renamed to .xlsx and password-protected .xlsx
		// files are OLE compound documents.
		return nil, refuse("the file is an old-format (.xls) or password-protected workbook: save the workbook as .xlsx without a password")
	}
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil, refuse("the file is not a valid .xlsx workbook (%v)", err)
	}
	if err := checkArchive(zr); err != nil {
		return nil, err
	}
	return readSheets(data)
}

// checkArchive refuses archives whose directory announces too much content
// and worksheets with too many rows or columns. archive/zip refuses to
// decompress more than an entry's declared size, so the declared sizes bound
// what excelize will later allocate.
func checkArchive(zr *zip.Reader) error {
	if len(zr.File) > maxParts {
		return refuse("the workbook has %d parts, more than %d", len(zr.File), maxParts)
	}
	var total uint64
	for _, f := range zr.File {
		total += f.UncompressedSize64
		if total > MaxUnzippedBytes || f.UncompressedSize64 > MaxUnzippedBytes {
			return refuse("the workbook expands to more than %s when unpacked", sizeText(MaxUnzippedBytes))
		}
	}
	names := sheetPartNames(zr)
	for _, f := range zr.File {
		part := strings.ToLower(f.Name)
		if !strings.HasPrefix(part, "xl/worksheets/") || !strings.HasSuffix(part, ".xml") {
			continue
		}
		name, ok := names[part]
		if !ok {
			name = f.Name
		}
		if err := scanSheet(f, name); err != nil {
			return err
		}
	}
	return nil
}

// sheetPartNames maps the lower-case zip path of each worksheet to its name
// as shown in Excel, from xl/workbook.xml and its relationships. A part it
// cannot map is named by its path in messages.
func sheetPartNames(zr *zip.Reader) map[string]string {
	var wb struct {
		Sheets []struct {
			Name string `xml:"name,attr"`
			RID  string `xml:"id,attr"`
		} `xml:"sheets>sheet"`
	}
	var rels struct {
		Rels []struct {
			ID     string `xml:"Id,attr"`
			Target string `xml:"Target,attr"`
		} `xml:"Relationship"`
	}
	names := map[string]string{}
	if readXMLPart(zr, "xl/workbook.xml", &wb) != nil || readXMLPart(zr, "xl/_rels/workbook.xml.rels", &rels) != nil {
		return names
	}
	targets := map[string]string{}
	for _, r := range rels.Rels {
		t := r.Target
		if strings.HasPrefix(t, "/") {
			t = strings.TrimPrefix(t, "/")
		} else {
			t = path.Join("xl", t)
		}
		targets[r.ID] = strings.ToLower(t)
	}
	for _, s := range wb.Sheets {
		if t, ok := targets[s.RID]; ok {
			names[t] = s.Name
		}
	}
	return names
}

func readXMLPart(zr *zip.Reader, name string, v any) error {
	for _, f := range zr.File {
		if !strings.EqualFold(f.Name, name) {
			continue
		}
		rc, err := f.Open()
		if err != nil {
			return err
		}
		defer rc.Close()
		return xml.NewDecoder(rc).Decode(v)
	}
	return errors.New("missing " + name)
}

// scanSheet streams a worksheet part and refuses it when a cell lies beyond
// MaxRows or MaxColumns, before anything builds the sheet in memory.
func scanSheet(f *zip.File, name string) error {
	rc, err := f.Open()
	if err != nil {
		return refuse("sheet %q cannot be read: %v", name, err)
	}
	defer rc.Close()
	dec := xml.NewDecoder(rc)
	row, col := 0, 0
	for {
		tok, err := dec.RawToken()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return refuse("sheet %q is damaged: %v", name, err)
		}
		el, ok := tok.(xml.StartElement)
		if !ok {
			continue
		}
		switch el.Name.Local {
		case "row":
			row, col = row+1, 0
			if n, err := strconv.Atoi(attr(el, "r")); err == nil {
				row = n
			}
			if row > MaxRows {
				return refuse("sheet %q has more than %d rows", name, MaxRows)
			}
		case "c":
			col++
			if ref := attr(el, "r"); ref != "" {
				if c, r, err := excelize.CellNameToCoordinates(ref); err == nil {
					col, row = c, max(row, r)
				}
			}
			if row > MaxRows {
				return refuse("sheet %q has more than %d rows", name, MaxRows)
			}
			if col > MaxColumns {
				return refuse("sheet %q has more than %d columns", name, MaxColumns)
			}
		}
	}
}

func attr(el xml.StartElement, local string) string {
	for _, a := range el.Attr {
		if a.Name.Local == local {
			return a.Value
		}
	}
	return ""
}

// readSheets parses the workbook with excelize and returns the rows of the
// survey, choices and settings sheets (names compared case-insensitively).
func readSheets(data []byte) (book workbook, err error) {
	// excelize parses untrusted XML; a panic on a malformed part must not
	// take the server down.
	defer func() {
		if p := recover(); p != nil {
			book, err = nil, refuse("the workbook cannot be read (%v)", p)
		}
	}()
	f, err := excelize.OpenReader(bytes.NewReader(data), excelize.Options{
		UnzipSizeLimit:    MaxUnzippedBytes,
		UnzipXMLSizeLimit: MaxUnzippedBytes,
	})
	if err != nil {
		return nil, refuse("the workbook cannot be read (%v)", err)
	}
	defer f.Close()
	book = workbook{}
	for _, sheet := range f.GetSheetList() {
		key := strings.ToLower(strings.TrimSpace(sheet))
		if key != "survey" && key != "choices" && key != "settings" {
			continue
		}
		if _, dup := book[key]; dup {
			continue
		}
		rows, err := readRows(f, sheet)
		if err != nil {
			return nil, err
		}
		book[key] = rows
	}
	return book, nil
}

// readRows streams a sheet, enforcing MaxRows and MaxColumns as it goes:
// the scan in checkArchive only sees parts under xl/worksheets/, while
// excelize follows the workbook's relationships wherever they point.
func readRows(f *excelize.File, sheet string) ([][]string, error) {
	it, err := f.Rows(sheet)
	if err != nil {
		return nil, refuse("sheet %q cannot be read (%v)", sheet, err)
	}
	defer it.Close()
	var rows [][]string
	last := 0 // last row with a value
	for n := 1; it.Next(); n++ {
		if n > MaxRows {
			return nil, refuse("sheet %q has more than %d rows", sheet, MaxRows)
		}
		// Raw values: names, choice values and expressions must be read as
		// typed, not through the cell's number format.
		cells, err := it.Columns(excelize.Options{RawCellValue: true})
		if err != nil {
			return nil, refuse("sheet %q cannot be read (%v)", sheet, err)
		}
		if len(cells) > MaxColumns {
			return nil, refuse("sheet %q has more than %d columns", sheet, MaxColumns)
		}
		for i := range cells {
			cells[i] = strings.TrimSpace(cells[i])
		}
		rows = append(rows, cells)
		if !isBlank(cells) {
			last = n
		}
	}
	if err := it.Error(); err != nil {
		return nil, refuse("sheet %q cannot be read (%v)", sheet, err)
	}
	return rows[:last], nil
}

// Column headers.

// Standard column names (fields).
const (
	colType              = "type"
	colName              = "name"
	colLabel             = "label"
	colHint              = "hint"
	colRequired          = "required"
	colRequiredMessage   = "required_message"
	colRelevant          = "relevant"
	colConstraint        = "constraint"
	colConstraintMessage = "constraint_message"
	colDefault           = "default"
	colAppearance        = "appearance"
	colChoiceFilter      = "choice_filter"
	colCalculation       = "calculation"
	colParameters        = "parameters"
	colListName          = "list_name"
	colFormTitle         = "form_title"
	colFormID            = "form_id"
	colVersion           = "version"
	colMedia             = "media"        // image, audio, video in labels: refused
	colRepeatCount       = "repeat_count" // only meaningful with repeats: refused
	colTrigger           = "trigger"      // recompute on change: refused
)

// Aliases of the column headers (lower case), after bind:: and control::
// prefixes are removed.
var (
	surveyAliases = map[string]string{
		"type": colType, "command": colType,
		"name": colName, "value": colName, "tag": colName,
		"label": colLabel, "caption": colLabel,
		"hint":             colHint,
		"required":         colRequired,
		"required_message": colRequiredMessage, "required message": colRequiredMessage,
		"jr:requiredmsg": colRequiredMessage, "requiredmsg": colRequiredMessage,
		"relevant": colRelevant, "relevance": colRelevant,
		"constraint":         colConstraint,
		"constraint_message": colConstraintMessage, "constraint message": colConstraintMessage,
		"constraining message": colConstraintMessage, "jr:constraintmsg": colConstraintMessage,
		"default":       colDefault,
		"appearance":    colAppearance,
		"choice_filter": colChoiceFilter, "choice filter": colChoiceFilter,
		"calculation": colCalculation, "calculate": colCalculation,
		"parameters": colParameters,
		"image":      colMedia, "big-image": colMedia, "audio": colMedia, "video": colMedia,
		"repeat_count": colRepeatCount, "jr:count": colRepeatCount, "count": colRepeatCount,
		"trigger": colTrigger,
	}
	choicesAliases = map[string]string{
		"list_name": colListName, "list name": colListName,
		"name": colName, "value": colName,
		"label": colLabel, "caption": colLabel,
		"image": colMedia, "big-image": colMedia, "audio": colMedia, "video": colMedia,
	}
	settingsAliases = map[string]string{
		"form_title": colFormTitle, "set form title": colFormTitle, "title": colFormTitle,
		"form_id": colFormID, "set form id": colFormID, "id_string": colFormID,
		"version": colVersion,
	}
	// translatable columns take a language suffix: label::English (en).
	translatable = map[string]bool{
		colLabel: true, colHint: true, colRequiredMessage: true,
		colConstraintMessage: true, colMedia: true, colFormTitle: true,
	}
)

// Language slots of a column.
const (
	langPlain = ""      // no language given: decided by the text
	langZh    = "zh"    //
	langEn    = "en"    //
	langOther = "other" // a language the model does not hold
)

type column struct {
	field  string // standard name, "" when not recognised
	lang   string
	header string // as typed, trimmed
}

type header struct {
	row  int // as Excel numbers it
	cols []column
}

// parseHeader reads the first non-empty row of a sheet as its header.
func parseHeader(rows [][]string, aliases map[string]string) (header, [][]string) {
	for i, r := range rows {
		if isBlank(r) {
			continue
		}
		h := header{row: i + 1, cols: make([]column, len(r))}
		for j, cell := range r {
			h.cols[j] = parseColumn(cell, aliases)
		}
		return h, rows[i+1:]
	}
	return header{}, nil
}

func parseColumn(cell string, aliases map[string]string) column {
	c := column{header: cell}
	h := strings.Join(strings.Fields(strings.ToLower(cell)), " ")
	for _, p := range []string{"bind::", "bind:", "control::", "control:", "body::", "body:", "media::", "media:"} {
		h = strings.TrimPrefix(h, p)
	}
	if f, ok := aliases[h]; ok {
		c.field = f
		return c
	}
	for _, sep := range []string{"::", ":"} {
		base, lang, ok := strings.Cut(h, sep)
		if !ok {
			continue
		}
		if f, ok := aliases[strings.TrimSpace(base)]; ok && translatable[f] {
			c.field, c.lang = f, languageSlot(lang)
			return c
		}
	}
	return c
}

// languageSlot maps an XLSForm language ("Chinese (zh)", "中文 (zh)",
// "English", "en") to the model's two languages.
func languageSlot(lang string) string {
	lang = strings.ToLower(strings.TrimSpace(lang))
	var words []string
	if open := strings.LastIndex(lang, "("); open >= 0 && strings.HasSuffix(lang, ")") {
		words = append(words, strings.TrimSpace(lang[open+1:len(lang)-1]))
		lang = strings.TrimSpace(lang[:open])
	}
	words = append(words, lang)
	for _, w := range words {
		code, _, _ := strings.Cut(strings.ReplaceAll(w, "_", "-"), "-")
		switch {
		case code == "zh" || code == "zho" || code == "chi" || code == "cmn":
			return langZh
		case code == "en" || code == "eng":
			return langEn
		case w == "default":
			return langPlain
		}
		switch w {
		case "chinese", "mandarin", "中文", "汉语", "漢語", "简体中文", "繁體中文", "繁体中文", "中文简体", "普通话", "chinese (simplified)", "chinese (traditional)":
			return langZh
		case "english", "英文", "英语", "英語":
			return langEn
		}
	}
	return langOther
}

// value returns the first non-empty cell of field in row.
func (h header) value(row []string, field string) string {
	for i, c := range h.cols {
		if c.field == field && i < len(row) && row[i] != "" {
			return row[i]
		}
	}
	return ""
}

func (h header) has(field string) bool {
	return slices.ContainsFunc(h.cols, func(c column) bool { return c.field == field })
}

// text gathers a translatable field: language columns first, then a plain
// column into the slot its script suggests, then (when neither language is
// given) a column in another language as a fallback.
func (h header) text(row []string, field string) instrument.Text {
	var t instrument.Text
	var plain, other string
	for i, c := range h.cols {
		if c.field != field || i >= len(row) || row[i] == "" {
			continue
		}
		v := row[i]
		switch c.lang {
		case langZh:
			if t.Zh == "" {
				t.Zh = v
			}
		case langEn:
			if t.En == "" {
				t.En = v
			}
		case langPlain:
			if plain == "" {
				plain = v
			}
		default:
			if other == "" {
				other = v
			}
		}
	}
	if plain == "" && t.IsZero() {
		plain = other
	}
	if plain != "" {
		if hasHan(plain) {
			if t.Zh == "" {
				t.Zh = plain
			}
		} else if t.En == "" {
			t.En = plain
		}
	}
	return t
}

func hasHan(s string) bool {
	for _, r := range s {
		if unicode.Is(unicode.Han, r) {
			return true
		}
	}
	return false
}

func isBlank(row []string) bool {
	for _, c := range row {
		if c != "" {
			return false
		}
	}
	return true
}

// Conversion.

type converter struct {
	problems []Problem
	lists    map[string]*choiceList
	hasLists bool // the workbook has a choices sheet
}

type choiceList struct {
	choices []instrument.Choice
	rows    map[string]int // value → row, for duplicates
}

// nameUse records where a name is defined.
type nameUse struct {
	row  int
	kind string // "question", "metadata", "refused"
}

// exprCheck is an expression whose ${name} references are checked once every
// name of the form is known.
type exprCheck struct {
	row    int
	column string
	expr   string
}

func (cv *converter) addf(sheet string, row int, column, format string, args ...any) {
	cv.problems = append(cv.problems, Problem{Sheet: sheet, Row: row, Column: column, Msg: fmt.Sprintf(format, args...)})
}

func convert(book workbook, fileName string) (*instrument.Instrument, error) {
	cv := &converter{lists: map[string]*choiceList{}}
	inst := cv.settings(book["settings"], fileName)
	if rows, ok := book["choices"]; ok {
		cv.hasLists = true
		cv.choices(rows)
	}
	rows, ok := book["survey"]
	if !ok {
		cv.addf("", 0, "", "the workbook has no survey sheet")
	} else {
		inst.Sections = cv.survey(rows, inst)
	}
	if len(cv.problems) > 0 {
		rank := map[string]int{"": 0, "survey": 1, "choices": 2, "settings": 3}
		slices.SortStableFunc(cv.problems, func(a, b Problem) int {
			return cmp.Or(cmp.Compare(rank[a.Sheet], rank[b.Sheet]), cmp.Compare(a.Row, b.Row))
		})
		return nil, &Error{Problems: cv.problems}
	}
	return inst, nil
}

// settings reads form_title, form_id and version from the settings sheet
// (header row, then one row of values).
func (cv *converter) settings(rows [][]string, fileName string) *instrument.Instrument {
	inst := &instrument.Instrument{Version: "1"}
	h, body := parseHeader(rows, settingsAliases)
	var values []string
	for _, r := range body {
		if !isBlank(r) {
			values = r
			break
		}
	}
	inst.Title = h.text(values, colFormTitle)
	if id := h.value(values, colFormID); id != "" {
		inst.Code = sanitize(id)
	}
	if inst.Code == "" {
		inst.Code = sanitize(strings.TrimSuffix(path.Base(strings.ReplaceAll(fileName, `\`, "/")), path.Ext(fileName)))
	}
	if inst.Code == "" {
		inst.Code = "xlsform"
	}
	if v := h.value(values, colVersion); v != "" {
		inst.Version = v
	}
	if inst.Title.IsZero() {
		inst.Title = plainText(inst.Code)
	}
	return inst
}

// sanitize turns a form id or file name into an instrument code: lower-case
// ASCII letters, digits and _, other runs replaced by one _.
func sanitize(s string) string {
	var b strings.Builder
	gap := false
	for _, r := range strings.ToLower(s) {
		if r < unicode.MaxASCII && (unicode.IsLetter(r) || unicode.IsDigit(r) || r == '_') {
			if gap && b.Len() > 0 {
				b.WriteByte('_')
			}
			b.WriteRune(r)
			gap = false
		} else {
			gap = true
		}
		if b.Len() >= maxCodeLen {
			break
		}
	}
	return strings.Trim(b.String(), "_")
}

// maxCodeLen leaves room for the suffixes of formSectionCode and uniqueCodes
// within instrument.MaxNameLen.
const maxCodeLen = 48

// formSectionCode is the code of the sections of ungrouped questions: the
// instrument code when it is a valid name, else prefixed to become one
// ("2026_report" → "form_2026_report").
func formSectionCode(code string) string {
	if instrument.IsName(code) {
		return code
	}
	return "form_" + code
}

func plainText(s string) instrument.Text {
	if hasHan(s) {
		return instrument.Text{Zh: s}
	}
	return instrument.Text{En: s}
}

// choices reads the choice lists. Columns beyond list_name, name and the
// labels become the choices' Filter, for choice_filter expressions.
func (cv *converter) choices(rows [][]string) {
	const sheet = "choices"
	h, body := parseHeader(rows, choicesAliases)
	if h.row == 0 {
		return // an empty choices sheet holds no lists
	}
	if !h.has(colListName) {
		cv.addf(sheet, h.row, colListName, "the header has no list_name column")
	}
	if !h.has(colName) {
		cv.addf(sheet, h.row, colName, "the header has no name column")
	}
	if !h.has(colListName) || !h.has(colName) {
		return
	}
	for i, r := range body {
		row := h.row + 1 + i
		if isBlank(r) {
			continue
		}
		list, value := h.value(r, colListName), h.value(r, colName)
		if list == "" {
			cv.addf(sheet, row, colListName, "the choice has no list_name")
			continue
		}
		if value == "" {
			cv.addf(sheet, row, colName, "the choice in list %q has no name (value)", list)
			continue
		}
		if h.value(r, colMedia) != "" {
			cv.addf(sheet, row, colMedia, "media (image, audio, video) in choices is not supported")
		}
		l := cv.lists[list]
		if l == nil {
			l = &choiceList{rows: map[string]int{}}
			cv.lists[list] = l
		}
		if strings.IndexFunc(value, unicode.IsSpace) >= 0 {
			cv.addf(sheet, row, colName, "value %q in list %q contains a space", value, list)
			continue
		}
		if first, dup := l.rows[value]; dup {
			cv.addf(sheet, row, colName, "value %q is already used in list %q on row %d", value, list, first)
			continue
		}
		l.rows[value] = row
		label := h.text(r, colLabel)
		if label.IsZero() {
			label = plainText(value)
		}
		c := instrument.Choice{Value: value, Label: label}
		for j, col := range h.cols {
			if col.field != "" || col.header == "" || j >= len(r) || r[j] == "" {
				continue
			}
			if c.Filter == nil {
				c.Filter = map[string]string{}
			}
			c.Filter[col.header] = r[j]
		}
		l.choices = append(l.choices, c)
	}
}

// group is an open begin_group.
type group struct {
	name     string
	row      int
	relevant string
}

// survey converts the survey sheet into sections: each top-level group is a
// section; runs of questions outside any group form sections named after
// the form; nested groups are flattened into their section, their relevance
// ANDed into their questions'.
func (cv *converter) survey(rows [][]string, inst *instrument.Instrument) []*instrument.Section {
	const sheet = "survey"
	h, body := parseHeader(rows, surveyAliases)
	if h.row == 0 {
		cv.addf(sheet, 0, "", "the sheet is empty")
		return nil
	}
	if !h.has(colType) {
		cv.addf(sheet, h.row, colType, "the header has no type column")
		return nil
	}
	if !h.has(colName) {
		cv.addf(sheet, h.row, colName, "the header has no name column")
		return nil
	}
	var (
		sections []*instrument.Section
		loose    *instrument.Section // the section of the current run of ungrouped questions
		open     []group
		names    = map[string]nameUse{} // lower-case name → first definition
		defined  = map[string]nameUse{} // exact name → definition, for references
		checks   []exprCheck
		groupRow = map[string]int{} // lower-case group name → row
	)
	define := func(row int, name, kind string) {
		if name == "" {
			return
		}
		if first, dup := names[strings.ToLower(name)]; dup {
			cv.addf(sheet, row, colName, "name %q is already used on row %d", name, first.row)
			return
		}
		names[strings.ToLower(name)] = nameUse{row: row, kind: kind}
		defined[name] = nameUse{row: row, kind: kind}
	}
	for i, r := range body {
		row := h.row + 1 + i
		if isBlank(r) {
			continue
		}
		rawType, name := h.value(r, colType), h.value(r, colName)
		if rawType == "" {
			if name != "" || !h.text(r, colLabel).IsZero() {
				cv.addf(sheet, row, colType, "the row has no type")
			}
			continue
		}
		t := parseType(rawType)
		if t.refusal != "" {
			cv.addf(sheet, row, colType, "%s", t.refusal)
			define(row, name, "refused")
			continue
		}
		cv.refuseColumns(h, r, row)
		relevant := h.value(r, colRelevant)
		switch t.kind {
		case kindBeginGroup:
			if name == "" {
				cv.addf(sheet, row, colName, "begin_group has no name")
			} else if !instrument.IsName(name) {
				cv.addf(sheet, row, colName, "group name %q is not valid (%s)", name, nameRule)
			} else if first, dup := groupRow[strings.ToLower(name)]; dup {
				cv.addf(sheet, row, colName, "group name %q is already used on row %d", name, first)
			} else {
				groupRow[strings.ToLower(name)] = row
			}
			if relevant != "" {
				checks = append(checks, exprCheck{row, colRelevant, relevant})
			}
			if len(open) == 0 {
				title := h.text(r, colLabel)
				if title.IsZero() {
					title = plainText(name)
				}
				sections = append(sections, &instrument.Section{Code: name, Title: title, Relevant: relevant})
				loose = nil
			}
			open = append(open, group{name: name, row: row, relevant: relevant})
			continue
		case kindEndGroup:
			if len(open) == 0 {
				cv.addf(sheet, row, colType, "end_group without a matching begin_group")
				continue
			}
			open = open[:len(open)-1]
			continue
		case kindMetadata:
			define(row, name, "metadata")
			continue
		}

		q := cv.question(h, r, row, t, &checks)
		if q.Name == "" && t.qtype == instrument.TypeNote {
			q.Name = fmt.Sprintf("note_row%d", row)
		}
		define(row, q.Name, "question")

		var parts []string
		for _, g := range open[min(1, len(open)):] {
			if g.relevant != "" {
				parts = append(parts, g.relevant)
			}
		}
		if q.Relevant != "" {
			parts = append(parts, q.Relevant)
		}
		q.Relevant = andAll(parts)

		var sec *instrument.Section
		switch {
		case len(open) > 0:
			sec = sections[len(sections)-1]
		case loose != nil:
			sec = loose
		default:
			loose = &instrument.Section{Code: formSectionCode(inst.Code), Title: inst.Title}
			sections = append(sections, loose)
			sec = loose
		}
		sec.Questions = append(sec.Questions, q)
	}
	for _, g := range open {
		cv.addf(sheet, g.row, colType, "begin_group %q is never closed by an end_group", g.name)
	}

	for _, c := range checks {
		for _, ref := range references(c.expr) {
			switch use, ok := defined[ref]; {
			case ref == "":
				cv.addf(sheet, c.row, c.column, "%s has an empty reference ${}", c.column)
			case !ok:
				cv.addf(sheet, c.row, c.column, "%s refers to ${%s}, which is not a question of the form", c.column, ref)
			case use.kind == "metadata":
				cv.addf(sheet, c.row, c.column, "%s refers to ${%s}, metadata the importer does not keep", c.column, ref)
			}
		}
	}

	sections = slices.DeleteFunc(sections, func(s *instrument.Section) bool { return len(s.Questions) == 0 })
	if len(sections) == 0 && len(cv.problems) == 0 {
		cv.addf(sheet, 0, "", "the form has no questions")
	}
	uniqueCodes(sections)
	return sections
}

// question converts one survey row.
func (cv *converter) question(h header, r []string, row int, t rowType, checks *[]exprCheck) *instrument.Question {
	const sheet = "survey"
	q := &instrument.Question{
		Name:              h.value(r, colName),
		Type:              t.qtype,
		Label:             h.text(r, colLabel),
		Hint:              h.text(r, colHint),
		RequiredMessage:   h.text(r, colRequiredMessage),
		Relevant:          h.value(r, colRelevant),
		Constraint:        h.value(r, colConstraint),
		ConstraintMessage: h.text(r, colConstraintMessage),
		Default:           h.value(r, colDefault),
		Appearance:        h.value(r, colAppearance),
		Calculation:       h.value(r, colCalculation),
		ChoiceFilter:      h.value(r, colChoiceFilter),
	}
	answered := q.Type != instrument.TypeNote
	visible := q.Type != instrument.TypeCalculate && q.Type != instrument.TypeHidden
	switch {
	case q.Name == "" && answered:
		cv.addf(sheet, row, colName, "the %s question has no name", t.word)
	case q.Name != "" && !instrument.IsName(q.Name):
		cv.addf(sheet, row, colName, "name %q is not valid (%s)", q.Name, nameRule)
	}
	if visible && q.Label.IsZero() {
		cv.addf(sheet, row, colLabel, "the %s %q has no label", t.word, q.Name)
	}
	if q.Type == instrument.TypeCalculate && q.Calculation == "" {
		cv.addf(sheet, row, colCalculation, "the calculate %q has no calculation", q.Name)
	}
	if req := h.value(r, colRequired); req != "" {
		switch strings.ToLower(req) {
		case "yes", "true", "true()", "1":
			q.Required = true
		case "no", "false", "false()", "0":
		default:
			cv.addf(sheet, row, colRequired, "required %q is not supported: use yes or no (conditional required is outside the supported subset)", req)
		}
	}
	if q.Calculation != "" && q.Type != instrument.TypeCalculate {
		// XLSForm computes such a question (usually read_only) from its
		// calculation; the model holds computed values as calculate
		// questions, which keep the label but take no answer.
		q.Type = instrument.TypeCalculate
	}
	if q.Type == instrument.TypeNote || q.Type == instrument.TypeCalculate {
		q.Required = false // nothing to answer
	}
	if q.Type == instrument.TypeText && strings.Contains(" "+strings.ToLower(q.Appearance)+" ", " multiline ") {
		q.Type = instrument.TypeLongText
	}
	if strings.Contains(strings.ToLower(q.Appearance), "search(") {
		cv.addf(sheet, row, colAppearance, "the search() appearance uses external data, which is outside the supported subset")
	}
	q.Default = dateDefault(q.Type, q.Default)

	for _, e := range []struct{ col, expr string }{
		{colRelevant, q.Relevant}, {colConstraint, q.Constraint},
		{colCalculation, q.Calculation}, {colChoiceFilter, q.ChoiceFilter}, {colDefault, q.Default},
	} {
		if e.expr == "" {
			continue
		}
		low := strings.ToLower(e.expr)
		switch {
		case strings.Contains(low, "pulldata("):
			cv.addf(sheet, row, e.col, "pulldata() reads external data, which is outside the supported subset")
		case strings.Contains(low, "instance("):
			cv.addf(sheet, row, e.col, "instance() reads external data, which is outside the supported subset")
		}
		if e.col != colDefault {
			*checks = append(*checks, exprCheck{row, e.col, e.expr})
		}
	}

	switch q.Type {
	case instrument.TypeSingle, instrument.TypeMultiple:
		cv.selectChoices(q, t, row)
	case instrument.TypeRange:
		cv.rangeParameters(q, h.value(r, colParameters), row)
	}
	return q
}

// refuseColumns reports cells in columns that only serve unsupported
// features.
func (cv *converter) refuseColumns(h header, r []string, row int) {
	if h.value(r, colMedia) != "" {
		cv.addf("survey", row, colMedia, "media (image, audio, video) in labels is outside the supported subset")
	}
	if h.value(r, colRepeatCount) != "" {
		cv.addf("survey", row, colRepeatCount, "repeat_count is outside the supported subset (repeats are not supported)")
	}
	if h.value(r, colTrigger) != "" {
		cv.addf("survey", row, colTrigger, "the trigger column is outside the supported subset")
	}
}

func (cv *converter) selectChoices(q *instrument.Question, t rowType, row int) {
	if t.list == "" {
		cv.addf("survey", row, colType, "%s needs the name of a choice list (%s LIST)", t.word, t.word)
		return
	}
	l, ok := cv.lists[t.list]
	if !ok {
		if cv.hasLists {
			cv.addf("survey", row, colType, "choice list %q is not defined on the choices sheet", t.list)
		} else {
			cv.addf("survey", row, colType, "choice list %q is not defined: the workbook has no choices sheet", t.list)
		}
		return
	}
	q.Choices = make([]instrument.Choice, len(l.choices))
	for i, c := range l.choices {
		c.Filter = cloneMap(c.Filter)
		q.Choices[i] = c
	}
	if t.orOther && !slices.ContainsFunc(q.Choices, func(c instrument.Choice) bool { return c.Value == "other" }) {
		q.Choices = append(q.Choices, instrument.Choice{Value: "other", Label: instrument.Text{Zh: "其他", En: "Other"}})
	}
}

func cloneMap(m map[string]string) map[string]string {
	if m == nil {
		return nil
	}
	c := make(map[string]string, len(m))
	for k, v := range m {
		c[k] = v
	}
	return c
}

// rangeParameters reads "start=1 end=5 step=1" (separated by spaces, commas
// or semicolons). As in pyxform, start defaults to 1, end to 10 and step
// to 1; unknown keys are ignored.
func (cv *converter) rangeParameters(q *instrument.Question, params string, row int) {
	start, end, step := 1.0, 10.0, 1.0
	for _, kv := range strings.FieldsFunc(params, func(r rune) bool { return r == ' ' || r == ',' || r == ';' }) {
		k, v, ok := strings.Cut(kv, "=")
		if !ok {
			cv.addf("survey", row, colParameters, "range parameter %q is not key=value", kv)
			continue
		}
		var dst *float64
		switch strings.ToLower(strings.TrimSpace(k)) {
		case "start":
			dst = &start
		case "end":
			dst = &end
		case "step":
			dst = &step
		default:
			continue
		}
		n, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
		if err != nil {
			cv.addf("survey", row, colParameters, "range parameter %s=%q is not a number", k, v)
			continue
		}
		*dst = n
	}
	if step <= 0 {
		cv.addf("survey", row, colParameters, "range step must be positive (got %g)", step)
	}
	if start >= end {
		cv.addf("survey", row, colParameters, "range start (%g) must be below end (%g)", start, end)
	}
	q.Min, q.Max, q.Step = &start, &end, &step
}

// dateDefault turns an Excel date serial typed into the default column of a
// date, time or dateTime question into the model's text form.
func dateDefault(qtype, v string) string {
	layout := map[string]string{
		instrument.TypeDate: "2006-01-02", instrument.TypeTime: "15:04", instrument.TypeDateTime: "2006-01-02T15:04",
	}[qtype]
	n, err := strconv.ParseFloat(v, 64)
	if layout == "" || err != nil {
		return v
	}
	t, err := excelize.ExcelDateToTime(n, false)
	if err != nil {
		return v
	}
	return t.Format(layout)
}

func andAll(parts []string) string {
	switch len(parts) {
	case 0:
		return ""
	case 1:
		return parts[0]
	}
	wrapped := make([]string, len(parts))
	for i, p := range parts {
		wrapped[i] = "(" + p + ")"
	}
	return strings.Join(wrapped, " and ")
}

// references returns the names inside ${…} in an expression.
func references(expr string) []string {
	var refs []string
	for {
		i := strings.Index(expr, "${")
		if i < 0 {
			return refs
		}
		j := strings.IndexByte(expr[i:], '}')
		if j < 0 {
			return refs // unterminated: the expression compiler reports it
		}
		refs = append(refs, strings.TrimSpace(expr[i+2:i+j]))
		expr = expr[i+j+1:]
	}
}

// nameRule explains instrument.IsName, which question and group names must
// pass (XLSForm also allows - and ., which the expression language cannot
// name).
var nameRule = fmt.Sprintf("an ASCII letter, then letters, digits or _, at most %d characters", instrument.MaxNameLen)

// uniqueCodes makes section codes unique by suffixing _2, _3 … to repeats
// (a form section may meet a group of the same name).
func uniqueCodes(sections []*instrument.Section) {
	used := map[string]bool{}
	for _, s := range sections {
		code := s.Code
		for n := 2; used[strings.ToLower(code)]; n++ {
			code = fmt.Sprintf("%s_%d", s.Code, n)
		}
		s.Code = code
		used[strings.ToLower(code)] = true
	}
}

// Types.

const (
	kindQuestion = iota
	kindBeginGroup
	kindEndGroup
	kindMetadata
)

// rowType is the parsed type column.
type rowType struct {
	kind    int
	qtype   string // model type of a question
	word    string // the XLSForm type word, for messages
	list    string // choice list of a select
	orOther bool   // "or_other": an "other" choice is added
	refusal string // non-empty when the type is refused
}

var plainTypes = map[string]string{
	"integer": instrument.TypeInteger, "int": instrument.TypeInteger,
	"decimal": instrument.TypeDecimal,
	"text":    instrument.TypeText, "string": instrument.TypeText,
	"date":        instrument.TypeDate,
	"time":        instrument.TypeTime,
	"datetime":    instrument.TypeDateTime,
	"note":        instrument.TypeNote,
	"acknowledge": instrument.TypeAcknowledge,
	"range":       instrument.TypeRange,
	"calculate":   instrument.TypeCalculate,
	"hidden":      instrument.TypeHidden,
}

const metadataRefusal = "metadata"

// Refused types, with the reason given to the author.
var refusedTypes = map[string]string{
	"geopoint": "location questions", "geotrace": "location questions", "geoshape": "location questions",
	"start-geopoint": "location questions", "start_geopoint": "location questions", "osm": "map (OpenStreetMap) questions",
	"image": "media questions", "photo": "media questions", "audio": "media questions", "video": "media questions",
	"file": "media questions", "background-audio": "media questions", "background_audio": "media questions",
	"add_image_prompt": "media questions", "add_photo_prompt": "media questions", "add_audio_prompt": "media questions",
	"add_video_prompt": "media questions", "add_file_prompt": "media questions",
	"barcode": "barcode questions", "trigger": "trigger questions",
	"begin_repeat": "repeats", "end_repeat": "repeats", "begin_loop": "repeats", "end_loop": "repeats",
	"begin_lgroup": "repeats", "end_lgroup": "repeats", "begin_looped_group": "repeats", "end_looped_group": "repeats",
	"select_one_from_file": "choices from external files", "select_multiple_from_file": "choices from external files",
	"select_one_external": "external choices", "select_multiple_external": "external choices",
	"rank": "rank questions", "xml-external": "external data", "csv-external": "external data",
	"xml_external": "external data", "csv_external": "external data",
	"deviceid": metadataRefusal, "subscriberid": metadataRefusal,
	"simserial": metadataRefusal, "phonenumber": metadataRefusal,
	"username": metadataRefusal, "email": metadataRefusal,
	"audit": metadataRefusal, "imei": metadataRefusal,
	"uri:deviceid": metadataRefusal,
}

// Spellings of the select types, longest first so that "select one from
// file" is not taken for "select one from" + list "file".
var selectSpellings = []struct {
	words  []string
	qtype  string
	refuse string
}{
	{[]string{"select", "one", "from", "file"}, "", "choices from external files"},
	{[]string{"select", "multiple", "from", "file"}, "", "choices from external files"},
	{[]string{"select", "one", "external"}, "", "external choices"},
	{[]string{"add", "select", "one", "prompt", "using"}, instrument.TypeSingle, ""},
	{[]string{"add", "select", "multiple", "prompt", "using"}, instrument.TypeMultiple, ""},
	{[]string{"select", "all", "that", "apply", "from"}, instrument.TypeMultiple, ""},
	{[]string{"select", "all", "that", "apply"}, instrument.TypeMultiple, ""},
	{[]string{"select", "one", "from"}, instrument.TypeSingle, ""},
	{[]string{"select", "one"}, instrument.TypeSingle, ""},
	{[]string{"select", "multiple"}, instrument.TypeMultiple, ""},
	{[]string{"select_one"}, instrument.TypeSingle, ""},
	{[]string{"select1"}, instrument.TypeSingle, ""},
	{[]string{"select_multiple"}, instrument.TypeMultiple, ""},
}

func parseType(raw string) rowType {
	words := strings.Fields(raw)
	lower := strings.Fields(strings.ToLower(raw))
	notSupported := func(why string) rowType {
		return rowType{refusal: fmt.Sprintf("type %q is not supported (%s are outside the supported subset)", strings.Join(words, " "), why)}
	}
	for _, s := range selectSpellings {
		if len(lower) < len(s.words) || !slices.Equal(lower[:len(s.words)], s.words) {
			continue
		}
		if s.refuse != "" {
			return notSupported(s.refuse)
		}
		t := rowType{kind: kindQuestion, qtype: s.qtype, word: "select_one"}
		if s.qtype == instrument.TypeMultiple {
			t.word = "select_multiple"
		}
		rest := words[len(s.words):]
		lrest := lower[len(s.words):]
		switch {
		case len(lrest) >= 1 && lrest[len(lrest)-1] == "or_other":
			t.orOther, rest = true, rest[:len(rest)-1]
		case len(lrest) >= 3 && slices.Equal(lrest[len(lrest)-3:], []string{"or", "specify", "other"}):
			t.orOther, rest = true, rest[:len(rest)-3]
		}
		if len(rest) > 1 {
			return rowType{refusal: fmt.Sprintf("type %q is not understood: %s takes one list name", strings.Join(words, " "), t.word)}
		}
		if len(rest) == 1 {
			t.list = rest[0]
		}
		return t
	}
	key := strings.Join(lower, "_")
	if strings.HasPrefix(key, "begin_loop") {
		return notSupported("repeats")
	}
	switch key {
	case "begin_group":
		return rowType{kind: kindBeginGroup, word: "begin_group"}
	case "end_group":
		return rowType{kind: kindEndGroup, word: "end_group"}
	case "start", "end", "today":
		return rowType{kind: kindMetadata, word: key}
	}
	if qt, ok := plainTypes[key]; ok {
		return rowType{kind: kindQuestion, qtype: qt, word: key}
	}
	why, ok := refusedTypes[key]
	if !ok && len(lower) > 1 {
		why, ok = refusedTypes[lower[0]] // "rank LIST", "select_one_from_file towns.csv"
	}
	switch {
	case ok && why == metadataRefusal:
		return rowType{refusal: fmt.Sprintf("metadata %q is not supported (only start, end and today are accepted)", strings.Join(words, " "))}
	case ok:
		return notSupported(why)
	}
	return rowType{refusal: fmt.Sprintf("type %q is not supported", strings.Join(words, " "))}
}
