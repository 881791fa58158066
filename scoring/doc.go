// Package scoring computes indicators and indices from a table of variables
// per unit: frameworks, formulas, normalisation, weighting, aggregation,
// levels, ranks, contributions and sensitivity. It is pure Go: it imports
// nothing of govkpi's, touches no database and no HTTP, and the same input
// always gives byte-identical output. The engine arrives with issue 3; this
// package holds its place in the layout so imports point one way from the
// start (survey and dashboard may import scoring, never the reverse).
package scoring
