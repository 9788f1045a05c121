package parallel

import (
	"errors"
	"fmt"
	"runtime"
	"sync/atomic"
	"testing"
)

func TestForRunsEveryTaskOnce(t *testing.T) {
	for _, procs := range []int{1, 4} {
		for _, n := range []int{0, 1, 3, 100} {
			t.Run(fmt.Sprintf("procs=%d/n=%d", procs, n), func(t *testing.T) {
				defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
				counts := make([]atomic.Int32, n)
				var workers atomic.Int32
				err := For(n, func() func(int) error {
					workers.Add(1)
					return func(k int) error { counts[k].Add(1); return nil }
				})
				if err != nil {
					t.Fatal(err)
				}
				for k := range counts {
					if c := counts[k].Load(); c != 1 {
						t.Errorf("task %d ran %d times, want 1", k, c)
					}
				}
				if w := int(workers.Load()); w > max(1, min(n, procs)) || (n > 0 && w < 1) {
					t.Errorf("%d workers for %d tasks on %d procs", w, n, procs)
				}
			})
		}
	}
}

// A failure returns the error of the lowest failed task, one error, not a join of every failure.
func TestForReturnsLowestError(t *testing.T) {
	for _, procs := range []int{1, 4} {
		t.Run(fmt.Sprint("procs=", procs), func(t *testing.T) {
			defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
			err := Each(50, func(k int) error {
				if k >= 7 {
					return fmt.Errorf("task %d", k)
				}
				return nil
			})
			if err == nil || err.Error() != "task 7" {
				t.Fatalf("err = %v, want task 7", err)
			}
		})
	}
	sentinel := errors.New("x")
	if err := Each(1, func(int) error { return sentinel }); !errors.Is(err, sentinel) {
		t.Fatalf("err = %v, want the task's own error", err)
	}
}
