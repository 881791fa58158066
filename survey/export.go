package survey

import (
	"archive/zip"
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"

	"govkpi/survey/instrument"
)

// exportPageSize is how many versions of one assignment a single read
// returns.
const exportPageSize = 1000

// ExportedResponse is one submitted version as the response exports list
// it. Version counts an assignment's submissions from 1; Latest marks the
// one that stands.
type ExportedResponse struct {
	ID               int64
	AssignmentID     int64
	Version          int
	Latest           bool
	Receipt          string
	DepartmentCode   string
	DepartmentNameZh string
	State            string // the assignment's state when the walk started
	SubmittedAt      time.Time
	SubmittedBy      string // username; empty when no account is recorded
	// AnswersJSON is the stored answers, still encoded: decoding them is
	// most of an export's cost, so each caller reads them its own way
	// (DecodeAnswers, or the export straight into its columns).
	AnswersJSON string
}

// DecodeAnswers reads the response's answers into into, which it clears
// first.
func (r *ExportedResponse) DecodeAnswers(into instrument.Answers) error {
	if err := decodeAnswers(r.AnswersJSON, into); err != nil {
		return fmt.Errorf("decode response %d: %w", r.ID, err)
	}
	return nil
}

// exportAssignment is an assignment as an export walks it, with its
// versions as they stood when the walk started.
type exportAssignment struct {
	ID               int64  `db:"id"`
	State            string `db:"state"`
	DepartmentCode   string `db:"department_code"`
	DepartmentNameZh string `db:"department_name_zh"`
	Versions         int    `db:"versions"`
	LatestID         int64  `db:"latest_id"` // 0: none submitted
}

// exportRow is a response as read, its answers still encoded.
type exportRow struct {
	ID          int64
	Receipt     string
	Answers     string
	SubmittedAt time.Time
	SubmittedBy string
}

// EachCampaignResponse calls fn with every submitted version of the
// campaign's answers, by department code and oldest first within an
// assignment; with latestOnly, only each assignment's latest version. The
// walk covers the versions that existed when it started, each assignment's
// state as it was then, so a response submitted meanwhile neither appears
// nor takes Latest from one already written (on PostgreSQL a submit still
// committing when the walk starts may appear, never as Latest). The
// responses are read in
// short pages, never in one long transaction, and fn runs between reads,
// so it may write to a slow client. fn's error stops the walk and is
// returned. The response is reused: fn must not keep it. Callers must have
// checked the admin or evaluator role.
func (db *DB) EachCampaignResponse(ctx context.Context, campaignID int64, latestOnly bool, fn func(*ExportedResponse) error) error {
	return db.eachCampaignResponse(ctx, campaignID, latestOnly, exportPageSize, fn)
}

func (db *DB) eachCampaignResponse(ctx context.Context, campaignID int64, latestOnly bool, pageSize int, fn func(*ExportedResponse) error) error {
	var assignments []exportAssignment
	if err := db.read("export-assignments").SelectContext(ctx, &assignments, campaignID); err != nil {
		return fmt.Errorf("export assignments of campaign %d: %w", campaignID, err)
	}
	page := make([]exportRow, 0, pageSize)
	out := &ExportedResponse{}
	for i := range assignments {
		a := &assignments[i]
		if a.LatestID == 0 {
			continue
		}
		after, version := int64(0), 0
		if latestOnly {
			// Ids are integers: (LatestID-1, LatestID] is the latest alone,
			// and the count read with it numbers it.
			after, version = a.LatestID-1, a.Versions-1
		}
		for after < a.LatestID {
			var err error
			if page, err = db.exportPage(ctx, a.ID, after, a.LatestID, pageSize, page[:0]); err != nil {
				return err
			}
			for j := range page {
				row := &page[j]
				version++
				*out = ExportedResponse{ID: row.ID, AssignmentID: a.ID, Version: version, Latest: row.ID == a.LatestID,
					Receipt: row.Receipt, DepartmentCode: a.DepartmentCode, DepartmentNameZh: a.DepartmentNameZh,
					State: a.State, SubmittedAt: row.SubmittedAt, SubmittedBy: row.SubmittedBy, AnswersJSON: row.Answers}
				if err := fn(out); err != nil {
					return err
				}
				after = row.ID
			}
			if len(page) < pageSize {
				break
			}
		}
	}
	return nil
}

// exportPage appends to page the versions of an assignment with ids in
// (after, upto], at most limit of them, oldest first. The rows are scanned
// by hand: reflection per row was a visible share of a large export.
func (db *DB) exportPage(ctx context.Context, assignmentID, after, upto int64, limit int, page []exportRow) ([]exportRow, error) {
	rows, err := db.read("export-responses").QueryContext(ctx, assignmentID, after, upto, limit)
	if err != nil {
		return page, fmt.Errorf("export responses of assignment %d: %w", assignmentID, err)
	}
	defer rows.Close()
	for rows.Next() {
		page = append(page, exportRow{})
		r := &page[len(page)-1]
		if err := rows.Scan(&r.ID, &r.Receipt, &r.Answers, &r.SubmittedAt, &r.SubmittedBy); err != nil {
			return page, fmt.Errorf("export responses of assignment %d: %w", assignmentID, err)
		}
	}
	if err := rows.Err(); err != nil {
		return page, fmt.Errorf("export responses of assignment %d: %w", assignmentID, err)
	}
	return page, nil
}

// exportColumns are the columns of a response export before the answers.
var exportColumns = []string{"version", "latest", "receipt", "department_code", "department_name_zh", "state", "submitted_at", "submitted_by"}

// responseExport is what both export formats need: the campaign, its
// instrument's answer variables in questionnaire order, and the filter.
type responseExport struct {
	campaign  *Campaign
	variables []string
	column    map[string]int // a variable's index in a record
	answers   instrument.Answers
	latest    bool
	loc       *time.Location
}

// startExport reads an export request and audits it, before anything is
// written, so a failed or interrupted download is on record as well.
// Errors: ENotFound for an unknown campaign.
func (s *Server) startExport(r *http.Request, format string) (*responseExport, error) {
	id, err := pathID(r)
	if err != nil {
		return nil, err
	}
	ctx := r.Context()
	c, err := s.DB.FindCampaignByID(ctx, id)
	if err != nil {
		return nil, err
	}
	st, err := s.DB.FindInstrumentByID(ctx, c.InstrumentID)
	if err != nil {
		return nil, err
	}
	in, err := st.Instrument()
	if err != nil {
		return nil, err
	}
	x := &responseExport{campaign: c, column: map[string]int{}, answers: instrument.Answers{},
		latest: r.URL.Query().Get("latest") == "1", loc: s.location()}
	for _, sec := range in.Sections {
		for _, q := range sec.Questions {
			for _, v := range q.Variables() {
				x.column[v] = len(exportColumns) + len(x.variables)
				x.variables = append(x.variables, v)
			}
		}
	}
	which := "all versions"
	if x.latest {
		which = "latest versions"
	}
	s.audit(r, AuditResponsesExported, "campaign", itoa(c.ID), c.Code+" "+format+" "+which)
	return x, nil
}

// header returns the header row, neutralised like every other cell.
func (x *responseExport) header() []string {
	out := make([]string, 0, len(exportColumns)+len(x.variables))
	for _, h := range append(exportColumns, x.variables...) {
		out = append(out, exportCell(h))
	}
	return out
}

// record fills cells (one per header column) with resp, each neutralised.
// Errors: stored answers that are not a JSON object of strings.
func (x *responseExport) record(resp *ExportedResponse, cells []string) ([]string, error) {
	n := len(exportColumns)
	cells = slices.Grow(cells[:0], n+len(x.variables))[:n+len(x.variables)]
	latest := "no"
	if resp.Latest {
		latest = "yes"
	}
	cells[0], cells[1], cells[2], cells[3] = itoa(int64(resp.Version)), latest, exportCell(resp.Receipt), exportCell(resp.DepartmentCode)
	cells[4], cells[5] = exportCell(resp.DepartmentNameZh), exportCell(resp.State)
	cells[6], cells[7] = resp.SubmittedAt.In(x.loc).Format(time.RFC3339), exportCell(resp.SubmittedBy)
	clear(cells[n:])
	if x.answerCells(resp.AnswersJSON, cells) {
		return cells, nil
	}
	// Something the fast reader leaves to encoding/json.
	clear(cells[n:])
	if err := resp.DecodeAnswers(x.answers); err != nil {
		return cells, err
	}
	for k, v := range x.answers {
		if i, ok := x.column[k]; ok {
			cells[i] = exportCell(v)
		}
	}
	return cells, nil
}

// answerCells writes each answer, neutralised, straight to its column
// instead of to a map; answers with no column are skipped. It reports false
// on anything the fast reader leaves to encoding/json, leaving cells partly
// filled.
func (x *responseExport) answerCells(s string, cells []string) bool {
	return eachFlatPair(s, func(k, v string) {
		if c, ok := x.column[k]; ok {
			cells[c] = exportCell(v)
		}
	})
}

// filename is the download's name: the campaign code with anything but
// ASCII letters, digits, dot, dash and underscore replaced, so the header
// needs no encoding.
func (x *responseExport) filename(ext string) string {
	code := strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_', r == '.':
			return r
		}
		return '_'
	}, x.campaign.Code)
	name := "responses-" + code
	if x.latest {
		name += "-latest"
	}
	return name + "." + ext
}

// exportCell makes an answer safe to write while keeping what it says:
// invalid UTF-8 and control characters other than tab and line breaks
// become U+FFFD (neither CSV readers nor XML take them), line breaks
// become LF (CSV writes them as CRLF), and a cell a spreadsheet would read
// as a formula gets a leading apostrophe.
func exportCell(v string) string {
	clean := utf8.ValidString(v)
	for i := 0; clean && i < len(v); i++ {
		if c := v[i]; (c < 0x20 && c != '\t' && c != '\n') || c == 0x7f {
			clean = false
		}
	}
	if !clean {
		v = strings.ReplaceAll(strings.ToValidUTF8(v, "\uFFFD"), "\r\n", "\n")
		v = strings.Map(func(r rune) rune {
			switch {
			case r == '\r':
				return '\n'
			case r == '\t' || r == '\n':
				return r
			case r < 0x20 || r == 0x7f:
				return '\uFFFD'
			}
			return r
		}, v)
	}
	return CSVCell(v)
}

// handleResponsesCSV streams a campaign's responses as CSV (RFC 4180,
// UTF-8 with BOM for Excel), one row per submitted version, or with
// ?latest=1 per assignment's latest. A failure after the first byte aborts
// the connection, so a client never takes a cut-off file for a whole one.
func (s *Server) handleResponsesCSV(w http.ResponseWriter, r *http.Request) {
	x, err := s.startExport(r, "csv")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	cw := csv.NewWriter(w)
	cw.UseCRLF = true
	started := false
	start := func() error {
		if started {
			return nil
		}
		started = true
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		w.Header().Set("Content-Disposition", `attachment; filename="`+x.filename("csv")+`"`)
		if _, err := io.WriteString(w, "\ufeff"); err != nil {
			return err
		}
		return cw.Write(x.header())
	}
	cells := make([]string, 0, len(exportColumns)+len(x.variables))
	err = s.DB.EachCampaignResponse(r.Context(), x.campaign.ID, x.latest, func(resp *ExportedResponse) error {
		if err := start(); err != nil {
			return err
		}
		var err error
		if cells, err = x.record(resp, cells); err != nil {
			return err
		}
		return cw.Write(cells)
	})
	if err == nil {
		err = start()
	}
	if err == nil {
		cw.Flush()
		err = cw.Error()
	}
	if err != nil {
		if !started {
			s.fail(w, r, err)
			return
		}
		s.Log.Error("responses csv", "request_id", RequestID(r.Context()), "campaign", x.campaign.ID, "err", err)
		panic(http.ErrAbortHandler)
	}
}

// handleResponsesXLSX writes the same rows as handleResponsesCSV to an
// Excel workbook: text cells only (nothing becomes a formula), the header
// row frozen. Rows go to excelize's stream writer (spilling to a temporary
// file), so a large campaign is not held in memory; a campaign with more
// rows than a sheet holds is refused with a pointer to the CSV.
func (s *Server) handleResponsesXLSX(w http.ResponseWriter, r *http.Request) {
	x, err := s.startExport(r, "xlsx")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	f := excelize.NewFile()
	defer f.Close()
	if err := s.writeResponsesSheet(r.Context(), f, x); err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	w.Header().Set("Content-Disposition", `attachment; filename="`+x.filename("xlsx")+`"`)
	// excelize assembles the zip in a memory buffer; handing it a zip
	// writer on the response instead streams the parts (the sheet from its
	// temporary file) straight to the client.
	f.SetZipWriter(func(io.Writer) excelize.ZipWriter { return zip.NewWriter(w) })
	if err := f.Write(io.Discard); err != nil {
		s.Log.Error("responses xlsx", "request_id", RequestID(r.Context()), "campaign", x.campaign.ID, "err", err)
		panic(http.ErrAbortHandler)
	}
}

// writeResponsesSheet fills the workbook's one sheet. Errors: EInvalid
// (export.too_many_rows) when the rows do not fit in a sheet.
func (s *Server) writeResponsesSheet(ctx context.Context, f *excelize.File, x *responseExport) error {
	const sheet = "responses"
	if err := f.SetSheetName(f.GetSheetName(0), sheet); err != nil {
		return fmt.Errorf("xlsx sheet: %w", err)
	}
	sw, err := f.NewStreamWriter(sheet)
	if err != nil {
		return fmt.Errorf("xlsx stream: %w", err)
	}
	bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	if err != nil {
		return fmt.Errorf("xlsx style: %w", err)
	}
	err = sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft",
		Selection: []excelize.Selection{{SQRef: "A2", ActiveCell: "A2", Pane: "bottomLeft"}}})
	if err != nil {
		return fmt.Errorf("xlsx panes: %w", err)
	}
	values := make([]any, len(exportColumns)+len(x.variables))
	row := 0
	put := func(cells []string, opts ...excelize.RowOpts) error {
		row++
		if row > excelize.TotalRows {
			return Errorf(EInvalid, "export.too_many_rows")
		}
		for i, c := range cells {
			values[i] = nil // an empty answer writes no cell at all
			if c != "" {
				values[i] = c
			}
		}
		cell, err := excelize.CoordinatesToCellName(1, row)
		if err != nil {
			return err
		}
		if err := sw.SetRow(cell, values, opts...); err != nil {
			return fmt.Errorf("xlsx row %d: %w", row, err)
		}
		return nil
	}
	if err := put(x.header(), excelize.RowOpts{StyleID: bold}); err != nil {
		return err
	}
	cells := make([]string, 0, len(values))
	err = s.DB.EachCampaignResponse(ctx, x.campaign.ID, x.latest, func(resp *ExportedResponse) error {
		var err error
		if cells, err = x.record(resp, cells); err != nil {
			return err
		}
		return put(cells)
	})
	if err != nil {
		return err
	}
	if err := sw.Flush(); err != nil {
		return fmt.Errorf("xlsx flush: %w", err)
	}
	return nil
}
