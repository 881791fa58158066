package dashboard

import (
	"net/http"

	"govkpi/survey"
)

// Register adds the dashboard's routes to the server. This is the
// package's whole HTTP surface: every route names the roles it admits, and
// a handler that admits officials narrows what they see with allowed.
func Register(s *survey.Server) *Dashboard {
	p := &pages{s: s, models: newModels(s.DB, 6), trends: newTrends(s.DB, 64), printer: newPrinter(findChromium)}
	// Bulk exports a restart interrupted are failed, so their starters can
	// start them again (jobs.go).
	p.failInterruptedJobs()
	get := http.MethodGet
	readers := survey.Only(survey.RoleAdmin, survey.RoleEvaluator)
	withOfficials := survey.Only(survey.RoleAdmin, survey.RoleEvaluator, survey.RoleOfficial)
	const run = "/dashboard/runs/{id:[0-9]+}"
	const chart = "/{chart:[a-z0-9-]+}.csv"
	const dept = "/departments/{code}"

	// The overview (run.go): officials see a published run's.
	s.Route("dashboard.run", run, withOfficials, p.handleRun, get)
	s.Route("dashboard.run.csv", run+chart, withOfficials, p.handleChartCSV, get)

	// A department's profile and its indicators' provenance (profile.go):
	// officials see their own department's, in published runs.
	s.Route("dashboard.department", run+dept, withOfficials, p.handleProfile, get)
	s.Route("dashboard.department.csv", run+dept+chart, withOfficials, p.handleProfileCSV, get)
	s.Route("dashboard.provenance", run+dept+"/indicators/{node}", withOfficials, p.handleProvenance, get)
	// Two to five departments side by side (profile.go).
	s.Route("dashboard.compare", run+"/compare", readers, p.handleCompare, get)
	s.Route("dashboard.compare.csv", run+"/compare"+chart, readers, p.handleCompareCSV, get)

	// Uncertainty, methodology and data quality (analysis.go); officials
	// read a published run's methodology.
	s.Route("dashboard.uncertainty", run+"/uncertainty", readers, p.handleUncertainty, get)
	s.Route("dashboard.uncertainty.csv", run+"/uncertainty"+chart, readers, p.handleUncertaintyCSV, get)
	s.Route("dashboard.methodology", run+"/methodology", withOfficials, p.handleMethodology, get)
	s.Route("dashboard.methodology.csv", run+"/methodology"+chart, withOfficials, p.handleMethodologyCSV, get)
	s.Route("dashboard.quality", run+"/quality", readers, p.handleQuality, get)
	s.Route("dashboard.quality.csv", run+"/quality"+chart, readers, p.handleQualityCSV, get)

	// Scorecards and exports (scorecard.go, export_xlsx.go): a department's
	// scorecard as a printable page, PDF and workbook, with the profile's
	// access rule; the run's workbook and CSVs for admins and evaluators.
	// /print/{token} is how the server's own headless Chromium reads a
	// scorecard to print it: public, but only with a one-time token the
	// PDF handler has just made, from this machine.
	s.Route("export.scorecard", run+dept+"/scorecard", withOfficials, p.handleScorecard, get)
	s.Route("export.scorecard.pdf", run+dept+"/scorecard.pdf", withOfficials, p.handleScorecardPDF, get)
	s.Route("export.scorecard.xlsx", run+dept+"/scorecard.xlsx", withOfficials, p.handleScorecardXLSX, get)
	s.Route("export.run.xlsx", run+"/export.xlsx", readers, p.handleRunXLSX, get)
	s.Route("export.run.csv", run+"/export/{what:scores|indicators}.csv", readers, p.handleRunExportCSV, get)
	s.Route("export.print", printRoute, survey.Public, p.handlePrint, get)
	// The ranking report (report.go): the document an office circulates,
	// as a page and PDF; officials read a published run's.
	s.Route("export.report", run+"/report", withOfficials, p.handleReport, get)
	s.Route("export.report.pdf", run+"/report.pdf", withOfficials, p.handleReportPDF, get)
	// Bulk exports (jobs.go): every department's workbook and PDF and the
	// run's workbook in one ZIP, made in the background; a job is its
	// starter's (and admins') to follow and download.
	s.Route("export.job.create", run+"/exports", readers, p.handleJobCreate, http.MethodPost)
	s.Route("export.job", "/exports/{job:[0-9]+}", readers, p.handleJob, get)
	s.Route("export.job.status", "/exports/{job:[0-9]+}/status.json", readers, p.handleJobStatus, get)
	s.Route("export.job.download", "/exports/{job:[0-9]+}/download", readers, p.handleJobDownload, get)

	// The read-only JSON API (api.go): signed-in readers, or a machine with
	// an admin-issued token (survey's token middleware signs it in as a
	// read-only evaluator for GET /api/ only).
	const api = "/api/v1"
	s.Route("api.campaigns", api+"/campaigns", readers, p.apiCampaigns, get)
	s.Route("api.campaign.runs", api+"/campaigns/{id:[0-9]+}/runs", readers, p.apiCampaignRuns, get)
	s.Route("api.run", api+"/runs/{id:[0-9]+}", readers, p.apiRun, get)
	s.Route("api.run.scores", api+"/runs/{id:[0-9]+}/scores", readers, p.apiScores, get)
	s.Route("api.run.department", api+"/runs/{id:[0-9]+}"+dept, readers, p.apiDepartment, get)
	s.Route("api.run.indicators", api+"/runs/{id:[0-9]+}/indicators", readers, p.apiIndicators, get)
	s.Route("api.run.methodology", api+"/runs/{id:[0-9]+}/methodology", readers, p.apiMethodology, get)
	return &Dashboard{p: p}
}

// printRoute is the print page's path (see export.print).
const printRoute = "/print/{token:[A-Za-z0-9_-]{32,}}"

// Dashboard is the package as registered on a server. Close stops what
// it started: the browser that prints PDFs, if one runs.
type Dashboard struct{ p *pages }

// Close stops the PDF printer's browser.
func (d *Dashboard) Close() { d.p.printer.close() }
