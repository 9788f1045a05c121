package layers

import (
	"fmt"
	"testing"
)

// TestByModel: a sweep's run set of two models, given in a shell's order, groups into one list per model in
// training order, with main after the step revisions, and the last checkpoint of each is what a law across sizes
// takes.
func TestByModel(t *testing.T) {
	mk := func(model, rev string) *Profile { return &Profile{Model: model, Revision: rev, NLayers: 1} }
	ps := []*Profile{
		mk("pythia-160m", "main"), mk("pythia-160m", "step143000"), mk("pythia-160m", "step2"), mk("pythia-160m", "step1000"),
		mk("pythia-70m", "step512"), mk("pythia-70m", "step0"), mk("controls/tiny", ""),
	}
	var got []string
	for _, m := range ByModel(ps) {
		var revs []string
		for _, i := range m.Runs {
			revs = append(revs, ps[i].Revision)
		}
		got = append(got, fmt.Sprintf("%s%v", m.Model, revs))
	}
	want := "[pythia-160m[step2 step1000 step143000 main] pythia-70m[step0 step512] controls/tiny[]]"
	if fmt.Sprint(got) != want {
		t.Errorf("ByModel: %v\nwant      %s", got, want)
	}
	if l := fmt.Sprint(Latest(ps)); l != "[0 4 6]" {
		t.Errorf("Latest = %s, want [0 4 6] (main, step512, the directory)", l)
	}
	srcs := []string{"a/main", "a/143000", "a/2", "a/1000", "b/512", "b/0", "tiny"}
	kept, keptSrcs := LatestRuns(ps, srcs)
	if len(kept) != 3 || kept[0] != ps[0] || kept[1] != ps[4] || kept[2] != ps[6] || fmt.Sprint(keptSrcs) != "[a/main b/512 tiny]" {
		t.Errorf("LatestRuns = %v, %v; want runs 0, 4, 6 and their sources", kept, keptSrcs)
	}
	if _, s := LatestRuns(ps, nil); s != nil {
		t.Errorf("LatestRuns without sources gave sources %v", s)
	}
	if n := Checkpointed(ByModel(ps)); n != 2 {
		t.Errorf("Checkpointed = %d, want 2 (the directory has one run)", n)
	}
	if !HasCheckpoints(ps) {
		t.Error("HasCheckpoints = false for two models at several revisions")
	}
	if HasCheckpoints([]*Profile{mk("a", ""), mk("b", "step1"), mk("c", "main")}) {
		t.Error("HasCheckpoints = true for three models at one revision each")
	}
	for _, tc := range []struct {
		rev  string
		step int64
		ok   bool
	}{{"step1000", 1000, true}, {"step0", 0, true}, {"global_step20", 20, true}, {"main", 0, false}, {"", 0, false}} {
		if s, ok := mk("m", tc.rev).Step(); s != tc.step || ok != tc.ok {
			t.Errorf("Step of %q = %d, %v; want %d, %v", tc.rev, s, ok, tc.step, tc.ok)
		}
	}
}
