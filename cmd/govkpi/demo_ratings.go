package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"govkpi/survey"
)

// Demo ratings: every city bureau and district office gets a rating link
// and about two years of citizens' ratings, about 200,000 in all. A
// department's volume, channel mix and quality are drawn once from its
// code, so departments differ the same way on every machine: the busy
// counters (公安, 人社, 市场监管) get the most ratings, and a few
// departments are clearly worse than the rest.

var demoComments = []string{"办事很快，工作人员很耐心。", "一次就办好了，点赞！", "网上提交很方便。", "材料要求写得很清楚。",
	"排队时间有点长。", "希望增加周末服务时间。"}

var demoBadComments = []string{"跑了三次才办成，希望一次告知所需材料。", "网上系统经常卡顿，提交失败。", "窗口人员态度冷淡。",
	"办理时间超过了承诺时限。"}

// demoRatingsPerDay is the mean daily ratings of an average department.
const demoRatingsPerDay = 4.5

func seedRatings(ctx context.Context, db *survey.DB, loc *time.Location) (int, error) {
	var depts []survey.Department
	for _, level := range []string{"city", "district"} {
		list, _, err := db.FindDepartments(ctx, survey.DepartmentFilter{Level: level, Active: "true", Limit: 500})
		if err != nil {
			return 0, err
		}
		depts = append(depts, list...)
	}
	now := time.Now().In(loc)
	start := time.Date(now.Year()-1, 1, 1, 0, 0, 0, 0, loc)
	days := int(now.Sub(start).Hours() / 24)
	total := 0
	// Ratings of the last weeks open rectification tickets as on the
	// public page; older ones are history, as if imported.
	recentFrom := now.AddDate(0, 0, -40)
	var batch, recent []survey.RatingInput
	flush := func() error {
		n, err := db.StoreRatings(ctx, batch, loc, false)
		total += n
		batch = batch[:0]
		return err
	}
	for _, d := range depts {
		link, err := db.CreateRatingLink(ctx, d.Code, "")
		if err != nil {
			return total, fmt.Errorf("demo rating link %s: %w", d.Code, err)
		}
		r := demoRand(d.Code+"/ratings", 0)
		volume := demoRatingsPerDay * (0.3 + r.Float64()*1.4)
		switch d.Category {
		case "公安", "人社", "市场监管":
			volume *= 3
		}
		quality := 0.55 + r.Float64()*0.4 // share of 非常满意 among good ratings
		badShare := 0.01 + r.Float64()*0.05
		if r.IntN(8) == 0 {
			badShare += 0.08 // a department with a problem
		}
		online := 0.2 + r.Float64()*0.5
		for day := range days {
			date := start.AddDate(0, 0, day)
			// Fewer ratings at weekends and a slow rise over the two years.
			n := volume * (0.7 + 0.6*float64(day)/float64(days))
			if wd := date.Weekday(); wd == time.Saturday || wd == time.Sunday {
				n *= 0.25
			}
			count := int(n) + boolInt(r.Float64() < n-float64(int(n)))
			for i := range count {
				in := demoRating(r, link, date, i, quality, badShare, online)
				if date.Before(recentFrom) {
					batch = append(batch, in)
				} else {
					recent = append(recent, in)
				}
			}
			if len(batch) >= 20_000 {
				if err := flush(); err != nil {
					return total, err
				}
			}
		}
	}
	if len(batch) > 0 {
		if err := flush(); err != nil {
			return total, err
		}
	}
	n, err := db.StoreRatings(ctx, recent, loc, true)
	total += n
	if err != nil {
		return total, err
	}
	return total, seedTickets(ctx, db)
}

// seedTickets works the demo's tickets as departments and the office
// would: most of the older ones answered and accepted, some sent back,
// some waiting for review; the newest still open, a few of them overdue.
func seedTickets(ctx context.Context, db *survey.DB) error {
	actors, err := newDemoActors(ctx, db)
	if err != nil {
		return err
	}
	tickets, err := db.FindRectifications(ctx, survey.RectificationFilter{Limit: 500})
	if err != nil {
		return err
	}
	outcomes := survey.RectificationOutcomes
	for i, t := range tickets {
		if i%4 == 3 || t.OpenedAt.After(time.Now().AddDate(0, 0, -7)) {
			continue // still open
		}
		who := actors.official(t.DepartmentCode)
		resp := survey.RectificationResponse{Outcome: outcomes[i%len(outcomes)], Action: demoActions[i%len(demoActions)]}
		if t.Phone != "" {
			resp.CallbackAt, resp.CallbackResult = t.OpenedAt.Add(26*time.Hour), "已电话回访，群众表示认可整改措施。"
		}
		if err := db.RespondRectification(who, t.ID, resp); err != nil {
			return fmt.Errorf("demo ticket %d: %w", t.ID, err)
		}
		switch i % 5 {
		case 0, 1, 2:
			err = db.ReviewRectification(actors.admin, t.ID, true, "")
		case 3:
			err = db.ReviewRectification(actors.admin, t.ID, false, "整改措施不够具体，请补充完成时间和责任人。")
		}
		if err != nil {
			return fmt.Errorf("demo ticket %d: %w", t.ID, err)
		}
	}
	return nil
}

var demoActions = []string{"已与窗口人员谈话提醒，并在周例会通报。", "已修复网上申报系统的上传故障。",
	"已在办事指南中补充材料清单和样表。", "已调整高峰时段窗口人手，增开一个综合窗口。"}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// demoRating draws the i-th rating of a department's day.
func demoRating(r *rand.Rand, link *survey.RatingLink, date time.Time, i int, quality, badShare, online float64) survey.RatingInput {
	in := survey.RatingInput{DepartmentID: link.DepartmentID, LinkID: link.ID, Source: "web",
		At: date.Add(time.Duration(8*3600+r.IntN(9*3600)) * time.Second)}
	switch u := r.Float64(); {
	case u < badShare*0.4:
		in.Level = 1
	case u < badShare:
		in.Level = 2
	case u < badShare+0.06:
		in.Level = 3
	case r.Float64() < quality:
		in.Level = 5
	default:
		in.Level = 4
	}
	switch u := r.Float64(); {
	case u < online*0.6:
		in.Channel = "online"
	case u < online:
		in.Channel = "mobile"
	case u < online+0.05:
		in.Channel = "kiosk"
	default:
		in.Channel = "window"
	}
	if in.Bad() {
		in.Reasons = []string{survey.RatingReasons[r.IntN(len(survey.RatingReasons))]}
		in.Comment = demoBadComments[r.IntN(len(demoBadComments))]
		if r.IntN(2) == 0 {
			in.Phone = fmt.Sprintf("139%08d", r.IntN(100_000_000))
		}
	} else if r.IntN(6) == 0 {
		in.Comment = demoComments[r.IntN(len(demoComments))]
	}
	if r.IntN(3) == 0 {
		in.CaseID = fmt.Sprintf("%s-%s-%04d", link.DepartmentCode, date.Format("20060102"), i+1)
		in.Identified = true
	}
	return in
}
