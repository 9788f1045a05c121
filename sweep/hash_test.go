package sweep

import (
	"path/filepath"
	"testing"
)

// TestOptionsHash checks that a task's hash changes with everything that changes its numbers, and with nothing else.
func TestOptionsHash(t *testing.T) {
	f := newFixture(t)
	load := func(dataset, run string) []string {
		t.Helper()
		p, err := f.plan(t, "plan.toml", "out = \"o\"\n[dataset]\n"+dataset+"\n[run]\n"+run+"\n"+
			"[[models]]\nmodel = \"EleutherAI/pythia-70m\"\nrevisions = [\"step1000\", \"main\"]\n[[models]]\nmodel = \"models/tiny-a\"\n")
		if err != nil {
			t.Fatal(err)
		}
		var hs []string
		for _, task := range p.Tasks {
			hs = append(hs, task.Hash)
		}
		if hs[0] == hs[1] || hs[1] == hs[2] {
			t.Fatalf("two tasks share a hash: %v", hs)
		}
		return hs
	}
	same := func(what string, a, b []string) {
		t.Helper()
		for i := range a {
			if a[i] != b[i] {
				t.Errorf("%s changed the hash of task %d", what, i)
			}
		}
	}
	differ := func(what string, a, b []string) {
		t.Helper()
		for i := range a {
			if a[i] == b[i] {
				t.Errorf("%s left the hash of task %d unchanged", what, i)
			}
		}
	}
	tokens := `tokens = "data/t.jsonl"`
	text := `text = "data/t.txt"`
	base := load(tokens, "")
	same("loading again", base, load(tokens, ""))
	same("threads", base, load(tokens, "threads = 3"))
	same("seq_len with token ids", base, load(tokens, "seq_len = 64"))
	same("spelling out a default", base, load(tokens, "backend = \"cpu\"\nskip_first = 0"))
	differ("skip_first", base, load(tokens, "skip_first = 1"))
	differ("gelu", base, load(tokens, `gelu = "tanh"`))
	differ("gelu", load(tokens, `gelu = "erf"`), load(tokens, `gelu = "tanh"`))
	differ("max_tokens", base, load(tokens, "max_tokens = 2"))
	differ("loss", base, load(tokens, "loss = true"))
	differ("backend", base, load(tokens, `backend = "vulkan"`))

	textBase := load(text, "")
	differ("the dataset", base, textBase)
	differ("seq_len with text", textBase, load(text, "seq_len = 64"))
	differ("no_special_tokens with text", textBase, load(text, "no_special_tokens = true"))
	same("no_special_tokens with token ids", base, load(tokens, "no_special_tokens = true"))
	f.write(t, "tok.json", "{}")
	differ("a tokenizer with text", textBase, load(text, `tokenizer = "tok.json"`))

	// The dataset counts by its content, not its path.
	f.write(t, "elsewhere/t.jsonl", "[1,2,3]\n[4,5,6]\n")
	same("moving the dataset", base, load(`tokens = "elsewhere/t.jsonl"`, ""))
	f.write(t, "data/t.jsonl", "[1,2,3]\n[4,5,7]\n")
	differ("editing the dataset", base, load(tokens, ""))
	f.write(t, "data/t.jsonl", "[1,2,3]\n[4,5,6]\n")

	// A local model counts by its config, tokenizer and weight sizes; a hub model by its snapshot's commit.
	f.write(t, "models/tiny-a/model.safetensors", "other weights")
	h := load(tokens, "")
	same("retraining a local model", base[:2], h[:2])
	if h[2] == base[2] {
		t.Errorf("new weights in a local model left its hash unchanged")
	}
	f.hub["EleutherAI/pythia-70m"]["main"] = filepath.Join(f.dir, "hub/other-commit")
	h = load(tokens, "")
	if h[0] != base[0] || h[1] == base[1] {
		t.Errorf("a new commit for main: hashes %v, were %v", h[:2], base[:2])
	}
}
