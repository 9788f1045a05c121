// Package sweep runs many scalefit runs from one plan file: every (model, revision) of a TOML plan becomes a task
// that writes one run file, and a sweep runs the tasks that are not done yet.
//
// The pieces, in the order a sweep uses them:
//   - Load reads and checks a plan (plan.go), expanding {a..b..step} ranges in revisions (expand.go) and giving every
//     task its options hash (hash.go), so that all of a plan's problems are found before anything runs;
//   - a Shard picks every n-th task, by --shard or from a scheduler's environment (shard.go);
//   - Check says whether a task is done, running, failed or pending, from its files alone (state.go);
//   - Run runs the tasks under per-task flock(2) locks (lock_unix.go), several at once, and records failures
//     (runner.go); a Meter turns its progress into a rate and an ETA (meter.go);
//   - SlurmScript and K8sJob write a job array or an Indexed Job that runs the shards (slurm.go, k8s.go).
//
// The package runs nothing itself: the caller's RunFunc does a task's run (the cli runs it exactly as
// `scalefit run` does). docs/sweep.md describes the plan file and the files a sweep leaves.
package sweep
