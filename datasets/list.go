package datasets

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/scalefit/scalefit/internal/textfmt"
)

// Entry is one line of the catalogue that `scalefit datasets` prints.
type Entry struct {
	Kind        string // "corpus", "reference" or "model"
	Name        string
	Description string
}

// List returns the catalogue: the embedded corpora, then the reference sets, then the registered models.
func List() []Entry {
	var out []Entry
	for _, c := range Corpora() {
		desc := fmt.Sprintf("%s; %.1f kB", c.Description, float64(c.Bytes)/1000)
		out = append(out, Entry{"corpus", c.Name, desc})
	}
	for _, r := range References() {
		var names []string
		for _, m := range r.Models {
			names = append(names, m.Model)
		}
		desc := fmt.Sprintf("%s: %s; source: %s", strings.Join(names, ", "), r.Description, r.Provenance)
		out = append(out, Entry{"reference", r.Name, desc})
	}
	for _, m := range Models() {
		desc := fmt.Sprintf("%s, %s params (%s non-embedding), %d layers, d=%d", m.Architecture,
			textfmt.GroupDigits(m.Params), textfmt.GroupDigits(m.ParamsNonembed), m.Layers, m.Hidden)
		out = append(out, Entry{"model", m.Name, desc})
	}
	return out
}

// WriteList writes the catalogue as an aligned table with a header.
func WriteList(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "KIND\tNAME\tDESCRIPTION")
	for _, e := range List() {
		fmt.Fprintf(tw, "%s\t%s\t%s\n", e.Kind, e.Name, e.Description)
	}
	return tw.Flush()
}
