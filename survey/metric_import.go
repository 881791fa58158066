package survey

import (
	"context"
	"fmt"
	"io"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/jmoiron/sqlx"

	"govkpi/scoring"
	"govkpi/survey/tabfile"
)

// Platform metrics (item 6 of the ratings issue): the sharing/exchange
// platform's and the service-item and case systems' figures, one row per
// period, department and framework variable. An upload is checked
// completely and stored in one transaction as a batch, or refused with every
// bad row and column. Overlapping batches: the latest batch in force wins
// for each (period, department, variable), so a corrected file replaces the
// values it repeats, and rolling it back brings the earlier ones back.

// MetricVariable is a framework variable imported from platform metrics.
type MetricVariable struct {
	scoring.Variable
	Integer bool   // a count: whole numbers only
	Within  string // the variable it cannot exceed (with its siblings), if any
}

// metricBounds are the framework's ratios read as "the parts cannot exceed
// the whole" (../shared/FRAMEWORK.md): a value above its denominator is a
// data error, reported on the rows concerned.
var metricBounds = []struct {
	parts []string
	whole string
}{
	{[]string{"sh_resources_catalogued"}, "sh_resources_inventory"},
	{[]string{"sh_resources_unconditional", "sh_resources_conditional"}, "sh_resources_catalogued"},
	{[]string{"sh_requests_answered_on_time"}, "sh_requests_received"},
	{[]string{"sh_requests_delivered", "sh_requests_refused_lawfully"}, "sh_requests_received"},
	{[]string{"sh_datasets_updated_on_time"}, "sh_datasets_with_frequency"},
	{[]string{"sh_open_datasets_api"}, "sh_open_datasets"},
	{[]string{"sh_materials_exempted"}, "sh_materials_required"},
	{[]string{"ef_items_fully_online"}, "ef_items_total"},
	{[]string{"ef_items_one_visit"}, "ef_items_total"},
	{[]string{"ef_cases_completed_online"}, "ef_cases_completed"},
	{[]string{"ef_cases_completed_on_time"}, "ef_cases_completed"},
	{[]string{"ef_online_applications_concluded"}, "ef_online_applications_started"},
	{[]string{"ef_promised_days_total"}, "ef_statutory_days_total"},
	{[]string{"ef_promised_days_mean"}, "ef_statutory_days_mean"},
	{[]string{"ef_cost_target"}, "ef_cost_ceiling"},
}

// countUnits are the units of whole-number variables.
var countUnits = []string{"个", "件", "项", "次", "人", "家"}

// MetricVariables returns the default framework's metric variables in
// framework order.
var MetricVariables = sync.OnceValues(func() ([]MetricVariable, error) {
	fw, err := scoring.DefaultFramework()
	if err != nil {
		return nil, err
	}
	within := map[string]string{}
	for _, b := range metricBounds {
		for _, p := range b.parts {
			within[p] = b.whole
		}
	}
	var out []MetricVariable
	for _, v := range fw.Variables {
		if v.Source != "metrics" {
			continue
		}
		out = append(out, MetricVariable{Variable: v, Integer: slices.Contains(countUnits, v.Unit), Within: within[v.Code]})
	}
	return out, nil
})

// metricVariable returns the metric variable with code.
func metricVariable(code string) (MetricVariable, bool) {
	vars, err := MetricVariables()
	if err != nil {
		return MetricVariable{}, false
	}
	for _, v := range vars {
		if v.Code == code {
			return v, true
		}
	}
	return MetricVariable{}, false
}

// metricColumns maps accepted headers (English and Chinese) to fields.
var metricColumns = map[string]string{
	"period": "period", "期间": "period", "年度": "period", "统计期": "period", "统计期间": "period",
	"department_code": "department", "department": "department", "部门编码": "department", "部门代码": "department",
	"variable": "variable", "变量": "variable", "变量编码": "variable", "指标变量": "variable",
	"value": "value", "数值": "value", "值": "value",
	"source": "source", "来源": "source", "数据来源": "source",
	// Human-readable columns the template carries; ignored on import.
	"department_name": "-", "部门名称": "-", "variable_name": "-", "变量名称": "-", "unit": "-", "单位": "-",
}

// MaxMetricRows bounds one metrics file (5,000 departments × 31 variables
// × 2 periods fits).
const MaxMetricRows = 400000

var periodPattern = regexp.MustCompile(`^(\d{4})\s*(年|年度)?$`)

// ParsePeriod reads a metric period: a year, written 2025, 2025年 or
// 2025 年度, as "2025".
func ParsePeriod(s string) (string, bool) {
	m := periodPattern.FindStringSubmatch(strings.TrimSpace(s))
	if m == nil {
		return "", false
	}
	if y, _ := strconv.Atoi(m[1]); y < 2000 || y > 2100 {
		return "", false
	}
	return m[1], true
}

// parseMetricValue reads a value as people type it: thousands separators
// and surrounding space are allowed.
func parseMetricValue(s string) (float64, bool) {
	s = strings.ReplaceAll(strings.ReplaceAll(strings.TrimSpace(s), ",", ""), "，", "")
	return parseNumber(s)
}

// metricRow is a checked row of a metrics file.
type metricRow struct {
	line     int
	period   string
	deptID   int64
	variable string
	value    float64
	source   string
}

// metricKey is one department's variable in one period.
type metricKey struct {
	period   string
	dept     int64
	variable string
}

// ImportMetrics stores a metrics file (CSV or XLSX, see tabfile) as a new
// batch, all or nothing: every row is checked first — known period format,
// department and variable, a number within the variable's range (never
// negative, a whole number for counts), no (period, department, variable)
// twice, and no part above its whole (e.g. requests answered on time above
// requests received), judged on the values in force after the import — and
// any problem refuses the file with each bad row and column. The same file
// (by SHA-256) cannot be imported twice while its batch is in force.
func (db *DB) ImportMetrics(ctx context.Context, r io.Reader, name string) (*ImportBatch, error) {
	t, hash, err := readUpload(r, name, tabfile.Limits{MaxBytes: 50 << 20, MaxRows: MaxMetricRows})
	if err != nil {
		return nil, err
	}
	if err := db.sameFile(ctx, nil, ImportMetrics, hash); err != nil {
		return nil, err
	}
	cols, probs := t.Columns(metricColumns, "period", "department", "variable", "value")
	if len(probs) > 0 {
		return nil, &ImportError{Rows: headerErrors(probs)}
	}
	depts, err := db.departmentIDs(ctx)
	if err != nil {
		return nil, err
	}
	vars, err := MetricVariables()
	if err != nil {
		return nil, err
	}
	byCode := make(map[string]MetricVariable, len(vars))
	for _, v := range vars {
		byCode[v.Code] = v
	}
	rows, errs := checkMetricRows(t, cols, depts, byCode)
	if len(errs) == 0 {
		errs, err = db.checkMetricBounds(ctx, rows, cols.Name("value"))
		if err != nil {
			return nil, err
		}
	}
	if len(errs) > 0 {
		sortRowErrors(errs)
		return nil, &ImportError{Rows: errs}
	}

	batch := &ImportBatch{Kind: ImportMetrics, FileName: name, FileHash: hash, Rows: len(rows), Detail: map[string]int{}}
	for _, m := range rows {
		batch.Detail[m.period]++
	}
	err = db.inTx(ctx, func(tx *sqlx.Tx) error {
		id, err := db.insertBatch(ctx, tx, ImportMetrics, name, hash, len(rows), 0)
		if err != nil {
			return err
		}
		batch.ID = id
		insert := db.write(ctx, tx, "metric-value-insert")
		for _, m := range rows {
			if _, err := insert.ExecContext(ctx, id, m.period, m.deptID, m.variable, m.value, m.source); err != nil {
				return fmt.Errorf("row %d: insert metric: %w", m.line, err)
			}
		}
		return db.auditChange(ctx, tx, AuditMetricsImported, "import_batch", itoa(id), fmt.Sprintf("%s: %d rows", name, len(rows)))
	})
	if err != nil {
		return nil, err
	}
	return batch, nil
}

// departmentIDs maps every department's code to its id.
func (db *DB) departmentIDs(ctx context.Context) (map[string]int64, error) {
	var all []Department
	if err := db.read("departments-all").SelectContext(ctx, &all); err != nil {
		return nil, fmt.Errorf("load departments: %w", err)
	}
	out := make(map[string]int64, len(all))
	for _, d := range all {
		out[d.Code] = d.ID
	}
	return out, nil
}

// checkMetricRows checks each row on its own and against the file's other
// rows (duplicates); vars are the variables a file may give, by code.
func checkMetricRows(t *tabfile.Table, cols tabfile.Columns, depts map[string]int64, vars map[string]MetricVariable) ([]metricRow, []RowError) {
	var rows []metricRow
	var errs []RowError
	seen := map[metricKey]int{}
	for _, r := range t.Rows {
		bad := func(field, key string, args ...any) {
			errs = append(errs, RowError{Row: r.Line, Column: cols.Name(field), Key: key, Args: args})
		}
		m := metricRow{line: r.Line, source: cols.Get(r, "source")}
		period, ok := ParsePeriod(cols.Get(r, "period"))
		if !ok {
			bad("period", "imports.period")
		}
		m.period = period
		code := cols.Get(r, "department")
		if m.deptID, ok = depts[code]; !ok {
			bad("department", "imports.unknown_department", code)
		}
		v, known := vars[cols.Get(r, "variable")]
		if !known {
			bad("variable", "imports.unknown_variable", cols.Get(r, "variable"))
		}
		m.variable = v.Code
		cell := cols.Get(r, "value")
		x, ok := parseMetricValue(cell)
		switch {
		case cell == "":
			bad("value", "err.required")
		case !ok:
			bad("value", "imports.not_number", cell)
		case x < 0:
			bad("value", "imports.negative")
		case known && v.Integer && x != math.Trunc(x):
			bad("value", "imports.not_whole", v.Unit)
		case known && v.Unit == "%" && x > 100:
			bad("value", "imports.above_100")
		case x > 1e15:
			bad("value", "imports.too_large")
		}
		m.value = x
		if utf8.RuneCountInString(m.source) > 100 || !cleanText(m.source) {
			bad("source", "err.text_invalid")
		}
		if m.deptID != 0 && known && period != "" {
			k := metricKey{period, m.deptID, m.variable}
			if first, dup := seen[k]; dup {
				bad("variable", "imports.duplicate_metric", first)
			} else {
				seen[k] = r.Line
			}
		}
		rows = append(rows, m)
	}
	return rows, errs
}

// checkMetricBounds checks every part/whole pair on the values that will
// be in force once the file is stored: the file's own values over those of
// earlier batches. A breach is reported on each file row of the pair.
func (db *DB) checkMetricBounds(ctx context.Context, rows []metricRow, valueCol string) ([]RowError, error) {
	type cell struct {
		value float64
		line  int // 0 when the value comes from an earlier batch
	}
	values := map[metricKey]cell{}
	periods := map[string]bool{}
	for _, m := range rows {
		periods[m.period] = true
	}
	for p := range periods {
		stored, err := db.MetricValues(ctx, p)
		if err != nil {
			return nil, err
		}
		for _, s := range stored {
			values[metricKey{p, s.DepartmentID, s.Variable}] = cell{value: s.Value}
		}
	}
	type unit struct {
		period string
		dept   int64
	}
	units := map[unit]bool{}
	for _, m := range rows {
		values[metricKey{m.period, m.deptID, m.variable}] = cell{m.value, m.line}
		units[unit{m.period, m.deptID}] = true
	}
	var errs []RowError
	for u := range units {
		for _, b := range metricBounds {
			whole, ok := values[metricKey{u.period, u.dept, b.whole}]
			if !ok {
				continue
			}
			sum, lines := 0.0, []int{}
			complete := true
			for _, p := range b.parts {
				c, ok := values[metricKey{u.period, u.dept, p}]
				if !ok {
					complete = false
					break
				}
				sum += c.value
				if c.line > 0 {
					lines = append(lines, c.line)
				}
			}
			if !complete || sum <= whole.value {
				continue
			}
			if whole.line > 0 {
				lines = append(lines, whole.line)
			}
			parts := strings.Join(b.parts, " + ")
			for _, l := range lines {
				errs = append(errs, RowError{Row: l, Column: valueCol, Key: "imports.part_above_whole",
					Args: []any{parts, formatMetric(sum), b.whole, formatMetric(whole.value)}})
			}
		}
	}
	return errs, nil
}

func formatMetric(x float64) string { return strconv.FormatFloat(x, 'f', -1, 64) }

// MetricValue is a value in force.
type MetricValue struct {
	DepartmentID   int64   `db:"department_id"`
	DepartmentCode string  `db:"department_code"`
	Variable       string  `db:"variable"`
	Value          float64 `db:"value"`
	Source         string  `db:"source"`
	BatchID        int64   `db:"batch_id"`
}

// MetricValues returns the values in force for a period (a year, "2026"):
// per department and variable, that of the latest batch not rolled back.
func (db *DB) MetricValues(ctx context.Context, period string) ([]MetricValue, error) {
	last := map[metricKey]int{}
	var out []MetricValue
	err := db.eachMetricValue(ctx, period, func(v MetricValue) {
		k := metricKey{"", v.DepartmentID, v.Variable}
		if i, ok := last[k]; ok {
			out[i] = v
			return
		}
		last[k] = len(out)
		out = append(out, v)
	})
	return out, err
}

// eachMetricValue calls fn with every value of the period's batches in
// force, oldest batch first, so a later call for the same department and
// variable replaces an earlier one. Rows are scanned by hand: a province's
// year is 150,000 of them.
func (db *DB) eachMetricValue(ctx context.Context, period string, fn func(MetricValue)) error {
	rows, err := db.read("metric-values-of-period").QueryContext(ctx, period)
	if err != nil {
		return fmt.Errorf("metric values of %s: %w", period, err)
	}
	defer rows.Close()
	for rows.Next() {
		var v MetricValue
		if err := rows.Scan(&v.DepartmentID, &v.DepartmentCode, &v.Variable, &v.Value, &v.Source, &v.BatchID); err != nil {
			return fmt.Errorf("metric values of %s: %w", period, err)
		}
		fn(v)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("metric values of %s: %w", period, err)
	}
	return nil
}
