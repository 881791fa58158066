package survey

import (
	"net/netip"
	"strings"
	"sync"
	"time"
)

// Throttle limits failed sign-ins per account name from one address, per
// account name overall, and per address. It counts failures for names that
// do not exist exactly as for names that do, so being throttled reveals
// nothing about which accounts exist. The strict limit is per name and
// address, so one stranger cannot lock a known account (say "admin") out for
// everyone; the looser overall limit still caps guesses from many addresses.
type Throttle struct {
	mu         sync.Mutex
	now        func() time.Time
	Window     time.Duration
	PerAccount int // failures per name from one address within Window
	PerNameAll int // failures per name from all addresses within Window
	PerClient  int // failures per address within Window
	failures   map[string][]time.Time
	lastSweep  time.Time
}

// NewThrottle returns the default limits within 15 minutes: 5 failures per
// name and address, 50 per name, 20 per address.
func NewThrottle() *Throttle {
	return &Throttle{now: time.Now, Window: 15 * time.Minute, PerAccount: 5, PerNameAll: 50, PerClient: 20,
		failures: map[string][]time.Time{}}
}

// normName bounds the name: a 1 MiB user name must not become a 1 MiB key.
func normName(name string) string {
	name = strings.ToLower(strings.TrimSpace(name))
	if len(name) > 64 {
		name = name[:64]
	}
	return name
}

// normClient groups IPv6 addresses by /64, the block one subscriber holds.
func normClient(ip string) string {
	if a, err := netip.ParseAddr(ip); err == nil && a.Is6() && !a.Is4In6() {
		p, _ := a.Prefix(64)
		return p.String()
	}
	return ip
}

func (t *Throttle) keys(name, ip string) map[string]int {
	n, c := normName(name), normClient(ip)
	return map[string]int{"n:" + n + "|" + c: t.PerAccount, "a:" + n: t.PerNameAll, "c:" + c: t.PerClient}
}

// Allowed reports whether a sign-in may be tried, and if not, how long until
// it may.
func (t *Throttle) Allowed(name, ip string) (bool, time.Duration) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.allowed(name, ip)
}

// Reserve is Allowed and Fail in one step: the attempt is counted as a
// failure before the password is checked, so concurrent attempts cannot all
// pass the check; Succeed takes a good attempt back.
func (t *Throttle) Reserve(name, ip string) (bool, time.Duration) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if ok, wait := t.allowed(name, ip); !ok {
		return false, wait
	}
	t.fail(name, ip)
	return true, 0
}

func (t *Throttle) allowed(name, ip string) (bool, time.Duration) {
	now := t.now()
	wait := time.Duration(0)
	for key, limit := range t.keys(name, ip) {
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
	t.fail(name, ip)
}

func (t *Throttle) fail(name, ip string) {
	now := t.now()
	for key := range t.keys(name, ip) {
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

// Succeed forgets the name's failures after a good sign-in, and takes back
// the attempt Reserve counted against the address.
func (t *Throttle) Succeed(name, ip string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	n, c := normName(name), normClient(ip)
	delete(t.failures, "n:"+n+"|"+c)
	delete(t.failures, "a:"+n)
	if fs := t.failures["c:"+c]; len(fs) > 0 {
		t.failures["c:"+c] = fs[:len(fs)-1]
	}
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

// refusalAuditBurst is how many refused requests per client per minute are
// written to the audit log.
const refusalAuditBurst = 30

// windowLimiter allows n events per key per window.
type windowLimiter struct {
	mu     sync.Mutex
	n      int
	window time.Duration
	start  time.Time
	counts map[string]int
}

func newWindowLimiter(n int, window time.Duration) *windowLimiter {
	return &windowLimiter{n: n, window: window, counts: map[string]int{}}
}

// allow counts an event for key and reports whether it is within the limit.
func (l *windowLimiter) allow(key string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if now := time.Now(); now.Sub(l.start) > l.window {
		l.start, l.counts = now, map[string]int{}
	}
	l.counts[key]++
	return l.counts[key] <= l.n
}
