package dashboard

import (
	"encoding/json"
	"html/template"
	"regexp"
	"strings"
	"testing"

	"github.com/go-echarts/go-echarts/v2/charts"
	"github.com/go-echarts/go-echarts/v2/opts"
)

// TestOptionsInertInPage renders a chart whose category names are hostile
// and Chinese, the way every page will, and checks the names stay data.
func TestOptionsInertInPage(t *testing.T) {
	const evil = `</script><script>alert(1)</script>`
	const chinese = "澜江市政务服务和数据管理局"
	bar := charts.NewBar()
	bar.SetGlobalOptions(charts.WithTitleOpts(opts.Title{Title: evil}))
	bar.SetXAxis([]string{evil, chinese}).AddSeries("得分", []opts.BarData{{Value: 71.5}, {Value: 88.25}})

	page := template.Must(template.New("p").Parse(`<script type="application/json" id="chart-1">{{.}}</script>`))
	var b strings.Builder
	if err := page.Execute(&b, Options(bar)); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	if strings.Count(out, "</script>") != 1 || strings.Contains(out, "<script>alert") {
		t.Fatalf("hostile name broke out of the JSON element:\n%s", out)
	}
	body := regexp.MustCompile(`(?s)<script type="application/json" id="chart-1">(.*)</script>`).FindStringSubmatch(out)[1]
	var got struct {
		XAxis []struct {
			Data []string `json:"data"`
		} `json:"xAxis"`
		Series []struct {
			Data []struct {
				Value float64 `json:"value"`
			} `json:"data"`
		} `json:"series"`
	}
	if err := json.Unmarshal([]byte(body), &got); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, body)
	}
	if len(got.XAxis) == 0 || len(got.XAxis[0].Data) != 2 || got.XAxis[0].Data[0] != evil || got.XAxis[0].Data[1] != chinese {
		t.Fatalf("names did not survive as data: %+v", got.XAxis)
	}
	if got.Series[0].Data[1].Value != 88.25 {
		t.Fatalf("values changed: %+v", got.Series)
	}
}
