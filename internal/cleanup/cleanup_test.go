package cleanup

import (
	"slices"
	"testing"
)

// reset forgets every registration and that Run ran, for the next test.
func reset() {
	mu.Lock()
	defer mu.Unlock()
	fns, next, ran = map[int]func(){}, 0, false
}

func TestRegisterRun(t *testing.T) {
	defer reset()
	var calls []string
	Register(func() { calls = append(calls, "a") })
	forget := Register(func() { calls = append(calls, "b") })
	Register(func() { calls = append(calls, "c") })
	forget()
	if Len() != 2 {
		t.Errorf("Len = %d, want 2", Len())
	}
	Run()
	if !slices.Equal(calls, []string{"c", "a"}) {
		t.Errorf("Run called %v, want [c a] (the most recent first, the forgotten one not at all)", calls)
	}
	Run()
	if len(calls) != 2 {
		t.Errorf("a second Run called %v again", calls)
	}
	// After Run, what is registered runs at once: the process is on its way out.
	Register(func() { calls = append(calls, "late") })
	if !slices.Equal(calls, []string{"c", "a", "late"}) || Len() != 0 {
		t.Errorf("a registration after Run: %v, Len %d", calls, Len())
	}
}
