package survey

import (
	"archive/zip"
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"net/http"
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
	State            string // the assignment's current state
	SubmittedAt      time.Time
	SubmittedBy      string // username; empty when no account is recorded
	Answers          instrument.Answers
}

// exportRow is a response as read, its answers still encoded.
type exportRow struct {
	ID          int64     `db:"id"`
	Receipt     string    `db:"receipt"`
	Answers     string    `db:"answers"`
	SubmittedAt time.Time `db:"submitted_at"`
	SubmittedBy string    `db:"submitted_by"`
}

// EachCampaignResponse calls fn with every submitted version of the
// campaign's answers, by department code and oldest first within an
// assignment; with latestOnly, only each assignment's latest version. The
// responses are read in short pages, never in one long transaction, and fn
// runs between reads, so it may write to a slow client. A response
// submitted during the walk may or may not be included. fn's error stops
// the walk and is returned. The response and its Answers map are reused:
// fn must not keep them. Callers must have checked the admin or evaluator
// role.
func (db *DB) EachCampaignResponse(ctx context.Context, campaignID int64, latestOnly bool, fn func(*ExportedResponse) error) error {
	return db.eachCampaignResponse(ctx, campaignID, latestOnly, exportPageSize, fn)
}

func (db *DB) eachCampaignResponse(ctx context.Context, campaignID int64, latestOnly bool, pageSize int, fn func(*ExportedResponse) error) error {
	assignments, err := db.CampaignAssignments(ctx, campaignID)
	if err != nil {
		return err
	}
	page := make([]exportRow, 0, pageSize)
	for i := range assignments {
		a := &assignments[i]
		// Each version is held back until the next read tells whether it
		// was the latest; answers are decoded only for versions written.
		var held exportRow
		version, after := 0, int64(0)
		answers := instrument.Answers{}
		emit := func(latest bool) error {
			if version == 0 || (latestOnly && !latest) {
				return nil
			}
			out := &ExportedResponse{ID: held.ID, AssignmentID: a.ID, Version: version, Latest: latest, Receipt: held.Receipt,
				DepartmentCode: a.DepartmentCode, DepartmentNameZh: a.DepartmentNameZh, State: a.State,
				SubmittedAt: held.SubmittedAt, SubmittedBy: held.SubmittedBy}
			out.Answers = answers
			if err := decodeAnswers(held.Answers, answers); err != nil {
				return fmt.Errorf("decode response %d: %w", held.ID, err)
			}
			return fn(out)
		}
		for {
			page = page[:0]
			if err := db.read("export-responses").SelectContext(ctx, &page, a.ID, after, pageSize); err != nil {
				return fmt.Errorf("export responses of assignment %d: %w", a.ID, err)
			}
			for _, row := range page {
				if err := emit(false); err != nil {
					return err
				}
				held, after = row, row.ID
				version++
			}
			if len(page) < pageSize {
				break
			}
		}
		if err := emit(true); err != nil {
			return err
		}
	}
	return nil
}

// exportColumns are the columns of a response export before the answers.
var exportColumns = []string{"version", "latest", "receipt", "department_code", "department_name_zh", "state", "submitted_at", "submitted_by"}

// responseExport is what both export formats need: the campaign, its
// instrument's answer variables in questionnaire order, and the filter.
type responseExport struct {
	campaign  *Campaign
	variables []string
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
	x := &responseExport{campaign: c, latest: r.URL.Query().Get("latest") == "1", loc: s.location()}
	for _, sec := range in.Sections {
		for _, q := range sec.Questions {
			x.variables = append(x.variables, q.Variables()...)
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

// record fills cells (one per header column) with resp.
func (x *responseExport) record(resp *ExportedResponse, cells []string) []string {
	latest := "no"
	if resp.Latest {
		latest = "yes"
	}
	cells = append(cells[:0], itoa(int64(resp.Version)), latest, resp.Receipt, resp.DepartmentCode, resp.DepartmentNameZh,
		resp.State, resp.SubmittedAt.In(x.loc).Format(time.RFC3339), resp.SubmittedBy)
	for _, v := range x.variables {
		cells = append(cells, resp.Answers[v])
	}
	for i, c := range cells {
		cells[i] = exportCell(c)
	}
	return cells
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
	return csvCell(v)
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
		cells = x.record(resp, cells)
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
		cells = x.record(resp, cells)
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
