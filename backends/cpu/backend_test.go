package cpu

import (
	"context"
	"errors"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/scalefit/scalefit/backends"
	"github.com/scalefit/scalefit/backends/measure"
	"github.com/scalefit/scalefit/backends/synth"
	"github.com/scalefit/scalefit/schema"
)

// synthTiny writes the "tiny" preset (2 layers, d 64, vocab 512) as F32 into a temporary directory.
func synthTiny(t testing.TB) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "tiny")
	if _, err := synth.Synth(dir, synth.Options{Preset: "tiny", DType: "F32", Seed: 7}, nil); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestInfo(t *testing.T) {
	info, err := New().Info(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if info.Name != "cpu" || info.Version != Version || info.Protocol != backends.ProtocolVersion {
		t.Errorf("Info = %+v", info)
	}
	if len(info.Devices) != 1 || !strings.HasPrefix(info.Devices[0], "CPU: ") || !strings.Contains(info.Devices[0], " cores, ") ||
		!strings.Contains(info.Devices[0], "fp32 peak ") {
		t.Errorf("Devices = %q, want one \"CPU: <model>, N cores, <extensions>; fp32 peak …\"", info.Devices)
	}
	// The peak is the measured rate of one core's multiply-adds times the cores: positive, and no faster than 64
	// float32 FLOPs per cycle (two 512-bit FMA units) at 6 GHz on each core.
	if cores := float64(runtime.GOMAXPROCS(0)); info.PeakFLOPS <= 0 || info.PeakFLOPS > cores*64*6e9 {
		t.Errorf("PeakFLOPS = %g, want in (0, %g]", info.PeakFLOPS, cores*64*6e9)
	}
	if info.SpeedFLOPS <= 0 {
		t.Errorf("SpeedFLOPS = %g, want > 0", info.SpeedFLOPS)
	}
}

func TestRunValidation(t *testing.T) {
	dir := synthTiny(t)
	ok := [][]int32{{1, 2, 3}, {4, 5, 6, 7}}
	for _, tc := range []struct {
		name string
		req  *backends.Request
		want string
	}{
		{"nil request", nil, "nil request"},
		{"no sequences", &backends.Request{ModelDir: dir}, "no sequences"},
		{"token too large", &backends.Request{ModelDir: dir, Sequences: [][]int32{{1, 2}, {3, 4, 512}}},
			"sequence 1, position 2: token id 512 is outside the vocabulary [0, 512)"},
		{"negative token", &backends.Request{ModelDir: dir, Sequences: [][]int32{{-1}}},
			"sequence 0, position 0: token id -1"},
		{"skip leaves nothing", &backends.Request{ModelDir: dir, Sequences: ok, SkipFirst: 3},
			"sequence 0 has 3 tokens: none left after skip_first 3"},
		{"empty sequence", &backends.Request{ModelDir: dir, Sequences: [][]int32{{1}, {}}}, "sequence 1 has 0 tokens"},
		{"negative skip", &backends.Request{ModelDir: dir, Sequences: ok, SkipFirst: -1}, "skip_first -1 is negative"},
		{"bad gelu", &backends.Request{ModelDir: dir, Sequences: ok, GELU: "relu"}, "unknown gelu \"relu\""},
		{"missing dir", &backends.Request{ModelDir: filepath.Join(dir, "nope"), Sequences: ok}, "nope"},
	} {
		_, err := New().Run(context.Background(), tc.req, &memSink{})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want it to contain %q", tc.name, err, tc.want)
		}
	}
}

// TestRunRowsAndProgress checks the shape of a run's output: every column filled, n_tokens after skip_first, depth,
// and progress that counts every token through every layer.
func TestRunRowsAndProgress(t *testing.T) {
	dir := synthTiny(t)
	seqs := [][]int32{{1, 2, 3, 4, 5}, {10, 20, 30}, {7, 7, 7, 7, 7, 7, 7}}
	sink := &memSink{}
	res, err := New().Run(context.Background(), &backends.Request{ModelDir: dir, Sequences: seqs, SkipFirst: 1,
		Loss: true, Threads: 2}, sink)
	if err != nil {
		t.Fatal(err)
	}
	const L = 2
	if got, want := len(sink.rows), L*len(schema.Components)*len(seqs); got != want {
		t.Fatalf("%d rows, want %d", got, want)
	}
	const total = 165_632 // the tiny preset: 2·(4·64² + 2·64·256 + 9·64 + 256) + 2·64 + 2·512·64
	for _, r := range sink.rows {
		if r.Model != "tiny" || r.Architecture != "gpt_neox" || r.Backend != "cpu" || r.NParams != total ||
			r.NLayers != L || r.HiddenSize != 64 || r.Depth != float64(r.Layer) {
			t.Fatalf("row %+v", r)
		}
		if r.NTokens != int32(len(seqs[r.Seq])-1) {
			t.Errorf("seq %d: n_tokens %d, want %d", r.Seq, r.NTokens, len(seqs[r.Seq])-1)
		}
		if !(r.GainMin <= r.GainMean && r.GainMean <= r.GainMax && r.GainStd >= 0 && r.NormInMean > 0 && r.NormOutMean > 0) {
			t.Errorf("inconsistent statistics %+v", r)
		}
	}
	if res.LossTokens != 4+2+6 || !(res.Loss > 0) {
		t.Errorf("loss %g over %d tokens, want > 0 over 12", res.Loss, res.LossTokens)
	}
	var steps []backends.Progress
	for _, p := range sink.progress {
		if strings.HasPrefix(p.Stage, "layer ") {
			steps = append(steps, p)
		}
	}
	if len(steps) != L { // the three sequences run as one batch
		t.Fatalf("%d layer progress events, want %d", len(steps), L)
	}
	last := steps[len(steps)-1]
	if last.TokensDone != 15 || last.TokensTotal != 15 || last.Stage != "layer 2/2" || last.TokensPerSec <= 0 {
		t.Errorf("last progress %+v, want 15/15 at layer 2/2", last)
	}
	for i := 1; i < len(steps); i++ {
		if steps[i].TokensDone < steps[i-1].TokensDone {
			t.Errorf("progress went backwards: %+v after %+v", steps[i], steps[i-1])
		}
	}
}

// TestRunThreadsBitwise: the thread count changes who computes what, never the order of any sum.
func TestRunThreadsBitwise(t *testing.T) {
	dir := synthTiny(t)
	seqs := [][]int32{{5, 6, 7, 8, 9, 10, 11, 12, 13}, {100, 200, 300}}
	run := func(threads int) ([]schema.Row, float64) {
		sink := &memSink{}
		res, err := New().Run(context.Background(), &backends.Request{ModelDir: dir, Sequences: seqs, Loss: true,
			Threads: threads}, sink)
		if err != nil {
			t.Fatal(err)
		}
		return sink.rows, res.Loss
	}
	a, la := run(1)
	b, lb := run(4)
	if la != lb {
		t.Errorf("loss %v with 1 thread, %v with 4", la, lb)
	}
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("row %d differs:\n%+v\n%+v", i, a[i], b[i])
		}
	}
}

type cancelSink struct {
	memSink
	cancel context.CancelFunc
	after  int
}

func (s *cancelSink) Progress(p backends.Progress) {
	s.memSink.Progress(p)
	if strings.HasPrefix(p.Stage, "layer ") {
		if s.after--; s.after == 0 {
			s.cancel()
		}
	}
}

func TestRunCancel(t *testing.T) {
	dir := synthTiny(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	sink := &cancelSink{cancel: cancel, after: 1}
	// Two sequences too long to share a batch: the run is cancelled between the two batches of layer 0.
	long := make([]int32, measure.DefaultBatchTokens/2+1)
	_, err := New().Run(ctx, &backends.Request{ModelDir: dir, Sequences: [][]int32{long, long}}, sink)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if len(sink.rows) != 0 {
		t.Errorf("%d rows sent after cancellation inside layer 0", len(sink.rows))
	}
}

type failSink struct{ memSink }

func (failSink) Rows([]schema.Row) error { return errors.New("disk full") }

func TestRunSinkError(t *testing.T) {
	dir := synthTiny(t)
	_, err := New().Run(context.Background(), &backends.Request{ModelDir: dir, Sequences: [][]int32{{1, 2}}}, &failSink{})
	if err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Fatalf("err = %v, want the sink's error", err)
	}
}
