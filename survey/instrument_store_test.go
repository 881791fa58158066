package survey

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"govkpi/survey/instrument"
)

func TestInstrumentStore(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		defaults, err := instrument.DefaultInstruments()
		if err != nil {
			t.Fatal(err)
		}
		sa := defaults["self_assessment"]
		st, err := db.ImportInstrument(ctx, sa, "yaml", "self_assessment.yaml")
		if err != nil {
			t.Fatal(err)
		}
		if st.Status != "draft" || st.Questions != sa.QuestionCount() || st.TitleZh == "" {
			t.Fatalf("%+v", st)
		}
		back, err := st.Instrument()
		if err != nil || back.QuestionCount() != sa.QuestionCount() || back.Sections[0].Questions[0].Levels[4].Description.Zh == "" {
			t.Fatalf("the stored definition lost content: %v", err)
		}
		// The same code and version while a draft: replaced, not duplicated.
		st2, err := db.ImportInstrument(ctx, sa, "yaml", "again.yaml")
		if err != nil || st2.ID != st.ID || st2.SourceName != "again.yaml" {
			t.Fatalf("re-import of a draft: %+v %v", st2, err)
		}
		if err := db.PublishInstrument(ctx, st.ID); err != nil {
			t.Fatal(err)
		}
		if err := db.PublishInstrument(ctx, st.ID); ErrorCode(err) != EConflict {
			t.Fatalf("publish twice: %v", err)
		}
		if _, err := db.ImportInstrument(ctx, sa, "yaml", "changed.yaml"); ErrorCode(err) != EConflict {
			t.Fatalf("a published version was changed: %v", err)
		}
		if err := db.PublishInstrument(ctx, 9999); ErrorCode(err) != ENotFound {
			t.Fatalf("missing: %v", err)
		}
		list, _ := db.FindInstruments(ctx)
		if len(list) != 1 || list[0].Status != "published" || list[0].Definition != "" {
			t.Fatalf("list: %+v", list)
		}
	})
}

func TestInstrumentPages(t *testing.T) {
	app := newTestApp(t)
	c := app.client()
	c.signIn("admin")
	upload := func(name string, content []byte) resp {
		var b strings.Builder
		b.WriteString("--XX\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n" + c.csrf + "\r\n")
		b.WriteString("--XX\r\nContent-Disposition: form-data; name=\"file\"; filename=\"" + name + "\"\r\nContent-Type: application/octet-stream\r\n\r\n")
		b.Write(content)
		b.WriteString("\r\n--XX--\r\n")
		req, _ := http.NewRequest("POST", app.ts.URL+"/admin/instruments", strings.NewReader(b.String()))
		req.Header.Set("Content-Type", "multipart/form-data; boundary=XX")
		return c.do(req)
	}
	evil := "code: EVIL\nversion: \"1\"\ntitle: {zh: \"<script>alert(5)</script>\", en: x}\nsections:\n  - code: s\n    title: 节\n    questions:\n      - {name: a, type: integer, label: \"<img src=x onerror=alert(6)>\"}\n"
	r := upload("evil.yaml", []byte(evil))
	if r.status != http.StatusSeeOther || !strings.HasPrefix(r.header.Get("Location"), "/admin/instruments/") {
		t.Fatalf("upload: %d %s", r.status, r.body)
	}
	r = c.get(r.header.Get("Location"))
	if r.status != 200 || strings.Contains(r.body, "<script>alert(5)") || strings.Contains(r.body, "<img src=x") || !strings.Contains(r.body, "&lt;script&gt;alert(5)") {
		t.Fatalf("detail page: %d, hostile text not escaped", r.status)
	}
	gps := filepath.Join("..", "..", "shared", "validation", "xlsform", "gps_questions.xlsx")
	if b, err := os.ReadFile(gps); err == nil {
		r = upload("gps_questions.xlsx", b)
		if r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, "survey / 2") || !strings.Contains(r.body, "geopoint") {
			t.Fatalf("geopoint upload: %d\n%s", r.status, r.body)
		}
	} else if os.Getenv("CI") == "true" {
		t.Fatal(err)
	}
	if r := upload("old.xls", []byte{0xD0, 0xCF}); r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, ".xlsx") {
		t.Fatalf(".xls upload: %d", r.status)
	}
	list, _ := app.db.FindInstruments(context.Background())
	if len(list) != 1 {
		t.Fatalf("%d instruments stored, want 1 (refused uploads store nothing)", len(list))
	}
	if r := c.post("/admin/instruments/"+itoa(list[0].ID)+"/publish", nil); r.status != http.StatusSeeOther {
		t.Fatalf("publish: %d", r.status)
	}
	if r := upload("evil.yaml", []byte(evil)); r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, "已发布，不能修改") {
		t.Fatalf("re-upload of a published version: %d", r.status)
	}
}
