package revision

import (
	"fmt"
	"slices"
	"testing"
)

func TestParse(t *testing.T) {
	for _, tc := range []struct {
		rev  string
		step int64
		ok   bool
	}{
		{"step0", 0, true},
		{"step1", 1, true},
		{"step512", 512, true},
		{"step143000", 143000, true},
		{"Step1000", 1000, true},
		{"step-20", 20, true},
		{"step_20", 20, true},
		{"global_step4000", 4000, true},
		{"step1000-tokens4B", 1000, true},    // OLMo
		{"step1000_tokens4194M", 1000, true}, // OLMo, older naming
		{"step9223372036854775807", 9223372036854775807, true},
		{"step9223372036854775808", 0, false}, // overflows int64
		{"main", 0, false},
		{"", 0, false},
		{"step", 0, false},
		{"step-", 0, false},
		{"steps100", 0, false},
		{"step10k", 0, false},
		{"step+5", 0, false},
		{"step1.5", 0, false},
		{"mystep100", 0, false},
		{"2c2c4f4c7e1d4c5f8a8f3b7b1f0a9e6d5c4b3a21", 0, false}, // a commit hash
	} {
		step, ok := Step(tc.rev)
		if step != tc.step || ok != tc.ok {
			t.Errorf("Step(%q) = %d, %v; want %d, %v", tc.rev, step, ok, tc.step, tc.ok)
		}
	}
}

func TestCompare(t *testing.T) {
	revs := []string{"main", "step1000", "step2", "step0", "global_step2", "step143000", "abc", "step1000-tokens4B"}
	slices.SortStableFunc(revs, Compare)
	want := []string{"step0", "global_step2", "step2", "step1000", "step1000-tokens4B", "step143000", "abc", "main"}
	if !slices.Equal(revs, want) {
		t.Errorf("sorted = %v\nwant     %v", revs, want)
	}
	for _, r := range want {
		if Compare(r, r) != 0 {
			t.Errorf("Compare(%q, %q) != 0", r, r)
		}
	}
}

func ExampleStep() {
	for _, rev := range []string{"step1000", "step1000-tokens4B", "main"} {
		step, ok := Step(rev)
		fmt.Println(rev, step, ok)
	}
	// Output:
	// step1000 1000 true
	// step1000-tokens4B 1000 true
	// main 0 false
}
