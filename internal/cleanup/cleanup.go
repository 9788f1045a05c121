// Package cleanup keeps what an interrupted process must undo before it exits: the temporary files of outputs being
// written and the temporary directories of outputs being built. Code that creates such a thing registers its removal
// and unregisters it once the output is in place; the signal handler of package cli calls Run before it exits.
package cleanup

import (
	"slices"
	"sync"
)

var (
	mu   sync.Mutex
	fns  = map[int]func(){}
	next int
	ran  bool
)

// Register records fn to be called by Run and returns the function that forgets it. Once Run has been called, fn is
// called at once: the process is on its way out, and nothing new may be left behind.
func Register(fn func()) (unregister func()) {
	mu.Lock()
	if ran {
		mu.Unlock()
		fn()
		return func() {}
	}
	id := next
	next++
	fns[id] = fn
	mu.Unlock()
	return func() {
		mu.Lock()
		delete(fns, id)
		mu.Unlock()
	}
}

// Run calls every registered function once, the most recent first, and makes later registrations run at once.
func Run() {
	mu.Lock()
	ran = true
	ids := make([]int, 0, len(fns))
	for id := range fns {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	todo := make([]func(), 0, len(ids))
	for i := len(ids) - 1; i >= 0; i-- {
		todo = append(todo, fns[ids[i]])
		delete(fns, ids[i])
	}
	mu.Unlock()
	for _, fn := range todo {
		fn()
	}
}

// Len returns how many functions are registered, for tests of the code that registers them.
func Len() int {
	mu.Lock()
	defer mu.Unlock()
	return len(fns)
}
