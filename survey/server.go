package survey

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"runtime"
	"strings"
	"time"

	"github.com/alexedwards/scs/pgxstore"
	"github.com/alexedwards/scs/sqlite3store"
	"github.com/alexedwards/scs/v2"
	"github.com/gorilla/mux"

	"govkpi/static"
)

// ServerConfig is the part of the program's configuration the web layer needs.
type ServerConfig struct {
	TLS          bool          // served over TLS (directly or behind a proxy): Secure, __Host- cookie, HSTS
	BaseURL      string        // public origin, trusted for cross-origin checks when set
	DefaultLang  string        // "zh-CN" or "en"
	IdleTimeout  time.Duration // session idle timeout
	SessionMax   time.Duration // absolute session lifetime
	MaxBodyBytes int64         // default request body limit
	// TrustedProxies are the reverse proxies whose X-Forwarded-For is
	// believed; from anyone else the header is ignored.
	TrustedProxies []netip.Prefix
	Version        string
	Location       *time.Location // time zone for displayed times; UTC when nil
	// RatingsPerAddress and RatingsPerLink bound public ratings a minute
	// from one client address (IPv6 by /64) and on one rating link; 0 is
	// no limit.
	RatingsPerAddress int
	RatingsPerLink    int
}

// Server is the HTTP surface of govkpi. Packages add their routes with Route
// and every route states the roles it admits.
type Server struct {
	DB       *DB
	Log      *slog.Logger
	Sessions *scs.SessionManager
	Render   *static.Renderer
	Assets   *static.Assets
	Cat      *static.Catalogue
	Throttle *Throttle
	Config   ServerConfig

	router   *mux.Router
	policies map[string]Policy
	handler  http.Handler
	cop      *http.CrossOriginProtection

	csrfKey []byte // signs anonymous CSRF tokens; new at every start
	// ratingGuard limits public ratings and counts what it refused.
	ratingGuard *ratingGuard
	refusals    *windowLimiter // bounds audit rows for refused requests per client
	hashes      chan struct{}  // bounds concurrent argon2 work (19 MiB each)

	stopSweep chan struct{} // closed by Close
	sweepDone chan struct{} // closed when sweepSessions returns
}

// NewServer wires sessions, templates, the router and the middleware, and
// registers the survey package's routes.
func NewServer(db *DB, log *slog.Logger, cfg ServerConfig) (*Server, error) {
	cat, err := static.NewCatalogue()
	if err != nil {
		return nil, err
	}
	assets := static.NewAssets()
	render, err := static.NewRenderer(cat, assets, cfg.Location)
	if err != nil {
		return nil, err
	}
	if cfg.MaxBodyBytes <= 0 {
		cfg.MaxBodyBytes = 1 << 20
	}
	if cfg.DefaultLang == "" {
		cfg.DefaultLang = "zh-CN"
	}
	sm := scs.New()
	// The stores' own cleanup goroutines are off (interval 0): their stop
	// method races with their start. sweepSessions does the same work.
	if db.Dialect == Postgres {
		sm.Store = newLazyStore(pgxstore.NewWithCleanupInterval(db.Pool, 0), nil, time.Minute, cfg.SessionMax)
	} else {
		sm.Store = newLazyStore(sqlite3store.NewWithCleanupInterval(db.W.DB, 0),
			sqlite3store.NewWithCleanupInterval(db.R.DB, 0), time.Minute, cfg.SessionMax)
	}
	sm.IdleTimeout = cfg.IdleTimeout
	sm.Lifetime = cfg.SessionMax
	sm.Cookie.HttpOnly = true
	sm.Cookie.SameSite = http.SameSiteLaxMode
	sm.Cookie.Path = "/"
	sm.Cookie.Persist = false
	if cfg.TLS {
		sm.Cookie.Name = "__Host-govkpi_session"
		sm.Cookie.Secure = true
	} else {
		sm.Cookie.Name = "govkpi_session"
	}
	s := &Server{
		DB: db, Log: log, Sessions: sm, Render: render, Assets: assets, Cat: cat,
		Throttle: NewThrottle(), Config: cfg, csrfKey: []byte(newToken(32)),
		refusals: newWindowLimiter(refusalAuditBurst, time.Minute), hashes: make(chan struct{}, runtime.NumCPU()),
		stopSweep: make(chan struct{}), sweepDone: make(chan struct{}),
		router: mux.NewRouter(), policies: map[string]Policy{},
		ratingGuard: newRatingGuard(cfg.RatingsPerAddress, cfg.RatingsPerLink),
	}
	if cfg.Location != nil {
		db.SetZone(cfg.Location)
	}
	s.cop = http.NewCrossOriginProtection()
	if cfg.BaseURL != "" {
		if err := s.cop.AddTrustedOrigin(cfg.BaseURL); err != nil {
			return nil, err
		}
	}
	s.cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.auditRefusal(r, "request", r.URL.Path, "cross-origin")
		s.fail(w, r, Errorf(EForbidden, "err.cross_origin"))
	}))
	s.router.NotFoundHandler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.fail(w, r, Errorf(ENotFound, "err.not_found"))
	})
	s.router.MethodNotAllowedHandler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.fail(w, r, Errorf(ENotFound, "err.not_found"))
	})
	s.router.Use(s.authorize)
	s.routes()
	go s.sweepSessions(5 * time.Minute)
	app := s.cop.Handler(sm.LoadAndSave(s.loadUser(s.router)))
	s.handler = s.observe(s.secureHeaders(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/static/") && (r.Method == http.MethodGet || r.Method == http.MethodHead) {
			assets.ServeHTTP(w, r)
			return
		}
		app.ServeHTTP(w, r)
	})))
	return s, nil
}

// ServeHTTP runs the whole middleware chain.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

// Router exposes the router so other packages can register routes through
// Route; it is not for adding unguarded handlers.
func (s *Server) Router() *mux.Router { return s.router }

// Policy says who may use a route. The zero Policy admits nobody.
type Policy struct {
	Public  bool   // anyone, signed in or not
	Roles   []Role // any of these roles; empty with Public false and AnyRole false admits nobody
	AnyRole bool   // any signed-in account
	MaxBody int64  // body limit for this route; 0 means the server default
}

// Public admits everybody.
var Public = Policy{Public: true}

// SignedIn admits every signed-in account.
var SignedIn = Policy{AnyRole: true}

// Only admits the listed roles.
func Only(roles ...Role) Policy { return Policy{Roles: roles} }

// Admits reports whether the policy lets u in (u is nil when signed out).
func (p Policy) Admits(u *Account) bool {
	if p.Public {
		return true
	}
	if u == nil {
		return false
	}
	if p.AnyRole {
		return true
	}
	for _, r := range p.Roles {
		if u.Role == r {
			return true
		}
	}
	return false
}

// Route registers a named route with its methods and policy. A route without
// a policy can only be registered on the router directly, and authorize then
// refuses it: deny by default.
func (s *Server) Route(name, path string, p Policy, h http.HandlerFunc, methods ...string) {
	if _, dup := s.policies[name]; dup {
		panic("survey: duplicate route name " + name)
	}
	s.policies[name] = p
	s.router.Handle(path, h).Methods(methods...).Name(name)
}

// PolicyOf returns the policy of a named route, for tests.
func (s *Server) PolicyOf(name string) (Policy, bool) {
	p, ok := s.policies[name]
	return p, ok
}

// Close stops background work (the expired-session sweep) and waits for it.
func (s *Server) Close() {
	close(s.stopSweep)
	<-s.sweepDone
}

// sweepSessions deletes expired sessions every interval until Close.
func (s *Server) sweepSessions(interval time.Duration) {
	defer close(s.sweepDone)
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-s.stopSweep:
			return
		case <-t.C:
			if n, err := s.DB.DeleteExpiredSessions(context.Background()); err != nil {
				s.Log.Error("sweep sessions", "err", err)
			} else if n > 0 {
				s.Log.Debug("swept expired sessions", "count", n)
			}
		}
	}
}

// HTTPServer returns an http.Server with the timeouts every deployment needs,
// so a slow client cannot hold a connection open.
func (s *Server) HTTPServer(addr string) *http.Server {
	return &http.Server{
		Addr:              addr,
		Handler:           s,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		WriteTimeout:      120 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(s.Log.Handler(), slog.LevelWarn),
	}
}

// Serve answers on ln (wrap it with tls.NewListener for HTTPS) until ctx
// ends, then shuts down gracefully.
func (s *Server) Serve(ctx context.Context, hs *http.Server, ln net.Listener) error {
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	select {
	case err := <-errc:
		if errors.Is(err, http.ErrServerClosed) {
			return nil
		}
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if err := hs.Shutdown(sctx); err != nil {
		return err
	}
	return nil
}

func newToken(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	return hex.EncodeToString(b)
}

// The page helpers other packages (dashboard) use for the routes they
// register through Route: the same layout data, rendering and error
// responses as survey's own pages.

// Page starts a page for the request; title is a catalogue key.
func (s *Server) Page(r *http.Request, title string) *static.Page { return s.page(r, title) }

// RenderPage writes the named template, or the error page when it fails.
func (s *Server) RenderPage(w http.ResponseWriter, r *http.Request, status int, name string, p *static.Page) {
	s.render(w, r, status, name, p)
}

// Fail answers with the error's status and message (see fail).
func (s *Server) Fail(w http.ResponseWriter, r *http.Request, err error) { s.fail(w, r, err) }
