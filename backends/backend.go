// Package backends holds what every scalefit backend shares: the Backend interface, the request and event types, the
// gRPC protocol that carries them between the host and a plugin subprocess (go-plugin), plugin discovery, and the host
// client.
//
// A backend loads a checkpoint, runs the forward pass over token sequences and measures the gains of docs/gains.md.
// It returns its measurements as run-file rows (package schema); over the wire they travel as Arrow IPC record batches.
// Nothing here is specific to one backend: the CPU and Vulkan backends and third-party plugins all speak it.
package backends

import (
	"context"

	"github.com/scalefit/scalefit/schema"
)

// Info describes a backend.
type Info struct {
	Name     string   // short name, e.g. "cpu"
	Version  string   // backend version
	Devices  []string // human-readable descriptions of the devices it would run on
	Protocol int32    // protocol version it speaks
	// PeakFLOPS is the devices' float32 peak in FLOP/s as the backend measured it (the CPU backend: an FMA-bound
	// loop on every core); 0 when unknown. Run reports its speed as a share of it.
	PeakFLOPS float64
	// SpeedFLOPS is the FLOP/s a forward pass may expect on the devices as they are now (the CPU backend: a short
	// matrix product timed by the wall clock, so a busy machine gives less); 0 when unknown. Run's time estimate
	// divides the FLOP count by it.
	SpeedFLOPS float64
}

// Request is one run: a checkpoint and the token sequences to push through it.
type Request struct {
	ModelDir  string    // HF model directory (config.json, safetensors)
	Model     string    // model id written into the rows
	Revision  string    // revision written into the rows; empty if none
	Sequences [][]int32 // token ids, one slice per sequence
	SkipFirst int       // leave out the first SkipFirst positions of every sequence
	GELU      string    // "erf" or "tanh" to replace the config's GELU form; "": the activation the config names
	Loss      bool      // also compute mean next-token cross-entropy
	Threads   int       // worker threads; 0 means all cores
	Device    int       // which of the backend's devices to run on, as Info lists them; 0 is the first
}

// Progress reports how far a run has got. Tokens are counted once per layer they pass through and divided by the
// number of layers, so TokensDone reaches TokensTotal when the last layer finishes.
type Progress struct {
	TokensDone   int64
	TokensTotal  int64
	TokensPerSec float64
	Stage        string // what the backend is doing, e.g. "layer 3/24"
}

// Result is what a run returns besides its rows.
type Result struct {
	Loss       float64 // mean next-token cross-entropy in nats; NaN when not requested
	LossTokens int64   // tokens that entered the loss
	Backend    string  // backend name and version, recorded in the run file's metadata
}

// Sink receives what a backend produces while it runs. Rows arrive in any order and in any number of calls.
type Sink interface {
	Progress(Progress)
	Rows([]schema.Row) error
}

// Backend is implemented by every backend, in-process or behind the gRPC plugin protocol.
type Backend interface {
	Info(ctx context.Context) (Info, error)
	Run(ctx context.Context, req *Request, sink Sink) (Result, error)
}

// ProtocolVersion is the version of the plugin protocol in this package.
const ProtocolVersion = 1
