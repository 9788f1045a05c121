package datasets

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestCorpus(t *testing.T) {
	mixedText, err := Corpus("mixed")
	if err != nil {
		t.Fatal(err)
	}
	if def, _ := Corpus(DefaultCorpus); def != mixedText {
		t.Error("the default corpus is not mixed")
	}
	infos := Corpora()
	if len(infos) != 6 || infos[0].Name != DefaultCorpus {
		t.Fatalf("Corpora() = %d entries starting with %q", len(infos), infos[0].Name)
	}
	total := 0
	for _, info := range infos[1:] {
		text, err := Corpus(strings.ToUpper(info.Name))
		if err != nil {
			t.Fatal(err)
		}
		if !utf8.ValidString(text) || len(text) != info.Bytes || info.Provenance == "" {
			t.Errorf("%s: %d bytes (info says %d), valid UTF-8 %v", info.Name, len(text), info.Bytes, utf8.ValidString(text))
		}
		if len(text) < 8000 {
			t.Errorf("%s: only %d bytes", info.Name, len(text))
		}
		total += len(text)
		// Mixed holds every paragraph of every genre.
		for _, p := range strings.Split(strings.TrimSpace(text), "\n\n") {
			if !strings.Contains(mixedText, p) {
				t.Fatalf("%s: paragraph %.40q… is missing from mixed", info.Name, p)
			}
		}
	}
	if total < 80_000 {
		t.Errorf("the genres hold %d bytes, want ≥ 80 kB", total)
	}
	// Every genre appears in the first 8 kB of mixed (its first chunk of about 1.5 kB each).
	head := mixedText[:8000]
	for _, marker := range []string{"The Keeper of Gull Point", "At the Repair Café", "How a Hash Table Works",
		"package ring", "Weekday Loaf"} {
		if !strings.Contains(head, marker) {
			t.Errorf("%q is not in the first 8 kB of mixed", marker)
		}
	}
	if _, err := Corpus("poetry"); err == nil || !strings.Contains(err.Error(), "mixed, prose") {
		t.Errorf("Corpus(poetry): error %v, want the list of names", err)
	}
}
