package survey

import "net/http"

const (
	get  = http.MethodGet
	post = http.MethodPost
)

// importBodyLimit bounds department and other file uploads.
const importBodyLimit = 10 << 20

// The metrics and ratings imports take larger files (see tabfile limits in
// metric_import.go and rating_import.go), plus the multipart framing.
const (
	metricImportBodyLimit = 50<<20 + 1<<20
	ratingImportBodyLimit = MaxRatingImportBytes + 1<<20
)

// routes is the survey package's whole HTTP surface. Every route names the
// roles it admits; authorize refuses anything else.
func (s *Server) routes() {
	// /static/ is served by ServeHTTP ahead of the session middleware: public,
	// GET and HEAD only, no session read or written.
	s.Route("healthz", "/healthz", Public, s.handleHealth, get)
	s.Route("root", "/", Public, s.handleRoot, get)
	s.Route("lang", "/lang", Public, s.handleLang, get)

	// Citizens rate services without signing in (see rating_handlers.go).
	s.Route("rate", "/r/{slug:[A-Za-z0-9_-]+}", Public, s.handleRate, get)
	s.Route("rate.post", "/r/{slug:[A-Za-z0-9_-]+}", Public, s.handleRatePost, post)
	s.Route("rate.thanks", "/r/{slug:[A-Za-z0-9_-]+}/thanks", Public, s.handleRateThanks, get)

	s.Route("login", "/login", Public, s.handleLoginForm, get)
	s.Route("login.post", "/login", Public, s.handleLogin, post)
	s.Route("logout", "/logout", SignedIn, s.handleLogout, post)

	s.Route("home", "/home", SignedIn, s.handleHome, get)
	s.Route("me", "/me", SignedIn, s.handleMe, get)
	s.Route("me.password", "/me/password", SignedIn, s.handleMyPassword, post)
	s.Route("me.lang", "/me/lang", SignedIn, s.handleMyLang, post)

	official := Only(RoleOfficial)
	s.Route("fill", "/fill/{id:[0-9]+}", official, s.handleFill, get)
	s.Route("fill.post", "/fill/{id:[0-9]+}", official, s.handleFillPost, post)
	s.Route("fill.receipt", "/fill/{id:[0-9]+}/receipt", official, s.handleFillReceipt, get)
	s.Route("fill.autosave", "/fill/{id:[0-9]+}/autosave", official, s.handleFillAutosave, post)

	admin := Only(RoleAdmin)
	s.Route("departments", "/admin/departments", admin, s.handleDepartments, get)
	s.Route("department.new", "/admin/departments/new", admin, s.handleDepartmentNew, get)
	s.Route("department.create", "/admin/departments/new", admin, s.handleDepartmentCreate, post)
	s.Route("department.edit", "/admin/departments/{id:[0-9]+}/edit", admin, s.handleDepartmentEdit, get)
	s.Route("department.update", "/admin/departments/{id:[0-9]+}/edit", admin, s.handleDepartmentUpdate, post)
	s.Route("department.active", "/admin/departments/{id:[0-9]+}/active", admin, s.handleDepartmentActive, post)
	s.Route("department.import.form", "/admin/departments/import", admin, s.handleDepartmentImportForm, get)
	s.Route("department.import", "/admin/departments/import",
		Policy{Roles: []Role{RoleAdmin}, MaxBody: importBodyLimit}, s.handleDepartmentImport, post)
	s.Route("department.template", "/admin/departments/template.csv", admin, s.handleDepartmentTemplate, get)

	s.Route("accounts", "/admin/accounts", admin, s.handleAccounts, get)
	s.Route("account.new", "/admin/accounts/new", admin, s.handleAccountNew, get)
	s.Route("account.create", "/admin/accounts/new", admin, s.handleAccountCreate, post)
	s.Route("account.disabled", "/admin/accounts/{id:[0-9]+}/disabled", admin, s.handleAccountDisabled, post)
	s.Route("account.reset", "/admin/accounts/{id:[0-9]+}/password", admin, s.handleAccountResetForm, get)
	s.Route("account.reset.post", "/admin/accounts/{id:[0-9]+}/password", admin, s.handleAccountReset, post)

	s.Route("instruments", "/admin/instruments", admin, s.handleInstruments, get)
	s.Route("instrument.upload", "/admin/instruments",
		Policy{Roles: []Role{RoleAdmin}, MaxBody: importBodyLimit}, s.handleInstrumentUpload, post)
	s.Route("instrument", "/admin/instruments/{id:[0-9]+}", admin, s.handleInstrument, get)
	s.Route("instrument.publish", "/admin/instruments/{id:[0-9]+}/publish", admin, s.handleInstrumentPublish, post)

	// Evaluators read campaigns, reviews and exports; they change nothing.
	readers := Only(RoleAdmin, RoleEvaluator)
	s.Route("campaigns", "/admin/campaigns", readers, s.handleCampaigns, get)
	s.Route("campaign.new", "/admin/campaigns/new", admin, s.handleCampaignNew, get)
	s.Route("campaign.create", "/admin/campaigns/new", admin, s.handleCampaignCreate, post)
	s.Route("campaign", "/admin/campaigns/{id:[0-9]+}", readers, s.handleCampaign, get)
	s.Route("campaign.assign", "/admin/campaigns/{id:[0-9]+}/assign", admin, s.handleCampaignAssign, post)
	s.Route("campaign.status", "/admin/campaigns/{id:[0-9]+}/status", admin, s.handleCampaignStatus, post)
	s.Route("campaign.profiles", "/admin/campaigns/{id:[0-9]+}/profiles", admin, s.handleCampaignProfiles, post)
	s.Route("campaign.missing", "/admin/campaigns/{id:[0-9]+}/missing.csv", readers, s.handleCampaignMissing, get)
	s.Route("campaign.responses.csv", "/admin/campaigns/{id:[0-9]+}/responses.csv", readers, s.handleResponsesCSV, get)
	s.Route("campaign.responses.xlsx", "/admin/campaigns/{id:[0-9]+}/responses.xlsx", readers, s.handleResponsesXLSX, get)

	// Assessment runs: evaluators read them, admins compute and publish.
	s.Route("runs", "/admin/campaigns/{id:[0-9]+}/runs", readers, s.handleRuns, get)
	s.Route("runs.compute", "/admin/campaigns/{id:[0-9]+}/runs", admin, s.handleRunCompute, post)
	s.Route("run", "/admin/runs/{id:[0-9]+}", readers, s.handleRun, get)
	s.Route("run.publish", "/admin/runs/{id:[0-9]+}/publish", admin, s.handleRunPublish, post)

	// Framework versions (framework_handlers.go): evaluators read them,
	// admins load them and derive new versions by budget points.
	s.Route("frameworks", "/admin/frameworks", readers, s.handleFrameworks, get)
	s.Route("framework.upload", "/admin/frameworks", admin, s.handleFrameworkUpload, post)
	s.Route("framework", "/admin/frameworks/{id:[0-9]+}", readers, s.handleFramework, get)
	s.Route("framework.yaml", "/admin/frameworks/{id:[0-9]+}/framework.yaml", readers, s.handleFrameworkYAML, get)
	s.Route("framework.weights", "/admin/frameworks/{id:[0-9]+}/weights", admin, s.handleFrameworkWeights, get)
	s.Route("framework.weights.post", "/admin/frameworks/{id:[0-9]+}/weights", admin, s.handleFrameworkWeightsPost, post)
	// AHP rounds (ahp_handlers.go): an admin opens a round on a node of a
	// framework version and invites evaluators; each invited evaluator
	// fills the pairwise comparisons (the handler admits only invitees);
	// closing combines them into a new framework version.
	s.Route("ahp.create", "/admin/frameworks/{id:[0-9]+}/ahp", admin, s.handleAHPCreate, post)
	s.Route("ahp.rounds", "/ahp", readers, s.handleAHPRounds, get)
	s.Route("ahp.round", "/ahp/{id:[0-9]+}", readers, s.handleAHPRound, get)
	s.Route("ahp.submit", "/ahp/{id:[0-9]+}", readers, s.handleAHPSubmit, post)
	s.Route("ahp.check", "/ahp/{id:[0-9]+}/check", readers, s.handleAHPCheck, post)
	s.Route("ahp.close", "/ahp/{id:[0-9]+}/close", admin, s.handleAHPClose, post)

	s.Route("review", "/admin/assignments/{id:[0-9]+}", readers, s.handleReview, get)
	s.Route("review.decide", "/admin/assignments/{id:[0-9]+}/review", admin, s.handleReviewDecide, post)

	s.Route("ratings", "/admin/ratings", admin, s.handleRatings, get)
	s.Route("rating.link.create", "/admin/ratings/links", admin, s.handleRatingLinkCreate, post)
	s.Route("rating.poster", "/admin/ratings/links/{id:[0-9]+}/poster", admin, s.handleRatingPoster, get)
	s.Route("rating.qr.png", "/admin/ratings/links/{id:[0-9]+}/qr.png", admin, s.handleRatingQR("png"), get)
	s.Route("rating.qr.svg", "/admin/ratings/links/{id:[0-9]+}/qr.svg", admin, s.handleRatingQR("svg"), get)
	// The ratings one by one: officials see their own department's (the
	// handler scopes them), admins and evaluators every department's.
	s.Route("ratings.list", "/ratings", Only(RoleAdmin, RoleEvaluator, RoleOfficial), s.handleRatingList, get)

	// Platform metrics and ratings from other systems, as batches.
	s.Route("imports", "/admin/imports", admin, s.handleImports, get)
	s.Route("imports.metrics", "/admin/imports/metrics",
		Policy{Roles: []Role{RoleAdmin}, MaxBody: metricImportBodyLimit}, s.handleMetricsImport, post)
	s.Route("imports.ratings", "/admin/imports/ratings",
		Policy{Roles: []Role{RoleAdmin}, MaxBody: ratingImportBodyLimit}, s.handleRatingsImport, post)
	s.Route("imports.rollback", "/admin/imports/{id:[0-9]+}/rollback", admin, s.handleImportRollback, post)
	s.Route("imports.template.xlsx", "/admin/imports/metrics-template.xlsx", admin, s.handleMetricsTemplateXLSX, get)
	s.Route("imports.template.csv", "/admin/imports/metrics-template.csv", admin, s.handleMetricsTemplateCSV, get)
	s.Route("imports.ratings.template", "/admin/imports/ratings-template.csv", admin, s.handleRatingsTemplateCSV, get)

	s.Route("calendar", "/admin/calendar", admin, s.handleCalendar, get)
	s.Route("calendar.save", "/admin/calendar", admin, s.handleCalendarSave, post)

	// Rectification tickets: officials see their own department's (the
	// handlers scope them), admins and evaluators every department's.
	everyone := Only(RoleAdmin, RoleEvaluator, RoleOfficial)
	s.Route("tickets", "/tickets", everyone, s.handleTickets, get)
	s.Route("ticket", "/tickets/{id:[0-9]+}", everyone, s.handleTicket, get)
	s.Route("ticket.respond", "/tickets/{id:[0-9]+}/respond", official, s.handleTicketRespond, post)
	s.Route("ticket.review", "/tickets/{id:[0-9]+}/review", admin, s.handleTicketReview, post)

	s.Route("audit", "/admin/audit", admin, s.handleAudit, get)

	// Tokens for machines to read the JSON API (token_handlers.go).
	s.Route("tokens", "/admin/tokens", admin, s.handleTokens, get)
	s.Route("token.create", "/admin/tokens", admin, s.handleTokenCreate, post)
	s.Route("token.revoke", "/admin/tokens/{id:[0-9]+}/revoke", admin, s.handleTokenRevoke, post)
}
