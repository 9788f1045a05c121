// Package parallel runs independent tasks on every core.
package parallel

import (
	"runtime"
	"sync"
	"sync/atomic"
)

// For runs task k for every k in [0, tasks) on up to GOMAXPROCS goroutines, each taking the next k when it has
// finished one, and returns the error of the lowest k that failed, or nil. After a failure it starts no new task, so
// some tasks may not run. newWorker is called once per goroutine and returns its task function, so that a goroutine
// can own a scratch buffer. With one worker the tasks run on the caller's goroutine.
func For(tasks int, newWorker func() func(k int) error) error {
	if tasks <= 0 {
		return nil
	}
	workers := min(tasks, runtime.GOMAXPROCS(0))
	if workers == 1 {
		work := newWorker()
		for k := range tasks {
			if err := work(k); err != nil {
				return err
			}
		}
		return nil
	}
	errs := make([]error, tasks)
	var next atomic.Int64
	var failed atomic.Bool
	var wg sync.WaitGroup
	wg.Add(workers)
	for range workers {
		go func() {
			defer wg.Done()
			work := newWorker()
			for !failed.Load() {
				k := int(next.Add(1) - 1)
				if k >= tasks {
					return
				}
				if errs[k] = work(k); errs[k] != nil {
					failed.Store(true)
				}
			}
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// Each is For with one task function shared by every goroutine.
func Each(tasks int, task func(k int) error) error {
	return For(tasks, func() func(int) error { return task })
}
