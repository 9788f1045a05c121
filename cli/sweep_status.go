package cli

import (
	"fmt"
	"io"
	"path/filepath"
	"strconv"

	"github.com/scalefit/scalefit/internal/textfmt"
	"github.com/scalefit/scalefit/sweep"
)

// sweepRow is one task in the --status and --dry-run tables, and in their JSON.
type sweepRow struct {
	Index    int    `json:"index"`
	Model    string `json:"model"`
	Revision string `json:"revision"`
	Out      string `json:"out"`
	State    string `json:"state"`
	Detail   string `json:"detail,omitempty"`
	WillRun  bool   `json:"will_run"`
}

// printSweepTable prints the tasks of a shard with their states: done, running, failed (with the reason) or
// pending, and for --dry-run whether a sweep would run each.
func printSweepTable(w io.Writer, p *sweep.Plan, shard sweep.Shard, tasks []sweep.Task, dryRun, retryFailed, asJSON bool) error {
	statuses := sweep.CheckAll(tasks)
	rows := make([]sweepRow, len(tasks))
	counts := map[sweep.State]int{}
	willRun := 0
	for i, t := range tasks {
		st := statuses[i]
		counts[st.State]++
		run := st.State == sweep.Pending || (st.State == sweep.Failed && retryFailed)
		if run {
			willRun++
		}
		rows[i] = sweepRow{Index: t.Index, Model: t.Model, Revision: t.Revision, Out: t.Out, State: st.State.String(),
			Detail: st.Detail, WillRun: run}
	}
	if asJSON {
		return writeJSONFile("-", w, struct {
			Plan    string         `json:"plan"`
			Dataset string         `json:"dataset"`
			Shard   string         `json:"shard"`
			Counts  map[string]int `json:"counts"`
			Tasks   []sweepRow     `json:"tasks"`
		}{p.Path, planInput(p).describe(), shard.String(), stateCounts(counts), rows})
	}
	fmt.Fprintf(w, "plan %s: %d tasks (%s), dataset %s, output in %s\n\n", p.Path, len(tasks), shard, planInput(p).describe(), p.Out)
	tab := textfmt.Table{Header: []string{"#", "model", "revision", "state", "output", "detail"}}
	if dryRun {
		tab.Header = []string{"#", "model", "revision", "state", "run", "output", "detail"}
	}
	for _, r := range rows {
		rev := r.Revision
		if rev == "" {
			rev = "-"
		}
		out, err := filepath.Rel(p.Out, r.Out)
		if err != nil {
			out = r.Out
		}
		cells := []string{strconv.Itoa(r.Index), r.Model, rev, r.State, out, r.Detail}
		if dryRun {
			cells = []string{strconv.Itoa(r.Index), r.Model, rev, r.State, map[bool]string{true: "yes", false: "no"}[r.WillRun], out, r.Detail}
		}
		tab.Add(cells...)
	}
	io.WriteString(w, tab.Text())
	fmt.Fprintf(w, "\n%d done, %d running, %d failed, %d pending", counts[sweep.Done], counts[sweep.Running],
		counts[sweep.Failed], counts[sweep.Pending])
	if dryRun {
		fmt.Fprintf(w, "; a sweep would run %d", willRun)
		if counts[sweep.Failed] > 0 && !retryFailed {
			fmt.Fprintf(w, " (--retry-failed also reruns the %d failed)", counts[sweep.Failed])
		}
	}
	fmt.Fprintln(w)
	return nil
}

func stateCounts(m map[sweep.State]int) map[string]int {
	out := map[string]int{}
	for _, s := range []sweep.State{sweep.Done, sweep.Running, sweep.Failed, sweep.Pending} {
		out[s.String()] = m[s]
	}
	return out
}
