package sweep

import (
	"sync"
	"time"
)

// Meter measures a sweep's progress for its progress line: tasks finished out of those it set out to run, the
// tokens per second of all its tasks together, and the time left.
//
// The ETA extrapolates the sweep's own pace. With f the fraction of the work done, counting each finished task as 1
// and each running task as its tokens done over its tokens total, and t the time since the sweep started,
//
//	ETA = t·(1 − f)/f.
//
// It is safe for concurrent use.
type Meter struct {
	mu       sync.Mutex
	start    time.Time
	total    int // tasks to run; shrinks when a task turns out to need no run
	finished int
	failed   int
	tokens   int64 // tokens of the finished tasks
	running  map[int]progress
}

type progress struct{ done, total int64 }

// Snapshot is the state of a sweep at one instant.
type Snapshot struct {
	Finished, Failed, Total, Running int
	Tokens                           int64
	TokensPerSec                     float64
	ETA                              time.Duration // 0 until there is a pace to extrapolate
}

// NewMeter starts measuring a sweep that sets out to run total tasks.
func NewMeter(total int, now time.Time) *Meter {
	return &Meter{start: now, total: total, running: map[int]progress{}}
}

// Start records that task i began.
func (m *Meter) Start(i int) {
	m.mu.Lock()
	m.running[i] = progress{}
	m.mu.Unlock()
}

// Progress records task i's tokens done so far, out of total.
func (m *Meter) Progress(i int, done, total int64) {
	m.mu.Lock()
	if _, ok := m.running[i]; ok {
		m.running[i] = progress{done, total}
	}
	m.mu.Unlock()
}

// Finish records the end of task i. ran says whether it ran (and so counts as finished work, failed or not); a task
// that turned out to need no run, or was interrupted, leaves the total instead.
func (m *Meter) Finish(i int, ran, failed bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	p := m.running[i]
	delete(m.running, i)
	if !ran {
		m.total--
		return
	}
	m.finished++
	m.tokens += p.done
	if failed {
		m.failed++
	}
}

// Snapshot returns the sweep's state at now.
func (m *Meter) Snapshot(now time.Time) Snapshot {
	m.mu.Lock()
	defer m.mu.Unlock()
	s := Snapshot{Finished: m.finished, Failed: m.failed, Total: m.total, Running: len(m.running), Tokens: m.tokens}
	frac := float64(m.finished)
	for _, p := range m.running {
		s.Tokens += p.done
		if p.total > 0 {
			frac += float64(min(p.done, p.total)) / float64(p.total)
		}
	}
	elapsed := now.Sub(m.start)
	if elapsed > 0 {
		s.TokensPerSec = float64(s.Tokens) / elapsed.Seconds()
	}
	if m.total > 0 && frac > 0 {
		frac /= float64(m.total)
		s.ETA = time.Duration(float64(elapsed) * (1 - frac) / frac)
	}
	return s
}
