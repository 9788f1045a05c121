package cli

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
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
		{[]string{"nope"}, `unknown command "nope" (see scalefit help)`},
		{[]string{"run", "--bogus"}, "run: flag provided but not defined: -bogus (see scalefit help run)"},
		{[]string{"fit", "--y"}, "fit: flag needs an argument: -y (see scalefit help fit)"},
		{[]string{"plot", "x.parquet"}, "plot: --out is required (see scalefit help plot)"},
		{[]string{"compare"}, "compare: give at least one run file (see scalefit help compare)"},
		{[]string{"compare", "--json", "x.json"}, "compare: --json prints JSON to stdout and takes no file; write x.json with --out x.json"},
		{[]string{"compare", "--confidence", "2", "x.parquet"}, "compare: --confidence 2: want a level strictly between 0 and 1, like 0.95"},
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

// TestExitCodes checks the process exit status: 0 on success (help included), 2 for a usage error (a mistyped
// command, flag or value, a missing argument or required flag), 1 for a failure of the work itself.
func TestExitCodes(t *testing.T) {
	dir := t.TempDir()
	notRun := filepath.Join(dir, "not-a-run.parquet")
	os.WriteFile(notRun, []byte("not parquet"), 0o644)
	for _, tc := range []struct {
		args []string
		code int
	}{
		{[]string{"help"}, 0},
		{[]string{"help", "fit"}, 0},
		{[]string{"fit", "--help"}, 0},
		{[]string{"nope"}, 2},
		{[]string{"help", "nope"}, 2},
		{[]string{"run", "--bogus"}, 2},
		{[]string{"run", "--model", dir}, 2}, // no --out
		{[]string{"compare"}, 2},
		{[]string{"report", "--confidence", "1.5", notRun}, 2},
		{[]string{"plot", "--out", "x.gif", notRun}, 2},
		{[]string{"summary", notRun}, 1},
	} {
		stdout, stderr := os.Stdout, os.Stderr
		devnull, _ := os.Open(os.DevNull)
		os.Stdout, os.Stderr = devnull, devnull
		code := Main(append([]string{"scalefit"}, tc.args...))
		os.Stdout, os.Stderr = stdout, stderr
		devnull.Close()
		if code != tc.code {
			t.Errorf("scalefit %s: exit %d, want %d", strings.Join(tc.args, " "), code, tc.code)
		}
	}
}
