// Package fit is scalefit's scaling-law statistics: power laws y = a·x^b across models (OLS and WLS in log space, and
// the offset form y = c + a·x^b by nonlinear least squares) with Student-t confidence and prediction intervals, the
// hierarchical, pairs and residual bootstraps with percentile, basic and BCa intervals, predictions at sizes nobody
// has measured, leave-one-out checks, and the coverage simulation behind the default interval (docs/statistics.md).
//
// A fit's points come from run files (through package layers, which computes each model's metric from its layer
// profile), from CSV files, or from the published reference results of package datasets. Package report renders a
// fit as text or markdown.
package fit
