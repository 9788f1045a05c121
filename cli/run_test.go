package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/scalefit/scalefit/schema"
)

// TestRunErrors drives scalefit run through the real plugin on bad inputs: each gives one line naming the problem,
// and none touches an earlier run file at --out.
func TestRunErrors(t *testing.T) {
	dir := t.TempDir()
	model := filepath.Join(dir, "tiny")
	mustScalefit(t, "synth", "--preset", "tiny", "--out", model)
	broken := filepath.Join(dir, "broken")
	mustScalefit(t, "synth", "--preset", "tiny", "--out", broken)
	st := filepath.Join(broken, "model.safetensors")
	info, _ := os.Stat(st)
	os.Truncate(st, info.Size()/2)

	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		os.WriteFile(p, []byte(content), 0o644)
		return p
	}
	good := write("good.jsonl", "[1,2,3,4]\n[5,6,7]\n")
	out := filepath.Join(dir, "earlier.parquet")
	mustScalefit(t, "run", "--model", model, "--tokens", good, "--out", out, "--quiet")
	before, _ := os.ReadFile(out)

	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"token past vocab", []string{"--model", model, "--tokens", write("big.jsonl", "[1,2]\n\n[3,512]\n")}, "line 3: element 1: token id 512 is outside the model's vocabulary of 512 tokens"},
		{"malformed line", []string{"--model", model, "--tokens", write("bad.jsonl", "[1,2]\n[3,\n")}, "line 2: malformed JSON"},
		{"empty file", []string{"--model", model, "--tokens", write("empty.jsonl", "")}, "no sequences"},
		{"skip-first eats a sequence", []string{"--model", model, "--tokens", good, "--skip-first", "3"}, "sequence 1 has 3 tokens, none left after --skip-first 3"},
		{"bad gelu", []string{"--model", model, "--tokens", good, "--gelu", "relu"}, `--gelu "relu": want erf or tanh`},
		{"truncated checkpoint", []string{"--model", broken, "--tokens", good}, "model.safetensors"},
		{"missing model", []string{"--model", filepath.Join(dir, "nope"), "--tokens", good}, "no such directory"},
		{"two inputs", []string{"--model", model, "--tokens", good, "--corpus", "mixed"}, "give exactly one input"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := scalefit(t, append(append([]string{"run"}, tc.args...), "--out", out, "--quiet")...)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error = %v, want it to contain %q", err, tc.want)
			}
			if strings.Contains(err.Error(), "\n") || strings.Contains(err.Error(), "goroutine") {
				t.Errorf("error is not one line: %q", err)
			}
			after, _ := os.ReadFile(out)
			if string(after) != string(before) {
				t.Errorf("the earlier run file at --out changed")
			}
		})
	}
	if _, err := schema.Read(out); err != nil {
		t.Errorf("earlier run file no longer reads: %v", err)
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.Contains(e.Name(), ".tmp-") {
			t.Errorf("temporary file left behind: %s", e.Name())
		}
	}
}

// TestRunProvenance runs a checkpoint found in a fake HF cache at a revision given by its short commit hash, into a
// directory that does not exist yet, and checks that the run file says enough to make the same measurement again:
// hub id, revision, full commit, weight dtype, dataset by name with its SHA-256, window length, token cap, tokenizer
// by model id with its SHA-256, and that the checkpoint is a synth control.
func TestRunProvenance(t *testing.T) {
	cache := t.TempDir()
	t.Setenv("HF_HUB_CACHE", cache)
	repo := filepath.Join(cache, "models--EleutherAI--pythia-tiny")
	commit := "0123456789abcdef0123456789abcdef01234567"
	snap := filepath.Join(repo, "snapshots", commit)
	mustScalefit(t, "synth", "--preset", "tiny", "--dtype", "bf16", "--out", snap)
	os.MkdirAll(filepath.Join(repo, "refs"), 0o755)
	os.WriteFile(filepath.Join(repo, "refs", "step1000"), []byte(commit), 0o644)
	dir := t.TempDir()
	text := filepath.Join(dir, "corpus.txt")
	os.WriteFile(text, []byte(strings.Repeat("The quick brown fox jumps over the lazy dog. ", 40)), 0o644)
	out := filepath.Join(dir, "runs", "new", "tiny.parquet") // runs/new does not exist
	mustScalefit(t, "run", "--model", "EleutherAI/pythia-tiny", "--revision", "0123456", "--text", text, "--seq-len", "64",
		"--max-tokens", "256", "--out", out, "--quiet")
	run, err := schema.Read(out)
	if err != nil {
		t.Fatal(err)
	}
	m := run.Meta
	for key, want := range map[string]string{
		schema.MetaHubID: "EleutherAI/pythia-tiny", schema.MetaRevision: "0123456", schema.MetaCommit: commit,
		schema.MetaWeightDType: "BF16", schema.MetaDataset: "corpus.txt", schema.MetaSeqLen: "64", schema.MetaMaxTokens: "256",
		schema.MetaTokenizer: "EleutherAI/pythia-tiny tokenizer.json", schema.MetaSynthetic: "true",
	} {
		if m[key] != want {
			t.Errorf("%s = %q, want %q", key, m[key], want)
		}
	}
	textSum, _ := fileSHA256(text)
	tokSum, _ := fileSHA256(filepath.Join(snap, "tokenizer.json"))
	if m[schema.MetaDatasetSHA256] != textSum || m[schema.MetaTokenizerSHA256] != tokSum || len(textSum) != 64 {
		t.Errorf("dataset SHA-256 %q (want %q), tokenizer SHA-256 %q (want %q)", m[schema.MetaDatasetSHA256], textSum, m[schema.MetaTokenizerSHA256], tokSum)
	}
	for k, v := range m {
		if k != schema.MetaConfig && strings.Contains(v, dir) {
			t.Errorf("%s records an absolute path: %q", k, v)
		}
	}
	if run.Rows[0].Model != "EleutherAI/pythia-tiny" || run.Rows[0].Revision != "0123456" {
		t.Errorf("rows name %s@%s", run.Rows[0].Model, run.Rows[0].Revision)
	}
	// --revision with a local directory is an error, not a silent label.
	if _, err := scalefit(t, "run", "--model", snap, "--revision", "step1000", "--text", text, "--out", out); err == nil || !strings.Contains(err.Error(), "is a local directory") {
		t.Errorf("--revision with a directory: %v", err)
	}
}

// TestRunRecordsActivation: without --gelu the run uses and records the config's activation (GPT-NeoX-20B's
// "gelu_fast" is the tanh form); --gelu replaces it and is recorded instead.
func TestRunRecordsActivation(t *testing.T) {
	dir := t.TempDir()
	model := filepath.Join(dir, "tiny")
	mustScalefit(t, "synth", "--preset", "tiny", "--layers", "1", "--out", model)
	cfgPath := filepath.Join(model, "config.json")
	cfg, _ := os.ReadFile(cfgPath)
	os.WriteFile(cfgPath, []byte(strings.Replace(string(cfg), `"hidden_act": "gelu"`, `"hidden_act": "gelu_fast"`, 1)), 0o644)
	tokens := filepath.Join(dir, "t.jsonl")
	os.WriteFile(tokens, []byte("[1,2,3,4]\n"), 0o644)
	gains := map[string]float64{}
	for _, tc := range []struct{ flag, want string }{{"", "tanh"}, {"tanh", "tanh"}, {"erf", "erf"}} {
		out := filepath.Join(dir, "run-"+tc.flag+".parquet")
		args := []string{"run", "--model", model, "--tokens", tokens, "--out", out, "--quiet"}
		if tc.flag != "" {
			args = append(args, "--gelu", tc.flag)
		}
		mustScalefit(t, args...)
		run, err := schema.Read(out)
		if err != nil {
			t.Fatal(err)
		}
		if got := run.Meta[schema.MetaGELU]; got != tc.want {
			t.Errorf("--gelu %q: recorded %q, want %q", tc.flag, got, tc.want)
		}
		for _, r := range run.Rows {
			if r.Component == string(schema.ComponentMLP) && r.Layer == 0 {
				gains[tc.flag] = r.GainMean
			}
		}
	}
	if gains[""] != gains["tanh"] || gains["erf"] == gains["tanh"] {
		t.Errorf("mlp gains %v: the default must run tanh, and erf must differ", gains)
	}
}
