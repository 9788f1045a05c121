package cli

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
)

// output is a file a command is about to write, named by the flag that gave it.
type output struct{ flag, path string }

// checkOutputs checks every output before a command starts its work, so that a long run is not lost to a bad --out
// at its end. An output ("-", standard output, and "" are skipped) must not be a directory, its directory is created
// when missing (as prepareOut does) and must be writable, and it must be none of the command's inputs (report R1 R2
// --out R2 would otherwise destroy R2). An output that exists already is announced on w: it is replaced, atomically,
// only when the command succeeds.
func checkOutputs(w io.Writer, inputs []string, outs ...output) error {
	probed := map[string]bool{}
	for i, o := range outs {
		if o.path == "" || o.path == "-" {
			continue
		}
		for _, p := range outs[:i] {
			if p.path != "" && p.path != "-" && sameFile(p.path, o.path) {
				return fmt.Errorf("%s %s and %s %s are the same file", p.flag, p.path, o.flag, o.path)
			}
		}
		st, err := os.Stat(o.path)
		exists := err == nil
		switch {
		case exists && st.IsDir():
			return fmt.Errorf("%s %s is a directory; give a file name inside it", o.flag, o.path)
		case exists && !st.Mode().IsRegular():
			return fmt.Errorf("%s %s exists and is not a regular file", o.flag, o.path)
		case err != nil && !errors.Is(err, fs.ErrNotExist) && !errors.Is(err, syscall.ENOTDIR):
			// ENOTDIR (a file where a directory should be) is reported below, as a directory that cannot be created.
			return fmt.Errorf("%s %s: %w", o.flag, o.path, err)
		}
		if exists {
			for _, in := range inputs {
				if in != "" && sameFile(in, o.path) {
					return fmt.Errorf("%s %s is also an input of this command (%s); writing it would destroy that input: choose another file", o.flag, o.path, in)
				}
			}
		}
		dir := filepath.Dir(o.path)
		if !probed[dir] {
			if err := checkWritableDir(dir); err != nil {
				return fmt.Errorf("%s %s: %w", o.flag, o.path, err)
			}
			probed[dir] = true
		}
		if exists {
			fmt.Fprintf(w, "scalefit: note: %s exists; it will be replaced when this command succeeds\n", o.path)
		}
	}
	return nil
}

// checkWritableDir creates dir when it is missing and checks that a file can be created in it, by creating one and
// removing it: permissions, read-only file systems and ACLs all answer the same way.
func checkWritableDir(dir string) error {
	if err := os.MkdirAll(dir, 0o777); err != nil {
		return fmt.Errorf("cannot create directory %s: %w", dir, errors.Unwrap(err))
	}
	f, err := os.CreateTemp(dir, ".scalefit-probe-*")
	if err != nil {
		return fmt.Errorf("directory %s is not writable: %w", dir, errors.Unwrap(err))
	}
	name := f.Name()
	f.Close()
	return os.Remove(name)
}

// sameFile reports whether a and b name the same existing file (through links, relative paths and the like).
func sameFile(a, b string) bool {
	sa, err := os.Stat(a)
	if err != nil {
		return filepath.Clean(a) == filepath.Clean(b)
	}
	sb, err := os.Stat(b)
	if err != nil {
		return false
	}
	return os.SameFile(sa, sb)
}

// files lists the files in reads: the input file and the tokenizer it names.
func (in input) files() []string {
	return []string{in.Tokens, in.Text, in.JSONL, in.Tokenizer}
}

// dirFiles lists the files directly inside dir (a model directory), which a run reads.
func dirFiles(dir string) []string {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil
	}
	out := make([]string, 0, len(ents))
	for _, e := range ents {
		out = append(out, filepath.Join(dir, e.Name()))
	}
	return out
}
