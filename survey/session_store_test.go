package survey

import (
	"testing"
	"time"
)

type countingStore struct {
	commits int
	data    map[string][]byte
}

func (c *countingStore) Find(token string) ([]byte, bool, error) {
	b, ok := c.data[token]
	return b, ok, nil
}
func (c *countingStore) Commit(token string, b []byte, _ time.Time) error {
	c.commits++
	c.data[token] = b
	return nil
}
func (c *countingStore) Delete(token string) error { delete(c.data, token); return nil }

func TestLazyStoreSkipsUnchangedCommits(t *testing.T) {
	inner := &countingStore{data: map[string][]byte{}}
	l := newLazyStore(inner, nil, time.Minute, time.Hour)
	t0 := time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)
	steps := []struct {
		name   string
		data   string
		expiry time.Time
		writes int
	}{
		{"first commit", "a", t0, 1},
		{"same data, expiry 10 s later", "a", t0.Add(10 * time.Second), 1},
		{"same data, expiry 59 s later", "a", t0.Add(59 * time.Second), 1},
		{"same data, expiry past the slack", "a", t0.Add(61 * time.Second), 2},
		{"changed data", "b", t0.Add(62 * time.Second), 3},
		{"earlier expiry is written", "b", t0, 4},
	}
	for _, s := range steps {
		if err := l.Commit("tok", []byte(s.data), s.expiry); err != nil {
			t.Fatal(err)
		}
		if inner.commits != s.writes {
			t.Fatalf("%s: %d writes, want %d", s.name, inner.commits, s.writes)
		}
	}
	// A request that loaded the session before sign-out and commits after
	// it must not bring the session back.
	l.Delete("tok")
	l.Commit("tok", []byte("c"), t0.Add(time.Hour))
	if inner.commits != 4 || inner.data["tok"] != nil {
		t.Fatal("a signed-out session was written back")
	}
	if _, found, _ := l.Find("tok"); found {
		t.Fatal("a signed-out session was found")
	}
	l.Commit("new", []byte("d"), t0)
	if inner.commits != 5 {
		t.Fatal("a new session was not written")
	}
}
