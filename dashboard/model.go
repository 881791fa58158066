package dashboard

import (
	"context"
	"math"
	"strings"
	"sync"
	"time"

	"govkpi/scoring"
	"govkpi/survey"
)

// A Model is one assessment run made ready for pages, kept in memory so a
// page reads no more than the run's head from the database:
//
//   - the frozen record the run kept (every node's score, every raw value,
//     ranks, bands), which is what pages show;
//   - the engine's result recomputed from the run's kept inputs with
//     explanations (contributions, strengths, what-if), because the record
//     leaves them out; its numbers are replaced by the record's, so a page
//     never shows a number the run did not publish, and Drift counts the
//     departments whose index the engine of this build computes
//     differently (shown as a warning, never silently);
//   - the framework, the inputs table, and every department with its
//     parent, for roll-ups and filters.
//
// A model is read-only once built; the lazily computed parts
// (sensitivity, diagnostics) are built once under their own lock.
type Model struct {
	Run       *survey.AssessmentRun // its head: no documents
	Campaign  *survey.Campaign
	Outcome   *survey.RunOutcome // frozen units ranked, and the band set
	Record    *scoring.Record    // nil for runs kept before records
	Framework *scoring.Framework
	Table     *scoring.Table
	Result    *scoring.Result // numbers from the record, explanations recomputed
	Drift     int             // departments whose recomputed index differs from the frozen one
	Depts     map[string]survey.Department
	Loaded    time.Duration // how long building took

	index map[string]int // unit code → index in Table, Result and Record

	sensOnce sync.Once
	sens     *scoring.Sensitivity
	sensErr  error
	diagOnce sync.Once
	diag     *scoring.Diagnostics
	memoMu   sync.Mutex
	memo     map[string]*memoEntry
}

// SensitivityDraws is how many Monte Carlo draws the uncertainty of a run
// is computed from; the seed is the run's id, so a run's intervals are
// the same on every page and after every restart.
const SensitivityDraws = 500

// UnitIndex is the index of the department with code in the model's
// units.
func (m *Model) UnitIndex(code string) (int, bool) {
	i, ok := m.index[code]
	return i, ok
}

// Score is node code's score for unit i, NaN when it has none or the node
// is unknown.
func (m *Model) Score(code string, i int) float64 {
	n := m.Framework.Node(code)
	if n == nil {
		return math.NaN()
	}
	return m.Result.NodeScores(code)[i]
}

// Sensitivity is each department's rank spread under perturbed weights,
// computed on first use.
func (m *Model) Sensitivity() (*scoring.Sensitivity, error) {
	m.sensOnce.Do(func() {
		m.sens, m.sensErr = scoring.Sensitise(m.Framework, m.Table, scoring.Options{},
			scoring.SensitivityOptions{Draws: SensitivityDraws, Seed: uint64(m.Run.ID)})
	})
	return m.sens, m.sensErr
}

// Diagnostics are the run's data checks, computed on first use.
func (m *Model) Diagnostics() *scoring.Diagnostics {
	m.diagOnce.Do(func() { m.diag = m.Result.Diagnose() })
	return m.diag
}

// buildModel decodes a whole run (documents included) into a model.
func buildModel(ctx context.Context, db *survey.DB, run *survey.AssessmentRun) (*Model, error) {
	start := time.Now()
	c, err := db.FindCampaignByID(ctx, run.CampaignID)
	if err != nil {
		return nil, err
	}
	fw, err := db.RunFramework(ctx, run)
	if err != nil {
		return nil, err
	}
	table, err := run.InputsTable()
	if err != nil {
		return nil, err
	}
	out, err := run.Outcome()
	if err != nil {
		return nil, err
	}
	res, err := scoring.Run(fw, table, scoring.Options{Explain: true})
	if err != nil {
		return nil, err
	}
	m := &Model{Campaign: c, Outcome: out, Framework: fw, Table: table, Result: res, index: map[string]int{}}
	for i, u := range table.Units {
		m.index[u.Code] = i
	}
	if strings.Contains(run.Result[:min(len(run.Result), 64)], scoring.RecordFormat) {
		rec, err := scoring.ReadRecord(strings.NewReader(run.Result))
		if err != nil {
			return nil, err
		}
		m.Record = rec
		m.Drift = freeze(res, rec)
	} else {
		// A run kept before records: its frozen outcome has each
		// department's index only, so at least say where the engine of
		// this build disagrees with it.
		m.Drift = legacyDrift(res, out)
	}
	depts, err := db.AllDepartments(ctx)
	if err != nil {
		return nil, err
	}
	m.Depts = make(map[string]survey.Department, len(depts))
	for _, d := range depts {
		m.Depts[d.Code] = d
	}
	head := *run
	head.Inputs, head.Result = "", ""
	m.Run = &head
	m.Loaded = time.Since(start)
	return m, nil
}

// freeze puts the record's numbers into the recomputed result and counts
// the units whose index differed. A record of other units or nodes than
// the result (it cannot happen for a run's own inputs) counts every unit.
func freeze(res *scoring.Result, rec *scoring.Record) int {
	order := res.Framework.Order()
	if len(rec.Units) != len(res.Units) || len(rec.Nodes) != len(order) {
		return len(res.Units)
	}
	val := func(p *float64) float64 {
		if p == nil {
			return math.NaN()
		}
		return *p
	}
	for i, u := range rec.Units {
		if u.Code != res.Units[i].Code {
			// Copying by position would give one department another's
			// numbers.
			return len(res.Units)
		}
	}
	drift := 0
	root := res.RootScores()
	for i, u := range rec.Units {
		a, b := root[i], val(u.Score)
		if math.IsNaN(a) != math.IsNaN(b) || (!math.IsNaN(a) && math.Abs(a-b) > 1e-9) {
			drift++
		}
	}
	for k := range order {
		if rec.Nodes[k].Code != order[k].Code {
			return len(res.Units)
		}
		for i := range res.Units {
			if k < len(rec.Scores) && i < len(rec.Scores[k]) {
				res.Score[k][i] = val(rec.Scores[k][i])
			}
			if res.Raw[k] != nil && k < len(rec.Raw) && rec.Raw[k] != nil && i < len(rec.Raw[k]) {
				res.Raw[k][i] = val(rec.Raw[k][i])
			}
		}
	}
	for i, u := range rec.Units {
		res.Rank[i], res.GroupRank[i], res.GroupSize[i] = u.Rank, u.GroupRank, u.GroupSize
		res.Pct[i] = val(u.Percentile)
	}
	return drift
}

// legacyDrift counts the departments whose recomputed index differs from
// the index a run kept before records froze.
func legacyDrift(res *scoring.Result, out *survey.RunOutcome) int {
	frozen := make(map[string]*float64, len(out.Units))
	for _, u := range out.Units {
		frozen[u.Code] = u.Score
	}
	drift := 0
	root := res.RootScores()
	for i, u := range res.Units {
		f, ok := frozen[u.Code]
		switch {
		case !ok:
			drift++
		case f == nil:
			if !math.IsNaN(root[i]) {
				drift++
			}
		case math.IsNaN(root[i]) || math.Abs(root[i]-*f) > 1e-6:
			drift++
		}
	}
	return drift
}

// Memo returns what build makes for key, building it once per model: for
// page parts that depend only on the run and are costly at scale (the
// data-quality correlations, say). build must not depend on the request.
func (m *Model) Memo(key string, build func() any) any {
	m.memoMu.Lock()
	e, ok := m.memo[key]
	if !ok {
		e = &memoEntry{}
		if m.memo == nil {
			m.memo = map[string]*memoEntry{}
		}
		m.memo[key] = e
	}
	m.memoMu.Unlock()
	e.once.Do(func() { e.v = build() })
	return e.v
}

type memoEntry struct {
	once sync.Once
	v    any
}

// models keeps the models of the runs read lately. A model is valid while
// its run's head (state, computation time, inputs hash) is the same; a
// draft recomputed or published gets a new one.
type models struct {
	db  *survey.DB
	max int

	mu      sync.Mutex
	entries map[int64]*modelEntry
	clock   int64
}

type modelEntry struct {
	key   string
	ready chan struct{}
	m     *Model
	err   error
	used  int64
}

func newModels(db *survey.DB, max int) *models {
	return &models{db: db, max: max, entries: map[int64]*modelEntry{}}
}

func headKey(r *survey.AssessmentRun) string {
	return r.State + "|" + r.ComputedAt.UTC().Format(time.RFC3339Nano) + "|" + r.InputsHash
}

// Load returns the model of run id, building it when the cache has none
// for the run as it is now. Errors: survey's ENotFound for an unknown run.
func (ms *models) Load(ctx context.Context, id int64) (*Model, error) {
	head, err := ms.db.FindAssessmentRunHead(ctx, id)
	if err != nil {
		return nil, err
	}
	key := headKey(head)
	ms.mu.Lock()
	ms.clock++
	e, ok := ms.entries[id]
	if ok && e.key == key {
		e.used = ms.clock
		ms.mu.Unlock()
		select {
		case <-e.ready:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		if e.err != nil {
			return nil, e.err
		}
		return e.m, nil
	}
	e = &modelEntry{key: key, ready: make(chan struct{}), used: ms.clock}
	ms.entries[id] = e
	ms.evict()
	ms.mu.Unlock()

	// Built without the request's context: another request may be waiting
	// for the same model.
	bctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
	defer cancel()
	run, err := ms.db.FindAssessmentRun(bctx, id)
	if err == nil {
		e.m, e.err = buildModel(bctx, ms.db, run)
		if e.m != nil {
			// The head read first names who computed and published it.
			e.m.Run.ComputerName, e.m.Run.PublisherName = head.ComputerName, head.PublisherName
		}
	} else {
		e.err = err
	}
	close(e.ready)
	if e.err != nil {
		ms.mu.Lock()
		if ms.entries[id] == e {
			delete(ms.entries, id)
		}
		ms.mu.Unlock()
		return nil, e.err
	}
	return e.m, nil
}

// evict drops the least recently used models beyond max. Called with mu
// held.
func (ms *models) evict() {
	for len(ms.entries) > ms.max {
		var oldest int64
		first := true
		for id, e := range ms.entries {
			if first || e.used < ms.entries[oldest].used {
				oldest, first = id, false
			}
		}
		delete(ms.entries, oldest)
	}
}
