package sweep

import (
	"fmt"
	"strconv"
	"strings"
)

// Shard is one of N disjoint parts of a plan's tasks: shard I of N holds the tasks whose index is I modulo N. The
// zero Shard (N = 0) holds every task.
type Shard struct {
	I, N int
}

// All reports whether s is the whole plan.
func (s Shard) All() bool { return s.N <= 1 }

func (s Shard) String() string {
	if s.All() {
		return "all tasks"
	}
	return fmt.Sprintf("shard %d/%d", s.I, s.N)
}

// Select returns the tasks of shard s, in plan order.
func (s Shard) Select(tasks []Task) []Task {
	if s.All() {
		return tasks
	}
	var out []Task
	for _, t := range tasks {
		if t.Index%s.N == s.I {
			out = append(out, t)
		}
	}
	return out
}

// ParseShard reads "i/n" (0 ≤ i < n), as --shard takes it.
func ParseShard(v string) (Shard, error) {
	is, ns, ok := strings.Cut(v, "/")
	if !ok {
		return Shard{}, fmt.Errorf("--shard %q: want i/n, e.g. 0/4", v)
	}
	i, err1 := strconv.Atoi(strings.TrimSpace(is))
	n, err2 := strconv.Atoi(strings.TrimSpace(ns))
	if err1 != nil || err2 != nil {
		return Shard{}, fmt.Errorf("--shard %q: want i/n with whole numbers, e.g. 0/4", v)
	}
	if n < 1 || i < 0 || i >= n {
		return Shard{}, fmt.Errorf("--shard %q: want 0 ≤ i < n", v)
	}
	return Shard{I: i, N: n}, nil
}

// ShardFromEnv finds the shard that a scheduler assigned to this process, through getenv:
//   - in a Slurm job array, SLURM_ARRAY_TASK_ID (less SLURM_ARRAY_TASK_MIN) of SLURM_ARRAY_TASK_COUNT;
//   - in a Kubernetes Indexed Job, JOB_COMPLETION_INDEX of SCALEFIT_SHARDS (the job's completions, which the
//     manifest of --k8s sets).
//
// It returns the source's name ("" when neither is set) and an error when the variables are there but unusable.
func ShardFromEnv(getenv func(string) string) (Shard, string, error) {
	pair := func(iName, nName, minName string) (Shard, string, error) {
		src := iName + "/" + nName
		iv, nv := getenv(iName), getenv(nName)
		if nv == "" {
			return Shard{}, src, fmt.Errorf("%s is %q but %s is not set", iName, iv, nName)
		}
		i, err1 := strconv.Atoi(iv)
		n, err2 := strconv.Atoi(nv)
		if m, err := strconv.Atoi(getenv(minName)); minName != "" && err == nil {
			i -= m // an array submitted as --array=1-N counts from its first index
		}
		if err1 != nil || err2 != nil || n < 1 || i < 0 || i >= n {
			return Shard{}, src, fmt.Errorf("%s=%q, %s=%q: want 0 ≤ index < count", iName, iv, nName, nv)
		}
		return Shard{I: i, N: n}, src, nil
	}
	if getenv("SLURM_ARRAY_TASK_ID") != "" {
		return pair("SLURM_ARRAY_TASK_ID", "SLURM_ARRAY_TASK_COUNT", "SLURM_ARRAY_TASK_MIN")
	}
	if getenv("JOB_COMPLETION_INDEX") != "" {
		return pair("JOB_COMPLETION_INDEX", EnvShards, "")
	}
	return Shard{}, "", nil
}
