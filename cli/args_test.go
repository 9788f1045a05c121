package cli

import (
	"reflect"
	"testing"
)

func TestInterspersed(t *testing.T) {
	for _, tc := range []struct{ in, want []string }{
		{[]string{"scalefit", "summary", "a.parquet", "--json"}, []string{"scalefit", "summary", "--json", "--", "a.parquet"}},
		{[]string{"scalefit", "run", "--model", "m", "--out", "o.parquet", "--quiet"}, []string{"scalefit", "run", "--model", "m", "--out", "o.parquet", "--quiet"}},
		{[]string{"scalefit", "summary", "a.parquet", "--json", "--", "-odd.parquet"}, []string{"scalefit", "summary", "--json", "--", "a.parquet", "-odd.parquet"}},
		{[]string{"scalefit", "synth", "--out=x", "--sequential", "--seed", "3"}, []string{"scalefit", "synth", "--out=x", "--sequential", "--seed", "3"}},
		{[]string{"scalefit", "fit", "a.parquet", "--help"}, []string{"scalefit", "fit", "--help"}},
		{[]string{"scalefit", "nope", "a", "--b"}, []string{"scalefit", "nope", "a", "--b"}},
	} {
		if got := interspersed(tc.in); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("interspersed(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
