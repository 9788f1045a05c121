package cli

import (
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"github.com/vbauerster/mpb/v8"
	"github.com/vbauerster/mpb/v8/decor"

	"github.com/scalefit/scalefit/backends"
	"github.com/scalefit/scalefit/internal/textfmt"
)

// progressEvery is how often a run that is not on a terminal (nohup, Slurm, a pipe) prints a progress line.
const progressEvery = 30 * time.Second

// progressBar shows a backend's progress on w, the standard error. When w is a terminal it draws a bar (tokens done,
// tokens/s as the backend reports them, the ETA), whatever stdout is, so that "scalefit run … | tee log" still shows
// it. When w is not a terminal it prints a plain line about every 30 s instead, with the same numbers, which a log
// file keeps readable. --quiet silences both.
type progressBar struct {
	mu    sync.Mutex
	p     *mpb.Progress
	bar   *mpb.Bar
	stage string
	rate  float64
	label string

	// Plain lines, when w is not a terminal.
	w          io.Writer
	plain      bool
	every      time.Duration
	now        func() time.Time
	start      time.Time
	last       time.Time
	done       int64
	total      int64
	printedAny bool
}

func newProgressBar(label string, quiet bool, w io.Writer) *progressBar {
	pb := &progressBar{label: label, w: w, every: progressEvery, now: time.Now}
	if quiet {
		return pb
	}
	if f, ok := w.(*os.File); ok && isTerminal(f) {
		pb.p = mpb.New(mpb.WithOutput(w), mpb.WithWidth(40))
		return pb
	}
	pb.plain = true
	return pb
}

// Update moves the bar to p, or prints a plain line when the last one is progressEvery old.
func (pb *progressBar) Update(p backends.Progress) {
	if pb.plain {
		pb.updatePlain(p)
		return
	}
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

func (pb *progressBar) updatePlain(p backends.Progress) {
	pb.mu.Lock()
	defer pb.mu.Unlock()
	t := pb.now()
	if pb.start.IsZero() {
		pb.start, pb.last = t, t
	}
	pb.done, pb.total, pb.stage, pb.rate = p.TokensDone, p.TokensTotal, p.Stage, p.TokensPerSec
	if t.Sub(pb.last) < pb.every {
		return
	}
	pb.last = t
	pb.printedAny = true
	fmt.Fprintf(pb.w, "scalefit: run: %s\n", pb.plainLine(t))
}

// plainLine is "pythia-160m: 12,288 / 98,304 tokens (12 %), 410 tokens/s, ETA 3m30s, layer 3/12".
func (pb *progressBar) plainLine(t time.Time) string {
	rate := pb.rate
	if !(rate > 0) {
		if el := t.Sub(pb.start).Seconds(); el > 0 {
			rate = float64(pb.done) / el
		}
	}
	s := fmt.Sprintf("%s: %s / %s tokens", pb.label, textfmt.GroupDigits(pb.done), textfmt.GroupDigits(pb.total))
	if pb.total > 0 {
		s += " (" + textfmt.Percent(float64(pb.done)/float64(pb.total)) + ")"
	}
	if rate > 0 {
		s += fmt.Sprintf(", %.0f tokens/s", rate)
		if left := pb.total - pb.done; left > 0 {
			s += ", ETA " + time.Duration(float64(left)/rate*float64(time.Second)).Round(time.Second).String()
		}
	}
	if pb.stage != "" {
		s += ", " + pb.stage
	}
	return s
}

// Done completes the bar (or drops it when the run failed) and waits for the last redraw. In plain mode, a run that
// printed progress lines ends with one that says it finished.
func (pb *progressBar) Done(ok bool) {
	if pb.plain {
		pb.mu.Lock()
		defer pb.mu.Unlock()
		if ok && pb.printedAny {
			fmt.Fprintf(pb.w, "scalefit: run: %s: %s tokens done in %s\n", pb.label, textfmt.GroupDigits(pb.done),
				pb.now().Sub(pb.start).Round(time.Second))
		}
		return
	}
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
