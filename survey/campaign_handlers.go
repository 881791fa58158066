package survey

import (
	"encoding/csv"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// datetimeLocal is the value format of <input type="datetime-local">.
const datetimeLocal = "2006-01-02T15:04"

func (s *Server) location() *time.Location {
	if s.Config.Location != nil {
		return s.Config.Location
	}
	return time.UTC
}

type campaignsData struct {
	Campaigns []Campaign
}

func (s *Server) handleCampaigns(w http.ResponseWriter, r *http.Request) {
	list, err := s.DB.FindCampaigns(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	p := s.page(r, "title.campaigns")
	p.Data = campaignsData{Campaigns: list}
	s.render(w, r, http.StatusOK, "campaigns", p)
}

type campaignFormData struct {
	Instruments []StoredInstrument // published versions only
	Frameworks  []FrameworkVersion // offered for the framework version field
}

func (s *Server) campaignForm(w http.ResponseWriter, r *http.Request, status int, form map[string]string, errs map[string]string) {
	all, err := s.DB.FindInstruments(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var published []StoredInstrument
	for _, in := range all {
		if in.Status == "published" {
			published = append(published, in)
		}
	}
	frameworks, err := s.DB.FrameworkVersions(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	p := s.page(r, "title.campaign_new")
	for k, v := range form {
		p.Form.Set(k, v)
	}
	if errs != nil {
		p.Errors = errs
	}
	p.Data = campaignFormData{Instruments: published, Frameworks: frameworks}
	s.render(w, r, status, "campaign_form", p)
}

func (s *Server) handleCampaignNew(w http.ResponseWriter, r *http.Request) {
	s.campaignForm(w, r, http.StatusOK, map[string]string{"framework_version": "DGMI 2026.1"}, nil)
}

// campaignInput reads the form; only these fields are ever read. Times that
// do not parse are reported as field errors beside the store's own checks.
func (s *Server) campaignInput(r *http.Request) (CampaignInput, map[string]string, FieldErrors) {
	form := map[string]string{}
	for _, k := range []string{"code", "name_zh", "name_en", "period", "instrument_id", "framework_version", "opens_at", "closes_at", "score_unapproved"} {
		form[k] = r.PostFormValue(k)
	}
	in := CampaignInput{Code: form["code"], NameZh: form["name_zh"], NameEn: form["name_en"],
		Period: form["period"], FrameworkVersion: form["framework_version"], ScoreUnapproved: form["score_unapproved"] == "1"}
	fe := FieldErrors{}
	if v := form["instrument_id"]; v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil || id <= 0 {
			fe.Add("instrument_id", "err.instrument_unknown")
		}
		in.InstrumentID = id
	}
	for _, f := range []struct {
		name string
		dst  *time.Time
	}{{"opens_at", &in.OpensAt}, {"closes_at", &in.ClosesAt}} {
		if v := strings.TrimSpace(form[f.name]); v != "" {
			t, err := time.ParseInLocation(datetimeLocal, v, s.location())
			if err != nil {
				fe.Add(f.name, "err.datetime")
			}
			*f.dst = t
		}
	}
	return in, form, fe
}

func (s *Server) handleCampaignCreate(w http.ResponseWriter, r *http.Request) {
	in, form, fe := s.campaignInput(r)
	if len(fe) > 0 {
		in.Normalize()
		for k, v := range in.Validate() {
			fe.Add(k, v)
		}
		s.campaignForm(w, r, http.StatusBadRequest, form, fe)
		return
	}
	c, err := s.DB.CreateCampaign(r.Context(), in)
	if fields := formErrors(err); fields != nil {
		s.campaignForm(w, r, ErrorStatus(ErrorCode(err)), form, fields)
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.flash(r, "ok", "flash.saved")
	http.Redirect(w, r, "/admin/campaigns/"+itoa(c.ID), http.StatusSeeOther)
}

type campaignData struct {
	Campaign    *Campaign
	Progress    *CampaignProgress
	Levels      []string
	Categories  []string
	States      []string
	State       string       // the state the assignment list is filtered on
	Assignments []Assignment // one page of the list
	Pager       Pager
}

// campaignPage renders the campaign's details and progress board, with the
// assignment form's input and errors when it was refused.
func (s *Server) campaignPage(w http.ResponseWriter, r *http.Request, status int, id int64, form map[string]string, err error) {
	c, cerr := s.DB.FindCampaignByID(r.Context(), id)
	if cerr != nil {
		s.fail(w, r, cerr)
		return
	}
	prog, cerr := s.DB.CampaignProgress(r.Context(), id)
	if cerr != nil {
		s.fail(w, r, cerr)
		return
	}
	cats, cerr := s.DB.DepartmentCategories(r.Context())
	if cerr != nil {
		s.fail(w, r, cerr)
		return
	}
	p := s.page(r, "title.campaign")
	for k, v := range form {
		p.Form.Set(k, v)
	}
	if fields := formErrors(err); fields != nil {
		p.Errors = fields
		var e *Error
		if errors.As(err, &e) && len(e.Args) > 0 {
			p.ErrorArgs = map[string][]any{}
			for f := range fields {
				p.ErrorArgs[f] = e.Args
			}
		}
	}
	state := r.URL.Query().Get("state")
	if !slices.Contains(AssignmentStates, state) {
		state = ""
	}
	var list []Assignment
	for _, a := range prog.All {
		if state == "" || a.State == state {
			list = append(list, a)
		}
	}
	page := pageParam(r)
	from := min((page-1)*listPageSize, len(list))
	p.Data = campaignData{Campaign: c, Progress: prog, Levels: Levels, Categories: cats, States: AssignmentStates, State: state,
		Assignments: list[from:min(from+listPageSize, len(list))], Pager: newPager(r, page, listPageSize, len(list))}
	s.render(w, r, status, "campaign", p)
}

func (s *Server) handleCampaign(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.campaignPage(w, r, http.StatusOK, id, nil, nil)
}

// splitCodes reads a list of department codes separated by commas, spaces
// or new lines.
func splitCodes(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool {
		return r == ',' || r == '，' || r == ';' || r == ' ' || r == '\t' || r == '\r' || r == '\n' || r == '、'
	})
}

func (s *Server) handleCampaignAssign(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	form := map[string]string{"level": r.PostFormValue("level"), "category": r.PostFormValue("category"),
		"codes": truncate(r.PostFormValue("codes"), 20000)}
	sel := DepartmentSelection{Level: form["level"], Category: truncate(form["category"], 32), Codes: splitCodes(form["codes"])}
	n, err := s.DB.AssignDepartments(r.Context(), id, sel)
	if formErrors(err) != nil {
		s.campaignPage(w, r, ErrorStatus(ErrorCode(err)), id, form, err)
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if n == 0 {
		s.flash(r, "info", "flash.assigned_none")
	} else {
		s.flash(r, "ok", "flash.assigned")
	}
	http.Redirect(w, r, "/admin/campaigns/"+itoa(id), http.StatusSeeOther)
}

func (s *Server) handleCampaignStatus(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if err := s.DB.SetCampaignStatus(r.Context(), id, r.PostFormValue("status")); err != nil {
		s.fail(w, r, err)
		return
	}
	s.flash(r, "ok", "flash.saved")
	http.Redirect(w, r, "/admin/campaigns/"+itoa(id), http.StatusSeeOther)
}

// handleCampaignProfiles lets officials read every department's profile
// in the campaign's published runs ("open" is 1), or only their own ("open"
// is 0); any other value is refused.
func (s *Server) handleCampaignProfiles(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v := r.PostFormValue("open")
	if v != "1" && v != "0" {
		s.fail(w, r, Errorf(EInvalid, "err.form_invalid"))
		return
	}
	if err := s.DB.SetCampaignProfilesOpen(r.Context(), id, v == "1"); err != nil {
		s.fail(w, r, err)
		return
	}
	s.flash(r, "ok", "flash.saved")
	http.Redirect(w, r, "/admin/campaigns/"+itoa(id), http.StatusSeeOther)
}

// CSVCell neutralises formula injection: a cell that a spreadsheet would
// read as a formula gets a leading apostrophe.
func CSVCell(v string) string {
	if v != "" && strings.ContainsRune("=+-@\t\r\n", rune(v[0])) {
		return "'" + v
	}
	return v
}

// handleCampaignMissing streams the departments that have not submitted,
// UTF-8 with BOM so Excel opens it correctly.
func (s *Server) handleCampaignMissing(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	c, err := s.DB.FindCampaignByID(r.Context(), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	all, err := s.DB.CampaignAssignments(r.Context(), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="missing-`+itoa(c.ID)+`.csv"`)
	w.Write([]byte("\xef\xbb\xbf"))
	cw := csv.NewWriter(w)
	cw.UseCRLF = true
	cw.Write([]string{"code", "name_zh", "name_en", "state", "due"})
	for _, a := range all {
		if a.Submitted() {
			continue
		}
		cw.Write([]string{CSVCell(a.DepartmentCode), CSVCell(a.DepartmentNameZh), CSVCell(a.DepartmentNameEn),
			a.State, a.DueAt.In(s.location()).Format("2006-01-02 15:04")})
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		s.Log.Error("missing csv", "request_id", RequestID(r.Context()), "err", err)
	}
}
