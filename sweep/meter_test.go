package sweep

import (
	"math"
	"testing"
	"time"
)

func TestMeter(t *testing.T) {
	t0 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	m := NewMeter(10, t0)
	if s := m.Snapshot(t0); s.Total != 10 || s.ETA != 0 || s.TokensPerSec != 0 {
		t.Errorf("at the start: %+v", s)
	}
	// Two tasks run; one finishes after 10 s with 1000 tokens, the other is half way through 400.
	m.Start(0)
	m.Start(1)
	m.Progress(0, 1000, 1000)
	m.Finish(0, true, false)
	m.Progress(1, 200, 400)
	s := m.Snapshot(t0.Add(10 * time.Second))
	// f = (1 + 0.5)/10 = 0.15; ETA = 10 s · 0.85/0.15 = 56.67 s; 1200 tokens in 10 s.
	if s.Finished != 1 || s.Running != 1 || s.Tokens != 1200 || math.Abs(s.TokensPerSec-120) > 1e-9 ||
		math.Abs(s.ETA.Seconds()-10*0.85/0.15) > 1e-6 {
		t.Errorf("after 10 s: %+v", s)
	}
	// A task that turns out to need no run leaves the total; a failure counts as finished work.
	m.Start(2)
	m.Finish(2, false, false)
	m.Finish(1, true, true)
	s = m.Snapshot(t0.Add(20 * time.Second))
	// f = 2/9; ETA = 20 s · (7/9)/(2/9) = 70 s.
	if s.Total != 9 || s.Finished != 2 || s.Failed != 1 || s.Running != 0 || math.Abs(s.ETA.Seconds()-70) > 1e-6 {
		t.Errorf("after 20 s: %+v", s)
	}
	// Progress reported for a task that was never started is ignored.
	m.Progress(7, 5, 10)
	if s := m.Snapshot(t0.Add(20 * time.Second)); s.Running != 0 {
		t.Errorf("an unknown task counts as running: %+v", s)
	}
}
