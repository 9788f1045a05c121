package layers

import (
	"fmt"
	"testing"
)

// TestArchOrderAndLabels checks that runs of two families are grouped by family, then ordered by size, and that
// table headers name the family only when there is more than one.
func TestArchOrderAndLabels(t *testing.T) {
	mk := func(model, arch string, params int64) *Profile {
		return &Profile{Model: model, Architecture: arch, NParams: params, NLayers: 1}
	}
	ps := []*Profile{
		mk("llama-3.2-3b", "llama", 3212749824), mk("pythia-1.4b", "gpt_neox", 1414647808),
		mk("llama-3.2-1b", "llama", 1235814400), mk("pythia-160m", "gpt_neox", 162322944),
	}
	var names, archs []string
	for _, i := range SizeOrder(ps) {
		names, archs = append(names, ps[i].Name()), append(archs, ps[i].Architecture)
	}
	if got := fmt.Sprint(names); got != "[pythia-160m pythia-1.4b llama-3.2-1b llama-3.2-3b]" {
		t.Errorf("order %s", got)
	}
	if got := fmt.Sprint(Architectures(ps)); got != "[gpt_neox llama]" {
		t.Errorf("architectures %s", got)
	}
	if got := ArchLabels(names, archs); got[0] != "pythia-160m (gpt_neox)" || got[3] != "llama-3.2-3b (llama)" {
		t.Errorf("labels %q", got)
	}
	if got := ArchLabels(names[:2], archs[:2]); got[0] != "pythia-160m" || got[1] != "pythia-1.4b" {
		t.Errorf("labels of one family %q, want the bare names", got)
	}
	if got := ArchLabels([]string{"a", "b"}, []string{"llama", ""}); got[1] != "b (architecture unknown)" {
		t.Errorf("label of a run without architecture %q", got[1])
	}
}
