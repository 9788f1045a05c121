package layers

import (
	"fmt"
	"testing"
)

// TestSizeOrder checks the order of models that a shell glob gets wrong: pythia-1.4b sorts before pythia-160m by
// name but after it by size, and revisions of one model follow their training step.
func TestSizeOrder(t *testing.T) {
	mk := func(model string, params int64, rev string) *Profile {
		return &Profile{Model: model, Revision: rev, NParams: params, NLayers: 1}
	}
	ps := []*Profile{
		mk("pythia-1.4b", 1414647808, ""),
		mk("pythia-160m", 162322944, "step143000"),
		mk("pythia-160m", 162322944, "main"),
		mk("pythia-160m", 162322944, "step1000"),
		mk("pythia-160m", 162322944, "step2"),
		mk("pythia-160m", 162322944, ""),
		mk("pythia-12b", 11846072320, ""),
		mk("pythia-70m", 70426624, ""),
	}
	var got []string
	for _, i := range SizeOrder(ps) {
		got = append(got, ps[i].Name())
	}
	want := "[pythia-70m pythia-160m pythia-160m@step2 pythia-160m@step1000 pythia-160m@step143000 pythia-160m@main pythia-1.4b pythia-12b]"
	if fmt.Sprint(got) != want {
		t.Errorf("order %v\nwant  %s", got, want)
	}
	for _, tc := range []struct {
		a, b string
		less bool
	}{{"step2", "step10", true}, {"step10", "step2", false}, {"a", "a", false}, {"", "a", true}, {"v1.10", "v1.9", false},
		{"step1000", "main", true}, {"main", "step1000", false}, {"x01", "x1", true}, {"x1", "x01", false}} {
		if got := naturalLess(tc.a, tc.b); got != tc.less {
			t.Errorf("naturalLess(%q, %q) = %v", tc.a, tc.b, got)
		}
	}
}
