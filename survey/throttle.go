package survey

import (
	"strings"
	"sync"
	"time"
)

// Throttle limits failed sign-ins per account name and per client address.
// It counts failures for names that do not exist exactly as for names that
// do, so being throttled reveals nothing about which accounts exist.
type Throttle struct {
	mu         sync.Mutex
	now        func() time.Time
	Window     time.Duration
	PerAccount int // failures per name within Window before refusing
	PerClient  int // failures per address within Window before refusing
	failures   map[string][]time.Time
	lastSweep  time.Time
}

// NewThrottle returns the default limits: 5 failures per name and 20 per
// address in 15 minutes.
func NewThrottle() *Throttle {
	return &Throttle{now: time.Now, Window: 15 * time.Minute, PerAccount: 5, PerClient: 20, failures: map[string][]time.Time{}}
}

func accountKey(name string) string { return "a:" + strings.ToLower(strings.TrimSpace(name)) }
func clientKey(ip string) string    { return "c:" + ip }

// Allowed reports whether a sign-in may be tried, and if not, how long until
// it may.
func (t *Throttle) Allowed(name, ip string) (bool, time.Duration) {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	wait := time.Duration(0)
	for key, limit := range map[string]int{accountKey(name): t.PerAccount, clientKey(ip): t.PerClient} {
		fs := t.recent(key, now)
		if len(fs) >= limit {
			if w := fs[len(fs)-limit].Add(t.Window).Sub(now); w > wait {
				wait = w
			}
		}
	}
	return wait == 0, wait
}

// Fail records a failed sign-in.
func (t *Throttle) Fail(name, ip string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	for _, key := range []string{accountKey(name), clientKey(ip)} {
		t.failures[key] = append(t.recent(key, now), now)
	}
	if now.Sub(t.lastSweep) > t.Window {
		for k := range t.failures {
			if len(t.recent(k, now)) == 0 {
				delete(t.failures, k)
			}
		}
		t.lastSweep = now
	}
}

// Succeed forgets the name's failures after a good sign-in.
func (t *Throttle) Succeed(name string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.failures, accountKey(name))
}

func (t *Throttle) recent(key string, now time.Time) []time.Time {
	fs, ok := t.failures[key]
	if !ok {
		return nil
	}
	i := 0
	for i < len(fs) && now.Sub(fs[i]) >= t.Window {
		i++
	}
	fs = fs[i:]
	// Keep memory bounded for a name under attack.
	if len(fs) > 64 {
		fs = fs[len(fs)-64:]
	}
	t.failures[key] = fs
	return fs
}
