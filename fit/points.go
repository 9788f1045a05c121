package fit

import (
	"encoding/csv"
	"errors"
	"fmt"
	"github.com/scalefit/scalefit/internal/quote"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/scalefit/scalefit/layers"
)

// Point is one model in a scaling-law fit: its covariate x, its metric y, and optionally the standard error of y and
// the run it was measured from.
//
// Points made from run files carry their Profile, so the hierarchical bootstrap can resample the run's sequences and
// recompute y; points read from a CSV file or a reference dataset have no profile and keep their y in that bootstrap.
type Point struct {
	Model   string          // model id (with @revision when there is one)
	X       float64         // covariate, > 0
	Y       float64         // metric, > 0 for a power-law fit
	YSE     float64         // standard error of Y in y units; NaN when unknown
	Layer   int             // the layer the metric was taken at; −1 when the metric has none or it is unknown
	Source  string          // where the point came from: a run file, a CSV file, a reference dataset
	Family  string          // the architecture family (HF model_type, e.g. llama); "" when unknown
	Profile *layers.Profile // the run behind the point; nil for points from a CSV file or a reference
}

// ySEResamples is the number of sequence resamples behind the y_se of a run-file point.
const ySEResamples = 400

// PointsFromProfiles makes one point per profile: y = metric.Eval(p, nil), x = Covariate(xname, p), and y_se the
// standard deviation of y over ySEResamples (400) resamples of the run's sequences, drawn from seed. y_se is NaN for
// a run with a single sequence. sources, if not nil, names the file behind each profile.
func PointsFromProfiles(profiles []*layers.Profile, sources []string, metric layers.Metric, xname string, seed uint64) ([]Point, error) {
	out := make([]Point, 0, len(profiles))
	for i, p := range profiles {
		src := ""
		if sources != nil {
			src = sources[i]
		}
		if !p.Has(metric.Component) {
			return nil, fmt.Errorf("%s: model %q: the run has no %q component, which %s needs", src, p.Name(), metric.Component, metric.Name)
		}
		x, err := layers.Covariate(xname, p)
		if err != nil {
			return nil, err
		}
		y, layer := metric.Eval(p, nil)
		if !metric.HasLayer {
			layer = -1
		}
		pt := Point{Model: p.Name(), X: x, Y: y, YSE: math.NaN(), Layer: layer, Source: src, Family: p.Architecture, Profile: p}
		if p.NSeq() > 1 {
			pt.YSE = profileYSE(p, metric, ySEResamples, seed^uint64(i)*0x9e3779b97f4a7c15)
		}
		out = append(out, pt)
	}
	return out, nil
}

// profileYSE is the bootstrap standard error of metric on p: the sample standard deviation (ddof = 1) of y over B
// multinomial resamples of the sequences.
func profileYSE(p *layers.Profile, metric layers.Metric, B int, seed uint64) float64 {
	ev := newSeqEvaluator(metric, p)
	var rng bootRNG
	var sum, sum2 float64
	vals := make([]float64, B)
	for b := range vals {
		rng.seed(seed, uint64(b))
		vals[b] = ev.resample(&rng)
		sum += vals[b]
	}
	mean := sum / float64(B)
	for _, v := range vals {
		sum2 += (v - mean) * (v - mean)
	}
	return math.Sqrt(sum2 / float64(B-1))
}

// maxNameBytes bounds a model or architecture name in a --points file, so that every message that names one stays
// a short line.
const maxNameBytes = 256

// ReadPointsCSV reads points from CSV with a header row naming the columns model, x and y, and optionally y_se and
// architecture (the family, for fit --by architecture), in any order. An empty y_se cell means the standard error is
// unknown. source labels the points (usually the file name).
func ReadPointsCSV(r io.Reader, source string) ([]Point, error) {
	cr := csv.NewReader(r)
	cr.TrimLeadingSpace = true
	cr.Comment = '#'
	header, err := cr.Read()
	if err != nil {
		if errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("%s: empty file: want a header model,x,y[,y_se]", source)
		}
		return nil, fmt.Errorf("%s: %w", source, err)
	}
	col := map[string]int{}
	for i, h := range header {
		h = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))
		switch h {
		case "model", "x", "y", "y_se", "architecture":
		default:
			return nil, fmt.Errorf("%s: unknown column %s: want model, x, y and optionally y_se and architecture", source, quote.String(h))
		}
		if _, dup := col[h]; dup {
			return nil, fmt.Errorf("%s: column %q appears twice", source, h)
		}
		col[h] = i
	}
	for _, need := range []string{"model", "x", "y"} {
		if _, ok := col[need]; !ok {
			return nil, fmt.Errorf("%s: no %q column: the header must name model, x, y and optionally y_se", source, need)
		}
	}
	var out []Point
	for line := 2; ; line++ {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", source, err)
		}
		num := func(name string) (float64, error) {
			s := strings.TrimSpace(rec[col[name]])
			v, err := strconv.ParseFloat(strings.ReplaceAll(s, "_", ""), 64)
			if err != nil {
				return 0, fmt.Errorf("%s: line %d: %s = %s is not a number", source, line, name, quote.String(s))
			}
			return v, nil
		}
		pt := Point{Model: strings.TrimSpace(rec[col["model"]]), YSE: math.NaN(), Layer: -1, Source: source}
		if pt.X, err = num("x"); err != nil {
			return nil, err
		}
		if pt.Y, err = num("y"); err != nil {
			return nil, err
		}
		if i, ok := col["y_se"]; ok && strings.TrimSpace(rec[i]) != "" {
			if pt.YSE, err = num("y_se"); err != nil {
				return nil, err
			}
		}
		if i, ok := col["architecture"]; ok {
			pt.Family = strings.TrimSpace(rec[i])
		}
		if len(pt.Model) > maxNameBytes || len(pt.Family) > maxNameBytes {
			return nil, fmt.Errorf("%s: line %d: a model or architecture name of more than %d bytes", source, line, maxNameBytes)
		}
		if pt.Model == "" {
			pt.Model = fmt.Sprintf("%s:%d", source, line)
		}
		out = append(out, pt)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: no data rows after the header", source)
	}
	return out, nil
}

// validatePoints checks what a log-log fit needs: at least two points, every x and y a finite positive number,
// every known y_se finite and non-negative, and at least two distinct x. It names the offending model.
func validatePoints(pts []Point) error {
	if len(pts) < 2 {
		return fmt.Errorf("%d model(s): a power-law fit needs at least two", len(pts))
	}
	for _, p := range pts {
		where := fmt.Sprintf("model %q", p.Model)
		if p.Source != "" {
			where = p.Source + ": " + where
		}
		switch {
		case math.IsNaN(p.X) || math.IsInf(p.X, 0):
			return fmt.Errorf("%s: x is %v: not a finite number", where, p.X)
		case math.IsNaN(p.Y) || math.IsInf(p.Y, 0):
			return fmt.Errorf("%s: y is %v: not a finite number", where, p.Y)
		case p.X <= 0:
			return fmt.Errorf("%s: x = %g: a log fit needs x > 0", where, p.X)
		case p.Y <= 0:
			return fmt.Errorf("%s: y = %g: a log fit needs y > 0", where, p.Y)
		case math.IsInf(p.YSE, 0) || p.YSE < 0:
			return fmt.Errorf("%s: y_se = %g: a standard error must be finite and ≥ 0", where, p.YSE)
		}
	}
	x0 := pts[0].X
	for _, p := range pts[1:] {
		if p.X != x0 {
			return nil
		}
	}
	return fmt.Errorf("all %d models have x = %g: %w", len(pts), x0, errSameX)
}

// DistinctModels reports a model that pts hold twice, naming both sources: two run files of the same model and
// revision, or a run and a reference or CSV row of the same model, would count as two models in a fit.
func DistinctModels(pts []Point) error {
	first := make(map[string]int, len(pts))
	for i, p := range pts {
		if j, dup := first[p.Model]; dup {
			return fmt.Errorf("model %q appears twice (%s and %s): give each model once", p.Model, sourceName(pts[j]), sourceName(p))
		}
		first[p.Model] = i
	}
	return nil
}

// sourceName says where a point came from, for errors.
func sourceName(p Point) string {
	if p.Source == "" {
		return "a point without a source"
	}
	return p.Source
}
