package main

import (
	"bytes"
	"context"
	_ "embed"
	"fmt"
	"time"

	"govkpi/survey"
	"govkpi/survey/instrument"
)

//go:embed demodata/departments.csv
var demoDepartments []byte

// demoPassword is printed on start; the demo database is for trying the
// product on one's own machine, never for real data.
const demoPassword = "govkpi-demo-2026"

type demoAccount struct {
	username, name string
	role           survey.Role
	dept           string
}

var demoAccounts = []demoAccount{
	{"admin", "王考核（考核办）", survey.RoleAdmin, ""},
	{"evaluator", "李评估（评估专家）", survey.RoleEvaluator, ""},
	{"zsj", "陈数据（市政数局）", survey.RoleOfficial, "LJ-ZSJ"},
	{"ga", "张警官（市公安局）", survey.RoleOfficial, "LJ-GA"},
	{"rs", "刘社保（市人社局）", survey.RoleOfficial, "LJ-RS"},
	{"dh-wj", "赵医生（东湖区卫健委）", survey.RoleOfficial, "LJ-DH-WJ"},
	{"xl-sj", "孙监管（西岭区市场监管局）", survey.RoleOfficial, "LJ-XL-SJ"},
}

// seedDemo fills an empty database with the fictional city of 澜江市 and one
// account per role (and officials for several departments). It leaves a
// database that already has departments as it is. It returns the lines to
// print: the sign-ins.
func seedDemo(ctx context.Context, db *survey.DB, path string, loc *time.Location) ([]string, error) {
	_, n, err := db.FindDepartments(ctx, survey.DepartmentFilter{Limit: 1})
	if err != nil {
		return nil, err
	}
	accounts, err := db.CountAccounts(ctx)
	if err != nil {
		return nil, err
	}
	demo, err := db.IsDemo(ctx)
	if err != nil {
		return nil, err
	}
	// Known passwords go only into a demo database: a new one, or one this
	// command made before.
	if !demo {
		if n > 0 || accounts > 0 {
			return nil, fmt.Errorf("%s is not a demo database (it has departments or accounts); "+
				"demo only seeds a new file or its own, use 'govkpi serve' for real data", path)
		}
		if err := db.MarkDemo(ctx); err != nil {
			return nil, err
		}
	}
	if n == 0 {
		if _, err := db.ImportDepartments(ctx, bytes.NewReader(demoDepartments)); err != nil {
			return nil, fmt.Errorf("import demo departments: %w", err)
		}
	}
	lines := []string{"", "Demo sign-ins (演示账号), password / 密码: " + demoPassword}
	for _, a := range demoAccounts {
		_, err := db.FindAccountByUsername(ctx, a.username)
		if survey.ErrorCode(err) == survey.ENotFound {
			_, err = db.CreateAccount(ctx, survey.AccountInput{Username: a.username, DisplayName: a.name,
				Role: a.role, DepartmentCode: a.dept, Password: demoPassword})
		}
		if err != nil {
			return nil, fmt.Errorf("demo account %s: %w", a.username, err)
		}
		lines = append(lines, fmt.Sprintf("  %-10s %-9s %s", a.username, a.role, a.name))
	}
	if list, err := db.FindInstruments(ctx); err != nil {
		return nil, err
	} else if len(list) == 0 {
		if err := seedQuestionnaires(ctx, db); err != nil {
			return nil, err
		}
		if _, err := seedRatings(ctx, db, loc); err != nil {
			return nil, fmt.Errorf("demo ratings: %w", err)
		}
		if err := seedMetrics(ctx, db, loc); err != nil {
			return nil, err
		}
		if err := seedRuns(ctx, db); err != nil {
			return nil, fmt.Errorf("demo runs: %w", err)
		}
	}
	return append(lines, ""), nil
}

// seedQuestionnaires stores the three default questionnaires and publishes
// the self-assessment and the citizen questionnaire; the data report stays a
// draft, so the demo shows both states.
func seedQuestionnaires(ctx context.Context, db *survey.DB) error {
	all, err := instrument.DefaultInstruments()
	if err != nil {
		return err
	}
	var selfAssessment int64
	for _, name := range []string{"self_assessment", "data_report", "citizen"} {
		st, err := db.ImportInstrument(ctx, all[name], "yaml", name+".yaml")
		if err != nil {
			return fmt.Errorf("demo questionnaire %s: %w", name, err)
		}
		if name != "data_report" {
			if err := db.PublishInstrument(ctx, st.ID); err != nil {
				return err
			}
		}
		if name == "self_assessment" {
			selfAssessment = st.ID
		}
	}
	return seedCampaigns(ctx, db, selfAssessment)
}

// seedRuns scores the demo's campaigns as an assessment office would: last
// year's, closed and published, is scored and its run published, so the
// dashboards have a frozen period to compare with; this year's open
// campaign gets a draft run of what has been approved so far.
func seedRuns(ctx context.Context, db *survey.DB) error {
	actors, err := newDemoActors(ctx, db)
	if err != nil {
		return err
	}
	campaigns, err := db.FindCampaigns(ctx)
	if err != nil {
		return err
	}
	year := time.Now().Year()
	for _, c := range campaigns {
		var publish bool
		switch c.Code {
		case fmt.Sprintf("SA-%d", year-1):
			publish = true
		case fmt.Sprintf("SA-%d", year):
		default:
			continue
		}
		run, err := db.ComputeAssessment(actors.admin, c.ID)
		if err != nil {
			return fmt.Errorf("score %s: %w", c.Code, err)
		}
		if publish {
			if err := db.PublishAssessment(actors.admin, run.ID); err != nil {
				return fmt.Errorf("publish %s: %w", c.Code, err)
			}
		}
	}
	return nil
}
