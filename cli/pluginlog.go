package cli

import (
	"fmt"
	"io"
	"os"

	ucli "github.com/urfave/cli/v2"

	"github.com/scalefit/scalefit/backends"
)

// pluginLogFlags are the flags of the commands that start backend plugins. Without them a plugin's log (go-plugin's
// own lines, whatever the plugin writes to its stderr, a panic trace) is not shown: an error is one line that names
// the backend and the cause.
func pluginLogFlags() []ucli.Flag {
	return []ucli.Flag{
		&ucli.BoolFlag{Name: "verbose", Usage: "show the backend plugin's log on stderr"},
		&ucli.StringFlag{Name: "log-file", Usage: "append the backend plugin's log to `FILE`"},
	}
}

// launchOptions returns the LaunchOptions that --verbose and --log-file ask for, and the function that closes the log
// file. --verbose logs at debug level; the log file gets the same.
func launchOptions(c *ucli.Context) (backends.LaunchOptions, func(), error) {
	var opts backends.LaunchOptions
	var outs []io.Writer
	closeLog := func() {}
	if c.Bool("verbose") {
		outs = append(outs, c.App.ErrWriter)
	}
	if path := c.String("log-file"); path != "" {
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o666)
		if err != nil {
			return opts, nil, fmt.Errorf("--log-file: %w", err)
		}
		outs = append(outs, f)
		closeLog = func() { f.Close() }
	}
	if len(outs) > 0 {
		opts.Stderr = io.MultiWriter(outs...)
		opts.LogLevel = "debug"
	}
	return opts, closeLog, nil
}
