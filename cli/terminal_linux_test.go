//go:build linux

package cli

import (
	"fmt"
	"os"
	"testing"

	"golang.org/x/sys/unix"
)

// openPTY opens a pseudo-terminal and returns its terminal side, which isatty reports as a terminal, with the window
// size cols × 24.
func openPTY(t *testing.T, cols int) *os.File {
	t.Helper()
	master, err := os.OpenFile("/dev/ptmx", os.O_RDWR, 0)
	if err != nil {
		t.Skipf("no pseudo-terminals here: %v", err)
	}
	t.Cleanup(func() { master.Close() })
	if err := unix.IoctlSetPointerInt(int(master.Fd()), unix.TIOCSPTLCK, 0); err != nil {
		t.Skipf("unlock pty: %v", err)
	}
	n, err := unix.IoctlGetInt(int(master.Fd()), unix.TIOCGPTN)
	if err != nil {
		t.Skipf("pty number: %v", err)
	}
	slave, err := os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("open pts: %v", err)
	}
	t.Cleanup(func() { slave.Close() })
	if err := unix.IoctlSetWinsize(int(slave.Fd()), unix.TIOCSWINSZ, &unix.Winsize{Row: 24, Col: uint16(cols)}); err != nil {
		t.Skipf("set window size: %v", err)
	}
	return slave
}

// TestProgressOnTerminalStderr: the bar draws when standard error is a terminal, whatever standard output is (under
// go test it is not a terminal, as in "scalefit run … | tee log"); a file or pipe gets plain lines instead.
func TestProgressOnTerminalStderr(t *testing.T) {
	tty := openPTY(t, 100)
	if isTerminal(os.Stdout) {
		t.Skip("stdout is a terminal here; the point is a bar with stdout redirected")
	}
	pb := newProgressBar("m", false, tty)
	if pb.p == nil || pb.plain {
		t.Error("no bar on a terminal stderr")
	}
	pb.Done(false)
	f, err := os.CreateTemp(t.TempDir(), "log")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if pb := newProgressBar("m", false, f); pb.p != nil || !pb.plain {
		t.Error("a log file gets a bar instead of plain lines")
	}
}

// TestOutputWidth: text fits the terminal's width, $COLUMNS first; a file gets no limit.
func TestOutputWidth(t *testing.T) {
	tty := openPTY(t, 93)
	t.Setenv("COLUMNS", "")
	if w := outputWidth(tty); w != 93 {
		t.Errorf("terminal of 93 columns: width %d", w)
	}
	t.Setenv("COLUMNS", "120")
	if w := outputWidth(tty); w != 120 {
		t.Errorf("COLUMNS=120: width %d", w)
	}
	f, err := os.CreateTemp(t.TempDir(), "out")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if w := outputWidth(f); w != 0 {
		t.Errorf("a file gets width %d, want no limit", w)
	}
}
