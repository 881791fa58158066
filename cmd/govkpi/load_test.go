package main

import (
	"bytes"
	"context"
	"encoding/json"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// runLoadJSON runs `govkpi load --json` and decodes its report.
func runLoadJSON(t *testing.T, args ...string) (*loadReport, error) {
	t.Helper()
	return runLoadJSONEnv(t, func(string) string { return "" }, args...)
}

func runLoadJSONEnv(t *testing.T, getenv func(string) string, args ...string) (*loadReport, error) {
	t.Helper()
	var out bytes.Buffer
	err := run(context.Background(), append([]string{"load", "--json"}, args...), getenv, &out)
	var rep loadReport
	if jerr := json.Unmarshal(out.Bytes(), &rep); jerr != nil {
		t.Fatalf("load output is not one JSON object: %v (run error: %v)\n%s", jerr, err, out.String())
	}
	return &rep, err
}

func TestLoadRating(t *testing.T) {
	t.Parallel()
	base, dbPath := startDemoDB(t, "--rating-limit-address", "0", "--rating-limit-link", "0")
	rep, err := runLoadJSON(t, "--url", base, "--scenario", "rating", "--clients", "8", "--duration", "2s", "--db", dbPath)
	if err != nil {
		t.Fatalf("load: %v (exit status %d); report %+v", err, exitCode(err), rep)
	}
	if rep.Requests == 0 || rep.Successes != rep.Requests || rep.Failed != 0 || len(rep.Errors) != 0 {
		t.Errorf("requests %d, successes %d, failed %d, errors %v; want only successes", rep.Requests, rep.Successes, rep.Failed, rep.Errors)
	}
	if rep.Stored == nil || *rep.Stored != rep.Successes || rep.StoredOK == nil || !*rep.StoredOK {
		t.Errorf("stored %v (ok %v) for %d successes", rep.Stored, rep.StoredOK, rep.Successes)
	}
	if rep.Target == "" || rep.PerSecond <= 0 || rep.P50Ms <= 0 || rep.P99Ms < rep.P50Ms {
		t.Errorf("report %+v: want a link, a rate and ordered percentiles", rep)
	}
	t.Logf("%d ratings in %.1f s: %.0f/s, p50 %.1f ms, p99 %.1f ms", rep.Requests, rep.Seconds, rep.PerSecond, rep.P50Ms, rep.P99Ms)

	// --requests caps the run before --duration ends it.
	rep, err = runLoadJSON(t, "--url", base, "--clients", "4", "--duration", "10s", "--requests", "50", "--db", dbPath, "--link", rep.Target)
	if err != nil || rep.Requests != 50 || rep.Stored == nil || *rep.Stored != 50 {
		t.Errorf("--requests 50: %v; %d requests, %v stored", err, rep.Requests, rep.Stored)
	}
}

// The page scenario signs in and reads the demo's published dashboard; a
// wrong password stops it before the clock starts, and an official, who
// may not read a draft, fails every request.
func TestLoadPage(t *testing.T) {
	t.Parallel()
	base, dbPath := startDemoDB(t)
	db := openDemoDB(t, dbPath)
	var published, draft int64
	if err := db.R.QueryRow("SELECT id FROM assessment_runs WHERE state = 'published' ORDER BY id LIMIT 1").Scan(&published); err != nil {
		t.Fatal(err)
	}
	if err := db.R.QueryRow("SELECT id FROM assessment_runs WHERE state = 'draft' ORDER BY id LIMIT 1").Scan(&draft); err != nil {
		t.Fatal(err)
	}
	env := func(k string) string {
		if k == "GOVKPI_LOAD_PASSWORD" {
			return demoPassword
		}
		return ""
	}
	path := "/dashboard/runs/" + strconv.FormatInt(published, 10)
	rep, err := runLoadJSONEnv(t, env, "--url", base, "--scenario", "page", "--path", path, "--user", "evaluator",
		"--clients", "2", "--duration", "10s", "--requests", "20")
	if err != nil || rep.Requests != 20 || rep.Successes != 20 || rep.Target != path {
		t.Fatalf("page load: %v; report %+v", err, rep)
	}
	var out bytes.Buffer
	err = run(context.Background(), []string{"load", "--url", base, "--scenario", "page", "--path", path, "--user", "evaluator"},
		func(k string) string {
			if k == "GOVKPI_LOAD_PASSWORD" {
				return "wrong"
			}
			return ""
		}, &out)
	if err == nil || !strings.Contains(err.Error(), "sign in as evaluator") {
		t.Fatalf("wrong password: %v", err)
	}
	draftPath := "/dashboard/runs/" + strconv.FormatInt(draft, 10)
	err = run(context.Background(), []string{"load", "--url", base, "--scenario", "page", "--path", draftPath, "--user", "zsj"}, env, &out)
	if err == nil || !strings.Contains(err.Error(), "404") {
		t.Fatalf("an official reading a draft: %v", err)
	}
}

// TestLoadRatingLimited runs against the default limits (30 ratings a
// minute from one address): the 429s are counted by kind, the run exits 1,
// and nothing refused is stored.
func TestLoadRatingLimited(t *testing.T) {
	t.Parallel()
	base, dbPath := startDemoDB(t)
	rep, err := runLoadJSON(t, "--url", base, "--clients", "8", "--duration", "1s", "--db", dbPath)
	if err == nil || exitCode(err) != 1 {
		t.Fatalf("load against limits: err %v, want exit status 1", err)
	}
	if rep.Errors["status 429"] == 0 || rep.Failed != rep.Errors["status 429"] {
		t.Errorf("errors %v, failed %d: want every failure a 429", rep.Errors, rep.Failed)
	}
	if rep.Successes == 0 || rep.Successes > 30 {
		t.Errorf("%d successes, want 1..30 (the address limit)", rep.Successes)
	}
	if rep.Stored == nil || *rep.Stored != rep.Successes || rep.StoredOK == nil || !*rep.StoredOK {
		t.Errorf("stored %v for %d successes: refused ratings must not be stored", rep.Stored, rep.Successes)
	}
}

func TestLoadFlags(t *testing.T) {
	getenv := func(string) string { return "" }
	for _, tc := range []struct {
		name string
		args []string
	}{
		{"no url", []string{"load", "--link", "x"}},
		{"remote url", []string{"load", "--url", "http://192.0.2.1:8080", "--link", "x"}},
		{"bad scheme", []string{"load", "--url", "ftp://127.0.0.1", "--link", "x"}},
		{"unknown scenario", []string{"load", "--url", "http://127.0.0.1:1", "--scenario", "dashboard", "--link", "x"}},
		{"no link and no db", []string{"load", "--url", "http://127.0.0.1:1"}},
		{"no clients", []string{"load", "--url", "http://127.0.0.1:1", "--link", "x", "--clients", "0"}},
		{"missing db file", []string{"load", "--url", "http://127.0.0.1:1", "--db", filepath.Join(t.TempDir(), "none.db")}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out bytes.Buffer
			err := run(context.Background(), tc.args, getenv, &out)
			if exitCode(err) != 2 {
				t.Errorf("err %v: want a usage error (exit status 2)", err)
			}
		})
	}
	var out bytes.Buffer
	if err := run(context.Background(), []string{"load", "-h"}, getenv, &out); err != nil || !strings.Contains(out.String(), "--allow-remote") {
		t.Errorf("load -h: %v\n%s", err, out.String())
	}
}
