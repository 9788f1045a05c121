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

// TestUsageErrors: a mistyped command or flag is one line pointing at the help, with no help page dumped.
func TestUsageErrors(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"nope"}, `unknown command "nope" (see scalefit --help)`},
		{[]string{"run", "--bogus"}, "run: flag provided but not defined: -bogus (see scalefit run --help)"},
		{[]string{"fit", "--y"}, "fit: flag needs an argument: -y (see scalefit fit --help)"},
	} {
		out, err := scalefit(t, tc.args...)
		if err == nil || err.Error() != tc.want {
			t.Errorf("scalefit %v: error %v, want %q", tc.args, err, tc.want)
		}
		if out != "" {
			t.Errorf("scalefit %v printed %q; want nothing on stdout", tc.args, out)
		}
	}
}
