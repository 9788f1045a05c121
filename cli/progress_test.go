package cli

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/scalefit/scalefit/backends"
)

// TestProgressPlain checks the progress of a run whose standard error is not a terminal (nohup, Slurm, a pipe): a
// plain line about every 30 s with tokens/s and the ETA, and a last line when it finishes; no bar escape codes.
func TestProgressPlain(t *testing.T) {
	var buf bytes.Buffer
	pb := newProgressBar("pythia-160m", false, &buf)
	if !pb.plain {
		t.Fatal("a bytes.Buffer is taken for a terminal")
	}
	clock := time.Date(2026, 1, 5, 12, 0, 0, 0, time.UTC)
	pb.now = func() time.Time { return clock }
	step := func(d time.Duration, done int64, rate float64) {
		clock = clock.Add(d)
		pb.Update(backends.Progress{TokensDone: done, TokensTotal: 100000, TokensPerSec: rate, Stage: "forward"})
	}
	step(0, 0, 0)
	step(10*time.Second, 4000, 400)
	step(10*time.Second, 8000, 400) // 20 s: still quiet
	step(11*time.Second, 12400, 400)
	step(29*time.Second, 24000, 400) // 29 s after the last line: quiet
	step(1*time.Second, 24400, 0)    // 30 s: a line; no rate from the backend, so tokens/elapsed
	pb.Done(true)
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	want := []string{
		"scalefit: run: pythia-160m: 12,400 / 100,000 tokens (12 %), 400 tokens/s, ETA 3m39s, forward",
		"scalefit: run: pythia-160m: 24,400 / 100,000 tokens (24 %), 400 tokens/s, ETA 3m9s, forward",
		"scalefit: run: pythia-160m: 24,400 tokens done in 1m1s",
	}
	if len(lines) != len(want) {
		t.Fatalf("printed\n%s\nwant %d lines", buf.String(), len(want))
	}
	for i := range want {
		if lines[i] != want[i] {
			t.Errorf("line %d:\n got %q\nwant %q", i, lines[i], want[i])
		}
	}
	if strings.ContainsAny(buf.String(), "\r\x1b") {
		t.Errorf("plain progress has terminal control characters: %q", buf.String())
	}

	buf.Reset()
	q := newProgressBar("x", true, &buf)
	q.Update(backends.Progress{TokensDone: 1, TokensTotal: 2})
	q.Done(true)
	if buf.Len() != 0 || q.plain || q.p != nil {
		t.Errorf("--quiet printed %q", buf.String())
	}
}
