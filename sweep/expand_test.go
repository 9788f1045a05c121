package sweep

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

func TestExpand(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []string
		err  string
	}{
		{in: "main", want: []string{"main"}},
		{in: "step{1..3}", want: []string{"step1", "step2", "step3"}},
		{in: "step{1000..5000..2000}", want: []string{"step1000", "step3000", "step5000"}},
		{in: "step{1000..6000..2000}", want: []string{"step1000", "step3000", "step5000"}}, // the end need not be hit
		{in: "step{0..0}", want: []string{"step0"}},
		{in: "step{-2..2..2}", want: []string{"step-2", "step0", "step2"}},
		{in: "step{0,1,2,4}", want: []string{"step0", "step1", "step2", "step4"}},
		{in: "{a,b}-{1..2}", want: []string{"a-1", "a-2", "b-1", "b-2"}},
		{in: "x{1..2}y", want: []string{"x1y", "x2y"}},
		{in: "step{9223372036854775806..9223372036854775807}", want: []string{"step9223372036854775806", "step9223372036854775807"}},
		{in: "step{5..1}", err: "empty range"},
		{in: "step{1..5..0}", err: "step must be positive"},
		{in: "step{1..5..-1}", err: "step must be positive"},
		{in: "step{1..x}", err: `"x" is not an integer`},
		{in: "step{1..2..3..4}", err: "want {a..b} or {a..b..step}"},
		{in: "step{1..2", err: "'{' without '}'"},
		{in: "step1..2}", err: "'}' without '{'"},
		{in: "step}{1..2}", err: "'}' without '{'"},
		{in: "step{{1..2}}", err: "nested braces"},
		{in: "step{}", err: "want {a..b}"},
		{in: "step{1..1000000}", err: "more than 100000 names"},
		{in: "step{-9223372036854775808..9223372036854775807}", err: "more than 100000 names"},
		{in: "{1..1000}{1..1000}", err: "more than 100000"},
	} {
		got, err := Expand(tc.in)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("Expand(%q) error = %v, want one containing %q", tc.in, err, tc.err)
			}
			continue
		}
		if err != nil || !slices.Equal(got, tc.want) {
			t.Errorf("Expand(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
		}
	}
}

// TestExpandPythia checks the expansion that covers Pythia's 154 checkpoints.
func TestExpandPythia(t *testing.T) {
	var revs []string
	for _, p := range []string{"step{0,1,2,4,8,16,32,64,128,256,512}", "step{1000..143000..1000}"} {
		names, err := Expand(p)
		if err != nil {
			t.Fatal(err)
		}
		revs = append(revs, names...)
	}
	if len(revs) != 154 || revs[0] != "step0" || revs[11] != "step1000" || revs[153] != "step143000" {
		t.Errorf("got %d revisions, %s … %s", len(revs), revs[0], revs[len(revs)-1])
	}
}

func ExampleExpand() {
	revs, _ := Expand("step{1000..5000..1000}")
	fmt.Println(revs)
	// Output: [step1000 step2000 step3000 step4000 step5000]
}
