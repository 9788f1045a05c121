package sweep

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"
)

// RunFunc runs one task: it writes t.Out, through a temporary file renamed into place, recording t.Hash under
// schema.MetaOptionsHash, or returns why it could not. threads is how many threads the task's backend may use;
// progress reports the tokens it has processed so far. It must return soon after ctx is cancelled.
type RunFunc func(ctx context.Context, t Task, threads int, progress func(done, total int64)) error

// Outcome is what became of a task that a sweep took up.
type Outcome int

const (
	Ran           Outcome = iota // it ran and its file checks
	FailedNow                    // it ran and failed; its .error file says why
	Interrupted                  // the sweep was stopped before or while it ran; it is still pending
	Busy                         // another process holds its lock
	DoneElsewhere                // another process finished it before this one could start it
	FailedBefore                 // an earlier run failed with the same options, and failures are not retried
)

// Observer follows a sweep as it runs. Its methods are called from the sweep's workers, concurrently.
type Observer interface {
	Begin(planned int) // before any task starts: how many tasks the sweep sets out to run
	Started(t Task)
	Progress(t Task, done, total int64)
	Finished(t Task, o Outcome, err error, took time.Duration)
}

// Options says how a sweep runs its tasks.
type Options struct {
	Jobs        int  // tasks at once; 0 means 1
	Threads     int  // threads per task; 0 splits Cores between the Jobs
	Cores       int  // cores to split; 0 means runtime.GOMAXPROCS(0)
	RetryFailed bool // rerun the tasks whose last run failed
	Run         RunFunc
	Observer    Observer // may be nil
}

// ThreadsPerTask is the number of threads each task's backend gets: Threads when set, else the cores split evenly
// between the Jobs tasks that run at once, at least 1.
func (o Options) ThreadsPerTask() int {
	if o.Threads > 0 {
		return o.Threads
	}
	cores := o.Cores
	if cores <= 0 {
		cores = runtime.GOMAXPROCS(0)
	}
	return max(1, cores/max(1, o.Jobs))
}

// Failure is a task that failed, with the one-line reason written to its .error file.
type Failure struct {
	Task   Task
	Reason string
}

// Summary counts what a sweep did with the tasks it was given.
type Summary struct {
	Tasks        int       // tasks given
	AlreadyDone  int       // done before the sweep started
	Ran          int       // run now, successfully
	Failed       []Failure // run now, and failed
	FailedBefore int       // failed earlier and not retried
	Busy         int       // run by another process
	Interrupted  int       // not finished because the sweep was stopped
	Planned      int       // the tasks the sweep set out to run
}

// Run runs the tasks that are not done yet, Jobs at a time, and returns what became of them. Each task runs under its
// lock, so two sweeps of one plan never run the same task: a task another process holds is skipped, and a task that
// is finished by the time its lock is taken is not run again. A task that fails leaves a .error file with the reason
// (and no run file); one that is interrupted, by ctx, leaves nothing. The error is ctx's when the sweep was stopped.
func Run(ctx context.Context, tasks []Task, o Options) (Summary, error) {
	s := Summary{Tasks: len(tasks)}
	var todo []Task
	for _, t := range tasks {
		switch st := checkFiles(t); {
		case st.State == Done:
			s.AlreadyDone++
			tidyLock(t)
		case st.State == Failed && !o.RetryFailed:
			s.FailedBefore++
		default:
			todo = append(todo, t)
		}
	}
	s.Planned = len(todo)
	if o.Observer != nil {
		o.Observer.Begin(len(todo))
	}
	threads := o.ThreadsPerTask()
	var mu sync.Mutex
	next := make(chan Task)
	var wg sync.WaitGroup
	for range min(max(1, o.Jobs), max(1, len(todo))) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for t := range next {
				start := time.Now()
				out, err := runOne(ctx, t, threads, o)
				if o.Observer != nil {
					o.Observer.Finished(t, out, err, time.Since(start))
				}
				mu.Lock()
				switch out {
				case Ran:
					s.Ran++
				case FailedNow:
					s.Failed = append(s.Failed, Failure{Task: t, Reason: oneLine(err.Error())})
				case Interrupted:
					s.Interrupted++
				case Busy:
					s.Busy++
				case DoneElsewhere:
					s.AlreadyDone++
				case FailedBefore:
					s.FailedBefore++
				}
				mu.Unlock()
			}
		}()
	}
	notStarted := 0
	for _, t := range todo {
		if ctx.Err() != nil {
			notStarted++
			continue
		}
		select {
		case next <- t:
		case <-ctx.Done():
			notStarted++
		}
	}
	close(next)
	wg.Wait()
	s.Interrupted += notStarted
	return s, ctx.Err()
}

// busyRetries and busyWait let a task's lock be taken when a --status probe held it for an instant.
const (
	busyRetries = 5
	busyWait    = 20 * time.Millisecond
)

// runOne runs one task under its lock.
func runOne(ctx context.Context, t Task, threads int, o Options) (Outcome, error) {
	if ctx.Err() != nil {
		return Interrupted, nil
	}
	if err := os.MkdirAll(filepath.Dir(t.Out), 0o755); err != nil {
		return failed(t, fmt.Errorf("output directory: %w", err))
	}
	var lk *taskLock
	var err error
	for i := 0; ; i++ {
		if lk, err = lockTask(t.LockPath()); !errors.Is(err, errBusy) || i == busyRetries {
			break
		}
		time.Sleep(busyWait)
	}
	switch {
	case errors.Is(err, errBusy):
		return Busy, nil
	case err != nil:
		return FailedNow, err // no .error file: the task did not run, and may well run next time
	}
	defer lk.release()
	switch st := checkFiles(t); {
	case st.State == Done:
		return DoneElsewhere, nil
	case st.State == Failed && !o.RetryFailed:
		return FailedBefore, nil
	}
	removeTemps(t.Out)
	if o.Observer != nil {
		o.Observer.Started(t)
	}
	progress := func(done, total int64) {
		if o.Observer != nil {
			o.Observer.Progress(t, done, total)
		}
	}
	err = o.Run(ctx, t, threads, progress)
	if err == nil {
		if ok, why := complete(t); !ok {
			if why == "" {
				why = "no run file was written"
			}
			err = fmt.Errorf("the run finished but its file does not check: %s", why)
		}
	}
	if err == nil {
		os.Remove(t.ErrorPath())
		return Ran, nil
	}
	if ctx.Err() != nil {
		return Interrupted, nil
	}
	return failed(t, err)
}

// failed records a task's failure in its .error file.
func failed(t Task, err error) (Outcome, error) {
	if werr := writeError(t, err.Error()); werr != nil {
		err = fmt.Errorf("%w (and the .error file could not be written: %v)", err, werr)
	}
	return FailedNow, err
}

// checkFiles is Check without the lock: what a task's files say.
func checkFiles(t Task) Status {
	if ok, why := complete(t); ok {
		return Status{State: Done}
	} else if reason, hash, err := readError(t.ErrorPath()); err == nil && hash == t.Hash {
		return Status{State: Failed, Detail: reason}
	} else {
		return Status{State: Pending, Detail: why}
	}
}

// tidyLock removes the lock file of a done task, which a sweep killed between writing the task's file and
// releasing its lock leaves behind. The file is only removed under the lock, so a holder is never disturbed.
func tidyLock(t Task) {
	if _, err := os.Stat(t.LockPath()); err != nil {
		return
	}
	if l, err := lockTask(t.LockPath()); err == nil {
		l.release()
	}
}

// removeTemps removes the temporary files that an earlier, killed run of the task left beside its output (a run
// file is written as .NAME.tmp-* and renamed). Only the holder of the task's lock may call it.
func removeTemps(out string) {
	dir, prefix := filepath.Dir(out), "."+filepath.Base(out)+".tmp-"
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), prefix) {
			os.Remove(filepath.Join(dir, e.Name()))
		}
	}
}
