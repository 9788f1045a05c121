package sweep

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// fixture is a directory with what plans refer to: a tokens file, a text file, two local model directories, and a
// fake hub cache that fakeResolver reads.
type fixture struct {
	dir string
	hub map[string]map[string]string // hub id → revision → snapshot directory
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	f := &fixture{dir: t.TempDir(), hub: map[string]map[string]string{}}
	f.write(t, "data/t.jsonl", "[1,2,3]\n[4,5,6]\n")
	f.write(t, "data/t.txt", "some text\n")
	for _, m := range []string{"models/tiny-a", "models/tiny-b", "other/tiny-a"} {
		f.write(t, m+"/config.json", `{"model_type":"gpt_neox","num_hidden_layers":2}`)
		f.write(t, m+"/model.safetensors", "weights")
	}
	for _, id := range []string{"EleutherAI/pythia-70m", "EleutherAI/pythia-160m"} {
		f.hub[id] = map[string]string{}
		for _, rev := range []string{"step1000", "step2000", "step3000", "main"} {
			snap := f.write(t, fmt.Sprintf("hub/%s/%s/config.json", id, rev), "{}")
			f.hub[id][rev] = filepath.Join(filepath.Dir(snap), "..", "commit-"+rev)
		}
	}
	return f
}

func (f *fixture) write(t *testing.T, rel, content string) string {
	t.Helper()
	p := filepath.Join(f.dir, rel)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func (f *fixture) resolver() Resolver {
	return Resolver{
		Model: func(spec, rev string) (string, string, error) {
			if filepath.IsAbs(spec) {
				if _, err := os.Stat(filepath.Join(spec, "config.json")); err != nil {
					return "", "", fmt.Errorf("model %s: no config.json in the directory", spec)
				}
				return spec, filepath.Base(spec), nil
			}
			revs, ok := f.hub[spec]
			if !ok {
				return "", "", fmt.Errorf("model %s: not a directory, and not in the HF cache", spec)
			}
			snap, ok := revs[rev]
			if !ok {
				return "", "", fmt.Errorf("model %s: revision %q is not in the HF cache", spec, rev)
			}
			return snap, spec, nil
		},
		Backend: func(spec string) error {
			if spec != "cpu" && spec != "vulkan" {
				return fmt.Errorf("backend %q: not found", spec)
			}
			return nil
		},
	}
}

// plan writes a plan file into the fixture and loads it.
func (f *fixture) plan(t *testing.T, name, text string) (*Plan, error) {
	t.Helper()
	return Load(f.write(t, name, text), f.resolver())
}

const goodPlan = `
out = "sweep-out"
[dataset]
tokens = "data/t.jsonl"
[run]
skip_first = 1
max_tokens = 100
[[models]]
model = "EleutherAI/pythia-70m"
revisions = ["step{1000..3000..1000}", "main"]
[[models]]
model = "EleutherAI/pythia-160m"          # no revisions: main
[[models]]
model = "models/tiny-a"                   # a directory, relative to the plan
[slurm]
partition = "gpu"
time = "01:00:00"
cpus = 8
mem = "32G"
gres = "gpu:1"
`

func TestLoadPlan(t *testing.T) {
	f := newFixture(t)
	p, err := f.plan(t, "plan.toml", goodPlan)
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(f.dir, "sweep-out")
	want := []struct{ model, rev, dir, out string }{
		{"EleutherAI/pythia-70m", "step1000", f.hub["EleutherAI/pythia-70m"]["step1000"], "EleutherAI--pythia-70m/step1000.parquet"},
		{"EleutherAI/pythia-70m", "step2000", f.hub["EleutherAI/pythia-70m"]["step2000"], "EleutherAI--pythia-70m/step2000.parquet"},
		{"EleutherAI/pythia-70m", "step3000", f.hub["EleutherAI/pythia-70m"]["step3000"], "EleutherAI--pythia-70m/step3000.parquet"},
		{"EleutherAI/pythia-70m", "main", f.hub["EleutherAI/pythia-70m"]["main"], "EleutherAI--pythia-70m/main.parquet"},
		{"EleutherAI/pythia-160m", "main", f.hub["EleutherAI/pythia-160m"]["main"], "EleutherAI--pythia-160m/main.parquet"},
		{"tiny-a", "", filepath.Join(f.dir, "models/tiny-a"), "tiny-a.parquet"},
	}
	if len(p.Tasks) != len(want) {
		t.Fatalf("%d tasks, want %d: %+v", len(p.Tasks), len(want), p.Tasks)
	}
	hashes := map[string]bool{}
	for i, w := range want {
		task := p.Tasks[i]
		if task.Index != i || task.Model != w.model || task.Revision != w.rev || task.Dir != w.dir || task.Out != filepath.Join(out, w.out) {
			t.Errorf("task %d = %+v, want %+v", i, task, w)
		}
		if len(task.Hash) != 64 || hashes[task.Hash] {
			t.Errorf("task %d: hash %q is not a fresh SHA-256", i, task.Hash)
		}
		hashes[task.Hash] = true
	}
	if p.Tasks[5].ErrorPath() != filepath.Join(out, "tiny-a.error") || p.Tasks[0].LockPath() != filepath.Join(out, "EleutherAI--pythia-70m", "step1000.lock") {
		t.Errorf("error and lock paths: %s, %s", p.Tasks[5].ErrorPath(), p.Tasks[0].LockPath())
	}
	wantRun := RunOptions{SeqLen: DefaultSeqLen, MaxTokens: 100, SkipFirst: 1, GELU: DefaultGELU, Backend: "cpu"}
	if p.Run != wantRun {
		t.Errorf("run options = %+v, want %+v", p.Run, wantRun)
	}
	if p.Dataset.Tokens != filepath.Join(f.dir, "data/t.jsonl") || p.Out != out {
		t.Errorf("paths are not relative to the plan: dataset %s, out %s", p.Dataset.Tokens, p.Out)
	}
	if s := p.Slurm; s.Partition != "gpu" || s.Time != "01:00:00" || s.CPUs != 8 || s.Mem != "32G" || s.Gres != "gpu:1" {
		t.Errorf("slurm = %+v", s)
	}

	// The same plan loaded from another working directory gives the same tasks and hashes.
	wd, _ := os.Getwd()
	defer os.Chdir(wd)
	os.Chdir(t.TempDir())
	p2, err := Load(filepath.Join(f.dir, "plan.toml"), f.resolver())
	if err != nil {
		t.Fatal(err)
	}
	for i := range p.Tasks {
		if p2.Tasks[i] != p.Tasks[i] {
			t.Errorf("task %d differs when loaded from elsewhere: %+v vs %+v", i, p2.Tasks[i], p.Tasks[i])
		}
	}
}

// TestPlanErrors checks that every kind of bad plan fails at once, with a line that names the key.
func TestPlanErrors(t *testing.T) {
	const ds = "out = \"o\"\n[dataset]\ntokens = \"data/t.jsonl\"\n"
	const m = "[[models]]\nmodel = \"models/tiny-a\"\n"
	for _, tc := range []struct {
		name, plan string
		want       []string // each line must appear, in order
	}{
		{"unknown top key", "outt = \"o\"\n" + ds + m, []string{
			`plan.toml:1: outt: unknown key (did you mean out?); the plan takes out, dataset`}},
		{"typo in run", ds + "[run]\nseqlen = 5\n" + m, []string{`plan.toml:5: run.seqlen: unknown key (did you mean seq_len?); [run] takes seq_len`}},
		{"unknown table", ds + m + "[slurm]\ncpu = 4\n[extra]\nx = 1\n", []string{
			`plan.toml:7: slurm.cpu: unknown key (did you mean cpus?)`, `plan.toml:8: extra: unknown key`}},
		{"models key", ds + "[[models]]\nmodel = \"x/y\"\nrevision = [\"a\"]\n", []string{
			`plan.toml:6: models.revision: unknown key (did you mean revisions?); [[models]] takes model, revisions`,
			`plan.toml: models[0].model: model x/y: not a directory, and not in the HF cache`}},
		{"wrong type", ds + "[run]\nseq_len = \"512\"\n" + m, []string{`plan.toml:5: run.seq_len: is a TOML string; want an integer`}},
		{"revisions not a list", ds + "[[models]]\nmodel = \"x/y\"\nrevisions = \"main\"\n", []string{`models.revisions: is a TOML string; want an array of strings`}},
		{"syntax", "out = \n", []string{`plan.toml:1`}},
		{"no out", "[dataset]\ntokens = \"data/t.jsonl\"\n" + m, []string{`plan.toml: out: missing`}},
		{"no dataset", "out = \"o\"\n" + m, []string{`dataset: missing`}},
		{"two datasets", ds + "corpus = \"mixed\"\n" + m, []string{`dataset: give exactly one of corpus, text, tokens or jsonl (got 2: tokens, corpus)`}},
		{"missing file", "out = \"o\"\n[dataset]\ntext = \"nope.txt\"\n" + m, []string{`dataset.text: ` + "FIXTURE/nope.txt: no such file"}},
		{"unknown corpus", "out = \"o\"\n[dataset]\ncorpus = \"nope\"\n" + m, []string{`dataset.corpus: corpus "nope": unknown`}},
		{"field without jsonl", ds + "field = \"body\"\n" + m, []string{`dataset.field: only a jsonl dataset has a field`}},
		{"bad run values", ds + "[run]\nseq_len = 1\nskip_first = -1\ngelu = \"relu\"\nbackend = \"tpu\"\n" + m, []string{
			`run.seq_len: 1: must be ≥ 2`, `run.skip_first: -1: must be ≥ 0`, `run.gelu: "relu": want erf or tanh`, `run.backend: backend "tpu": not found`}},
		{"no models", ds, []string{`models: missing`}},
		{"unknown hub model", ds + "[[models]]\nmodel = \"EleutherAI/pythia-12b\"\n", []string{`models[0].model: model EleutherAI/pythia-12b: not a directory, and not in the HF cache`}},
		{"unknown directory", ds + "[[models]]\nmodel = \"./models/nope\"\n", []string{`models[0].model: "./models/nope": neither a model directory`}},
		{"missing revisions", ds + "[[models]]\nmodel = \"EleutherAI/pythia-70m\"\nrevisions = [\"step{1000..5000..1000}\"]\n", []string{
			`models[0].revisions: 2 of 5 revisions cannot be loaded: step4000, step5000 (first: model EleutherAI/pythia-70m: revision "step4000" is not in the HF cache)`}},
		{"empty range", ds + "[[models]]\nmodel = \"EleutherAI/pythia-70m\"\nrevisions = [\"step{3000..1000..1000}\"]\n", []string{
			`models[0].revisions: "step{3000..1000..1000}": {3000..1000..1000}: empty range`}},
		{"empty revisions", ds + "[[models]]\nmodel = \"EleutherAI/pythia-70m\"\nrevisions = []\n", []string{`models[0].revisions: empty`}},
		{"revision with a slash", ds + "[[models]]\nmodel = \"EleutherAI/pythia-70m\"\nrevisions = [\"refs/pr/1\"]\n", []string{`models[0].revisions: "refs/pr/1": a revision may hold only`}},
		{"revisions of a directory", ds + "[[models]]\nmodel = \"models/tiny-a\"\nrevisions = [\"main\"]\n", []string{`models[0].revisions: a local directory has no revisions`}},
		{"duplicate revision", ds + "[[models]]\nmodel = \"EleutherAI/pythia-70m\"\nrevisions = [\"step1000\", \"step{1000..2000..1000}\"]\n", []string{
			`models[0].revisions: step1000 is listed twice`}},
		{"duplicate model", ds + "[[models]]\nmodel = \"EleutherAI/pythia-70m\"\n[[models]]\nmodel = \"EleutherAI/pythia-70m\"\nrevisions = [\"main\"]\n", []string{
			`models[1]: EleutherAI/pythia-70m@main would write FIXTURE/o/EleutherAI--pythia-70m/main.parquet, which models[0] writes too`}},
		{"duplicate directory name", ds + m + "[[models]]\nmodel = \"other/tiny-a\"\n", []string{
			`models[1]: tiny-a would write FIXTURE/o/tiny-a.parquet, which models[0] writes too`}},
		{"bad slurm", ds + m + "[slurm]\nmem = \"lots\"\ncpus = 0\npartition = \"a b\"\nextra = [\"constraint=x\"]\n", []string{
			`slurm.partition: "a b": want one word`, `slurm.mem: "lots": want a size`, `slurm.cpus: 0: must be ≥ 1`, `slurm.extra[0]: "constraint=x": want one sbatch option`}},
		{"bad k8s", ds + m + "[k8s]\nname = \"Big_Name\"\nclaim = \"data\"\n", []string{`k8s.name: "Big_Name": want a lower-case name`, `k8s.claim: give claim and mount together`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			p, err := f.plan(t, "plan.toml", tc.plan)
			var pe *PlanError
			if !errors.As(err, &pe) || p != nil {
				t.Fatalf("Load = %v, %v; want a *PlanError", p, err)
			}
			got := strings.ReplaceAll(err.Error(), f.dir, "FIXTURE")
			if len(pe.Errs) != len(tc.want) {
				t.Errorf("%d problems, want %d:\n%s", len(pe.Errs), len(tc.want), got)
			}
			lines := strings.Split(got, "\n")
			for i, w := range tc.want {
				if i >= len(lines) || !strings.Contains(lines[i], w) {
					t.Errorf("problem %d: want a line containing\n  %s\ngot:\n%s", i, w, got)
				}
				if i < len(lines) && !strings.HasPrefix(lines[i], "FIXTURE/plan.toml") {
					t.Errorf("line %q does not start with the plan's name", lines[i])
				}
			}
		})
	}
}

// TestPlanPaths checks absolute paths, ~ and relative paths in a plan in another directory.
func TestPlanPaths(t *testing.T) {
	f := newFixture(t)
	home := t.TempDir()
	t.Setenv("HOME", home)
	if err := os.WriteFile(filepath.Join(home, "tok.json"), []byte("{}"), 0o644); err != nil {
		t.Fatal(err)
	}
	plan := fmt.Sprintf(`out = "../runs"
[dataset]
text = %q
[run]
tokenizer = "~/tok.json"
[[models]]
model = "../models/tiny-b"
`, filepath.Join(f.dir, "data/t.txt"))
	p, err := f.plan(t, "plans/p.toml", plan)
	if err != nil {
		t.Fatal(err)
	}
	if p.Out != filepath.Join(f.dir, "runs") || p.Run.Tokenizer != filepath.Join(home, "tok.json") ||
		p.Tasks[0].Dir != filepath.Join(f.dir, "models/tiny-b") || p.Tasks[0].Out != filepath.Join(f.dir, "runs/tiny-b.parquet") {
		t.Errorf("paths: out %s, tokenizer %s, task %+v", p.Out, p.Run.Tokenizer, p.Tasks[0])
	}
}
