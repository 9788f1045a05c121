package cli

import (
	"bytes"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/scalefit/scalefit/schema"
)

// scalefitErr runs the command line in-process and returns its stdout, its stderr and the error the command returned.
func scalefitErr(t *testing.T, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	var out, errOut bytes.Buffer
	err = App(&out, &errOut).Run(interspersed(append([]string{"scalefit"}, args...)))
	return out.String(), errOut.String(), err
}

// hostileRun writes the run of cmpTestRun (3 layers, 4 sequences, attn, mlp and combined) with edit applied to its
// rows.
func hostileRun(t *testing.T, dir, name string, edit func(rows []schema.Row)) string {
	t.Helper()
	g := []float64{0.5, 0.8, 1.2}
	path := cmpTestRun(t, dir, name, 1e8, map[string][]float64{"attn": g, "mlp": g, "combined": g})
	run, err := schema.Read(path)
	if err != nil {
		t.Fatal(err)
	}
	edit(run.Rows)
	if err := schema.Write(path, run); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestAnalysisHostileRuns gives every analysis command run files that lie: a 16 KB file that declares n_layers = 1e9
// or a sequence index of 2e9 made summary, fit, compare, report, plot and export --summary die with "fatal error: out
// of memory"; a NaN gain was silently left out of the metrics. Each must now end in one error line naming the file.
func TestAnalysisHostileRuns(t *testing.T) {
	dir := t.TempDir()
	good := hostileRun(t, dir, "good", func([]schema.Row) {})
	good2 := hostileRun(t, dir, "good2", func(rows []schema.Row) {
		for i := range rows {
			rows[i].NParams = 4e8
		}
	})
	runs := map[string]struct {
		path, want string
	}{
		"n_layers 1e9": {hostileRun(t, dir, "layers", func(rows []schema.Row) {
			for i := range rows {
				rows[i].NLayers = 1e9
			}
		}), "no row for layer 3, attn, seq 0 (the run declares 1000000000 layers and 4 sequences, 36 rows for 4000000000 cells)"},
		"seq 2e9": {hostileRun(t, dir, "seq", func(rows []schema.Row) { rows[7].Seq = 2e9 }), "(the run declares 3 layers and 2000000001 sequences"},
		"NaN gain": {hostileRun(t, dir, "nan", func(rows []schema.Row) {
			for i := range rows {
				if rows[i].Layer == 1 && rows[i].Component == "mlp" && rows[i].Seq == 2 {
					rows[i].GainMean = math.NaN()
				}
			}
		}), `layer 1, mlp, seq 2: gain_mean is NaN`},
		"infinite gain": {hostileRun(t, dir, "inf", func(rows []schema.Row) { rows[0].GainMean = math.Inf(1) }), "gain_mean is +Inf"},
	}
	for name, r := range runs {
		if st, _ := os.Stat(r.path); st.Size() > 16<<10 {
			t.Fatalf("%s: the run file has %d bytes, want at most 16 KB", name, st.Size())
		}
		for _, args := range [][]string{
			{"summary", r.path},
			{"fit", good, good2, r.path},
			{"compare", good, r.path},
			{"report", good, r.path, "--out", filepath.Join(dir, "report.md"), "--resamples", "10"},
			{"plot", good, r.path, "--out", filepath.Join(dir, "figure.png"), "--resamples", "10"},
			{"export", "--summary", good, r.path, "--out", filepath.Join(dir, "summary.csv")},
		} {
			_, _, err := scalefitErr(t, args...)
			if err == nil || !strings.Contains(err.Error(), r.path) || !strings.Contains(err.Error(), r.want) || strings.Contains(err.Error(), "\n") {
				t.Errorf("%s: scalefit %s: %v, want one line naming %s and saying %q", name, args[0], err, r.path, r.want)
			}
		}
	}
}

// TestFitSameModelTwice: the same (model, revision) given twice to fit counted twice in the regression; like report,
// fit refuses it and names both files.
func TestFitSameModelTwice(t *testing.T) {
	dir := t.TempDir()
	g := []float64{0.5, 0.8, 1.2}
	a := cmpTestRun(t, dir, "a", 1e8, map[string][]float64{"mlp": g})
	b := cmpTestRun(t, dir, "b", 4e8, map[string][]float64{"mlp": g})
	c := cmpTestRun(t, dir, "c", 1e9, map[string][]float64{"mlp": g})
	other := filepath.Join(t.TempDir(), "b.parquet")
	data, _ := os.ReadFile(b)
	os.WriteFile(other, data, 0o644)
	for _, args := range [][]string{{"fit", a, b, b, c}, {"fit", a, b, other, c}} {
		_, _, err := scalefitErr(t, args...)
		if err == nil || !strings.Contains(err.Error(), `model "b" appears twice (`+b+" and "+args[3]+")") {
			t.Errorf("scalefit %s: %v", strings.Join(args, " "), err)
		}
	}
	mustScalefit(t, "fit", a, b, c)
}

// TestNoCommandOverwritesInput: report R1 R2 --out R2 and fit A B --out A.parquet wrote over a run file. Every
// command that writes a file now refuses an output that is one of its inputs, before any work, and leaves it as it
// was.
func TestNoCommandOverwritesInput(t *testing.T) {
	dir := t.TempDir()
	g := []float64{0.5, 0.8, 1.2}
	r1 := cmpTestRun(t, dir, "r1", 1e8, map[string][]float64{"attn": g, "mlp": g, "combined": g})
	r2 := cmpTestRun(t, dir, "r2", 4e8, map[string][]float64{"attn": g, "mlp": g, "combined": g})
	r3 := cmpTestRun(t, dir, "r3", 1e9, map[string][]float64{"attn": g, "mlp": g, "combined": g})
	points := filepath.Join(dir, "points.json") // a CSV file, named so that fit --out may name it too
	os.WriteFile(points, []byte("model,x,y\np1,1e8,1\np2,1e9,2\n"), 0o644)
	text := filepath.Join(dir, "text.txt")
	os.WriteFile(text, []byte("hello world\n"), 0o644)
	// A second name for r2, through a symbolic link: still the same file.
	link := filepath.Join(dir, "link.parquet")
	if err := os.Symlink(r2, link); err != nil {
		t.Fatal(err)
	}
	// fit --out P writes P and P.predictions.parquet: the second may be an input too.
	predIn := filepath.Join(dir, "fitout.predictions.parquet")
	os.WriteFile(predIn, []byte("not yet read"), 0o644)
	tests := []struct {
		args  []string
		input string
	}{
		{[]string{"report", r1, r2, "--out", r2}, r2},
		{[]string{"fit", r1, r2, r3, "--out", r1}, r1},
		{[]string{"fit", r1, r2, r3, "--out", link}, r2},
		{[]string{"fit", r1, r2, r3, predIn, "--out", filepath.Join(dir, "fitout.parquet")}, predIn},
		{[]string{"fit", r1, r2, r3, "--out", filepath.Join(dir, "fit.json"), "--out", r3}, r3},
		{[]string{"fit", "--points", points, "--out", points}, points},
		{[]string{"compare", r1, r2, "--out", r1}, r1},
		{[]string{"export", r1, r2, "--out", r2, "--format", "parquet"}, r2},
		{[]string{"tokenize", "--text", text, "--tokenizer", "../testdata/tokenizer/tiny-gpt2.json", "--out", text}, text},
	}
	for _, tt := range tests {
		before, _ := os.ReadFile(tt.input)
		_, _, err := scalefitErr(t, tt.args...)
		if err == nil || !strings.Contains(err.Error(), "is also an input of this command") {
			t.Errorf("scalefit %s: %v, want a refusal", strings.Join(tt.args, " "), err)
		}
		if after, _ := os.ReadFile(tt.input); !bytes.Equal(before, after) {
			t.Errorf("scalefit %s changed its input %s", strings.Join(tt.args, " "), tt.input)
		}
	}
}

// TestOutputCheckedBeforeWork: a --out that is a directory, or in a directory that cannot be created or written, was
// found only after the whole model had run. Now each is refused first: with a backend that does not exist, the error
// is still about --out.
func TestOutputCheckedBeforeWork(t *testing.T) {
	dir := t.TempDir()
	model := bosModel(t)
	tokens := filepath.Join(dir, "tokens.jsonl")
	os.WriteFile(tokens, []byte("[1,2,3,4]\n"), 0o644)
	asDir := func(name string) string {
		d := filepath.Join(dir, name)
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		return d
	}
	run := func(out string) []string {
		return []string{"run", "--model", model, "--tokens", tokens, "--backend", filepath.Join(dir, "no-such-backend"), "--out", out}
	}
	for _, tt := range []struct {
		args []string
		want string
	}{
		{run(asDir("run.parquet")), "is a directory"},
		{run("/proc/run.parquet"), "directory /proc is not writable"}, // not even for root
		{run(tokens + "/x.parquet"), "cannot create directory " + tokens},
		{[]string{"report", "--out", "/proc/r.md", "x.parquet"}, "directory /proc is not writable"},
		{[]string{"plot", "--out", asDir("figure.png"), "x.parquet"}, "is a directory"},
	} {
		_, _, err := scalefitErr(t, tt.args...)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("scalefit %s: %v, want %q", strings.Join(tt.args, " "), err, tt.want)
		}
	}
	// An existing output is announced, and replaced only on success.
	g := []float64{0.5, 0.8, 1.2}
	r1 := cmpTestRun(t, dir, "r1", 1e8, map[string][]float64{"attn": g, "mlp": g, "combined": g})
	out := filepath.Join(dir, "report.md")
	os.WriteFile(out, []byte("earlier report"), 0o644)
	_, stderr, err := scalefitErr(t, "report", r1, "--out", out, "--resamples", "10")
	if err != nil || !strings.Contains(stderr, "note: "+out+" exists; it will be replaced") {
		t.Errorf("report over an existing file: %v, stderr %q", err, stderr)
	}
	if b, _ := os.ReadFile(out); !strings.HasPrefix(string(b), "#") {
		t.Errorf("the report did not replace the earlier file: %.40q", b)
	}
}

// TestPlotTinyGains: a subnormal gain (5e-324) stretched the log axis until its lower end was 0, and gonum/plot
// panicked ("Values must be greater than 0 for a log scale"). It is drawn now, at the bottom of an axis of at most
// twelve decades; a gain of 0, which no log axis can show, is refused in one line.
func TestPlotTinyGains(t *testing.T) {
	dir := t.TempDir()
	for _, tiny := range []float64{5e-324, 0} {
		sub := hostileRun(t, dir, "tiny", func(rows []schema.Row) {
			for i := range rows {
				if rows[i].Layer == 1 && rows[i].Component == "attn" {
					rows[i].GainMean = tiny
				}
				rows[i].NParams = 4e8
			}
		})
		good := hostileRun(t, dir, "good", func([]schema.Row) {})
		out := filepath.Join(dir, "figure.png")
		os.Remove(out)
		_, _, err := scalefitErr(t, "plot", sub, good, "--out", out, "--resamples", "20")
		if tiny == 0 {
			if err == nil || !strings.Contains(err.Error(), "gain at x = 1 is 0; a log axis needs finite gains > 0") {
				t.Errorf("gain 0: %v", err)
			}
			continue
		}
		if err != nil {
			t.Errorf("gain %g: %v", tiny, err)
		}
		if st, err := os.Stat(out); err != nil || st.Size() < 1000 {
			t.Errorf("gain %g: no figure", tiny)
		}
	}
}

// TestSynthMicro: synth --preset micro, which the README lists, failed (vocab size 256 is below 257, the embedded
// byte-level tokenizer's minimum). It writes a model now, and the model runs.
func TestSynthMicro(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "micro")
	mustScalefit(t, "synth", "--preset", "micro", "--out", dir)
	out := filepath.Join(t.TempDir(), "micro.parquet")
	mustScalefit(t, "run", "--model", dir, "--corpus", "mixed", "--max-tokens", "256", "--seq-len", "64", "--out", out, "-q")
	if _, err := schema.Read(out); err != nil {
		t.Fatal(err)
	}
}

// TestSynthFailureLeavesNothing: a synth that failed after creating --out left an empty directory, and its parents.
// It builds the model under a temporary name now, and removes that and any directory it created when it fails.
func TestSynthFailureLeavesNothing(t *testing.T) {
	root := t.TempDir()
	for _, args := range [][]string{
		{"--preset", "micro", "--heads", "5"},   // 32 is not a multiple of 5
		{"--preset", "micro", "--vocab", "100"}, // below the tokenizer's 257
		{"--preset", "micro", "--dtype", "f8"},
	} {
		out := filepath.Join(root, "new", "parent", "model")
		_, _, err := scalefitErr(t, append([]string{"synth", "--out", out}, args...)...)
		if err == nil {
			t.Errorf("synth %v: no error", args)
		}
		if ents, _ := os.ReadDir(root); len(ents) != 0 {
			t.Errorf("synth %v left %v behind", args, ents)
		}
	}
	// An existing empty directory may be given; it is filled only when the model is complete.
	empty := filepath.Join(root, "empty")
	os.Mkdir(empty, 0o755)
	if _, _, err := scalefitErr(t, "synth", "--preset", "micro", "--heads", "5", "--out", empty); err == nil {
		t.Error("synth --heads 5: no error")
	}
	if ents, _ := os.ReadDir(root); len(ents) != 1 {
		t.Errorf("a failed synth into an empty directory left %v", ents)
	}
	mustScalefit(t, "synth", "--preset", "micro", "--out", empty)
	if _, err := os.Stat(filepath.Join(empty, "config.json")); err != nil {
		t.Error(err)
	}
}

// TestLongInputsRefused: a sequence longer than max_position_embeddings went to the plugin, and one 10M-token line
// grew it to 20 GB. The host refuses it before the plugin starts (here, a backend that does not exist is never
// reached), naming the line and the length, and so a --seq-len above the limit; --allow-long-sequences runs them.
func TestLongInputsRefused(t *testing.T) {
	dir := t.TempDir()
	model := filepath.Join(dir, "micro")
	mustScalefit(t, "synth", "--preset", "micro", "--out", model) // max_position_embeddings 2048
	tokens := filepath.Join(dir, "tokens.jsonl")
	long := strings.Repeat("5,", 2048) + "5"
	os.WriteFile(tokens, []byte("[1,2,3]\n\n["+long+"]\n"), 0o644)
	out := filepath.Join(dir, "run.parquet")
	nowhere := filepath.Join(dir, "no-such-backend")
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"--tokens", tokens}, "load tokens " + tokens + ": line 3: a sequence of 2049 tokens, more than the model's max_position_embeddings of 2048; give --allow-long-sequences to run it anyway"},
		{[]string{"--corpus", "mixed", "--seq-len", "4096"}, "--seq-len 4096 is above the model's max_position_embeddings of 2048; give a shorter --seq-len, or --allow-long-sequences to run it anyway"},
	} {
		_, _, err := scalefitErr(t, append([]string{"run", "--model", model, "--out", out, "--backend", nowhere}, tt.args...)...)
		if err == nil || err.Error() != tt.want {
			t.Errorf("%v: error %v, want %q", tt.args, err, tt.want)
		}
	}
	mustScalefit(t, "run", "--model", model, "--tokens", tokens, "--out", out, "--allow-long-sequences", "-q")
	run, err := schema.Read(out)
	if err != nil || run.Rows[len(run.Rows)-1].NTokens != 2049 {
		t.Errorf("--allow-long-sequences: %v", err)
	}
}

// TestPluginLog: a plugin that crashed printed its panic trace and go-plugin's "[ERROR] plugin process exited" and
// "[WARN] plugin failed to exit gracefully" on the user's screen. Now the user sees one line that names the backend
// and the cause; the rest goes to --log-file or, with --verbose, to stderr.
func TestPluginLog(t *testing.T) {
	t.Setenv(envFakeBackend, "1") // the re-executed test binary serves backendtest.Fake
	dir := t.TempDir()
	model := filepath.Join(dir, "micro")
	mustScalefit(t, "synth", "--preset", "micro", "--out", model)
	tokens := filepath.Join(dir, "tokens.jsonl")
	os.WriteFile(tokens, []byte("[1,2,3,4]\n"), 0o644)
	logFile := filepath.Join(dir, "plugin.log")
	run := func(extra ...string) (string, error) {
		args := append([]string{"run", "--model", model, "--name", "crash", "--tokens", tokens, "--out", filepath.Join(dir, "r.parquet"), "-q"}, extra...)
		_, stderr, err := scalefitErr(t, args...)
		return stderr, err
	}
	want := `run crash on fake: backend "cpu": the plugin process exited during the call (its last words: "panic: fake crash on a goroutine")`
	for _, extra := range [][]string{nil, {"--log-file", logFile}, {"--verbose"}} {
		stderr, err := run(extra...)
		if err == nil || !strings.HasPrefix(err.Error(), want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%v: error %v, want one line starting %q", extra, err, want)
		}
		shown := strings.Contains(stderr, "goroutine ") && strings.Contains(stderr, "plugin process exited")
		if verbose := len(extra) > 0 && extra[0] == "--verbose"; shown != verbose {
			t.Errorf("%v: the trace and go-plugin's lines on stderr: %v, want %v (stderr %q)", extra, shown, verbose, stderr)
		}
	}
	b, err := os.ReadFile(logFile)
	if err != nil || !strings.Contains(string(b), "panic: fake crash on a goroutine") || !strings.Contains(string(b), "plugin process exited") {
		t.Errorf("--log-file holds %q (%v)", b, err)
	}
}
