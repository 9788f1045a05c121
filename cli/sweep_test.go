package cli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	ucli "github.com/urfave/cli/v2"

	"github.com/scalefit/scalefit/sweep"
)

// sweepFixture is a plan over a fake HF cache in which org/a and org/b have the revisions step1 … stepN, all
// snapshots of one tiny synth model, run on a small file of token ids.
type sweepFixture struct {
	dir, plan, hub, model string
}

// newSweepFixture writes the fixture; extra is appended to the plan (more [[models]], a [slurm] table).
func newSweepFixture(t *testing.T, revs int, extra string) *sweepFixture {
	t.Helper()
	dir := t.TempDir()
	f := &sweepFixture{dir: dir, plan: filepath.Join(dir, "plan.toml"), hub: filepath.Join(dir, "hub"), model: filepath.Join(dir, "tiny")}
	mustScalefit(t, "synth", "--preset", "tiny", "--layers", "1", "--hidden", "32", "--heads", "2", "--intermediate", "64",
		"--vocab", "300", "--out", f.model)
	for _, m := range []string{"a", "b"} {
		repo := filepath.Join(f.hub, "models--org--"+m)
		for _, d := range []string{"refs", "snapshots"} {
			if err := os.MkdirAll(filepath.Join(repo, d), 0o755); err != nil {
				t.Fatal(err)
			}
		}
		for i := 1; i <= revs; i++ {
			commit := fmt.Sprintf("%s%039d", m, i)
			os.WriteFile(filepath.Join(repo, "refs", fmt.Sprintf("step%d", i)), []byte(commit+"\n"), 0o644)
			if err := os.Symlink(f.model, filepath.Join(repo, "snapshots", commit)); err != nil {
				t.Fatal(err)
			}
		}
	}
	os.WriteFile(filepath.Join(dir, "ids.jsonl"), []byte("[1,2,3,4,5]\n[6,7,8]\n"), 0o644)
	plan := fmt.Sprintf(`out = "out"
[dataset]
tokens = "ids.jsonl"
[run]
skip_first = 1
[[models]]
model = "org/a"
revisions = ["step{1..%[1]d}"]
[[models]]
model = "org/b"
revisions = ["step{1..%[1]d}"]
`, revs) + extra
	if err := os.WriteFile(f.plan, []byte(plan), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("HF_HUB_CACHE", f.hub)
	return f
}

// tasks loads the fixture's plan as the sweep command does.
func (f *sweepFixture) tasks(t *testing.T) []sweep.Task {
	t.Helper()
	p, err := loadPlan(f.plan, os.Stderr)
	if err != nil {
		t.Fatal(err)
	}
	return p.Tasks
}

// TestSweepKillResume is the test of scale: a sweep of 200 tiny tasks, four at a time, killed with SIGKILL
// part way, then resumed. Nothing at a target path is ever partial, the files finished before the kill are not
// touched again, and in the end every task has its one complete file.
func TestSweepKillResume(t *testing.T) {
	f := newSweepFixture(t, 100, "")
	tasks := f.tasks(t)
	if len(tasks) != 200 {
		t.Fatalf("%d tasks, want 200", len(tasks))
	}
	var log bytes.Buffer
	cmd := exec.Command(os.Args[0], "sweep", f.plan, "--jobs", "4")
	cmd.Env = append(os.Environ(), "SCALEFIT_TEST_MAIN=1")
	cmd.Stdout, cmd.Stderr = &log, &log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	countDone := func() int {
		n := 0
		for _, task := range tasks {
			if _, err := os.Stat(task.Out); err == nil {
				n++
			}
		}
		return n
	}
	deadline := time.Now().Add(5 * time.Minute)
	for countDone() < 40 {
		if time.Now().After(deadline) {
			t.Fatalf("fewer than 40 tasks done after 5 minutes:\n%s", log.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()

	before := map[int]os.FileInfo{}
	for _, task := range tasks {
		st, err := os.Stat(task.Out)
		if err != nil {
			continue
		}
		if s := sweep.Check(task); s.State != sweep.Done {
			t.Errorf("after the kill, %s is at its path but %v: %s", task.Out, s.State, s.Detail)
		}
		before[task.Index] = st
	}
	if len(before) == 200 {
		t.Fatal("the sweep finished before it was killed; nothing was tested")
	}
	t.Logf("killed with %d of 200 tasks done", len(before))

	out := mustScalefit(t, "sweep", f.plan, "--jobs", "4", "--quiet")
	want := fmt.Sprintf("200 tasks: ran %d, %d were done already", 200-len(before), len(before))
	if !strings.Contains(out, want) {
		t.Errorf("resumed sweep says %q, want %q", out, want)
	}
	for _, task := range tasks {
		if s := sweep.Check(task); s.State != sweep.Done {
			t.Errorf("%s: %v %s", task.Name(), s.State, s.Detail)
		}
		if old, ok := before[task.Index]; ok {
			now, err := os.Stat(task.Out)
			if err != nil || !os.SameFile(old, now) || !now.ModTime().Equal(old.ModTime()) {
				t.Errorf("%s was done before the kill but was written again", task.Name())
			}
		}
	}
	filepath.Walk(filepath.Join(f.dir, "out"), func(path string, info os.FileInfo, err error) error {
		if err == nil && !info.IsDir() && filepath.Ext(path) != ".parquet" {
			t.Errorf("left behind: %s", path)
		}
		return nil
	})
}

// TestSweepFailuresStatus runs a plan with a broken model, then looks at it with --status, --dry-run and --json, and
// reruns the failure with --retry-failed and after a fix.
func TestSweepFailuresStatus(t *testing.T) {
	f := newSweepFixture(t, 2, "[[models]]\nmodel = \"broken\"\n")
	broken := filepath.Join(f.dir, "broken")
	mustScalefit(t, "synth", "--preset", "tiny", "--out", broken)
	st := filepath.Join(broken, "model.safetensors")
	info, _ := os.Stat(st)
	os.Truncate(st, info.Size()/2)

	_, err := scalefit(t, "sweep", f.plan, "--jobs", "2", "--quiet")
	if err == nil || !strings.Contains(err.Error(), "1 of 5 tasks failed (broken: ") || !strings.Contains(err.Error(), "--retry-failed") {
		t.Fatalf("error = %v", err)
	}
	errFile, _ := os.ReadFile(filepath.Join(f.dir, "out", "broken.error"))
	reason := strings.SplitN(string(errFile), "\n", 2)[0]
	if !strings.Contains(reason, "model.safetensors") {
		t.Errorf(".error file: %q", errFile)
	}

	status := mustScalefit(t, "sweep", f.plan, "--status")
	for _, want := range []string{
		"0   org/a   step1     done   org--a/step1.parquet",
		"4   broken  -         failed  broken.parquet         " + reason,
		"4 done, 0 running, 1 failed, 0 pending",
	} {
		if !strings.Contains(strings.Join(strings.Fields(status), " "), strings.Join(strings.Fields(want), " ")) {
			t.Errorf("--status lacks %q:\n%s", want, status)
		}
	}
	dry := mustScalefit(t, "sweep", f.plan, "--dry-run")
	if !strings.Contains(dry, "a sweep would run 0 (--retry-failed also reruns the 1 failed)") {
		t.Errorf("--dry-run:\n%s", dry)
	}
	var js struct {
		Counts map[string]int
		Tasks  []struct {
			Index        int
			Model, State string
			Detail, Out  string
			WillRun      bool `json:"will_run"`
			Revision     string
		}
	}
	if err := json.Unmarshal([]byte(mustScalefit(t, "sweep", f.plan, "--status", "--json")), &js); err != nil {
		t.Fatal(err)
	}
	if js.Counts["done"] != 4 || js.Counts["failed"] != 1 || len(js.Tasks) != 5 || js.Tasks[4].Detail != reason || js.Tasks[1].Revision != "step2" {
		t.Errorf("--json: %+v", js)
	}

	// A second sweep leaves the failure alone, and says so; --retry-failed runs it again.
	if _, err := scalefit(t, "sweep", f.plan, "--quiet"); err == nil || !strings.Contains(err.Error(), "1 of 5 tasks failed in an earlier run") {
		t.Errorf("second sweep: %v", err)
	}
	if _, err := scalefit(t, "sweep", f.plan, "--quiet", "--retry-failed"); err == nil || !strings.Contains(err.Error(), "1 of 5 tasks failed (broken") {
		t.Errorf("--retry-failed: %v", err)
	}
	// Fixing the model changes its fingerprint, so the task is pending again and a plain sweep runs it.
	os.RemoveAll(broken)
	mustScalefit(t, "synth", "--preset", "tiny", "--out", broken)
	out := mustScalefit(t, "sweep", f.plan, "--quiet")
	if !strings.Contains(out, "5 tasks: ran 1, 4 were done already") {
		t.Errorf("after the fix: %q", out)
	}
	if _, err := os.Stat(filepath.Join(f.dir, "out", "broken.error")); !os.IsNotExist(err) {
		t.Errorf("the .error file outlived the fix")
	}
}

// TestSweepShards runs a plan in shards, by --shard and by the Slurm and Kubernetes environment variables.
func TestSweepShards(t *testing.T) {
	f := newSweepFixture(t, 3, "") // 6 tasks
	tasks := f.tasks(t)
	done := func() string {
		var b strings.Builder
		for _, task := range tasks {
			b.WriteString(map[bool]string{true: "x", false: "."}[sweep.Check(task).State == sweep.Done])
		}
		return b.String()
	}
	mustScalefit(t, "sweep", f.plan, "--shard", "1/3", "-q")
	if got := done(); got != ".x..x." {
		t.Errorf("after --shard 1/3: %s", got)
	}
	t.Setenv("JOB_COMPLETION_INDEX", "0")
	t.Setenv("SCALEFIT_SHARDS", "3")
	mustScalefit(t, "sweep", f.plan, "-q")
	if got := done(); got != "xx.xx." {
		t.Errorf("after JOB_COMPLETION_INDEX=0 of 3: %s", got)
	}
	t.Setenv("SLURM_ARRAY_TASK_ID", "2") // wins over the Kubernetes variables
	t.Setenv("SLURM_ARRAY_TASK_COUNT", "3")
	out := mustScalefit(t, "sweep", f.plan, "--dry-run")
	if !strings.Contains(out, "2 tasks (shard 2/3)") || !strings.Contains(out, "a sweep would run 2") {
		t.Errorf("--dry-run in a Slurm array task:\n%s", out)
	}
	mustScalefit(t, "sweep", f.plan, "-q")
	if got := done(); got != "xxxxxx" {
		t.Errorf("after SLURM_ARRAY_TASK_ID=2 of 3: %s", got)
	}
	t.Setenv("SLURM_ARRAY_TASK_COUNT", "")
	if _, err := scalefit(t, "sweep", f.plan); err == nil || !strings.Contains(err.Error(), "SLURM_ARRAY_TASK_COUNT is not set") {
		t.Errorf("a Slurm task id without a count: %v", err)
	}
}

// TestSweepPlanProblems checks that every problem of a plan is reported, one line each, and that nothing runs.
func TestSweepPlanProblems(t *testing.T) {
	f := newSweepFixture(t, 2, "[[models]]\nmodel = \"org/c\"\n[slurm]\ncpu = 2\n")
	var out, errOut bytes.Buffer
	err := App(&out, &errOut).Run([]string{"scalefit", "sweep", f.plan})
	if err == nil || err.Error() != fmt.Sprintf("plan %s: 2 problems (listed above); nothing was run", f.plan) {
		t.Fatalf("error = %v", err)
	}
	lines := strings.Split(strings.TrimSpace(errOut.String()), "\n")
	if len(lines) != 2 || !strings.Contains(lines[0], "plan.toml:15: slurm.cpu: unknown key (did you mean cpus?)") ||
		!strings.Contains(lines[1], "plan.toml: models[2].model: model org/c is not in the HF cache") {
		t.Errorf("stderr:\n%s", errOut.String())
	}
	if _, err := os.Stat(filepath.Join(f.dir, "out")); !os.IsNotExist(err) {
		t.Errorf("a plan with problems created its output directory")
	}
	for _, args := range [][]string{
		{"sweep"},
		{"sweep", f.plan, "--status", "--dry-run"},
		{"sweep", f.plan, "--jobs", "0"},
		{"sweep", f.plan, "--json"},
		{"sweep", f.plan, "--shard", "3/3"},
		{"sweep", f.plan, "--slurm", "--shard", "0/2"},
	} {
		if _, err := scalefit(t, args...); err == nil || strings.Contains(err.Error(), "\n") {
			t.Errorf("scalefit %s: %v, want a one-line error", strings.Join(args, " "), err)
		}
	}
}

// TestSweepSchedulerScripts checks --slurm and --k8s through the command line.
func TestSweepSchedulerScripts(t *testing.T) {
	f := newSweepFixture(t, 2, "[slurm]\ncpus = 2\nmax_running = 2\n[k8s]\nimage = \"scalefit:test\"\n")
	script := mustScalefit(t, "sweep", f.plan, "--slurm")
	exe, _ := os.Executable()
	exe, _ = filepath.EvalSymlinks(exe)
	for _, want := range []string{"#SBATCH --array=0-3%2\n", "#SBATCH --cpus-per-task=2\n", "exec " + exe + " sweep " + f.plan + "\n"} {
		if !strings.Contains(script, want) {
			t.Errorf("--slurm lacks %q:\n%s", want, script)
		}
	}
	if st, err := os.Stat(filepath.Join(f.dir, "out", "slurm-logs")); err != nil || !st.IsDir() {
		t.Errorf("--slurm did not create the log directory: %v", err)
	}
	job := mustScalefit(t, "sweep", f.plan, "--k8s")
	if !strings.Contains(job, "completionMode: Indexed") || !strings.Contains(job, `command: ["scalefit", "sweep", `+strconv.Quote(f.plan)+`]`) {
		t.Errorf("--k8s:\n%s", job)
	}
}

// TestSweepDefaults checks that a plan without a [run] key runs what `scalefit run` without the flag runs, and that
// a plan can set every flag of run that is not about one run alone.
func TestSweepDefaults(t *testing.T) {
	var run *ucli.Command
	for _, c := range commands {
		if c.Name == "run" {
			run = c
		}
	}
	want := map[string]string{"seq-len": strconv.Itoa(sweep.DefaultSeqLen), "field": sweep.DefaultField,
		"gelu": sweep.DefaultGELU, "backend": sweep.DefaultBackend, "skip-first": "0", "max-tokens": "0", "threads": "0"}
	for _, fl := range run.Flags {
		name := fl.Names()[0]
		w, ok := want[name]
		if !ok {
			continue
		}
		got := ""
		switch v := fl.(type) {
		case *ucli.StringFlag:
			got = v.Value
		case *ucli.IntFlag:
			got = strconv.Itoa(v.Value)
		}
		if got != w {
			t.Errorf("run --%s defaults to %q, a plan to %q", name, got, w)
		}
		delete(want, name)
	}
	if len(want) > 0 {
		t.Errorf("run has no flags %v", want)
	}
	// Every run flag but those that name one run's model, output and dataset is a [run] key.
	perRun := map[string]bool{"model": true, "revision": true, "name": true, "out": true, "quiet": true, "help": true,
		"verbose": true, "log-file": true, // how this invocation logs, not how a run measures
		"tokens": true, "text": true, "jsonl": true, "field": true, "corpus": true}
	keys := map[string]bool{}
	for _, k := range sweep.RunKeys() {
		keys[k] = true
	}
	for _, fl := range run.Flags {
		name := fl.Names()[0]
		if !perRun[name] && !keys[strings.ReplaceAll(name, "-", "_")] {
			t.Errorf("run --%s has no [run] key %s in a sweep plan", name, strings.ReplaceAll(name, "-", "_"))
		}
	}
}
