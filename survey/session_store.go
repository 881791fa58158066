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
//
// It also keeps a tombstone for every session it deletes (sign-out,
// password change), for as long as a session can live: a request that loaded
// the session before the sign-out and finishes after it must not write the
// session back (scs commits with an upsert). Tombstones are per process.
//
// Reads go to reader (SQLite's read-only pool) so a long write transaction
// does not hold up every page; writes go to the embedded store.
type lazyStore struct {
	scs.Store
	reader   scs.Store
	slack    time.Duration
	lifetime time.Duration
	now      func() time.Time

	mu    sync.Mutex
	seen  map[string]commitMark
	tombs map[string]time.Time // deleted token → when
}

type commitMark struct {
	sum    [32]byte
	expiry time.Time
}

// maxMarks bounds the memory lazyStore uses; past it, marks of expired
// sessions are dropped, and if that is not enough, all of them (which only
// costs some writes).
const maxMarks = 100000

func newLazyStore(inner, reader scs.Store, slack, lifetime time.Duration) *lazyStore {
	if reader == nil {
		reader = inner
	}
	return &lazyStore{Store: inner, reader: reader, slack: slack, lifetime: lifetime, now: time.Now,
		seen: map[string]commitMark{}, tombs: map[string]time.Time{}}
}

// Find reads through the reader.
func (l *lazyStore) Find(token string) ([]byte, bool, error) {
	l.mu.Lock()
	_, dead := l.tombs[token]
	l.mu.Unlock()
	if dead {
		return nil, false, nil
	}
	return l.reader.Find(token)
}

// Commit writes the session unless an identical one was written with an
// expiry less than slack earlier.
func (l *lazyStore) Commit(token string, b []byte, expiry time.Time) error {
	sum := sha256.Sum256(b)
	l.mu.Lock()
	m, ok := l.seen[token]
	_, dead := l.tombs[token]
	l.mu.Unlock()
	if dead {
		return nil // signed out while this request ran: do not bring it back
	}
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

// Delete removes the session, forgets its mark and keeps a tombstone.
func (l *lazyStore) Delete(token string) error {
	l.mu.Lock()
	delete(l.seen, token)
	now := l.now()
	l.tombs[token] = now
	if len(l.tombs) > maxMarks {
		for t, at := range l.tombs {
			if now.Sub(at) > l.lifetime {
				delete(l.tombs, t)
			}
		}
	}
	l.mu.Unlock()
	return l.Store.Delete(token)
}
