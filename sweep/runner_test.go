package sweep

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/scalefit/scalefit/schema"
)

// gridRun is a complete run of a model with nLayers layers on nSeq sequences, as a backend would return it.
func gridRun(t Task, nLayers, nSeq int) *schema.Run {
	run := &schema.Run{Meta: map[string]string{schema.MetaOptionsHash: t.Hash}}
	for l := range nLayers {
		for _, c := range schema.Components {
			for s := range nSeq {
				run.Rows = append(run.Rows, schema.Row{Model: t.Model, Revision: t.Revision, NLayers: int32(nLayers),
					Layer: int32(l), Component: c, Seq: int32(s), NTokens: 3, GainMean: 1})
			}
		}
	}
	return run
}

// testTasks makes n tasks of two hub models whose files go under dir.
func testTasks(dir string, n int) []Task {
	tasks := make([]Task, n)
	for i := range tasks {
		model := []string{"org/a", "org/b"}[i%2]
		rev := fmt.Sprintf("step%d", i)
		tasks[i] = Task{Index: i, Key: "models[0]", Model: model, Revision: rev,
			Out: filepath.Join(dir, strings.ReplaceAll(model, "/", "--"), rev+".parquet"), Hash: fmt.Sprintf("hash-%d", i)}
	}
	return tasks
}

// ledger counts the runs of each task that wrote their file, across sweeps.
type ledger struct {
	mu      sync.Mutex
	written map[int]int
	started map[int]int
}

func newLedger() *ledger { return &ledger{written: map[int]int{}, started: map[int]int{}} }

// run is a RunFunc that takes a little while, honours ctx, and writes a complete run file.
func (l *ledger) run(ctx context.Context, t Task, threads int, progress func(done, total int64)) error {
	l.mu.Lock()
	l.started[t.Index]++
	l.mu.Unlock()
	progress(0, 12)
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(2 * time.Millisecond):
	}
	progress(12, 12)
	if err := schema.Write(t.Out, gridRun(t, 2, 2)); err != nil {
		return err
	}
	l.mu.Lock()
	l.written[t.Index]++
	l.mu.Unlock()
	return nil
}

// observer records outcomes and can stop the sweep after a number of finished tasks.
type observer struct {
	mu       sync.Mutex
	outcomes map[Outcome]int
	stopAt   int
	stop     context.CancelFunc
	planned  int
}

func (o *observer) Begin(n int)                 { o.planned = n }
func (o *observer) Started(Task)                {}
func (o *observer) Progress(Task, int64, int64) {}
func (o *observer) Finished(_ Task, out Outcome, _ error, _ time.Duration) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.outcomes == nil {
		o.outcomes = map[Outcome]int{}
	}
	o.outcomes[out]++
	if o.stop != nil && o.outcomes[Ran] == o.stopAt {
		o.stop()
	}
}

// TestRunInterruptResume runs 200 tasks four at a time, stops the sweep after 70, and resumes it: every task ends
// with exactly one complete file, no task is run twice, and nothing partial is left at any path.
func TestRunInterruptResume(t *testing.T) {
	dir := t.TempDir()
	tasks := testTasks(dir, 200)
	led := newLedger()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	obs := &observer{stopAt: 70, stop: cancel}
	s1, err := Run(ctx, tasks, Options{Jobs: 4, Run: led.run, Observer: obs})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("first sweep: %v, want context.Canceled", err)
	}
	if s1.Ran < 70 || s1.Ran+s1.Interrupted != 200 || len(s1.Failed) != 0 || obs.planned != 200 {
		t.Fatalf("first sweep: %+v (planned %d)", s1, obs.planned)
	}
	checkNoLeftovers(t, dir)
	done := 0
	for _, task := range tasks {
		st := Check(task)
		switch {
		case st.State == Done:
			done++
		case st.State != Pending:
			t.Errorf("%s after the interruption: %v %s", task.Name(), st.State, st.Detail)
		}
	}
	if done != s1.Ran {
		t.Errorf("%d tasks done on disk, the sweep says it ran %d", done, s1.Ran)
	}

	s2, err := Run(context.Background(), tasks, Options{Jobs: 4, Run: led.run})
	if err != nil {
		t.Fatal(err)
	}
	if s2.AlreadyDone != s1.Ran || s2.Ran != 200-s1.Ran || s2.Planned != 200-s1.Ran {
		t.Errorf("resumed sweep: %+v after %d done", s2, s1.Ran)
	}
	for _, task := range tasks {
		if led.written[task.Index] != 1 {
			t.Errorf("%s was written %d times", task.Name(), led.written[task.Index])
		}
		if st := Check(task); st.State != Done {
			t.Errorf("%s: %v %s", task.Name(), st.State, st.Detail)
		}
	}
	checkNoLeftovers(t, dir)

	s3, err := Run(context.Background(), tasks, Options{Jobs: 4, Run: led.run})
	if err != nil || s3.Ran != 0 || s3.AlreadyDone != 200 {
		t.Errorf("a third sweep: %+v, %v; want nothing run", s3, err)
	}
}

// checkNoLeftovers fails on temporary, lock or error files under dir.
func checkNoLeftovers(t *testing.T, dir string) {
	t.Helper()
	filepath.Walk(dir, func(path string, info os.FileInfo, err error) error {
		if err == nil && !info.IsDir() && !strings.HasSuffix(path, ".parquet") {
			t.Errorf("left behind: %s", path)
		}
		return nil
	})
}

// TestRunTwoSweeps runs two sweeps of one plan at once: the locks let each task run once.
func TestRunTwoSweeps(t *testing.T) {
	dir := t.TempDir()
	tasks := testTasks(dir, 60)
	led := newLedger()
	var wg sync.WaitGroup
	sums := make([]Summary, 2)
	for i := range sums {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var err error
			if sums[i], err = Run(context.Background(), tasks, Options{Jobs: 3, Run: led.run}); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	for _, task := range tasks {
		if led.started[task.Index] != 1 || led.written[task.Index] != 1 {
			t.Errorf("%s: started %d times, written %d times", task.Name(), led.started[task.Index], led.written[task.Index])
		}
	}
	if sums[0].Ran+sums[1].Ran != 60 {
		t.Errorf("the sweeps ran %d and %d tasks, want 60 together: %+v", sums[0].Ran, sums[1].Ran, sums)
	}
	checkNoLeftovers(t, dir)
}

func TestRunFailures(t *testing.T) {
	dir := t.TempDir()
	tasks := testTasks(dir, 6)
	led := newLedger()
	broken := map[int]bool{1: true, 4: true}
	run := func(ctx context.Context, task Task, threads int, progress func(int64, int64)) error {
		if broken[task.Index] {
			return fmt.Errorf("load %s: tensor %q:\nshape mismatch", task.Model, "w")
		}
		return led.run(ctx, task, threads, progress)
	}
	s, err := Run(context.Background(), tasks, Options{Jobs: 2, Run: run})
	if err != nil || s.Ran != 4 || len(s.Failed) != 2 {
		t.Fatalf("summary %+v, %v", s, err)
	}
	for i := range broken {
		task := tasks[i]
		st := Check(task)
		want := fmt.Sprintf(`load %s: tensor "w": shape mismatch`, task.Model)
		if st.State != Failed || st.Detail != want {
			t.Errorf("%s: %v %q, want failed %q", task.Name(), st.State, st.Detail, want)
		}
		if _, err := os.Stat(task.Out); !os.IsNotExist(err) {
			t.Errorf("a failed task left %s", task.Out)
		}
	}

	// Failures are not retried unless asked for.
	s, err = Run(context.Background(), tasks, Options{Run: run})
	if err != nil || s.Ran != 0 || s.FailedBefore != 2 || s.AlreadyDone != 4 {
		t.Errorf("second sweep: %+v, %v", s, err)
	}
	delete(broken, 1)
	s, err = Run(context.Background(), tasks, Options{Run: run, RetryFailed: true})
	if err != nil || s.Ran != 1 || len(s.Failed) != 1 || s.Failed[0].Task.Index != 4 {
		t.Errorf("retry: %+v, %v", s, err)
	}
	if _, err := os.Stat(tasks[1].ErrorPath()); !os.IsNotExist(err) {
		t.Errorf("a task that succeeded on retry kept its .error file")
	}
	// A failure under other options is just pending: a changed plan runs it again.
	tasks[4].Hash = "new options"
	if st := Check(tasks[4]); st.State != Pending {
		t.Errorf("a failure with other options: %v, want pending", st.State)
	}
}

// TestRunChecksOutput fails a task whose run claims success but leaves no good file.
func TestRunChecksOutput(t *testing.T) {
	dir := t.TempDir()
	tasks := testTasks(dir, 2)
	run := func(_ context.Context, task Task, _ int, _ func(int64, int64)) error {
		if task.Index == 0 {
			return nil // writes nothing
		}
		r := gridRun(task, 2, 2)
		r.Rows = r.Rows[1:]
		return schema.Write(task.Out, r)
	}
	s, _ := Run(context.Background(), tasks, Options{Run: run})
	if len(s.Failed) != 2 {
		t.Fatalf("%+v", s)
	}
	if st := Check(tasks[0]); st.State != Failed || !strings.Contains(st.Detail, "no run file was written") {
		t.Errorf("task 0: %v %q", st.State, st.Detail)
	}
	if st := Check(tasks[1]); st.State != Failed || !strings.Contains(st.Detail, "23 rows, want 2 layers × 6 components × 2 sequences = 24") {
		t.Errorf("task 1: %v %q", st.State, st.Detail)
	}
}

// TestCheck covers each state a task's files can put it in.
func TestCheck(t *testing.T) {
	dir := t.TempDir()
	task := testTasks(dir, 1)[0]
	os.MkdirAll(filepath.Dir(task.Out), 0o755)
	expect := func(what string, state State, detail string) {
		t.Helper()
		st := Check(task)
		if st.State != state || !strings.Contains(st.Detail, detail) {
			t.Errorf("%s: %v %q, want %v %q", what, st.State, st.Detail, state, detail)
		}
	}
	expect("no file", Pending, "")
	l, err := lockTask(task.LockPath())
	if err != nil {
		t.Fatal(err)
	}
	expect("locked", Running, " pid ")
	l.release()
	if err := writeError(task, "out of memory"); err != nil {
		t.Fatal(err)
	}
	expect("failed", Failed, "out of memory")

	run := gridRun(task, 3, 2)
	schema.Write(task.Out, run)
	expect("done", Done, "")
	os.Remove(task.ErrorPath())

	other := *run
	other.Meta = map[string]string{schema.MetaOptionsHash: "old"}
	schema.Write(task.Out, &other)
	expect("other options", Pending, "made with other options")
	other.Meta = map[string]string{}
	schema.Write(task.Out, &other)
	expect("no hash", Pending, "not written by a sweep")

	b, _ := os.ReadFile(task.Out)
	schema.Write(task.Out, run)
	os.WriteFile(task.Out, b[:len(b)/2], 0o644)
	expect("truncated", Pending, "unreadable")
}

func TestCheckGrid(t *testing.T) {
	task := Task{Model: "m", Revision: "r"}
	good := gridRun(task, 2, 3).Rows
	edit := func(f func(rows []schema.Row) []schema.Row) []schema.Row {
		return f(append([]schema.Row(nil), good...))
	}
	for _, tc := range []struct {
		name string
		rows []schema.Row
		want string
	}{
		{"whole", good, ""},
		{"empty", nil, "no rows"},
		{"missing row", edit(func(r []schema.Row) []schema.Row { return r[:len(r)-1] }), "35 rows, want 2 layers × 6 components × 3 sequences = 36"},
		{"duplicate row", edit(func(r []schema.Row) []schema.Row { r[1] = r[0]; return r }), "appears twice"},
		{"other model", edit(func(r []schema.Row) []schema.Row { r[5].Model = "x"; return r }), "row 5 is for x@r, not m@r"},
		{"layer out of range", edit(func(r []schema.Row) []schema.Row { r[3].Layer = 2; return r }), "layer 2, seq 0 out of range"},
		{"n_layers disagree", edit(func(r []schema.Row) []schema.Row { r[7].NLayers = 3; return r }), "disagree on n_layers"},
		{"missing layer", edit(func(r []schema.Row) []schema.Row { return r[:18] }), "18 rows, want 2 layers"},
	} {
		err := checkGrid(tc.rows, task)
		if (tc.want == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tc.want)) {
			t.Errorf("%s: %v, want %q", tc.name, err, tc.want)
		}
	}
}

// TestRunRemovesTemps checks that a task's run clears the temporary files a killed run left beside its output.
func TestRunRemovesTemps(t *testing.T) {
	dir := t.TempDir()
	tasks := testTasks(dir, 1)
	os.MkdirAll(filepath.Dir(tasks[0].Out), 0o755)
	tmp := filepath.Join(filepath.Dir(tasks[0].Out), "."+filepath.Base(tasks[0].Out)+".tmp-12345")
	os.WriteFile(tmp, []byte("half a file"), 0o644)
	if _, err := Run(context.Background(), tasks, Options{Run: newLedger().run}); err != nil {
		t.Fatal(err)
	}
	checkNoLeftovers(t, dir)
}

func TestThreadsPerTask(t *testing.T) {
	for _, tc := range []struct {
		o    Options
		want int
	}{
		{Options{Jobs: 1, Cores: 16}, 16},
		{Options{Jobs: 4, Cores: 16}, 4},
		{Options{Jobs: 3, Cores: 16}, 5},
		{Options{Jobs: 32, Cores: 16}, 1},
		{Options{Jobs: 4, Cores: 16, Threads: 2}, 2},
	} {
		if got := tc.o.ThreadsPerTask(); got != tc.want {
			t.Errorf("%+v: %d threads, want %d", tc.o, got, tc.want)
		}
	}
}

// TestRunTidiesLocks checks that a done task's stale lock file, left by a sweep killed just after the task's file was
// written, is removed, and that a held one is not.
func TestRunTidiesLocks(t *testing.T) {
	dir := t.TempDir()
	tasks := testTasks(dir, 2)
	if _, err := Run(context.Background(), tasks, Options{Run: newLedger().run}); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(tasks[0].LockPath(), []byte("host pid 1\n"), 0o644)
	held, err := lockTask(tasks[1].LockPath())
	if err != nil {
		t.Fatal(err)
	}
	defer held.release()
	if _, err := Run(context.Background(), tasks, Options{Run: newLedger().run}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(tasks[0].LockPath()); !os.IsNotExist(err) {
		t.Errorf("a stale lock file of a done task is still there")
	}
	if _, err := os.Stat(tasks[1].LockPath()); err != nil {
		t.Errorf("a held lock file was removed: %v", err)
	}
}

// BenchmarkCheckDone measures how long --status and a sweep's start take per done task: reading a run file of a
// 24-layer model on 32 sequences (4,608 rows) and checking its grid.
func BenchmarkCheckDone(b *testing.B) {
	task := testTasks(b.TempDir(), 1)[0]
	os.MkdirAll(filepath.Dir(task.Out), 0o755)
	if err := schema.Write(task.Out, gridRun(task, 24, 32)); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if st := Check(task); st.State != Done {
			b.Fatalf("%v %s", st.State, st.Detail)
		}
	}
}
