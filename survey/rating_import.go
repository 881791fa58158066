package survey

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/xuri/excelize/v2"

	"govkpi/survey/tabfile"
)

// Ratings imported from an existing 好差评 system's export (item 4 of the
// ratings issue): CSV or XLSX with case id, department code, service item,
// channel, level, time, comment and whether the rater was identified.

// MaxRatingImportRows bounds one ratings file; MaxRatingImportBytes its
// size (a million ratings with comments fit in CSV).
const (
	MaxRatingImportRows  = 1_000_000
	MaxRatingImportBytes = 200 << 20
)

var ratingImportColumns = map[string]string{
	"case_id": "case", "case": "case", "办件编号": "case", "办件号": "case", "业务编号": "case", "评价编号": "case",
	"department_code": "department", "department": "department", "部门编码": "department", "部门代码": "department",
	"service_item": "service_item", "事项名称": "service_item", "服务事项": "service_item", "事项": "service_item",
	"channel": "channel", "渠道": "channel", "评价渠道": "channel",
	"level": "level", "评价等级": "level", "评价结果": "level", "满意度": "level",
	"time": "time", "rated_at": "time", "评价时间": "time",
	"comment": "comment", "评价内容": "comment", "评价意见": "comment", "留言": "comment",
	"identified": "identified", "是否实名": "identified", "实名": "identified",
	"department_name": "-", "部门名称": "-",
}

// channelAliases read the channel names other systems export.
var channelAliases = map[string]string{
	"window": "window", "窗口": "window", "线下": "window", "大厅": "window", "窗口评价": "window",
	"online": "online", "网上": "online", "网站": "online", "pc": "online", "pc端": "online", "网上评价": "online",
	"mobile": "mobile", "移动端": "mobile", "app": "mobile", "小程序": "mobile", "手机": "mobile",
	"kiosk": "kiosk", "自助终端": "kiosk", "自助机": "kiosk", "终端": "kiosk",
}

// levelAliasesRating read a level given as a number or as its name.
var levelAliasesRating = map[string]int{
	"1": 1, "非常不满意": 1, "2": 2, "不满意": 2, "3": 3, "基本满意": 3, "4": 4, "满意": 4, "5": 5, "非常满意": 5,
}

// ratingTimeLayouts are the timestamp formats accepted, read in the
// server's zone unless the text carries its own offset.
var ratingTimeLayouts = []string{
	"2006-01-02 15:04:05", "2006-01-02 15:04", "2006/1/2 15:04:05", "2006/1/2 15:04",
	"2006-01-02T15:04:05", "2006-01-02", "2006/1/2", "2006年1月2日 15:04:05", "2006年1月2日 15:04",
}

// parseRatingTime reads a timestamp in loc: text in one of the layouts,
// RFC 3339 with an offset, or an Excel date serial number (a workbook's raw
// value of a date cell).
func parseRatingTime(s string, loc *time.Location) (time.Time, bool) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, true
	}
	for _, layout := range ratingTimeLayouts {
		if t, err := time.ParseInLocation(layout, s, loc); err == nil {
			return t, true
		}
	}
	if x, err := strconv.ParseFloat(s, 64); err == nil && x > 20000 && x < 80000 {
		t, err := excelize.ExcelDateToTime(x, false)
		if err == nil {
			// The serial holds the wall clock; it is a time in loc.
			return time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), 0, loc), true
		}
	}
	return time.Time{}, false
}

// RatingImport is what an accepted ratings import did.
type RatingImport struct {
	Batch    *ImportBatch
	Stored   int
	Skipped  int // rows whose case was rated before (an overlapping export)
	Rejected int
}

// ImportRatings stores a ratings file as a new batch, all or nothing.
// Every row is checked first (department, channel, level, time, comment
// length, case id format, repeated case ids in the file); any problem
// refuses the file with each bad row and column. A row whose case id is
// already stored is skipped and counted — exports of consecutive months
// overlap — and the same file (by SHA-256) is refused as a whole, so
// nothing is stored twice, rows without a case id included. With
// openTickets each bad rating opens its rectification ticket, as on the
// public page; history from another system usually has its own.
func (db *DB) ImportRatings(ctx context.Context, r io.Reader, name string, openTickets bool) (*RatingImport, error) {
	t, hash, err := readUpload(r, name, tabfile.Limits{MaxBytes: MaxRatingImportBytes, MaxRows: MaxRatingImportRows, MaxUnzipped: 1 << 30})
	if err != nil {
		return nil, err
	}
	if err := db.sameFile(ctx, nil, ImportRatings, hash); err != nil {
		return nil, err
	}
	cols, probs := t.Columns(ratingImportColumns, "department", "channel", "level", "time")
	if len(probs) > 0 {
		return nil, &ImportError{Rows: headerErrors(probs)}
	}
	depts, err := db.departmentIDs(ctx)
	if err != nil {
		return nil, err
	}
	loc := db.Zone()
	batch := make([]RatingInput, 0, len(t.Rows))
	lines := make([]int, 0, len(t.Rows))
	var errs []RowError
	seen := map[string]int{}
	for _, row := range t.Rows {
		bad := func(field, key string, args ...any) {
			errs = append(errs, RowError{Row: row.Line, Column: cols.Name(field), Key: key, Args: args})
		}
		in := RatingInput{Source: "import", ServiceItem: cols.Get(row, "service_item"), Comment: cols.Get(row, "comment"), CaseID: cols.Get(row, "case")}
		code := cols.Get(row, "department")
		var ok bool
		if in.DepartmentID, ok = depts[code]; !ok {
			bad("department", "imports.unknown_department", code)
		}
		if in.Channel, ok = channelAliases[strings.ToLower(cols.Get(row, "channel"))]; !ok {
			bad("channel", "err.rating_channel")
			in.Channel = "window" // checked; keeps Validate from repeating it
		}
		if in.Level, ok = levelAliasesRating[cols.Get(row, "level")]; !ok {
			bad("level", "err.rating_level")
			in.Level = 5
		}
		if cell := cols.Get(row, "time"); cell == "" {
			bad("time", "err.required")
		} else if in.At, ok = parseRatingTime(cell, loc); !ok {
			bad("time", "imports.time", cell)
		}
		if cell := cols.Get(row, "identified"); cell != "" {
			if in.Identified, ok = parseYesNo(cell); !ok {
				bad("identified", "imports.yes_no")
			}
		}
		for field, key := range in.Validate() {
			bad(field, key)
		}
		if in.CaseID != "" {
			if first, dup := seen[in.CaseID]; dup {
				bad("case", "err.rating_case_repeated", first)
			} else {
				seen[in.CaseID] = row.Line
			}
		}
		batch = append(batch, in)
		lines = append(lines, row.Line)
	}
	if len(errs) > 0 {
		sortRowErrors(errs)
		return nil, &ImportError{Rows: errs}
	}

	stored, err := db.storedCases(ctx, seen)
	if err != nil {
		return nil, err
	}
	keep := batch[:0]
	for _, in := range batch {
		if in.CaseID == "" || !stored[in.CaseID] {
			keep = append(keep, in)
		}
	}
	res := &RatingImport{Stored: len(keep), Skipped: len(batch) - len(keep)}
	res.Batch = &ImportBatch{Kind: ImportRatings, FileName: name, FileHash: hash, Rows: res.Stored, Skipped: res.Skipped}
	_, err = db.storeRatings(ctx, keep, loc, openTickets, func(tx *sqlx.Tx) error {
		id, err := db.insertBatch(ctx, tx, ImportRatings, name, hash, res.Stored, res.Skipped)
		if err != nil {
			return err
		}
		res.Batch.ID = id
		return db.auditChange(ctx, tx, AuditRatingsImported, "import_batch", itoa(id),
			fmt.Sprintf("%s: %d stored, %d skipped", name, res.Stored, res.Skipped))
	})
	if err != nil {
		return nil, err
	}
	return res, nil
}

// parseYesNo reads a yes/no cell.
func parseYesNo(s string) (bool, bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "true", "1", "yes", "y", "是", "实名":
		return true, true
	case "false", "0", "no", "n", "否", "匿名":
		return false, true
	}
	return false, false
}

// storedCases returns which of the case ids are stored already, asking in
// chunks so no statement has too many parameters.
func (db *DB) storedCases(ctx context.Context, cases map[string]int) (map[string]bool, error) {
	out := map[string]bool{}
	ids := make([]string, 0, len(cases))
	for c := range cases {
		ids = append(ids, c)
	}
	const chunk = 500
	for i := 0; i < len(ids); i += chunk {
		part := ids[i:min(i+chunk, len(ids))]
		q, args, err := sqlx.In("SELECT case_id FROM ratings WHERE case_id IN (?)", part)
		if err != nil {
			return nil, err
		}
		var found []string
		if err := db.R.SelectContext(ctx, &found, db.R.Rebind(q), args...); err != nil {
			return nil, fmt.Errorf("find stored cases: %w", err)
		}
		for _, c := range found {
			out[c] = true
		}
	}
	return out, nil
}
