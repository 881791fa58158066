package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"govkpi/survey"
)

// Demo platform metrics: one import batch per year (last year and this
// one) with every metric variable for every city bureau and district
// office, as the sharing/exchange platform and the service-item and case
// systems would report them. A department's capability is drawn once from
// its code and grows a little from one year to the next, so the ratios
// differ between departments in a stable way; a few departments leave a
// few figures out, as real reports do.

func seedMetrics(ctx context.Context, db *survey.DB, loc *time.Location) error {
	var depts []survey.Department
	for _, level := range []string{"city", "district"} {
		list, _, err := db.FindDepartments(ctx, survey.DepartmentFilter{Level: level, Active: "true", Limit: 500})
		if err != nil {
			return err
		}
		depts = append(depts, list...)
	}
	ctx = survey.WithActor(ctx, survey.AuditEntry{ActorName: "demo"})
	year := time.Now().In(loc).Year()
	for _, y := range []int{year - 1, year} {
		var buf bytes.Buffer
		w := csv.NewWriter(&buf)
		w.Write([]string{"period", "department_code", "variable", "value", "source"})
		for _, d := range depts {
			for _, m := range demoMetrics(d, y, year-1) {
				w.Write([]string{strconv.Itoa(y), d.Code, m.variable, strconv.FormatFloat(m.value, 'f', -1, 64), m.source})
			}
		}
		w.Flush()
		if _, err := db.ImportMetrics(ctx, &buf, fmt.Sprintf("demo-metrics-%d.csv", y)); err != nil {
			return fmt.Errorf("demo metrics %d: %w", y, err)
		}
	}
	return nil
}

type demoMetric struct {
	variable string
	value    float64
	source   string
}

// demoMetrics draws a department's figures for year; first is the first
// demo year, from which capability grows.
func demoMetrics(d survey.Department, year, first int) []demoMetric {
	base := demoRand(d.Code+"/metrics", 0)
	c := 0.35 + base.Float64()*0.55 // capability, 0.35–0.9
	size := 0.4 + base.Float64()*1.6
	switch d.Category {
	case "公安", "人社", "市场监管":
		size *= 3
	}
	c = math.Min(0.97, c+float64(year-first)*(0.02+base.Float64()*0.05))
	r := demoRand(d.Code+"/metrics", year)
	jitter := func() float64 { return 0.9 + r.Float64()*0.2 }
	n := func(x float64) float64 { return math.Max(0, math.Round(x)) }
	frac := func(whole, share float64) float64 { return math.Min(whole, n(whole*math.Min(1, share*jitter()))) }

	inventory := n(120 * size * jitter())
	catalogued := frac(inventory, 0.6+0.4*c)
	unconditional := frac(catalogued, 0.25+0.35*c)
	conditional := math.Min(catalogued-unconditional, n(catalogued*0.3*r.Float64()))
	received := n(150 * size * jitter())
	answered := frac(received, 0.55+0.43*c)
	refused := n(received * 0.05 * r.Float64())
	delivered := frac(received-refused, 0.65+0.33*c)
	withFreq := frac(catalogued, 0.8)
	updated := frac(withFreq, 0.45+0.5*c)
	open := n(inventory * 0.2 * r.Float64())
	openAPI := frac(open, 0.3+0.6*c)
	materials := n(400 * size * jitter())
	exempted := frac(materials, 0.1+0.5*c)
	items := n(90 * size * jitter())
	fullyOnline := frac(items, 0.45+0.5*c)
	oneVisit := frac(items, 0.7+0.28*c)
	cases := n(12000 * size * jitter())
	casesOnline := frac(cases, 0.25+0.65*c)
	onTime := frac(cases, 0.85+0.14*c)
	started := n(casesOnline * 1.05)
	concluded := frac(started, 0.88+0.11*c)
	statutory := items * 20
	promised := frac(statutory, 1-(0.25+0.5*c))
	out := []demoMetric{
		{"sh_resources_inventory", inventory, "共享交换平台"},
		{"sh_resources_catalogued", catalogued, "共享交换平台"},
		{"sh_resources_unconditional", unconditional, "共享交换平台"},
		{"sh_resources_conditional", conditional, "共享交换平台"},
		{"sh_requests_received", received, "共享交换平台"},
		{"sh_requests_answered_on_time", answered, "共享交换平台"},
		{"sh_requests_delivered", delivered, "共享交换平台"},
		{"sh_requests_refused_lawfully", refused, "共享交换平台"},
		{"sh_datasets_with_frequency", withFreq, "共享交换平台"},
		{"sh_datasets_updated_on_time", updated, "共享交换平台"},
		{"sh_api_calls_by_others", n(40000 * size * c * jitter()), "共享交换平台"},
		{"sh_open_datasets", open, "公共数据开放平台"},
		{"sh_open_datasets_api", openAPI, "公共数据开放平台"},
		{"sh_materials_required", materials, "事项管理系统"},
		{"sh_materials_exempted", exempted, "电子证照库"},
		{"ef_items_total", items, "事项管理系统"},
		{"ef_items_fully_online", fullyOnline, "事项管理系统"},
		{"ef_items_one_visit", oneVisit, "事项管理系统"},
		{"ef_cases_completed", cases, "办件系统"},
		{"ef_cases_completed_online", casesOnline, "办件系统"},
		{"ef_cases_completed_on_time", onTime, "办件系统"},
		{"ef_online_applications_started", started, "办件系统"},
		{"ef_online_applications_concluded", concluded, "办件系统"},
		{"ef_promised_days_total", promised, "事项管理系统"},
		{"ef_statutory_days_total", statutory, "事项管理系统"},
		{"ef_processing_days_mean", math.Round((1+9*(1-c))*jitter()*10) / 10, "办件系统"},
		{"ef_promised_days_mean", math.Round((4+8*(1-c))*10) / 10, "办件系统"},
		{"ef_statutory_days_mean", 20, "事项管理系统"},
		{"ef_cost_total", n(cases * (60 + 120*(1-c)) * jitter()), "财务决算"},
		{"ef_cost_target", 60, "考核办"},
		{"ef_cost_ceiling", 200, "考核办"},
	}
	// About one department in eight leaves its open-data figures out.
	if base.IntN(8) == 0 {
		out = slices.DeleteFunc(out, func(m demoMetric) bool { return strings.HasPrefix(m.variable, "sh_open_") })
	}
	return out
}
