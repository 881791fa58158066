package main

import (
	"context"
	"database/sql"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"strconv"
	"time"

	"govkpi/survey"
	"govkpi/survey/instrument"
)

// The demo's self-assessment answers: every department has a capability
// (city bureaus a little ahead of district offices, the data bureau ahead
// of all) and answers each maturity question near it, so departments differ
// and a department's answers hang together. Everything is drawn from a
// generator seeded by the department code and year, so the demo is the same
// on every machine.

// demoEvidence is what an official writes as evidence, by pillar.
var demoEvidence = []string{
	"《政务服务“好差评”工作实施细则》及季度分析报告",
	"系统架构设计说明书（2024版），已接入市统一身份认证",
	"《信息系统运维管理办法》，年度运维报告",
	"政务云资源使用清单，迁移上云系统 12 个",
	"已对接电子证照、电子印章、统一支付等公共组件",
	"设立首席数据官，印发《数据安全管理制度》，年度培训 4 次",
	"“一件事一次办”事项清单，跨省通办事项 36 项",
	"“一网统管”监管平台接入数据目录",
	"领导驾驶舱与月度数据分析专报",
	"与市场监管、税务联合开展数据共享创新项目",
}

var demoRespondents = []struct{ name, position string }{
	{"陈数据", "办公室 副主任"}, {"张明", "信息中心 主任"}, {"刘芳", "科技信息科 科长"},
	{"赵磊", "综合科 副科长"}, {"孙丽", "数据管理科 科员"}, {"周伟", "办公室 主任"},
	{"吴静", "信息化办公室 工程师"}, {"郑强", "政务服务科 科长"},
}

func demoRand(code string, year int) *rand.Rand {
	h := fnv.New64a()
	fmt.Fprintf(h, "%s/%d", code, year)
	return rand.New(rand.NewPCG(h.Sum64(), uint64(year)))
}

// demoAnswers makes a complete self-assessment for a department. A year
// later the same department tends to have improved a little.
func demoAnswers(inst *instrument.Instrument, d survey.Assignment, year int) instrument.Answers {
	base := demoRand(d.DepartmentCode, 0)
	capability := 1.6 + base.Float64()*1.8 // 1.6 … 3.4
	if len(d.DepartmentCode) <= 6 {        // city bureaus: LJ-XXX
		capability += 0.4
	}
	if d.DepartmentCode == "LJ-ZSJ" {
		capability = 3.9
	}
	capability += 0.3 * float64(year-2025)
	r := demoRand(d.DepartmentCode, year)
	who := demoRespondents[base.IntN(len(demoRespondents))]
	a := instrument.Answers{
		"respondent_name":     who.name,
		"respondent_position": who.position,
		"respondent_phone":    fmt.Sprintf("0571-8%07d", base.IntN(10_000_000)),
	}
	unknown := false
	for i := 1; i <= 10; i++ {
		name := "ma" + strconv.Itoa(i) + "_level"
		level := int(capability + r.NormFloat64()*0.7 + 0.5)
		level = max(1, min(5, level))
		if r.IntN(40) == 0 {
			level, unknown = 0, true // now and then a pillar the official cannot judge
		}
		a[name] = strconv.Itoa(level)
		if level >= 3 {
			a[name+"_evidence"] = demoEvidence[i-1]
		}
	}
	if unknown {
		a["unknown_reason"] = "该项工作由上级部门统一建设，本部门无法判断所处等级。"
	}
	if r.IntN(4) == 0 {
		a["respondent_comment"] = "建议下一年度增加对基层数据共享的专项评估。"
	}
	return inst.Settle(a)
}

// demoPlan is how far a department got in the open campaign: the demo
// officials' departments each show one state, the rest are spread.
func demoPlan(code string, r *rand.Rand) string {
	switch code {
	case "LJ-ZSJ":
		return "not_started" // left for a visitor to fill
	case "LJ-GA":
		return "returned"
	case "LJ-RS":
		return "submitted"
	case "LJ-DH-WJ":
		return "draft"
	case "LJ-XL-SJ":
		return "approved"
	}
	switch n := r.IntN(20); {
	case n < 4:
		return "not_started"
	case n < 7:
		return "draft"
	case n < 11:
		return "submitted"
	case n < 13:
		return "returned"
	case n < 15:
		return "resubmitted"
	default:
		return "approved"
	}
}

var demoReturnComments = []string{
	"MA3 运营体系选择了 4 级，但佐证材料只有制度名称，请补充年度运维报告。",
	"MA6 佐证材料中未见首席数据官任命文件，请补充或调整等级。",
	"填报人联系电话有误，请核对后重新提交。",
	"MA7 与去年相比提升两级，请说明新增的“一件事”事项。",
}

// demoActors finds the accounts the demo's actions are made by: the admin
// reviews, and each demo official answers for their department.
type demoActors struct {
	admin     context.Context
	officials map[string]context.Context // by department code
	nobody    context.Context
}

func newDemoActors(ctx context.Context, db *survey.DB) (*demoActors, error) {
	as := func(username string) (context.Context, error) {
		a, err := db.FindAccountByUsername(ctx, username)
		if err != nil {
			return nil, fmt.Errorf("demo account %s: %w", username, err)
		}
		return survey.WithActor(ctx, survey.AuditEntry{ActorID: sql.NullInt64{Int64: a.ID, Valid: true}, ActorName: username}), nil
	}
	out := &demoActors{officials: map[string]context.Context{}, nobody: ctx}
	var err error
	if out.admin, err = as("admin"); err != nil {
		return nil, err
	}
	for _, a := range demoAccounts {
		if a.dept == "" {
			continue
		}
		if out.officials[a.dept], err = as(a.username); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func (d *demoActors) official(code string) context.Context {
	if ctx, ok := d.officials[code]; ok {
		return ctx
	}
	return d.nobody
}

// seedResponses brings every assignment of campaign to the state plan
// gives it, through the same store calls an official and a reviewer make.
func seedResponses(ctx context.Context, db *survey.DB, actors *demoActors, c *survey.Campaign, year int, plan func(code string, r *rand.Rand) string) error {
	st, err := db.FindInstrumentByID(ctx, c.InstrumentID)
	if err != nil {
		return err
	}
	inst, err := st.Instrument()
	if err != nil {
		return err
	}
	all, err := db.CampaignAssignments(ctx, c.ID)
	if err != nil {
		return err
	}
	for _, a := range all {
		r := demoRand(a.DepartmentCode+"/plan", year)
		state := plan(a.DepartmentCode, r)
		if state == "not_started" {
			continue
		}
		who := actors.official(a.DepartmentCode)
		answers := demoAnswers(inst, a, year)
		if state == "draft" {
			partial := instrument.Answers{}
			for k, v := range answers {
				if k < "ma6" { // the first pillars, as if stopped half-way
					partial[k] = v
				}
			}
			if _, err := db.SaveDraft(who, a.ID, partial, 0); err != nil {
				return fmt.Errorf("demo draft %s: %w", a.DepartmentCode, err)
			}
			continue
		}
		version, err := db.SaveDraft(who, a.ID, answers, 0)
		if err != nil {
			return fmt.Errorf("demo draft %s: %w", a.DepartmentCode, err)
		}
		clientID := fmt.Sprintf("demo-%d-%s-1", year, a.DepartmentCode)
		if _, err := db.SubmitResponse(who, a.ID, clientID, answers); err != nil {
			return fmt.Errorf("demo submit %s: %w", a.DepartmentCode, err)
		}
		if state == "submitted" {
			continue
		}
		wasReturned := state == "returned" || state == "resubmitted" || r.IntN(5) == 0
		if wasReturned {
			comment := demoReturnComments[r.IntN(len(demoReturnComments))]
			if err := db.Review(actors.admin, a.ID, survey.ReviewReturn, comment); err != nil {
				return fmt.Errorf("demo return %s: %w", a.DepartmentCode, err)
			}
			if state == "returned" {
				continue
			}
			// The official corrects one answer and resubmits.
			answers["respondent_phone"] = fmt.Sprintf("0571-8%07d", r.IntN(10_000_000))
			if _, err := db.SaveDraft(who, a.ID, answers, version); err != nil {
				return fmt.Errorf("demo correction %s: %w", a.DepartmentCode, err)
			}
			if _, err := db.SubmitResponse(who, a.ID, clientID[:len(clientID)-1]+"2", answers); err != nil {
				return fmt.Errorf("demo resubmit %s: %w", a.DepartmentCode, err)
			}
			if state == "resubmitted" {
				continue
			}
		}
		if err := db.Review(actors.admin, a.ID, survey.ReviewApprove, ""); err != nil {
			return fmt.Errorf("demo approval %s: %w", a.DepartmentCode, err)
		}
	}
	return nil
}

// seedCampaigns makes last year's campaign, answered, approved and
// published, and this year's, open with answers in every state.
func seedCampaigns(ctx context.Context, db *survey.DB, instrumentID int64) error {
	actors, err := newDemoActors(ctx, db)
	if err != nil {
		return err
	}
	year := time.Now().Year()
	last, err := demoCampaign(ctx, db, instrumentID, year-1)
	if err != nil {
		return err
	}
	if err := seedResponses(ctx, db, actors, last, year-1, func(string, *rand.Rand) string { return "approved" }); err != nil {
		return err
	}
	for _, status := range []string{"closed", "published"} {
		if err := db.SetCampaignStatus(actors.admin, last.ID, status); err != nil {
			return fmt.Errorf("demo campaign %d: %w", year-1, err)
		}
	}
	this, err := demoCampaign(ctx, db, instrumentID, year)
	if err != nil {
		return err
	}
	return seedResponses(ctx, db, actors, this, year, demoPlan)
}

// demoCampaign opens the self-assessment campaign of year for every city
// bureau and district office, due at the end of the year.
func demoCampaign(ctx context.Context, db *survey.DB, instrumentID int64, year int) (*survey.Campaign, error) {
	c, err := db.CreateCampaign(ctx, survey.CampaignInput{
		Code: fmt.Sprintf("SA-%d", year), NameZh: fmt.Sprintf("%d 年度部门数字化能力自评", year),
		NameEn: fmt.Sprintf("%d department digital maturity self-assessment", year), Period: fmt.Sprintf("%d 年度", year),
		InstrumentID: instrumentID, FrameworkVersion: "DGMI 2026.1",
		OpensAt:  time.Date(year, 1, 1, 0, 0, 0, 0, time.UTC),
		ClosesAt: time.Date(year, 12, 31, 15, 59, 0, 0, time.UTC), // 23:59 in China
	})
	if err != nil {
		return nil, fmt.Errorf("demo campaign %d: %w", year, err)
	}
	for _, level := range []string{"city", "district"} {
		if _, err := db.AssignDepartments(ctx, c.ID, survey.DepartmentSelection{Level: level}); err != nil {
			return nil, fmt.Errorf("demo campaign %d: %w", year, err)
		}
	}
	if err := db.SetCampaignStatus(ctx, c.ID, "open"); err != nil {
		return nil, fmt.Errorf("demo campaign %d: %w", year, err)
	}
	return c, nil
}
