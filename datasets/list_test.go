package datasets

import (
	"strings"
	"testing"
)

func TestWriteList(t *testing.T) {
	var b strings.Builder
	if err := WriteList(&b); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{
		"KIND", "corpus     mixed", "corpus     code", "reference  seed-pythia", "pythia-1.4b, pythia-6.9b",
		"model      pythia-70m", "70,426,624 params (18,915,328 non-embedding)", "model      llama-2-70b",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("WriteList output lacks %q:\n%s", want, out)
		}
	}
	if n := len(List()); n != 6+1+31 {
		t.Errorf("List() has %d entries, want 23", n)
	}

}
