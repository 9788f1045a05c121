package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"

	ucli "github.com/urfave/cli/v2"

	"github.com/scalefit/scalefit/backends"
	"github.com/scalefit/scalefit/schema"
	"github.com/scalefit/scalefit/sweep"
)

func init() {
	register(&ucli.Command{
		Name:      "sweep",
		Usage:     "run many models and checkpoints from a plan file: resumable, in parallel, or as a Slurm or Kubernetes job array",
		ArgsUsage: "PLAN.toml",
		Description: `Runs every (model, revision) task of a TOML plan that is not done yet, writing OUT/ORG--NAME/REVISION.parquet
for a hub id and OUT/DIR.parquet for a local directory (see docs/sweep.md for the plan's keys). Run it again after an
interruption and it runs only the rest; a failed task leaves REVISION.error with the reason. Two sweeps of one plan
never run the same task. Examples:

   scalefit sweep plan.toml --dry-run        # the task table, and what would run
   scalefit sweep plan.toml --jobs 2         # run what is not done yet, two tasks at a time
   scalefit sweep plan.toml --status         # done / running / failed / pending, with the failures' reasons
   scalefit sweep plan.toml --slurm > sweep.sbatch && sbatch sweep.sbatch     # one array task per run
   scalefit sweep plan.toml --k8s > job.yaml && kubectl apply -f job.yaml      # an Indexed Job
   scalefit sweep plan.toml --shard 1/4      # every 4th task, starting at task 1

Inside a Slurm array task (SLURM_ARRAY_TASK_ID, SLURM_ARRAY_TASK_COUNT) or a Kubernetes Indexed Job
(JOB_COMPLETION_INDEX, SCALEFIT_SHARDS) the shard is taken from the environment.`,
		Flags: []ucli.Flag{
			&ucli.BoolFlag{Name: "dry-run", Aliases: []string{"n"}, Usage: "print the task table and what would run; run nothing"},
			&ucli.BoolFlag{Name: "status", Usage: "print every task's state: done, running, failed (with the reason) or pending"},
			&ucli.BoolFlag{Name: "json", Usage: "with --status or --dry-run: print the table as JSON"},
			&ucli.IntFlag{Name: "jobs", Aliases: []string{"j"}, Value: 1, Usage: "tasks to run at once; the cores are split between them"},
			&ucli.StringFlag{Name: "shard", Usage: "run only shard i of n (i/n): the tasks whose index is i modulo n"},
			&ucli.BoolFlag{Name: "retry-failed", Usage: "run again the tasks whose last run failed"},
			&ucli.BoolFlag{Name: "slurm", Usage: "print an sbatch script that runs the plan as a job array, and run nothing"},
			&ucli.BoolFlag{Name: "k8s", Usage: "print a Kubernetes Indexed Job manifest that runs the plan, and run nothing"},
			&ucli.BoolFlag{Name: "quiet", Aliases: []string{"q"}, Usage: "no progress line"},
		},
		Action: sweepAction,
	})
}

func sweepAction(c *ucli.Context) error {
	if c.NArg() != 1 {
		return fmt.Errorf("sweep takes one plan file (got %d arguments); see scalefit sweep --help", c.NArg())
	}
	modes := 0
	for _, f := range []string{"dry-run", "status", "slurm", "k8s"} {
		if c.Bool(f) {
			modes++
		}
	}
	if modes > 1 {
		return errors.New("give at most one of --dry-run, --status, --slurm and --k8s")
	}
	if c.Bool("json") && !c.Bool("status") && !c.Bool("dry-run") {
		return errors.New("--json goes with --status or --dry-run")
	}
	if c.Int("jobs") < 1 {
		return fmt.Errorf("--jobs %d: must be ≥ 1", c.Int("jobs"))
	}
	plan, err := loadPlan(c.Args().First(), c.App.ErrWriter)
	if err != nil {
		return err
	}
	if c.Bool("slurm") || c.Bool("k8s") {
		if c.IsSet("shard") {
			return errors.New("--shard does not go with --slurm or --k8s: the scheduler gives each array task its shard")
		}
		return writeSchedulerScript(c, plan)
	}
	shard, err := sweepShard(c)
	if err != nil {
		return err
	}
	tasks := shard.Select(plan.Tasks)
	if c.Bool("dry-run") || c.Bool("status") {
		return printSweepTable(c.App.Writer, plan, shard, tasks, c.Bool("dry-run"), c.Bool("retry-failed"), c.Bool("json"))
	}

	ctx, stop := signal.NotifyContext(c.Context, os.Interrupt, syscall.SIGTERM)
	defer stop()
	prog := newSweepProgress(c.App.ErrWriter, c.Bool("quiet"))
	opts := sweep.Options{
		Jobs: c.Int("jobs"), Threads: plan.Run.Threads, Cores: sweepCores(), RetryFailed: c.Bool("retry-failed"),
		Run: sweepRunFunc(plan), Observer: prog,
	}
	sum, err := sweep.Run(ctx, tasks, opts)
	prog.Done()
	return sweepResult(c.App.Writer, plan, shard, sum, err)
}

// loadPlan reads and checks a plan. When it has several problems, each goes to errOut on its own line and the error
// counts them.
func loadPlan(path string, errOut io.Writer) (*sweep.Plan, error) {
	plan, err := sweep.Load(path, sweep.Resolver{
		Model: func(spec, revision string) (string, string, error) {
			m, err := resolveModel(spec, revision)
			return m.Dir, m.ID, err
		},
		Backend: func(spec string) error {
			_, err := backends.Resolve(spec)
			return err
		},
	})
	var pe *sweep.PlanError
	if errors.As(err, &pe) && len(pe.Errs) > 1 {
		fmt.Fprintln(errOut, pe.Error())
		return nil, fmt.Errorf("plan %s: %d problems (listed above); nothing was run", path, len(pe.Errs))
	}
	return plan, err
}

// sweepShard is --shard, else the shard a scheduler set in the environment, else the whole plan.
func sweepShard(c *ucli.Context) (sweep.Shard, error) {
	if c.IsSet("shard") {
		return sweep.ParseShard(c.String("shard"))
	}
	shard, _, err := sweep.ShardFromEnv(os.Getenv)
	return shard, err
}

// sweepCores is how many cores a sweep splits between its tasks: the CPUs Slurm gave the job, else what Go may use
// (which follows the CPU affinity and, in a container, the CPU limit).
func sweepCores() int {
	var n int
	if _, err := fmt.Sscan(os.Getenv("SLURM_CPUS_PER_TASK"), &n); err == nil && n > 0 {
		return n
	}
	return 0
}

// sweepRunFunc runs one task through runModel, the path of `scalefit run`, with one backend plugin per task.
func sweepRunFunc(p *sweep.Plan) sweep.RunFunc {
	return func(ctx context.Context, t sweep.Task, threads int, progress func(done, total int64)) error {
		_, _, err := runModel(ctx, runOptions{
			ModelDir: t.Dir, Model: t.Model, Revision: t.Revision, Out: t.Out, Input: planInput(p),
			SkipFirst: p.Run.SkipFirst, GELU: p.Run.GELU, Loss: p.Run.Loss, Backend: p.Run.Backend,
			Threads: threads, Device: p.Run.Device, Quiet: true,
			Meta:       map[string]string{schema.MetaOptionsHash: t.Hash},
			OnProgress: func(pr backends.Progress) { progress(pr.TokensDone, pr.TokensTotal) },
		}, io.Discard)
		return err
	}
}

// planInput is the input of every run of a plan: its dataset, cut and capped as its [run] table says.
func planInput(p *sweep.Plan) input {
	d := p.Dataset
	return input{Tokens: d.Tokens, Text: d.Text, JSONL: d.JSONL, Field: d.Field, Corpus: d.Corpus,
		Tokenizer: p.Run.Tokenizer, SeqLen: p.Run.SeqLen, MaxTokens: p.Run.MaxTokens, NoSpecial: p.Run.NoSpecial,
		AllowLong: p.Run.AllowLong}
}

// sweepResult prints what a sweep did, and turns interruptions and failures into the command's error.
func sweepResult(w io.Writer, p *sweep.Plan, shard sweep.Shard, s sweep.Summary, err error) error {
	scope := fmt.Sprintf("%d tasks", s.Tasks)
	if !shard.All() {
		scope = fmt.Sprintf("%d tasks of %s", s.Tasks, shard)
	}
	if err != nil {
		return fmt.Errorf("sweep interrupted: %d of %s ran before it stopped, %d are left; run the same command to go on",
			s.Ran, scope, s.Interrupted)
	}
	fmt.Fprintf(w, "sweep %s: %s: ran %d, %d were done already", p.Path, scope, s.Ran, s.AlreadyDone)
	if s.Busy > 0 {
		fmt.Fprintf(w, ", %d running in another process", s.Busy)
	}
	fmt.Fprintln(w)
	failed := len(s.Failed) + s.FailedBefore
	switch {
	case len(s.Failed) > 0:
		f := s.Failed[0]
		return fmt.Errorf("%d of %s failed (%s: %s); see --status, and --retry-failed to run them again",
			failed, scope, f.Task.Name(), f.Reason)
	case s.FailedBefore > 0:
		return fmt.Errorf("%d of %s failed in an earlier run; see --status, and --retry-failed to run them again", failed, scope)
	}
	return nil
}

// writeSchedulerScript prints the --slurm script or the --k8s manifest.
func writeSchedulerScript(c *ucli.Context, p *sweep.Plan) error {
	exe, err := os.Executable()
	if err != nil {
		return fmt.Errorf("cannot find the scalefit binary to put in the script: %w", err)
	}
	if abs, err := filepath.EvalSymlinks(exe); err == nil {
		exe = abs
	}
	if strings.Contains(exe, string(filepath.Separator)+"go-build") {
		fmt.Fprintf(c.App.ErrWriter, "warning: scalefit runs from Go's build cache (%s), which may be gone when the job runs; "+
			"build it first (go build -o scalefit ./cmd/scalefit) and run that\n", exe)
	}
	var text string
	if c.Bool("k8s") {
		text, err = p.K8sJob(sweep.ScriptOptions{Binary: p.K8s.Binary})
	} else {
		if text, err = p.SlurmScript(sweep.ScriptOptions{Binary: exe}); err == nil {
			// Slurm opens the log files itself and fails the array task when their directory is missing.
			if err = os.MkdirAll(p.LogDir(), 0o755); err != nil {
				err = fmt.Errorf("create the log directory: %w", err)
			}
		}
	}
	if err != nil {
		return err
	}
	_, err = io.WriteString(c.App.Writer, text)
	return err
}
