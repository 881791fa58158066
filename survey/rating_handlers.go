package survey

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/mux"
)

// The public rating page: no sign-in, no JavaScript needed, small enough
// for a phone on a slow connection. Abuse is limited per client address and
// per link, a honeypot field catches simple bots, and a case-bound link
// (signed by the link's case key) can be used once.

// ratingGuard holds the public rating limits and counts what they refused,
// by reason, for the admin.
type ratingGuard struct {
	byAddress, byLink *windowLimiter // nil: no limit
	mu                sync.Mutex
	refused           map[string]int
}

func newRatingGuard(perAddress, perLink int) *ratingGuard {
	g := &ratingGuard{refused: map[string]int{}}
	if perAddress > 0 {
		g.byAddress = newWindowLimiter(perAddress, time.Minute)
	}
	if perLink > 0 {
		g.byLink = newWindowLimiter(perLink, time.Minute)
	}
	return g
}

// refuse counts a refusal.
func (g *ratingGuard) refuse(reason string) {
	g.mu.Lock()
	g.refused[reason]++
	g.mu.Unlock()
}

// Refused returns the refusals counted since the start, by reason.
func (g *ratingGuard) Refused() map[string]int {
	g.mu.Lock()
	defer g.mu.Unlock()
	out := make(map[string]int, len(g.refused))
	for k, v := range g.refused {
		out[k] = v
	}
	return out
}

// allow applies both limits to one rating.
func (g *ratingGuard) allow(client, slug string) bool {
	if g.byAddress != nil && !g.byAddress.allow(normClient(client)) {
		g.refuse("address_limit")
		return false
	}
	if g.byLink != nil && !g.byLink.allow(slug) {
		g.refuse("link_limit")
		return false
	}
	return true
}

type rateOption struct {
	Value, Label string
	Checked      bool
}

type rateData struct {
	Link     *RatingLink
	Levels   []rateOption
	Channels []rateOption
	Reasons  []rateOption
	Case     string
	Sig      string
	Message  string // catalogue key of a refusal shown above the form
}

// ratingLevelKeys name the five levels, best first, as the page lists them.
var ratingLevelKeys = []struct {
	value, key string
}{{"5", "rating.level.5"}, {"4", "rating.level.4"}, {"3", "rating.level.3"}, {"2", "rating.level.2"}, {"1", "rating.level.1"}}

var ratingChannelKeys = map[string]string{"window": "rating.channel.window", "online": "rating.channel.online",
	"mobile": "rating.channel.mobile", "kiosk": "rating.channel.kiosk"}

var ratingReasonKeys = map[string]string{"process": "rating.reason.process", "time": "rating.reason.time",
	"attitude": "rating.reason.attitude", "info": "rating.reason.info", "online": "rating.reason.online",
	"visits": "rating.reason.visits", "other": "rating.reason.other"}

// loadRatingLink reads the active link of the path, or ENotFound.
func (s *Server) loadRatingLink(r *http.Request) (*RatingLink, error) {
	l, err := s.DB.FindRatingLink(r.Context(), mux.Vars(r)["slug"])
	if err != nil {
		return nil, err
	}
	if !l.Active {
		return nil, Errorf(ENotFound, "err.not_found")
	}
	return l, nil
}

// ratePage renders the form with what was posted (if anything).
func (s *Server) ratePage(w http.ResponseWriter, r *http.Request, status int, l *RatingLink, fields FieldErrors, message string) {
	p := s.page(r, "title.rate")
	p.Errors = fields
	for _, k := range []string{"comment", "phone"} {
		p.Form.Set(k, r.PostFormValue(k))
	}
	d := rateData{Link: l, Case: r.FormValue("case"), Sig: r.FormValue("sig"), Message: message}
	level, channel := r.PostFormValue("level"), r.PostFormValue("channel")
	for _, lv := range ratingLevelKeys {
		d.Levels = append(d.Levels, rateOption{Value: lv.value, Label: p.T(lv.key), Checked: lv.value == level})
	}
	for _, c := range RatingChannels {
		d.Channels = append(d.Channels, rateOption{Value: c, Label: p.T(ratingChannelKeys[c]), Checked: c == channel})
	}
	for _, c := range RatingReasons {
		d.Reasons = append(d.Reasons, rateOption{Value: c, Label: p.T(ratingReasonKeys[c]), Checked: slices.Contains(r.PostForm["reasons"], c)})
	}
	p.Data = d
	s.render(w, r, status, "rate", p)
}

func (s *Server) handleRate(w http.ResponseWriter, r *http.Request) {
	l, err := s.loadRatingLink(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if c := r.URL.Query().Get("case"); c != "" && !l.ValidCase(c, r.URL.Query().Get("sig")) {
		s.ratingGuard.refuse("bad_case_token")
		s.fail(w, r, Errorf(EForbidden, "err.rating_case_token"))
		return
	}
	s.ratePage(w, r, http.StatusOK, l, nil, "")
}

// handleRatePost stores a rating and answers with the thank-you page
// (POST/redirect/GET); a refused one shows the form again with what was
// chosen and typed.
func (s *Server) handleRatePost(w http.ResponseWriter, r *http.Request) {
	l, err := s.loadRatingLink(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	thanks := "/r/" + l.Slug + "/thanks"
	if r.PostFormValue("website") != "" {
		// The honeypot: a field people never see. Bots are thanked and
		// nothing is stored.
		s.ratingGuard.refuse("honeypot")
		http.Redirect(w, r, thanks, http.StatusSeeOther)
		return
	}
	caseID := strings.TrimSpace(r.PostFormValue("case"))
	if caseID != "" && !l.ValidCase(caseID, r.PostFormValue("sig")) {
		s.ratingGuard.refuse("bad_case_token")
		s.fail(w, r, Errorf(EForbidden, "err.rating_case_token"))
		return
	}
	if !s.ratingGuard.allow(s.clientIP(r), l.Slug) {
		s.ratePage(w, r, http.StatusTooManyRequests, l, nil, "err.rating_too_many")
		return
	}
	level, _ := strconv.Atoi(r.PostFormValue("level"))
	in := RatingInput{DepartmentID: l.DepartmentID, LinkID: l.ID, ServiceItem: l.ServiceItem, Channel: r.PostFormValue("channel"),
		Level: level, Comment: truncate(r.PostFormValue("comment"), maxRatingComment+1), Reasons: r.PostForm["reasons"],
		Phone: truncate(r.PostFormValue("phone"), 21), CaseID: caseID, Identified: caseID != ""}
	_, err = s.DB.AddRating(r.Context(), in, s.location())
	switch {
	case err == nil:
		if in.Bad() {
			thanks += "?bad=1"
		}
		http.Redirect(w, r, thanks, http.StatusSeeOther)
	case ErrorCode(err) == EInvalid:
		s.ratingGuard.refuse("invalid")
		s.ratePage(w, r, http.StatusBadRequest, l, formErrors(err), "err.form_invalid")
	case ErrorCode(err) == EConflict:
		s.ratingGuard.refuse("case_used")
		s.ratePage(w, r, http.StatusConflict, l, nil, "err.rating_case_used")
	default:
		s.fail(w, r, err)
	}
}

func (s *Server) handleRateThanks(w http.ResponseWriter, r *http.Request) {
	l, err := s.loadRatingLink(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	p := s.page(r, "title.rate_thanks")
	p.Data = struct {
		Link *RatingLink
		Bad  bool
	}{l, r.URL.Query().Get("bad") == "1"}
	s.render(w, r, http.StatusOK, "rate_thanks", p)
}
