package survey

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"math"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"govkpi/scoring"
	"govkpi/survey/instrument"
)

// testFrameworkYAML is a small framework with an AHP node, a hostile name
// and a formula over a declared variable.
const testFrameworkYAML = `
code: TF
version: "1.0"
name_zh: 测试指标体系
name_en: Test framework
variables:
  - {code: x_num, name_zh: 分子}
root:
  code: IDX
  name_zh: 总指数
  ahp: {names: [F1, F2], matrix: [["1", "3"], ["1/3", "1"]]}
  children:
    - code: F1
      name_zh: "</script><script>alert(1)</script>"
      children:
        - {code: A, weight: 3, formula: x_num * 2, normalise: {method: goalposts, worst: 0, best: 10}}
        - {code: B, weight: 1}
    - code: F2
      name_zh: 第二族
      children: [{code: C}]
`

func mustFramework(t *testing.T, text string) *scoring.Framework {
	t.Helper()
	fw, err := scoring.ReadFrameworkYAML(strings.NewReader(text))
	if err != nil {
		t.Fatal(err)
	}
	return fw
}

func fwJSON(t *testing.T, fw *scoring.Framework) string {
	t.Helper()
	b, err := json.Marshal(fw)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestFrameworkStore(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *DB) {
		admin, err := db.CreateAccount(context.Background(), AccountInput{Username: "admin", DisplayName: "王考核",
			Role: RoleAdmin, Password: testPassword})
		if err != nil {
			t.Fatal(err)
		}
		ctx := WithActor(context.Background(), AuditEntry{ActorID: sql.NullInt64{Int64: admin.ID, Valid: true}, ActorName: "admin"})

		// The built-in default needs no row to be named.
		for _, ref := range []string{"", "2026.1", "DGMI 2026.1", "dgmi 2026.1"} {
			v, fw, err := db.namedFramework(ctx, ref)
			if err != nil || v.Source != FrameworkSourceBuiltin || v.Document != string(scoring.DefaultFrameworkYAML()) || fw.Code != "DGMI" {
				t.Fatalf("%q before any row: %+v %v", ref, v, err)
			}
		}
		list, err := db.FrameworkVersions(ctx)
		if err != nil || len(list) != 1 || list[0].Source != FrameworkSourceBuiltin || list[0].Ref() != "DGMI 2026.1" {
			t.Fatalf("versions at first: %+v %v", list, err)
		}
		builtinID := list[0].ID
		if again, _ := db.FrameworkVersions(ctx); len(again) != 1 || again[0].ID != builtinID {
			t.Fatalf("listing again made another built-in row: %+v", again)
		}
		builtin, err := db.FindFrameworkVersion(ctx, builtinID)
		if err != nil || builtin.Document != string(scoring.DefaultFrameworkYAML()) {
			t.Fatalf("the built-in row: %v", err)
		}

		fw := mustFramework(t, testFrameworkYAML)
		v, err := db.SaveFrameworkVersion(ctx, fw, FrameworkSourceYAML, 0, " 首次导入 ")
		if err != nil {
			t.Fatal(err)
		}

		t.Run("round trip", func(t *testing.T) {
			got, err := db.FindFrameworkVersion(ctx, v.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got.Code != "TF" || got.Version != "1.0" || got.NameZh != "测试指标体系" || got.Source != FrameworkSourceYAML ||
				got.ParentID.Valid || got.Note != "首次导入" || got.CreatedBy.Int64 != admin.ID || got.CreatorName != "王考核" ||
				got.CreatedAt.IsZero() {
				t.Fatalf("stored %+v", got)
			}
			back, err := got.Framework()
			if err != nil {
				t.Fatal(err)
			}
			if fwJSON(t, back) != fwJSON(t, fw) {
				t.Fatalf("the stored framework differs:\n%s\n%s", fwJSON(t, back), fwJSON(t, fw))
			}
			if back.Root.AHP == nil || back.Root.AHP.CR != fw.Root.AHP.CR || back.Node("F1").W() != 0.75 {
				t.Fatal("the AHP matrix did not survive")
			}
		})

		t.Run("audited", func(t *testing.T) {
			if n := countRows(t, db, "SELECT COUNT(*) FROM audit_log WHERE action = ? AND object_id = ? AND actor_id = ?",
				AuditFrameworkSaved, itoa(v.ID), admin.ID); n != 1 {
				t.Fatalf("%d audit rows for the saved version", n)
			}
			if n := countRows(t, db, "SELECT COUNT(*) FROM audit_log WHERE action = ? AND object_id = ?",
				AuditFrameworkSaved, itoa(builtinID)); n != 1 {
				t.Fatalf("%d audit rows for the built-in's row", n)
			}
		})

		t.Run("duplicate version", func(t *testing.T) {
			for _, ref := range [][2]string{{"TF", "1.0"}, {"tf", "1.0"}, {"DGMI", "2026.1"}} {
				dup := mustFramework(t, testFrameworkYAML)
				dup.Code, dup.Version = ref[0], ref[1]
				_, err := db.SaveFrameworkVersion(ctx, dup, FrameworkSourceYAML, 0, "")
				if ErrorCode(err) != EConflict || fieldKey(err, "version") != "framework.version_taken" {
					t.Fatalf("%v: got %v", ref, err)
				}
			}
			if n := countRows(t, db, "SELECT COUNT(*) FROM framework_versions"); n != 2 {
				t.Fatalf("%d rows after refused duplicates", n)
			}
		})

		t.Run("names a campaign could not use", func(t *testing.T) {
			for _, c := range []struct{ code, version, field string }{
				{"T F", "1", "code"}, {"TF", "1 0", "version"}, {"TF", "", "version"}, {"TF", strings.Repeat("9", 30), "version"},
			} {
				bad := mustFramework(t, testFrameworkYAML)
				bad.Code, bad.Version = c.code, c.version
				if _, err := db.SaveFrameworkVersion(ctx, bad, FrameworkSourceYAML, 0, ""); ErrorCode(err) != EInvalid || fieldKey(err, c.field) == "" {
					t.Fatalf("%q %q: %v", c.code, c.version, err)
				}
			}
		})

		t.Run("derived version and unknown parent", func(t *testing.T) {
			d := mustFramework(t, testFrameworkYAML)
			d.Version = "1.1"
			if _, err := db.SaveFrameworkVersion(ctx, d, FrameworkSourceWeights, 999999, ""); ErrorCode(err) != ENotFound {
				t.Fatalf("unknown parent: %v", err)
			}
			nv, err := db.SaveFrameworkVersion(ctx, d, FrameworkSourceWeights, v.ID, "")
			if err != nil || !nv.ParentID.Valid || nv.ParentID.Int64 != v.ID {
				t.Fatalf("derived %+v %v", nv, err)
			}
			list, _ := db.FrameworkVersions(ctx)
			if len(list) != 3 || list[0].ID != nv.ID || list[0].Document != "" {
				t.Fatalf("list, newest first without documents: %+v", list)
			}
		})

		t.Run("versions never change", func(t *testing.T) {
			if _, err := db.W.Exec(db.W.Rebind("UPDATE framework_versions SET document = 'x' WHERE id = ?"), v.ID); err == nil {
				t.Fatal("a version was changed")
			}
			if _, err := db.W.Exec(db.W.Rebind("DELETE FROM framework_versions WHERE id = ?"), v.ID); err == nil {
				t.Fatal("a version was deleted")
			}
		})

		t.Run("campaign references", func(t *testing.T) {
			other := mustFramework(t, testFrameworkYAML)
			other.Code = "OTHER"
			if _, err := db.SaveFrameworkVersion(ctx, other, FrameworkSourceYAML, 0, ""); err != nil {
				t.Fatal(err)
			}
			for ref, want := range map[string]string{"TF 1.0": "TF 1.0", "tf 1.0": "TF 1.0", "1.1": "TF 1.1",
				"OTHER 1.0": "OTHER 1.0", "2026.1": "DGMI 2026.1", "": "DGMI 2026.1"} {
				got, gotFw, err := db.namedFramework(ctx, ref)
				if err != nil || got.Ref() != want || got.Document == "" || gotFw.Code+" "+gotFw.Version != want {
					t.Fatalf("%q: got %+v, %v; want %s", ref, got, err, want)
				}
			}
			for ref, key := range map[string]string{"1.0": "framework.ambiguous", "TF 9": "assess.framework_unknown",
				"a b c": "assess.framework_unknown"} {
				_, _, err := db.namedFramework(ctx, ref)
				var e *Error
				if ErrorCode(err) != EInvalid || !errors.As(err, &e) || e.Key != key {
					t.Fatalf("%q: %v, want %s", ref, err, key)
				}
			}
		})
	})
}

// postFile sends a multipart form with one file, with the client's CSRF
// token unless fields has one.
func (c *client) postFile(path string, fields map[string]string, filename, content string) resp {
	c.app.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	if _, ok := fields["csrf"]; !ok {
		mw.WriteField("csrf", c.csrf)
	}
	for k, v := range fields {
		mw.WriteField(k, v)
	}
	if filename != "" {
		fw, _ := mw.CreateFormFile("file", filename)
		fw.Write([]byte(content))
	}
	mw.Close()
	req, _ := http.NewRequest("POST", c.app.ts.URL+path, &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return c.do(req)
}

// locationID is the id at the end of a redirect.
func locationID(t *testing.T, r resp, prefix string) int64 {
	t.Helper()
	loc := r.header.Get("Location")
	id, err := strconv.ParseInt(strings.TrimPrefix(loc, prefix), 10, 64)
	if r.status != http.StatusSeeOther || !strings.HasPrefix(loc, prefix) || err != nil {
		t.Fatalf("want a redirect to %s<id>, got %d %q:\n%s", prefix, r.status, loc, r.body)
	}
	return id
}

func TestFrameworkUpload(t *testing.T) {
	app := newTestApp(t)
	ctx := context.Background()
	admin := app.client()
	admin.signIn("admin")
	count := func() int { return countRows(t, app.db, "SELECT COUNT(*) FROM framework_versions") }

	list := admin.get("/admin/frameworks")
	if list.status != http.StatusOK || !strings.Contains(list.body, "DGMI") || !strings.Contains(list.body, `enctype="multipart/form-data"`) {
		t.Fatalf("list: %d\n%s", list.status, list.body)
	}
	before := count()

	t.Run("YAML", func(t *testing.T) {
		r := admin.postFile("/admin/frameworks", map[string]string{"note": "专家权重"}, "tf.yaml", testFrameworkYAML)
		id := locationID(t, r, "/admin/frameworks/")
		page := admin.get("/admin/frameworks/" + itoa(id))
		if page.status != http.StatusOK {
			t.Fatalf("detail %d", page.status)
		}
		// The hostile family name is text; F1's AHP share of 75% and A's
		// effective weight 75% × 3/4 = 56.25% are shown, with the CR.
		for _, want := range []string{"&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;", "<code>F1</code>", "75%", "56.25%",
			"x_num", "专家权重", "<code>TF 1.0</code>", `<td class="num">0.000</td>`, "arith · AHP", `href="/ahp?framework=`} {
			if !strings.Contains(page.body, want) {
				t.Errorf("detail lacks %q", want)
			}
		}
		if strings.Contains(page.body, "<script>alert(1)") {
			t.Fatal("the hostile name is markup")
		}
		y := admin.get("/admin/frameworks/" + itoa(id) + "/framework.yaml")
		if y.status != http.StatusOK || !strings.HasPrefix(y.header.Get("Content-Disposition"), "attachment;") ||
			!strings.Contains(y.header.Get("Content-Disposition"), "framework-TF-1.0.yaml") {
			t.Fatalf("download %d %v", y.status, y.header)
		}
		back := mustFramework(t, y.body)
		if fwJSON(t, back) != fwJSON(t, mustFramework(t, testFrameworkYAML)) {
			t.Fatal("the downloaded YAML is not the framework uploaded")
		}
	})

	t.Run("COINr CSV", func(t *testing.T) {
		csv := "iCode,iName,Level,Parent,Direction,Weight\nA,Alpha,1,P1,1,1\nB,Beta,1,P1,-1,2\nC,Gamma,1,P2,1,1\nP1,Pillar 1,2,Idx,1,1\nP2,Pillar 2,2,Idx,1,1\nIdx,Index,3,,1,1\n"
		r := admin.postFile("/admin/frameworks", map[string]string{}, "meta.csv", csv)
		if r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, "CSV 文件没有版本号") {
			t.Fatalf("a CSV without a version: %d", r.status)
		}
		r = admin.postFile("/admin/frameworks", map[string]string{"version": "2026-a", "name_zh": "测试 CSV"}, "meta.csv", csv)
		id := locationID(t, r, "/admin/frameworks/")
		v, err := app.db.FindFrameworkVersion(ctx, id)
		if err != nil || v.Code != "Idx" || v.Version != "2026-a" || v.Source != FrameworkSourceCSV || v.NameZh != "测试 CSV" {
			t.Fatalf("stored %+v %v", v, err)
		}
		fw, _ := v.Framework()
		if fw.Node("B").Direction != -1 || fw.Node("B").W() != 2 {
			t.Fatal("the CSV's direction and weight were lost")
		}
	})

	t.Run("broken YAML refused, nothing stored", func(t *testing.T) {
		n := count()
		broken := strings.Replace(testFrameworkYAML, "code: C", "code: A", 1)
		r := admin.postFile("/admin/frameworks", nil, "broken.yaml", broken)
		if r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, "node &#34;A&#34; appears twice") {
			t.Fatalf("broken YAML: %d\n%s", r.status, r.body)
		}
		r = admin.postFile("/admin/frameworks", nil, "bad.yaml", "code: [unclosed")
		if r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, `class="problems"`) {
			t.Fatalf("unparsable YAML: %d", r.status)
		}
		r = admin.postFile("/admin/frameworks", nil, "x.xlsx", "PK")
		if r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, ".yaml、.yml 或 .csv") {
			t.Fatalf("wrong type: %d", r.status)
		}
		if count() != n {
			t.Fatal("a refused file was stored")
		}
		if m := countRows(t, app.db, "SELECT COUNT(*) FROM audit_log WHERE action = ?", AuditFrameworkRefused); m < 3 {
			t.Fatalf("%d refusals audited", m)
		}
	})

	t.Run("duplicate version", func(t *testing.T) {
		n := count()
		r := admin.postFile("/admin/frameworks", nil, "tf.yml", testFrameworkYAML)
		if r.status != http.StatusConflict && r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, "该代码已有这个版本号") {
			t.Fatalf("duplicate: %d", r.status)
		}
		if count() != n {
			t.Fatal("a duplicate was stored")
		}
	})

	t.Run("evaluator reads, cannot upload", func(t *testing.T) {
		ev := app.client()
		ev.signIn("evaluator")
		page := ev.get("/admin/frameworks")
		if page.status != http.StatusOK || strings.Contains(page.body, `enctype="multipart/form-data"`) || !strings.Contains(page.body, "TF") {
			t.Fatalf("evaluator's list: %d", page.status)
		}
		n := count()
		other := strings.Replace(testFrameworkYAML, `version: "1.0"`, `version: "ev"`, 1)
		if r := ev.postFile("/admin/frameworks", nil, "tf.yaml", other); r.status != http.StatusForbidden {
			t.Fatalf("evaluator upload: %d", r.status)
		}
		if r := ev.get("/admin/frameworks/1/weights"); r.status != http.StatusForbidden {
			t.Fatalf("evaluator weights page: %d", r.status)
		}
		off := app.client()
		off.signIn("official")
		if r := off.get("/admin/frameworks"); r.status != http.StatusForbidden {
			t.Fatalf("official list: %d", r.status)
		}
		if count() != n {
			t.Fatal("a refused upload was stored")
		}
	})

	t.Run("CSRF required", func(t *testing.T) {
		n := count()
		other := strings.Replace(testFrameworkYAML, `version: "1.0"`, `version: "csrf"`, 1)
		if r := admin.postFile("/admin/frameworks", map[string]string{"csrf": "0123abcd"}, "tf.yaml", other); r.status != http.StatusForbidden {
			t.Fatalf("wrong token: %d", r.status)
		}
		if count() != n {
			t.Fatal("stored without a valid token")
		}
	})

	if count() != before+2 {
		t.Fatalf("%d versions, want %d", count(), before+2)
	}
	// The campaign form offers the versions.
	form := admin.get("/admin/campaigns/new")
	if !strings.Contains(form.body, `<option value="TF 1.0">`) || !strings.Contains(form.body, `list="framework_versions"`) {
		t.Fatal("the campaign form does not offer the stored versions")
	}
}

var pointsField = regexp.MustCompile(`name="(p\.[A-Za-z0-9_.-]+)" value="([^"]*)"`)

func TestFrameworkWeights(t *testing.T) {
	app := newTestApp(t)
	ctx := context.Background()
	admin := app.client()
	admin.signIn("admin")
	list, err := app.db.FrameworkVersions(ctx)
	if err != nil || len(list) != 1 {
		t.Fatal(list, err)
	}
	builtin := list[0]
	page := admin.get("/admin/frameworks/" + itoa(builtin.ID) + "/weights")
	if page.status != http.StatusOK {
		t.Fatalf("weights page %d", page.status)
	}
	form := url.Values{}
	for _, m := range pointsField.FindAllStringSubmatch(page.body, -1) {
		form.Set(m[1], m[2])
	}
	// Four equal families at 25 each; SH's eight indicators at 13 or 12.
	if form.Get("p.SH") != "25" || form.Get("p.MA") != "25" || form.Get("p.SH1") != "13" || form.Get("p.SH8") != "12" {
		t.Fatalf("points shown: %v", form)
	}

	t.Run("a group not summing to 100 is refused, the form kept", func(t *testing.T) {
		bad := url.Values{}
		for k, v := range form {
			bad[k] = v
		}
		bad.Set("version", "2026.1-w")
		bad.Set("p.SH", "41") // the families now sum to 116
		bad.Set("p.MA1", "x")
		r := admin.post("/admin/frameworks/"+itoa(builtin.ID)+"/weights", bad)
		if r.status != http.StatusUnprocessableEntity {
			t.Fatalf("status %d", r.status)
		}
		for _, want := range []string{`value="41"`, `value="x"`, `value="2026.1-w"`, "本组点数合计为 116，须为 100。",
			"MA1 的点数须为整数。", `<a href="#group-MA"><code>MA</code> 能力成熟度</a>`} {
			if !strings.Contains(r.body, want) {
				t.Errorf("refused form lacks %q", want)
			}
		}
		if n := countRows(t, app.db, "SELECT COUNT(*) FROM framework_versions"); n != 1 {
			t.Fatal("a refused weighting was stored")
		}
	})

	t.Run("good points make a new version", func(t *testing.T) {
		good := url.Values{}
		for k, v := range form {
			good[k] = v
		}
		good.Set("version", "2026.1-w")
		good.Set("note", "专家会议")
		for k, v := range map[string]string{"p.SH": "40", "p.SA": "20", "p.EF": "30", "p.MA": "10",
			"p.SH1": "50", "p.SH2": "50", "p.SH3": "0", "p.SH4": "0", "p.SH5": "0", "p.SH6": "0", "p.SH7": "0", "p.SH8": "0"} {
			good.Set(k, v)
		}
		r := admin.post("/admin/frameworks/"+itoa(builtin.ID)+"/weights", good)
		id := locationID(t, r, "/admin/frameworks/")
		v, err := app.db.FindFrameworkVersion(ctx, id)
		if err != nil || v.Code != "DGMI" || v.Version != "2026.1-w" || v.Source != FrameworkSourceWeights ||
			v.ParentID.Int64 != builtin.ID || v.Note != "专家会议" {
			t.Fatalf("new version %+v %v", v, err)
		}
		fw, err := v.Framework()
		if err != nil {
			t.Fatal(err)
		}
		_, eff := nodeShares(fw)
		for code, want := range map[string]float64{"SH": 0.4, "EF": 0.3, "SH1": 0.2, "SH3": 0, "MA": 0.1} {
			if math.Abs(eff[code]-want) > 1e-12 {
				t.Errorf("effective weight of %s %v, want %v", code, eff[code], want)
			}
		}
		if w := fw.Node("SH1").W(); w != 0.5 {
			t.Errorf("SH1 weight %v", w)
		}
		detail := admin.get("/admin/frameworks/" + itoa(id))
		if !strings.Contains(detail.body, "20%") || !strings.Contains(detail.body, "DGMI 2026.1</code></a>") {
			t.Fatal("the new version's page lacks its effective weights or parent")
		}
		// The same version again is refused with the version field named.
		r = admin.post("/admin/frameworks/"+itoa(builtin.ID)+"/weights", good)
		if r.status != http.StatusConflict || !strings.Contains(r.body, "该代码已有这个版本号") || !strings.Contains(r.body, `value="40"`) {
			t.Fatalf("the version again: %d", r.status)
		}
	})
}

// A campaign naming a stored version is scored with it: weights that put
// the whole maturity family on MA1 change the family's scores, and the run
// keeps the version's name.
func TestFrameworkAssessment(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		mustDept(t, db, "LJ", "澜江市人民政府", "city", "")
		for _, code := range []string{"LJ-GA", "LJ-RS"} {
			mustDept(t, db, code, code+" 局", "city", "LJ")
		}
		defaults, _ := instrument.DefaultInstruments()
		sa := defaults["self_assessment"]
		c, ids := feedCampaign(t, db, publishDefault(t, db, "self_assessment"), "SA2026", true, "LJ-GA", "LJ-RS")
		for code, id := range ids {
			a := completeAnswers(t, sa)
			if code == "LJ-RS" {
				a["ma1_level"] = "5" // 100 on MA1, 25 on the other nine
			}
			if _, err := db.SubmitResponse(ctx, id, "c-"+code, a); err != nil {
				t.Fatal(err)
			}
		}
		fw, err := scoring.DefaultFramework()
		if err != nil {
			t.Fatal(err)
		}
		fw.Version = "2026.1-ma1"
		for _, n := range fw.Node("MA").Children {
			w := 0.0
			if n.Code == "MA1" {
				w = 1
			}
			n.Weight = &w
		}
		if _, err := db.SaveFrameworkVersion(ctx, fw, FrameworkSourceWeights, 0, ""); err != nil {
			t.Fatal(err)
		}
		maScore := func(run *AssessmentRun, unit string) float64 {
			rec, err := scoring.ReadRecord(strings.NewReader(run.Result))
			if err != nil {
				t.Fatal(err)
			}
			for i, u := range rec.Units {
				if u.Code == unit && rec.NodeScores("MA")[i] != nil {
					return *rec.NodeScores("MA")[i]
				}
			}
			t.Fatalf("no MA score for %s", unit)
			return 0
		}

		base, err := db.ComputeAssessment(ctx, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if base.FrameworkVersion != "2026.1" || math.Abs(maScore(base, "LJ-RS")-32.5) > 1e-9 {
			t.Fatalf("built-in: version %s, LJ-RS MA %v, want 32.5", base.FrameworkVersion, maScore(base, "LJ-RS"))
		}
		if _, err := db.W.Exec(db.W.Rebind("UPDATE campaigns SET framework_version = 'DGMI 2026.1-ma1' WHERE id = ?"), c.ID); err != nil {
			t.Fatal(err)
		}
		run, err := db.ComputeAssessment(ctx, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if run.FrameworkVersion != "2026.1-ma1" || run.InputsHash == base.InputsHash {
			t.Fatalf("stored version: %s, hash unchanged %v", run.FrameworkVersion, run.InputsHash == base.InputsHash)
		}
		if got := maScore(run, "LJ-RS"); math.Abs(got-100) > 1e-9 {
			t.Fatalf("LJ-RS MA with MA1 alone: %v, want 100", got)
		}
		if got := maScore(run, "LJ-GA"); math.Abs(got-25) > 1e-9 {
			t.Fatalf("LJ-GA MA: %v, want 25", got)
		}
		back, err := db.RunFramework(ctx, run)
		if err != nil || back.Version != "2026.1-ma1" || back.Node("MA2").W() != 0 {
			t.Fatalf("the run's framework: %v", err)
		}
	})
}
