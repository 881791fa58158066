package survey

import (
	"net/http"
	"slices"
	"time"
)

// The admin's ratings page: the public rating links (create one per
// department or service item, print its poster), what the abuse guards
// refused since the start, and every department's ratings this year, read
// from the daily rollups.

type ratingsData struct {
	Links       []RatingLink
	Base        string // public origin the links and QR codes use
	Refused     []refusalCount
	Departments []DepartmentRatings
	From, To    string
}

type refusalCount struct {
	Reason string
	N      int
}

// ratingRefusalKeys explain the guards' refusal reasons.
var ratingRefusalKeys = map[string]string{
	"address_limit": "ratings.refused.address_limit", "link_limit": "ratings.refused.link_limit",
	"honeypot": "ratings.refused.honeypot", "bad_case_token": "ratings.refused.bad_case_token",
	"case_used": "ratings.refused.case_used", "invalid": "ratings.refused.invalid",
}

// publicBase is the origin printed on posters: the configured base URL, or
// the one this request came to.
func (s *Server) publicBase(r *http.Request) string {
	if s.Config.BaseURL != "" {
		return s.Config.BaseURL
	}
	scheme := "http"
	if s.Config.TLS {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

func (s *Server) ratingsPage(w http.ResponseWriter, r *http.Request, status int, form map[string]string, err error) {
	ctx := r.Context()
	links, lerr := s.DB.RatingLinks(ctx)
	if lerr != nil {
		s.fail(w, r, lerr)
		return
	}
	now := time.Now().In(s.location())
	d := ratingsData{Links: links, Base: s.publicBase(r), From: now.Format("2006") + "-01-01", To: now.Format(time.DateOnly)}
	if d.Departments, lerr = s.DB.RatingsByDepartment(ctx, d.From, d.To); lerr != nil {
		s.fail(w, r, lerr)
		return
	}
	for reason, n := range s.ratingGuard.Refused() {
		d.Refused = append(d.Refused, refusalCount{Reason: ratingRefusalKeys[reason], N: n})
	}
	slices.SortFunc(d.Refused, func(a, b refusalCount) int { return b.N - a.N })
	p := s.page(r, "title.ratings")
	for k, v := range form {
		p.Form.Set(k, v)
	}
	p.Errors = formErrors(err)
	p.Data = d
	s.render(w, r, status, "ratings", p)
}

func (s *Server) handleRatings(w http.ResponseWriter, r *http.Request) {
	s.ratingsPage(w, r, http.StatusOK, nil, nil)
}

func (s *Server) handleRatingLinkCreate(w http.ResponseWriter, r *http.Request) {
	form := map[string]string{"department": truncate(r.PostFormValue("department"), 64), "service_item": truncate(r.PostFormValue("service_item"), maxServiceItem+1)}
	_, err := s.DB.CreateRatingLink(r.Context(), form["department"], form["service_item"])
	if formErrors(err) != nil {
		s.ratingsPage(w, r, http.StatusBadRequest, form, err)
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.flash(r, "ok", "flash.rating_link_created")
	http.Redirect(w, r, "/admin/ratings", http.StatusSeeOther)
}

// handleRatingPoster is a printable A4 page: the department's name, what to
// do, the QR code and the link written out.
func (s *Server) handleRatingPoster(w http.ResponseWriter, r *http.Request) {
	l, err := s.ratingLinkOfPath(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	p := s.page(r, "title.rating_poster")
	p.Data = struct {
		Link *RatingLink
		URL  string
	}{l, s.publicBase(r) + "/r/" + l.Slug}
	s.render(w, r, http.StatusOK, "rating_poster", p)
}

// handleRatingQR answers the link's QR code as PNG (for office documents)
// or SVG (for printing at any size), as a download named after the
// department.
func (s *Server) handleRatingQR(format string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		l, err := s.ratingLinkOfPath(r)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		url := s.publicBase(r) + "/r/" + l.Slug
		var body []byte
		switch format {
		case "png":
			body, err = QRPNG(url, 12)
			w.Header().Set("Content-Type", "image/png")
		default:
			body, err = QRSVG(url)
			w.Header().Set("Content-Type", "image/svg+xml")
		}
		if err != nil {
			s.fail(w, r, err)
			return
		}
		w.Header().Set("Content-Disposition", `inline; filename="rating-`+l.DepartmentCode+`.`+format+`"`)
		w.Write(body)
	}
}

// ratingLinkOfPath reads the rating link whose id is in the path.
func (s *Server) ratingLinkOfPath(r *http.Request) (*RatingLink, error) {
	id, err := pathID(r)
	if err != nil {
		return nil, err
	}
	return s.DB.FindRatingLinkByID(r.Context(), id)
}
