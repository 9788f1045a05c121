// Package cli is scalefit's command line: the urfave/cli commands, the host side of the backend plugins, and the
// progress display. It holds no science: every number it prints comes from fit, schema or a backend.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"sort"
	"strings"

	ucli "github.com/urfave/cli/v2"

	"github.com/scalefit/scalefit/backends"
)

// Version is scalefit's version, recorded in every run file.
var Version = "0.1.0"

// commands is filled by the init functions of the command files, one command per file.
var commands []*ucli.Command

func register(c *ucli.Command) { commands = append(commands, c) }

// App returns the scalefit application with every registered command.
func App(stdout, stderr io.Writer) *ucli.App {
	cmds := append([]*ucli.Command(nil), commands...)
	sort.Slice(cmds, func(i, j int) bool { return cmds[i].Name < cmds[j].Name })
	for _, c := range cmds {
		// A mistyped flag is one line that points at the help, not the whole help page.
		c.OnUsageError = func(ctx *ucli.Context, err error, _ bool) error {
			return fmt.Errorf("%s: %w (see scalefit %s --help)", ctx.Command.Name, err, ctx.Command.Name)
		}
	}
	return &ucli.App{
		Name:                 "scalefit",
		Usage:                "measure sublayer gains of transformer checkpoints and fit scaling laws across models",
		Version:              Version,
		Commands:             cmds,
		Writer:               stdout,
		ErrWriter:            stderr,
		EnableBashCompletion: true,
		HideHelpCommand:      true,
		// Errors are printed once, by Main, as a single line.
		ExitErrHandler: func(*ucli.Context, error) {},
		Action: func(c *ucli.Context) error {
			if c.NArg() > 0 {
				return fmt.Errorf("unknown command %q (see scalefit --help)", c.Args().First())
			}
			return ucli.ShowAppHelp(c)
		},
		OnUsageError: func(_ *ucli.Context, err error, _ bool) error {
			return fmt.Errorf("%w (see scalefit --help)", err)
		},
	}
}

// Main runs the command line and returns the process exit code. If the process was started as a backend plugin it
// serves instead. A panic is turned into a one-line error: a user never sees a Go stack trace.
func Main(args []string) (code int) {
	if servePlugin() {
		return 0
	}
	defer func() {
		if r := recover(); r != nil {
			fmt.Fprintf(os.Stderr, "scalefit: internal error: %v (please report this; set SCALEFIT_DEBUG=1 for a trace)\n", r)
			if os.Getenv("SCALEFIT_DEBUG") != "" {
				os.Stderr.Write(debug.Stack())
			}
			code = 2
		}
	}()
	// Plugins are killed when their command finishes; CloseAll also catches the ones a panic or an early return left.
	defer backends.CloseAll()
	intr := watchInterrupts(context.Background(), os.Stderr, isTerminal(os.Stderr))
	err := App(os.Stdout, os.Stderr).RunContext(intr.ctx, interspersed(args))
	if intr.interrupted() {
		return intr.finish(0) // "interrupted" and 130, whatever the command made of its cancelled context
	}
	intr.finish(0)
	if err == nil {
		return 0
	}
	msg := strings.TrimSpace(err.Error())
	msg = strings.ReplaceAll(msg, "\n", "; ")
	fmt.Fprintf(os.Stderr, "scalefit: %s\n", msg)
	var ec ucli.ExitCoder
	if errors.As(err, &ec) && ec.ExitCode() != 0 {
		return ec.ExitCode()
	}
	return 1
}
