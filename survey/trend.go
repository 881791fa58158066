package survey

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// TrendRun is one campaign's latest published run as a trend reads it:
// the campaign's period, and every department's index and family scores.
type TrendRun struct {
	RunID      int64     `db:"id"`
	CampaignID int64     `db:"campaign_id"`
	Code       string    `db:"code"`
	NameZh     string    `db:"name_zh"`
	NameEn     string    `db:"name_en"`
	Period     string    `db:"period"`
	OpensAt    time.Time `db:"opens_at"`
	// Units are the run's departments in its own order; Index and every
	// row of Families follow it, NaN where a department has no score.
	Units []TrendUnit `db:"-"`
	Index []float64   `db:"-"`
	// Families holds the scores of the root's children by node code; a
	// run kept before records has none.
	Families map[string][]float64 `db:"-"`
}

// TrendUnit is one department of a trend run.
type TrendUnit struct {
	Code  string `json:"code"`
	Group string `json:"group"`
}

// Name returns the campaign's name in lang, falling back to Chinese.
func (t *TrendRun) Name(lang string) string {
	if lang == "en" && t.NameEn != "" {
		return t.NameEn
	}
	return t.NameZh
}

// TrendRuns returns the latest published run of every campaign except
// campaignID (whose run the caller has), the earliest campaign first (by
// opening time, then period), each with its departments' index and family
// scores. It is one query; a campaign with no published run is left out.
func (db *DB) TrendRuns(ctx context.Context, campaignID int64) ([]TrendRun, error) {
	rows, err := db.read("trend-runs").QueryxContext(ctx, campaignID)
	if err != nil {
		return nil, fmt.Errorf("trend runs: %w", err)
	}
	defer rows.Close()
	var out []TrendRun
	for rows.Next() {
		var row struct {
			TrendRun
			Result string `db:"result"`
		}
		if err := rows.StructScan(&row); err != nil {
			return nil, fmt.Errorf("trend runs: %w", err)
		}
		t := row.TrendRun
		if err := t.read(row.Result); err != nil {
			return nil, fmt.Errorf("trend run %d: %w", t.RunID, err)
		}
		out = append(out, t)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("trend runs: %w", err)
	}
	return out, nil
}

// TrendHeads returns the runs TrendRuns would, without their scores: a
// caller that keeps published runs' scores (they never change) fills the
// ones it lacks with ReadTrendScores.
func (db *DB) TrendHeads(ctx context.Context, campaignID int64) ([]TrendRun, error) {
	var out []TrendRun
	if err := db.read("trend-heads").SelectContext(ctx, &out, campaignID); err != nil {
		return nil, fmt.Errorf("trend heads: %w", err)
	}
	return out, nil
}

// ReadTrendScores fills t's departments and scores from its run's result.
// Errors: ENotFound when the run is not published.
func (db *DB) ReadTrendScores(ctx context.Context, t *TrendRun) error {
	var doc string
	err := db.read("trend-result").GetContext(ctx, &doc, t.RunID)
	if errors.Is(err, sql.ErrNoRows) {
		return Errorf(ENotFound, "err.not_found")
	}
	if err != nil {
		return fmt.Errorf("trend run %d: %w", t.RunID, err)
	}
	if err := t.read(doc); err != nil {
		return fmt.Errorf("trend run %d: %w", t.RunID, err)
	}
	return nil
}

// read takes the units and the root's children's scores from a result
// document. A record of 5,000 departments is several megabytes, most of
// it score rows the trend does not need and raw values after them, so it
// is not decoded whole: the top-level object is walked by hand, nodes and
// units are decoded, the score rows are only delimited (a row holds
// numbers and nulls, never a string, so its end is its first ']'), and the
// walk stops once it has all three.
func (t *TrendRun) read(doc string) error {
	var nodes []struct {
		Code   string `json:"code"`
		Parent string `json:"parent"`
	}
	var units []struct {
		TrendUnit
		Score *float64 `json:"score"`
	}
	var rows []string
	haveNodes, haveUnits, haveScores := false, false, false
	i := skipSpace(doc, 0)
	if i >= len(doc) || doc[i] != '{' {
		return errors.New("result is not a JSON object")
	}
	i++
	for !(haveNodes && haveUnits && haveScores) {
		i = skipSpace(doc, i)
		if i < len(doc) && doc[i] == '}' {
			break
		}
		if i >= len(doc) || doc[i] != '"' {
			return fmt.Errorf("result: want a key at byte %d", i)
		}
		end := stringEnd(doc, i)
		if end < 0 {
			return errors.New("result: unterminated key")
		}
		var key string
		if err := json.Unmarshal([]byte(doc[i:end]), &key); err != nil {
			return fmt.Errorf("result: %w", err)
		}
		i = skipSpace(doc, end)
		if i >= len(doc) || doc[i] != ':' {
			return fmt.Errorf("result: want ':' at byte %d", i)
		}
		i = skipSpace(doc, i+1)
		var err error
		switch key {
		case "nodes", "units":
			end = valueEnd(doc, i)
			if end < 0 {
				return fmt.Errorf("result: %s unterminated", key)
			}
			if key == "nodes" {
				haveNodes = true
				err = json.Unmarshal([]byte(doc[i:end]), &nodes)
			} else {
				haveUnits = true
				err = json.Unmarshal([]byte(doc[i:end]), &units)
			}
		case "scores":
			rows, end, err = scoreRows(doc, i)
			haveScores = true
		default:
			end = valueEnd(doc, i)
			if end < 0 {
				return fmt.Errorf("result: %s unterminated", key)
			}
		}
		if err != nil {
			return fmt.Errorf("result %s: %w", key, err)
		}
		i = skipSpace(doc, end)
		if i < len(doc) && doc[i] == ',' {
			i++
		}
	}

	t.Units = make([]TrendUnit, len(units))
	t.Index = make([]float64, len(units))
	for k, u := range units {
		t.Units[k] = u.TrendUnit
		t.Index[k] = math.NaN()
		if u.Score != nil {
			t.Index[k] = *u.Score
		}
	}
	root := ""
	for _, n := range nodes {
		if n.Parent == "" {
			root = n.Code
		}
	}
	t.Families = map[string][]float64{}
	for k, n := range nodes {
		if root == "" || n.Parent != root || k >= len(rows) {
			continue
		}
		scores, err := parseRow(rows[k], len(units))
		if err != nil {
			return fmt.Errorf("result scores of %s: %w", n.Code, err)
		}
		t.Families[n.Code] = scores
	}
	return nil
}

// stringEnd returns the index just past the JSON string that opens at
// s[i], or -1.
func stringEnd(s string, i int) int {
	for j := i + 1; j < len(s); {
		k := strings.IndexAny(s[j:], `"\`)
		if k < 0 {
			return -1
		}
		j += k
		if s[j] == '\\' {
			j += 2
			continue
		}
		return j + 1
	}
	return -1
}

// valueEnd returns the index just past the JSON value that starts at
// s[i], or -1; a number or literal ends at the next ',' or closing
// bracket.
func valueEnd(s string, i int) int {
	depth := 0
	for ; i < len(s); i++ {
		switch s[i] {
		case '"':
			end := stringEnd(s, i)
			if end < 0 || depth == 0 {
				return end
			}
			i = end - 1
		case '[', '{':
			depth++
		case ']', '}':
			if depth == 0 {
				return i
			}
			depth--
			if depth == 0 {
				return i + 1
			}
		case ',':
			if depth == 0 {
				return i
			}
		}
	}
	return -1
}

// scoreRows delimits the rows of the array of score rows that opens at
// s[i], each row's text without its brackets ("" for a null row), and
// returns the index past the array.
func scoreRows(s string, i int) ([]string, int, error) {
	if i >= len(s) || s[i] != '[' {
		return nil, 0, errors.New("not an array")
	}
	var rows []string
	i = skipSpace(s, i+1)
	if i < len(s) && s[i] == ']' {
		return rows, i + 1, nil
	}
	for i < len(s) {
		switch {
		case strings.HasPrefix(s[i:], "null"):
			rows = append(rows, "")
			i += len("null")
		case s[i] == '[':
			k := strings.IndexByte(s[i:], ']')
			if k < 0 {
				return nil, 0, errors.New("unterminated row")
			}
			rows = append(rows, s[i+1:i+k])
			i += k + 1
		default:
			return nil, 0, fmt.Errorf("unexpected %q", s[i])
		}
		i = skipSpace(s, i)
		if i < len(s) && s[i] == ']' {
			return rows, i + 1, nil
		}
		if i >= len(s) || s[i] != ',' {
			return nil, 0, errors.New("want ',' between rows")
		}
		i = skipSpace(s, i+1)
	}
	return nil, 0, errors.New("unterminated array")
}

// parseRow reads a row of n numbers or nulls (NaN); a null row is all
// NaN, and a row of another length does not belong to the units.
func parseRow(row string, n int) ([]float64, error) {
	out := make([]float64, 0, n)
	if strings.TrimSpace(row) == "" {
		for range n {
			out = append(out, math.NaN())
		}
		return out, nil
	}
	for row = strings.TrimSpace(row); row != ""; {
		cell, rest, _ := strings.Cut(row, ",")
		cell = strings.TrimSpace(cell)
		if cell == "null" {
			out = append(out, math.NaN())
		} else {
			v, err := strconv.ParseFloat(cell, 64)
			if err != nil {
				return nil, err
			}
			out = append(out, v)
		}
		row = rest
	}
	if len(out) != n {
		return nil, fmt.Errorf("%d scores for %d units", len(out), n)
	}
	return out, nil
}
