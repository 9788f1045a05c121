// Package report writes scalefit's markdown report: what a researcher reads after measuring a few models. It follows
// the seed note (an executive summary of its five predictions, cross-model tables, layer-wise profiles, the MLP phase
// structure, and a scaling-law section) and states how every number was made.
//
// The report holds no statistics of its own. Every number in it is computed from the runs by package fit at the
// moment the report is built: the layer gains and their sequence-bootstrap intervals (layers.Bootstrap), the phase
// segmentation (layers.SegmentPhases), the verdicts and the comparison tables, and the power-law fit with its
// predictions and leave-one-out checks. Nothing is typed by hand, so the same runs and options always give the same
// bytes, and the golden files under testdata/report pin the layout (regenerate them with go test ./report -update).
package report
