package survey

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/mux"
	"github.com/xuri/excelize/v2"

	"govkpi/survey/instrument"
)

// asOfficial is a context whose changes are recorded as made by username.
func asOfficial(t testing.TB, db *DB, username string) context.Context {
	t.Helper()
	a, err := db.FindAccountByUsername(context.Background(), username)
	if err != nil {
		t.Fatal(err)
	}
	return WithActor(context.Background(), AuditEntry{ActorID: sql.NullInt64{Int64: a.ID, Valid: true}, ActorName: username})
}

// readCSV parses an export, checking and removing the BOM.
func readCSV(t *testing.T, body string) [][]string {
	t.Helper()
	rest, ok := strings.CutPrefix(body, "\ufeff")
	if !ok {
		t.Fatal("no BOM")
	}
	recs, err := csv.NewReader(strings.NewReader(rest)).ReadAll()
	if err != nil {
		t.Fatalf("parse csv: %v", err)
	}
	return recs
}

// hostile holds answers a spreadsheet must not run and a file must survive,
// with what the export must show for each.
var hostile = []struct{ variable, answer, want string }{
	{"respondent_name", "=cmd|' /C calc'!A0", "'=cmd|' /C calc'!A0"},
	{"respondent_position", "<script>alert(1)</script>", "<script>alert(1)</script>"},
	{"respondent_phone", "+1", "'+1"},
	{"respondent_comment", "@x", "'@x"},
	{"unknown_reason", "\t制表符开头", "'\t制表符开头"},
	{"ma1_level_evidence", "中文说明，含“引号”、\"双引号\"和,逗号\n第二行", "中文说明，含“引号”、\"双引号\"和,逗号\n第二行"},
	{"ma2_level_evidence", "-2+3", "'-2+3"},
	{"ma3_level_evidence", "bad\xffbyte, nul\x00 and bell\a", "bad\uFFFDbyte, nul\uFFFD and bell\uFFFD"},
	{"ma4_level_evidence", "\r\nstarts with a line break", "'\nstarts with a line break"},
}

func TestExportCell(t *testing.T) {
	for _, h := range hostile {
		if got := exportCell(h.answer); got != h.want {
			t.Errorf("%s: %q, want %q", h.variable, got, h.want)
		}
	}
	for _, ok := range []string{"", "plain", "1.5", "见附件", "a-b", "tab\tinside"} {
		if got := exportCell(ok); got != ok {
			t.Errorf("%q changed to %q", ok, got)
		}
	}
}

func TestResponseExport(t *testing.T) {
	for dialect, dsn := range testDSNs(t) {
		t.Run(dialect, func(t *testing.T) {
			app := newTestAppDSN(t, dsn)
			db := app.db
			c, inst, ids := fillCampaign(t, db)
			zsj, ga := ids["LJ-ZSJ"], ids["LJ-GA"]
			admin := asOfficial(t, db, "admin")

			// LJ-ZSJ: a first version with hostile answers, returned, then
			// a second; LJ-GA: one version.
			first := completeAnswers(t, inst)
			for _, h := range hostile {
				first[h.variable] = h.answer
			}
			if _, err := db.SubmitResponse(asOfficial(t, db, "official"), zsj, "zsj-1", first); err != nil {
				t.Fatal(err)
			}
			if err := db.Review(admin, zsj, ReviewReturn, "请补充佐证"); err != nil {
				t.Fatal(err)
			}
			second := completeAnswers(t, inst)
			second["ma1_level"] = "3"
			second["ma1_level_evidence"] = "第二版"
			if _, err := db.SubmitResponse(asOfficial(t, db, "official"), zsj, "zsj-2", second); err != nil {
				t.Fatal(err)
			}
			gaAnswers := completeAnswers(t, inst)
			gaAnswers["ma5_level"] = "0"
			if _, err := db.SubmitResponse(asOfficial(t, db, "official2"), ga, "ga-1", gaAnswers); err != nil {
				t.Fatal(err)
			}
			var vars []string
			for _, sec := range inst.Sections {
				for _, q := range sec.Questions {
					vars = append(vars, q.Variables()...)
				}
			}
			col := map[string]int{}
			for i, h := range append(append([]string{}, exportColumns...), vars...) {
				col[h] = i
			}

			cl := app.client()
			cl.signIn("admin")
			base := "/admin/campaigns/" + itoa(c.ID) + "/responses"

			var all [][]string
			t.Run("csv has every version", func(t *testing.T) {
				before, _ := db.FindAudit(context.Background(), AuditFilter{Action: AuditResponsesExported, Limit: 500})
				r := cl.get(base + ".csv")
				if r.status != http.StatusOK {
					t.Fatalf("status %d", r.status)
				}
				if cd := r.header.Get("Content-Disposition"); cd != `attachment; filename="responses-SA2026.csv"` {
					t.Fatalf("Content-Disposition %q", cd)
				}
				if !strings.HasPrefix(r.header.Get("Content-Type"), "text/csv") {
					t.Fatalf("Content-Type %q", r.header.Get("Content-Type"))
				}
				all = readCSV(t, r.body)
				if want := append(append([]string{}, exportColumns...), vars...); !reflect.DeepEqual(all[0], want) {
					t.Fatalf("header %q", all[0])
				}
				if len(all) != 4 {
					t.Fatalf("%d rows, want header and 3", len(all))
				}
				type key struct{ dept, version, latest, state, by string }
				var got []key
				for _, rec := range all[1:] {
					got = append(got, key{rec[col["department_code"]], rec[col["version"]], rec[col["latest"]], rec[col["state"]], rec[col["submitted_by"]]})
					if _, err := time.Parse(time.RFC3339, rec[col["submitted_at"]]); err != nil {
						t.Errorf("submitted_at: %v", err)
					}
					if !strings.HasPrefix(rec[col["receipt"]], "R-") {
						t.Errorf("receipt %q", rec[col["receipt"]])
					}
				}
				want := []key{{"LJ-GA", "1", "yes", "submitted", "official2"}, {"LJ-ZSJ", "1", "no", "resubmitted", "official"}, {"LJ-ZSJ", "2", "yes", "resubmitted", "official"}}
				if !reflect.DeepEqual(got, want) {
					t.Fatalf("rows\n%v\nwant\n%v", got, want)
				}
				if all[1][col["department_name_zh"]] != "澜江市公安局" || all[1][col["ma5_level"]] != "0" {
					t.Fatalf("LJ-GA row %q", all[1])
				}
				for _, h := range hostile {
					if got := all[2][col[h.variable]]; got != h.want {
						t.Errorf("%s: %q, want %q", h.variable, got, h.want)
					}
				}
				if all[3][col["ma1_level"]] != "3" || all[3][col["ma1_level_evidence"]] != "第二版" {
					t.Fatalf("second version %q", all[3])
				}
				after, _ := db.FindAudit(context.Background(), AuditFilter{Action: AuditResponsesExported, Limit: 500})
				if len(after) != len(before)+1 || after[0].ActorName != "admin" || after[0].ObjectID != itoa(c.ID) {
					t.Fatalf("export not audited: %+v", after)
				}
			})

			t.Run("latest only", func(t *testing.T) {
				r := cl.get(base + ".csv?latest=1")
				recs := readCSV(t, r.body)
				if len(recs) != 3 || recs[1][col["version"]] != "1" || recs[2][col["version"]] != "2" ||
					recs[1][col["latest"]] != "yes" || recs[2][col["latest"]] != "yes" {
					t.Fatalf("latest export %q", recs)
				}
				if cd := r.header.Get("Content-Disposition"); !strings.Contains(cd, "responses-SA2026-latest.csv") {
					t.Fatalf("Content-Disposition %q", cd)
				}
			})

			t.Run("pages of any size give the same rows", func(t *testing.T) {
				var want []string
				for _, size := range []int{1, 2, 1000} {
					for _, latest := range []bool{false, true} {
						var got []string
						err := db.eachCampaignResponse(context.Background(), c.ID, latest, size, func(x *ExportedResponse) error {
							got = append(got, fmt.Sprintf("%s v%d %v %s", x.DepartmentCode, x.Version, x.Latest, x.Answers["ma1_level"]))
							return nil
						})
						if err != nil {
							t.Fatal(err)
						}
						if !latest && want == nil {
							want = got
						}
						expect := want
						if latest {
							expect = nil
							for _, w := range want {
								if strings.Contains(w, " true ") {
									expect = append(expect, w)
								}
							}
						}
						if !reflect.DeepEqual(got, expect) {
							t.Fatalf("page size %d: %q, want %q", size, got, want)
						}
					}
				}
				if len(want) != 3 || want[1] != "LJ-ZSJ v1 false 2" || want[2] != "LJ-ZSJ v2 true 3" {
					t.Fatalf("rows %q", want)
				}
			})

			if dialect == SQLite {
				t.Run("invalid utf-8 stored as is", func(t *testing.T) {
					// PostgreSQL refuses such text; SQLite keeps whatever
					// bytes it is given.
					_, err := db.W.Exec(`UPDATE responses SET answers = ? WHERE client_id = 'ga-1'`,
						"{\"respondent_name\":\"\xff\xfe=x\",\"respondent_comment\":\"ok\\u0000\"}")
					if err != nil {
						t.Fatal(err)
					}
					recs := readCSV(t, cl.get(base+".csv?latest=1").body)
					if got := recs[1][col["respondent_name"]]; got != "\uFFFD\uFFFD=x" {
						t.Fatalf("respondent_name %q", got)
					}
					if got := recs[1][col["respondent_comment"]]; got != "ok\uFFFD" {
						t.Fatalf("respondent_comment %q", got)
					}
					_, err = db.W.Exec(`UPDATE responses SET answers = ? WHERE client_id = 'ga-1'`, mustJSON(t, gaAnswers))
					if err != nil {
						t.Fatal(err)
					}
				})
			}

			t.Run("xlsx holds the same cells", func(t *testing.T) {
				r := cl.get(base + ".xlsx")
				if r.status != http.StatusOK {
					t.Fatalf("status %d", r.status)
				}
				if cd := r.header.Get("Content-Disposition"); cd != `attachment; filename="responses-SA2026.xlsx"` {
					t.Fatalf("Content-Disposition %q", cd)
				}
				f, err := excelize.OpenReader(strings.NewReader(r.body))
				if err != nil {
					t.Fatal(err)
				}
				defer f.Close()
				rows, err := f.GetRows("responses")
				if err != nil {
					t.Fatal(err)
				}
				if len(rows) != len(all) {
					t.Fatalf("%d rows, want %d", len(rows), len(all))
				}
				for i := range all {
					got := append(rows[i], make([]string, len(all[i])-len(rows[i]))...) // trailing empty cells are absent
					if !reflect.DeepEqual(got, all[i]) {
						t.Fatalf("row %d\n%q\nwant\n%q", i+1, got, all[i])
					}
				}
				cell, _ := excelize.CoordinatesToCellName(col["respondent_name"]+1, 3)
				if formula, _ := f.GetCellFormula("responses", cell); formula != "" {
					t.Fatalf("%s is a formula: %q", cell, formula)
				}
				if typ, _ := f.GetCellType("responses", cell); typ != excelize.CellTypeInlineString {
					t.Fatalf("%s has type %v, want text", cell, typ)
				}
				panes, err := f.GetPanes("responses")
				if err != nil || !panes.Freeze || panes.YSplit != 1 {
					t.Fatalf("panes %+v %v", panes, err)
				}
				checkWithLibreOffice(t, []byte(r.body), all)
			})

			t.Run("unknown campaign", func(t *testing.T) {
				for _, ext := range []string{".csv", ".xlsx"} {
					if r := cl.get("/admin/campaigns/99999/responses" + ext); r.status != http.StatusNotFound {
						t.Fatalf("%s: status %d", ext, r.status)
					}
				}
			})

			t.Run("officials may not export", func(t *testing.T) {
				o := app.client()
				o.signIn("official")
				if r := o.get(base + ".csv"); r.status == http.StatusOK || strings.Contains(r.body, "respondent_name") {
					t.Fatalf("official got the export: %d", r.status)
				}
			})

			t.Run("evaluator may export", func(t *testing.T) {
				e := app.client()
				e.signIn("evaluator")
				if r := e.get(base + ".xlsx?latest=1"); r.status != http.StatusOK {
					t.Fatalf("status %d", r.status)
				}
			})
		})
	}
}

func mustJSON(t testing.TB, a instrument.Answers) string {
	t.Helper()
	b, err := json.Marshal(a)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// checkWithLibreOffice converts the workbook to CSV with LibreOffice, when
// it is installed, and compares the cells: a second, independent reader of
// the file.
func checkWithLibreOffice(t *testing.T, xlsx []byte, want [][]string) {
	t.Helper()
	soffice, err := exec.LookPath("soffice")
	if err != nil {
		t.Log("soffice not on PATH: LibreOffice check skipped")
		return
	}
	dir := t.TempDir()
	in := filepath.Join(dir, "export.xlsx")
	if err := os.WriteFile(in, xlsx, 0o600); err != nil {
		t.Fatal(err)
	}
	// 44,34,76: comma, double quote, UTF-8.
	cmd := exec.Command(soffice, "--headless", "-env:UserInstallation=file://"+filepath.Join(dir, "profile"),
		"--convert-to", "csv:Text - txt - csv (StarCalc):44,34,76", "--outdir", dir, in)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("soffice: %v\n%s", err, out)
	}
	b, err := os.ReadFile(filepath.Join(dir, "export.csv"))
	if err != nil {
		t.Fatal(err)
	}
	got, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(b, []byte("\ufeff")))).ReadAll()
	if err != nil {
		t.Fatalf("LibreOffice csv: %v", err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("LibreOffice reads\n%q\nwant\n%q", got, want)
	}
}

// benchResponses fills a campaign with depts × versions responses of
// answers answers each, written straight to the tables (the submit path
// has its own benchmark).
func benchResponses(b *testing.B, depts, versions, answers int) (*Server, int64, []string) {
	b.Helper()
	ctx := context.Background()
	db, err := Open(ctx, filepath.Join(b.TempDir(), "bench.db"))
	if err != nil {
		b.Fatal(err)
	}
	srv, err := NewServer(db, discardLogger(), ServerConfig{IdleTimeout: time.Minute, SessionMax: time.Hour, Version: "bench"})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { srv.Close(); db.Close() })
	var q []*instrument.Question
	vars := make([]string, answers)
	for i := range vars {
		vars[i] = fmt.Sprintf("q%02d", i+1)
		q = append(q, &instrument.Question{Name: vars[i], Type: instrument.TypeText, Label: instrument.Text{Zh: "问题", En: "Question"}})
	}
	in := &instrument.Instrument{Code: "BENCH", Version: "1", Title: instrument.Text{Zh: "基准", En: "Bench"},
		Sections: []*instrument.Section{{Code: "s", Title: instrument.Text{Zh: "一", En: "One"}, Questions: q}}}
	st, err := db.ImportInstrument(ctx, in, "yaml", "bench.yaml")
	if err != nil {
		b.Fatal(err)
	}
	if err := db.PublishInstrument(ctx, st.ID); err != nil {
		b.Fatal(err)
	}
	opens := time.Now().Add(-time.Hour)
	c, err := db.CreateCampaign(ctx, CampaignInput{Code: "BENCH", NameZh: "基准", Period: "2026", InstrumentID: st.ID, OpensAt: opens, ClosesAt: opens.Add(48 * time.Hour)})
	if err != nil {
		b.Fatal(err)
	}
	tx := db.W.MustBegin()
	now := time.Now().UTC()
	answer := instrument.Answers{}
	for i, v := range vars {
		answer[v] = fmt.Sprintf("答案 %d，含逗号, and \"quotes\"", i)
	}
	body := mustJSON(b, answer)
	for d := 0; d < depts; d++ {
		var deptID, asgID int64
		tx.QueryRow(`INSERT INTO departments (code, name_zh, level, created_at, updated_at) VALUES (?, ?, 'district', ?, ?) RETURNING id`,
			fmt.Sprintf("B%05d", d), fmt.Sprintf("部门%d", d), now, now).Scan(&deptID)
		tx.QueryRow(`INSERT INTO assignments (campaign_id, department_id, state, due_at, updated_at) VALUES (?, ?, 'submitted', ?, ?) RETURNING id`,
			c.ID, deptID, now, now).Scan(&asgID)
		for v := 0; v < versions; v++ {
			if _, err := tx.Exec(`INSERT INTO responses (assignment_id, client_id, receipt, answers, submitted_at) VALUES (?, ?, ?, ?, ?)`,
				asgID, fmt.Sprintf("c%d-%d", d, v), fmt.Sprintf("R-2026-%06d", d*versions+v), body, now); err != nil {
				b.Fatal(err)
			}
		}
	}
	if err := tx.Commit(); err != nil {
		b.Fatal(err)
	}
	return srv, c.ID, vars
}

// BenchmarkResponsesCSV measures the CSV export of 20,000 responses (5,000
// departments × 4 versions) with 60 answers each, through the handler, and
// the same rows written by encoding/csv from memory as the baseline.
func BenchmarkResponsesCSV(b *testing.B) {
	const depts, versions, answers = 5000, 4, 60
	srv, campaignID, vars := benchResponses(b, depts, versions, answers)
	rows := depts * versions
	b.Run("export", func(b *testing.B) {
		var out countingWriter
		for b.Loop() {
			out = countingWriter{header: http.Header{}}
			req := httptest.NewRequest("GET", "/admin/campaigns/"+itoa(campaignID)+"/responses.csv", nil)
			req = mux.SetURLVars(req, map[string]string{"id": itoa(campaignID)})
			srv.handleResponsesCSV(&out, req)
			if out.lines != rows+1 {
				b.Fatalf("%d lines, want %d", out.lines, rows+1)
			}
		}
		b.ReportMetric(float64(rows*b.N)/b.Elapsed().Seconds(), "rows/s")
		b.ReportMetric(float64(out.bytes)/1e6, "MB/file")
	})
	b.Run("raw", func(b *testing.B) {
		rec := make([]string, len(exportColumns)+len(vars))
		for i := range rec {
			rec[i] = fmt.Sprintf("答案 %d，含逗号, and \"quotes\"", i)
		}
		for b.Loop() {
			cw := csv.NewWriter(io.Discard)
			for range rows {
				cw.Write(rec)
			}
			cw.Flush()
		}
		b.ReportMetric(float64(rows*b.N)/b.Elapsed().Seconds(), "rows/s")
	})
}

// countingWriter is a ResponseWriter that keeps only counts.
type countingWriter struct {
	header http.Header
	bytes  int
	lines  int
}

func (w *countingWriter) Header() http.Header { return w.header }
func (w *countingWriter) WriteHeader(int)     {}
func (w *countingWriter) Write(p []byte) (int, error) {
	w.bytes += len(p)
	w.lines += bytes.Count(p, []byte("\n"))
	return len(p), nil
}
