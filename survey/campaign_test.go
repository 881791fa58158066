package survey

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"govkpi/survey/instrument"
)

// publishedInstrument imports and publishes the default citizen questionnaire.
func publishedInstrument(t *testing.T, db *DB) *StoredInstrument {
	t.Helper()
	ctx := context.Background()
	defaults, err := instrument.DefaultInstruments()
	if err != nil {
		t.Fatal(err)
	}
	st, err := db.ImportInstrument(ctx, defaults["citizen"], "yaml", "citizen.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if err := db.PublishInstrument(ctx, st.ID); err != nil {
		t.Fatal(err)
	}
	return st
}

func mustCampaign(t *testing.T, db *DB, code string, instID int64, opens, closes time.Time) *Campaign {
	t.Helper()
	c, err := db.CreateCampaign(context.Background(), CampaignInput{Code: code, NameZh: code + " 考核", NameEn: code + " assessment",
		Period: "2026年度", InstrumentID: instID, FrameworkVersion: "DGMI 2026.1", OpensAt: opens, ClosesAt: closes})
	if err != nil {
		t.Fatalf("create campaign %s: %v", code, err)
	}
	return c
}

// setState changes an assignment's state directly; the filling workflow
// that does it for real comes later.
func setState(t *testing.T, db *DB, campaignID int64, deptCode, state string) {
	t.Helper()
	_, err := db.W.Exec(db.W.Rebind(`UPDATE assignments SET state = ? WHERE campaign_id = ? AND department_id = (SELECT id FROM departments WHERE code = ?)`),
		state, campaignID, deptCode)
	if err != nil {
		t.Fatal(err)
	}
}

func TestCampaignStore(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		inst := publishedInstrument(t, db)
		defaults, _ := instrument.DefaultInstruments()
		draft, err := db.ImportInstrument(ctx, defaults["self_assessment"], "yaml", "sa.yaml")
		if err != nil {
			t.Fatal(err)
		}
		opens := time.Now().Add(-48 * time.Hour).Truncate(time.Second)
		closes := opens.Add(24 * time.Hour) // already past: assignments are overdue once open

		t.Run("validation", func(t *testing.T) {
			good := CampaignInput{Code: "C1", NameZh: "考核", Period: "2026年度", InstrumentID: inst.ID, OpensAt: opens, ClosesAt: closes}
			for _, tc := range []struct {
				name, field, key string
				change           func(*CampaignInput)
			}{
				{"code missing", "code", "err.required", func(in *CampaignInput) { in.Code = " " }},
				{"code format", "code", "err.code_format", func(in *CampaignInput) { in.Code = "bad code!" }},
				{"name missing", "name_zh", "err.required", func(in *CampaignInput) { in.NameZh = "" }},
				{"name control", "name_en", "err.text_invalid", func(in *CampaignInput) { in.NameEn = "a\x00b" }},
				{"period missing", "period", "err.required", func(in *CampaignInput) { in.Period = "" }},
				{"no instrument", "instrument_id", "err.required", func(in *CampaignInput) { in.InstrumentID = 0 }},
				{"unknown instrument", "instrument_id", "err.instrument_unknown", func(in *CampaignInput) { in.InstrumentID = 99999 }},
				{"draft instrument", "instrument_id", "err.instrument_not_published", func(in *CampaignInput) { in.InstrumentID = draft.ID }},
				{"no open time", "opens_at", "err.required", func(in *CampaignInput) { in.OpensAt = time.Time{} }},
				{"closes before opens", "closes_at", "err.closes_before_opens", func(in *CampaignInput) { in.ClosesAt = in.OpensAt.Add(-time.Minute) }},
				{"closes at opens", "closes_at", "err.closes_before_opens", func(in *CampaignInput) { in.ClosesAt = in.OpensAt }},
			} {
				t.Run(tc.name, func(t *testing.T) {
					in := good
					tc.change(&in)
					_, err := db.CreateCampaign(ctx, in)
					if ErrorCode(err) != EInvalid || fieldKey(err, tc.field) != tc.key {
						t.Fatalf("got %v, want %s on %s", err, tc.key, tc.field)
					}
				})
			}
		})

		c := mustCampaign(t, db, "c2026", inst.ID, opens, closes)
		if c.Code != "C2026" || c.Status != "draft" || c.InstrumentCode != inst.Code || !c.ClosesAt.Equal(closes) {
			t.Fatalf("%+v", c)
		}
		t.Run("duplicate code", func(t *testing.T) {
			_, err := db.CreateCampaign(ctx, CampaignInput{Code: "C2026", NameZh: "再来", Period: "2026年度", InstrumentID: inst.ID, OpensAt: opens, ClosesAt: closes})
			if ErrorCode(err) != EConflict || fieldKey(err, "code") != "err.code_taken" {
				t.Fatalf("%v", err)
			}
		})

		t.Run("assign", func(t *testing.T) {
			mustDept(t, db, "P", "省政府", "province", "")
			for _, d := range []DepartmentInput{
				{Code: "A", NameZh: "甲市政数局", Level: "city", Category: "政数局", ParentCode: "P", Active: true},
				{Code: "B", NameZh: "乙市政数局", Level: "city", Category: "政数局", ParentCode: "P", Active: true},
				{Code: "C", NameZh: "乙市公安局", Level: "city", Category: "公安", ParentCode: "P", Active: true},
				{Code: "D", NameZh: "丙区政数局", Level: "district", Category: "政数局", ParentCode: "A", Active: true},
				{Code: "E", NameZh: "停用的局", Level: "city", Category: "政数局", ParentCode: "P", Active: false},
			} {
				if _, err := db.CreateDepartment(ctx, d); err != nil {
					t.Fatal(err)
				}
			}
			if _, err := db.AssignDepartments(ctx, c.ID, DepartmentSelection{}); ErrorCode(err) != EInvalid {
				t.Fatalf("empty selection: %v", err)
			}
			if _, err := db.AssignDepartments(ctx, c.ID, DepartmentSelection{Codes: []string{"A", "NOPE", "zzz"}}); ErrorCode(err) != EInvalid ||
				!strings.Contains(errArgs(err), "NOPE, ZZZ") {
				t.Fatalf("unknown codes: %v", err)
			}
			if n, err := db.AssignDepartments(ctx, c.ID, DepartmentSelection{Level: "city", Category: "政数局"}); err != nil || n != 2 {
				t.Fatalf("level and category: %d %v (want A and B, not the inactive E)", n, err)
			}
			if n, err := db.AssignDepartments(ctx, c.ID, DepartmentSelection{Category: "政数局"}); err != nil || n != 1 {
				t.Fatalf("category: %d %v (want only D added)", n, err)
			}
			if n, err := db.AssignDepartments(ctx, c.ID, DepartmentSelection{Level: "district", Codes: []string{"c", "D"}}); err != nil || n != 0 {
				t.Fatalf("codes with a level: %d %v (C is a city, D already assigned)", n, err)
			}
			if n, err := db.AssignDepartments(ctx, c.ID, DepartmentSelection{Codes: []string{" c ", "A"}}); err != nil || n != 1 {
				t.Fatalf("codes: %d %v", n, err)
			}
			all, _ := db.CampaignAssignments(ctx, c.ID)
			if len(all) != 4 || all[0].State != "not_started" || !all[0].DueAt.Equal(closes) {
				t.Fatalf("assignments: %+v", all)
			}
			if _, err := db.AssignDepartments(ctx, 9999, DepartmentSelection{Level: "city"}); ErrorCode(err) != ENotFound {
				t.Fatalf("missing campaign: %v", err)
			}
		})

		t.Run("transitions", func(t *testing.T) {
			for _, tc := range []struct {
				to, code string
			}{
				{"closed", EConflict}, {"published", EConflict}, {"bogus", EInvalid}, {"draft", EConflict},
				{"open", ""}, {"open", EConflict}, {"draft", EConflict}, {"published", EConflict},
				{"closed", ""}, {"open", ""}, {"closed", ""}, {"published", ""},
				{"open", EConflict}, {"closed", EConflict},
			} {
				if err := db.SetCampaignStatus(ctx, c.ID, tc.to); ErrorCode(err) != tc.code {
					got, _ := db.FindCampaignByID(ctx, c.ID)
					t.Fatalf("%s → %s: %v, want %q", got.Status, tc.to, err, tc.code)
				}
			}
			if err := db.SetCampaignStatus(ctx, 9999, "open"); ErrorCode(err) != ENotFound {
				t.Fatalf("missing: %v", err)
			}
			if _, err := db.AssignDepartments(ctx, c.ID, DepartmentSelection{Level: "province"}); ErrorCode(err) != EConflict {
				t.Fatalf("assigned after publishing: %v", err)
			}
			audit, _ := db.FindAudit(ctx, AuditFilter{Action: "campaign.", Limit: 100})
			if len(audit) < 8 {
				t.Fatalf("%d campaign audit rows", len(audit))
			}
		})

		t.Run("progress", func(t *testing.T) {
			c2 := mustCampaign(t, db, "C2027", inst.ID, opens, closes)
			if p, err := db.CampaignProgress(ctx, c2.ID); err != nil || p.Total != 0 || p.Rate != 0 {
				t.Fatalf("empty: %+v %v", p, err)
			}
			if _, err := db.AssignDepartments(ctx, c2.ID, DepartmentSelection{Codes: []string{"A", "B", "C", "D"}}); err != nil {
				t.Fatal(err)
			}
			setState(t, db, c2.ID, "A", "submitted")
			setState(t, db, c2.ID, "B", "approved")
			setState(t, db, c2.ID, "C", "returned")
			p, err := db.CampaignProgress(ctx, c2.ID)
			if err != nil {
				t.Fatal(err)
			}
			want := map[string]int{"not_started": 1, "draft": 0, "submitted": 1, "returned": 1, "resubmitted": 0, "approved": 1}
			for _, sc := range p.Counts {
				if want[sc.State] != sc.N {
					t.Errorf("%s: %d, want %d", sc.State, sc.N, want[sc.State])
				}
			}
			if len(p.Counts) != 6 || p.Total != 4 || p.Submitted != 2 || p.Rate != 0.5 || p.RatePercent() != "50.0%" {
				t.Fatalf("%+v", p)
			}
			if len(p.Overdue) != 0 {
				t.Fatalf("a draft campaign has no overdue list: %+v", p.Overdue)
			}
			if err := db.SetCampaignStatus(ctx, c2.ID, "open"); err != nil {
				t.Fatal(err)
			}
			p, _ = db.CampaignProgress(ctx, c2.ID)
			if len(p.Overdue) != 2 || p.Overdue[0].DepartmentCode != "C" || p.Overdue[1].DepartmentCode != "D" {
				t.Fatalf("overdue: %+v", p.Overdue)
			}
			d, _ := db.FindDepartmentByCode(ctx, "D")
			mine, err := db.FindAssignmentsForDepartment(ctx, d.ID)
			if err != nil || len(mine) != 2 || mine[0].CampaignCode != "C2026" || mine[0].Overdue ||
				mine[1].CampaignCode != "C2027" || !mine[1].Overdue || mine[1].CampaignPeriod != "2026年度" {
				t.Fatalf("department D: %+v %v (C2026 is published; C2027 is open)", mine, err)
			}
			if _, err := db.CampaignProgress(ctx, 9999); ErrorCode(err) != ENotFound {
				t.Fatalf("missing: %v", err)
			}
		})
	})
}

func errArgs(err error) string {
	var sb strings.Builder
	if e, ok := err.(*Error); ok {
		for _, a := range e.Args {
			sb.WriteString(a.(string))
		}
	}
	return sb.String()
}

func TestCampaignPages(t *testing.T) {
	app := newTestApp(t)
	ctx := context.Background()
	inst := publishedInstrument(t, app.db)
	c := app.client()
	c.signIn("admin")

	t.Run("refused form keeps input", func(t *testing.T) {
		r := c.post("/admin/campaigns/new", url.Values{"code": {"bad code!"}, "name_zh": {"二〇二六年度考核"}, "name_en": {"Assessment 2026"},
			"period": {"2026年度"}, "instrument_id": {itoa(inst.ID)}, "framework_version": {"DGMI 2026.1"},
			"opens_at": {"2026-03-01T09:00"}, "closes_at": {"2026-02-01T09:00"}})
		if r.status != http.StatusBadRequest {
			t.Fatalf("status %d", r.status)
		}
		for _, want := range []string{`value="bad code!"`, `value="二〇二六年度考核"`, `value="Assessment 2026"`, `value="2026年度"`,
			`value="DGMI 2026.1"`, `value="2026-03-01T09:00"`, `value="2026-02-01T09:00"`, `value="` + itoa(inst.ID) + `" selected`,
			"编码只能包含字母", "截止时间必须晚于开始时间", `aria-invalid="true"`} {
			if !strings.Contains(r.body, want) {
				t.Errorf("refused form lacks %s", want)
			}
		}
		r = c.post("/admin/campaigns/new", url.Values{"code": {"C1"}, "name_zh": {"考核"}, "period": {"2026年度"},
			"instrument_id": {itoa(inst.ID)}, "opens_at": {"not a time"}, "closes_at": {"2026-02-01T09:00"}})
		if r.status != http.StatusBadRequest || !strings.Contains(r.body, `value="not a time"`) || !strings.Contains(r.body, "请填写有效的日期和时间") {
			t.Fatalf("bad time: %d", r.status)
		}
	})

	var campID int64
	t.Run("create, assign, open", func(t *testing.T) {
		r := c.post("/admin/campaigns/new", url.Values{"code": {"C2026"}, "name_zh": {"2026年度考核"}, "period": {"2026年度"},
			"instrument_id": {itoa(inst.ID)}, "opens_at": {"2026-01-01T09:00"}, "closes_at": {"2099-12-31T18:00"}})
		if r.status != http.StatusSeeOther || !strings.HasPrefix(r.header.Get("Location"), "/admin/campaigns/") {
			t.Fatalf("create: %d %s", r.status, r.header.Get("Location"))
		}
		campID, _ = strconv.ParseInt(strings.TrimPrefix(r.header.Get("Location"), "/admin/campaigns/"), 10, 64)
		r = c.post("/admin/campaigns/"+itoa(campID)+"/assign", url.Values{"codes": {"LJ-ZSJ, NOPE"}})
		if r.status != http.StatusBadRequest || !strings.Contains(r.body, "以下部门编码不存在：NOPE") || !strings.Contains(r.body, "LJ-ZSJ, NOPE</textarea>") {
			t.Fatalf("unknown code: %d", r.status)
		}
		r = c.post("/admin/campaigns/"+itoa(campID)+"/assign", url.Values{"codes": {"LJ-ZSJ"}})
		if r.status != http.StatusSeeOther {
			t.Fatalf("assign: %d", r.status)
		}
		if r = c.post("/admin/campaigns/"+itoa(campID)+"/status", url.Values{"status": {"OPEN"}}); r.status != http.StatusBadRequest {
			t.Fatalf("a status not spelled exactly was accepted: %d", r.status)
		}
		if r = c.post("/admin/campaigns/"+itoa(campID)+"/status", url.Values{"status": {"published"}}); r.status != http.StatusConflict {
			t.Fatalf("draft → published: %d", r.status)
		}
		if r = c.post("/admin/campaigns/"+itoa(campID)+"/status", url.Values{"status": {"open"}}); r.status != http.StatusSeeOther {
			t.Fatalf("open: %d", r.status)
		}
		r = c.get("/admin/campaigns/" + itoa(campID))
		if r.status != http.StatusOK || !strings.Contains(r.body, "截止活动") || !strings.Contains(r.body, "0.0%") {
			t.Fatalf("campaign page: %d", r.status)
		}
		if r = c.get("/admin/campaigns"); !strings.Contains(r.body, "2026年度考核") {
			t.Fatal("the list lacks the campaign")
		}
	})

	t.Run("official sees only their department", func(t *testing.T) {
		other := mustCampaign(t, app.db, "GA-ONLY", inst.ID, time.Now().Add(-time.Hour), time.Now().Add(time.Hour))
		if _, err := app.db.AssignDepartments(ctx, other.ID, DepartmentSelection{Codes: []string{"LJ-GA"}}); err != nil {
			t.Fatal(err)
		}
		if err := app.db.SetCampaignStatus(ctx, other.ID, "open"); err != nil {
			t.Fatal(err)
		}
		o2 := app.client()
		o2.signIn("official2")
		r := o2.get("/home")
		if !strings.Contains(r.body, "GA-ONLY 考核") || !strings.Contains(r.body, "未开始") {
			t.Error("official2 does not see their own assignment")
		}
		if strings.Contains(r.body, "2026年度考核") {
			t.Error("official2 sees another department's assignment")
		}
		o1 := app.client()
		o1.signIn("official")
		r = o1.get("/home")
		if !strings.Contains(r.body, "2026年度考核") || strings.Contains(r.body, "GA-ONLY") {
			t.Error("official sees the wrong assignments")
		}
		ev := app.client()
		ev.signIn("evaluator")
		if r = ev.get("/home"); !strings.Contains(r.body, "GA-ONLY 考核") || !strings.Contains(r.body, "进行中") {
			t.Error("the evaluator does not see the campaigns")
		}
	})

	t.Run("missing csv", func(t *testing.T) {
		if _, err := app.db.CreateDepartment(ctx, DepartmentInput{Code: "EVIL", NameZh: `=HYPERLINK("x")`, NameEn: "+cmd", Level: "city", Active: true}); err != nil {
			t.Fatal(err)
		}
		mustDept(t, app.db, "DONE", "已提交的局", "city", "")
		if _, err := app.db.AssignDepartments(ctx, campID, DepartmentSelection{Codes: []string{"EVIL", "DONE"}}); err != nil {
			t.Fatal(err)
		}
		setState(t, app.db, campID, "DONE", "submitted")
		r := c.get("/admin/campaigns/" + itoa(campID) + "/missing.csv")
		if r.status != http.StatusOK || !strings.HasPrefix(r.header.Get("Content-Type"), "text/csv") {
			t.Fatalf("%d %s", r.status, r.header.Get("Content-Type"))
		}
		if !strings.HasPrefix(r.body, "\xef\xbb\xbfcode,name_zh,name_en,state,due\r\n") {
			t.Fatalf("no BOM or header: %q", r.body[:min(len(r.body), 60)])
		}
		for _, want := range []string{`EVIL,"'=HYPERLINK(""x"")",'+cmd,not_started,`, "LJ-ZSJ,澜江市政务服务和数据管理局,,not_started,2099-12-31 18:00"} {
			if !strings.Contains(r.body, want) {
				t.Errorf("csv lacks %s:\n%s", want, r.body)
			}
		}
		if strings.Contains(r.body, "DONE") {
			t.Error("a department that submitted is listed")
		}
	})
}

func TestCSVCell(t *testing.T) {
	for _, tc := range []struct{ name, in, want string }{
		{"empty", "", ""},
		{"plain", "澜江市", "澜江市"},
		{"equals", "=1+1", "'=1+1"},
		{"plus", "+1", "'+1"},
		{"minus", "-1", "'-1"},
		{"at", "@SUM(A1)", "'@SUM(A1)"},
		{"tab", "\tx", "'\tx"},
		{"cr", "\rx", "'\rx"},
		{"lf", "\nx", "'\nx"},
		{"inner equals", "a=b", "a=b"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := CSVCell(tc.in); got != tc.want {
				t.Fatalf("CSVCell(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}
