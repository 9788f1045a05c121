package backendtest

import (
	"sync"

	"github.com/scalefit/scalefit/backends"
	"github.com/scalefit/scalefit/schema"
)

// Recorder is a Sink that keeps everything it receives. It is safe for concurrent use.
type Recorder struct {
	// OnProgress, when set, is called with every progress event after it is recorded.
	OnProgress func(backends.Progress)
	// RowsErr, when set, is returned by every Rows call, whose rows are then not recorded.
	RowsErr error

	mu       sync.Mutex
	rows     []schema.Row
	progress []backends.Progress
	calls    int
}

// Progress records p.
func (r *Recorder) Progress(p backends.Progress) {
	r.mu.Lock()
	r.progress = append(r.progress, p)
	r.mu.Unlock()
	if r.OnProgress != nil {
		r.OnProgress(p)
	}
}

// Rows records rows, or returns RowsErr.
func (r *Recorder) Rows(rows []schema.Row) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls++
	if r.RowsErr != nil {
		return r.RowsErr
	}
	r.rows = append(r.rows, rows...)
	return nil
}

// AllRows returns a copy of the rows recorded so far.
func (r *Recorder) AllRows() []schema.Row {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]schema.Row(nil), r.rows...)
}

// AllProgress returns a copy of the progress events recorded so far.
func (r *Recorder) AllProgress() []backends.Progress {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]backends.Progress(nil), r.progress...)
}

// RowsCalls returns how many times Rows was called.
func (r *Recorder) RowsCalls() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.calls
}

var _ backends.Sink = (*Recorder)(nil)
