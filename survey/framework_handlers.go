package survey

import (
	"errors"
	"fmt"
	"math"
	"net/http"
	"path"
	"regexp"
	"strconv"
	"strings"

	"govkpi/scoring"
)

// frameworkRow is a version as the list shows it, with its parent named.
type frameworkRow struct {
	FrameworkVersion
	Parent string // the parent's "CODE VERSION", or ""
}

type frameworksData struct {
	Versions []frameworkRow
	Problems []string // why the last upload was refused, one a line
}

// frameworkRows names each version's parent from the list itself.
func frameworkRows(list []FrameworkVersion) []frameworkRow {
	refs := map[int64]string{}
	for _, v := range list {
		refs[v.ID] = v.Ref()
	}
	out := make([]frameworkRow, len(list))
	for i, v := range list {
		out[i] = frameworkRow{FrameworkVersion: v}
		if v.ParentID.Valid {
			out[i].Parent = refs[v.ParentID.Int64]
		}
	}
	return out
}

// frameworksPage renders the list of versions and the upload form, with a
// refused upload's problems and typed fields when there are any.
func (s *Server) frameworksPage(w http.ResponseWriter, r *http.Request, status int, problems []string, form map[string]string, fields map[string]string) {
	list, err := s.DB.FrameworkVersions(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	p := s.page(r, "title.frameworks")
	for k, v := range form {
		p.Form.Set(k, v)
	}
	if fields != nil {
		p.Errors = fields
	}
	if len(problems) > 0 || len(fields) > 0 {
		p.Flash, p.FlashKind = "framework.refused", "error"
	}
	p.Data = frameworksData{Versions: frameworkRows(list), Problems: problems}
	s.render(w, r, status, "frameworks", p)
}

func (s *Server) handleFrameworks(w http.ResponseWriter, r *http.Request) {
	s.frameworksPage(w, r, http.StatusOK, nil, nil, nil)
}

// readFrameworkFile reads an uploaded framework by its extension: native
// YAML or a COINr-style indicator-metadata CSV.
func readFrameworkFile(r *http.Request) (*scoring.Framework, string, string, error) {
	f, hdr, err := r.FormFile("file")
	if err != nil {
		return nil, "", "", Errorf(EInvalid, "err.file_required")
	}
	defer f.Close()
	name := truncate(hdr.Filename, 200)
	var fw *scoring.Framework
	var source string
	switch strings.ToLower(path.Ext(hdr.Filename)) {
	case ".yaml", ".yml":
		source = FrameworkSourceYAML
		fw, err = scoring.ReadFrameworkYAML(f)
	case ".csv":
		source = FrameworkSourceCSV
		fw, err = scoring.ReadFrameworkCSV(f)
	default:
		return nil, name, "", Errorf(EInvalid, "framework.file_type")
	}
	return fw, name, source, err
}

// handleFrameworkUpload stores an uploaded framework as a new version. The
// form's code, version and names, when given, replace the file's (a COINr
// file has no version, so one must be given). A file that does not read
// is refused with every problem listed and nothing stored.
func (s *Server) handleFrameworkUpload(w http.ResponseWriter, r *http.Request) {
	form := map[string]string{}
	for _, k := range []string{"code", "version", "name_zh", "name_en", "note"} {
		form[k] = strings.TrimSpace(r.PostFormValue(k))
	}
	fw, name, source, err := readFrameworkFile(r)
	if err == nil {
		for k, dst := range map[string]*string{"code": &fw.Code, "version": &fw.Version, "name_zh": &fw.NameZh, "name_en": &fw.NameEn} {
			if form[k] != "" {
				*dst = form[k]
			}
		}
		if source == FrameworkSourceCSV && form["version"] == "" {
			err = &Error{Code: EInvalid, Key: "err.form_invalid", Fields: FieldErrors{"version": "framework.version_required"}}
		}
	}
	var v *FrameworkVersion
	if err == nil {
		v, err = s.DB.SaveFrameworkVersion(r.Context(), fw, source, 0, form["note"])
	}
	if err == nil {
		s.flash(r, "ok", "flash.saved")
		http.Redirect(w, r, "/admin/frameworks/"+itoa(v.ID), http.StatusSeeOther)
		return
	}
	var problems []string
	var fe *scoring.FrameworkError
	var e *Error
	switch {
	case errors.As(err, &fe):
		problems = fe.Problems
	case errors.As(err, &e) && len(e.Fields) > 0:
	case errors.As(err, &e) && e.Code != EInternal:
		problems = []string{s.Cat.T(Lang(r.Context()), e.Key, e.Args...)}
	default:
		s.fail(w, r, err)
		return
	}
	s.audit(r, AuditFrameworkRefused, "file", name, fmt.Sprintf("%d problems", max(len(problems), 1)))
	s.frameworksPage(w, r, http.StatusUnprocessableEntity, problems, form, formErrors(err))
}

// treeRow is one node of a framework as the detail page shows it.
type treeRow struct {
	Node      *scoring.Node
	Indent    string // one ideographic space per level, so the tree reads as a tree
	Depth     int
	Weight    string // as the framework gives it ("" for the root)
	Share     string // among its siblings, %
	Effective string // of the index, %
	Method    string // how the node is scored or combined
	CR        string // the AHP consistency ratio of the node's matrix, when it has one
}

type frameworkData struct {
	Version   *FrameworkVersion
	Parent    *FrameworkVersion
	Framework *scoring.Framework
	Rows      []treeRow
	Bands     []scoring.Band
	BandScale float64
}

// percent formats a share as a percentage with up to two decimals.
func percent(x float64) string {
	return strconv.FormatFloat(math.Round(x*10000)/100, 'f', -1, 64) + "%"
}

// nodeShares returns each node's share among its siblings and of the
// index, from the weights as the framework states them (a node weighed
// from the data at run time shows its fixed weights).
func nodeShares(fw *scoring.Framework) (share, eff map[string]float64) {
	share, eff = map[string]float64{fw.Root.Code: 1}, map[string]float64{fw.Root.Code: 1}
	var walk func(n *scoring.Node)
	walk = func(n *scoring.Node) {
		total := 0.0
		for _, c := range n.Children {
			total += c.W()
		}
		for _, c := range n.Children {
			if total > 0 {
				share[c.Code] = c.W() / total
			}
			eff[c.Code] = eff[n.Code] * share[c.Code]
			walk(c)
		}
	}
	walk(fw.Root)
	return share, eff
}

// nodeMethod says in a few words how a node is scored or combined.
func nodeMethod(n *scoring.Node) string {
	if n.IsIndicator() {
		m := n.Normalise.Method
		if n.Normalise.Log {
			m = "log + " + m
		}
		if n.Direction < 0 {
			m += " (↓)"
		}
		return m
	}
	m := n.Aggregate
	switch {
	case n.AHP != nil:
		m += " · AHP"
	case n.Weighting != nil:
		m += " · " + n.Weighting.Method
		if n.Weighting.Alpha > 0 {
			m += fmt.Sprintf(" (α %g)", n.Weighting.Alpha)
		}
	}
	return m
}

// treeRows lists the nodes depth first, as the file has them.
func treeRows(fw *scoring.Framework) []treeRow {
	share, eff := nodeShares(fw)
	var out []treeRow
	var walk func(n *scoring.Node)
	walk = func(n *scoring.Node) {
		row := treeRow{Node: n, Depth: n.Depth(), Indent: strings.Repeat("\u3000", n.Depth()),
			Share: percent(share[n.Code]), Effective: percent(eff[n.Code]), Method: nodeMethod(n)}
		if n.Parent() != nil {
			row.Weight = strconv.FormatFloat(n.W(), 'g', 6, 64)
		}
		if n.AHP != nil {
			row.CR = strconv.FormatFloat(n.AHP.CR, 'f', 3, 64)
		}
		out = append(out, row)
		for _, c := range n.Children {
			walk(c)
		}
	}
	walk(fw.Root)
	return out
}

// frameworkVersion reads the {id} version and its framework.
func (s *Server) frameworkVersion(r *http.Request) (*FrameworkVersion, *scoring.Framework, error) {
	id, err := pathID(r)
	if err != nil {
		return nil, nil, err
	}
	v, err := s.DB.FindFrameworkVersion(r.Context(), id)
	if err != nil {
		return nil, nil, err
	}
	fw, err := v.Framework()
	if err != nil {
		return nil, nil, err
	}
	return v, fw, nil
}

// handleFramework shows a version: its tree with weights and methods, its
// variables and its bands.
func (s *Server) handleFramework(w http.ResponseWriter, r *http.Request) {
	v, fw, err := s.frameworkVersion(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d := frameworkData{Version: v, Framework: fw, Rows: treeRows(fw)}
	if v.ParentID.Valid {
		if d.Parent, err = s.DB.FindFrameworkVersion(r.Context(), v.ParentID.Int64); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	if set, ok := scoring.BandSets()[fw.Bands]; ok {
		d.Bands, d.BandScale = set.Bands, set.Scale
	}
	p := s.page(r, "title.framework")
	p.Data = d
	s.render(w, r, http.StatusOK, "framework", p)
}

var unsafeFileChars = regexp.MustCompile(`[^A-Za-z0-9_.-]+`)

// handleFrameworkYAML sends the version's document as a download.
func (s *Server) handleFrameworkYAML(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v, err := s.DB.FindFrameworkVersion(r.Context(), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	name := unsafeFileChars.ReplaceAllString("framework-"+v.Code+"-"+v.Version, "_") + ".yaml"
	w.Header().Set("Content-Type", "application/yaml; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	w.Write([]byte(v.Document))
}

// weightItem is one child's points in a budget group.
type weightItem struct {
	Code, Name string
	Points     string // as shown: the current share as points, or what was typed
}

// weightGroup is one aggregate node's children, whose points sum to 100.
type weightGroup struct {
	Code, Name string
	Indent     string
	Items      []weightItem
	Sum        string // of the points shown, when they are all whole numbers
}

type weightsData struct {
	Version *FrameworkVersion
	Groups  []weightGroup
	Refused []weightGroup // the groups refused
}

// budgetPoints turns shares into whole points summing to 100 by the
// largest remainder, ties to the earlier child.
func budgetPoints(shares []float64) []int {
	pts := make([]int, len(shares))
	rest := make([]float64, len(shares))
	left := 100
	for i, s := range shares {
		x := s * 100
		pts[i] = int(math.Floor(x + 1e-9))
		rest[i] = x - float64(pts[i])
		left -= pts[i]
	}
	for ; left > 0; left-- {
		best := 0
		for i := range rest {
			if rest[i] > rest[best]+1e-12 {
				best = i
			}
		}
		pts[best]++
		rest[best] = -1
	}
	return pts
}

// weightGroups lists every aggregate node's children with points: from
// form when given, else the current shares.
func weightGroups(fw *scoring.Framework, lang string, form func(string) (string, bool)) []weightGroup {
	share, _ := nodeShares(fw)
	var out []weightGroup
	var walk func(n *scoring.Node)
	walk = func(n *scoring.Node) {
		if n.IsIndicator() {
			return
		}
		g := weightGroup{Code: n.Code, Name: n.Name(lang), Indent: strings.Repeat("\u3000", n.Depth())}
		shares := make([]float64, len(n.Children))
		for i, c := range n.Children {
			shares[i] = share[c.Code]
		}
		sum, whole := 0, true
		for i, p := range budgetPoints(shares) {
			c := n.Children[i]
			it := weightItem{Code: c.Code, Name: c.Name(lang), Points: strconv.Itoa(p)}
			if typed, ok := form(c.Code); ok {
				it.Points = typed
			}
			if v, err := strconv.Atoi(it.Points); err == nil {
				sum += v
			} else {
				whole = false
			}
			g.Items = append(g.Items, it)
		}
		if whole {
			g.Sum = strconv.Itoa(sum)
		}
		out = append(out, g)
		for _, c := range n.Children {
			walk(c)
		}
	}
	walk(fw.Root)
	return out
}

func (s *Server) weightsPage(w http.ResponseWriter, r *http.Request, status int, v *FrameworkVersion, fw *scoring.Framework,
	typed bool, fields map[string]string, args map[string][]any) {
	p := s.page(r, "title.framework_weights")
	form := func(string) (string, bool) { return "", false }
	if typed {
		form = func(code string) (string, bool) { return r.PostFormValue("p." + code), true }
		p.Form.Set("version", r.PostFormValue("version"))
		p.Form.Set("note", r.PostFormValue("note"))
	}
	d := weightsData{Version: v, Groups: weightGroups(fw, p.Lang, form)}
	if len(fields) > 0 {
		p.Errors, p.ErrorArgs = fields, args
		p.Flash, p.FlashKind = "err.form_invalid", "error"
		for _, g := range d.Groups {
			if _, bad := fields["g."+g.Code]; bad {
				d.Refused = append(d.Refused, g)
			}
		}
	}
	p.Data = d
	s.render(w, r, status, "framework_weights", p)
}

// handleFrameworkWeights shows every aggregate node's children with their
// current shares as budget points out of 100.
func (s *Server) handleFrameworkWeights(w http.ResponseWriter, r *http.Request) {
	v, fw, err := s.frameworkVersion(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.weightsPage(w, r, http.StatusOK, v, fw, false, nil, nil)
}

// applyPoints sets every aggregate node's child weights from the form's
// points (p.<child code>), each group summing to 100. A node's AHP matrix
// or data-driven weighting gives way to the points. It returns the
// refused groups, keyed "g.<node code>", with their message arguments.
func applyPoints(fw *scoring.Framework, value func(string) string) (FieldErrors, map[string][]any) {
	fe, args := FieldErrors{}, map[string][]any{}
	var walk func(n *scoring.Node)
	walk = func(n *scoring.Node) {
		if n.IsIndicator() {
			return
		}
		field := "g." + n.Code
		sum, pts := 0, make([]int, len(n.Children))
		for i, c := range n.Children {
			v, err := strconv.Atoi(strings.TrimSpace(value(c.Code)))
			switch {
			case err != nil:
				fe.Add(field, "framework.points_not_whole")
				args[field] = []any{c.Code}
			case v < 0:
				fe.Add(field, "framework.points_negative")
				args[field] = []any{c.Code}
			}
			pts[i] = v
			sum += v
		}
		if _, bad := fe[field]; !bad && sum != 100 {
			fe.Add(field, "framework.points_sum")
			args[field] = []any{sum}
		}
		if _, bad := fe[field]; !bad {
			n.AHP, n.Weighting = nil, nil
			for i, c := range n.Children {
				wt := float64(pts[i]) / 100
				c.Weight = &wt
			}
		}
		for _, c := range n.Children {
			walk(c)
		}
	}
	walk(fw.Root)
	return fe, args
}

// handleFrameworkWeightsPost saves the points as a new version of the same
// code, derived from this one, or shows the form again with what was typed
// and each refused group named.
func (s *Server) handleFrameworkWeightsPost(w http.ResponseWriter, r *http.Request) {
	v, fw, err := s.frameworkVersion(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	fe, args := applyPoints(fw, func(code string) string { return r.PostFormValue("p." + code) })
	version := strings.TrimSpace(r.PostFormValue("version"))
	if version == "" {
		fe.Add("version", "err.required")
	}
	if len(fe) > 0 {
		s.weightsPage(w, r, http.StatusUnprocessableEntity, v, fw, true, fe, args)
		return
	}
	fw.Version = version
	nv, err := s.DB.SaveFrameworkVersion(r.Context(), fw, FrameworkSourceWeights, v.ID, r.PostFormValue("note"))
	if fields := formErrors(err); fields != nil {
		s.weightsPage(w, r, ErrorStatus(ErrorCode(err)), v, fw, true, fields, nil)
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.flash(r, "ok", "flash.saved")
	http.Redirect(w, r, "/admin/frameworks/"+itoa(nv.ID), http.StatusSeeOther)
}
