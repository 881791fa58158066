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
	"runtime"
	"strconv"
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
						answers := instrument.Answers{}
						err := db.eachCampaignResponse(context.Background(), c.ID, latest, size, func(x *ExportedResponse) error {
							if err := x.DecodeAnswers(answers); err != nil {
								return err
							}
							got = append(got, fmt.Sprintf("%s v%d %v %s", x.DepartmentCode, x.Version, x.Latest, answers["ma1_level"]))
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

			// Last: it adds a version.
			t.Run("a version submitted during the walk is left out", func(t *testing.T) {
				var got []string
				err := db.eachCampaignResponse(context.Background(), c.ID, false, 1, func(x *ExportedResponse) error {
					if len(got) == 0 {
						_, err := db.W.Exec(db.W.Rebind(`INSERT INTO responses (assignment_id, client_id, receipt, answers, submitted_at) VALUES (?, ?, ?, ?, ?)`),
							ga, "ga-2", "R-late", "{}", time.Now().UTC())
						if err != nil {
							return err
						}
					}
					got = append(got, fmt.Sprintf("%s v%d %v", x.DepartmentCode, x.Version, x.Latest))
					return nil
				})
				if err != nil {
					t.Fatal(err)
				}
				want := []string{"LJ-GA v1 true", "LJ-ZSJ v1 false", "LJ-ZSJ v2 true"}
				if !reflect.DeepEqual(got, want) {
					t.Fatalf("rows %q, want %q", got, want)
				}
				recs := readCSV(t, cl.get(base+".csv").body)
				if len(recs) != 5 || recs[1][col["latest"]] != "no" || recs[2][col["version"]] != "2" || recs[2][col["latest"]] != "yes" {
					t.Fatalf("next export %q", recs)
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

// checkWithLibreOffice converts the workbook to CSV with LibreOffice and
// compares the cells: a second, independent reader of the file. Without
// LibreOffice the check is skipped, except in CI (CI=true), which installs
// it.
func checkWithLibreOffice(t *testing.T, xlsx []byte, want [][]string) {
	t.Helper()
	soffice, err := exec.LookPath("soffice")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("soffice not on PATH: CI must install libreoffice-calc-nogui")
		}
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

// benchResponses fills a campaign with depts × versions responses over the
// variables vars, response k storing bodies[k%len(bodies)], written straight
// to the tables in one transaction (the submit path has its own benchmark).
func benchResponses(b *testing.B, depts, versions int, vars, bodies []string) (*Server, int64) {
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
	for _, v := range vars {
		q = append(q, &instrument.Question{Name: v, Type: instrument.TypeText, Label: instrument.Text{Zh: "问题", En: "Question"}})
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
	defer tx.Rollback()
	insert, err := tx.Prepare(`INSERT INTO responses (assignment_id, client_id, receipt, answers, submitted_at) VALUES (?, ?, ?, ?, ?)`)
	if err != nil {
		b.Fatal(err)
	}
	now := time.Now().UTC()
	asgIDs := make([]int64, depts)
	for d := range asgIDs {
		var deptID int64
		err := tx.QueryRow(`INSERT INTO departments (code, name_zh, level, created_at, updated_at) VALUES (?, ?, 'district', ?, ?) RETURNING id`,
			fmt.Sprintf("B%05d", d), fmt.Sprintf("部门%d", d), now, now).Scan(&deptID)
		if err == nil {
			err = tx.QueryRow(`INSERT INTO assignments (campaign_id, department_id, state, due_at, updated_at) VALUES (?, ?, 'submitted', ?, ?) RETURNING id`,
				c.ID, deptID, now, now).Scan(&asgIDs[d])
		}
		if err != nil {
			b.Fatal(err)
		}
	}
	// Versions interleave across departments, as submissions of a citizen
	// campaign do, so an assignment's rows are spread through the table.
	for k := range depts * versions {
		at := now.Add(time.Duration(k-depts*versions) * time.Second)
		if _, err := insert.Exec(asgIDs[k%depts], "c"+strconv.Itoa(k), fmt.Sprintf("R-2026-%07d", k), bodies[k%len(bodies)], at); err != nil {
			b.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		b.Fatal(err)
	}
	return srv, c.ID
}

// BenchmarkResponsesCSV measures the CSV export through the handler, and
// the same number of rows written by encoding/csv from memory as the
// baseline, for a self-assessment campaign (5,000 departments × 4
// versions, 60 answers with commas and quotes) and a citizen questionnaire
// (1,000,000 responses of 15 mostly short answers over 4,000 assignments;
// left out with -short, its set-up takes a while). heap-MB is the most the
// live heap grew over the export, sampled; sys-MB what the process took
// from the system meanwhile.
func BenchmarkResponsesCSV(b *testing.B) {
	selfVars := make([]string, 60)
	selfAnswers := instrument.Answers{}
	for i := range selfVars {
		selfVars[i] = fmt.Sprintf("q%02d", i+1)
		selfAnswers[selfVars[i]] = fmt.Sprintf("答案 %d，含逗号, and \"quotes\"", i)
	}
	citizenVars := []string{"service_channel", "service_item", "visits", "overall_satisfaction", "process_ease",
		"aspect_staff", "aspect_waiting", "aspect_information", "aspect_online", "aware_online", "aware_source",
		"comment", "respondent_age", "respondent_district", "contact_ok"}
	citizen := func(channel, item, comment string) string {
		return mustJSON(b, instrument.Answers{"service_channel": channel, "service_item": item, "visits": "1",
			"overall_satisfaction": "5", "process_ease": "4", "aspect_staff": "5", "aspect_waiting": "3",
			"aspect_information": "4", "aspect_online": "5", "aware_online": "yes", "aware_source": "friends",
			"comment": comment, "respondent_age": "30_39", "respondent_district": "LJ-01", "contact_ok": "no"})
	}
	cases := []struct {
		name            string
		depts, versions int
		vars, bodies    []string
		long            bool
	}{
		{"self-assessment", 5000, 4, selfVars, []string{mustJSON(b, selfAnswers)}, false},
		{"citizen", 4000, 250, citizenVars, []string{
			citizen("window", "个体工商户登记", ""),
			citizen("mobile", "社保卡补办", "窗口人员态度很好，但排队时间较长，希望增加自助终端。"),
			citizen("web", "", ""),
			citizen("kiosk", "不动产登记", "希望\"一网通办\"更方便，\n谢谢！"),
		}, true},
	}
	for _, bc := range cases {
		b.Run(bc.name, func(b *testing.B) {
			if bc.long && testing.Short() {
				b.Skip("1,000,000 responses: not with -short")
			}
			srv, campaignID := benchResponses(b, bc.depts, bc.versions, bc.vars, bc.bodies)
			rows := bc.depts * bc.versions
			// An answer's line breaks are lines of the file too.
			lines := rows + 1
			for k := range rows {
				lines += strings.Count(bc.bodies[k%len(bc.bodies)], `\n`)
			}
			b.Run("export", func(b *testing.B) {
				var out countingWriter
				peak := sampleMemory()
				for b.Loop() {
					out = countingWriter{header: http.Header{}}
					req := httptest.NewRequest("GET", "/admin/campaigns/"+itoa(campaignID)+"/responses.csv", nil)
					req = mux.SetURLVars(req, map[string]string{"id": itoa(campaignID)})
					srv.handleResponsesCSV(&out, req)
					if out.lines != lines {
						b.Fatalf("%d lines, want %d", out.lines, lines)
					}
				}
				heap, sys := peak()
				b.ReportMetric(float64(rows*b.N)/b.Elapsed().Seconds(), "rows/s")
				b.ReportMetric(b.Elapsed().Seconds()/float64(b.N), "s/file")
				b.ReportMetric(float64(out.bytes)/1e6, "MB/file")
				b.ReportMetric(float64(heap)/1e6, "heap-MB")
				b.ReportMetric(float64(sys)/1e6, "sys-MB")
			})
			b.Run("raw", func(b *testing.B) {
				rec := append([]string{"1", "yes", "R-2026-0000001", "B00001", "部门1", "submitted", time.Now().Format(time.RFC3339), ""},
					make([]string, len(bc.vars))...)
				answers := instrument.Answers{}
				if err := decodeAnswers(bc.bodies[0], answers); err != nil {
					b.Fatal(err)
				}
				for i, v := range bc.vars {
					rec[len(exportColumns)+i] = answers[v]
				}
				for b.Loop() {
					cw := csv.NewWriter(io.Discard)
					for range rows {
						cw.Write(rec)
					}
					cw.Flush()
				}
				b.ReportMetric(float64(rows*b.N)/b.Elapsed().Seconds(), "rows/s")
				b.ReportMetric(b.Elapsed().Seconds()/float64(b.N), "s/file")
			})
		})
	}
}

// sampleMemory collects garbage, then samples the heap every 10 ms until
// the returned function is called, which reports the most the heap in use
// grew over its start and how much more memory the process holds from the
// system.
func sampleMemory() func() (heap, sys uint64) {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	startHeap, startSys := m.HeapInuse, m.Sys
	done := make(chan struct{})
	result := make(chan uint64)
	go func() {
		var peak uint64
		tick := time.NewTicker(10 * time.Millisecond)
		defer tick.Stop()
		for {
			var m runtime.MemStats
			runtime.ReadMemStats(&m)
			peak = max(peak, m.HeapInuse)
			select {
			case <-done:
				result <- peak
				return
			case <-tick.C:
			}
		}
	}()
	return func() (uint64, uint64) {
		close(done)
		peak := <-result
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return max(peak, startHeap) - startHeap, max(m.Sys, startSys) - startSys
	}
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
