package scoring

import (
	"bytes"
	_ "embed"
)

//go:embed frameworks/dgmi.yaml
var defaultFrameworkYAML []byte

// DefaultFramework returns a fresh copy of the embedded default framework
// (FRAMEWORK.md: the 数字政府成熟度指数 with its four families and 33
// indicators, their definition cards and formulas over the variables the
// collectors supply).
func DefaultFramework() (*Framework, error) {
	return ReadFrameworkYAML(bytes.NewReader(defaultFrameworkYAML))
}

// DefaultFrameworkYAML returns the embedded file, for download and display.
func DefaultFrameworkYAML() []byte { return append([]byte(nil), defaultFrameworkYAML...) }
