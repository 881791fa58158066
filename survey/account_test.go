package survey

import (
	"context"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/alexedwards/scs/pgxstore"
	"github.com/alexedwards/scs/sqlite3store"
)

func TestPasswordHash(t *testing.T) {
	h, err := HashPassword("正确的马电池订书钉")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Fatalf("not a PHC argon2id string: %s", h)
	}
	if !CheckPassword(h, "正确的马电池订书钉") || CheckPassword(h, "正确的马电池订书") {
		t.Fatal("check gives the wrong answer")
	}
	h2, _ := HashPassword("正确的马电池订书钉")
	if h == h2 {
		t.Fatal("two hashes of one password are equal: no salt")
	}
	for _, bad := range []string{"", "$argon2id$", "$argon2i$v=19$m=19456,t=2,p=1$AAAA$AAAA", "$argon2id$v=19$m=99999999,t=2,p=1$AAAA$AAAA"} {
		if CheckPassword(bad, "x") {
			t.Errorf("malformed hash %q matched", bad)
		}
	}
}

func TestAccountStore(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		mustDept(t, db, "LJ-ZSJ", "澜江市政务服务和数据管理局", "city", "")
		const pw = "a long enough pass"

		_, err := db.CreateAccount(ctx, AccountInput{Username: "o1", Role: RoleOfficial, Password: pw})
		if fieldKey(err, "department") != "err.official_needs_department" {
			t.Fatalf("official without department: %v", err)
		}
		_, err = db.CreateAccount(ctx, AccountInput{Username: "o1", Role: RoleOfficial, DepartmentCode: "NOPE", Password: pw})
		if fieldKey(err, "department") != "err.department_unknown" {
			t.Fatalf("unknown department: %v", err)
		}
		_, err = db.CreateAccount(ctx, AccountInput{Username: "o1", Role: "root", Password: "short"})
		if fieldKey(err, "role") == "" || fieldKey(err, "password") != "err.password_short" {
			t.Fatalf("bad role and password: %v", err)
		}
		a, err := db.CreateAccount(ctx, AccountInput{Username: " Chen.Shu ", DisplayName: "陈数据", Role: RoleOfficial, DepartmentCode: "lj-zsj", Password: pw})
		if err != nil {
			t.Fatal(err)
		}
		if a.Username != "chen.shu" || a.DepartmentCode != "LJ-ZSJ" || a.SessionEpoch != 1 {
			t.Fatalf("stored %+v", a)
		}
		if _, err := db.CreateAccount(ctx, AccountInput{Username: "chen.shu", Role: RoleAdmin, Password: pw}); ErrorCode(err) != EConflict {
			t.Fatalf("duplicate user name: %v", err)
		}

		if got, err := db.Authenticate(ctx, "CHEN.SHU", pw); err != nil || got.ID != a.ID {
			t.Fatalf("good sign-in refused: %v", err)
		}
		for name, try := range map[string][2]string{"wrong password": {"chen.shu", "wrong password!"}, "unknown": {"nobody", pw}} {
			if _, err := db.Authenticate(ctx, try[0], try[1]); ErrorCode(err) != EUnauth {
				t.Errorf("%s: got %v", name, err)
			}
		}
		if err := db.SetPassword(ctx, a.ID, a.Username, "another long one"); err != nil {
			t.Fatal(err)
		}
		a2, _ := db.FindAccountByID(ctx, a.ID)
		if a2.SessionEpoch != 2 {
			t.Fatalf("password change did not move the session epoch: %d", a2.SessionEpoch)
		}
		if _, err := db.Authenticate(ctx, "chen.shu", pw); ErrorCode(err) != EUnauth {
			t.Fatal("old password still works")
		}
		if err := db.SetAccountDisabled(ctx, a.ID, true); err != nil {
			t.Fatal(err)
		}
		if _, err := db.Authenticate(ctx, "chen.shu", "another long one"); ErrorCode(err) != EUnauth {
			t.Fatal("disabled account signed in")
		}
		if err := db.SetAccountLang(ctx, a.ID, "fr"); ErrorCode(err) != EInvalid {
			t.Fatalf("unsupported language: %v", err)
		}
		if err := db.SetPassword(ctx, 9999, "x", "long enough password"); ErrorCode(err) != ENotFound {
			t.Fatalf("missing account: %v", err)
		}
		list, total, err := db.FindAccounts(ctx, AccountFilter{Query: "陈"})
		if err != nil || total != 1 || list[0].DisplayName != "陈数据" {
			t.Fatalf("search: %d %v", total, err)
		}
	})
}

func TestThrottle(t *testing.T) {
	th := NewThrottle()
	now := th.now()
	th.now = func() time.Time { return now }
	for i := 0; i < 5; i++ {
		if ok, _ := th.Allowed("admin", "10.0.0.1"); !ok {
			t.Fatalf("refused after %d failures", i)
		}
		th.Fail("admin", "10.0.0.1")
	}
	ok, wait := th.Allowed("ADMIN", "10.0.0.1")
	if ok || wait <= 0 || wait > 15*time.Minute {
		t.Fatalf("sixth try for the same name from the same address: ok=%v wait=%v", ok, wait)
	}
	// Another address may still try: a stranger cannot lock the name out
	// for everyone with five requests.
	if ok, _ := th.Allowed("admin", "10.0.0.2"); !ok {
		t.Fatal("five failures from one address locked the name out everywhere")
	}
	// But the name has an overall limit across addresses.
	for i := 0; i < 50; i++ {
		th.Fail("root", "172.16.0."+strconv.Itoa(i))
	}
	if ok, _ := th.Allowed("root", "192.0.2.1"); ok {
		t.Fatal("no overall limit per name")
	}
	// IPv6 clients are grouped by /64.
	for i := 0; i < 20; i++ {
		th.Fail("n"+strconv.Itoa(i), "2001:db8:1:2::"+strconv.Itoa(i+1))
	}
	if ok, _ := th.Allowed("other", "2001:db8:1:2:ffff::1"); ok {
		t.Fatal("IPv6 addresses of one /64 counted apart")
	}
	// Reserve counts the attempt before the password is checked.
	th2 := NewThrottle()
	passed := 0
	for i := 0; i < 20; i++ {
		if ok, _ := th2.Reserve("bob", "10.9.9.9"); ok {
			passed++
		}
	}
	if passed != 5 {
		t.Fatalf("%d concurrent attempts passed, want 5", passed)
	}
	// A name that does not exist is throttled exactly the same way.
	for i := 0; i < 5; i++ {
		th.Fail("no-such-user", "10.0.0.3")
	}
	if ok, _ := th.Allowed("no-such-user", "10.0.0.3"); ok {
		t.Fatal("unknown name not throttled")
	}
	// Per address: 20 failures over many names.
	for i := 0; i < 20; i++ {
		th.Fail("user"+strconv.Itoa(i), "10.0.0.9")
	}
	if ok, _ := th.Allowed("fresh-name", "10.0.0.9"); ok {
		t.Fatal("address not throttled after 20 failures")
	}
	now = now.Add(16 * time.Minute)
	if ok, _ := th.Allowed("admin", "10.0.0.9"); !ok {
		t.Fatal("still throttled after the window")
	}
}

func TestBackup(t *testing.T) {
	dir := t.TempDir()
	db, err := Open(context.Background(), dir+"/live.db")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	mustDept(t, db, "LJ", "澜江市人民政府", "city", "")
	if err := db.Backup(context.Background(), dir+"/copy.db"); err != nil {
		t.Fatal(err)
	}
	cp, err := Open(context.Background(), dir+"/copy.db")
	if err != nil {
		t.Fatal(err)
	}
	defer cp.Close()
	if d, err := cp.FindDepartmentByCode(context.Background(), "LJ"); err != nil || d.NameZh != "澜江市人民政府" {
		t.Fatalf("copy lacks data: %v", err)
	}
	// The database and its copy hold password hashes: owner-only.
	for _, f := range []string{dir + "/live.db", dir + "/live.db-wal", dir + "/copy.db"} {
		st, err := os.Stat(f)
		if err != nil {
			t.Fatal(err)
		}
		if st.Mode().Perm()&0o077 != 0 {
			t.Errorf("%s has mode %v, want owner-only", f, st.Mode().Perm())
		}
	}
}

func TestDeleteExpiredSessions(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *DB) {
		var store interface {
			Commit(string, []byte, time.Time) error
			Find(string) ([]byte, bool, error)
		}
		if db.Dialect == Postgres {
			store = pgxstore.NewWithCleanupInterval(db.Pool, 0)
		} else {
			store = sqlite3store.NewWithCleanupInterval(db.W.DB, 0)
		}
		store.Commit("old", []byte("x"), time.Now().Add(-time.Hour))
		store.Commit("live", []byte("y"), time.Now().Add(time.Hour))
		n, err := db.DeleteExpiredSessions(context.Background())
		if err != nil || n != 1 {
			t.Fatalf("deleted %d, %v; want 1", n, err)
		}
		if _, ok, _ := store.Find("live"); !ok {
			t.Fatal("a live session was deleted")
		}
	})
}
