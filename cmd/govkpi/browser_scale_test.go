package main

import (
	"os"
	"strings"
	"testing"
)

// TestBrowserScaleTimings measures, for docs/BENCHMARKS.md, when each
// dashboard page's first chart is drawn in headless Chromium against a
// running server with a large run. It runs only when GOVKPI_SCALE_URL
// names the server (e.g. one serving the database BenchmarkAssessmentRun5000
// keeps with GOVKPI_BENCH_KEEP), GOVKPI_SCALE_RUN the run's path
// (/dashboard/runs/1), GOVKPI_SCALE_DEPT a department code and
// GOVKPI_SCALE_USER and GOVKPI_LOAD_PASSWORD an evaluator's sign-in. It
// reports times; it asserts only that every chart is drawn.
func TestBrowserScaleTimings(t *testing.T) {
	base, run := os.Getenv("GOVKPI_SCALE_URL"), os.Getenv("GOVKPI_SCALE_RUN")
	if base == "" || run == "" {
		t.Skip("GOVKPI_SCALE_URL and GOVKPI_SCALE_RUN are not set")
	}
	ctx := newBrowser(t)
	problems := watchProblems(t, ctx)
	open(t, ctx, strings.TrimSuffix(base, "/"), "/login")
	signIn(t, ctx, os.Getenv("GOVKPI_SCALE_USER"), os.Getenv("GOVKPI_LOAD_PASSWORD"))
	dept := os.Getenv("GOVKPI_SCALE_DEPT")
	for _, p := range []struct{ name, path string }{
		{"overview", run}, {"overview, all", run + "?all=1"}, {"heatmap page 50", run + "?hpage=50"},
		{"profile", run + "/departments/" + dept}, {"compare", run + "/compare?d=" + dept + "&d=LJ-0002&d=LJ-0003"},
		{"uncertainty", run + "/uncertainty"}, {"methodology", run + "/methodology"}, {"quality", run + "/quality"},
	} {
		for round := 1; round <= 2; round++ { // the first may build the run's model
			open(t, ctx, strings.TrimSuffix(base, "/"), p.path)
			n, first := chartsDrawn(t, ctx, p.name, 1)
			t.Logf("%-16s round %d: %d charts, first drawn at %4.0f ms after navigation", p.name, round, n, first)
		}
		problems.check(t, p.name)
	}
}
