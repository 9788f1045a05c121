package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/scalefit/scalefit/layers"
	"github.com/scalefit/scalefit/schema"
	ucli "github.com/urfave/cli/v2"
)

// usageError is a mistake on the command line (a missing argument, a flag value out of range): it exits with status 2,
// as usage errors do in Unix tools, and its message says what to type instead.
type usageError struct{ error }

func (usageError) ExitCode() int { return 2 }

// usagef returns a usageError with the formatted message.
func usagef(format string, args ...any) error { return usageError{fmt.Errorf(format, args...)} }

// keepOrderFlag lets a user keep the models in the order given instead of ordering them by size.
var keepOrderFlag = &ucli.BoolFlag{Name: "keep-order", Usage: "keep the runs in the order given, instead of by parameter count and then revision"}

// readRuns reads the run files named by c's arguments (files, directories and patterns: runPaths), ordered by size
// (layers.SizeOrder) unless --keep-order is set, and returns them with their paths in the same order. It is a usage
// error to name none, or, with a --json flag that takes no value, to name a .json file as if it were its value; two
// files of one (model, revision) are an error that names both.
func readRuns(c *ucli.Context) ([]*layers.Profile, []string, error) {
	paths := c.Args().Slice()
	if len(paths) == 0 {
		return nil, nil, usagef("%s: give at least one run file (see scalefit help %s)", c.Command.Name, c.Command.Name)
	}
	if c.Bool("json") {
		for _, p := range paths {
			if strings.HasSuffix(strings.ToLower(p), ".json") {
				return nil, nil, usagef("%s: --json prints JSON to stdout and takes no file; write %s with --out %s", c.Command.Name, p, p)
			}
		}
	}
	profiles, paths, err := readRunFiles(paths)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", c.Command.Name, err)
	}
	if c.Bool("keep-order") {
		return profiles, paths, nil
	}
	ps, srcs := sizeOrdered(profiles, paths)
	return ps, srcs, nil
}

// sizeOrdered returns profiles and their paths in the order of size (layers.SizeOrder).
func sizeOrdered(profiles []*layers.Profile, paths []string) ([]*layers.Profile, []string) {
	ps, srcs := make([]*layers.Profile, len(paths)), make([]string, len(paths))
	for i, j := range layers.SizeOrder(profiles) {
		ps[i], srcs[i] = profiles[j], paths[j]
	}
	return ps, srcs
}

// prepareOut creates the directory that will hold the output file path, so that "--out runs/x.parquet" works in a
// fresh directory; it fails before any work when that is impossible.
func prepareOut(path string) error {
	if path == "" || path == "-" {
		return nil
	}
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("--out %s: cannot create directory %s: %w", path, dir, errors.Unwrap(err))
	}
	return nil
}

// writeJSONFile writes v as indented JSON to path atomically, creating its directory; "-" writes to w.
func writeJSONFile(path string, w io.Writer, v any) error {
	data, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return fmt.Errorf("encode json: %w", err)
	}
	data = append(data, '\n')
	if path == "-" {
		_, err := w.Write(data)
		return err
	}
	if err := prepareOut(path); err != nil {
		return err
	}
	return schema.WriteAtomic(path, func(f io.Writer) error { _, err := f.Write(data); return err })
}

// splitList flattens repeated and comma-separated flag values ("--predict a,b --predict c"), dropping empty items.
func splitList(vals []string) []string {
	var out []string
	for _, v := range vals {
		for _, s := range strings.Split(v, ",") {
			if s = strings.TrimSpace(s); s != "" {
				out = append(out, s)
			}
		}
	}
	return out
}
