package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/scalefit/scalefit/backends"
	"github.com/scalefit/scalefit/internal/cleanup"
)

// interruptSignals stop scalefit cleanly: Ctrl-C, and SIGTERM and SIGHUP, which Slurm, timeout(1) and a closed
// terminal send. All three are handled the same way.
var interruptSignals = []os.Signal{os.Interrupt, syscall.SIGTERM, syscall.SIGHUP}

// ExitInterrupted is the exit status of an interrupted scalefit: 128 + SIGINT, as a shell reports a Ctrl-C.
const ExitInterrupted = 130

// interruptGrace is how long a command has, after the first signal, to wind down by itself (a run cancels its
// plugin's work over gRPC) before scalefit cleans up and exits anyway.
const interruptGrace = 2 * time.Second

// interrupts turns the first interrupt signal into the cancellation of the command's context and makes sure the
// process then ends promptly, leaving nothing behind: every backend plugin stopped and its socket directory removed,
// every temporary output file removed (package cleanup), the terminal line cleared, one line saying "interrupted", and
// exit status 130. A second signal is never needed; if one comes, scalefit kills its plugins and exits at once.
type interrupts struct {
	ctx    context.Context
	cancel context.CancelFunc
	sigs   chan os.Signal
	done   chan struct{} // closed when the command has returned
	got    atomic.Bool
	once   sync.Once // the orderly cleanup
	said   atomic.Bool
	stderr io.Writer
	tty    bool
	exit   func(int) // os.Exit; tests replace it
}

// watchInterrupts starts watching for interrupt signals. Call finish when the command has returned.
func watchInterrupts(parent context.Context, stderr io.Writer, tty bool) *interrupts {
	ctx, cancel := context.WithCancel(parent)
	h := &interrupts{ctx: ctx, cancel: cancel, sigs: make(chan os.Signal, 2), done: make(chan struct{}),
		stderr: stderr, tty: tty, exit: os.Exit}
	signal.Notify(h.sigs, interruptSignals...)
	go h.watch()
	return h
}

func (h *interrupts) watch() {
	select {
	case <-h.sigs:
		h.got.Store(true)
		h.cancel()
	case <-h.done:
		return
	}
	select {
	case <-h.done: // the command returned; finish does the rest
	case <-h.sigs: // a second signal: stop now
		backends.KillAll()
		cleanup.Run()
		h.say()
		h.exit(ExitInterrupted)
	case <-time.After(interruptGrace): // a command that does not watch its context
		h.cleanup()
		h.exit(ExitInterrupted)
	}
}

// interrupted reports whether a signal arrived.
func (h *interrupts) interrupted() bool { return h.got.Load() }

// finish stops watching. After an interrupt it cleans up, says so and returns ExitInterrupted; otherwise it returns
// code unchanged.
func (h *interrupts) finish(code int) int {
	close(h.done)
	signal.Stop(h.sigs)
	h.cancel()
	if !h.interrupted() {
		return code
	}
	h.cleanup()
	return ExitInterrupted
}

// cleanup stops every plugin (each within its stop timeout, in parallel), removes every temporary output and says
// "interrupted", once.
func (h *interrupts) cleanup() {
	h.once.Do(func() {
		backends.CloseAll()
		cleanup.Run()
		h.say()
	})
}

// say clears the terminal line (a progress bar, the ^C the terminal echoed) and prints the one line, once.
func (h *interrupts) say() {
	if h.said.Swap(true) {
		return
	}
	if h.tty {
		fmt.Fprint(h.stderr, "\r\x1b[K")
	}
	fmt.Fprintln(h.stderr, "scalefit: interrupted")
}
