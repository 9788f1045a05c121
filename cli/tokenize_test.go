package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/scalefit/scalefit/schema"
)

// bosModel writes a random-init model whose tokenizer adds a BOS: tiny-gpt2.json (with <|endoftext|> = 267,
// "the" = [83 257], " the" = 258) and a tokenizer_config.json with add_bos_token, as Llama and Gemma ship it.
func bosModel(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "bos")
	mustScalefit(t, "synth", "--preset", "tiny", "--out", dir)
	tj, err := os.ReadFile("../testdata/tokenizer/tiny-gpt2.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "tokenizer.json"), tj, 0o644); err != nil {
		t.Fatal(err)
	}
	cfg := `{"add_bos_token": true, "add_eos_token": false, "bos_token": "<|endoftext|>", "eos_token": "<|endoftext|>"}`
	if err := os.WriteFile(filepath.Join(dir, "tokenizer_config.json"), []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

func writeTemp(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestTokenize checks the ids, the windows and the errors of scalefit tokenize on a tokenizer with a BOS.
func TestTokenize(t *testing.T) {
	model := bosModel(t)
	dir := t.TempDir()
	text := writeTemp(t, dir, "the.txt", "the the the the")
	jsonl := writeTemp(t, dir, "docs.jsonl", `{"text": "the the"}`+"\n"+`{"text": ""}`+"\n"+`{"text": " the"}`+"\n")
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		// tok.encode(text): the BOS, then "the" [83 257] and " the" three times.
		{"text", []string{"--model", model, "--text", text}, "[267,83,257,258,258,258]\n"},
		{"no special tokens", []string{"--model", model, "--text", text, "--no-special-tokens"}, "[83,257,258,258,258]\n"},
		// Windows of 3 tokens hold the BOS and 2 ids of text; the tail of 1 id is dropped, as run drops it.
		{"windows", []string{"--model", model, "--text", text, "--seq-len", "3"}, "[267,83,257]\n[267,258,258]\n"},
		// One line per record; the empty record still gets its BOS.
		{"jsonl", []string{"--tokenizer", filepath.Join(model, "tokenizer.json"), "--jsonl", jsonl},
			"[267,83,257,258]\n[267]\n[267,258]\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := mustScalefit(t, append([]string{"tokenize"}, tc.args...)...); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}

	// --out writes the same lines atomically, and run --tokens reads them.
	out := filepath.Join(dir, "ids.jsonl")
	if got := mustScalefit(t, "tokenize", "--model", model, "--jsonl", jsonl, "--no-special-tokens", "--out", out); got != "" {
		t.Errorf("stdout %q with --out", got)
	}
	if b, _ := os.ReadFile(out); string(b) != "[83,257,258]\n[258]\n" {
		t.Errorf("--out holds %q", b)
	}
	checkNoTemporaries(t, dir)

	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"no tokenizer", []string{"--text", text}, "give --model or --tokenizer"},
		{"both", []string{"--model", model, "--tokenizer", "x.json", "--text", text}, "not both"},
		{"two inputs", []string{"--model", model, "--text", text, "--corpus", "mixed"}, "give exactly one input"},
		{"no input", []string{"--model", model}, "give exactly one input"},
		{"window too short", []string{"--model", model, "--text", text, "--seq-len", "2"}, "--seq-len 2: a window of 2 tokens leaves no room"},
		{"negative window", []string{"--model", model, "--text", text, "--seq-len", "-1"}, "--seq-len -1: must be ≥ 0"},
		{"missing tokenizer", []string{"--tokenizer", filepath.Join(dir, "nope.json"), "--text", text}, "nope.json"},
		{"bad out dir", []string{"--model", model, "--text", text, "--out", filepath.Join(text, "no", "x.jsonl")}, "cannot create directory"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := scalefit(t, append([]string{"tokenize"}, tc.args...)...)
			if err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "\n") {
				t.Fatalf("error = %v, want one line containing %q", err, tc.want)
			}
		})
	}
}

// TestTokenizeReference checks that scalefit tokenize writes the ids of the reference implementation
// (testdata/tokenizer/gen.mjs) for the real Llama-2 and Gemma-3 tokenizer.json files, with and without special
// tokens.
func TestTokenizeReference(t *testing.T) {
	modules := os.Getenv("SCALEFIT_NODE_MODULES")
	if modules == "" {
		modules = "../testdata/node/node_modules"
	}
	for _, name := range []string{"llama2", "gemma3"} {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(modules, "@lenml", "tokenizer-"+name, "models", "tokenizer.json")
			if _, err := os.Stat(path); err != nil {
				requireReference(t, "@lenml/tokenizer-"+name)
			}
			data, err := os.ReadFile("../testdata/tokenizer/" + name + "_expected.json")
			if err != nil {
				t.Fatal(err)
			}
			var g struct {
				Cases []struct {
					Name, Text string
					IDs        []int32
					IDsSpecial []int32 `json:"ids_special"`
				}
			}
			if err := json.Unmarshal(data, &g); err != nil {
				t.Fatal(err)
			}
			// Every text case but the empty one, one record per line.
			var records, plain, special strings.Builder
			for _, c := range g.Cases {
				if strings.HasPrefix(c.Name, "corpus_") || c.Text == "" {
					continue
				}
				rec, _ := json.Marshal(map[string]string{"body": c.Text})
				records.Write(append(rec, '\n'))
				plain.WriteString(idLine(c.IDs))
				special.WriteString(idLine(c.IDsSpecial))
			}
			jsonl := writeTemp(t, t.TempDir(), "cases.jsonl", records.String())
			args := []string{"tokenize", "--tokenizer", path, "--jsonl", jsonl, "--field", "body"}
			if got := mustScalefit(t, args...); got != special.String() {
				t.Errorf("with special tokens: the output differs from %s_expected.json", name)
			}
			if got := mustScalefit(t, append(args, "--no-special-tokens")...); got != plain.String() {
				t.Errorf("without special tokens: the output differs from %s_expected.json", name)
			}
		})
	}
}

func idLine(ids []int32) string {
	b, _ := json.Marshal(ids)
	return string(b) + "\n"
}

// TestRunBOS checks that run encodes text as tok.encode(text) does, each window starting with the BOS, and
// records in the run file whether the sequences start with it.
func TestRunBOS(t *testing.T) {
	model := bosModel(t)
	dir := t.TempDir()
	text := writeTemp(t, dir, "the.txt", "the the the the")
	withBOS := writeTemp(t, dir, "bos.jsonl", "[267,83,257]\n[267,258,258]\n")
	without := writeTemp(t, dir, "plain.jsonl", "[83,257]\n[258,258]\n")
	for _, tc := range []struct {
		name      string
		args      []string
		bos       string
		seqs, tok int
	}{
		// Windows of 3 with the BOS: [267 83 257], [267 258 258]; the last 258 is dropped.
		{"text", []string{"--text", text, "--seq-len", "3"}, "267", 2, 6},
		// Without it, in windows of 2: [83 257], [258 258]; the last 258 is dropped.
		{"no special tokens", []string{"--text", text, "--seq-len", "2", "--no-special-tokens"}, "none", 2, 4},
		{"tokens with bos", []string{"--tokens", withBOS}, "267", 2, 6},
		{"tokens without", []string{"--tokens", without}, "none", 2, 4},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := filepath.Join(dir, strings.ReplaceAll(tc.name, " ", "_")+".parquet")
			mustScalefit(t, append([]string{"run", "--model", model, "--out", out, "--quiet"}, tc.args...)...)
			run, err := schema.Read(out)
			if err != nil {
				t.Fatal(err)
			}
			if got := run.Meta[schema.MetaBOS]; got != tc.bos {
				t.Errorf("%s = %q, want %q", schema.MetaBOS, got, tc.bos)
			}
			seqs, tokens := 0, 0
			for _, r := range run.Rows {
				if r.Layer == 0 && r.Component == string(schema.ComponentAttn) {
					seqs++
					tokens += int(r.NTokens)
				}
			}
			if seqs != tc.seqs || tokens != tc.tok {
				t.Errorf("%d sequences, %d tokens; want %d, %d", seqs, tokens, tc.seqs, tc.tok)
			}
		})
	}
	// A token file for a model without a tokenizer.json records that the BOS is unknown.
	os.Remove(filepath.Join(model, "tokenizer.json"))
	out := filepath.Join(dir, "unknown.parquet")
	mustScalefit(t, "run", "--model", model, "--tokens", withBOS, "--out", out, "--quiet")
	run, err := schema.Read(out)
	if err != nil {
		t.Fatal(err)
	}
	if got := run.Meta[schema.MetaBOS]; got != "unknown" {
		t.Errorf("without tokenizer.json: %s = %q, want unknown", schema.MetaBOS, got)
	}
}
