// Package measure runs a model over token sequences on any backend's op set and turns what the blocks tap into the
// gains of docs/gains.md: the layer loop, request validation, the per-token norms, the six gains, the run-file rows,
// progress and the loss, written once for every backend. A backend implements arch.Ops and calls Run.
//
// Run opens the checkpoint, maps its config.json to a model (package arch), checks that the stored tensors are
// exactly the model's parameters, and groups the sequences into batches of whole sequences of up to a token budget,
// so that every linear layer runs as one matrix product per batch (attention stays within each sequence). Then,
// layer by layer, it loads that layer's weights (hinting the next layer's to the backend), runs the block over every
// batch's hidden states, reads the per-token norms the block tapped, sends that layer's rows, and unloads the
// weights: memory follows one layer plus every sequence's hidden states, not the depth.
package measure

import (
	"context"
	"errors"
	"fmt"
	"math"
	"path/filepath"
	"time"

	"github.com/scalefit/scalefit/backends"
	"github.com/scalefit/scalefit/backends/arch"
	_ "github.com/scalefit/scalefit/backends/arch/all" // every family
	"github.com/scalefit/scalefit/backends/checkpoint"
	"github.com/scalefit/scalefit/schema"
)

// Ops is a backend's op set over one opened checkpoint, which Close releases (the checkpoint stays open).
type Ops interface {
	arch.Ops
	Close() error
}

// Backend is what Run needs from a backend.
type Backend struct {
	Name    string // the rows' backend column and the prefix of errors, e.g. "cpu"
	Version string // recorded with Name in the run file
	// Open returns the backend's ops over ck for model m, on up to threads workers (0: the backend's default).
	Open func(ck *checkpoint.Checkpoint, m arch.Model, threads int) (Ops, error)
	// BatchTokens is the token budget of one batch; 0 means DefaultBatchTokens. A sequence longer than the budget
	// is a batch of its own.
	BatchTokens int
}

// DefaultBatchTokens is the default token budget of one batch: 4 sequences of 512 tokens, about 50 MB of
// activations per block for Pythia-160M.
const DefaultBatchTokens = 2048

// lossRows is how many positions' logits are computed at a time for the loss, so that memory stays at
// lossRows × vocab floats.
const lossRows = 64

// Run runs the checkpoint in req.ModelDir over req.Sequences on backend b and sends one row per (layer, component,
// sequence) to sink, layer by layer. Progress goes to sink after every (layer, batch) step. Run stops with ctx's
// error between steps when ctx is cancelled.
//
// Every position of a sequence goes through the model; the first req.SkipFirst positions are left out of the gain
// statistics only. req.GELU, when not empty ("erf" or "tanh"), replaces the GELU form the config names. With
// req.Loss, Result.Loss is the mean next-token cross-entropy over every position of every sequence (positions
// 0..T−2 predicting 1..T−1, whatever SkipFirst is); it is NaN when not requested or when no sequence has two tokens.
//
// Run refuses, with one line naming the problem, a request with no sequences, a negative SkipFirst or Threads, a
// sequence that SkipFirst leaves empty, an unknown GELU, a directory that package checkpoint cannot open, a config
// that its family refuses, stored tensors that are not exactly the model's parameters (naming the file and the
// tensor), and a token id outside [0, vocab_size) (naming the sequence and position). Sequences longer than
// max_position_embeddings are allowed for rotary models: rotary embeddings have no length limit.
func Run(ctx context.Context, req *backends.Request, sink backends.Sink, b Backend) (backends.Result, error) {
	res := backends.Result{Loss: math.NaN(), Backend: b.Name + " " + b.Version}
	fail := func(err error) (backends.Result, error) { return res, fmt.Errorf("%s: %w", b.Name, err) }
	if err := validateRequest(req); err != nil {
		return fail(err)
	}
	if sink == nil {
		return fail(errors.New("nil sink"))
	}
	var opt arch.Options
	if req.GELU != "" {
		g, err := arch.ParseGELU(req.GELU)
		if err != nil {
			return fail(err)
		}
		opt.Activation = &g
	}
	ck, err := checkpoint.Open(req.ModelDir)
	if err != nil {
		return fail(err)
	}
	defer ck.Close()
	m, err := arch.New(ck.ConfigJSON, opt)
	if err != nil {
		return fail(fmt.Errorf("%s: %w", filepath.Join(req.ModelDir, checkpoint.ConfigFile), err))
	}
	arch.BindNames(m, ck.Names())
	if err := CheckParams(ck, m); err != nil {
		return fail(err)
	}
	cfg := m.Config()
	if err := checkTokens(req.Sequences, cfg.Vocab); err != nil {
		return fail(fmt.Errorf("%s: %w", req.ModelDir, err))
	}
	ops, err := b.Open(ck, m, req.Threads)
	if err != nil {
		return fail(err)
	}
	defer ops.Close()
	r := &run{ctx: ctx, req: req, sink: sink, m: m, ops: ops, batches: Batches(req.Sequences, b.BatchTokens)}
	defer r.free()
	if err := r.layers(b.Name); err != nil {
		return fail(err)
	}
	if req.Loss {
		sum, n, err := r.loss()
		if err != nil {
			return fail(fmt.Errorf("%s: loss: %w", req.ModelDir, err))
		}
		res.LossTokens = n
		if n > 0 {
			res.Loss = sum / float64(n)
		}
	}
	return res, nil
}

// run is one Run in progress.
type run struct {
	ctx     context.Context
	req     *backends.Request
	sink    backends.Sink
	m       arch.Model
	ops     Ops
	batches []Batch
	hs      []arch.Tensor // each batch's hidden states
}

// free releases the hidden states.
func (r *run) free() {
	for _, h := range r.hs {
		r.ops.Free(h)
	}
	r.hs = nil
}

// layers embeds every batch and runs every layer over it, sending each layer's rows.
func (r *run) layers(backend string) error {
	req, cfg := r.req, r.m.Config()
	var total int64
	for _, s := range req.Sequences {
		total += int64(len(s))
	}
	r.sink.Progress(backends.Progress{TokensTotal: total, Stage: "embedding"})
	for _, b := range r.batches {
		h, err := r.m.Embed(r.ops, b.IDs, &b.Batch)
		if err != nil {
			return fmt.Errorf("%s: %w", req.ModelDir, err)
		}
		r.hs = append(r.hs, h)
	}
	if err := r.ops.Sync(); err != nil {
		return fmt.Errorf("%s: embedding: %w", req.ModelDir, err)
	}

	model := req.Model
	if model == "" {
		model = filepath.Base(filepath.Clean(req.ModelDir))
	}
	nParams, nNonembed := r.m.ParamCounts()
	L := cfg.Layers
	base := schema.Row{
		Model: model, Revision: req.Revision, Architecture: cfg.ModelType, Backend: backend,
		NParams: nParams, NParamsNonembed: nNonembed, NLayers: int32(L), HiddenSize: int32(cfg.Hidden),
	}
	start := time.Now()
	var done int64 // tokens × layers pushed through so far
	var norms pointNorms
	for l := 0; l < L; l++ {
		if err := r.ctx.Err(); err != nil {
			return err
		}
		stage := fmt.Sprintf("layer %d/%d", l+1, L)
		w, err := r.ops.Load(r.m.LayerWeights(l))
		if err != nil {
			return fmt.Errorf("%s: layer %d: %w", req.ModelDir, l, err)
		}
		switch {
		case l+1 < L:
			r.ops.Prefetch(r.m.LayerWeights(l + 1))
		case req.Loss:
			r.ops.Prefetch(r.m.HeadWeights())
		}
		rows := make([]schema.Row, 0, len(req.Sequences)*len(schema.Components))
		for i, b := range r.batches {
			if err := r.ctx.Err(); err != nil {
				r.ops.Unload(w)
				return err
			}
			mark := r.ops.Mark()
			norms.reset(b.Tokens())
			r.m.Block(r.ops, l, w, r.hs[i], &b.Batch, norms.tap(r.ops))
			err := r.ops.Sync()
			r.ops.Reset(mark)
			if err == nil {
				err = norms.complete()
			}
			if err != nil {
				r.ops.Unload(w)
				return fmt.Errorf("%s: layer %d: %w", req.ModelDir, l, err)
			}
			off := 0
			for k, n := range b.Lens {
				rows = appendRows(rows, base, l, b.Seqs[k], norms.summarize(off, n, req.SkipFirst))
				off += n
			}
			done += int64(b.Tokens())
			r.sink.Progress(progress(done, total, L, start, stage))
		}
		r.ops.Unload(w)
		if err := r.sink.Rows(rows); err != nil {
			return fmt.Errorf("layer %d: sending rows: %w", l, err)
		}
	}
	return nil
}

// loss returns the summed next-token cross-entropy over every sequence and the number of predictions: for each
// sequence of T tokens, positions 0..T−2 of the final hidden states pass through the model's head (Logits) and
// predict tokens 1..T−1,
//
//	Σ_t −log softmax(logits[t])[ids[t+1]],
//
// with the log-softmax taken in float64 over the float32 logits (Ops.NLL). Every position counts, whatever
// skip_first is: skip_first only concerns the gains. Logits are computed lossRows positions at a time.
func (r *run) loss() (sum float64, count int64, err error) {
	total := int64(0)
	for _, s := range r.req.Sequences {
		total += int64(len(s))
	}
	r.sink.Progress(backends.Progress{TokensDone: total, TokensTotal: total, Stage: "loss"})
	w, err := r.ops.Load(r.m.HeadWeights())
	if err != nil {
		return 0, 0, err
	}
	defer r.ops.Unload(w)
	nll := make([]float64, lossRows)
	for i, b := range r.batches {
		off := 0
		for k, n := range b.Lens {
			ids := r.req.Sequences[b.Seqs[k]]
			for t0 := 0; t0 < n-1; t0 += lossRows {
				if err := r.ctx.Err(); err != nil {
					return 0, 0, err
				}
				rows := min(lossRows, n-1-t0)
				mark := r.ops.Mark()
				logits := r.m.Logits(r.ops, w, r.ops.Slice(r.hs[i], off+t0, off+t0+rows))
				r.ops.NLL(logits, ids[t0+1:t0+1+rows], nll[:rows])
				err := r.ops.Sync()
				r.ops.Reset(mark)
				if err != nil {
					return 0, 0, err
				}
				for _, v := range nll[:rows] {
					sum += v
				}
				count += int64(rows)
			}
			off += n
		}
	}
	return sum, count, nil
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

// progress reports done token-layers out of total tokens × L layers, as tokens: TokensDone = done/L.
func progress(done, total int64, L int, start time.Time, stage string) backends.Progress {
	p := backends.Progress{TokensDone: done / int64(L), TokensTotal: total, Stage: stage}
	if el := time.Since(start).Seconds(); el > 0 {
		p.TokensPerSec = float64(p.TokensDone) / el
	}
	return p
}
