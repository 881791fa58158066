package survey

import (
	"context"
	"database/sql"
	"net/http/httptest"
	"testing"
)

func TestDepartmentScope(t *testing.T) {
	own := sql.NullInt64{Int64: 7, Valid: true}
	cases := []struct {
		name        string
		a           *Account
		dept        int64
		read, write bool
	}{
		{"signed out", nil, 7, false, false},
		{"admin", &Account{Role: RoleAdmin}, 7, true, true},
		{"evaluator reads only", &Account{Role: RoleEvaluator}, 7, true, false},
		{"official, own department", &Account{Role: RoleOfficial, DepartmentID: own}, 7, true, true},
		{"official, another department", &Account{Role: RoleOfficial, DepartmentID: own}, 8, false, false},
		{"official without a department", &Account{Role: RoleOfficial}, 7, false, false},
		{"unknown role", &Account{Role: "root", DepartmentID: own}, 7, false, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := CanSeeDepartment(c.a, c.dept); got != c.read {
				t.Errorf("read: %v, want %v", got, c.read)
			}
			if got := CanChangeDepartment(c.a, c.dept); got != c.write {
				t.Errorf("write: %v, want %v", got, c.write)
			}
		})
	}
	// The server's check refuses with EForbidden and audits the refusal.
	app := newTestApp(t)
	a, _ := app.db.FindAccountByUsername(context.Background(), "official2")
	r := httptest.NewRequest("GET", "/x", nil)
	r = r.WithContext(context.WithValue(r.Context(), ctxAccount, a))
	if err := app.srv.requireDepartment(r, a.DepartmentID.Int64+1000, false); ErrorCode(err) != EForbidden {
		t.Fatalf("another department: %v", err)
	}
	if err := app.srv.requireDepartment(r, a.DepartmentID.Int64, true); err != nil {
		t.Fatalf("own department: %v", err)
	}
	if entries, _ := app.db.FindAudit(context.Background(), AuditFilter{Action: "authz."}); len(entries) != 1 {
		t.Fatalf("%d refusal rows, want 1", len(entries))
	}
}
