package sweep

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"

	"github.com/scalefit/scalefit/schema"
)

// State is where a task stands.
type State int

const (
	Pending State = iota // not run, or run with other options, or its file is damaged
	Running              // another process holds its lock
	Failed               // its last run failed, with the plan's options; --retry-failed reruns it
	Done                 // its run file is complete and was made with the plan's options
)

func (s State) String() string {
	return [...]string{"pending", "running", "failed", "done"}[s]
}

// Status is a task's state and, for every state but done, a one-line detail: who runs it, why it failed, or why an
// existing file does not count.
type Status struct {
	State  State
	Detail string
}

// Check finds where a task stands, from its files alone:
//   - done when its run file reads in full, holds a whole grid of rows (every layer × component × sequence once, for
//     this model and revision) and records the plan's options hash;
//   - running when another process holds its lock;
//   - failed when its .error file holds a reason and the plan's options hash;
//   - pending otherwise.
func Check(t Task) Status {
	st := checkFiles(t)
	if st.State == Done {
		return st
	}
	if holder, held := lockHolder(t.LockPath()); held {
		return Status{State: Running, Detail: holder}
	}
	return st
}

// CheckAll checks tasks in parallel and returns their statuses in order.
func CheckAll(tasks []Task) []Status {
	out := make([]Status, len(tasks))
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(len(tasks), runtime.GOMAXPROCS(0)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				out[i] = Check(tasks[i])
			}
		}()
	}
	for i := range tasks {
		next <- i
	}
	close(next)
	wg.Wait()
	return out
}

// complete reports whether t's run file is done, and if not, why an existing file does not count ("" when there is
// no file).
func complete(t Task) (bool, string) {
	if _, err := os.Stat(t.Out); err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return false, ""
		}
		return false, oneLine(err.Error())
	}
	run, err := schema.Read(t.Out)
	if err != nil {
		return false, "existing file unreadable: " + oneLine(err.Error())
	}
	if h := run.Meta[schema.MetaOptionsHash]; h != t.Hash {
		if h == "" {
			return false, "existing file was not written by a sweep"
		}
		return false, "existing file was made with other options"
	}
	if err := checkGrid(run.Rows, t); err != nil {
		return false, "existing file incomplete: " + err.Error()
	}
	return true, ""
}

// checkGrid checks that rows hold every (layer, component, sequence) of one run exactly once: n_layers layers, the
// same components and the same sequences 0 … S-1 in each, all for t's model and revision.
func checkGrid(rows []schema.Row, t Task) error {
	if len(rows) == 0 {
		return errors.New("no rows")
	}
	nLayers := int(rows[0].NLayers)
	comps := map[string]bool{}
	nSeq := 0
	for i := range rows {
		r := &rows[i]
		switch {
		case r.Model != t.Model || r.Revision != t.Revision:
			return fmt.Errorf("row %d is for %s@%s, not %s", i, clip(r.Model), clip(r.Revision), t.Name())
		case int(r.NLayers) != nLayers:
			return fmt.Errorf("rows disagree on n_layers (%d and %d)", nLayers, r.NLayers)
		case r.Layer < 0 || int(r.Layer) >= nLayers || r.Seq < 0:
			return fmt.Errorf("row %d: layer %d, seq %d out of range", i, r.Layer, r.Seq)
		}
		comps[r.Component] = true
		nSeq = max(nSeq, int(r.Seq)+1)
	}
	want := nLayers * len(comps) * nSeq
	if len(rows) != want {
		return fmt.Errorf("%d rows, want %d layers × %d components × %d sequences = %d", len(rows), nLayers, len(comps), nSeq, want)
	}
	seen := make(map[[3]int]bool, len(rows))
	idx := map[string]int{}
	for c := range comps {
		idx[c] = len(idx)
	}
	for i := range rows {
		k := [3]int{int(rows[i].Layer), idx[rows[i].Component], int(rows[i].Seq)}
		if seen[k] {
			return fmt.Errorf("layer %d, %s, seq %d appears twice", k[0], clip(rows[i].Component), k[2])
		}
		seen[k] = true
	}
	return nil
}

// writeError records why a task failed, with its options hash, replacing any earlier record.
func writeError(t Task, reason string) error {
	if err := os.MkdirAll(filepath.Dir(t.ErrorPath()), 0o755); err != nil {
		return err
	}
	return schema.WriteAtomic(t.ErrorPath(), func(w io.Writer) error {
		_, err := fmt.Fprintf(w, "%s\noptions_hash: %s\n", oneLine(reason), t.Hash)
		return err
	})
}

// readError reads an .error file: the reason on its first line, the options hash on the second.
func readError(path string) (reason, hash string, err error) {
	b, err := readBounded(path, 64<<10)
	if err != nil {
		return "", "", err
	}
	lines := strings.SplitN(string(b), "\n", 3)
	reason = strings.TrimSpace(lines[0])
	if len(lines) > 1 {
		hash = strings.TrimSpace(strings.TrimPrefix(lines[1], "options_hash:"))
	}
	return reason, hash, nil
}

// oneLine folds a message onto one line and caps its length, for tables and .error files.
func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	return clipN(s, 500)
}

func clip(s string) string { return clipN(s, 80) }

func clipN(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n]) + "…"
	}
	return s
}
