package survey

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"govkpi/scoring"
)

// AHP rounds set one aggregate node's child weights from the judgements of
// several people. An admin opens a round on a node of a framework version
// and invites evaluators (or admins); each invitee compares the node's
// children two by two on Saaty's 1–9 scale, and may change their judgement
// while the round is open. A judgement whose consistency ratio is above
// the node's limit is kept, marked inconsistent, and the invitee is told
// which pair to reconsider: the admin sees every CR and decides, when
// closing, whether to combine every judgement or only the consistent ones.
// Closing combines the judgements by the element-wise geometric mean and
// saves a new framework version whose node carries the combined matrix, so
// its children's weights come from AHP.

// Audit actions of AHP rounds.
const (
	AuditAHPRoundOpened = "ahp.round_opened"
	AuditAHPSubmitted   = "ahp.submitted"
	AuditAHPRoundClosed = "ahp.round_closed"
)

// States of a round. A round is "closing" between an admin's close
// claiming it (no more judgements) and the new version being recorded.
const (
	AHPOpen    = "open"
	AHPClosing = "closing"
	AHPClosed  = "closed"
)

// FrameworkSourceAHP is the source of a framework version made by closing
// a round.
const FrameworkSourceAHP = "ahp"

const (
	// ahpMaxItems is the largest node a round compares: the largest n the
	// built-in RI tables know (Saaty advises 7±2 anyway).
	ahpMaxItems = 15
	// ahpMaxInvitees bounds the invitation list of one round.
	ahpMaxInvitees = 200
	// ahpDefaultMaxCR is the CR limit when the node sets none.
	ahpDefaultMaxCR = 0.10
	// ahpDefaultRI is the RI table when the node names none.
	ahpDefaultRI = "saaty2005"
)

// ahpScale is the 17-step scale a person chooses from for a pair "A vs B",
// from A extremely more important (9) through equal (1) to B extremely more
// important (1/9). A cell is the judgement a_AB.
var ahpScale = []string{"9", "8", "7", "6", "5", "4", "3", "2", "1", "1/2", "1/3", "1/4", "1/5", "1/6", "1/7", "1/8", "1/9"}

// ahpScaleValue returns the ratio a scale cell stands for.
func ahpScaleValue(cell string) (float64, bool) {
	for k, s := range ahpScale {
		if s == cell {
			if k <= 8 {
				return float64(9 - k), true
			}
			return 1 / float64(k-7), true
		}
	}
	return 0, false
}

// AHPItem is one of the children a round compares.
type AHPItem struct {
	Code   string `json:"code"`
	NameZh string `json:"name_zh,omitempty"`
	NameEn string `json:"name_en,omitempty"`
}

// Name is the item's name in lang, falling back to the other language and
// then to the code.
func (it AHPItem) Name(lang string) string {
	first, second := it.NameZh, it.NameEn
	if lang == "en" {
		first, second = second, first
	}
	switch {
	case first != "":
		return first
	case second != "":
		return second
	}
	return it.Code
}

// AHPItems, AHPCells, AHPMatrixCells and AHPWeights are kept as JSON text.
type (
	AHPItems       []AHPItem
	AHPCells       []string   // the upper triangle of a judgement, row by row
	AHPMatrixCells [][]string // a whole matrix as the framework writes it
	AHPWeights     []float64  // in the order of the round's items
)

func (v *AHPItems) Scan(src any) error       { return scanJSON(src, v) }
func (v *AHPCells) Scan(src any) error       { return scanJSON(src, v) }
func (v *AHPMatrixCells) Scan(src any) error { return scanJSON(src, v) }
func (v *AHPWeights) Scan(src any) error     { return scanJSON(src, v) }

func (v AHPItems) Value() (driver.Value, error)       { return valueJSON(v, v == nil) }
func (v AHPCells) Value() (driver.Value, error)       { return valueJSON(v, v == nil) }
func (v AHPMatrixCells) Value() (driver.Value, error) { return valueJSON(v, v == nil) }
func (v AHPWeights) Value() (driver.Value, error)     { return valueJSON(v, v == nil) }

// scanJSON decodes a JSON text column; NULL leaves dst empty.
func scanJSON(src, dst any) error {
	var b []byte
	switch s := src.(type) {
	case nil:
		return nil
	case string:
		b = []byte(s)
	case []byte:
		b = s
	default:
		return fmt.Errorf("scan json: unexpected %T", src)
	}
	return json.Unmarshal(b, dst)
}

// valueJSON encodes v as JSON text; a nil slice is NULL.
func valueJSON(v any, null bool) (driver.Value, error) {
	if null {
		return nil, nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return string(b), nil
}

// AHPRound is a round as the store keeps it, with its counts and, in
// lists, the listing account's own invitation and judgement.
type AHPRound struct {
	ID                 int64           `db:"id"`
	FrameworkVersionID int64           `db:"framework_version_id"`
	NodeCode           string          `db:"node_code"`
	Title              string          `db:"title"`
	Items              AHPItems        `db:"items"`
	RI                 string          `db:"ri"`
	MaxCR              float64         `db:"max_cr"`
	State              string          `db:"state"`
	CreatedBy          sql.NullInt64   `db:"created_by"`
	CreatedAt          time.Time       `db:"created_at"`
	ClosedBy           sql.NullInt64   `db:"closed_by"`
	ClosedAt           sql.NullTime    `db:"closed_at"`
	Combined           AHPMatrixCells  `db:"combined"`
	CombinedCR         sql.NullFloat64 `db:"combined_cr"`
	Weights            AHPWeights      `db:"weights"`
	ResultVersionID    sql.NullInt64   `db:"result_version_id"`
	CreatorName        string          `db:"creator_name"`
	CloserName         string          `db:"closer_name"`
	Invited            int             `db:"invited"`
	Submitted          int             `db:"submitted"`
	MeInvited          bool            `db:"me_invited"`
	MeSubmittedAt      sql.NullTime    `db:"me_submitted_at"`
}

// Open reports whether the round takes judgements.
func (r *AHPRound) Open() bool { return r.State == AHPOpen }

// Codes are the items' codes in row order.
func (r *AHPRound) Codes() []string {
	out := make([]string, len(r.Items))
	for i, it := range r.Items {
		out[i] = it.Code
	}
	return out
}

// ahpPair is a pair of items, I < J, in reading order of the upper triangle.
type ahpPair struct{ I, J int }

// ahpPairs lists the n(n−1)/2 pairs of n items in reading order.
func ahpPairs(n int) []ahpPair {
	var out []ahpPair
	for i := range n {
		for j := i + 1; j < n; j++ {
			out = append(out, ahpPair{i, j})
		}
	}
	return out
}

// ahpMatrix builds the full reciprocal matrix of n items from the upper
// triangle's cells, each one of the 17 scale steps. Errors: EInvalid.
func ahpMatrix(n int, cells []string) ([][]float64, error) {
	if len(cells) != n*(n-1)/2 {
		return nil, Errorf(EInvalid, "err.ahp_cells")
	}
	m := make([][]float64, n)
	for i := range m {
		m[i] = make([]float64, n)
		m[i][i] = 1
	}
	for k, p := range ahpPairs(n) {
		v, ok := ahpScaleValue(cells[k])
		if !ok {
			return nil, Errorf(EInvalid, "err.ahp_cells")
		}
		m[p.I][p.J], m[p.J][p.I] = v, 1/v
	}
	return m, nil
}

// ahpFullCells writes a judgement's upper triangle as a whole matrix of
// cells: 1 on the diagonal and the reciprocal (3 ↔ 1/3) below.
func ahpFullCells(n int, cells []string) [][]string {
	out := make([][]string, n)
	for i := range out {
		out[i] = make([]string, n)
		out[i][i] = "1"
	}
	for k, p := range ahpPairs(n) {
		if k >= len(cells) {
			break
		}
		c := cells[k]
		out[p.I][p.J] = c
		switch {
		case c == "1":
			out[p.J][p.I] = "1"
		case strings.HasPrefix(c, "1/"):
			out[p.J][p.I] = strings.TrimPrefix(c, "1/")
		default:
			out[p.J][p.I] = "1/" + c
		}
	}
	return out
}

// AHPCheck is the consistency of one matrix: its CR against the round's
// limit, the weights it gives, and, when it is above the limit, the pair to
// reconsider with the step of the scale the other judgements point to.
type AHPCheck struct {
	CR      float64   `json:"cr"`
	MaxCR   float64   `json:"max_cr"`
	OK      bool      `json:"ok"`
	Weights []float64 `json:"-"` // in item order
	Worst   *AHPWorst `json:"-"`
}

// AHPWorst is the judgement that departs most from the weights: items I
// and J (I < J), the cell chosen and the scale step nearest to what the
// weights imply (never the one chosen).
type AHPWorst struct {
	I, J      int
	Judged    string
	Suggested string
}

// ahpRI returns the round's RI table.
func ahpRI(name string) (scoring.RITable, error) {
	ri, ok := scoring.RITables()[name]
	if !ok {
		return scoring.RITable{}, fmt.Errorf("ahp: unknown RI table %q", name)
	}
	return ri, nil
}

// Check computes the consistency of a judgement (the upper triangle's
// cells) with scoring.AHP, the one implementation of the maths. Errors:
// EInvalid for cells that are not steps of the scale.
func (r *AHPRound) Check(cells []string) (*AHPCheck, error) {
	m, err := ahpMatrix(len(r.Items), cells)
	if err != nil {
		return nil, err
	}
	res, err := r.ahp(m)
	if err != nil {
		return nil, err
	}
	c := &AHPCheck{CR: res.CR, MaxCR: r.MaxCR, OK: res.Consistent, Weights: res.Weights}
	if !c.OK {
		i, j := res.WorstI, res.WorstJ
		judged := cells[ahpPairIndex(len(r.Items), i, j)]
		c.Worst = &AHPWorst{I: i, J: j, Judged: judged, Suggested: ahpSuggest(res.Weights[i]/res.Weights[j], judged)}
	}
	return c, nil
}

// ahp runs scoring.AHP on a whole matrix with the round's RI table and
// limit; a CR above the limit is a result, not an error.
func (r *AHPRound) ahp(m [][]float64) (scoring.AHPResult, error) {
	ri, err := ahpRI(r.RI)
	if err != nil {
		return scoring.AHPResult{}, err
	}
	res, err := scoring.AHP(r.Codes(), m, ri, r.MaxCR)
	var refused *scoring.AHPError
	if err != nil && !errors.As(err, &refused) {
		return scoring.AHPResult{}, fmt.Errorf("ahp round %d: %w", r.ID, err)
	}
	return res, nil
}

// ahpPairIndex is the position of pair (i, j), i < j, in the upper
// triangle's reading order.
func ahpPairIndex(n, i, j int) int {
	return i*n - i*(i+1)/2 + (j - i - 1)
}

// ahpSuggest returns the scale step nearest (in log terms) to the ratio the
// weights imply; when that is the step already chosen, the next step
// towards the implied ratio, so the suggestion is always a change.
func ahpSuggest(implied float64, judged string) string {
	best, bestD := 0, math.Inf(1)
	for k, s := range ahpScale {
		v, _ := ahpScaleValue(s)
		if d := math.Abs(math.Log(v) - math.Log(implied)); d < bestD {
			best, bestD = k, d
		}
	}
	if ahpScale[best] == judged {
		jv, _ := ahpScaleValue(judged)
		if implied > jv && best > 0 {
			best-- // a larger ratio is earlier on the scale
		} else if implied < jv && best < len(ahpScale)-1 {
			best++
		}
	}
	return ahpScale[best]
}

// AHPRoundInput opens a round: the node whose children are compared, a
// title, and who is invited: usernames or account ids, of active admins or
// evaluators.
type AHPRoundInput struct {
	NodeCode   string
	Title      string
	Evaluators []string
}

// ahpRoundSpec is what a round takes from the framework: the items and the
// node's RI table and limit.
type ahpRoundSpec struct {
	Items AHPItems
	RI    string
	MaxCR float64
}

// ahpSpecFor reads the node's children from fw. Errors: EInvalid with the
// field "node" for an unknown node, an indicator, or a node with fewer than
// 2 or more than 15 children.
func ahpSpecFor(fw *scoring.Framework, code string) (ahpRoundSpec, error) {
	node := fw.Node(strings.TrimSpace(code))
	fe := FieldErrors{}
	switch {
	case node == nil:
		fe.Add("node", "err.ahp_node_unknown")
	case node.IsIndicator():
		fe.Add("node", "err.ahp_node_leaf")
	case len(node.Children) < 2 || len(node.Children) > ahpMaxItems:
		fe.Add("node", "err.ahp_node_size")
	}
	if err := fe.Err(); err != nil {
		return ahpRoundSpec{}, err
	}
	spec := ahpRoundSpec{RI: ahpDefaultRI, MaxCR: ahpDefaultMaxCR}
	if a := node.AHP; a != nil {
		if a.RI != "" {
			spec.RI = a.RI
		}
		if a.MaxCR > 0 {
			spec.MaxCR = a.MaxCR
		}
	}
	for _, c := range node.Children {
		spec.Items = append(spec.Items, AHPItem{Code: c.Code, NameZh: c.NameZh, NameEn: c.NameEn})
	}
	return spec, nil
}

// AHPNodes lists the nodes of fw a round may be opened on: aggregates with
// 2 to 15 children, in output order from the root down.
func AHPNodes(fw *scoring.Framework) []*scoring.Node {
	var out []*scoring.Node
	order := fw.Order()
	for k := len(order) - 1; k >= 0; k-- {
		n := order[k]
		if !n.IsIndicator() && len(n.Children) >= 2 && len(n.Children) <= ahpMaxItems {
			out = append(out, n)
		}
	}
	return out
}

// ParseAHPEvaluators splits a list of usernames or account ids written with
// commas, semicolons, spaces or new lines (Chinese punctuation included).
func ParseAHPEvaluators(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool {
		return r == ',' || r == ';' || r == '，' || r == '；' || r == '、' || r == ' ' || r == '\t' || r == '\n' || r == '\r' || r == '\u3000'
	})
}

// CreateAHPRound opens a round on a node of framework version versionID
// as the context's actor (an admin: the route admits no one else), invites
// the evaluators and audits it. Errors: ENotFound for the version; EInvalid
// with fields node, title or evaluators (an unknown, disabled or official
// account is named in the error's Args).
func (db *DB) CreateAHPRound(ctx context.Context, versionID int64, in AHPRoundInput) (*AHPRound, error) {
	fv, err := db.FindFrameworkVersion(ctx, versionID)
	if err != nil {
		return nil, err
	}
	fw, err := fv.Framework()
	if err != nil {
		return nil, fmt.Errorf("ahp round on version %d: %w", versionID, err)
	}
	spec, err := ahpSpecFor(fw, in.NodeCode)
	if err != nil {
		return nil, err
	}
	return db.insertAHPRound(ctx, versionID, spec, in)
}

// insertAHPRound stores a round on a node whose children spec lists.
func (db *DB) insertAHPRound(ctx context.Context, versionID int64, spec ahpRoundSpec, in AHPRoundInput) (*AHPRound, error) {
	in.NodeCode, in.Title = strings.TrimSpace(in.NodeCode), strings.TrimSpace(in.Title)
	fe := FieldErrors{}
	fe.text("title", in.Title, 200, false)
	var names []string
	seen := map[string]bool{}
	for _, e := range in.Evaluators {
		if e = strings.ToLower(strings.TrimSpace(e)); e != "" && !seen[e] {
			seen[e] = true
			names = append(names, e)
		}
	}
	switch {
	case len(names) == 0:
		fe.Add("evaluators", "err.ahp_evaluators_none")
	case len(names) > ahpMaxInvitees:
		fe.Add("evaluators", "err.ahp_evaluators_many")
	}
	if _, err := ahpRI(spec.RI); err != nil {
		fe.Add("node", "err.ahp_node_size")
	} else if _, ok := scoring.RITables()[spec.RI].Values[len(spec.Items)]; !ok {
		fe.Add("node", "err.ahp_node_size")
	}
	if err := fe.Err(); err != nil {
		return nil, err
	}
	actor, _ := ctx.Value(actorKey{}).(AuditEntry)
	now := time.Now().UTC()
	var id int64
	err := db.inTx(ctx, func(tx *sqlx.Tx) error {
		accounts := make([]int64, 0, len(names))
		added := map[int64]bool{}
		for _, name := range names {
			num, _ := strconv.ParseInt(name, 10, 64)
			var acct int64
			err := db.write(ctx, tx, "ahp-invitee-account").GetContext(ctx, &acct, num, name)
			if errors.Is(err, sql.ErrNoRows) {
				return &Error{Code: EInvalid, Key: "err.form_invalid", Args: []any{name},
					Fields: FieldErrors{"evaluators": "err.ahp_evaluator_unknown"}}
			}
			if err != nil {
				return fmt.Errorf("find invitee %q: %w", name, err)
			}
			if !added[acct] {
				added[acct] = true
				accounts = append(accounts, acct)
			}
		}
		err := db.write(ctx, tx, "ahp-round-insert").GetContext(ctx, &id,
			versionID, in.NodeCode, in.Title, spec.Items, spec.RI, spec.MaxCR, actor.ActorID, now)
		if err != nil {
			return fmt.Errorf("insert ahp round: %w", err)
		}
		for _, acct := range accounts {
			if _, err := db.write(ctx, tx, "ahp-invitation-insert").ExecContext(ctx, id, acct, now); err != nil {
				return fmt.Errorf("invite account %d to ahp round %d: %w", acct, id, err)
			}
		}
		return db.auditChange(ctx, tx, AuditAHPRoundOpened, "ahp_round", itoa(id),
			fmt.Sprintf("framework version %d, node %s, %d items, %d invited", versionID, in.NodeCode, len(spec.Items), len(accounts)))
	})
	if err != nil {
		return nil, err
	}
	return db.FindAHPRound(ctx, id)
}

// FindAHPRound returns a round with its counts. Errors: ENotFound.
func (db *DB) FindAHPRound(ctx context.Context, id int64) (*AHPRound, error) {
	var r AHPRound
	if err := db.read("ahp-round-by-id").GetContext(ctx, &r, id); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, Errorf(ENotFound, "err.not_found")
		}
		return nil, fmt.Errorf("find ahp round %d: %w", id, err)
	}
	return &r, nil
}

// AHPRoundFilter selects rounds: every round (All, for admins) or those
// AccountID is invited to; either way each carries AccountID's own
// invitation and judgement.
type AHPRoundFilter struct {
	AccountID int64
	All       bool
	Limit     int
}

// FindAHPRounds lists rounds, newest first (at most 500).
func (db *DB) FindAHPRounds(ctx context.Context, f AHPRoundFilter) ([]AHPRound, error) {
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = 500
	}
	var out []AHPRound
	var err error
	if f.All {
		err = db.read("ahp-rounds-all").SelectContext(ctx, &out, f.AccountID, f.AccountID, f.Limit)
	} else {
		err = db.read("ahp-rounds-invited").SelectContext(ctx, &out, f.AccountID, f.Limit)
	}
	if err != nil {
		return nil, fmt.Errorf("find ahp rounds: %w", err)
	}
	return out, nil
}

// AHPInvitee is an invited account with its judgement, if it sent one.
type AHPInvitee struct {
	AccountID   int64           `db:"account_id"`
	Username    string          `db:"username"`
	DisplayName string          `db:"display_name"`
	InvitedAt   time.Time       `db:"invited_at"`
	Cells       AHPCells        `db:"cells"`
	CR          sql.NullFloat64 `db:"cr"`
	Consistent  sql.NullBool    `db:"consistent"`
	SubmittedAt sql.NullTime    `db:"submitted_at"`
	Included    sql.NullBool    `db:"included"` // set on closing
}

// Submitted reports whether the invitee sent a judgement.
func (iv *AHPInvitee) Submitted() bool { return iv.SubmittedAt.Valid }

// FindAHPInvitees lists a round's invitees by username, with their
// judgements.
func (db *DB) FindAHPInvitees(ctx context.Context, roundID int64) ([]AHPInvitee, error) {
	var out []AHPInvitee
	if err := db.read("ahp-invitees").SelectContext(ctx, &out, roundID); err != nil {
		return nil, fmt.Errorf("find invitees of ahp round %d: %w", roundID, err)
	}
	return out, nil
}

// AHPInvited reports whether the account is invited to the round.
func (db *DB) AHPInvited(ctx context.Context, roundID, accountID int64) (bool, error) {
	var n int
	if err := db.read("ahp-invited").GetContext(ctx, &n, roundID, accountID); err != nil {
		return false, fmt.Errorf("ahp round %d invitation: %w", roundID, err)
	}
	return n > 0, nil
}

// SubmitAHPJudgement keeps accountID's judgement of an open round (the
// upper triangle's cells in reading order), replacing any earlier one, and
// audits it. A judgement above the CR limit is kept and marked
// inconsistent; the check returned says so. Errors: ENotFound when the
// round does not exist or the account is not invited (the same answer, so
// a round's existence is not disclosed); EConflict once the round is
// closing or closed; EInvalid for cells off the scale.
func (db *DB) SubmitAHPJudgement(ctx context.Context, roundID, accountID int64, cells []string) (*AHPCheck, error) {
	var check *AHPCheck
	err := db.inTx(ctx, func(tx *sqlx.Tx) error {
		r, err := db.roundTx(ctx, tx, roundID)
		if err != nil {
			return err
		}
		var n int
		if err := db.write(ctx, tx, "ahp-invited").GetContext(ctx, &n, roundID, accountID); err != nil {
			return fmt.Errorf("ahp round %d invitation: %w", roundID, err)
		}
		if n == 0 {
			return Errorf(ENotFound, "err.not_found")
		}
		if !r.Open() {
			return Errorf(EConflict, "err.ahp_round_closed")
		}
		if check, err = r.Check(cells); err != nil {
			return err
		}
		_, err = db.write(ctx, tx, "ahp-judgement-upsert").ExecContext(ctx, roundID, accountID, AHPCells(cells),
			check.CR, check.OK, time.Now().UTC())
		if err != nil {
			return fmt.Errorf("save judgement on ahp round %d: %w", roundID, err)
		}
		detail := fmt.Sprintf("CR %.3f", check.CR)
		if !check.OK {
			detail += fmt.Sprintf(", above %.2f", check.MaxCR)
		}
		return db.auditChange(ctx, tx, AuditAHPSubmitted, "ahp_round", itoa(roundID), detail)
	})
	if err != nil {
		return nil, err
	}
	return check, nil
}

// roundTx reads a round inside tx. Errors: ENotFound.
func (db *DB) roundTx(ctx context.Context, tx *sqlx.Tx, id int64) (*AHPRound, error) {
	var r AHPRound
	if err := db.write(ctx, tx, "ahp-round-by-id").GetContext(ctx, &r, id); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, Errorf(ENotFound, "err.not_found")
		}
		return nil, fmt.Errorf("find ahp round %d: %w", id, err)
	}
	return &r, nil
}

// AHPCloseInput closes a round: the new version's name (empty for the
// parent's version + "-ahp" + the round id) and whether to combine only the
// judgements within the CR limit.
type AHPCloseInput struct {
	Version        string
	ConsistentOnly bool
}

// AHPCombined is the outcome of combining a round's judgements: the whole
// combined matrix as the framework writes it, its CR and weights (item
// order), and who was combined.
type AHPCombined struct {
	Matrix   [][]string
	CR       float64
	Weights  []float64
	Included map[int64]bool // account → combined
	Count    int
}

// AHPCombineError is the refusal of a combined matrix above the CR limit:
// the framework would refuse it too. Check names the pair to reconsider.
type AHPCombineError struct {
	Check *AHPCheck
}

func (e *AHPCombineError) Error() string {
	return fmt.Sprintf("combined matrix CR %.3f is above %.2f", e.Check.CR, e.Check.MaxCR)
}

// ahpCellDecimals is how many decimals the combined matrix keeps: far finer
// than any judgement, and short enough to read.
const ahpCellDecimals = 4

// ahpDecimal prints x ≥ 1 with at most ahpCellDecimals decimals.
func ahpDecimal(x float64) string {
	s := strconv.FormatFloat(x, 'f', ahpCellDecimals, 64)
	return strings.TrimRight(strings.TrimRight(s, "0"), ".")
}

// ahpCombinedCells writes a combined matrix as framework cells. Each pair
// is written once as a decimal ≥ 1 and its partner as "1/" that decimal,
// so the cells are exactly reciprocal (rounded decimals on both sides
// would not pass the framework's 1e-6 reciprocity check).
func ahpCombinedCells(m [][]float64) [][]string {
	n := len(m)
	out := make([][]string, n)
	for i := range out {
		out[i] = make([]string, n)
		out[i][i] = "1"
	}
	for _, p := range ahpPairs(n) {
		g := m[p.I][p.J]
		big, small := p.I, p.J // big's cell holds the decimal ≥ 1
		if g < 1 {
			big, small, g = p.J, p.I, 1/g
		}
		d := ahpDecimal(g)
		out[big][small] = d
		if d == "1" {
			out[small][big] = "1"
		} else {
			out[small][big] = "1/" + d
		}
	}
	return out
}

// ahpCellFloat reads a cell written by ahpCombinedCells.
func ahpCellFloat(s string) (float64, error) {
	if d, ok := strings.CutPrefix(s, "1/"); ok {
		v, err := strconv.ParseFloat(d, 64)
		return 1 / v, err
	}
	return strconv.ParseFloat(s, 64)
}

// ahpCombine combines the submitted judgements (only the consistent ones
// when consistentOnly) by geometric mean and computes the weights and CR
// of the combined matrix as written. Errors: EInvalid err.ahp_no_judgements
// when there is nothing to combine; EInvalid wrapping *AHPCombineError
// when the combined matrix is above the limit.
func ahpCombine(r *AHPRound, invitees []AHPInvitee, consistentOnly bool) (*AHPCombined, error) {
	n := len(r.Items)
	out := &AHPCombined{Included: map[int64]bool{}}
	var ms [][][]float64
	for _, iv := range invitees {
		if !iv.Submitted() {
			continue
		}
		use := !consistentOnly || iv.Consistent.Bool
		out.Included[iv.AccountID] = use
		if !use {
			continue
		}
		m, err := ahpMatrix(n, iv.Cells)
		if err != nil {
			return nil, fmt.Errorf("judgement of account %d: %w", iv.AccountID, err)
		}
		ms = append(ms, m)
	}
	if len(ms) == 0 {
		if consistentOnly && len(out.Included) > 0 {
			return nil, Errorf(EInvalid, "err.ahp_no_consistent")
		}
		return nil, Errorf(EInvalid, "err.ahp_no_judgements")
	}
	g, err := scoring.CombineJudgements(ms)
	if err != nil {
		return nil, fmt.Errorf("ahp round %d: %w", r.ID, err)
	}
	out.Matrix = ahpCombinedCells(g)
	written := make([][]float64, n)
	for i, row := range out.Matrix {
		written[i] = make([]float64, n)
		for j, c := range row {
			if written[i][j], err = ahpCellFloat(c); err != nil {
				return nil, fmt.Errorf("ahp round %d: combined cell %q: %w", r.ID, c, err)
			}
		}
	}
	res, err := r.ahp(written)
	if err != nil {
		return nil, err
	}
	out.CR, out.Weights, out.Count = res.CR, res.Weights, len(ms)
	if !res.Consistent {
		i, j := res.WorstI, res.WorstJ
		judged := out.Matrix[i][j]
		check := &AHPCheck{CR: res.CR, MaxCR: r.MaxCR, Weights: res.Weights,
			Worst: &AHPWorst{I: i, J: j, Judged: judged, Suggested: ahpSuggest(res.Weights[i]/res.Weights[j], judged)}}
		return nil, &Error{Code: EInvalid, Key: "err.ahp_combined_inconsistent", Wrapped: &AHPCombineError{Check: check}}
	}
	return out, nil
}

// ahpVersionSaver saves the framework version a closed round makes and
// returns its id.
type ahpVersionSaver func(ctx context.Context, r *AHPRound, c *AHPCombined, version string) (int64, error)

// CloseAHPRound closes a round as the context's actor (an admin): it
// combines the judgements by geometric mean, saves a new framework version
// (source "ahp", parent the round's version) whose node takes its
// children's weights from the combined matrix, and records the matrix, its
// CR, the weights, which judgements were combined and the new version. The
// round is claimed first, so no judgement arrives while it closes; if
// anything fails it is open again. Errors: ENotFound; EConflict when it is
// already closed or the version name is taken; EInvalid when there is no
// judgement to combine (err.ahp_no_judgements, err.ahp_no_consistent),
// the combined matrix is above the CR limit (wrapping *AHPCombineError) or
// the version name is too long.
func (db *DB) CloseAHPRound(ctx context.Context, id int64, in AHPCloseInput) (*AHPRound, error) {
	return db.closeAHPRound(ctx, id, in, db.saveAHPVersion)
}

func (db *DB) closeAHPRound(ctx context.Context, id int64, in AHPCloseInput, save ahpVersionSaver) (*AHPRound, error) {
	in.Version = strings.TrimSpace(in.Version)
	fe := FieldErrors{}
	fe.text("version", in.Version, 64, false)
	if err := fe.Err(); err != nil {
		return nil, err
	}
	var r *AHPRound
	var invitees []AHPInvitee
	err := db.inTx(ctx, func(tx *sqlx.Tx) error {
		res, err := db.write(ctx, tx, "ahp-round-claim").ExecContext(ctx, id)
		if err != nil {
			return fmt.Errorf("claim ahp round %d: %w", id, err)
		}
		if r, err = db.roundTx(ctx, tx, id); err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return Errorf(EConflict, "err.ahp_round_closed")
		}
		if err := db.write(ctx, tx, "ahp-invitees").SelectContext(ctx, &invitees, id); err != nil {
			return fmt.Errorf("find invitees of ahp round %d: %w", id, err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	combined, err := ahpCombine(r, invitees, in.ConsistentOnly)
	if err != nil {
		return nil, db.reopenAHPRound(ctx, id, err)
	}
	versionID, err := save(ctx, r, combined, in.Version)
	if err != nil {
		return nil, db.reopenAHPRound(ctx, id, err)
	}
	actor, _ := ctx.Value(actorKey{}).(AuditEntry)
	err = db.inTx(ctx, func(tx *sqlx.Tx) error {
		res, err := db.write(ctx, tx, "ahp-round-close").ExecContext(ctx, actor.ActorID, time.Now().UTC(),
			AHPMatrixCells(combined.Matrix), combined.CR, AHPWeights(combined.Weights), versionID, id)
		if err != nil {
			return fmt.Errorf("close ahp round %d: %w", id, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return Errorf(EConflict, "err.ahp_round_closed")
		}
		for acct, used := range combined.Included {
			if _, err := db.write(ctx, tx, "ahp-judgement-included").ExecContext(ctx, used, id, acct); err != nil {
				return fmt.Errorf("mark judgement of account %d on ahp round %d: %w", acct, id, err)
			}
		}
		return db.auditChange(ctx, tx, AuditAHPRoundClosed, "ahp_round", itoa(id),
			fmt.Sprintf("%d judgements combined, CR %.3f, framework version %d", combined.Count, combined.CR, versionID))
	})
	if err != nil {
		return nil, err
	}
	return db.FindAHPRound(ctx, id)
}

// reopenAHPRound gives a claimed round back to its invitees after a close
// failed with cause, which it returns (with the reopening's own failure,
// if any).
func (db *DB) reopenAHPRound(ctx context.Context, id int64, cause error) error {
	err := db.inTx(ctx, func(tx *sqlx.Tx) error {
		if _, err := db.write(ctx, tx, "ahp-round-reopen").ExecContext(ctx, id); err != nil {
			return fmt.Errorf("reopen ahp round %d: %w", id, err)
		}
		return nil
	})
	if err != nil {
		return errors.Join(cause, err)
	}
	return cause
}

// saveAHPVersion derives the new framework version from the round's: the
// node's AHP spec becomes the combined matrix (its RI table and limit
// kept), so reading the version gives the children the AHP weights.
func (db *DB) saveAHPVersion(ctx context.Context, r *AHPRound, c *AHPCombined, version string) (int64, error) {
	parent, err := db.FindFrameworkVersion(ctx, r.FrameworkVersionID)
	if err != nil {
		return 0, err
	}
	fw, err := parent.Framework()
	if err != nil {
		return 0, fmt.Errorf("ahp round %d: read framework version %d: %w", r.ID, parent.ID, err)
	}
	if version == "" {
		version = parent.Version + "-ahp" + itoa(r.ID)
	}
	node := fw.Node(r.NodeCode)
	if node == nil {
		return 0, fmt.Errorf("ahp round %d: version %d has no node %q", r.ID, parent.ID, r.NodeCode)
	}
	fw.Version = version
	node.AHP = &scoring.AHPSpec{Names: r.Codes(), Matrix: c.Matrix, RI: r.RI, MaxCR: r.MaxCR}
	if err := fw.Validate(); err != nil {
		return 0, fmt.Errorf("ahp round %d: the new version does not validate: %w", r.ID, err)
	}
	note := fmt.Sprintf("AHP round %d on %s: %d judgements combined by geometric mean, CR %.3f", r.ID, r.NodeCode, c.Count, c.CR)
	if r.Title != "" {
		note += " (" + r.Title + ")"
	}
	v, err := db.SaveFrameworkVersion(ctx, fw, FrameworkSourceAHP, parent.ID, note)
	if err != nil {
		return 0, err
	}
	return v.ID, nil
}
