package cli

import (
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"github.com/vbauerster/mpb/v8"
	"github.com/vbauerster/mpb/v8/decor"

	"github.com/scalefit/scalefit/sweep"
)

// sweepProgress is a sweep's progress line: tasks done out of those to run, the tokens per second of all running
// tasks together, and the ETA of the sweep (see sweep.Meter). On a terminal it is a bar redrawn in place, with a line
// above it for each failure; elsewhere (a Slurm log, a pipe) it prints one line per finished task instead.
type sweepProgress struct {
	w     io.Writer
	quiet bool
	mu    sync.Mutex
	meter *sweep.Meter
	p     *mpb.Progress // nil when not drawing a bar
	bar   *mpb.Bar
}

func newSweepProgress(w io.Writer, quiet bool) *sweepProgress {
	return &sweepProgress{w: w, quiet: quiet, meter: sweep.NewMeter(0, time.Now())}
}

func (sp *sweepProgress) Begin(planned int) {
	sp.mu.Lock()
	defer sp.mu.Unlock()
	sp.meter = sweep.NewMeter(planned, time.Now())
	if sp.quiet || planned == 0 || !isTerminal(os.Stdout) || !isTerminal(os.Stderr) {
		return
	}
	sp.p = mpb.New(mpb.WithOutput(sp.w), mpb.WithWidth(30))
	sp.bar = sp.p.AddBar(int64(planned),
		mpb.PrependDecorators(decor.Name("sweep", decor.WCSyncSpaceR)),
		mpb.AppendDecorators(decor.Any(func(decor.Statistics) string { return sp.line() })),
	)
}

// line is the text beside the bar, and the tail of each plain progress line.
func (sp *sweepProgress) line() string {
	s := sp.meter.Snapshot(time.Now())
	text := fmt.Sprintf("%d/%d tasks", s.Finished, s.Total)
	if s.Running > 0 {
		text += fmt.Sprintf(", %d running", s.Running)
	}
	if s.Failed > 0 {
		text += fmt.Sprintf(", %d failed", s.Failed)
	}
	text += fmt.Sprintf(" · %.0f tok/s", s.TokensPerSec)
	if s.ETA > 0 {
		text += " · ETA " + s.ETA.Round(time.Second).String()
	}
	return text
}

func (sp *sweepProgress) Started(t sweep.Task) { sp.meter.Start(t.Index) }

func (sp *sweepProgress) Progress(t sweep.Task, done, total int64) {
	sp.meter.Progress(t.Index, done, total)
}

func (sp *sweepProgress) Finished(t sweep.Task, o sweep.Outcome, err error, took time.Duration) {
	ran := o == sweep.Ran || o == sweep.FailedNow
	sp.meter.Finish(t.Index, ran, o == sweep.FailedNow)
	if sp.quiet {
		return
	}
	var msg string
	switch o {
	case sweep.Ran:
		msg = fmt.Sprintf("done %s in %s", t.Name(), took.Round(100*time.Millisecond))
	case sweep.FailedNow:
		msg = fmt.Sprintf("FAILED %s: %v", t.Name(), err)
	case sweep.Busy:
		msg = fmt.Sprintf("skipped %s: another process is running it", t.Name())
	}
	sp.mu.Lock()
	defer sp.mu.Unlock()
	if sp.p != nil {
		sp.bar.SetTotal(int64(sp.meter.Snapshot(time.Now()).Total), false)
		if ran {
			sp.bar.Increment()
		}
		if msg != "" && o != sweep.Ran {
			fmt.Fprintln(sp.p, msg)
		}
		return
	}
	if msg != "" {
		fmt.Fprintf(sp.w, "%s · %s\n", msg, sp.line())
	}
}

// Done finishes the bar, if one is drawn.
func (sp *sweepProgress) Done() {
	sp.mu.Lock()
	p, bar := sp.p, sp.bar
	sp.mu.Unlock()
	if p == nil {
		return
	}
	bar.Abort(false)
	p.Wait()
}
