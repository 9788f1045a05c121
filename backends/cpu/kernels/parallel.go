package kernels

import (
	"sync"
	"sync/atomic"
)

// ParallelFor calls body(i) for every i in [0, n) on up to threads goroutines. Work is handed out one index at a time
// through an atomic counter, so uneven items (causal attention rows, edge tiles) balance themselves. With threads ≤ 1
// or n ≤ 1 it runs inline on the caller's goroutine. body must be safe to run concurrently for distinct i; worker
// identifies the goroutine (0 ≤ worker < threads) so that a caller can give each one its own scratch space.
func ParallelFor(n, threads int, body func(i, worker int)) {
	if threads > n {
		threads = n
	}
	if threads <= 1 {
		for i := 0; i < n; i++ {
			body(i, 0)
		}
		return
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	wg.Add(threads)
	for w := 0; w < threads; w++ {
		go func(worker int) {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				body(i, worker)
			}
		}(w)
	}
	wg.Wait()
}
