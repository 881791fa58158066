package main

import (
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Config is the program's one configuration, from flags and GOVKPI_*
// environment variables (a flag wins over its variable). It is validated
// before anything starts.
type Config struct {
	Addr        string        // listen address, host:port
	DB          string        // SQLite path, or a postgres:// DSN
	BaseURL     string        // public URL when behind a proxy, e.g. https://kpi.example.gov
	Lang        string        // default interface language: zh-CN or en
	LogFormat   string        // text or json
	IdleTimeout time.Duration // session idle timeout
	SessionMax  time.Duration // absolute session lifetime
	TLSCert     string        // serve TLS directly with this certificate …
	TLSKey      string        // … and key
	// TrustedProxies lists the reverse proxies (IP addresses or CIDR
	// prefixes, comma-separated) whose X-Forwarded-For header is believed.
	TrustedProxies string

	Timezone string // IANA zone for displayed times, e.g. Asia/Shanghai

	// RatingsPerAddress and RatingsPerLink bound public ratings a minute
	// from one address and on one link (0: no limit).
	RatingsPerAddress int
	RatingsPerLink    int

	proxies  []netip.Prefix   // TrustedProxies, parsed by Validate
	tlsCert  *tls.Certificate // TLSCert and TLSKey, loaded by Validate
	location *time.Location   // Timezone, loaded by Validate
}

// defaultConfig returns the defaults; dbPath differs for `demo`.
func defaultConfig(dbPath string) Config {
	return Config{
		Addr: "127.0.0.1:8080", DB: dbPath, Lang: "zh-CN", LogFormat: "text", Timezone: "Asia/Shanghai",
		IdleTimeout: 30 * time.Minute, SessionMax: 12 * time.Hour,
		RatingsPerAddress: 30, RatingsPerLink: 1200,
	}
}

// configFlag ties a flag to its environment variable.
type configFlag struct {
	name, env, usage string
	dst              any // *string, *int or *time.Duration
}

// bind registers the given config fields on fs, with defaults taken from the
// environment. It returns the env errors to report after parsing (so -h still
// works with a bad variable set).
func bindConfig(fs *flag.FlagSet, cfg *Config, getenv func(string) string, names ...string) []error {
	all := []configFlag{
		{"addr", "GOVKPI_ADDR", "listen address host:port", &cfg.Addr},
		{"db", "GOVKPI_DB", "SQLite database file, or a postgres:// DSN", &cfg.DB},
		{"base-url", "GOVKPI_BASE_URL", "public URL when served behind a proxy (https:// turns on secure cookies and HSTS)", &cfg.BaseURL},
		{"lang", "GOVKPI_LANG", "default interface language: zh-CN or en", &cfg.Lang},
		{"log-format", "GOVKPI_LOG_FORMAT", "log format: text or json", &cfg.LogFormat},
		{"idle-timeout", "GOVKPI_IDLE_TIMEOUT", "sign out after this long without activity", &cfg.IdleTimeout},
		{"session-lifetime", "GOVKPI_SESSION_LIFETIME", "sign out this long after sign-in, active or not", &cfg.SessionMax},
		{"tls-cert", "GOVKPI_TLS_CERT", "serve HTTPS with this certificate file (PEM)", &cfg.TLSCert},
		{"tls-key", "GOVKPI_TLS_KEY", "the certificate's private key file (PEM)", &cfg.TLSKey},
		{"timezone", "GOVKPI_TIMEZONE", "time zone for displayed times (IANA name)", &cfg.Timezone},
		{"trusted-proxies", "GOVKPI_TRUSTED_PROXIES", "reverse proxies whose X-Forwarded-For is believed: IPs or CIDRs, comma-separated", &cfg.TrustedProxies},
		{"rating-limit-address", "GOVKPI_RATING_LIMIT_ADDRESS", "public ratings a minute from one client address (IPv6 by /64); 0 for no limit", &cfg.RatingsPerAddress},
		{"rating-limit-link", "GOVKPI_RATING_LIMIT_LINK", "public ratings a minute on one rating link; 0 for no limit", &cfg.RatingsPerLink},
	}
	var errs []error
	for _, f := range all {
		if len(names) > 0 && !slices.Contains(names, f.name) {
			continue
		}
		env := getenv(f.env)
		usage := fmt.Sprintf("%s (env %s)", f.usage, f.env)
		switch dst := f.dst.(type) {
		case *string:
			if env != "" {
				*dst = env
			}
			fs.StringVar(dst, f.name, *dst, usage)
		case *int:
			if env != "" {
				n, err := strconv.Atoi(env)
				if err != nil || n < 0 {
					errs = append(errs, fmt.Errorf("%s=%q: not a whole number ≥ 0", f.env, env))
				} else {
					*dst = n
				}
			}
			fs.IntVar(dst, f.name, *dst, usage)
		case *time.Duration:
			if env != "" {
				d, err := time.ParseDuration(env)
				if err != nil {
					errs = append(errs, fmt.Errorf("%s=%q: not a duration such as 30m or 12h", f.env, env))
				} else {
					*dst = d
				}
			}
			fs.DurationVar(dst, f.name, *dst, usage)
		}
	}
	return errs
}

// Validate names every wrong value.
func (c *Config) Validate() error {
	var errs []error
	if c.RatingsPerAddress < 0 || c.RatingsPerLink < 0 {
		errs = append(errs, fmt.Errorf("--rating-limit-address and --rating-limit-link must be ≥ 0 (0: no limit)"))
	}
	if host, port, err := net.SplitHostPort(c.Addr); err != nil {
		errs = append(errs, fmt.Errorf("--addr %q: want host:port, e.g. 127.0.0.1:8080", c.Addr))
	} else if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		errs = append(errs, fmt.Errorf("--addr %q: port must be 0–65535", c.Addr))
	} else if host != "" && net.ParseIP(host) == nil && host != "localhost" {
		errs = append(errs, fmt.Errorf("--addr %q: host must be an IP address or localhost", c.Addr))
	}
	if strings.TrimSpace(c.DB) == "" {
		errs = append(errs, errors.New("--db: must name a SQLite file or a postgres:// DSN"))
	} else if strings.Contains(c.DB, "://") && !strings.HasPrefix(c.DB, "postgres://") && !strings.HasPrefix(c.DB, "postgresql://") {
		errs = append(errs, fmt.Errorf("--db: unsupported URL scheme in %q; use a file path or postgres://", redactDSN(c.DB)))
	}
	if c.BaseURL != "" {
		u, err := url.Parse(c.BaseURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || (u.Path != "" && u.Path != "/") || u.RawQuery != "" {
			errs = append(errs, fmt.Errorf("--base-url %q: want an origin such as https://kpi.example.gov", c.BaseURL))
		} else {
			c.BaseURL = u.Scheme + "://" + u.Host
		}
	}
	if c.Lang != "zh-CN" && c.Lang != "en" {
		errs = append(errs, fmt.Errorf("--lang %q: want zh-CN or en", c.Lang))
	}
	if c.LogFormat != "text" && c.LogFormat != "json" {
		errs = append(errs, fmt.Errorf("--log-format %q: want text or json", c.LogFormat))
	}
	if c.IdleTimeout < time.Minute || c.IdleTimeout > 24*time.Hour {
		errs = append(errs, fmt.Errorf("--idle-timeout %s: want between 1m and 24h", c.IdleTimeout))
	}
	if c.SessionMax < c.IdleTimeout || c.SessionMax > 30*24*time.Hour {
		errs = append(errs, fmt.Errorf("--session-lifetime %s: want at least the idle timeout and at most 720h", c.SessionMax))
	}
	c.proxies = nil
	for _, part := range strings.Split(c.TrustedProxies, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		p, err := netip.ParsePrefix(part)
		if err != nil {
			a, aerr := netip.ParseAddr(part)
			if aerr != nil {
				errs = append(errs, fmt.Errorf("--trusted-proxies: %q is not an IP address or CIDR prefix", part))
				continue
			}
			p = netip.PrefixFrom(a, a.BitLen())
		}
		c.proxies = append(c.proxies, p.Masked())
	}
	if loc, err := time.LoadLocation(c.Timezone); err != nil || c.Timezone == "" {
		errs = append(errs, fmt.Errorf("--timezone %q: want an IANA time zone such as Asia/Shanghai", c.Timezone))
	} else {
		c.location = loc
	}
	if (c.TLSCert == "") != (c.TLSKey == "") {
		errs = append(errs, errors.New("--tls-cert and --tls-key: give both or neither"))
	} else if c.TLSCert != "" {
		// Load now, so a wrong file is refused before the database opens.
		cert, err := tls.LoadX509KeyPair(c.TLSCert, c.TLSKey)
		if err != nil {
			errs = append(errs, fmt.Errorf("--tls-cert/--tls-key: %v", err))
		} else {
			c.tlsCert = &cert
		}
	}
	return errors.Join(errs...)
}

// TLS reports whether users reach the server over HTTPS.
func (c *Config) TLS() bool {
	return c.TLSCert != "" || strings.HasPrefix(c.BaseURL, "https://")
}

// redactDSN hides a password in a DSN before it is printed.
func redactDSN(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil || u.User == nil {
		return dsn
	}
	if _, has := u.User.Password(); has {
		u.User = url.UserPassword(u.User.Username(), "xxxxx")
	}
	return u.String()
}
