package survey

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/jmoiron/sqlx"
)

// Group commit. SQLite has one writer and a durable commit costs an fsync
// (synchronous=FULL), so writes that arrive together are run in one
// transaction and made durable by one commit. Each write still runs in its
// own savepoint: one that fails is rolled back alone and its caller gets
// its error, the others are committed. A caller returns only after the
// commit that holds its write, so a reply still means stored. On
// PostgreSQL, whose server batches concurrent commits itself, a write is an
// ordinary transaction.

// maxBatch bounds the writes one commit carries, which bounds the time a
// batch holds the writer.
const maxBatch = 256

// errClosed answers writes that arrive after the database was closed.
var errClosed = errors.New("database closed")

type batchJob struct {
	ctx context.Context
	fn  func(tx *sqlx.Tx) error
	err chan error
}

type batcher struct {
	db   *DB
	jobs chan *batchJob
	quit chan struct{}
	done chan struct{}
	once sync.Once
}

func startBatcher(db *DB) *batcher {
	b := &batcher{db: db, jobs: make(chan *batchJob), quit: make(chan struct{}), done: make(chan struct{})}
	go b.loop()
	return b
}

// inBatch runs fn as one write of the next group commit and returns once
// that commit is durable (or fn's own error). fn must only use tx.
func (db *DB) inBatch(ctx context.Context, fn func(tx *sqlx.Tx) error) error {
	if db.batch == nil {
		return db.inTx(ctx, fn)
	}
	j := &batchJob{ctx: ctx, fn: fn, err: make(chan error, 1)}
	select {
	case db.batch.jobs <- j:
	case <-ctx.Done():
		return ctx.Err()
	case <-db.batch.quit:
		return errClosed
	}
	// Once queued the write is waited for even if the client leaves, so
	// what the log and the database say always agree.
	return <-j.err
}

func (b *batcher) loop() {
	defer close(b.done)
	for {
		var first *batchJob
		select {
		case first = <-b.jobs:
		case <-b.quit:
			return
		}
		batch := []*batchJob{first}
	collect:
		for len(batch) < maxBatch {
			select {
			case j := <-b.jobs:
				batch = append(batch, j)
			default:
				break collect
			}
		}
		b.run(batch)
	}
}

// run executes one batch in one transaction and answers every job.
func (b *batcher) run(batch []*batchJob) {
	errs := make([]error, len(batch))
	defer func() {
		for i, j := range batch {
			j.err <- errs[i]
		}
	}()
	ctx := context.Background()
	tx, err := b.db.W.BeginTxx(ctx, nil)
	if err != nil {
		for i := range errs {
			errs[i] = fmt.Errorf("begin: %w", err)
		}
		return
	}
	stored := 0
	for i, j := range batch {
		if err := j.ctx.Err(); err != nil {
			errs[i] = err // the client left before its write began
			continue
		}
		if errs[i] = b.runJob(j, tx); errs[i] == nil {
			stored++
		}
	}
	if stored == 0 {
		tx.Rollback()
		return
	}
	if err := tx.Commit(); err != nil {
		for i := range errs {
			if errs[i] == nil {
				errs[i] = fmt.Errorf("commit: %w", err)
			}
		}
	}
}

// runJob runs one write in a savepoint, rolling it back when it fails or
// panics. Its statements ignore the client's cancellation (a cancelled
// statement would interrupt the shared connection) but keep its values,
// such as the actor.
func (b *batcher) runJob(j *batchJob, tx *sqlx.Tx) (err error) {
	ctx := context.WithoutCancel(j.ctx)
	if _, err := b.db.write(ctx, tx, "batch-savepoint").ExecContext(ctx); err != nil {
		return fmt.Errorf("savepoint: %w", err)
	}
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("write panicked: %v", p)
		}
		if err != nil {
			if _, rerr := b.db.write(ctx, tx, "batch-rollback").ExecContext(ctx); rerr != nil {
				err = errors.Join(err, fmt.Errorf("rollback to savepoint: %w", rerr))
			}
		}
		if _, rerr := b.db.write(ctx, tx, "batch-release").ExecContext(ctx); rerr != nil && err == nil {
			err = fmt.Errorf("release savepoint: %w", rerr)
		}
	}()
	return j.fn(tx)
}

// stop ends the loop after the batch in progress; later writes get
// errClosed.
func (b *batcher) stop() {
	b.once.Do(func() { close(b.quit) })
	<-b.done
}
