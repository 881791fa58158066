package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"text/tabwriter"
	"time"

	"govkpi/survey"
)

// The load command drives a running server over HTTP, as many clients at
// once, for the performance budgets in DESIGN.md. Each scenario is one kind
// of traffic; the runner opens the clients, keeps the clock and counts.

// loadScenario is one kind of traffic. setup runs once per client before
// the clock starts (to fetch a form, say); request sends the client's n-th
// request and returns the reply's status; stored counts the database rows
// the scenario's successful replies add, for the --db check.
type loadScenario interface {
	name() string
	setup(ctx context.Context, c *loadClient) error
	request(ctx context.Context, c *loadClient, n int) (status int, err error)
	stored(ctx context.Context, db *survey.DB) (int64, error)
}

// loadClient is one simulated visitor: its own cookie jar over the shared
// keep-alive transport, and what its scenario's setup kept.
type loadClient struct {
	id    int
	base  string // the server's URL, without a trailing slash
	http  *http.Client
	token string // the form's csrf token
}

// loadOptions bound a run in time and count.
type loadOptions struct {
	clients  int
	duration time.Duration
	requests int64 // 0: no cap
}

// loadReport is what a run measured; --json prints it as is.
type loadReport struct {
	Scenario    string           `json:"scenario"`
	URL         string           `json:"url"`
	Target      string           `json:"target,omitempty"` // the rating link's slug, say
	Clients     int              `json:"clients"`
	Seconds     float64          `json:"seconds"`
	Requests    int64            `json:"requests"`
	Successes   int64            `json:"successes"` // 2xx and 303 replies
	Failed      int64            `json:"failed"`
	PerSecond   float64          `json:"requests_per_second"`
	P50Ms       float64          `json:"p50_ms"`
	P95Ms       float64          `json:"p95_ms"`
	P99Ms       float64          `json:"p99_ms"`
	MaxMs       float64          `json:"max_ms"`
	Errors      map[string]int64 `json:"errors"`           // by kind: "status 429", "transport: connection reset"
	Stored      *int64           `json:"stored,omitempty"` // rows added during the run, with --db
	StoredOK    *bool            `json:"stored_ok,omitempty"`
	Interrupted bool             `json:"interrupted,omitempty"`
}

const loadUsage = `usage: govkpi load --url URL --scenario rating [--link SLUG] [--clients 64] [--duration 30s] [--requests N] [--db PATH] [--json]
       govkpi load --url URL --scenario page --path /dashboard/runs/1 --user NAME [--clients 8] [--duration 30s] [--json]

Drives a running govkpi server with many clients at once and reports
requests/s, latency percentiles and errors by kind. With --db (the server's
database, read only) it also checks that every successful reply stored
exactly one row. Exit status 1 when any request failed or the count differs.
Only loopback URLs are accepted unless --allow-remote is given.

Scenarios:
  rating   each client opens the public rating page /r/{link} once, then
           posts ratings with varied levels and channels
  page     each client signs in as --user (password from the environment
           variable GOVKPI_LOAD_PASSWORD) once, then reads --path again and
           again, a signed-in page such as a run's dashboard; only a 200
           counts as a success

Flags:
`

func cmdLoad(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	fs := flag.NewFlagSet("load", flag.ContinueOnError)
	fs.Usage = func() { fmt.Fprint(fs.Output(), loadUsage); fs.PrintDefaults() }
	rawURL := fs.String("url", "", "the server's base URL, e.g. http://127.0.0.1:8080")
	scenario := fs.String("scenario", "rating", "what to send: rating or page")
	path := fs.String("path", "", "page: the path to read, e.g. /dashboard/runs/1")
	user := fs.String("user", "", "page: the account to sign in as (password in GOVKPI_LOAD_PASSWORD)")
	link := fs.String("link", "", "rating link slug (default with --db: the first active link)")
	clients := fs.Int("clients", 64, "clients at once, each on its own keep-alive connection")
	duration := fs.Duration("duration", 30*time.Second, "how long to send requests")
	requests := fs.Int64("requests", 0, "stop after this many requests (0: only --duration bounds the run)")
	dbPath := fs.String("db", "", "the server's database (SQLite path or postgres:// DSN), read to check what was stored")
	asJSON := fs.Bool("json", false, "print the figures as one JSON object")
	allowRemote := fs.Bool("allow-remote", false, "allow a URL that is not on this machine (never a production server)")
	if err := parseFlags(fs, args, stdout, nil); err != nil {
		return helpOK(err)
	}
	if *rawURL == "" {
		return &usageError{"load: --url is required"}
	}
	if *scenario != "rating" && *scenario != "page" {
		return &usageError{fmt.Sprintf("load: --scenario %q: want rating or page", *scenario)}
	}
	if *scenario == "page" && (!strings.HasPrefix(*path, "/") || *user == "" || getenv("GOVKPI_LOAD_PASSWORD") == "") {
		return &usageError{"load: --scenario page needs --path /…, --user and the password in GOVKPI_LOAD_PASSWORD"}
	}
	if *clients < 1 || *duration <= 0 || *requests < 0 {
		return &usageError{"load: --clients must be ≥ 1, --duration > 0 and --requests ≥ 0"}
	}
	base, err := loadURL(ctx, *rawURL, *allowRemote)
	if err != nil {
		return err
	}
	var db *survey.DB
	if *dbPath != "" {
		if db, err = openLoadDB(ctx, *dbPath); err != nil {
			return err
		}
		defer db.Close()
	}
	var sc loadScenario
	var target string
	if *scenario == "page" {
		if db != nil {
			return &usageError{"load: --scenario page stores nothing: leave out --db"}
		}
		sc, target = &pageScenario{path: *path, user: *user, password: getenv("GOVKPI_LOAD_PASSWORD")}, *path
	} else {
		rs, err := newRatingScenario(ctx, db, *link)
		if err != nil {
			return err
		}
		sc, target = rs, rs.slug
	}
	rep, err := runLoad(ctx, sc, base, db, loadOptions{clients: *clients, duration: *duration, requests: *requests})
	if err != nil {
		return err
	}
	rep.Target = target
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", " ")
		if err := enc.Encode(rep); err != nil {
			return err
		}
	} else {
		rep.writeText(stdout)
	}
	return rep.verdict()
}

// loadURL checks the base URL: http or https, and on this machine unless
// remote servers are allowed, so a typo cannot hammer a production server.
func loadURL(ctx context.Context, raw string, allowRemote bool) (string, error) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", &usageError{fmt.Sprintf("load: --url %q: want http://host:port or https://host:port", raw)}
	}
	if !allowRemote {
		if ok, err := isLoopback(ctx, u.Hostname()); err != nil || !ok {
			return "", &usageError{fmt.Sprintf("load: --url %q is not a loopback address; give --allow-remote to load a server elsewhere (never a production one)", raw)}
		}
	}
	return strings.TrimSuffix(u.Scheme+"://"+u.Host+u.Path, "/"), nil
}

// isLoopback reports whether host is a loopback address or a name that
// resolves to loopback addresses only.
func isLoopback(ctx context.Context, host string) (bool, error) {
	if ip := net.ParseIP(host); ip != nil {
		return ip.IsLoopback(), nil
	}
	addrs, err := net.DefaultResolver.LookupIPAddr(ctx, host)
	if err != nil || len(addrs) == 0 {
		return false, err
	}
	for _, a := range addrs {
		if !a.IP.IsLoopback() {
			return false, nil
		}
	}
	return true, nil
}

// openLoadDB opens the server's database without migrating it: the load
// command only reads. A SQLite file must exist (opening would create one).
func openLoadDB(ctx context.Context, dsn string) (*survey.DB, error) {
	if !survey.IsPostgres(dsn) {
		file, err := survey.SQLiteFile(dsn)
		if err != nil {
			return nil, &usageError{"load: --db: " + err.Error()}
		}
		if _, err := os.Stat(file); err != nil {
			return nil, &usageError{fmt.Sprintf("load: --db: %v", err)}
		}
	}
	db, err := survey.OpenNoMigrate(ctx, dsn)
	if err != nil {
		return nil, fmt.Errorf("database %s: %w", redactDSN(dsn), err)
	}
	return db, nil
}

// runLoad sets every client up, sends requests from all of them until the
// duration is over or the request cap is reached, and measures. Requests in
// flight when the time is up are finished, not cancelled: a cancelled
// request may still be stored, which would spoil the stored check.
func runLoad(ctx context.Context, sc loadScenario, base string, db *survey.DB, o loadOptions) (*loadReport, error) {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConns = o.clients
	tr.MaxIdleConnsPerHost = o.clients
	defer tr.CloseIdleConnections()
	clients := make([]*loadClient, o.clients)
	for i := range clients {
		jar, _ := cookiejar.New(nil)
		clients[i] = &loadClient{id: i, base: base, http: &http.Client{
			Transport: tr, Jar: jar, Timeout: 30 * time.Second,
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		}}
		if err := sc.setup(ctx, clients[i]); err != nil {
			return nil, fmt.Errorf("load: client %d setup: %w", i+1, err)
		}
	}
	var before int64
	if db != nil {
		var err error
		if before, err = sc.stored(ctx, db); err != nil {
			return nil, err
		}
	}
	rctx := context.WithoutCancel(ctx)
	var (
		next      atomic.Int64
		mu        sync.Mutex
		latencies []time.Duration
		errs      = map[string]int64{}
		successes int64
		wg        sync.WaitGroup
	)
	start := time.Now()
	deadline := start.Add(o.duration)
	for _, c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var mine []time.Duration
			myErrs := map[string]int64{}
			var ok int64
			for ctx.Err() == nil && time.Now().Before(deadline) {
				n := next.Add(1)
				if o.requests > 0 && n > o.requests {
					break
				}
				t0 := time.Now()
				status, err := sc.request(rctx, c, int(n))
				mine = append(mine, time.Since(t0))
				switch {
				case err != nil:
					myErrs[transportKind(err)]++
				case status/100 == 2 || status == http.StatusSeeOther:
					ok++
				default:
					myErrs["status "+strconv.Itoa(status)]++
				}
			}
			mu.Lock()
			defer mu.Unlock()
			latencies = append(latencies, mine...)
			for k, v := range myErrs {
				errs[k] += v
			}
			successes += ok
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	rep := &loadReport{Scenario: sc.name(), URL: base, Clients: o.clients, Seconds: elapsed.Seconds(),
		Requests: int64(len(latencies)), Successes: successes, Errors: errs, Interrupted: ctx.Err() != nil}
	rep.Failed = rep.Requests - successes
	rep.PerSecond = float64(rep.Requests) / elapsed.Seconds()
	slices.Sort(latencies)
	rep.P50Ms, rep.P95Ms, rep.P99Ms = percentileMs(latencies, 0.50), percentileMs(latencies, 0.95), percentileMs(latencies, 0.99)
	if len(latencies) > 0 {
		rep.MaxMs = ms(latencies[len(latencies)-1])
	}
	if db != nil {
		after, err := sc.stored(rctx, db)
		if err != nil {
			return nil, err
		}
		added, ok := after-before, after-before == successes
		rep.Stored, rep.StoredOK = &added, &ok
	}
	return rep, nil
}

// percentileMs is the nearest-rank percentile of sorted durations, in ms.
func percentileMs(sorted []time.Duration, p float64) float64 {
	if len(sorted) == 0 {
		return 0
	}
	i := int(math.Ceil(p*float64(len(sorted)))) - 1
	return ms(sorted[max(i, 0)])
}

func ms(d time.Duration) float64 { return math.Round(float64(d.Microseconds())/10) / 100 }

// transportKind names a request that got no reply.
func transportKind(err error) string {
	var ne net.Error
	switch {
	case errors.Is(err, syscall.ECONNREFUSED):
		return "transport: connection refused"
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE):
		return "transport: connection reset"
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return "transport: connection closed"
	case errors.As(err, &ne) && ne.Timeout():
		return "transport: timeout"
	}
	return "transport: other"
}

// verdict is the exit status: an error when any request failed or the
// database does not hold one row per success.
func (r *loadReport) verdict() error {
	var problems []string
	if r.Failed > 0 {
		problems = append(problems, fmt.Sprintf("%d of %d requests failed", r.Failed, r.Requests))
	}
	if r.StoredOK != nil && !*r.StoredOK {
		problems = append(problems, fmt.Sprintf("%d rows stored for %d successful replies", *r.Stored, r.Successes))
	}
	if r.Requests == 0 {
		problems = append(problems, "no request was sent")
	}
	if len(problems) > 0 {
		return errors.New("load: " + strings.Join(problems, "; "))
	}
	return nil
}

// writeText prints the figures as a short table.
func (r *loadReport) writeText(w io.Writer) {
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	target := ""
	if r.Target != "" {
		target = " " + r.Target
	}
	fmt.Fprintf(tw, "scenario\t%s%s at %s, %d clients, %.1f s\n", r.Scenario, target, r.URL, r.Clients, r.Seconds)
	fmt.Fprintf(tw, "requests\t%d (%.1f/s): %d succeeded, %d failed\n", r.Requests, r.PerSecond, r.Successes, r.Failed)
	fmt.Fprintf(tw, "latency\tp50 %.2f ms  p95 %.2f ms  p99 %.2f ms  max %.2f ms\n", r.P50Ms, r.P95Ms, r.P99Ms, r.MaxMs)
	kinds := make([]string, 0, len(r.Errors))
	for k := range r.Errors {
		kinds = append(kinds, k)
	}
	slices.Sort(kinds)
	if len(kinds) == 0 {
		fmt.Fprintln(tw, "errors\tnone")
	}
	for i, k := range kinds {
		label := ""
		if i == 0 {
			label = "errors"
		}
		fmt.Fprintf(tw, "%s\t%s: %d\n", label, k, r.Errors[k])
	}
	if r.Stored != nil {
		verdict := "ok"
		if !*r.StoredOK {
			verdict = "DIFFERS"
		}
		fmt.Fprintf(tw, "stored\t%d new rows for %d successful replies: %s\n", *r.Stored, r.Successes, verdict)
	}
	if r.Interrupted {
		fmt.Fprintln(tw, "\tinterrupted before the end")
	}
	tw.Flush()
}

// ---------------------------------------------------------------- rating

// ratingScenario posts citizens' ratings to one public rating link, as
// visitors who opened the page once and rate again and again.
type ratingScenario struct {
	slug   string
	linkID int64 // 0 without --db
}

var loadCSRFField = regexp.MustCompile(`name="csrf" value="([0-9a-f]+)"`)

// newRatingScenario resolves the link: the given slug (its id read from the
// database, if any), else the first active link in the database.
func newRatingScenario(ctx context.Context, db *survey.DB, slug string) (*ratingScenario, error) {
	if db == nil {
		if slug == "" {
			return nil, &usageError{"load: --scenario rating needs --link SLUG, or --db to pick the first active link"}
		}
		return &ratingScenario{slug: slug}, nil
	}
	sc := &ratingScenario{slug: slug}
	var err error
	if slug == "" {
		err = db.R.QueryRowContext(ctx, "SELECT id, slug FROM rating_links WHERE active ORDER BY id LIMIT 1").Scan(&sc.linkID, &sc.slug)
	} else {
		err = db.R.QueryRowContext(ctx, db.R.Rebind("SELECT id FROM rating_links WHERE slug = ?"), slug).Scan(&sc.linkID)
	}
	switch {
	case errors.Is(err, sql.ErrNoRows) && slug == "":
		return nil, errors.New("load: the database has no active rating link; create one on the admin's ratings page or give --link")
	case errors.Is(err, sql.ErrNoRows):
		return nil, fmt.Errorf("load: --link %q: no such rating link in the database", slug)
	case err != nil:
		return nil, fmt.Errorf("load: find rating link: %w", err)
	}
	return sc, nil
}

func (s *ratingScenario) name() string { return "rating" }

// setup opens the rating page: the reply sets the nonce cookie (kept in
// the client's jar) and carries the form's token.
func (s *ratingScenario) setup(ctx context.Context, c *loadClient) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.base+"/r/"+url.PathEscape(s.slug), nil)
	if err != nil {
		return err
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return fmt.Errorf("read the rating page: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET /r/%s: status %d", s.slug, resp.StatusCode)
	}
	m := loadCSRFField.FindSubmatch(body)
	if m == nil {
		return fmt.Errorf("GET /r/%s: no csrf field in the form", s.slug)
	}
	c.token = string(m[1])
	return nil
}

// ratingComments vary the posted text; most ratings have none.
var ratingComments = []string{"", "", "", "办事顺利", "窗口人员态度很好", "等候时间有点长"}

// request posts one rating; levels and channels cycle so that every level
// (bad ones too) and every channel is written.
func (s *ratingScenario) request(ctx context.Context, c *loadClient, n int) (int, error) {
	k := c.id + n
	form := url.Values{"csrf": {c.token}, "level": {strconv.Itoa(1 + k%5)},
		"channel": {survey.RatingChannels[(k/5)%len(survey.RatingChannels)]}}
	if comment := ratingComments[k%len(ratingComments)]; comment != "" {
		form.Set("comment", comment)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.base+"/r/"+url.PathEscape(s.slug), strings.NewReader(form.Encode()))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := c.http.Do(req)
	if err != nil {
		return 0, err
	}
	// Read to the end so that the connection is reused.
	_, err = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if err != nil {
		return 0, err
	}
	return resp.StatusCode, nil
}

// stored counts the link's ratings.
func (s *ratingScenario) stored(ctx context.Context, db *survey.DB) (int64, error) {
	var n int64
	if err := db.R.QueryRowContext(ctx, db.R.Rebind("SELECT COUNT(*) FROM ratings WHERE link_id = ?"), s.linkID).Scan(&n); err != nil {
		return 0, fmt.Errorf("load: count ratings: %w", err)
	}
	return n, nil
}

// ---------------------------------------------------------------- page

// pageScenario reads one signed-in page, as evaluators who signed in once
// and reload a dashboard.
type pageScenario struct {
	path, user, password string
}

func (s *pageScenario) name() string { return "page" }

// setup signs the client in: the sign-in form's token, then the post; the
// session cookie stays in the client's jar.
func (s *pageScenario) setup(ctx context.Context, c *loadClient) error {
	status, body, err := loadGet(ctx, c, "/login")
	if err != nil {
		return err
	}
	m := loadCSRFField.FindSubmatch(body)
	if status != http.StatusOK || m == nil {
		return fmt.Errorf("GET /login: status %d, no csrf field", status)
	}
	form := url.Values{"csrf": {string(m[1])}, "username": {s.user}, "password": {s.password}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.base+"/login", strings.NewReader(form.Encode()))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", c.base)
	resp, err := c.http.Do(req)
	if err != nil {
		return err
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther || strings.HasPrefix(resp.Header.Get("Location"), "/login") {
		return fmt.Errorf("sign in as %s: status %d, to %q (wrong password?)", s.user, resp.StatusCode, resp.Header.Get("Location"))
	}
	if status, _, err := loadGet(ctx, c, s.path); err != nil || status != http.StatusOK {
		return fmt.Errorf("GET %s: status %d %v", s.path, status, err)
	}
	return nil
}

// request reads the page to its end. A redirect (to the sign-in page) is
// a failure, not the success it is for a rating.
func (s *pageScenario) request(ctx context.Context, c *loadClient, n int) (int, error) {
	status, _, err := loadGet(ctx, c, s.path)
	if err == nil && status == http.StatusSeeOther {
		status = http.StatusUnauthorized
	}
	return status, err
}

func (s *pageScenario) stored(context.Context, *survey.DB) (int64, error) { return 0, nil }

// loadGet reads path whole (at most 64 MiB) and returns its status.
func loadGet(ctx context.Context, c *loadClient, path string) (int, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.base+path, nil)
	if err != nil {
		return 0, nil, err
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	return resp.StatusCode, body, err
}
