package backends_test

import (
	"context"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/go-plugin"
	"google.golang.org/protobuf/proto"

	"github.com/scalefit/scalefit/backends"
	"github.com/scalefit/scalefit/backends/backendtest"
	pb "github.com/scalefit/scalefit/backends/proto"
	"github.com/scalefit/scalefit/schema"
)

// wireLog records the sizes of the messages that crossed the wire in each direction.
type wireLog struct {
	mu         sync.Mutex
	requests   []int // proto.Size of every RunRequest the plugin received
	tokenBytes int   // payload bytes of the token chunks
	events     []int // proto.Size of every RunRequest the host received
	rowChunks  []int // payload bytes of every RowsChunk, -1 after each last chunk
}

func (w *wireLog) request(m *pb.RunRequest) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.requests = append(w.requests, proto.Size(m))
	if c := m.GetTokens(); c != nil {
		w.tokenBytes += len(c.Lengths) + len(c.Tokens)
	}
}

func (w *wireLog) event(e *pb.RunEvent) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.events = append(w.events, proto.Size(e))
	if r := e.GetRows(); r != nil {
		w.rowChunks = append(w.rowChunks, len(r.ArrowIpc))
		if r.Last {
			w.rowChunks = append(w.rowChunks, -1)
		}
	}
}

// connect serves impl in process through go-plugin's gRPC test connection and returns the host's side.
func connect(t *testing.T, impl backends.Backend, w *wireLog) backends.Backend {
	t.Helper()
	var sr func(*pb.RunRequest)
	var cr func(*pb.RunEvent)
	if w != nil {
		sr, cr = w.request, w.event
	}
	// client.Close also stops the server, through go-plugin's controller service.
	client, _ := plugin.TestPluginGRPCConn(t, false, plugin.PluginSet{
		backends.PluginName: backends.NewTestPlugin(impl, sr, cr),
	})
	t.Cleanup(func() { client.Close() })
	raw, err := client.Dispense(backends.PluginName)
	if err != nil {
		t.Fatal(err)
	}
	return raw.(backends.Backend)
}

// sameFloat reports whether a and b have the same bits, so that NaN equals NaN and −0 differs from +0.
func sameFloat(a, b float64) bool { return math.Float64bits(a) == math.Float64bits(b) }

// checkRows compares every column of got and want exactly.
func checkRows(t *testing.T, got, want []schema.Row) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%d rows, want %d", len(got), len(want))
	}
	for i := range want {
		g, w := got[i], want[i]
		floats := [][2]float64{{g.Depth, w.Depth}, {g.GainMean, w.GainMean}, {g.GainStd, w.GainStd},
			{g.GainMin, w.GainMin}, {g.GainMax, w.GainMax}, {g.NormInMean, w.NormInMean}, {g.NormOutMean, w.NormOutMean}}
		for _, f := range floats {
			if !sameFloat(f[0], f[1]) {
				t.Fatalf("row %d: float column %v, want %v\ngot  %+v\nwant %+v", i, f[0], f[1], g, w)
			}
		}
		g.Depth, g.GainMean, g.GainStd, g.GainMin, g.GainMax, g.NormInMean, g.NormOutMean = 0, 0, 0, 0, 0, 0, 0
		w.Depth, w.GainMean, w.GainStd, w.GainMin, w.GainMax, w.NormInMean, w.NormOutMean = 0, 0, 0, 0, 0, 0, 0
		if g != w {
			t.Fatalf("row %d:\ngot  %+v\nwant %+v", i, g, w)
		}
	}
}

// reference runs the fake in process, without the protocol.
func reference(t *testing.T, f *backendtest.Fake, req *backends.Request) ([]schema.Row, []backends.Progress, backends.Result) {
	t.Helper()
	var rec backendtest.Recorder
	res, err := f.Run(context.Background(), req, &rec)
	if err != nil {
		t.Fatal(err)
	}
	return rec.AllRows(), rec.AllProgress(), res
}

// checkRun runs req on b and compares everything that comes back with the fake run in process.
func checkRun(t *testing.T, b backends.Backend, layers int, req *backends.Request) {
	t.Helper()
	var rec backendtest.Recorder
	res, err := b.Run(context.Background(), req, &rec)
	if err != nil {
		t.Fatal(err)
	}
	wantRows, wantProgress, wantRes := reference(t, &backendtest.Fake{Layers: layers}, req)
	checkRows(t, rec.AllRows(), wantRows)
	if got := rec.AllProgress(); len(got) != len(wantProgress) {
		t.Errorf("%d progress events, want %d", len(got), len(wantProgress))
	} else {
		for i := range got {
			if got[i] != wantProgress[i] {
				t.Errorf("progress %d: %+v, want %+v", i, got[i], wantProgress[i])
			}
		}
	}
	if !sameFloat(res.Loss, wantRes.Loss) || res.LossTokens != wantRes.LossTokens || res.Backend != wantRes.Backend {
		t.Errorf("result %+v, want %+v", res, wantRes)
	}
}

func testRequest() *backends.Request {
	return &backends.Request{
		ModelDir:  "/models/pythia-70m",
		Model:     "EleutherAI/pythia-70m ünïcödé",
		Revision:  "step1000",
		Sequences: [][]int32{{1, 2, 3, 4, 5}, {}, {math.MaxInt32, math.MinInt32, -1, 0}, {42}},
		SkipFirst: 1,
		GELU:      "tanh",
		Loss:      true,
		Threads:   3,
	}
}

func TestInfo(t *testing.T) {
	b := connect(t, &backendtest.Fake{}, nil)
	info, err := b.Info(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want, _ := (&backendtest.Fake{}).Info(context.Background())
	if info.Name != want.Name || info.Version != want.Version || info.Protocol != backends.ProtocolVersion ||
		strings.Join(info.Devices, "|") != strings.Join(want.Devices, "|") {
		t.Errorf("Info = %+v, want %+v", info, want)
	}
}

func TestRunRoundTrip(t *testing.T) {
	const layers = 3
	b := connect(t, &backendtest.Fake{Layers: layers}, nil)
	req := testRequest()
	checkRun(t, b, layers, req)

	// Independently of the fake's own code path: the request's fields and tokens reached the plugin.
	var rec backendtest.Recorder
	res, err := b.Run(context.Background(), req, &rec)
	if err != nil {
		t.Fatal(err)
	}
	rows := rec.AllRows()
	if len(rows) != layers*len(schema.Components)*len(req.Sequences) {
		t.Fatalf("%d rows", len(rows))
	}
	wantSum := []int64{15, 0, -2, 42} // Σ tokens of each sequence
	wantN := []int32{4, 0, 3, 0}      // tokens after skipping the first
	for _, r := range rows {
		if r.NParams != wantSum[r.Seq] || r.NTokens != wantN[r.Seq] || r.Model != req.Model ||
			r.Revision != "step1000" || r.Architecture != "fake-tanh" || r.HiddenSize != 3001 {
			t.Fatalf("row %+v does not reflect the request", r)
		}
	}
	// Loss: mean of (t mod 97)/10 over the 10 tokens; Go's % keeps the sign of the dividend.
	wantLoss := (1 + 2 + 3 + 4 + 5 + float64(math.MaxInt32%97) + float64(math.MinInt32%97) - 1 + 0 + 42) / 10 / 10
	if math.Abs(res.Loss-wantLoss) > 1e-12 || res.LossTokens != 10 {
		t.Errorf("loss %v over %d tokens, want %v over 10", res.Loss, res.LossTokens, wantLoss)
	}

	// Without --loss the loss is NaN.
	req.Loss = false
	res, err = b.Run(context.Background(), req, &backendtest.Recorder{})
	if err != nil || !math.IsNaN(res.Loss) {
		t.Errorf("without loss: %v, %v; want NaN, nil", res.Loss, err)
	}
}

// TestRunLarge sends 3M tokens and gets back row data larger than one message: both directions must be chunked.
func TestRunLarge(t *testing.T) {
	var w wireLog
	b := connect(t, &backendtest.Fake{Layers: 1}, &w)
	req := &backends.Request{Model: "big", Sequences: seqs(3000, 1000)}
	checkRun(t, b, 1, req)

	if want := 3000*4 + 3_000_000*4; w.tokenBytes != want {
		t.Errorf("token chunks carried %d bytes, want %d", w.tokenBytes, want)
	}
	if len(w.requests) < 13 {
		t.Errorf("%d request messages for 12 MB of tokens", len(w.requests))
	}
	for i, n := range w.requests {
		if n > backends.MaxMessageBytes {
			t.Errorf("request message %d is %d bytes, more than %d", i, n, backends.MaxMessageBytes)
		}
	}
	for i, n := range w.events {
		if n > backends.MaxMessageBytes {
			t.Errorf("event %d is %d bytes, more than %d", i, n, backends.MaxMessageBytes)
		}
	}
	// One layer of 18,000 rows is one Arrow stream over a few chunks, all full but the last.
	chunks := w.rowChunks
	if len(chunks) < 3 || chunks[len(chunks)-1] != -1 {
		t.Fatalf("row chunks %v: want one stream of several chunks", chunks)
	}
	for i, n := range chunks[:len(chunks)-2] {
		if n != backends.ChunkPayload {
			t.Errorf("row chunk %d carries %d bytes, want a full %d", i, n, backends.ChunkPayload)
		}
	}
}

func TestRunError(t *testing.T) {
	b := connect(t, &backendtest.Fake{}, nil)
	for _, tc := range []struct{ model, want string }{
		{backendtest.ModelFail, `fake: cannot load model "fail"; second line of the error`},
		{backendtest.ModelPanic, "backend panicked: fake panic"},
	} {
		_, err := b.Run(context.Background(), &backends.Request{Model: tc.model}, &backendtest.Recorder{})
		if err == nil || err.Error() != tc.want {
			t.Errorf("model %q: error %v, want %q", tc.model, err, tc.want)
		}
	}
	// The plugin survives a panic.
	checkRun(t, b, 3, testRequest())
}

// checkCancel cancels a blocking run as soon as it reports progress, and checks that the plugin's run saw the
// cancellation.
func checkCancel(t *testing.T, b backends.Backend) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	dir := t.TempDir()
	rec := &backendtest.Recorder{OnProgress: func(backends.Progress) { cancel() }}
	start := time.Now()
	_, err := b.Run(ctx, &backends.Request{Model: backendtest.ModelBlock, ModelDir: dir}, rec)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("error %v, want context.Canceled", err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, backendtest.CancelledFile)); err == nil {
			break
		}
		if time.Since(start) > 10*time.Second {
			t.Fatal("the plugin's run was not cancelled")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestRunCancel(t *testing.T) {
	checkCancel(t, connect(t, &backendtest.Fake{}, nil))
}

// TestRunSinkError checks that a failing sink ends the run with its error and cancels the plugin's run.
func TestRunSinkError(t *testing.T) {
	f := &backendtest.Fake{Layers: 1000}
	b := connect(t, f, nil)
	errDisk := errors.New("disk full")
	rec := &backendtest.Recorder{RowsErr: errDisk}
	_, err := b.Run(context.Background(), testRequest(), rec)
	if !errors.Is(err, errDisk) {
		t.Fatalf("error %v, want %v", err, errDisk)
	}
	if n := rec.RowsCalls(); n != 1 {
		t.Errorf("sink.Rows called %d times after failing, want 1", n)
	}
}
