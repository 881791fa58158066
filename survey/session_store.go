package survey

import (
	"crypto/sha256"
	"sync"
	"time"

	"github.com/alexedwards/scs/v2"
)

// lazyStore wraps the session store so that a request which changes nothing
// in the session does not write it. With an idle timeout scs commits every
// session on every request, only to move its expiry: that would make each
// page view a durable write through SQLite's single writer. lazyStore skips
// the write while the session data is unchanged and the expiry moved by less
// than slack, so the stored expiry is never more than slack behind and the
// idle timeout is honoured to within slack.
type lazyStore struct {
	scs.Store
	slack time.Duration
	now   func() time.Time

	mu   sync.Mutex
	seen map[string]commitMark
}

type commitMark struct {
	sum    [32]byte
	expiry time.Time
}

// maxMarks bounds the memory lazyStore uses; past it, marks of expired
// sessions are dropped, and if that is not enough, all of them (which only
// costs some writes).
const maxMarks = 100000

func newLazyStore(inner scs.Store, slack time.Duration) *lazyStore {
	return &lazyStore{Store: inner, slack: slack, now: time.Now, seen: map[string]commitMark{}}
}

// Commit writes the session unless an identical one was written with an
// expiry less than slack earlier.
func (l *lazyStore) Commit(token string, b []byte, expiry time.Time) error {
	sum := sha256.Sum256(b)
	l.mu.Lock()
	m, ok := l.seen[token]
	l.mu.Unlock()
	if ok && m.sum == sum && !expiry.Before(m.expiry) && expiry.Sub(m.expiry) < l.slack {
		return nil
	}
	if err := l.Store.Commit(token, b, expiry); err != nil {
		return err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.seen) >= maxMarks {
		now := l.now()
		for t, m := range l.seen {
			if m.expiry.Before(now) {
				delete(l.seen, t)
			}
		}
		if len(l.seen) >= maxMarks {
			l.seen = map[string]commitMark{}
		}
	}
	l.seen[token] = commitMark{sum: sum, expiry: expiry}
	return nil
}

// Delete removes the session and forgets its mark.
func (l *lazyStore) Delete(token string) error {
	l.mu.Lock()
	delete(l.seen, token)
	l.mu.Unlock()
	return l.Store.Delete(token)
}
