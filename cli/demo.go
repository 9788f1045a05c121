package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	ucli "github.com/urfave/cli/v2"

	"github.com/scalefit/scalefit/backends"
	"github.com/scalefit/scalefit/backends/arch"
	"github.com/scalefit/scalefit/backends/checkpoint"
	"github.com/scalefit/scalefit/backends/synth"
	"github.com/scalefit/scalefit/datasets"
	"github.com/scalefit/scalefit/internal/textfmt"
	"github.com/scalefit/scalefit/report"
)

func init() {
	register(&ucli.Command{
		Name:      "demo",
		Usage:     "run the whole pipeline offline on a suite of untrained controls: synth, run, fit, report, figure",
		ArgsUsage: " ",
		Description: `Synthesises seven random-init GPT-NeoX models (0.17M to 51M parameters, Pythia's initialisation,
a 512-token byte-level BPE vocabulary learned on the embedded corpus), runs each through the CPU backend plugin on
the embedded corpus, fits the power law of the final MLP gain against parameter count, fits the seed note's published
Pythia law beside it, and writes into --out:

   runs/*.parquet   one run file per model
   fit.json         the control suite's scaling-law fit (as scalefit fit --out fit.json writes it)
   figure.png       the 4-panel figure, with the seed note's law beside the controls' in the scaling panel
   report.md        the report, labelled as untrained controls

The same --seed gives the same numbers. Every file is written atomically, so an interrupted demo leaves only
complete files behind. It takes about 40 s on two cores.`,
		Flags: []ucli.Flag{
			&ucli.StringFlag{Name: "out", Aliases: []string{"o"}, Value: "scalefit-demo", Usage: "directory to write into (created if needed)"},
			&ucli.Int64Flag{Name: "seed", Value: 1, Usage: "seed of the random initialisation and of every bootstrap"},
			&ucli.IntFlag{Name: "threads", Usage: "worker threads in the backend (0: all cores)"},
			&ucli.BoolFlag{Name: "quiet", Aliases: []string{"q"}, Usage: "no progress bars"},
			// --tokens shrinks the demo for tests; the default is what the timing above refers to.
			&ucli.IntFlag{Name: "tokens", Value: demoTokens, Usage: "tokens of the embedded corpus to run each model on", Hidden: true},
			pluginLogFlags()[0], pluginLogFlags()[1],
		},
		Action: func(c *ucli.Context) error {
			if c.NArg() > 0 {
				return fmt.Errorf("demo takes no arguments (got %q); use --out", c.Args().First())
			}
			if c.Int64("seed") < 0 {
				return fmt.Errorf("demo: --seed %d: want 0 or more", c.Int64("seed"))
			}
			launch, closeLog, err := launchOptions(c)
			if err != nil {
				return err
			}
			defer closeLog()
			return runDemo(c.Context, demoOptions{
				Out: c.String("out"), Seed: c.Int64("seed"), Threads: c.Int("threads"), Quiet: c.Bool("quiet"),
				Tokens: c.Int("tokens"), Launch: launch,
			}, c.App.Writer, c.App.ErrWriter)
		},
	})
}

// demoModel is one shape of the demo's control suite.
type demoModel struct {
	Name                                string
	Layers, Hidden, Heads, Intermediate int
}

// demoSuite spans 308× in total parameters (165,632 to 50,963,456 with the 512-token vocabulary) at depths 2 to 16,
// with Pythia's proportions: MLP width 4d and a head dimension of 16 to 32. Seven models leave the power law five
// degrees of freedom.
var demoSuite = []demoModel{
	{"control-L2-d64", 2, 64, 4, 256},
	{"control-L4-d128", 4, 128, 4, 512},
	{"control-L6-d192", 6, 192, 6, 768},
	{"control-L8-d256", 8, 256, 8, 1024},
	{"control-L10-d320", 10, 320, 10, 1280},
	{"control-L12-d384", 12, 384, 12, 1536},
	{"control-L16-d512", 16, 512, 16, 2048},
}

// Demo settings: the vocabulary of the synthetic tokenizer, the sequence length, the tokens per model, and the
// sizes the report predicts at (the seed's two Pythia models, so the controls' law meets the trained numbers there).
const (
	demoVocab  = 512
	demoSeqLen = 512
	demoTokens = 16384
)

var demoPredict = []string{"pythia-1.4b", "pythia-6.9b"}

type demoOptions struct {
	Out     string
	Seed    int64
	Threads int
	Quiet   bool
	Tokens  int
	Launch  backends.LaunchOptions // the plugin log of --verbose and --log-file
}

// runDemo synthesises the control suite into a temporary directory (removed afterwards), runs it, and writes the run
// files, figure.png, report.md and fit.json into o.Out, in that order, each atomically.
func runDemo(ctx context.Context, o demoOptions, w, errw io.Writer) error {
	start := time.Now()
	if o.Tokens < demoSeqLen {
		return fmt.Errorf("demo: --tokens %d: want at least %d", o.Tokens, demoSeqLen)
	}
	runsDir := filepath.Join(o.Out, "runs")
	if err := os.MkdirAll(runsDir, 0o755); err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	tmp, err := os.MkdirTemp("", "scalefit-demo-models-*")
	if err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	defer os.RemoveAll(tmp)

	fmt.Fprintf(w, "scalefit demo: %d untrained GPT-NeoX controls, %d tokens each of the embedded %q corpus, CPU backend\n",
		len(demoSuite), o.Tokens, datasets.DefaultCorpus)
	var sources []string
	for _, m := range demoSuite {
		dir := filepath.Join(tmp, m.Name)
		model, err := synthModel(dir, synth.Options{
			Shape: arch.Shape{Layers: m.Layers, Hidden: m.Hidden, Heads: m.Heads, FFN: m.Intermediate, Vocab: demoVocab},
			DType: checkpoint.F32, Seed: o.Seed,
		})
		if err != nil {
			return fmt.Errorf("demo: %w", err)
		}
		total, _ := model.ParamCounts()
		rel := filepath.ToSlash(filepath.Join("runs", m.Name+".parquet"))
		t0 := time.Now()
		_, _, err = runModel(ctx, runOptions{
			ModelDir: dir, Model: m.Name, Out: filepath.Join(o.Out, rel),
			Input:   input{Corpus: datasets.DefaultCorpus, SeqLen: demoSeqLen, MaxTokens: o.Tokens},
			Backend: "cpu", Threads: o.Threads, Quiet: o.Quiet, Launch: o.Launch,
		}, errw)
		if err != nil {
			if ctx.Err() != nil {
				return fmt.Errorf("demo: interrupted while running %s; the files already in %s are complete", m.Name, o.Out)
			}
			return fmt.Errorf("demo: %w", err)
		}
		fmt.Fprintf(w, "  %-16s %2d layers, d=%-4d %11s parameters  %5.1fs  → %s\n", m.Name, m.Layers, m.Hidden,
			textfmt.GroupDigits(total), time.Since(t0).Seconds(), filepath.Join(o.Out, rel))
		sources = append(sources, rel)
	}

	paths := make([]string, len(sources))
	for i, s := range sources {
		paths[i] = filepath.Join(o.Out, s)
	}
	profiles, err := readProfiles(paths)
	if err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	opt := report.Options{
		Title:     "scalefit demo: untrained GPT-NeoX controls",
		Sources:   sources,
		Untrained: true,
		Predict:   demoPredict,
		Reference: datasets.SeedPythia,
		Seed:      uint64(o.Seed),
	}
	// The figure and the report first, then the fit: fit.json is the suite's fit as the report computed it.
	r, err := writeReport(profiles, opt, filepath.Join(o.Out, "report.md"), filepath.Join(o.Out, "figure.png"), w)
	if err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	if r.Scaling.Fit == nil {
		return fmt.Errorf("demo: the control suite could not be fitted: %s", r.Scaling.NoFit)
	}
	if err := writeJSONFile(filepath.Join(o.Out, "fit.json"), w, r.Scaling.Fit); err != nil {
		return fmt.Errorf("demo: fit.json: %w", err)
	}
	printDemoDone(w, o.Out, r, time.Since(start))
	return nil
}

// printDemoDone says where everything is and what to look at first.
func printDemoDone(w io.Writer, out string, r *report.Report, took time.Duration) {
	f := r.Scaling.Fit
	fmt.Fprintf(w, "\ndone in %.0fs. In %s:\n", took.Seconds(), out)
	fmt.Fprintf(w, "  report.md    the report: verdicts, comparison, layer tables, phases, scaling law (start here)\n")
	fmt.Fprintf(w, "  figure.png   attention, MLP and combined gain per layer, and %s against %s", f.Y, f.X)
	if r.Scaling.RefFit != nil {
		fmt.Fprintf(w, " beside %s's law", r.Scaling.Reference.Name)
	}
	fmt.Fprintln(w)
	fmt.Fprintf(w, "  fit.json     the control suite's fit, as scalefit fit --out fit.json writes it\n")
	fmt.Fprintf(w, "  runs/        one run file per model (scalefit summary, export, compare, plot read them)\n\n")
	ci := "no interval"
	if f.ExponentCI.Defined() {
		ci = textfmt.Level(f.Confidence) + " CI " + textfmt.Interval(f.ExponentCI.Lo, f.ExponentCI.Hi, textfmt.Num)
	}
	fmt.Fprintf(w, "What to look at: at initialisation, %s ∝ %s^%s (%s, n = %d)", f.Y, f.X, textfmt.Num(f.Exponent), ci, f.N)
	if rf := r.Scaling.RefFit; rf != nil {
		fmt.Fprintf(w, "; in the two trained Pythia models of the seed note (the study scalefit grew from), ∝ %s^%s", rf.X, textfmt.Num(rf.Exponent))
		// The controls' interval lies wholly on the other side of 0 from the trained exponent.
		opposite := (rf.Exponent > 0 && f.ExponentCI.Hi < 0) || (rf.Exponent < 0 && f.ExponentCI.Lo > 0)
		if f.ExponentCI.Defined() && opposite {
			fmt.Fprintf(w, ". The signs differ, so the trend the seed note reports is not in the architecture at "+
				"initialisation: training puts it there")
		}
	}
	fmt.Fprintf(w, ". Then read the verdicts at the top of report.md: they show which of the seed note's predictions an "+
		"untrained network already satisfies.\n")
}
