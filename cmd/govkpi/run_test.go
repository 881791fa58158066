package main

import (
	"bufio"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

func noEnv(string) string { return "" }

func envOf(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

// runCmd runs one command to completion and returns its output.
func runCmd(t *testing.T, stdin string, getenv func(string) string, args ...string) (string, error) {
	t.Helper()
	var out strings.Builder
	err := runIO(context.Background(), args, getenv, strings.NewReader(stdin), &out)
	return out.String(), err
}

func TestBadFlagsRefusedBeforeStart(t *testing.T) {
	db := filepath.Join(t.TempDir(), "never.db")
	cases := []struct {
		name string
		args []string
		env  map[string]string
		want string
	}{
		{"unknown flag", []string{"serve", "--colour", "red"}, nil, "colour"},
		{"bad addr", []string{"serve", "--addr", "localhost", "--db", db}, nil, "--addr"},
		{"bad port", []string{"serve", "--addr", "127.0.0.1:99999", "--db", db}, nil, "port"},
		{"bad lang", []string{"serve", "--lang", "fr", "--db", db}, nil, "--lang"},
		{"bad log format", []string{"serve", "--log-format", "xml", "--db", db}, nil, "--log-format"},
		{"bad base url", []string{"serve", "--base-url", "kpi.example.gov/x", "--db", db}, nil, "--base-url"},
		{"idle above lifetime", []string{"serve", "--idle-timeout", "2h", "--session-lifetime", "1h", "--db", db}, nil, "--session-lifetime"},
		{"bad env duration", []string{"serve", "--db", db}, map[string]string{"GOVKPI_IDLE_TIMEOUT": "soon"}, "GOVKPI_IDLE_TIMEOUT"},
		{"bad env lang", []string{"serve", "--db", db}, map[string]string{"GOVKPI_LANG": "de"}, "--lang"},
		{"bad timezone", []string{"serve", "--timezone", "Mars/Olympus", "--db", db}, nil, "--timezone"},
		{"bad proxy", []string{"serve", "--trusted-proxies", "10.0.0.0/8, proxy.local", "--db", db}, nil, "proxy.local"},
		{"missing cert files", []string{"serve", "--tls-cert", "/nope.pem", "--tls-key", "/nope.key", "--db", db}, nil, "--tls-cert"},
		{"cert without key", []string{"serve", "--tls-cert", "c.pem", "--db", db}, nil, "--tls-key"},
		{"mysql dsn", []string{"serve", "--db", "mysql://x"}, nil, "--db"},
		{"stray argument", []string{"migrate", "--db", db, "extra"}, nil, "extra"},
		{"unknown command", []string{"frobnicate"}, nil, "frobnicate"},
		{"user without sub", []string{"user"}, nil, "subcommand"},
		{"demo on postgres", []string{"demo", "--db", "postgres://u@127.0.0.1/x"}, nil, "SQLite"},
		{"backup without out", []string{"backup", "--db", db}, nil, "--out"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := runCmd(t, "", envOf(c.env), c.args...)
			var ue *usageError
			if !errors.As(err, &ue) {
				t.Fatalf("want a usage error, got %v", err)
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Fatalf("message %q does not name %q", err, c.want)
			}
			if exitCode(err) != 2 {
				t.Fatalf("exit code %d", exitCode(err))
			}
		})
	}
	if _, err := os.Stat(db); err == nil {
		t.Fatal("a refused command created the database")
	}
}

func TestHelpForEveryCommand(t *testing.T) {
	for _, args := range [][]string{{"help"}, {"serve", "-h"}, {"demo", "-h"}, {"migrate", "-h"}, {"backup", "-h"},
		{"user", "-h"}, {"user", "add", "-h"}, {"user", "list", "-h"}, {"user", "disable", "-h"}, {"user", "passwd", "-h"}} {
		out, err := runCmd(t, "", noEnv, args...)
		if err != nil {
			t.Errorf("%v: %v", args, err)
		}
		if len(out) < 40 {
			t.Errorf("%v: help too short: %q", args, out)
		}
	}
	out, _ := runCmd(t, "", noEnv, "serve", "-h")
	for _, flag := range []string{"-addr", "GOVKPI_ADDR", "-db", "-base-url", "-lang", "-log-format"} {
		if !strings.Contains(out, flag) {
			t.Errorf("serve -h lacks %s", flag)
		}
	}
	if out, err := runCmd(t, "", noEnv, "version"); err != nil || !strings.HasPrefix(out, "govkpi ") {
		t.Errorf("version: %q %v", out, err)
	}
}

func TestUserCommands(t *testing.T) {
	db := filepath.Join(t.TempDir(), "u.db")
	if _, err := runCmd(t, "", noEnv, "user", "add", "--db", db, "--username", "root"); err == nil || !strings.Contains(err.Error(), "no password") {
		t.Fatalf("empty standard input: %v", err)
	}
	if _, err := runCmd(t, "short\n", noEnv, "user", "add", "--db", db, "--username", "root"); err == nil || !strings.Contains(err.Error(), "at least 10") {
		t.Fatalf("short password: %v", err)
	}
	out, err := runCmd(t, "a good long password\n", noEnv, "user", "add", "--db", db, "--username", "root", "--name", "管理员")
	if err != nil || !strings.Contains(out, `created admin account "root"`) {
		t.Fatalf("add: %q %v", out, err)
	}
	if _, err := runCmd(t, "a good long password\n", noEnv, "user", "add", "--db", db, "--username", "clerk", "--role", "official"); err == nil || !strings.Contains(err.Error(), "--department") {
		t.Fatalf("official without department: %v", err)
	}
	if _, err := runCmd(t, "", noEnv, "user", "disable", "--db", db, "--username", "root"); err != nil {
		t.Fatal(err)
	}
	out, _ = runCmd(t, "", envOf(map[string]string{"GOVKPI_DB": db}), "user", "list")
	if !regexp.MustCompile(`root\s+admin\s+disabled`).MatchString(out) {
		t.Fatalf("list (db from GOVKPI_DB):\n%s", out)
	}
	if _, err := runCmd(t, "another long password\n", noEnv, "user", "passwd", "--db", db, "--username", "root"); err != nil {
		t.Fatal(err)
	}
	if _, err := runCmd(t, "", noEnv, "user", "enable", "--db", db, "--username", "nobody"); err == nil || !strings.Contains(err.Error(), "no such account") {
		t.Fatalf("unknown account: %v", err)
	}
}

func TestMigrateAndBackupCommands(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "m.db")
	files, err := filepath.Glob("../../survey/migrations/sqlite/*.sql")
	if err != nil || len(files) == 0 {
		t.Fatalf("migration files: %v", err)
	}
	out, err := runCmd(t, "", noEnv, "migrate", "--db", db)
	if err != nil || !strings.Contains(out, fmt.Sprintf("applied %d migrations", len(files))) {
		t.Fatalf("first migrate: %q %v", out, err)
	}
	out, err = runCmd(t, "", noEnv, "migrate", "--db", db)
	if err != nil || !strings.Contains(out, "applied 0 migrations") {
		t.Fatalf("second migrate: %q %v", out, err)
	}
	copyPath := filepath.Join(dir, "copy.db")
	out, err = runCmd(t, "", noEnv, "backup", "--db", db, "--out", copyPath)
	if err != nil || !strings.Contains(out, "integrity_check: ok") || !strings.Contains(out, "To restore") {
		t.Fatalf("backup: %q %v", out, err)
	}
	if _, err := runCmd(t, "", noEnv, "backup", "--db", db, "--out", copyPath); err == nil {
		t.Fatal("backup overwrote an existing file")
	}
	if _, err := runCmd(t, "", noEnv, "backup", "--db", "postgres://u:secret@127.0.0.1/x", "--out", filepath.Join(dir, "pg")); err == nil || !strings.Contains(err.Error(), "pg_dump") {
		t.Fatalf("postgres backup: %v", err)
	}
	// A database with the wrong durability setting refuses to start.
	_, err = runCmd(t, "", noEnv, "migrate", "--db", "file:"+filepath.Join(dir, "n.db")+"?_synchronous=NORMAL")
	if err == nil || !strings.Contains(err.Error(), "synchronous") || exitCode(err) == 0 {
		t.Fatalf("NORMAL accepted: %v", err)
	}
	// An unreachable PostgreSQL fails with a clear message, not a hang.
	_, err = runCmd(t, "", noEnv, "migrate", "--db", "postgres://u:secret@127.0.0.1:1/x?connect_timeout=2")
	if err == nil || strings.Contains(err.Error(), "secret") {
		t.Fatalf("unreachable postgres: %v", err)
	}
}

// lineWriter lets a test wait for a line of the program's output.
type lineWriter struct {
	mu    sync.Mutex
	buf   strings.Builder
	lines chan string
	pw    *io.PipeWriter
}

func newLineWriter() *lineWriter {
	pr, pw := io.Pipe()
	lw := &lineWriter{lines: make(chan string, 1000), pw: pw}
	go func() {
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			select {
			case lw.lines <- sc.Text():
			default:
			}
		}
	}()
	return lw
}

func (w *lineWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	w.buf.Write(p)
	w.mu.Unlock()
	return w.pw.Write(p)
}

var listenLine = regexp.MustCompile(`listening on (https?://[0-9.:]+)/`)

// startServer runs a command (serve or demo) in the background and returns
// its base URL; the test's cleanup stops it and checks it shut down cleanly.
func startServer(t *testing.T, args ...string) (string, *lineWriter) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	w := newLineWriter()
	done := make(chan error, 1)
	go func() { done <- runIO(ctx, args, noEnv, strings.NewReader(""), w) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("server stopped with %v", err)
			}
		case <-time.After(20 * time.Second):
			t.Error("server did not shut down")
		}
	})
	deadline := time.After(30 * time.Second)
	for {
		select {
		case l := <-w.lines:
			if m := listenLine.FindStringSubmatch(l); m != nil {
				return m[1], w
			}
		case err := <-done:
			t.Fatalf("server exited early: %v", err)
		case <-deadline:
			t.Fatal("server did not start")
		}
	}
}

func TestServeAndDemo(t *testing.T) {
	dir := t.TempDir()
	base, out := startServer(t, "demo", "--addr", "127.0.0.1:0", "--db", filepath.Join(dir, "demo.db"), "--log-format", "json")
	res, err := http.Get(base + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || !strings.Contains(string(b), `"database":"sqlite"`) {
		t.Fatalf("healthz: %d %s", res.StatusCode, b)
	}
	res, err = http.Get(base + "/login")
	if err != nil {
		t.Fatal(err)
	}
	b, _ = io.ReadAll(res.Body)
	res.Body.Close()
	if !strings.Contains(string(b), `<html lang="zh-CN">`) || !strings.Contains(string(b), "数字政府成效评估") {
		t.Fatal("the demo does not serve the Chinese interface")
	}
	out.mu.Lock()
	printed := out.buf.String()
	out.mu.Unlock()
	for _, want := range []string{"admin", "evaluator", "zsj", demoPassword} {
		if !strings.Contains(printed, want) {
			t.Errorf("demo output lacks %q", want)
		}
	}
	// Every demo account signs in and sees its own home page.
	for _, a := range demoAccounts {
		jar, _ := cookiejar.New(nil)
		c := &http.Client{Jar: jar}
		res, err := c.Get(base + "/login")
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		token := regexp.MustCompile(`name="csrf" value="([0-9a-f]+)"`).FindStringSubmatch(string(b))[1]
		res, err = c.PostForm(base+"/login", url.Values{"csrf": {token}, "username": {a.username}, "password": {demoPassword}})
		if err != nil {
			t.Fatal(err)
		}
		b, _ = io.ReadAll(res.Body)
		res.Body.Close()
		if res.Request.URL.Path != "/home" || !strings.Contains(string(b), a.name) {
			t.Errorf("%s: signed in to %s, name shown: %v", a.username, res.Request.URL.Path, strings.Contains(string(b), a.name))
		}
		if a.role == "admin" && !strings.Contains(string(b), `href="/admin/departments"`) {
			t.Errorf("admin home lacks the admin menu")
		}
		// Evaluators read campaigns; nobody but an admin reaches the rest.
		for _, link := range []string{"/admin/departments", "/admin/accounts", "/admin/instruments", "/admin/audit", "/admin/campaigns/new"} {
			if a.role != "admin" && strings.Contains(string(b), `href="`+link+`"`) {
				t.Errorf("%s sees the admin link %s", a.username, link)
			}
		}
		if (a.role == "evaluator") != strings.Contains(string(b), `href="/admin/campaigns"`) && a.role != "admin" {
			t.Errorf("%s: campaigns link shown only to admins and evaluators", a.username)
		}
	}
	// Later requests are logged as JSON with a request id.
	time.Sleep(100 * time.Millisecond)
	out.mu.Lock()
	printed = out.buf.String()
	out.mu.Unlock()
	if !regexp.MustCompile(`\{"time":[^\n]*"msg":"request"[^\n]*"request_id":"[0-9a-f]{16}"`).MatchString(printed) {
		t.Errorf("no JSON request log line:\n%s", printed)
	}
}

// TestServeTLS serves HTTPS with a throw-away certificate and checks the
// cookie takes the __Host- prefix and Secure flag, and HSTS is sent.
func TestServeTLS(t *testing.T) {
	dir := t.TempDir()
	certFile, keyFile := writeSelfSigned(t, dir)
	base, out := startServer(t, "serve", "--addr", "127.0.0.1:0", "--db", filepath.Join(dir, "tls.db"), "--tls-cert", certFile, "--tls-key", keyFile)
	if !strings.HasPrefix(base, "https://") {
		t.Fatalf("base URL %s", base)
	}
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
	res, err := client.Get(base + "/login")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	ck := res.Header.Get("Set-Cookie")
	if !strings.HasPrefix(ck, "__Host-govkpi_csrf=") || !strings.Contains(ck, "; Secure") || !strings.Contains(ck, "HttpOnly") {
		t.Fatalf("cookie over TLS: %s", ck)
	}
	if res.Header.Get("Strict-Transport-Security") == "" {
		t.Fatal("no HSTS over TLS")
	}
	out.mu.Lock()
	defer out.mu.Unlock()
	if !strings.Contains(out.buf.String(), "No accounts yet") {
		t.Error("a fresh install does not say how to create the first admin")
	}
}

func writeSelfSigned(t *testing.T, dir string) (string, string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "127.0.0.1"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tpl, tpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kb, _ := x509.MarshalECPrivateKey(key)
	certFile, keyFile := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600)
	os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb}), 0o600)
	return certFile, keyFile
}

// TestDemoRefusesRealDatabase: the demo never puts known-password accounts
// into a database that is not its own.
func TestDemoRefusesRealDatabase(t *testing.T) {
	db := filepath.Join(t.TempDir(), "prod.db")
	if _, err := runCmd(t, "a good long password\n", noEnv, "user", "add", "--db", db, "--username", "root"); err != nil {
		t.Fatal(err)
	}
	_, err := runCmd(t, "", noEnv, "demo", "--db", db, "--addr", "127.0.0.1:0")
	if err == nil || !strings.Contains(err.Error(), "not a demo database") {
		t.Fatalf("demo on a real database: %v", err)
	}
	out, _ := runCmd(t, "", noEnv, "user", "list", "--db", db)
	if strings.Contains(out, "evaluator") || !strings.Contains(out, "1 accounts") {
		t.Fatalf("demo accounts were added:\n%s", out)
	}
}
