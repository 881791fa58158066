package survey

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"govkpi/survey/instrument"
)

// Filling benchmarks: the budgets of the survey issue are a 100-question
// page rendered ≥ 1,000/s and a validated, durable submit of a 60-question
// response ≥ 500/s with p99 < 100 ms at 64 concurrent clients. Both go
// through the whole handler stack (session, account, CSRF, policy, the
// department check, validation, the store) on a real SQLite file.
//
//	go test ./survey -run XXX -bench 'FillPage|Submit' -benchtime 2s

// benchQuestionnaire is one section of n questions of mixed types, with a
// bound, a choice list or a pattern on each, and the answers that pass.
func benchQuestionnaire(n int) (*instrument.Instrument, url.Values) {
	f := func(x float64) *float64 { return &x }
	choices := []instrument.Choice{{Value: "a", Label: instrument.Text{Zh: "甲", En: "A"}},
		{Value: "b", Label: instrument.Text{Zh: "乙", En: "B"}}, {Value: "c", Label: instrument.Text{Zh: "丙", En: "C"}}}
	sec := &instrument.Section{Code: "all", Title: instrument.Text{Zh: "全部题目", En: "All questions"}}
	answers := url.Values{}
	for i := range n {
		q := &instrument.Question{Name: fmt.Sprintf("q%03d", i), Required: true,
			Label: instrument.Text{Zh: fmt.Sprintf("第 %d 题：本部门相关工作的情况", i+1), En: fmt.Sprintf("Question %d", i+1)},
			Hint:  instrument.Text{Zh: "按年度统计口径填写", En: "As counted for the year"}}
		switch i % 6 {
		case 0:
			q.Type, q.Min, q.Max, answers[q.Name] = instrument.TypeInteger, f(0), f(100000), []string{strconv.Itoa(i * 37)}
		case 1:
			q.Type, q.Choices, answers[q.Name] = instrument.TypeSingle, choices, []string{"b"}
		case 2:
			q.Type, answers[q.Name] = instrument.TypeLikert, []string{"4"}
		case 3:
			q.Type, q.Choices, answers[q.Name] = instrument.TypeMultiple, choices, []string{"a", "c"}
		case 4:
			q.Type, q.Min, q.Max, answers[q.Name] = instrument.TypePercent, f(0), f(100), []string{"87.5"}
		case 5:
			q.Type, answers[q.Name] = instrument.TypeText, []string{"已建立数据共享目录并按季度更新"}
		}
		sec.Questions = append(sec.Questions, q)
	}
	return &instrument.Instrument{Code: fmt.Sprintf("BENCH-%d", n), Version: "1",
		Title: instrument.Text{Zh: "性能测试问卷", En: "Benchmark questionnaire"}, Sections: []*instrument.Section{sec}}, answers
}

// fillBench is a server with officials of their own departments, each
// signed in, and assignments of a questionnaire to fill.
type fillBench struct {
	db        *DB
	srv       *Server
	cookies   []*http.Cookie // one official per department
	tokens    []string
	instID    int64
	depts     []string
	campaigns int
}

func newFillBench(b *testing.B, officials int, inst *instrument.Instrument) *fillBench {
	b.Helper()
	ctx := context.Background()
	db, err := Open(ctx, filepath.Join(b.TempDir(), "fill.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	var csv strings.Builder
	csv.WriteString("code,name_zh,name_en,level,parent_code,category\nROOT,澜江市人民政府,Lanjiang,city,,综合\n")
	fb := &fillBench{db: db}
	for i := range officials {
		code := fmt.Sprintf("D%03d", i)
		fb.depts = append(fb.depts, code)
		fmt.Fprintf(&csv, "%s,澜江市第%d局,Bureau %d,district,ROOT,政数局\n", code, i, i)
	}
	if _, err := db.ImportDepartments(ctx, strings.NewReader(csv.String())); err != nil {
		b.Fatal(err)
	}
	st, err := db.ImportInstrument(ctx, inst, "yaml", "bench.yaml")
	if err != nil {
		b.Fatal(err)
	}
	if err := db.PublishInstrument(ctx, st.ID); err != nil {
		b.Fatal(err)
	}
	fb.instID = st.ID
	fb.srv, err = NewServer(db, discardLogger(), ServerConfig{IdleTimeout: time.Hour, SessionMax: 2 * time.Hour})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(fb.srv.Close)
	for i, code := range fb.depts {
		name := fmt.Sprintf("official%03d", i)
		if _, err := db.CreateAccount(ctx, AccountInput{Username: name, Role: RoleOfficial, DepartmentCode: code, Password: testPassword}); err != nil {
			b.Fatal(err)
		}
		ck, token := benchSignIn(b, fb.srv, name)
		fb.cookies, fb.tokens = append(fb.cookies, ck), append(fb.tokens, token)
	}
	return fb
}

// benchSignIn signs username in through the handlers and returns the
// session cookie and its CSRF token.
func benchSignIn(b *testing.B, srv *Server, username string) (*http.Cookie, string) {
	b.Helper()
	rec := httptest.NewRecorder()
	srv.ServeHTTP(rec, httptest.NewRequest("GET", "/login", nil))
	anon := rec.Result().Cookies()[0]
	token := csrfField.FindStringSubmatch(rec.Body.String())[1]
	form := url.Values{"username": {username}, "password": {testPassword}, "csrf": {token}}
	req := httptest.NewRequest("POST", "/login", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.AddCookie(anon)
	rec = httptest.NewRecorder()
	srv.ServeHTTP(rec, req)
	if rec.Code != http.StatusSeeOther {
		b.Fatalf("sign-in %s: %d", username, rec.Code)
	}
	ck := rec.Result().Cookies()[0]
	req = httptest.NewRequest("GET", "/me", nil)
	req.AddCookie(ck)
	rec = httptest.NewRecorder()
	srv.ServeHTTP(rec, req)
	m := csrfField.FindStringSubmatch(rec.Body.String())
	if m == nil {
		b.Fatalf("no CSRF token for %s", username)
	}
	return ck, m[1]
}

// openCampaign opens one more campaign of the questionnaire assigned to
// every department and returns its assignment ids by department index.
func (fb *fillBench) openCampaign(b *testing.B) []int64 {
	b.Helper()
	ctx := context.Background()
	fb.campaigns++
	opens := time.Now().Add(-time.Hour)
	c, err := fb.db.CreateCampaign(ctx, CampaignInput{Code: fmt.Sprintf("B%05d", fb.campaigns), NameZh: "性能测试",
		Period: "2026", InstrumentID: fb.instID, OpensAt: opens, ClosesAt: opens.Add(24 * time.Hour)})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := fb.db.AssignDepartments(ctx, c.ID, DepartmentSelection{Codes: fb.depts}); err != nil {
		b.Fatal(err)
	}
	if err := fb.db.SetCampaignStatus(ctx, c.ID, "open"); err != nil {
		b.Fatal(err)
	}
	all, err := fb.db.CampaignAssignments(ctx, c.ID)
	if err != nil {
		b.Fatal(err)
	}
	ids := make([]int64, len(fb.depts))
	for _, a := range all {
		ids[slices.Index(fb.depts, a.DepartmentCode)] = a.ID
	}
	return ids
}

// BenchmarkFillPage renders the filling page of a 100-question section to
// signed-in officials, in parallel.
func BenchmarkFillPage(b *testing.B) {
	inst, _ := benchQuestionnaire(100)
	fb := newFillBench(b, 4, inst)
	ids := fb.openCampaign(b)
	b.ReportAllocs()
	b.ResetTimer()
	var next sync.Mutex
	worker := 0
	b.RunParallel(func(pb *testing.PB) {
		next.Lock()
		w := worker % len(ids)
		worker++
		next.Unlock()
		path := "/fill/" + itoa(ids[w])
		for pb.Next() {
			req := httptest.NewRequest("GET", path, nil)
			req.AddCookie(fb.cookies[w])
			rec := httptest.NewRecorder()
			fb.srv.ServeHTTP(rec, req)
			if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `name="q099"`) {
				b.Errorf("fill page: %d", rec.Code)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "pages/s")
}

// BenchmarkSubmit: 64 officials at once each submit a complete 60-question
// response (the form's POST with action=submit: section checks, the draft
// saved, the final check, the response stored; two durable transactions),
// one assignment after another. Reports submits/s and the p50 and p99
// latency of one submit.
func BenchmarkSubmit(b *testing.B) {
	const clients, perClient = 64, 24
	inst, answers := benchQuestionnaire(60)
	fb := newFillBench(b, clients, inst)
	b.ResetTimer()
	var lat []time.Duration
	var total time.Duration
	for range b.N {
		b.StopTimer()
		rounds := make([][]int64, perClient)
		for i := range rounds {
			rounds[i] = fb.openCampaign(b)
		}
		b.StartTimer()
		start := time.Now()
		var wg sync.WaitGroup
		var mu sync.Mutex
		for w := range clients {
			wg.Add(1)
			go func() {
				defer wg.Done()
				mine := make([]time.Duration, 0, perClient)
				for round := range perClient {
					id := rounds[round][w]
					form := url.Values{}
					for k, v := range answers {
						form[k] = v
					}
					form.Set("csrf", fb.tokens[w])
					form.Set("section", "0")
					form.Set("version", "0")
					form.Set("action", "submit")
					form.Set("client_id", fmt.Sprintf("bench-%d-%d", id, w))
					req := httptest.NewRequest("POST", "/fill/"+itoa(id), strings.NewReader(form.Encode()))
					req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
					req.AddCookie(fb.cookies[w])
					rec := httptest.NewRecorder()
					t0 := time.Now()
					fb.srv.ServeHTTP(rec, req)
					mine = append(mine, time.Since(t0))
					if rec.Code != http.StatusSeeOther || !strings.HasSuffix(rec.Header().Get("Location"), "/receipt") {
						b.Errorf("submit %d: %d %s", id, rec.Code, rec.Header().Get("Location"))
						return
					}
				}
				mu.Lock()
				lat = append(lat, mine...)
				mu.Unlock()
			}()
		}
		wg.Wait()
		total += time.Since(start)
	}
	b.StopTimer()
	n := countRowsB(b, fb.db, "SELECT COUNT(*) FROM responses")
	if n != len(lat) {
		b.Fatalf("%d submits answered, %d responses stored", len(lat), n)
	}
	slices.Sort(lat)
	b.ReportMetric(float64(len(lat))/total.Seconds(), "submits/s")
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
}

func countRowsB(b *testing.B, db *DB, query string) int {
	var n int
	if err := db.W.Get(&n, query); err != nil {
		b.Fatal(err)
	}
	return n
}
