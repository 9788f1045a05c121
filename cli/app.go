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

// register adds a command. Its flags marked Required are checked by scalefit rather than by urfave/cli, which would
// print the whole help page before the error: a missing flag is one line and exit status 2, like any usage error.
func register(c *ucli.Command) {
	var required []string
	for _, f := range c.Flags {
		if sf, ok := f.(*ucli.StringFlag); ok && sf.Required {
			sf.Required = false
			sf.Usage += " (required)"
			required = append(required, sf.Name)
		}
	}
	if action := c.Action; len(required) > 0 && action != nil {
		c.Action = func(ctx *ucli.Context) error {
			for _, name := range required {
				if ctx.String(name) == "" {
					return usagef("%s: --%s is required (see scalefit help %s)", ctx.Command.Name, name, ctx.Command.Name)
				}
			}
			return action(ctx)
		}
	}
	commands = append(commands, c)
}

// App returns the scalefit application with every registered command.
func App(stdout, stderr io.Writer) *ucli.App {
	cmds := append([]*ucli.Command(nil), commands...)
	sort.Slice(cmds, func(i, j int) bool { return cmds[i].Name < cmds[j].Name })
	for _, c := range cmds {
		// A mistyped flag is one line that points at the help, not the whole help page.
		c.OnUsageError = func(ctx *ucli.Context, err error, _ bool) error {
			return usagef("%s: %w (see scalefit help %s)", ctx.Command.Name, err, ctx.Command.Name)
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
		// Errors are printed once, by Main, as a single line.
		ExitErrHandler: func(*ucli.Context, error) {},
		Action: func(c *ucli.Context) error {
			if c.NArg() > 0 {
				return usagef("unknown command %q (see scalefit help)", c.Args().First())
			}
			return ucli.ShowAppHelp(c)
		},
		OnUsageError: func(_ *ucli.Context, err error, _ bool) error {
			return usagef("%w (see scalefit help)", err)
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
	if topic, ok := strings.CutPrefix(msg, "No help topic for '"); ok {
		err = usagef("unknown command %q (see scalefit help)", strings.TrimSuffix(topic, "'"))
		msg = err.Error()
	}
	msg = strings.ReplaceAll(msg, "\n", "; ")
	fmt.Fprintf(os.Stderr, "scalefit: %s\n", msg)
	var ec ucli.ExitCoder
	if errors.As(err, &ec) && ec.ExitCode() != 0 {
		return ec.ExitCode()
	}
	return 1
}
