package main

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"strings"
	"text/tabwriter"

	"golang.org/x/term"

	"govkpi/dashboard"
	"govkpi/survey"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

// usageError is a wrong command line; it exits with status 2.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func exitCode(err error) int {
	var ue *usageError
	var fe *fileError
	if errors.As(err, &ue) || errors.As(err, &fe) {
		return 2
	}
	return 1
}

const usageText = `govkpi — 数字政府成效评估 / digital-government assessment

Usage: govkpi <command> [flags]

Commands:
  serve     serve the web application
  demo      create (if absent) ./govkpi-demo.db with a demo city and serve it
  migrate   apply the database migrations and exit
  user      manage accounts: user add | list | disable | enable | passwd
  backup    write a consistent copy of a live SQLite database
  score     score a data CSV with a framework, without a server
  weights   compute weights: weights ahp (pairwise matrix) | weights entropy (data)
  instrument check or store a questionnaire: instrument check|import FILE (.yaml or XLSForm .xlsx)
  import    import platform metrics or ratings: import metrics|ratings FILE (.csv or .xlsx)
  export    write a run's workbook, a scorecard PDF, a CSV or the bulk ZIP to a file
  load      drive a running server with many clients and report rate, latency and errors
  version   print the version
  help      print this help

Run 'govkpi <command> -h' for a command's flags. The server's flags also
read GOVKPI_* environment variables (shown in each command's help).
`

// run is the whole program: main only calls it, tests call it too.
func run(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	return runIO(ctx, args, getenv, os.Stdin, stdout)
}

// runIO is run with an explicit standard input, for `user add` and `user
// passwd` in tests.
func runIO(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stdout, usageText)
		return &usageError{"no command given"}
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "serve":
		return cmdServe(ctx, rest, getenv, stdout, false)
	case "demo":
		return cmdServe(ctx, rest, getenv, stdout, true)
	case "migrate":
		return cmdMigrate(ctx, rest, getenv, stdout)
	case "user":
		return cmdUser(ctx, rest, getenv, stdin, stdout)
	case "backup":
		return cmdBackup(ctx, rest, getenv, stdout)
	case "score":
		return cmdScore(rest, stdout)
	case "weights":
		return cmdWeights(rest, stdout)
	case "instrument":
		return cmdInstrument(ctx, rest, getenv, stdout)
	case "import":
		return cmdImport(ctx, rest, getenv, stdout)
	case "export":
		return cmdExport(ctx, rest, getenv, stdout)
	case "load":
		return cmdLoad(ctx, rest, getenv, stdout)
	case "version", "-version", "--version":
		fmt.Fprintf(stdout, "govkpi %s\n", version)
		return nil
	case "help", "-h", "-help", "--help":
		fmt.Fprint(stdout, usageText)
		return nil
	}
	fmt.Fprint(stdout, usageText)
	return &usageError{fmt.Sprintf("unknown command %q", cmd)}
}

// parseFlags parses and turns flag errors into usage errors; -h prints the
// usage and returns errHelp. Arguments after the flags are refused, or
// stored in positional when it is given.
func parseFlags(fs *flag.FlagSet, args []string, stdout io.Writer, envErrs []error, positional ...*[]string) error {
	fs.SetOutput(stdout)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return errHelp
		}
		return &usageError{err.Error()}
	}
	if len(positional) > 0 {
		*positional[0] = fs.Args()
	} else if fs.NArg() > 0 {
		return &usageError{fmt.Sprintf("%s: unexpected argument %q", fs.Name(), fs.Arg(0))}
	}
	if len(envErrs) > 0 {
		return &usageError{errors.Join(envErrs...).Error()}
	}
	return nil
}

// errHelp ends a command after its help was printed, with status 0.
var errHelp = errors.New("help shown")

func newLogger(cfg Config, w io.Writer) *slog.Logger {
	if cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, nil))
	}
	return slog.New(slog.NewTextHandler(w, nil))
}

func cmdServe(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer, demo bool) error {
	name, dbDefault := "serve", "./govkpi.db"
	if demo {
		name, dbDefault = "demo", "./govkpi-demo.db"
	}
	cfg := defaultConfig(dbDefault)
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	envErrs := bindConfig(fs, &cfg, getenv)
	if demo {
		// The demo uses its own file and the loopback default unless its
		// flags say otherwise: GOVKPI_DB and GOVKPI_ADDR are meant for the
		// real server.
		for name, def := range map[string]string{"db": dbDefault, "addr": "127.0.0.1:8080"} {
			fs.Lookup(name).DefValue = def
			fs.Set(name, def)
		}
	}
	if err := parseFlags(fs, args, stdout, envErrs); err != nil {
		return helpOK(err)
	}
	if err := cfg.Validate(); err != nil {
		return &usageError{err.Error()}
	}
	if demo && survey.IsPostgres(cfg.DB) {
		return &usageError{"demo: --db must be a SQLite file; the demo never writes to PostgreSQL"}
	}
	log := newLogger(cfg, stdout)
	db, err := survey.Open(ctx, cfg.DB)
	if err != nil {
		return fmt.Errorf("database %s: %w", redactDSN(cfg.DB), err)
	}
	defer db.Close()
	var demoLines []string
	if demo {
		if demoLines, err = seedDemo(ctx, db, cfg.DB, cfg.location); err != nil {
			return fmt.Errorf("demo data: %w", err)
		}
	}
	srv, err := survey.NewServer(db, log, survey.ServerConfig{
		TLS: cfg.TLS(), BaseURL: cfg.BaseURL, DefaultLang: cfg.Lang, TrustedProxies: cfg.proxies, Location: cfg.location,
		IdleTimeout: cfg.IdleTimeout, SessionMax: cfg.SessionMax, Version: version,
		RatingsPerAddress: cfg.RatingsPerAddress, RatingsPerLink: cfg.RatingsPerLink,
	})
	if err != nil {
		return err
	}
	dash := dashboard.Register(srv)
	defer dash.Close()
	defer srv.Close()
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.Addr, err)
	}
	scheme := "http"
	if cfg.TLSCert != "" {
		scheme = "https"
	}
	url := scheme + "://" + ln.Addr().String() + "/"
	fmt.Fprintf(stdout, "govkpi %s listening on %s (database: %s %s)\n", version, url, db.Dialect, redactDSN(cfg.DB))
	for _, l := range demoLines {
		fmt.Fprintln(stdout, l)
	}
	if n, err := db.CountAccounts(ctx); err == nil && n == 0 {
		fmt.Fprintln(stdout, "No accounts yet. Create the first administrator with: govkpi user add --username admin --role admin")
	}
	hs := srv.HTTPServer(cfg.Addr)
	if cfg.tlsCert != nil {
		hs.TLSConfig = &tls.Config{Certificates: []tls.Certificate{*cfg.tlsCert}, MinVersion: tls.VersionTLS12}
		ln = tls.NewListener(ln, hs.TLSConfig)
	}
	return srv.Serve(ctx, hs, ln)
}

func helpOK(err error) error {
	if errors.Is(err, errHelp) {
		return nil
	}
	return err
}

// dbFlags parses the commands that need only --db (and their own flags).
// Positional arguments are refused unless positional is given to hold them.
func dbFlags(name string, args []string, getenv func(string) string, stdout io.Writer, extra func(*flag.FlagSet), positional ...*[]string) (Config, error) {
	cfg := defaultConfig("./govkpi.db")
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	envErrs := bindConfig(fs, &cfg, getenv, "db")
	if extra != nil {
		extra(fs)
	}
	if err := parseFlags(fs, args, stdout, envErrs, positional...); err != nil {
		return cfg, err
	}
	if err := cfg.Validate(); err != nil {
		return cfg, &usageError{err.Error()}
	}
	return cfg, nil
}

func cmdMigrate(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	cfg, err := dbFlags("migrate", args, getenv, stdout, nil)
	if err != nil {
		return helpOK(err)
	}
	db, err := survey.OpenNoMigrate(ctx, cfg.DB)
	if err != nil {
		return fmt.Errorf("database %s: %w", redactDSN(cfg.DB), err)
	}
	defer db.Close()
	n, err := db.Migrate(ctx)
	if err != nil {
		return err
	}
	v, err := db.MigrationVersion(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "applied %d migrations; database %s is at version %d\n", n, redactDSN(cfg.DB), v)
	return nil
}

func cmdBackup(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	var out string
	cfg, err := dbFlags("backup", args, getenv, stdout, func(fs *flag.FlagSet) {
		fs.StringVar(&out, "out", "", "file to write the copy to (must not exist)")
	})
	if err != nil {
		return helpOK(err)
	}
	if survey.IsPostgres(cfg.DB) {
		return errors.New("backup: this database is PostgreSQL; back it up with pg_dump, e.g. pg_dump -Fc -f govkpi.dump \"$DSN\"")
	}
	if out == "" {
		return &usageError{"backup: --out FILE is required"}
	}
	if _, err := os.Stat(out); err == nil {
		return &usageError{fmt.Sprintf("backup: %s already exists; choose a new file", out)}
	}
	file, err := survey.SQLiteFile(cfg.DB)
	if err != nil {
		return &usageError{"backup: --db: " + err.Error()}
	}
	if _, err := os.Stat(file); err != nil {
		return fmt.Errorf("backup: database %s: %w", file, err)
	}
	// No migrations: a backup must not change the database it copies.
	db, err := survey.OpenNoMigrate(ctx, cfg.DB)
	if err != nil {
		return fmt.Errorf("database %s: %w", cfg.DB, err)
	}
	defer db.Close()
	if err := db.Backup(ctx, out); err != nil {
		return err
	}
	st, _ := os.Stat(out)
	fmt.Fprintf(stdout, "backup written to %s (%d bytes); integrity_check: ok\n", out, st.Size())
	fmt.Fprintf(stdout, "To restore: stop govkpi, move the old %s (and any -wal/-shm files) aside, copy %s to %s, start govkpi.\n", cfg.DB, out, cfg.DB)
	return nil
}

func cmdUser(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout io.Writer) error {
	const usage = "usage: govkpi user add|list|disable|enable|passwd [flags]\n\nRun govkpi user <subcommand> -h for its flags. Passwords are read from standard input\n(or asked for at a terminal), never from a flag."
	if len(args) == 0 {
		fmt.Fprintln(stdout, usage)
		return &usageError{"user: no subcommand"}
	}
	sub, rest := args[0], args[1:]
	if sub == "-h" || sub == "-help" || sub == "--help" || sub == "help" {
		fmt.Fprintln(stdout, usage)
		return nil
	}
	var username, role, dept, name string
	var cfg Config
	var err error
	switch sub {
	case "add":
		cfg, err = dbFlags("user add", rest, getenv, stdout, func(fs *flag.FlagSet) {
			fs.StringVar(&username, "username", "", "user name (lower case)")
			fs.StringVar(&role, "role", "admin", "role: admin, evaluator or official")
			fs.StringVar(&dept, "department", "", "department code (officials only)")
			fs.StringVar(&name, "name", "", "display name")
		})
	case "disable", "enable", "passwd":
		cfg, err = dbFlags("user "+sub, rest, getenv, stdout, func(fs *flag.FlagSet) {
			fs.StringVar(&username, "username", "", "user name")
		})
	case "list":
		cfg, err = dbFlags("user list", rest, getenv, stdout, nil)
	default:
		fmt.Fprintln(stdout, usage)
		return &usageError{fmt.Sprintf("user: unknown subcommand %q", sub)}
	}
	if err != nil {
		return helpOK(err)
	}
	if sub != "list" && username == "" {
		return &usageError{"user " + sub + ": --username is required"}
	}
	db, err := survey.Open(ctx, cfg.DB)
	if err != nil {
		return fmt.Errorf("database %s: %w", redactDSN(cfg.DB), err)
	}
	defer db.Close()
	// Changes made here are audited as done by "cli".
	ctx = survey.WithActor(ctx, survey.AuditEntry{ActorName: "cli"})
	switch sub {
	case "add":
		pw, err := readPassword(stdin, stdout)
		if err != nil {
			return err
		}
		a, err := db.CreateAccount(ctx, survey.AccountInput{Username: username, DisplayName: name,
			Role: survey.Role(role), DepartmentCode: dept, Password: pw})
		if err != nil {
			return describe(err)
		}
		fmt.Fprintf(stdout, "created %s account %q\n", a.Role, a.Username)
	case "list":
		var accts []survey.Account
		total := 0
		for offset := 0; ; offset += 500 {
			page, n, err := db.FindAccounts(ctx, survey.AccountFilter{Limit: 500, Offset: offset})
			if err != nil {
				return err
			}
			accts, total = append(accts, page...), n
			if len(page) < 500 {
				break
			}
		}
		tw := tabwriter.NewWriter(stdout, 2, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "USERNAME\tROLE\tDEPARTMENT\tSTATUS\tLAST SIGN-IN")
		for _, a := range accts {
			status, last := "enabled", "-"
			if a.Disabled {
				status = "disabled"
			}
			if a.LastLoginAt.Valid {
				last = a.LastLoginAt.Time.Local().Format("2006-01-02 15:04")
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", a.Username, a.Role, a.DepartmentCode, status, last)
		}
		tw.Flush()
		fmt.Fprintf(stdout, "%d accounts\n", total)
	case "disable", "enable", "passwd":
		a, err := db.FindAccountByUsername(ctx, username)
		if err != nil {
			return describe(err)
		}
		switch sub {
		case "passwd":
			pw, err := readPassword(stdin, stdout)
			if err != nil {
				return err
			}
			err = db.SetPassword(ctx, a.ID, a.Username, pw)
			if err != nil {
				return describe(err)
			}
		default:
			if err := db.SetAccountDisabled(ctx, a.ID, sub == "disable"); err != nil {
				return err
			}
		}
		fmt.Fprintf(stdout, "%s: done for %q (its sessions have ended)\n", sub, a.Username)
	}
	return nil
}

// readPassword reads a password from standard input: with no echo and
// confirmation at a terminal, else the first line. Passwords never come from
// flags, which other users can see in the process list.
func readPassword(stdin io.Reader, stdout io.Writer) (string, error) {
	if f, ok := stdin.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		fmt.Fprint(stdout, "Password (at least 10 characters): ")
		a, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(stdout)
		if err != nil {
			return "", fmt.Errorf("read password: %w", err)
		}
		fmt.Fprint(stdout, "Repeat: ")
		b, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(stdout)
		if err != nil {
			return "", fmt.Errorf("read password: %w", err)
		}
		if string(a) != string(b) {
			return "", errors.New("the two passwords differ")
		}
		return string(a), nil
	}
	line, err := bufio.NewReader(io.LimitReader(stdin, 4096)).ReadString('\n')
	if err != nil && err != io.EOF {
		return "", fmt.Errorf("read password from standard input: %w", err)
	}
	line = strings.TrimRight(line, "\r\n")
	if line == "" {
		return "", errors.New("no password on standard input (pipe it in, e.g. from a file only you can read)")
	}
	return line, nil
}

// describe turns a survey error's field messages into a plain sentence for
// the command line.
func describe(err error) error {
	var e *survey.Error
	if !errors.As(err, &e) || e.Code == survey.EInternal {
		return err
	}
	if len(e.Fields) == 0 {
		return fmt.Errorf("%s", cliMessages[e.Key]+" ("+e.Key+")")
	}
	var parts []string
	for f, key := range e.Fields {
		msg := cliMessages[key]
		if msg == "" {
			msg = key
		}
		parts = append(parts, f+": "+msg)
	}
	return errors.New(strings.Join(parts, "; "))
}

// cliMessages are the English texts for errors the commands can meet.
var cliMessages = map[string]string{
	"err.not_found":                 "no such account",
	"err.username_format":           "2–64 lower-case letters, digits or . _ @ -",
	"err.username_taken":            "this user name is taken",
	"err.role":                      "role must be admin, evaluator or official",
	"err.official_needs_department": "an official needs --department CODE",
	"err.department_unknown":        "no department has this code",
	"err.department_inactive":       "this department is inactive",
	"err.password_short":            "at least 10 characters",
	"err.password_long":             "at most 128 characters",
	"err.password_username":         "the password cannot be the user name",
	"err.password_invalid":          "the password has invalid characters",
	"err.text_invalid":              "too long or contains control characters",
	"err.lang":                      "language must be zh-CN or en",
}
