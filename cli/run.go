package cli

import (
	"context"
	"fmt"
	"io"
	"math"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	ucli "github.com/urfave/cli/v2"

	"github.com/scalefit/scalefit/backends"
	"github.com/scalefit/scalefit/backends/arch"
	_ "github.com/scalefit/scalefit/backends/arch/all" // every family, to read the config as the backend will
	"github.com/scalefit/scalefit/backends/checkpoint"
	"github.com/scalefit/scalefit/backends/measure"
	"github.com/scalefit/scalefit/internal/textfmt"
	"github.com/scalefit/scalefit/schema"
)

func init() {
	register(&ucli.Command{
		Name:      "run",
		Usage:     "measure the sublayer gains of one checkpoint and write a run file",
		ArgsUsage: " ",
		Description: `Runs the model's forward pass on a backend plugin and writes one row per (layer, component,
sequence) to --out (.parquet, or .arrow/.feather). Give the input as exactly one of --tokens, --text, --jsonl or
--corpus. Examples:

   scalefit run --model ~/models/pythia-1.4b --text corpus.txt --out runs/pythia-1.4b.parquet
   scalefit run --model EleutherAI/pythia-160m --revision step1000 --corpus mixed --out runs/p160m-1000.parquet
   scalefit run --model /tmp/p70m --tokens seqs.jsonl --skip-first 1 --out runs/p70m.arrow`,
		Flags: append([]ucli.Flag{
			&ucli.StringFlag{Name: "model", Aliases: []string{"m"}, Required: true, Usage: "HF model directory, or a hub id found in the HF cache"},
			&ucli.StringFlag{Name: "revision", Usage: "revision in the HF cache (e.g. step1000); recorded in the run file"},
			&ucli.StringFlag{Name: "name", Usage: "model id to record (default: the directory's base name or the hub id)"},
			&ucli.StringFlag{Name: "out", Aliases: []string{"o"}, Required: true, Usage: "run file to write: .parquet, .arrow or .feather"},
			&ucli.IntFlag{Name: "skip-first", Usage: "leave out the first K positions of every sequence (attention sinks)"},
			&ucli.StringFlag{Name: "gelu", Usage: "replace the config's GELU form: erf (exact) or tanh (what Pythia was trained with); default: the config's hidden_act, as HF runs it"},
			&ucli.BoolFlag{Name: "loss", Usage: "also report the mean next-token cross-entropy, to check that a real checkpoint loaded correctly"},
			&ucli.StringFlag{Name: "backend", Value: "cpu", Usage: "backend: cpu, a name found as scalefit-backend-NAME, or a path to a plugin binary"},
			&ucli.IntFlag{Name: "threads", Usage: "worker threads in the backend (0: all cores)"},
			&ucli.IntFlag{Name: "device", Usage: "which of the backend's devices to run on, numbered as `scalefit backends` lists them"},
			&ucli.BoolFlag{Name: "quiet", Aliases: []string{"q"}, Usage: "no progress bar"},
		}, append(inputFlags(), pluginLogFlags()...)...),
		Action: func(c *ucli.Context) error {
			if c.NArg() > 0 {
				return fmt.Errorf("run takes no arguments (got %q); use --model and --out", c.Args().First())
			}
			m, err := resolveModel(c.String("model"), c.String("revision"))
			if err != nil {
				return err
			}
			if c.String("name") != "" {
				m.ID = c.String("name")
			}
			launch, closeLog, err := launchOptions(c)
			if err != nil {
				return err
			}
			defer closeLog()
			run, res, err := runModel(c.Context, runOptions{
				ModelDir: m.Dir, Model: m.ID, Revision: m.Revision, HubID: m.HubID, Commit: m.Commit, Out: c.String("out"),
				Input: inputFromFlags(c), SkipFirst: c.Int("skip-first"), GELU: c.String("gelu"), Loss: c.Bool("loss"),
				Backend: c.String("backend"), Threads: c.Int("threads"), Device: c.Int("device"), Quiet: c.Bool("quiet"),
				Speed: c.App.ErrWriter, Launch: launch,
			}, c.App.ErrWriter)
			if err != nil {
				return err
			}
			printRunDone(c.App.Writer, c.String("out"), run, res)
			return nil
		},
	})
}

// runOptions is everything one model run needs; the run and demo commands fill it.
type runOptions struct {
	ModelDir, Model, Revision, Out string
	HubID, Commit                  string // where the model came from in the HF cache (resolvedModel), for provenance
	Input                          input
	SkipFirst                      int
	GELU                           string
	Loss                           bool
	Backend                        string
	Threads                        int
	Device                         int
	Quiet                          bool
	Meta                           map[string]string       // further run-file metadata, e.g. a sweep's options hash
	OnProgress                     func(backends.Progress) // also told the backend's progress, when set
	Speed                          io.Writer               // when set, told a long run's time estimate and every run's speed
	Launch                         backends.LaunchOptions  // the plugin log of --verbose and --log-file
}

// runModel loads the inputs, drives the backend plugin, and writes the run file. The output file is written only
// when the whole run succeeded.
func runModel(ctx context.Context, o runOptions, progressOut io.Writer) (*schema.Run, backends.Result, error) {
	var res backends.Result
	var opt arch.Options
	if o.GELU != "" {
		g, err := arch.ParseGELU(o.GELU)
		if err != nil {
			return nil, res, fmt.Errorf("--gelu %q: want erf or tanh", o.GELU)
		}
		opt.Activation = &g
	}
	if o.SkipFirst < 0 {
		return nil, res, fmt.Errorf("--skip-first %d: must be ≥ 0", o.SkipFirst)
	}
	if o.Device < 0 {
		return nil, res, fmt.Errorf("--device %d: must be ≥ 0", o.Device)
	}
	if _, err := schema.FormatOf(o.Out); err != nil {
		return nil, res, fmt.Errorf("--out %w", err)
	}
	if err := prepareOut(o.Out); err != nil {
		return nil, res, err
	}
	if err := checkOutputs(progressOut, append(o.Input.files(), dirFiles(o.ModelDir)...), output{"--out", o.Out}); err != nil {
		return nil, res, err
	}
	raw, err := checkpoint.ReadConfig(o.ModelDir)
	if err != nil {
		return nil, res, err
	}
	m, err := arch.New(raw, opt)
	if err != nil {
		return nil, res, fmt.Errorf("%s: %w", filepath.Join(o.ModelDir, checkpoint.ConfigFile), err)
	}
	cfg := m.Config()
	if !o.Input.AllowLong {
		o.Input.MaxLen = cfg.MaxPositions // checked here, before the plugin starts: a 10M-token line grew it to 20 GB
	}
	seqs, bos, err := o.Input.load(o.ModelDir, cfg.Vocab)
	if err != nil {
		return nil, res, err
	}
	for i, s := range seqs {
		if len(s) <= o.SkipFirst {
			return nil, res, fmt.Errorf("%s: sequence %d has %s, none left after --skip-first %d", o.Input.describe(), i, textfmt.Plural(len(s), "token"), o.SkipFirst)
		}
	}

	be, closeBackend, err := backends.Launch(ctx, o.Backend, o.Launch)
	if err != nil {
		return nil, res, err
	}
	defer closeBackend()
	info, err := be.Info(ctx)
	if err != nil {
		return nil, res, err
	}

	flops := measure.FLOPs(m, seqLens(seqs), o.Loss)
	if o.Speed != nil && info.SpeedFLOPS > 0 && flops/info.SpeedFLOPS > 60 {
		fmt.Fprintf(o.Speed, "%s: about %s: %.3g FLOP at %.0f GFLOP/s, the speed %s measures now\n", o.Model,
			(time.Duration(flops/info.SpeedFLOPS) * time.Second).Round(time.Second), flops, info.SpeedFLOPS/1e9, info.Name)
	}

	bar := newProgressBar(o.Model, o.Quiet, progressOut)
	sink := &collectSink{bar: bar, also: o.OnProgress}
	start := time.Now()
	res, err = be.Run(ctx, &backends.Request{
		ModelDir: o.ModelDir, Model: o.Model, Revision: o.Revision, Sequences: seqs,
		SkipFirst: o.SkipFirst, GELU: o.GELU, Loss: o.Loss, Threads: o.Threads, Device: o.Device,
	}, sink)
	elapsed := time.Since(start)
	bar.Done(err == nil)
	if err != nil {
		return nil, res, fmt.Errorf("run %s on %s: %w", o.Model, info.Name, err)
	}
	if o.Speed != nil {
		printSpeed(o.Speed, info, flops, elapsed)
	}
	backendDesc := res.Backend
	if backendDesc == "" {
		backendDesc = info.Name + " " + info.Version
	}
	meta := map[string]string{
		schema.MetaConfig:    string(raw),
		schema.MetaBOS:       bos,
		schema.MetaSkipFirst: strconv.Itoa(o.SkipFirst),
		schema.MetaGELU:      cfg.Activation.String(), // what ran: the config's, or --gelu's
		schema.MetaBackend:   backendDesc,
		schema.MetaVersion:   "scalefit " + Version,
		schema.MetaTime:      time.Now().UTC().Format(time.RFC3339),
		schema.MetaSynthetic: strconv.FormatBool(checkpoint.IsSynthetic(raw)),
	}
	for k, v := range o.Input.provenance(o.ModelDir, o.Model) {
		meta[k] = v
	}
	if o.HubID == "" {
		// A snapshot directory of the HF cache names its repo and commit (a sweep resolves models to directories).
		if m, err := resolveModel(o.ModelDir, ""); err == nil {
			o.HubID, o.Commit = m.HubID, m.Commit
		}
	}
	for k, v := range map[string]string{schema.MetaHubID: o.HubID, schema.MetaRevision: o.Revision, schema.MetaCommit: o.Commit,
		schema.MetaWeightDType: weightDTypes(o.ModelDir)} {
		if v != "" {
			meta[k] = v
		}
	}
	for k, v := range o.Meta {
		meta[k] = v
	}
	if o.Loss && !math.IsNaN(res.Loss) {
		meta[schema.MetaLoss] = strconv.FormatFloat(res.Loss, 'g', -1, 64)
	}
	sortRows(sink.rows)
	run := &schema.Run{Meta: meta, Rows: sink.rows}
	if len(run.Rows) == 0 {
		return nil, res, fmt.Errorf("run %s: backend %s returned no rows", o.Model, info.Name)
	}
	if err := schema.Write(o.Out, run); err != nil {
		return nil, res, err
	}
	return run, res, nil
}

// seqLens returns the length of every sequence.
func seqLens(seqs [][]int32) []int {
	lens := make([]int, len(seqs))
	for i, s := range seqs {
		lens[i] = len(s)
	}
	return lens
}

// printSpeed reports a run's speed: its FLOP count (measure.FLOPs) over the backend's wall time, and that as a share
// of the peak the backend measured, e.g. "cpu: 1.19e+13 FLOP in 41.0 s: 290 GFLOP/s, 67 % of the measured fp32 peak
// (434 GFLOP/s)".
func printSpeed(w io.Writer, info backends.Info, flops float64, elapsed time.Duration) {
	rate := flops / elapsed.Seconds()
	fmt.Fprintf(w, "%s: %.3g FLOP in %.1f s: %.1f GFLOP/s", info.Name, flops, elapsed.Seconds(), rate/1e9)
	if info.PeakFLOPS > 0 {
		fmt.Fprintf(w, ", %.0f %% of the measured fp32 peak (%.0f GFLOP/s)", 100*rate/info.PeakFLOPS, info.PeakFLOPS/1e9)
	}
	fmt.Fprintln(w)
}

// weightDTypes is the storage dtype of the checkpoint's weights (F32, F16 or BF16; a comma-separated list when they
// are mixed), read from the weight files' headers, or "" when the headers cannot be read here.
func weightDTypes(dir string) string {
	ck, err := checkpoint.Open(dir)
	if err != nil {
		return ""
	}
	defer ck.Close()
	seen := map[string]bool{}
	var out []string
	for _, name := range ck.Names() {
		if dt, ok := ck.DType(name); ok && !seen[dt] {
			seen[dt] = true
			out = append(out, dt)
		}
	}
	sort.Strings(out)
	return strings.Join(out, ",")
}

func printRunDone(w io.Writer, out string, run *schema.Run, res backends.Result) {
	r0 := run.Rows[0]
	nseq := 0
	tokens := 0
	for _, r := range run.Rows {
		if r.Layer == 0 && r.Component == string(schema.ComponentAttn) {
			nseq++
			tokens += int(r.NTokens)
		}
	}
	fmt.Fprintf(w, "wrote %s: %s, %s, %s, %s counted", out, r0.Model, textfmt.Plural(int(r0.NLayers), "layer"),
		textfmt.Plural(nseq, "sequence"), textfmt.Plural(tokens, "token"))
	if l, ok := run.Meta[schema.MetaLoss]; ok {
		v, _ := strconv.ParseFloat(l, 64)
		fmt.Fprintf(w, ", loss %.4f nats (%s)", v, textfmt.Plural(int(res.LossTokens), "token"))
	}
	fmt.Fprintln(w)
}

// collectSink gathers a backend's rows and forwards its progress to the bar.
type collectSink struct {
	mu   sync.Mutex
	rows []schema.Row
	bar  *progressBar
	also func(backends.Progress)
}

func (s *collectSink) Progress(p backends.Progress) {
	s.bar.Update(p)
	if s.also != nil {
		s.also(p)
	}
}

func (s *collectSink) Rows(rows []schema.Row) error {
	s.mu.Lock()
	s.rows = append(s.rows, rows...)
	s.mu.Unlock()
	return nil
}
