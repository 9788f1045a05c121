package layers

import (
	"encoding/json"
	"fmt"
	"math"
	"sort"

	"github.com/scalefit/scalefit/internal/textfmt"
)

// The seed note's five predictions, by ID, in the note's order.
const (
	PredAttnContracts  = "attn_contracts"          // (1) attention always contracts
	PredMLPMostly      = "mlp_mostly_contracts"    // (2) the MLP mostly contracts
	PredLastMLPExpands = "last_mlp_expands"        // (3) the last layer's MLP expands
	PredLastMLPMax     = "last_mlp_max"            // (4) the last layer holds the MLP maximum
	PredNetOnlyLast    = "net_expansion_last_only" // (5) net expansion happens only at the last layer
)

// Statuses of a prediction across models.
const (
	StatusUniversal      = "universal"       // holds in every model it applies to
	StatusScaleDependent = "scale-dependent" // holds in some
	StatusFails          = "fails"           // holds in none
	StatusNA             = "n/a"             // applies to no model (a needed component is missing everywhere)
)

// Trend directions of a prediction's quantity against parameter count.
const (
	TrendRises = "rises" // non-decreasing in params, not constant
	TrendFalls = "falls" // non-increasing in params, not constant
	TrendFlat  = "flat"  // the same in every model
	TrendMixed = "mixed" // not monotone
)

// VerdictOptions holds the thresholds of the verdicts. The zero value selects every default.
type VerdictOptions struct {
	// Mostly is the share of layers that must contract for prediction (2), "the MLP mostly contracts"; default 0.75.
	Mostly float64 `json:"mostly"`
	// LastLayers is how many final layers count as "the last layer" in prediction (5); default 1.
	LastLayers int `json:"last_layers"`
	// NetTolerance: a layer expands net, for prediction (5), when its combined gain exceeds 1 + NetTolerance; default 0.
	NetTolerance float64 `json:"net_tolerance"`
}

func (o VerdictOptions) withDefaults() VerdictOptions {
	if o.Mostly == 0 {
		o.Mostly = 0.75
	}
	if o.LastLayers == 0 {
		o.LastLayers = 1
	}
	return o
}

// ModelVerdict is one prediction evaluated on one model: the verdict, and the evidence behind it in numbers. Package
// report puts it into words.
type ModelVerdict struct {
	Model   string `json:"model"`
	NParams int64  `json:"n_params"`
	// Applicable is false when the run lacks a component the prediction needs; the other fields are then empty.
	Applicable bool `json:"applicable"`
	Holds      bool `json:"holds"`
	// Count is the number of layers meeting the prediction's per-layer condition (contracting for (1) and (2),
	// net-expanding for (5)); −1 for the value predictions (3) and (4).
	Count  int `json:"count"`
	Layers int `json:"layers"`
	// At lists the layers that expand net, for (5).
	At []int `json:"at,omitempty"`
	// Early is, for (5), how many of the net-expanding layers come before the last LastLayers layers.
	Early int `json:"early"`
	// Layer is the layer a value prediction reads: the last layer for (3), the MLP argmax for (4); −1 otherwise.
	Layer int `json:"layer"`
	// Value is the quantity whose trend against params is reported: the share of contracting layers for (1) and (2),
	// the last-layer MLP gain for (3), the last-layer MLP gain over the largest MLP gain of the other layers for (4),
	// and the share of the layers before the last LastLayers that expand net for (5).
	Value float64 `json:"value"`
	// Bootstrapped reports whether layer intervals were available; the fields below are meaningful only then.
	Bootstrapped bool `json:"bootstrapped"`
	// Significant counts layers whose interval confirms the per-layer condition (Hi < 1 for contraction, Lo > 1 +
	// tolerance for net expansion); for (3) and (4) it is 1 when the value is significant (the last layer's interval
	// above 1; above every other layer's), else 0.
	Significant int `json:"significant"`
	// Opposite counts, for (1) and (2), the layers whose interval lies wholly above 1: significantly expanding.
	Opposite int `json:"opposite"`
	// EarlySignificant counts, for (5), the significantly net-expanding layers among the Early ones.
	EarlySignificant int `json:"early_significant"`
	// Interval is, for (3) and (4), the last layer's MLP gain with its interval.
	Interval *Interval `json:"interval,omitempty"`
	// Rival is, for (4), the other layer the last layer is judged against, and Relation where the last layer's
	// interval lies with respect to it: "above" (above every other layer's interval; Rival has the highest upper
	// bound), "below" (wholly below Rival's, the one with the highest lower bound) or "overlaps".
	Rival    *Interval `json:"rival,omitempty"`
	Relation string    `json:"relation,omitempty"`
	// Robust reports whether the verdict, holds or fails, still stands when every layer gain is replaced by the least
	// favourable end of its interval (see docs/verdicts.md).
	Robust bool `json:"robust"`
}

// Relations of the last layer's interval to its rival's, for prediction (4).
const (
	RelationAbove    = "above"
	RelationOverlaps = "overlaps"
	RelationBelow    = "below"
)

// MarshalJSON writes a non-finite Value as null.
func (m ModelVerdict) MarshalJSON() ([]byte, error) {
	type plain ModelVerdict
	return json.Marshal(struct {
		plain
		Value *float64 `json:"value"`
	}{plain(m), vdNum(m.Value)})
}

// Verdict is one prediction evaluated across models.
type Verdict struct {
	ID         string         `json:"id"`
	Prediction string         `json:"prediction"`
	Models     []ModelVerdict `json:"models"`
	Status     string         `json:"status"` // universal, scale-dependent, fails or n/a
	// Trend is the direction of Value against parameter count over the applicable models (rises, falls, flat, mixed),
	// empty with fewer than two models of different size. TrendOf names the quantity.
	Trend   string `json:"trend,omitempty"`
	TrendOf string `json:"trend_of"`
}

// Verdicts is the seed's five predictions evaluated on a set of models.
type Verdicts struct {
	Models      []string       `json:"models"`
	Options     VerdictOptions `json:"options"`
	Confidence  float64        `json:"confidence,omitempty"` // of the layer intervals; 0 without bootstrap
	Resamples   int            `json:"resamples,omitempty"`
	Predictions []Verdict      `json:"predictions"`
}

// vdPrediction is the definition of one prediction.
type vdPrediction struct {
	id, text, trendOf string
	needs             string                                               // the component it reads
	eval              func(in vdInput, o VerdictOptions, mv *ModelVerdict) // fills Holds, Count, Value and the evidence
}

// vdInput is one model's layer gains and, when bootstrapped, intervals, of the components the predictions read.
type vdInput struct {
	gains map[string][]float64
	ivs   map[string][]Interval
}

var vdPredictions = []vdPrediction{
	{id: PredAttnContracts, text: "Attention always contracts", needs: "attn",
		trendOf: "share of attention layers contracting", eval: vdEvalAttn},
	{id: PredMLPMostly, text: "MLP mostly contracts", needs: "mlp",
		trendOf: "share of MLP layers contracting", eval: vdEvalMLPMostly},
	{id: PredLastMLPExpands, text: "Last-layer MLP expands", needs: "mlp",
		trendOf: "last-layer MLP gain", eval: vdEvalLastExpands},
	{id: PredLastMLPMax, text: "Last layer holds the MLP maximum", needs: "mlp",
		trendOf: "last-layer MLP gain over the largest other MLP gain", eval: vdEvalLastMax},
	{id: PredNetOnlyLast, text: "Net expansion only at the last layer", needs: "combined",
		trendOf: "share of earlier layers expanding net", eval: vdEvalNetOnlyLast},
}

// Judge evaluates the seed's five predictions on every profile and across them.
//
// bands, when non-empty, holds one layer bootstrap per profile (nil entries allowed), with at least the attn, mlp and
// combined components; it supplies the significance of each verdict. Without it the verdicts are the point estimates
// alone, and so are those of a run of a single sequence, whose intervals are undefined (a resample of one sequence is
// that sequence again). A prediction whose component a run lacks is not applicable to that model.
//
// Across models a prediction is universal when it holds in every model it applies to, fails when it holds in none, and
// is scale-dependent otherwise. For each prediction the trend of its quantity (ModelVerdict.Value) against the total
// parameter count is reported as rises, falls, flat or mixed (not monotone).
func Judge(ps []*Profile, bands []*Bands, opt VerdictOptions) (*Verdicts, error) {
	if len(ps) == 0 {
		return nil, fmt.Errorf("verdicts: no models")
	}
	if len(bands) != 0 && len(bands) != len(ps) {
		return nil, fmt.Errorf("verdicts: %d layer bootstraps for %d models", len(bands), len(ps))
	}
	opt = opt.withDefaults()
	if !(opt.Mostly > 0 && opt.Mostly <= 1) {
		return nil, fmt.Errorf("verdicts: the 'mostly' share must be in (0, 1], got %v", opt.Mostly)
	}
	if opt.LastLayers < 1 {
		return nil, fmt.Errorf("verdicts: last layers must be at least 1, got %d", opt.LastLayers)
	}
	if !(opt.NetTolerance >= 0) {
		return nil, fmt.Errorf("verdicts: net tolerance must be ≥ 0, got %v", opt.NetTolerance)
	}
	out := &Verdicts{Options: opt}
	inputs := make([]vdInput, len(ps))
	for i, p := range ps {
		if p == nil {
			return nil, fmt.Errorf("verdicts: model %d has no profile", i)
		}
		out.Models = append(out.Models, p.Name())
		in := vdInput{gains: map[string][]float64{}}
		for _, c := range []string{"attn", "mlp", "combined"} {
			if p.Has(c) {
				in.gains[c] = p.LayerGains(c, nil)
			}
		}
		if len(bands) != 0 && bands[i] != nil {
			b := bands[i]
			if b.Model != p.Name() {
				return nil, fmt.Errorf("verdicts: layer bootstrap %d is of %s, not %s", i, b.Model, p.Name())
			}
			if b.NSeq < 2 {
				inputs[i] = in
				continue
			}
			if out.Confidence != 0 && (b.Confidence != out.Confidence || b.Resamples != out.Resamples) {
				return nil, fmt.Errorf("verdicts: layer bootstraps differ in confidence or resamples (%v/%d and %v/%d)",
					out.Confidence, out.Resamples, b.Confidence, b.Resamples)
			}
			out.Confidence, out.Resamples = b.Confidence, b.Resamples
			in.ivs = b.Components
		}
		inputs[i] = in
	}
	for _, pr := range vdPredictions {
		v := Verdict{ID: pr.id, Prediction: pr.text, TrendOf: pr.trendOf}
		if pr.id == PredMLPMostly {
			v.Prediction = fmt.Sprintf("%s (≥ %s of layers)", pr.text, textfmt.Percent(opt.Mostly))
		}
		if pr.id == PredNetOnlyLast && opt.LastLayers > 1 {
			v.Prediction = fmt.Sprintf("Net expansion only in the last %d layers", opt.LastLayers)
		}
		applicable, holds := 0, 0
		for i, p := range ps {
			mv := ModelVerdict{Model: p.Name(), NParams: p.NParams, Count: -1, Layer: -1, Value: math.NaN(), Layers: p.NLayers}
			if g := inputs[i].gains[pr.needs]; g != nil {
				mv.Applicable = true
				ivs := inputs[i].ivs[pr.needs]
				mv.Bootstrapped = ivs != nil
				pr.eval(inputs[i], opt, &mv)
				applicable++
				if mv.Holds {
					holds++
				}
			}
			v.Models = append(v.Models, mv)
		}
		switch {
		case applicable == 0:
			v.Status = StatusNA
		case holds == applicable:
			v.Status = StatusUniversal
		case holds == 0:
			v.Status = StatusFails
		default:
			v.Status = StatusScaleDependent
		}
		v.Trend = vdTrend(v.Models)
		out.Predictions = append(out.Predictions, v)
	}
	return out, nil
}

// vdTrend orders the applicable models by parameter count and reports whether Value rises or falls with it: rises,
// falls, flat or mixed, or "" with fewer than two models of different size. ByParams gives the same order.
func vdTrend(ms []ModelVerdict) string {
	pts := ByParams(ms)
	if len(pts) < 2 || pts[0].NParams == pts[len(pts)-1].NParams {
		return ""
	}
	up, down := false, false
	for i := 1; i < len(pts); i++ {
		a, b := pts[i-1].Value, pts[i].Value
		if b > a {
			up = true
		} else if b < a {
			down = true
		}
	}
	switch {
	case up && !down:
		return TrendRises
	case down && !up:
		return TrendFalls
	case !up && !down:
		return TrendFlat
	}
	return TrendMixed
}

// ByParams returns the applicable models with a defined Value, ordered by parameter count: the sequence a Trend
// describes.
func ByParams(ms []ModelVerdict) []ModelVerdict {
	var pts []ModelVerdict
	for _, m := range ms {
		if m.Applicable && !math.IsNaN(m.Value) {
			pts = append(pts, m)
		}
	}
	sort.SliceStable(pts, func(i, j int) bool { return pts[i].NParams < pts[j].NParams })
	return pts
}

// vdEvalAttn is prediction (1): every attention layer has gain < 1.
func vdEvalAttn(in vdInput, _ VerdictOptions, mv *ModelVerdict) {
	g := in.gains["attn"]
	n := len(g)
	mv.Count = vdCount(g, func(x float64) bool { return x < 1 })
	mv.Value = float64(mv.Count) / float64(n)
	mv.Holds = mv.Count == n
	if ivs := in.ivs["attn"]; ivs != nil {
		mv.Significant = vdCountIv(ivs, func(iv Interval) bool { return iv.Below(1) })
		mv.Opposite = vdCountIv(ivs, func(iv Interval) bool { return iv.Above(1) })
		if mv.Holds {
			mv.Robust = mv.Significant == n
		} else {
			mv.Robust = mv.Opposite > 0
		}
	}
}

// vdEvalMLPMostly is prediction (2): at least a share Mostly of the MLP layers has gain < 1.
func vdEvalMLPMostly(in vdInput, o VerdictOptions, mv *ModelVerdict) {
	g := in.gains["mlp"]
	n := len(g)
	mv.Count = vdCount(g, func(x float64) bool { return x < 1 })
	mv.Value = float64(mv.Count) / float64(n)
	mv.Holds = mv.Value >= o.Mostly
	if ivs := in.ivs["mlp"]; ivs != nil {
		mv.Significant = vdCountIv(ivs, func(iv Interval) bool { return iv.Below(1) })
		mv.Opposite = vdCountIv(ivs, func(iv Interval) bool { return iv.Above(1) })
		if mv.Holds {
			mv.Robust = float64(mv.Significant)/float64(n) >= o.Mostly
		} else {
			mv.Robust = float64(n-mv.Opposite)/float64(n) < o.Mostly
		}
	}
}

// vdEvalLastExpands is prediction (3): the last layer's MLP gain is > 1.
func vdEvalLastExpands(in vdInput, _ VerdictOptions, mv *ModelVerdict) {
	g := in.gains["mlp"]
	last := len(g) - 1
	mv.Layer, mv.Value = last, g[last]
	mv.Holds = g[last] > 1
	if ivs := in.ivs["mlp"]; ivs != nil {
		iv := ivs[last]
		mv.Interval = &iv
		if iv.Above(1) {
			mv.Significant = 1
		}
		if mv.Holds {
			mv.Robust = iv.Above(1)
		} else {
			mv.Robust = iv.Below(1)
		}
	}
}

// vdEvalLastMax is prediction (4): the MLP gain is largest at the last layer.
func vdEvalLastMax(in vdInput, _ VerdictOptions, mv *ModelVerdict) {
	g := in.gains["mlp"]
	last := len(g) - 1
	_, at := extreme(+1)(func(l int) float64 { return g[l] }, len(g))
	// A tie with an earlier layer goes to the earlier layer in extreme; the prediction wants the last layer strictly
	// above every other, which the same argmax expresses.
	mv.Layer = at
	mv.Holds = at == last
	next := -1 // the largest layer other than the last
	for l := 0; l < last; l++ {
		if next < 0 || g[l] > g[next] {
			next = l
		}
	}
	if next >= 0 {
		mv.Value = g[last] / g[next]
	}
	ivs := in.ivs["mlp"]
	if ivs == nil {
		return
	}
	lastIv := ivs[last]
	mv.Interval = &lastIv
	if next < 0 {
		mv.Significant, mv.Robust, mv.Relation = 1, true, RelationAbove
		return
	}
	// The last layer is separated from the rest when its interval lies above every other layer's interval, and
	// significantly not the maximum when it lies below some other layer's.
	hiAt, loAt := 0, 0
	for l := 1; l < last; l++ {
		if ivs[l].Hi > ivs[hiAt].Hi {
			hiAt = l
		}
		if ivs[l].Lo > ivs[loAt].Lo {
			loAt = l
		}
	}
	rival := ivs[hiAt]
	switch {
	case lastIv.Lo > ivs[hiAt].Hi:
		mv.Relation, mv.Significant = RelationAbove, 1
	case lastIv.Hi < ivs[loAt].Lo:
		mv.Relation, rival = RelationBelow, ivs[loAt]
	default:
		mv.Relation = RelationOverlaps
	}
	mv.Rival = &rival
	if mv.Holds {
		mv.Robust = mv.Relation == RelationAbove
	} else {
		mv.Robust = mv.Relation == RelationBelow
	}
}

// vdEvalNetOnlyLast is prediction (5): some of the last LastLayers layers expand net (combined gain > 1 + tolerance)
// and no earlier layer does.
func vdEvalNetOnlyLast(in vdInput, o VerdictOptions, mv *ModelVerdict) {
	g := in.gains["combined"]
	n := len(g)
	k := min(o.LastLayers, n)
	thr := 1 + o.NetTolerance
	var late []int
	for l, x := range g {
		if x > thr {
			mv.At = append(mv.At, l)
			if l < n-k {
				mv.Early++
			} else {
				late = append(late, l)
			}
		}
	}
	mv.Count = len(mv.At)
	mv.Holds = len(late) > 0 && mv.Early == 0
	mv.Value = 0
	if n > k {
		mv.Value = float64(mv.Early) / float64(n-k)
	}
	if ivs := in.ivs["combined"]; ivs != nil {
		var sigLate, possLate int
		allEarlyBelow := true
		for l, iv := range ivs {
			if l < n-k {
				if iv.Above(thr) {
					mv.EarlySignificant++
				}
				if !iv.Below(thr) {
					allEarlyBelow = false
				}
			} else {
				if iv.Above(thr) {
					sigLate++
				}
				if !iv.Below(thr) {
					possLate++
				}
			}
		}
		mv.Significant = mv.EarlySignificant + sigLate
		if mv.Holds {
			mv.Robust = sigLate > 0 && allEarlyBelow
		} else {
			mv.Robust = mv.EarlySignificant > 0 || possLate == 0
		}
	}
}

func vdCount(g []float64, pred func(float64) bool) int {
	k := 0
	for _, x := range g {
		if pred(x) {
			k++
		}
	}
	return k
}

func vdCountIv(ivs []Interval, pred func(Interval) bool) int {
	k := 0
	for _, iv := range ivs {
		if pred(iv) {
			k++
		}
	}
	return k
}

// vdNum returns a pointer to f, or nil when f is not finite, for JSON.
func vdNum(f float64) *float64 {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return nil
	}
	return &f
}
