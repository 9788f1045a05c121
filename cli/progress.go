package cli

import (
	"fmt"
	"io"
	"os"
	"sync"

	"github.com/mattn/go-isatty"
	"github.com/vbauerster/mpb/v8"
	"github.com/vbauerster/mpb/v8/decor"

	"github.com/scalefit/scalefit/backends"
)

// progressBar shows a backend's progress as a terminal bar: tokens done, tokens/s as the backend reports them, and
// the ETA. It draws only when stdout and stderr are terminals and --quiet is off; otherwise every method is a no-op.
type progressBar struct {
	mu    sync.Mutex
	p     *mpb.Progress
	bar   *mpb.Bar
	stage string
	rate  float64
	label string
}

func isTerminal(f *os.File) bool { return isatty.IsTerminal(f.Fd()) || isatty.IsCygwinTerminal(f.Fd()) }

func newProgressBar(label string, quiet bool, w io.Writer) *progressBar {
	pb := &progressBar{label: label}
	if quiet || !isTerminal(os.Stdout) || !isTerminal(os.Stderr) {
		return pb
	}
	pb.p = mpb.New(mpb.WithOutput(w), mpb.WithWidth(40))
	return pb
}

// Update moves the bar to p.
func (pb *progressBar) Update(p backends.Progress) {
	if pb.p == nil {
		return
	}
	pb.mu.Lock()
	defer pb.mu.Unlock()
	pb.stage, pb.rate = p.Stage, p.TokensPerSec
	if pb.bar == nil {
		pb.bar = pb.p.AddBar(p.TokensTotal,
			mpb.PrependDecorators(
				decor.Name(pb.label, decor.WCSyncSpaceR),
				decor.Any(func(decor.Statistics) string { pb.mu.Lock(); defer pb.mu.Unlock(); return pb.stage }, decor.WCSyncSpaceR),
			),
			mpb.AppendDecorators(
				decor.CountersNoUnit("%d / %d tok", decor.WCSyncSpace),
				decor.Any(func(decor.Statistics) string {
					pb.mu.Lock()
					defer pb.mu.Unlock()
					return fmt.Sprintf("%.0f tok/s", pb.rate)
				}, decor.WCSyncSpace),
				decor.Name(" ETA "), decor.AverageETA(decor.ET_STYLE_GO),
			),
		)
	}
	pb.bar.SetCurrent(p.TokensDone)
}

// Done completes the bar (or drops it when the run failed) and waits for the last redraw.
func (pb *progressBar) Done(ok bool) {
	if pb.p == nil {
		return
	}
	pb.mu.Lock()
	if pb.bar != nil {
		if ok {
			pb.bar.SetTotal(-1, true)
		} else {
			pb.bar.Abort(false)
		}
	}
	pb.mu.Unlock()
	pb.p.Wait()
}
