package survey

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"
)

func mustDept(t testing.TB, db *DB, code, name, level, parent string) *Department {
	t.Helper()
	d, err := db.CreateDepartment(context.Background(), DepartmentInput{Code: code, NameZh: name, Level: level, ParentCode: parent, Active: true})
	if err != nil {
		t.Fatalf("create %s: %v", code, err)
	}
	return d
}

func fieldKey(err error, field string) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Fields[field]
	}
	return ""
}

func TestDepartmentStore(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		city := mustDept(t, db, "lj", "澜江市人民政府", "city", "")
		if city.Code != "LJ" {
			t.Fatalf("code not upper-cased: %q", city.Code)
		}
		dh := mustDept(t, db, "LJ-DH", "东湖区人民政府", "district", "LJ")
		street := mustDept(t, db, "LJ-DH-JD01", "东湖街道办事处", "street", "LJ-DH")

		t.Run("duplicate code", func(t *testing.T) {
			_, err := db.CreateDepartment(ctx, DepartmentInput{Code: "LJ", NameZh: "x", Level: "city"})
			if ErrorCode(err) != EConflict || fieldKey(err, "code") != "err.code_taken" {
				t.Fatalf("got %v", err)
			}
		})
		t.Run("unknown parent", func(t *testing.T) {
			_, err := db.CreateDepartment(ctx, DepartmentInput{Code: "X1", NameZh: "x", Level: "city", ParentCode: "NOPE"})
			if ErrorCode(err) != EInvalid || fieldKey(err, "parent_code") != "err.parent_unknown" {
				t.Fatalf("got %v", err)
			}
		})
		t.Run("parent below child", func(t *testing.T) {
			_, err := db.CreateDepartment(ctx, DepartmentInput{Code: "X2", NameZh: "x", Level: "city", ParentCode: "LJ-DH-JD01"})
			if fieldKey(err, "parent_code") != "err.parent_level" {
				t.Fatalf("got %v", err)
			}
		})
		t.Run("bad fields", func(t *testing.T) {
			_, err := db.CreateDepartment(ctx, DepartmentInput{Code: "bad code!", NameZh: "", Level: "galaxy"})
			for _, f := range []string{"code", "name_zh", "level"} {
				if fieldKey(err, f) == "" {
					t.Errorf("no message for %s: %v", f, err)
				}
			}
		})
		t.Run("control characters", func(t *testing.T) {
			_, err := db.CreateDepartment(ctx, DepartmentInput{Code: "X3", NameZh: "a\x00b", Level: "city"})
			if fieldKey(err, "name_zh") != "err.text_invalid" {
				t.Fatalf("NUL byte accepted: %v", err)
			}
		})
		t.Run("cycle", func(t *testing.T) {
			in := DepartmentInput{Code: "LJ-DH", NameZh: "东湖区人民政府", Level: "district", ParentCode: "LJ-DH-JD01", Active: true}
			// A district under its own street is refused by level first; make the levels equal to reach the cycle check.
			in.Level = "street"
			_, err := db.UpdateDepartment(ctx, dh.ID, in)
			if fieldKey(err, "parent_code") != "err.parent_cycle" {
				t.Fatalf("got %v", err)
			}
		})
		t.Run("update and find", func(t *testing.T) {
			d, err := db.UpdateDepartment(ctx, street.ID, DepartmentInput{Code: "LJ-DH-JD01", NameZh: "东湖街道", NameEn: "Donghu Subdistrict",
				Level: "street", ParentCode: "LJ-DH", Category: "街道", Active: true})
			if err != nil || d.NameEn != "Donghu Subdistrict" || d.ParentCode != "LJ-DH" {
				t.Fatalf("update: %+v %v", d, err)
			}
			got, total, err := db.FindDepartments(ctx, DepartmentFilter{Query: "donghu"})
			if err != nil || total != 1 || got[0].Code != "LJ-DH-JD01" {
				t.Fatalf("search by English name: %d %v", total, err)
			}
			got, total, _ = db.FindDepartments(ctx, DepartmentFilter{Query: "东湖"})
			if total != 2 {
				t.Fatalf("search by Chinese name found %d, want 2", total)
			}
			_, total, _ = db.FindDepartments(ctx, DepartmentFilter{Query: "%"})
			if total != 0 {
				t.Fatalf("a %% search is a wildcard: found %d", total)
			}
			_, total, _ = db.FindDepartments(ctx, DepartmentFilter{Level: "district"})
			if total != 1 {
				t.Fatalf("level filter found %d", total)
			}
			if _, err := db.UpdateDepartment(ctx, 99999, DepartmentInput{Code: "Z", NameZh: "z", Level: "city"}); ErrorCode(err) != ENotFound {
				t.Fatalf("update of a missing department: %v", err)
			}
		})
		t.Run("deactivate", func(t *testing.T) {
			if err := db.SetDepartmentActive(ctx, city.ID, false); err != nil {
				t.Fatal(err)
			}
			_, total, _ := db.FindDepartments(ctx, DepartmentFilter{Active: "false"})
			if total != 1 {
				t.Fatalf("inactive filter found %d", total)
			}
			opts, _ := db.DepartmentOptions(ctx)
			for _, o := range opts {
				if o.Code == "LJ" {
					t.Fatal("an inactive department is offered in menus")
				}
			}
			if err := db.SetDepartmentActive(ctx, 424242, false); ErrorCode(err) != ENotFound {
				t.Fatalf("missing department: %v", err)
			}
		})
	})
}

func TestImportDepartments(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		demo, err := os.ReadFile("../cmd/govkpi/demodata/departments.csv")
		if err != nil {
			t.Fatal(err)
		}
		res, err := db.ImportDepartments(ctx, strings.NewReader(string(demo)))
		if err != nil {
			t.Fatalf("demo file refused: %v", err)
		}
		if res.Created < 55 || res.Updated != 0 {
			t.Fatalf("demo import: %+v", res)
		}
		// Importing the same file again updates and creates nothing.
		res2, err := db.ImportDepartments(ctx, strings.NewReader(string(demo)))
		if err != nil || res2.Created != 0 || res2.Updated != res.Created {
			t.Fatalf("re-import: %+v %v", res2, err)
		}

		t.Run("every problem reported, nothing stored", func(t *testing.T) {
			file := "\xef\xbb\xbf编码,中文名称,层级,上级编码,启用\r\n" +
				"NEW-1,新部门一,市,LJ,是\r\n" + // fine on its own
				"bad code,名称,city,,true\r\n" + // row 3: code
				"NEW-2,,district,LJ,true\r\n" + // row 4: name
				"NEW-3,名称三,galaxy,,true\r\n" + // row 5: level
				"NEW-1,重复,city,,true\r\n" + // row 6: duplicate code
				"NEW-4,名称四,city,,maybe\r\n" + // row 7: active
				"NEW-5,名称五,city\r\n" // row 8: field count
			_, err := db.ImportDepartments(ctx, strings.NewReader(file))
			var ie *ImportError
			if !errors.As(err, &ie) {
				t.Fatalf("want *ImportError, got %v", err)
			}
			want := map[[2]any]string{
				{3, "编码"}: "err.code_format", {4, "中文名称"}: "err.required", {5, "层级"}: "err.level",
				{6, "编码"}: "import.duplicate_code", {7, "启用"}: "import.active_value", {8, ""}: "import.field_count",
			}
			got := map[[2]any]string{}
			for _, r := range ie.Rows {
				got[[2]any{r.Row, r.Column}] = r.Key
			}
			for k, v := range want {
				if got[k] != v {
					t.Errorf("row %v column %q: got %q, want %q (all: %+v)", k[0], k[1], got[k], v, ie.Rows)
				}
			}
			if _, err := db.FindDepartmentByCode(ctx, "NEW-1"); ErrorCode(err) != ENotFound {
				t.Fatal("a refused import stored a row")
			}
		})
		t.Run("parents checked across the file", func(t *testing.T) {
			file := "code,name_zh,level,parent_code\n" +
				"C-2,子部门,street,C-1\n" + // parent later in the file: fine
				"C-1,父部门,district,LJ\n" +
				"C-3,孤儿,street,NOWHERE\n" +
				"C-4,甲,street,C-5\n" +
				"C-5,乙,street,C-4\n"
			_, err := db.ImportDepartments(ctx, strings.NewReader(file))
			var ie *ImportError
			if !errors.As(err, &ie) {
				t.Fatalf("want *ImportError, got %v", err)
			}
			keys := map[int]string{}
			for _, r := range ie.Rows {
				keys[r.Row] = r.Key
			}
			if keys[4] != "import.parent_unknown" || keys[5] != "err.parent_cycle" || keys[6] != "err.parent_cycle" || keys[2] != "" {
				t.Fatalf("got %+v", ie.Rows)
			}
			ok := "code,name_zh,level,parent_code\nC-2,子部门,street,C-1\nC-1,父部门,district,LJ\n"
			res, err := db.ImportDepartments(ctx, strings.NewReader(ok))
			if err != nil || res.Created != 2 {
				t.Fatalf("parent later in file: %+v %v", res, err)
			}
			d, _ := db.FindDepartmentByCode(ctx, "C-2")
			if d.ParentCode != "C-1" {
				t.Fatalf("parent not linked: %+v", d)
			}
		})
		t.Run("update keeps what the file leaves out", func(t *testing.T) {
			before, _ := db.FindDepartmentByCode(ctx, "LJ-GA")
			if err := db.SetDepartmentActive(ctx, before.ID, false); err != nil {
				t.Fatal(err)
			}
			res, err := db.ImportDepartments(ctx, strings.NewReader("编码,中文名称,层级\nLJ-GA,澜江市公安局（新）,市级\n"))
			if err != nil || res.Updated != 1 {
				t.Fatalf("%+v %v", res, err)
			}
			after, _ := db.FindDepartmentByCode(ctx, "LJ-GA")
			if after.NameZh != "澜江市公安局（新）" || after.NameEn != before.NameEn || after.ParentCode != before.ParentCode ||
				after.Category != before.Category || after.Active {
				t.Fatalf("fields the file did not give changed:\nbefore %+v\nafter  %+v", before, after)
			}
		})
		t.Run("level not below existing children", func(t *testing.T) {
			_, err := db.ImportDepartments(ctx, strings.NewReader("code,name_zh,level\nLJ-DH,东湖区人民政府,street\n"))
			var ie *ImportError
			if !errors.As(err, &ie) || ie.Rows[0].Key != "import.level_below_child" || ie.Rows[0].Row != 2 || ie.Rows[0].Column != "level" {
				t.Fatalf("got %v", err)
			}
			dh, _ := db.FindDepartmentByCode(ctx, "LJ-DH")
			_, err = db.UpdateDepartment(ctx, dh.ID, DepartmentInput{Code: "LJ-DH", NameZh: "东湖区", Level: "street", ParentCode: "LJ", Active: true})
			if fieldKey(err, "level") != "err.level_below_children" {
				t.Fatalf("edit form: %v", err)
			}
		})
		t.Run("invalid level reported once", func(t *testing.T) {
			_, err := db.ImportDepartments(ctx, strings.NewReader("code,name_zh,level,parent_code\nQ-1,甲,town,LJ\n"))
			var ie *ImportError
			if !errors.As(err, &ie) || len(ie.Rows) != 1 || ie.Rows[0].Key != "err.level" {
				t.Fatalf("got %+v", err)
			}
		})
		t.Run("header problems", func(t *testing.T) {
			for name, file := range map[string]string{
				"missing column": "code,name_zh\nA,b\n",
				"unknown column": "code,name_zh,level,colour\nA,b,city,red\n",
				"empty":          "",
				"not utf-8":      "code,name_zh,level\nA,\xb2\xe2\xca\xd4,city\n",
				"header only":    "code,name_zh,level\n",
			} {
				if _, err := db.ImportDepartments(ctx, strings.NewReader(file)); ErrorCode(err) == "" {
					t.Errorf("%s: accepted", name)
				} else if _, ok := err.(*ImportError); !ok {
					t.Errorf("%s: want *ImportError, got %v", name, err)
				}
			}
		})
	})
}
