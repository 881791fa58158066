package main

import (
	"os"
	"testing"
)

// TestMain seeds the demo database the browser and load tests copy (see
// startDemoDB) in the background while the other tests run.
func TestMain(m *testing.M) {
	stop := seedDemoInBackground()
	code := m.Run()
	stop()
	os.Exit(code)
}
