package sweep

import (
	"fmt"
	"path/filepath"
	"regexp"
	"strings"
)

// DefaultArrayTasks is the largest job array a --slurm script asks for unless the plan says otherwise. Slurm's
// default MaxArraySize is 1001, which allows the indices 0 to 1000; with more tasks than array tasks, each array
// task runs every n-th sweep task in turn.
const DefaultArrayTasks = 1000

// Slurm is the plan's [slurm] table: the resources of each array task, and how the array runs.
type Slurm struct {
	Partition, Time, Mem, Gres, Account, QOS, JobName string
	CPUs                                              int
	MaxRunning                                        int      // the %K of --array=0-N%K; 0: no limit
	ArrayTasks                                        int      // the most array tasks; 0: DefaultArrayTasks
	Setup                                             []string // shell lines run before scalefit, e.g. module load
	Extra                                             []string // further sbatch options, e.g. --constraint=a100
}

type slurmTable struct {
	Partition  *string  `toml:"partition"`
	Time       *string  `toml:"time"`
	CPUs       *int     `toml:"cpus"`
	Mem        *string  `toml:"mem"`
	Gres       *string  `toml:"gres"`
	Account    *string  `toml:"account"`
	QOS        *string  `toml:"qos"`
	JobName    *string  `toml:"job_name"`
	MaxRunning *int     `toml:"max_running"`
	ArrayTasks *int     `toml:"array_tasks"`
	Setup      []string `toml:"setup"`
	Extra      []string `toml:"extra"`
}

// sbatchWord is what a value on an #SBATCH line may hold: no blanks, quotes or shell metacharacters.
var sbatchWord = regexp.MustCompile(`^[A-Za-z0-9_.:,=+/@%-]+$`)

// slurmMem is Slurm's memory size: a number with an optional K, M, G or T suffix.
var slurmMem = regexp.MustCompile(`^[0-9]+[KMGTkmgt]?$`)

func (l *loader) slurm(t *slurmTable) Slurm {
	var s Slurm
	word := func(key string, v *string, dst *string) {
		if v == nil {
			return
		}
		if !sbatchWord.MatchString(*v) {
			l.fail("slurm."+key, "%q: want one word of letters, digits and _.:,=+/@%%-", *v)
		}
		*dst = *v
	}
	word("partition", t.Partition, &s.Partition)
	word("time", t.Time, &s.Time)
	word("gres", t.Gres, &s.Gres)
	word("account", t.Account, &s.Account)
	word("qos", t.QOS, &s.QOS)
	word("job_name", t.JobName, &s.JobName)
	if t.Mem != nil {
		if !slurmMem.MatchString(*t.Mem) {
			l.fail("slurm.mem", "%q: want a size such as 32G, 4000M or 16000", *t.Mem)
		}
		s.Mem = *t.Mem
	}
	l.intAtLeast("slurm.cpus", t.CPUs, 1, &s.CPUs)
	l.intAtLeast("slurm.max_running", t.MaxRunning, 1, &s.MaxRunning)
	l.intAtLeast("slurm.array_tasks", t.ArrayTasks, 1, &s.ArrayTasks)
	for i, line := range t.Setup {
		if strings.ContainsAny(line, "\n\r") {
			l.fail(fmt.Sprintf("slurm.setup[%d]", i), "one shell line per array element, without line breaks")
		}
	}
	s.Setup = t.Setup
	for i, opt := range t.Extra {
		if !strings.HasPrefix(opt, "-") || strings.ContainsAny(opt, "\n\r") {
			l.fail(fmt.Sprintf("slurm.extra[%d]", i), "%q: want one sbatch option, such as --constraint=a100", opt)
		}
	}
	s.Extra = t.Extra
	return s
}

// ScriptOptions is what a scheduler script needs besides the plan.
type ScriptOptions struct {
	Binary string // the scalefit binary to run, an absolute path (or, in a container, a command)
}

// Shards is how many array tasks (or Indexed Job completions) a scheduler script asks for: one per sweep task, up
// to limit (DefaultArrayTasks when limit is 0).
func (p *Plan) Shards(limit int) int {
	if limit <= 0 {
		limit = DefaultArrayTasks
	}
	return max(1, min(len(p.Tasks), limit))
}

// LogDir is where the array tasks of a --slurm script write their logs, one file per array task.
func (p *Plan) LogDir() string { return filepath.Join(p.Out, "slurm-logs") }

// SlurmScript writes an sbatch script that runs the plan as a job array. Each array task runs
// `scalefit sweep PLAN`, which takes its shard from SLURM_ARRAY_TASK_ID and SLURM_ARRAY_TASK_COUNT and runs the
// tasks of that shard that are not done yet; so submitting the same script again after a failure or a time-out runs
// only what is left. The log of array task i of job j goes to LogDir()/j_i.log.
func (p *Plan) SlurmScript(o ScriptOptions) (string, error) {
	if strings.ContainsAny(p.LogDir(), " \t\n\"'\\") {
		return "", fmt.Errorf("out %s: an #SBATCH line cannot carry a path with blanks or quotes; choose another out", p.Out)
	}
	s := p.Slurm
	n := p.Shards(s.ArrayTasks)
	var b strings.Builder
	b.WriteString("#!/bin/bash\n")
	fmt.Fprintf(&b, "# scalefit sweep %s, as a Slurm job array: %d tasks in %d array tasks.\n", p.Path, len(p.Tasks), n)
	b.WriteString("# Submit with sbatch. Each array task runs the sweep tasks of its shard that are not done yet, so\n")
	b.WriteString("# submitting this script again runs only what is left. Watch it with: scalefit sweep PLAN --status\n")
	name := s.JobName
	if name == "" {
		name = "scalefit-sweep"
	}
	directive := func(opt string) { b.WriteString("#SBATCH " + opt + "\n") }
	directive("--job-name=" + name)
	array := fmt.Sprintf("--array=0-%d", n-1)
	if s.MaxRunning > 0 {
		array += fmt.Sprintf("%%%d", s.MaxRunning)
	}
	directive(array)
	directive("--output=" + filepath.Join(p.LogDir(), "%A_%a.log"))
	for _, kv := range [][2]string{
		{"partition", s.Partition}, {"time", s.Time}, {"mem", s.Mem}, {"gres", s.Gres}, {"account", s.Account}, {"qos", s.QOS},
	} {
		if kv[1] != "" {
			directive("--" + kv[0] + "=" + kv[1])
		}
	}
	if s.CPUs > 0 {
		directive(fmt.Sprintf("--cpus-per-task=%d", s.CPUs))
	}
	for _, opt := range s.Extra {
		directive(opt)
	}
	b.WriteString("\nset -euo pipefail\n")
	for _, line := range s.Setup {
		b.WriteString(line + "\n")
	}
	fmt.Fprintf(&b, "exec %s sweep %s\n", shellQuote(o.Binary), shellQuote(p.Path))
	return b.String(), nil
}

// shellQuote quotes s for a POSIX shell.
func shellQuote(s string) string {
	if s != "" && sbatchWord.MatchString(s) {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
