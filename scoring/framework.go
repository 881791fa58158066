package scoring

import (
	"fmt"
	"math"
	"regexp"
	"sort"
	"strings"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/vm"
)

// Normalisation methods.
const (
	NormMinMax    = "minmax"    // (x·dir − min)/(max − min) × 100
	NormMinMax1   = "minmax1"   // the same onto [1,100], for geometric means
	NormZScore    = "zscore"    // (x·dir − mean)/sd, sample SD; optional rescale
	NormGoalposts = "goalposts" // (x − worst)/(best − worst) × 100, truncated to [0,100]
	NormTarget    = "target"    // distance to target: like goalposts, with per-unit target and worst allowed
	NormRank      = "rank"      // percentile rank of x·dir
	NormNone      = "none"      // already on 0–100
)

// Aggregation methods.
const (
	AggArith = "arith" // weighted arithmetic mean
	AggGeom  = "geom"  // weighted geometric mean (inputs > 0)
)

// Normalisation says how one indicator's raw values become 0–100 scores.
// Goalposts and targets are in raw units; Worst and Best (or Target) also
// fix the direction, so Direction is not applied a second time.
type Normalisation struct {
	Method string `yaml:"method" json:"method"`
	// Log applies log(1 + x) before the method (values must be > −1).
	Log bool `yaml:"log,omitempty" json:"log,omitempty"`
	// Goalposts: the raw value scored 0 and the one scored 100.
	Worst *float64 `yaml:"worst,omitempty" json:"worst,omitempty"`
	Best  *float64 `yaml:"best,omitempty" json:"best,omitempty"`
	// Distance to target: Target (scored 100) and Worst (scored 0) may be
	// constants or come per unit from variables.
	Target    *float64 `yaml:"target,omitempty" json:"target,omitempty"`
	TargetVar string   `yaml:"target_var,omitempty" json:"target_var,omitempty"`
	WorstVar  string   `yaml:"worst_var,omitempty" json:"worst_var,omitempty"`
	// Z-score rescale: score = Mean + SD·z when Rescale is set.
	Rescale bool    `yaml:"rescale,omitempty" json:"rescale,omitempty"`
	Mean    float64 `yaml:"mean,omitempty" json:"mean,omitempty"`
	SD      float64 `yaml:"sd,omitempty" json:"sd,omitempty"`
}

// Card is an indicator's definition card, in Chinese and English.
type Card struct {
	DefinitionZh  string `yaml:"definition_zh,omitempty" json:"definition_zh,omitempty"`
	DefinitionEn  string `yaml:"definition_en,omitempty" json:"definition_en,omitempty"`
	NumeratorZh   string `yaml:"numerator_zh,omitempty" json:"numerator_zh,omitempty"`
	NumeratorEn   string `yaml:"numerator_en,omitempty" json:"numerator_en,omitempty"`
	DenominatorZh string `yaml:"denominator_zh,omitempty" json:"denominator_zh,omitempty"`
	DenominatorEn string `yaml:"denominator_en,omitempty" json:"denominator_en,omitempty"`
	Period        string `yaml:"period,omitempty" json:"period,omitempty"`
	Source        string `yaml:"source,omitempty" json:"source,omitempty"`
	NotesZh       string `yaml:"notes_zh,omitempty" json:"notes_zh,omitempty"`
	NotesEn       string `yaml:"notes_en,omitempty" json:"notes_en,omitempty"`
}

// MinSample marks an indicator as "low sample" (left out of aggregation)
// when a count variable is below Min for the unit.
type MinSample struct {
	Variable string  `yaml:"variable" json:"variable"`
	Min      float64 `yaml:"min" json:"min"`
}

// Node is one node of a framework tree: the index, a family or pillar, or
// an indicator (a leaf). Weights are relative to the siblings.
type Node struct {
	Code      string         `yaml:"code" json:"code"`
	NameZh    string         `yaml:"name_zh,omitempty" json:"name_zh,omitempty"`
	NameEn    string         `yaml:"name_en,omitempty" json:"name_en,omitempty"`
	Unit      string         `yaml:"unit,omitempty" json:"unit,omitempty"`
	Direction int            `yaml:"direction,omitempty" json:"direction,omitempty"` // +1 higher is better, −1 lower is better
	Weight    *float64       `yaml:"weight,omitempty" json:"weight,omitempty"`
	Normalise *Normalisation `yaml:"normalise,omitempty" json:"normalise,omitempty"`
	Aggregate string         `yaml:"aggregate,omitempty" json:"aggregate,omitempty"`
	Formula   string         `yaml:"formula,omitempty" json:"formula,omitempty"`
	MinSample *MinSample     `yaml:"min_sample,omitempty" json:"min_sample,omitempty"`
	Card      *Card          `yaml:"card,omitempty" json:"card,omitempty"`
	AHP       *AHPSpec       `yaml:"ahp,omitempty" json:"ahp,omitempty"`
	Weighting *Weighting     `yaml:"weighting,omitempty" json:"weighting,omitempty"`
	Bands     string         `yaml:"bands,omitempty" json:"bands,omitempty"` // band set for this node's level; the framework's when empty
	Children  []*Node        `yaml:"children,omitempty" json:"children,omitempty"`

	parent  *Node
	depth   int
	index   int         // position in Framework.order
	program *vm.Program // compiled Formula
	vars    []string    // variables the formula names, sorted
}

// Data-driven weighting methods.
const (
	WeightEntropy       = "entropy"        // classic entropy on the children's scores
	WeightEntropyMinMax = "entropy-minmax" // the textbook 熵权法: min-max first
)

// Weighting computes a node's child weights from the data at run time:
// entropy weights, mixed with the fixed weights as Alpha·fixed +
// (1 − Alpha)·entropy when Alpha > 0.
type Weighting struct {
	Method string  `yaml:"method" json:"method"`
	Alpha  float64 `yaml:"alpha,omitempty" json:"alpha,omitempty"`
}

// AHPSpec gives a node's child weights as a pairwise comparison matrix; the
// rows and columns follow Names, which must be the children's codes.
type AHPSpec struct {
	Names  []string   `yaml:"names" json:"names"`
	Matrix [][]string `yaml:"matrix" json:"matrix"`
	RI     string     `yaml:"ri,omitempty" json:"ri,omitempty"`
	MaxCR  float64    `yaml:"max_cr,omitempty" json:"max_cr,omitempty"`
	CR     float64    `yaml:"-" json:"cr"` // filled in at load
}

// IsIndicator reports whether n is a leaf.
func (n *Node) IsIndicator() bool { return len(n.Children) == 0 }

// Parent returns the node's parent, nil for the root.
func (n *Node) Parent() *Node { return n.parent }

// Depth is 0 for the root.
func (n *Node) Depth() int { return n.depth }

// W returns the node's weight (1 when unset).
func (n *Node) W() float64 {
	if n.Weight == nil {
		return 1
	}
	return *n.Weight
}

// Vars returns the variables the node's formula names.
func (n *Node) Vars() []string { return n.vars }

// Name returns the name in lang ("en" or Chinese), falling back to the code.
func (n *Node) Name(lang string) string {
	if lang == "en" && n.NameEn != "" {
		return n.NameEn
	}
	if n.NameZh != "" {
		return n.NameZh
	}
	if n.NameEn != "" {
		return n.NameEn
	}
	return n.Code
}

// Variable is an input the collectors supply (survey answers, rating counts,
// imported metrics) and formulas use.
type Variable struct {
	Code   string `yaml:"code" json:"code"`
	NameZh string `yaml:"name_zh,omitempty" json:"name_zh,omitempty"`
	NameEn string `yaml:"name_en,omitempty" json:"name_en,omitempty"`
	Unit   string `yaml:"unit,omitempty" json:"unit,omitempty"`
	Source string `yaml:"source,omitempty" json:"source,omitempty"` // survey, ratings, metrics, rectification, citizen_survey
}

// Framework is a validated tree of nodes with its defaults.
type Framework struct {
	Code            string     `yaml:"code" json:"code"`
	Version         string     `yaml:"version" json:"version"`
	NameZh          string     `yaml:"name_zh,omitempty" json:"name_zh,omitempty"`
	NameEn          string     `yaml:"name_en,omitempty" json:"name_en,omitempty"`
	Bands           string     `yaml:"bands,omitempty" json:"bands,omitempty"`
	MinAvailability *float64   `yaml:"min_availability,omitempty" json:"min_availability,omitempty"`
	Variables       []Variable `yaml:"variables,omitempty" json:"variables,omitempty"`
	Root            *Node      `yaml:"root" json:"root"`

	order []*Node // indicators in file order, then aggregates by depth, deepest first
	nodes map[string]*Node
}

// Node returns the node with code, or nil.
func (f *Framework) Node(code string) *Node { return f.nodes[code] }

// Order returns the nodes in output order: the indicators in framework
// order, then the aggregates level by level from the deepest up to the root.
func (f *Framework) Order() []*Node { return f.order }

// Indicators returns the leaves in framework order.
func (f *Framework) Indicators() []*Node {
	var out []*Node
	for _, n := range f.order {
		if n.IsIndicator() {
			out = append(out, n)
		}
	}
	return out
}

// FrameworkError lists every problem found in a framework, each with where
// it is (a node code, or a file row).
type FrameworkError struct {
	File     string
	Problems []string
}

func (e *FrameworkError) Error() string {
	head := "framework"
	if e.File != "" {
		head = e.File
	}
	return head + ": " + strings.Join(e.Problems, "; ")
}

var (
	codeRE = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_.-]{0,63}$`)
	varRE  = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_]{0,63}$`)
)

// Validate links the tree, checks it and compiles formulas; every problem is
// reported, not just the first: duplicate or malformed codes, negative or
// all-zero sibling weights, unknown directions and methods, formulas that do
// not parse or name unknown variables (when variables are declared), and AHP
// matrices that are not reciprocal or are too inconsistent.
func (f *Framework) Validate() error {
	var probs []string
	add := func(format string, args ...any) { probs = append(probs, fmt.Sprintf(format, args...)) }
	if f.Root == nil {
		return &FrameworkError{Problems: []string{"no root node"}}
	}
	if f.Bands == "" {
		f.Bands = "default"
	}
	if f.MinAvailability != nil && (*f.MinAvailability < 0 || *f.MinAvailability > 1) {
		add("min_availability %v: want a share between 0 and 1", *f.MinAvailability)
	}
	declared := map[string]bool{}
	for _, v := range f.Variables {
		if !varRE.MatchString(v.Code) {
			add("variable %q: formulas name variables, so a code is a letter then letters, digits and _ only", v.Code)
		}
		if declared[v.Code] {
			add("variable %q declared twice", v.Code)
		}
		declared[v.Code] = true
	}
	f.nodes = map[string]*Node{}
	var walk func(n, parent *Node, depth int)
	walk = func(n, parent *Node, depth int) {
		if n == nil {
			add("an empty node under %s", parent.Code)
			return
		}
		n.parent, n.depth = parent, depth
		if !codeRE.MatchString(n.Code) {
			add("node %q: a code starts with a letter and has letters, digits, _ . - only (at most 64)", n.Code)
		}
		if _, dup := f.nodes[n.Code]; dup {
			add("node %q appears twice", n.Code)
		}
		f.nodes[n.Code] = n
		if depth > 32 {
			add("node %q: the tree is deeper than 32 levels", n.Code)
			return
		}
		if n.Weight != nil && (*n.Weight < 0 || math.IsNaN(*n.Weight) || math.IsInf(*n.Weight, 0)) {
			add("node %q: weight %v is negative or not a number", n.Code, *n.Weight)
		}
		switch n.Direction {
		case 0:
			n.Direction = 1
		case 1, -1:
		default:
			add("node %q: direction %d, want 1 or -1", n.Code, n.Direction)
		}
		if n.IsIndicator() {
			if n.Normalise == nil {
				n.Normalise = &Normalisation{Method: NormMinMax}
			}
			checkNormalisation(n, add)
			if n.Formula != "" {
				compileFormula(n, declared, len(f.Variables) > 0, add)
			}
			if n.AHP != nil {
				add("node %q: an indicator has no children to weigh by AHP", n.Code)
			}
			return
		}
		if n.Formula != "" {
			add("node %q: only indicators have formulas", n.Code)
		}
		switch n.Aggregate {
		case "":
			n.Aggregate = AggArith
		case AggArith, AggGeom:
		default:
			add("node %q: aggregate %q, want arith or geom", n.Code, n.Aggregate)
		}
		total := 0.0
		for _, c := range n.Children {
			walk(c, n, depth+1)
			if c != nil && c.Weight != nil && *c.Weight > 0 {
				total += *c.Weight
			} else if c != nil && c.Weight == nil {
				total++
			}
		}
		if total == 0 && n.AHP == nil {
			add("node %q: the weights of its children are all zero", n.Code)
		}
		if n.AHP != nil {
			if err := applyAHP(n); err != nil {
				add("node %q: %v", n.Code, err)
			}
		}
		if _, ok := BandSets()[n.Bands]; n.Bands != "" && !ok {
			add("node %q: unknown band set %q", n.Code, n.Bands)
		}
		if w := n.Weighting; w != nil {
			if w.Method != WeightEntropy && w.Method != WeightEntropyMinMax {
				add("node %q: weighting %q, want entropy or entropy-minmax", n.Code, w.Method)
			}
			if w.Alpha < 0 || w.Alpha > 1 {
				add("node %q: weighting alpha %v, want 0 to 1", n.Code, w.Alpha)
			}
		}
	}
	walk(f.Root, nil, 0)
	if len(probs) > 0 {
		return &FrameworkError{Problems: probs}
	}
	f.buildOrder()
	return nil
}

// buildOrder fixes the output order: indicators depth-first in file order,
// then aggregates from the deepest level up, each level in file order.
func (f *Framework) buildOrder() {
	var leaves, aggs []*Node
	var walk func(n *Node)
	walk = func(n *Node) {
		if n.IsIndicator() {
			leaves = append(leaves, n)
			return
		}
		aggs = append(aggs, n)
		for _, c := range n.Children {
			walk(c)
		}
	}
	walk(f.Root)
	sort.SliceStable(aggs, func(i, j int) bool { return aggs[i].depth > aggs[j].depth })
	f.order = append(leaves, aggs...)
	for i, n := range f.order {
		n.index = i
	}
}

func checkNormalisation(n *Node, add func(string, ...any)) {
	m := n.Normalise
	switch m.Method {
	case "":
		m.Method = NormMinMax
	case NormMinMax, NormMinMax1, NormZScore, NormRank, NormNone:
	case NormGoalposts:
		if m.Worst == nil || m.Best == nil {
			add("indicator %q: goalposts need worst and best", n.Code)
		} else if *m.Worst == *m.Best {
			add("indicator %q: goalposts worst and best are equal", n.Code)
		}
	case NormTarget:
		if m.Target == nil && m.TargetVar == "" {
			add("indicator %q: distance to target needs target or target_var", n.Code)
		}
		if m.Worst == nil && m.WorstVar == "" {
			add("indicator %q: distance to target needs worst or worst_var", n.Code)
		}
	default:
		add("indicator %q: normalisation %q, want minmax, minmax1, zscore, goalposts, target, rank or none", n.Code, m.Method)
	}
	if m.Rescale && m.SD <= 0 {
		add("indicator %q: a z-score rescale needs sd > 0", n.Code)
	}
}

// compileFormula parses the formula once, with every identifier a float
// variable, and records the variables it names.
func compileFormula(n *Node, declared map[string]bool, strict bool, add func(string, ...any)) {
	// Not expr.AsFloat64: a formula may give nil (no value) on purpose.
	tree, err := expr.Compile(n.Formula, expr.AllowUndefinedVariables())
	if err != nil {
		add("indicator %q: formula %q: %v", n.Code, n.Formula, firstLine(err.Error()))
		return
	}
	names := formulaIdents(n.Formula)
	for _, v := range names {
		if strict && !declared[v] {
			add("indicator %q: formula names unknown variable %q", n.Code, v)
		}
	}
	n.program, n.vars = tree, names
}

var identRE = regexp.MustCompile(`[A-Za-z_][A-Za-z0-9_]*`)

// formulaFuncs are the functions formulas may call; they are not variables.
var formulaFuncs = map[string]bool{"min": true, "max": true, "abs": true, "ceil": true, "floor": true, "round": true,
	"true": true, "false": true, "nil": true, "and": true, "or": true, "not": true, "if": true, "else": true, "safe": true}

// formulaIdents lists the identifiers of a formula that are variables.
func formulaIdents(s string) []string {
	seen := map[string]bool{}
	var out []string
	// Drop string literals so words inside them are not taken for names.
	s = regexp.MustCompile(`"[^"]*"|'[^']*'`).ReplaceAllString(s, "")
	for _, loc := range identRE.FindAllStringIndex(s, -1) {
		if loc[0] > 0 && (s[loc[0]-1] == '.' || (s[loc[0]-1] >= '0' && s[loc[0]-1] <= '9')) {
			continue // a member or a number's exponent
		}
		id := s[loc[0]:loc[1]]
		if formulaFuncs[id] || seen[id] {
			continue
		}
		seen[id] = true
		out = append(out, id)
	}
	sort.Strings(out)
	return out
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}
