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
