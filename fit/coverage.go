package fit

import (
	"fmt"
	"math"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/scalefit/scalefit/internal/resample"
	"github.com/scalefit/scalefit/layers"
)

// CoverageScenario is one data-generating process of the coverage simulation.
//
// Model i of a simulated dataset has the true value μ_i = a·x_i^b·exp(Scatter·ζ_i), ζ_i ~ N(0, 1): the law plus the
// scatter of real models around it. Its run has Sequences sequences with token counts T_s uniform on [64, 1024].
// Sequence s has its own level μ_i·exp(SeqSD·z_s) (content varies between sequences), and its measured mean gain is
// the mean of T_s token gains that are lognormal around that level with log-sd TokenSD. The token mean is drawn from
// its central-limit distribution, level·(1 + √((e^{TokenSD²} − 1)/T_s)·ε), rather than token by token. The model's y
// is then the token-weighted mean over sequences, exactly as scalefit measures it, and the hierarchical bootstrap
// resamples those sequences.
type CoverageScenario struct {
	Name    string
	Scatter float64 // sd of ln μ_i around the law
	SeqSD   float64 // sd of a sequence's log level around μ_i
	TokenSD float64 // log-sd of token gains around their sequence's level
}

// CoverageConfig configures SimulateCoverage.
type CoverageConfig struct {
	Ns         []int   // numbers of models per dataset
	Datasets   int     // simulated datasets per (scenario, n)
	Resamples  int     // bootstrap resamples inside the simulation
	Exponent   float64 // true b
	Prefactor  float64 // true a
	XMin, XMax float64 // the models' x are log-spaced over [XMin, XMax]
	Sequences  int     // sequences per run
	Scenarios  []CoverageScenario
	Confidence float64
	Seed       uint64
	Workers    int // 0: GOMAXPROCS
}

// DefaultCoverageConfig is the simulation recorded in docs/statistics.md: n = 3, 5, 10 Pythia-sized models
// (70M … 12B, b = 0.35, a = 0.002, the seed's law), 40 sequences per run, 1000 datasets, 1000 resamples, and two
// scenarios: models that scatter 10 % around the law, and models exactly on the law with measurement noise only.
func DefaultCoverageConfig() CoverageConfig {
	return CoverageConfig{
		Ns: []int{3, 5, 10}, Datasets: 1000, Resamples: 1000, Exponent: 0.35, Prefactor: 0.002,
		XMin: 70426624, XMax: 11846072320, Sequences: 40, Confidence: 0.95, Seed: 1,
		Scenarios: []CoverageScenario{
			{Name: "scatter 0.10 + measurement", Scatter: 0.10, SeqSD: 0.3, TokenSD: 1.0},
			{Name: "measurement only", Scatter: 0, SeqSD: 0.3, TokenSD: 1.0},
		},
	}
}

// CoverageRow is the coverage of one interval method in one (scenario, n) cell.
type CoverageRow struct {
	Scenario    string
	N           int
	Method      string // "t", "t PI", or a bootstrap method
	Interval    string // "t", or percentile, basic, bca
	Covered     int    // datasets whose interval contained the truth
	Defined     int    // datasets whose interval existed
	MedianWidth float64
}

// Coverage is Covered/Defined.
func (r CoverageRow) Coverage() float64 { return float64(r.Covered) / float64(r.Defined) }

// SimulateCoverage estimates, for every interval scalefit reports, how often it contains the true exponent: the t
// interval, and the percentile, basic and BCa intervals of the hierarchical, pairs and residual bootstraps. It also
// checks the t prediction interval on a new model (drawn from the same process, at twice the largest x). Datasets
// run in parallel; the result is a deterministic function of the configuration. progress, if not nil, is called
// after each dataset.
func SimulateCoverage(cfg CoverageConfig, progress func(done, total int)) ([]CoverageRow, error) {
	if cfg.Datasets <= 0 || cfg.Resamples <= 0 || cfg.Sequences < 2 || len(cfg.Ns) == 0 || len(cfg.Scenarios) == 0 {
		return nil, fmt.Errorf("coverage: need datasets, resamples, ≥ 2 sequences, sizes and scenarios")
	}
	for _, n := range cfg.Ns {
		if n < 3 {
			return nil, fmt.Errorf("coverage: n = %d: intervals need at least 3 models", n)
		}
	}
	metric, _ := layers.MetricByName("final_mlp_gain")
	type cell struct {
		sc CoverageScenario
		n  int
	}
	var cells []cell
	for _, sc := range cfg.Scenarios {
		for _, n := range cfg.Ns {
			cells = append(cells, cell{sc, n})
		}
	}
	kinds := []string{IntervalPercentile, IntervalBasic, IntervalBCa}
	nKeys := 2 + len(BootstrapMethods)*len(kinds) // t, t PI, then method × kind
	type outcome struct {
		covered, defined []bool
		width            []float64
	}
	results := make([][]outcome, len(cells))
	for c := range results {
		results[c] = make([]outcome, cfg.Datasets)
	}
	total := len(cells) * cfg.Datasets
	var next, done atomic.Int64
	var firstErr error
	var errOnce sync.Once
	workers := cfg.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				k := int(next.Add(1)) - 1
				if k >= total {
					return
				}
				ci, d := k/cfg.Datasets, k%cfg.Datasets
				cl := cells[ci]
				out := outcome{covered: make([]bool, nKeys), defined: make([]bool, nKeys), width: make([]float64, nKeys)}
				err := covOneDataset(cfg, cl.sc, cl.n, uint64(ci), uint64(d), metric, kinds, out.covered, out.defined, out.width)
				if err != nil {
					errOnce.Do(func() { firstErr = fmt.Errorf("coverage: %s, n = %d, dataset %d: %w", cl.sc.Name, cl.n, d, err) })
					return
				}
				results[ci][d] = out
				if progress != nil {
					mu.Lock()
					progress(int(done.Add(1)), total)
					mu.Unlock()
				}
			}
		}()
	}
	wg.Wait()
	if firstErr != nil {
		return nil, firstErr
	}
	var rows []CoverageRow
	for ci, cl := range cells {
		for key := range nKeys {
			row := CoverageRow{Scenario: cl.sc.Name, N: cl.n}
			switch {
			case key == 0:
				row.Method, row.Interval = "t", "t"
			case key == 1:
				row.Method, row.Interval = "t PI", "t"
			default:
				row.Method, row.Interval = BootstrapMethods[(key-2)/len(kinds)], kinds[(key-2)%len(kinds)]
			}
			var widths []float64
			for _, o := range results[ci] {
				if o.defined[key] {
					row.Defined++
					widths = append(widths, o.width[key])
					if o.covered[key] {
						row.Covered++
					}
				}
			}
			row.MedianWidth = math.NaN()
			if len(widths) > 0 {
				slices.Sort(widths)
				row.MedianWidth = resample.Percentile(widths, 0.5)
			}
			rows = append(rows, row)
		}
	}
	return rows, nil
}

// covOneDataset simulates one dataset, fits it, and records for each interval whether it exists, whether it covers
// the truth, and its width.
func covOneDataset(cfg CoverageConfig, sc CoverageScenario, n int, cell, d uint64, metric layers.Metric, kinds []string,
	covered, defined []bool, width []float64) error {
	var rng bootRNG
	rng.seed(cfg.Seed^resample.Mix(cell+0x51ed), d)
	simModel := func(x float64) (*layers.Profile, float64) {
		mu := cfg.Prefactor * math.Pow(x, cfg.Exponent) * math.Exp(sc.Scatter*rng.normal())
		ns := cfg.Sequences
		p := &layers.Profile{Model: "sim", NParams: int64(x), NLayers: 1, Tokens: make([]float64, ns)}
		g := make([]float64, ns)
		cv := math.Sqrt(math.Exp(sc.TokenSD*sc.TokenSD) - 1)
		for s := range ns {
			T := float64(64 + rng.intn(961))
			p.Tokens[s] = T
			level := mu * math.Exp(sc.SeqSD*rng.normal())
			g[s] = level * math.Max(1+cv/math.Sqrt(T)*rng.normal(), 1e-6)
		}
		if err := p.SetGrid("mlp", g); err != nil {
			panic(err) // one layer of ns sequences: the shape is right by construction
		}
		y, _ := metric.Eval(p, nil)
		return p, y
	}
	pts := make([]Point, n)
	for i := range pts {
		x := math.Exp(math.Log(cfg.XMin) + float64(i)/float64(n-1)*math.Log(cfg.XMax/cfg.XMin))
		p, y := simModel(x)
		pts[i] = Point{Model: fmt.Sprintf("m%d", i), X: x, Y: y, YSE: math.NaN(), Layer: 0, Profile: p}
	}
	xNew := 2 * cfg.XMax
	_, yNew := simModel(xNew)
	r, err := PowerLaw(pts, Options{Confidence: cfg.Confidence, Bootstrap: BootstrapMethods, Resamples: cfg.Resamples,
		Seed: cfg.Seed + d, Metric: &metric, Targets: []Target{{Label: "new", X: xNew}}, Workers: 1})
	if err != nil {
		return err
	}
	b := cfg.Exponent
	set := func(key int, iv Bounds, truth float64) {
		if iv.Defined() {
			defined[key] = true
			covered[key] = iv.Contains(truth)
			width[key] = iv.Width()
		}
	}
	set(0, r.ExponentCI, b)
	set(1, r.Predictions[0].PI, yNew)
	for _, bs := range r.Bootstraps {
		mi := slices.Index(BootstrapMethods, bs.Method)
		for ki, k := range kinds {
			set(2+mi*len(kinds)+ki, bs.Exponent.Pick(k), b)
		}
	}
	return nil
}

// CoverageMarkdown renders the simulation as a markdown table: one row per interval, one column per (scenario, n),
// each cell the coverage in percent with the median interval width of the exponent in parentheses.
func CoverageMarkdown(cfg CoverageConfig, rows []CoverageRow) string {
	type key struct{ method, interval string }
	var order []key
	cells := map[key]map[string]CoverageRow{}
	var cols []string
	for _, r := range rows {
		k := key{r.Method, r.Interval}
		if cells[k] == nil {
			cells[k] = map[string]CoverageRow{}
			order = append(order, k)
		}
		col := fmt.Sprintf("%s, n = %d", r.Scenario, r.N)
		if !slices.Contains(cols, col) {
			cols = append(cols, col)
		}
		cells[k][col] = r
	}
	var b strings.Builder
	fmt.Fprintf(&b, "| interval (nominal %.0f %%) | %s |\n", 100*cfg.Confidence, strings.Join(cols, " | "))
	b.WriteString("|---|" + strings.Repeat("---|", len(cols)) + "\n")
	for _, k := range order {
		name := k.method + " " + k.interval
		switch k.method {
		case "t":
			name = "t interval (headline)"
		case "t PI":
			name = "t prediction interval, new model at 2× max x"
		}
		fmt.Fprintf(&b, "| %s |", name)
		for _, c := range cols {
			r, ok := cells[k][c]
			switch {
			case !ok || r.Defined == 0:
				b.WriteString(" — |")
			case r.Defined < cfg.Datasets:
				fmt.Fprintf(&b, " %.1f %% (%.3g) [%d defined] |", 100*r.Coverage(), r.MedianWidth, r.Defined)
			default:
				fmt.Fprintf(&b, " %.1f %% (%.3g) |", 100*r.Coverage(), r.MedianWidth)
			}
		}
		b.WriteString("\n")
	}
	return b.String()
}
