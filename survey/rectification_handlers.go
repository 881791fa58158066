package survey

import (
	"errors"
	"net/http"
	"slices"
	"strings"
	"time"
)

// Pages of the rectification workflow: the ticket list (an official sees
// their own department's, admins and evaluators every department's), one
// ticket with the official's answer form or the admin's review form, and
// the admin's working-day calendar.

type ticketsData struct {
	Tickets []Rectification
	State   string
	States  []string
	Counts  *RectificationCounts // the official's department, this year
	Ratings *DepartmentRatings   // the official's department's ratings this year
}

// ticketStates are the list's filters: the states and "overdue".
var ticketStates = []string{"open", "returned", "responded", "accepted", "overdue"}

func (s *Server) handleTickets(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	a := CurrentAccount(ctx)
	f := RectificationFilter{State: r.URL.Query().Get("state")}
	if !slices.Contains(ticketStates, f.State) {
		f.State = ""
	}
	d := ticketsData{State: f.State, States: ticketStates}
	if a.Role == RoleOfficial {
		// Only the account's own department: no id from the request.
		if !a.DepartmentID.Valid {
			s.fail(w, r, Errorf(EForbidden, "err.forbidden"))
			return
		}
		f.DepartmentID = a.DepartmentID.Int64
		now := time.Now().In(s.location())
		c, err := s.DB.RectificationCountsBetween(ctx, f.DepartmentID, time.Date(now.Year(), 1, 1, 0, 0, 0, 0, s.location()), now.AddDate(0, 0, 1))
		if err != nil {
			s.fail(w, r, err)
			return
		}
		d.Counts = &c
		rc, err := s.DB.RatingCountsBetween(ctx, f.DepartmentID, now.Format("2006")+"-01-01", now.Format(time.DateOnly))
		if err != nil {
			s.fail(w, r, err)
			return
		}
		d.Ratings = &DepartmentRatings{RatingCounts: rc}
	}
	var err error
	if d.Tickets, err = s.DB.FindRectifications(ctx, f); err != nil {
		s.fail(w, r, err)
		return
	}
	p := s.page(r, "title.tickets")
	p.Data = d
	s.render(w, r, http.StatusOK, "tickets", p)
}

type ticketData struct {
	Ticket     *Rectification
	Outcomes   []string
	Reasons    []string // the rating's reasons, as catalogue keys
	CanRespond bool
	CanReview  bool
}

// loadTicket reads the ticket of the path; another department's answers
// 404, like a missing one, and is audited.
func (s *Server) loadTicket(r *http.Request) (*Rectification, error) {
	id, err := pathID(r)
	if err != nil {
		return nil, err
	}
	t, err := s.DB.FindRectification(r.Context(), id)
	if err != nil {
		return nil, err
	}
	if !CanSeeDepartment(CurrentAccount(r.Context()), t.DepartmentID) {
		s.auditRefusal(r, "rectification", itoa(id), r.Method+" "+r.URL.Path)
		return nil, Errorf(ENotFound, "err.not_found")
	}
	return t, nil
}

func (s *Server) ticketPage(w http.ResponseWriter, r *http.Request, status int, t *Rectification, form map[string]string, err error) {
	a := CurrentAccount(r.Context())
	p := s.page(r, "title.ticket")
	d := ticketData{Ticket: t, Outcomes: RectificationOutcomes,
		CanRespond: a.Role == RoleOfficial && t.Open() && CanChangeDepartment(a, t.DepartmentID),
		CanReview:  a.Role == RoleAdmin && t.State == "responded"}
	for _, reason := range strings.Fields(t.Reasons) {
		if k, ok := ratingReasonKeys[reason]; ok {
			d.Reasons = append(d.Reasons, k)
		}
	}
	for k, v := range form {
		p.Form.Set(k, v)
	}
	var e *Error
	if errors.As(err, &e) {
		p.Errors = e.Fields
		p.FlashKind, p.Flash = "error", e.Key
	}
	p.Data = d
	s.render(w, r, status, "ticket", p)
}

func (s *Server) handleTicket(w http.ResponseWriter, r *http.Request) {
	t, err := s.loadTicket(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.ticketPage(w, r, http.StatusOK, t, nil, nil)
}

func (s *Server) handleTicketRespond(w http.ResponseWriter, r *http.Request) {
	t, err := s.loadTicket(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if !CanChangeDepartment(CurrentAccount(r.Context()), t.DepartmentID) {
		s.fail(w, r, Errorf(ENotFound, "err.not_found"))
		return
	}
	form := map[string]string{}
	for _, k := range []string{"callback_at", "callback_result", "outcome", "action"} {
		form[k] = truncate(r.PostFormValue(k), maxRectificationText+1)
	}
	in := RectificationResponse{CallbackResult: form["callback_result"], Outcome: form["outcome"], Action: form["action"]}
	if v := strings.TrimSpace(form["callback_at"]); v != "" {
		at, perr := time.ParseInLocation(datetimeLocal, v, s.location())
		if perr != nil {
			s.ticketPage(w, r, http.StatusBadRequest, t, form, FieldErrors{"callback_at": "err.datetime"}.Err())
			return
		}
		in.CallbackAt = at
	}
	err = s.DB.RespondRectification(r.Context(), t.ID, in)
	switch ErrorCode(err) {
	case "":
		s.flash(r, "ok", "flash.ticket_responded")
		http.Redirect(w, r, "/tickets/"+itoa(t.ID), http.StatusSeeOther)
	case EInvalid, EConflict:
		s.ticketPage(w, r, ErrorStatus(ErrorCode(err)), t, form, err)
	default:
		s.fail(w, r, err)
	}
}

func (s *Server) handleTicketReview(w http.ResponseWriter, r *http.Request) {
	t, err := s.loadTicket(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	form := map[string]string{"comment": truncate(r.PostFormValue("comment"), maxRectificationText+1)}
	accept := r.PostFormValue("decision") == "accept"
	err = s.DB.ReviewRectification(r.Context(), t.ID, accept, form["comment"])
	switch ErrorCode(err) {
	case "":
		key := "flash.ticket_returned"
		if accept {
			key = "flash.ticket_accepted"
		}
		s.flash(r, "ok", key)
		http.Redirect(w, r, "/tickets/"+itoa(t.ID), http.StatusSeeOther)
	case EInvalid, EConflict:
		s.ticketPage(w, r, ErrorStatus(ErrorCode(err)), t, form, err)
	default:
		s.fail(w, r, err)
	}
}

func (s *Server) calendarPage(w http.ResponseWriter, r *http.Request, status int, text string, err error) {
	p := s.page(r, "title.calendar")
	if text == "" {
		cal, cerr := s.DB.Calendar(r.Context())
		if cerr != nil {
			s.fail(w, r, cerr)
			return
		}
		text = cal.Text()
	}
	p.Form.Set("calendar", text)
	var lines CalendarLineErrors
	errors.As(err, &lines)
	if err != nil {
		p.FlashKind, p.Flash = "error", "err.form_invalid"
	}
	p.Data = struct{ Lines CalendarLineErrors }{lines}
	s.render(w, r, status, "calendar", p)
}

func (s *Server) handleCalendar(w http.ResponseWriter, r *http.Request) {
	s.calendarPage(w, r, http.StatusOK, "", nil)
}

func (s *Server) handleCalendarSave(w http.ResponseWriter, r *http.Request) {
	text := truncate(r.PostFormValue("calendar"), 20000)
	if err := s.DB.SetCalendar(r.Context(), text); err != nil {
		if ErrorCode(err) != EInvalid {
			s.fail(w, r, err)
			return
		}
		s.calendarPage(w, r, http.StatusBadRequest, text, err)
		return
	}
	s.flash(r, "ok", "flash.calendar_saved")
	http.Redirect(w, r, "/admin/calendar", http.StatusSeeOther)
}
