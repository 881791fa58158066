// Package dashboard presents assessments: go-echarts charts, pages,
// methodology, published scorecards and exports. It imports survey and
// scoring; nothing imports it but cmd/govkpi.
package dashboard

import (
	"github.com/go-echarts/go-echarts/v2/charts"
)

// Chart is what a go-echarts chart gives us: validated options as a map.
type Chart interface {
	Validate()
	JSON() map[string]any
}

// Options returns a chart's ECharts option object. Pages must write it with
// html/template inside <script type="application/json">, which encodes it as
// JSON with <, > and & escaped, and let the static dashboard.js read and
// initialise it. Never use go-echarts' own rendered <script> or page output:
// it writes user data (department names) into inline script unescaped.
func Options(c Chart) map[string]any {
	c.Validate()
	return c.JSON()
}

// compile-time check that go-echarts' charts satisfy Chart.
var _ Chart = (*charts.Bar)(nil)
