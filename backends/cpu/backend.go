package cpu

import (
	"context"
	"errors"
	"fmt"
	"math"
	"path/filepath"
	"time"

	"github.com/scalefit/scalefit/backends"
	"github.com/scalefit/scalefit/backends/checkpoint"
	"github.com/scalefit/scalefit/schema"
)

// Name and Version identify the backend in backends.Info, in the rows' backend column and in run-file metadata.
const (
	Name    = "cpu"
	Version = "0.1.0"
)

// Backend is the native Go CPU backend. It is stateless between runs and safe for concurrent use.
type Backend struct{}

// New returns the CPU backend.
func New() *Backend { return &Backend{} }

var _ backends.Backend = (*Backend)(nil)

// Info describes the backend and the CPU it runs on, e.g. "CPU: AMD EPYC, 2 threads".
func (b *Backend) Info(ctx context.Context) (backends.Info, error) {
	return backends.Info{
		Name:     Name,
		Version:  Version,
		Devices:  []string{fmt.Sprintf("CPU: %s, %d threads", cpuModelName(), threadCount(0))},
		Protocol: backends.ProtocolVersion,
	}, nil
}

// Run runs the checkpoint in req.ModelDir over req.Sequences and sends one row per (layer, component, sequence) to
// sink, layer by layer: it loads a layer's weights, pushes every sequence's hidden states through it, sends that
// layer's rows, and drops the weights before loading the next, so memory tracks one layer plus the hidden states.
// Progress goes to sink after every (layer, sequence) step. Run stops with ctx's error between steps when ctx is
// cancelled.
//
// Every position of a sequence goes through the model; the first req.SkipFirst positions are left out of the gain
// statistics only. With req.Loss, Result.Loss is the mean next-token cross-entropy over every position of every
// sequence (positions 0..T−2 predicting 1..T−1, whatever SkipFirst is); it is NaN when not requested or when no
// sequence has two tokens.
//
// Run refuses, with an error naming the problem, a request with no sequences, a negative SkipFirst, a sequence that
// SkipFirst leaves empty, a token id outside [0, vocab_size) (naming the sequence and position), an unknown GELU, and
// a checkpoint that package checkpoint cannot open or that is not GPT-NeoX. Sequences longer than
// max_position_embeddings are allowed: rotary embeddings have no length limit.
func (b *Backend) Run(ctx context.Context, req *backends.Request, sink backends.Sink) (backends.Result, error) {
	res := backends.Result{Loss: math.NaN(), Backend: Name + " " + Version}
	if err := validateRequest(req); err != nil {
		return res, fmt.Errorf("cpu: %w", err)
	}
	if sink == nil {
		return res, errors.New("cpu: nil sink")
	}
	gelu, err := geluFor(req.GELU)
	if err != nil {
		return res, fmt.Errorf("cpu: %w", err)
	}
	ck, err := checkpoint.Open(req.ModelDir)
	if err != nil {
		return res, fmt.Errorf("cpu: %w", err)
	}
	defer ck.Close()
	cfg := ck.Config
	if cfg.ModelType != "gpt_neox" {
		return res, fmt.Errorf("cpu: %s: model_type %q is not supported (supported: gpt_neox)", req.ModelDir, cfg.ModelType)
	}
	if err := checkTokens(req.Sequences, cfg.VocabSize); err != nil {
		return res, fmt.Errorf("cpu: %s: %w", req.ModelDir, err)
	}

	maxT := 0
	var total int64
	for _, s := range req.Sequences {
		maxT = max(maxT, len(s))
		total += int64(len(s))
	}
	threads := threadCount(req.Threads)
	m, err := newGPTNeoX(ck, gelu, threads, maxT)
	if err != nil {
		return res, fmt.Errorf("cpu: %s: %w", req.ModelDir, err)
	}

	model := req.Model
	if model == "" {
		model = filepath.Base(filepath.Clean(req.ModelDir))
	}
	nParams, nNonembed := checkpoint.ParamCounts(cfg)
	L := cfg.NumLayers
	base := schema.Row{
		Model: model, Revision: req.Revision, Architecture: cfg.ModelType, Backend: Name,
		NParams: nParams, NParamsNonembed: nNonembed, NLayers: int32(L), HiddenSize: int32(cfg.HiddenSize),
	}

	sink.Progress(backends.Progress{TokensTotal: total, Stage: "embedding"})
	hs, err := m.embed(req.Sequences)
	if err != nil {
		return res, fmt.Errorf("cpu: %s: %w", req.ModelDir, err)
	}

	start := time.Now()
	var done int64 // tokens × layers pushed through so far
	norms := make([]*tokenNorms, len(req.Sequences))
	for s, seq := range req.Sequences {
		norms[s] = newTokenNorms(len(seq))
	}
	for l := 0; l < L; l++ {
		if err := ctx.Err(); err != nil {
			return res, fmt.Errorf("cpu: %w", err)
		}
		stage := fmt.Sprintf("layer %d/%d", l+1, L)
		if err := m.loadLayer(l); err != nil {
			return res, fmt.Errorf("cpu: %s: %w", req.ModelDir, err)
		}
		rows := make([]schema.Row, 0, len(req.Sequences)*len(schema.Components))
		for s, seq := range req.Sequences {
			if err := ctx.Err(); err != nil {
				return res, fmt.Errorf("cpu: %w", err)
			}
			m.block(hs[s], len(seq), norms[s])
			rows = appendRows(rows, base, l, s, norms[s].summarize(req.SkipFirst))
			done += int64(len(seq))
			sink.Progress(progress(done, total, L, start, stage))
		}
		m.unloadLayer()
		if err := sink.Rows(rows); err != nil {
			return res, fmt.Errorf("cpu: layer %d: sending rows: %w", l, err)
		}
	}

	if req.Loss {
		sink.Progress(backends.Progress{TokensDone: total, TokensTotal: total, Stage: "loss"})
		sum, n, err := m.loss(ctx, hs, req.Sequences)
		if err != nil {
			return res, fmt.Errorf("cpu: %s: loss: %w", req.ModelDir, err)
		}
		res.LossTokens = n
		if n > 0 {
			res.Loss = sum / float64(n)
		}
	}
	return res, nil
}

// validateRequest checks what can be checked before the checkpoint is opened.
func validateRequest(req *backends.Request) error {
	if req == nil {
		return errors.New("nil request")
	}
	if len(req.Sequences) == 0 {
		return errors.New("no sequences to run")
	}
	if req.SkipFirst < 0 {
		return fmt.Errorf("skip_first %d is negative", req.SkipFirst)
	}
	if req.Threads < 0 {
		return fmt.Errorf("threads %d is negative", req.Threads)
	}
	for s, seq := range req.Sequences {
		if len(seq) <= req.SkipFirst {
			return fmt.Errorf("sequence %d has %d tokens: none left after skip_first %d", s, len(seq), req.SkipFirst)
		}
	}
	return nil
}

// checkTokens reports the first token id outside [0, vocab).
func checkTokens(seqs [][]int32, vocab int) error {
	for s, seq := range seqs {
		for t, id := range seq {
			if id < 0 || int(id) >= vocab {
				return fmt.Errorf("sequence %d, position %d: token id %d is outside the vocabulary [0, %d)", s, t, id, vocab)
			}
		}
	}
	return nil
}

// appendRows appends one row per component of layer l and sequence s.
func appendRows(rows []schema.Row, base schema.Row, l, s int, stats []gainStats) []schema.Row {
	depth := 0.0
	if base.NLayers > 1 {
		depth = float64(l) / float64(base.NLayers-1)
	}
	for c, st := range stats {
		r := base
		r.Layer, r.Depth, r.Component, r.Seq = int32(l), depth, schema.Components[c], int32(s)
		r.NTokens = int32(st.N)
		r.GainMean, r.GainStd, r.GainMin, r.GainMax = st.Mean, st.Std, st.Min, st.Max
		r.NormInMean, r.NormOutMean = st.NormInMean, st.NormOutMean
		rows = append(rows, r)
	}
	return rows
}

// progress reports done token-layers out of total tokens × L layers, as tokens: TokensDone = done/L.
func progress(done, total int64, L int, start time.Time, stage string) backends.Progress {
	p := backends.Progress{TokensDone: done / int64(L), TokensTotal: total, Stage: stage}
	if el := time.Since(start).Seconds(); el > 0 {
		p.TokensPerSec = float64(p.TokensDone) / el
	}
	return p
}
