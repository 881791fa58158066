// Package scoring computes indicators and indices from a table of variables
// per unit: frameworks, formulas, normalisation, weighting, aggregation,
// levels, ranks, contributions, diagnostics and sensitivity. It is pure Go:
// it imports nothing of govkpi's, touches no database and no HTTP, and the
// same framework, data and options always give byte-identical output
// (survey and dashboard may import scoring, never the reverse).
package scoring
