// Package backendtest provides a deterministic fake Backend and a recording Sink, for tests of the plugin protocol,
// of the host, and of the CLI, none of which should need a real model.
package backendtest

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"math"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/scalefit/scalefit/backends"
	"github.com/scalefit/scalefit/schema"
)

// Models with special behaviour in Fake.Run, chosen by Request.Model.
const (
	// ModelFail makes Run return an error whose message has two lines.
	ModelFail = "fail"
	// ModelBlock makes Run report one progress event and then wait until its context is cancelled. It then creates
	// the file CancelledFile in Request.ModelDir (when that is set) and returns the context's error, so that a test
	// can see that the cancellation reached the backend even across a process boundary.
	ModelBlock = "block"
	// ModelPanic makes Run panic.
	ModelPanic = "panic"
	// ModelExit makes Run end the whole process with exit status 3, to test a plugin that dies during a run.
	ModelExit = "exit"
	// ModelCrash makes Run panic on a goroutine of its own, which no handler recovers: the process dies with a Go
	// panic trace on its stderr, as a third-party plugin with a bug would.
	ModelCrash = "crash"
	// ModelUnsupported, ModelInvalid and ModelCorrupt make Run return an error that wraps
	// backends.ErrUnsupportedModel, ErrInvalidRequest or ErrCorrupt.
	ModelUnsupported = "unsupported"
	ModelInvalid     = "invalid"
	ModelCorrupt     = "corrupt"
	// ModelHugeError makes Run return an error of 16 MiB, with escape sequences, as a checkpoint's hostile tensor
	// name could make one.
	ModelHugeError = "huge-error"
)

// CancelledFile is the file that a ModelBlock run creates in Request.ModelDir once its context is cancelled.
const CancelledFile = "cancelled"

// Fake is a deterministic Backend. For every layer ℓ < Layers it reports one Progress event and sends one Rows call
// holding the rows of that layer, for every component and sequence, in that order. Every column of a row is a function
// of the request, so that a test can check that the request arrived intact and the rows came back exactly:
//
//	model, revision             Request.Model, Request.Revision
//	architecture                "fake-" + Request.GELU
//	backend                     "fake 1.0.0"
//	n_params                    Σ tokens of the sequence
//	n_params_nonembed           FNV-1a 64 of the sequence's tokens as little-endian int32, as int64
//	n_layers, hidden_size       Layers, 1000·Request.Threads + Request.SkipFirst
//	layer, depth                ℓ, ℓ/(Layers−1)
//	component, seq              schema.Components[c], s
//	n_tokens                    max(len(sequence) − SkipFirst, 0)
//	gain_mean                   (n_params + 1)·(ℓ+1)/(c+1) / 1000
//	gain_std, gain_min,         special values in turn (NaN, ±Inf, −0, the smallest subnormal, the largest float64,
//	gain_max, norm_in_mean,     and ordinary numbers), so that a round trip that does not keep every bit shows
//	norm_out_mean
//
// The result's Loss is the mean over all tokens of (token mod 97)/10 when Request.Loss is set, NaN otherwise;
// LossTokens is the number of tokens; Backend is "fake 1.0.0".
type Fake struct {
	Layers int // number of layers; 0 means 3

	mu   sync.Mutex
	runs int
}

// Version is the version Fake reports.
const Version = "1.0.0"

// Info describes the fake.
func (f *Fake) Info(ctx context.Context) (backends.Info, error) {
	return backends.Info{
		Name:     "fake",
		Version:  Version,
		Devices:  []string{"fake device 0", "fake device 1 (ünïcode)"},
		Protocol: backends.ProtocolVersion,
	}, nil
}

// Runs returns how many runs have started.
func (f *Fake) Runs() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.runs
}

// Run produces the rows described on Fake.
func (f *Fake) Run(ctx context.Context, req *backends.Request, sink backends.Sink) (backends.Result, error) {
	f.mu.Lock()
	f.runs++
	f.mu.Unlock()
	switch req.Model {
	case ModelFail:
		return backends.Result{}, errors.New("fake: cannot load model \"fail\"\n  second line of the error")
	case ModelBlock:
		sink.Progress(backends.Progress{Stage: "blocking"})
		<-ctx.Done()
		if req.ModelDir != "" {
			if err := os.WriteFile(filepath.Join(req.ModelDir, CancelledFile), nil, 0o644); err != nil {
				return backends.Result{}, err
			}
		}
		return backends.Result{}, ctx.Err()
	case ModelPanic:
		panic("fake panic")
	case ModelExit:
		os.Exit(3)
	case ModelCrash:
		go func() { panic("fake crash on a goroutine") }()
		select {}
	case ModelUnsupported:
		return backends.Result{}, fmt.Errorf("fake: architecture \"mamba\": %w", backends.ErrUnsupportedModel)
	case ModelInvalid:
		return backends.Result{}, fmt.Errorf("fake: --gelu %q: %w", req.GELU, backends.ErrInvalidRequest)
	case ModelCorrupt:
		return backends.Result{}, fmt.Errorf("fake: tensor \"w\" runs past the end of the file: %w", backends.ErrCorrupt)
	case ModelHugeError:
		return backends.Result{}, fmt.Errorf("fake: tensor %q is missing", "\x1b[2K"+strings.Repeat("n", 16<<20))
	}

	layers := f.Layers
	if layers <= 0 {
		layers = 3
	}
	total := int64(0)
	for _, s := range req.Sequences {
		total += int64(len(s))
	}
	for l := range layers {
		if err := ctx.Err(); err != nil {
			return backends.Result{}, err
		}
		if err := sink.Rows(LayerRows(req, layers, l)); err != nil {
			return backends.Result{}, fmt.Errorf("fake: layer %d: %w", l, err)
		}
		sink.Progress(backends.Progress{
			TokensDone:   total * int64(l+1) / int64(layers),
			TokensTotal:  total,
			TokensPerSec: 1000.5 * float64(l+1),
			Stage:        fmt.Sprintf("layer %d/%d", l+1, layers),
		})
	}
	res := backends.Result{Loss: math.NaN(), LossTokens: total, Backend: "fake " + Version}
	if req.Loss {
		var sum float64
		for _, s := range req.Sequences {
			for _, t := range s {
				sum += float64(t%97) / 10
			}
		}
		res.Loss = sum / float64(total)
	}
	return res, nil
}

var specials = []float64{
	math.NaN(), math.Inf(1), math.Inf(-1), math.Copysign(0, -1), math.SmallestNonzeroFloat64, math.MaxFloat64,
	0.1, -2.5, 1e-300, 12345.678,
}

// LayerRows returns the rows that Fake sends for layer l of a model with the given number of layers.
func LayerRows(req *backends.Request, layers, l int) []schema.Row {
	depth := 0.0
	if layers > 1 {
		depth = float64(l) / float64(layers-1)
	}
	sums := make([]int64, len(req.Sequences))
	hashes := make([]int64, len(req.Sequences))
	for s, seq := range req.Sequences {
		h := fnv.New64a()
		b := make([]byte, 0, 4*len(seq))
		for _, t := range seq {
			sums[s] += int64(t)
			b = binary.LittleEndian.AppendUint32(b, uint32(t))
		}
		h.Write(b)
		hashes[s] = int64(h.Sum64())
	}
	rows := make([]schema.Row, 0, len(schema.Components)*len(req.Sequences))
	for c, comp := range schema.Components {
		for s, seq := range req.Sequences {
			k := len(rows) + l*7
			sp := func(i int) float64 { return specials[(k+i)%len(specials)] }
			rows = append(rows, schema.Row{
				Model:           req.Model,
				Revision:        req.Revision,
				Architecture:    "fake-" + req.GELU,
				Backend:         "fake " + Version,
				NParams:         sums[s],
				NParamsNonembed: hashes[s],
				NLayers:         int32(layers),
				HiddenSize:      int32(1000*req.Threads + req.SkipFirst),
				Layer:           int32(l),
				Depth:           depth,
				Component:       comp,
				Seq:             int32(s),
				NTokens:         int32(max(len(seq)-req.SkipFirst, 0)),
				GainMean:        float64(sums[s]+1) * float64(l+1) / float64(c+1) / 1000,
				GainStd:         sp(0),
				GainMin:         sp(1),
				GainMax:         sp(2),
				NormInMean:      sp(3),
				NormOutMean:     sp(4),
			})
		}
	}
	return rows
}

var _ backends.Backend = (*Fake)(nil)
