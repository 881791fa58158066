package survey

import (
	"errors"
	"net/http"
	"strconv"
)

// Pages of assessment runs: a campaign's runs (/admin/campaigns/{id}/runs)
// where an admin computes the draft, and one run (/admin/runs/{id}) with
// its inputs' coverage, the ranking, the changes from the published run
// and, for a draft, the publish button. Admins and evaluators read them;
// only admins compute and publish.

type runsData struct {
	Campaign *Campaign
	Runs     []AssessmentRun
	Error    string // why the last computation was refused
}

type runData struct {
	Campaign  *Campaign
	Run       *AssessmentRun
	Coverage  RunCoverage
	Ranking   []rankRow
	Published *AssessmentRun // the campaign's latest published run, when this is a draft
	Changes   []changeRow
}

type rankRow struct {
	Rank  int
	Code  string
	Name  string
	Group string
	Score string
	Level string
}

type changeRow struct {
	Code, Name        string
	Before, After     string
	RankBefore, Rank  int
	Inputs            []inputRow
	ScoreChanged      bool
	OnlyInputsChanged bool
}

type inputRow struct{ Variable, Before, After string }

func formatScore(x *float64) string {
	if x == nil {
		return "—"
	}
	return strconv.FormatFloat(*x, 'f', 2, 64)
}

func formatInput(x *float64) string {
	if x == nil {
		return "—"
	}
	return strconv.FormatFloat(*x, 'f', -1, 64)
}

func (s *Server) handleRuns(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.runsPage(w, r, http.StatusOK, id, nil)
}

func (s *Server) runsPage(w http.ResponseWriter, r *http.Request, status int, campaignID int64, failure error) {
	ctx := r.Context()
	c, err := s.DB.FindCampaignByID(ctx, campaignID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	runs, err := s.DB.AssessmentRuns(ctx, campaignID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	p := s.page(r, "title.runs")
	d := runsData{Campaign: c, Runs: runs}
	var e *Error
	if errors.As(failure, &e) {
		d.Error = p.T(e.Key, e.Args...)
	}
	p.Data = d
	s.render(w, r, status, "runs", p)
}

// handleRunCompute computes (or recomputes) the campaign's draft run and
// shows it.
func (s *Server) handleRunCompute(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	run, err := s.DB.ComputeAssessment(r.Context(), id)
	if ErrorCode(err) == EInvalid {
		s.runsPage(w, r, http.StatusUnprocessableEntity, id, err)
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.flash(r, "ok", "runs.computed_flash")
	http.Redirect(w, r, "/admin/runs/"+itoa(run.ID), http.StatusSeeOther)
}

func (s *Server) handleRun(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	id, err := pathID(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	run, err := s.DB.FindAssessmentRun(ctx, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	c, err := s.DB.FindCampaignByID(ctx, run.CampaignID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	o, err := run.Outcome()
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d := runData{Campaign: c, Run: run, Coverage: run.CoverageOf()}
	lang := Lang(ctx)
	for _, u := range o.Units {
		d.Ranking = append(d.Ranking, rankRow{Rank: u.Rank, Code: u.Code, Name: u.Name, Group: u.Group,
			Score: formatScore(u.Score), Level: o.BandName(u.Level, lang)})
	}
	if !run.Published() {
		if d.Published, err = s.DB.LatestPublishedRun(ctx, run.CampaignID); err != nil {
			s.fail(w, r, err)
			return
		}
		if d.Published != nil {
			changes, err := CompareRuns(d.Published, run)
			if err != nil {
				s.fail(w, r, err)
				return
			}
			for _, ch := range changes {
				row := changeRow{Code: ch.Code, Name: ch.Name, Before: formatScore(ch.Before), After: formatScore(ch.After),
					RankBefore: ch.RankBefore, Rank: ch.Rank, ScoreChanged: !sameNumber(ch.Before, ch.After) || ch.RankBefore != ch.Rank}
				row.OnlyInputsChanged = !row.ScoreChanged
				for _, in := range ch.Inputs {
					row.Inputs = append(row.Inputs, inputRow{in.Variable, formatInput(in.Before), formatInput(in.After)})
				}
				d.Changes = append(d.Changes, row)
			}
		}
	}
	p := s.page(r, "title.run")
	p.Data = d
	s.render(w, r, http.StatusOK, "run", p)
}

// handleRunPublish freezes a draft run.
func (s *Server) handleRunPublish(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if err := s.DB.PublishAssessment(r.Context(), id); err != nil {
		s.fail(w, r, err)
		return
	}
	s.flash(r, "ok", "runs.published")
	http.Redirect(w, r, "/admin/runs/"+itoa(id), http.StatusSeeOther)
}
