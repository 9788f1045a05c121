// Package plot draws scalefit's figures with gonum/plot: the layer profiles of the attention, MLP and combined gains
// of one or more models, and the scaling-law panel that relates a model-level metric to model size.
//
// The package knows nothing about run files or statistics. Its inputs are plain numbers: a Series is one model's
// layer profile with an optional bootstrap band, and a ScalingPanel holds measured points with their intervals, a
// fitted line with its confidence band, predictions, and any number of reference laws (ScalingSeries, such as a
// published law of trained models) drawn beside it in a muted, dashed style. The command line (scalefit plot) maps
// fit results into them.
//
// A Figure composes up to four panels in a grid,
//
//	(a) attention gain per layer    (b) MLP gain per layer
//	(c) combined gain per layer     (d) metric against size, log–log
//
// with one shared legend strip for the models of (a)–(c). Gains are drawn on a log y axis with a dashed line at
// y = 1, the boundary between a sublayer that contracts its input (gain < 1) and one that expands it (gain > 1).
// Figure.Save writes PNG, SVG or PDF, chosen by the file extension, atomically.
package plot
