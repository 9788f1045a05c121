package cli

import (
	"io"
	"os"
	"strconv"

	"github.com/mattn/go-isatty"
)

// isTerminal reports whether f is a terminal (or a Cygwin/MSYS pseudo-terminal).
func isTerminal(f *os.File) bool { return isatty.IsTerminal(f.Fd()) || isatty.IsCygwinTerminal(f.Fd()) }

// outputWidth is the number of columns that text written to w should fit: the terminal's width when w is a terminal
// ($COLUMNS when set, else the window size), and 0, no limit, when w is a file or a pipe, so that what is saved or
// piped is never wrapped.
func outputWidth(w io.Writer) int {
	f, ok := w.(*os.File)
	if !ok || !isTerminal(f) {
		return 0
	}
	if c, err := strconv.Atoi(os.Getenv("COLUMNS")); err == nil && c > 0 {
		return c
	}
	if c := windowWidth(f); c > 0 {
		return c
	}
	return 80
}
