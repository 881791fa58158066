package survey

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"

	"github.com/jmoiron/sqlx"
)

// TestGroupCommit sends many writes at once through the group commit: the
// ones that fail (a stale draft version, an error, a panic) are undone
// alone, every other one is stored, and each caller gets its own outcome.
func TestGroupCommit(t *testing.T) {
	ctx := context.Background()
	db, err := Open(ctx, filepath.Join(t.TempDir(), "batch.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	const n = 300
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = db.inBatch(ctx, func(tx *sqlx.Tx) error {
				if err := db.auditChange(ctx, tx, "test.batch", "job", itoa(int64(i)), ""); err != nil {
					return err
				}
				switch i % 10 {
				case 3:
					return Errorf(EConflict, "err.draft_stale")
				case 7:
					panic("job panics")
				}
				return nil
			})
		}()
	}
	wg.Wait()
	for i, err := range errs {
		switch i % 10 {
		case 3:
			if ErrorCode(err) != EConflict {
				t.Fatalf("job %d: %v, want its conflict", i, err)
			}
		case 7:
			if err == nil {
				t.Fatalf("job %d panicked but reports success", i)
			}
		default:
			if err != nil {
				t.Fatalf("job %d: %v", i, err)
			}
		}
	}
	var stored []string
	if err := db.W.Select(&stored, "SELECT object_id FROM audit_log WHERE action = 'test.batch'"); err != nil {
		t.Fatal(err)
	}
	if len(stored) != n*8/10 {
		t.Fatalf("%d writes stored, want %d", len(stored), n*8/10)
	}
	for _, id := range stored {
		var i int
		fmt.Sscan(id, &i)
		if i%10 == 3 || i%10 == 7 {
			t.Fatalf("failed job %d was stored", i)
		}
	}

	// A client that has gone before its write begins stores nothing.
	gone, cancel := context.WithCancel(ctx)
	cancel()
	if err := db.inBatch(gone, func(tx *sqlx.Tx) error { return nil }); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled write: %v", err)
	}
	db.Close()
	if err := db.inBatch(ctx, func(tx *sqlx.Tx) error { return nil }); err == nil {
		t.Fatal("a write after close succeeded")
	}
}
