package cli

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// resolveModel turns what a user typed after --model into a model directory and the model id written into the run.
//
// It accepts, in this order:
//   - a directory holding config.json (an HF model directory or a snapshot): the id is the directory's base name;
//   - an HF hub id such as EleutherAI/pythia-1.4b, looked up in the HF cache ($HF_HUB_CACHE, else $HF_HOME/hub, else
//     ~/.cache/huggingface/hub) at the given revision (default "main"), the way huggingface_hub lays it out:
//     models--ORG--NAME/refs/REVISION holds a commit hash, and models--ORG--NAME/snapshots/HASH is the directory.
//     A revision that is itself a snapshot hash is used directly.
func resolveModel(spec, revision string) (dir, id string, err error) {
	if st, err := os.Stat(spec); err == nil && st.IsDir() {
		if _, err := os.Stat(filepath.Join(spec, "config.json")); err != nil {
			return "", "", fmt.Errorf("model %s: no config.json in the directory", spec)
		}
		abs, _ := filepath.Abs(spec)
		return spec, filepath.Base(abs), nil
	}
	if !strings.Contains(spec, "/") || strings.HasPrefix(spec, ".") || strings.HasPrefix(spec, "/") {
		return "", "", fmt.Errorf("model %s: no such directory (give an HF model directory or a hub id such as EleutherAI/pythia-1.4b)", spec)
	}
	cache := hfCacheDir()
	repo := filepath.Join(cache, "models--"+strings.ReplaceAll(spec, "/", "--"))
	if _, err := os.Stat(repo); err != nil {
		return "", "", fmt.Errorf("model %s: not a directory, and not in the HF cache at %s", spec, cache)
	}
	rev := revision
	if rev == "" {
		rev = "main"
	}
	hash := rev
	if ref, err := os.ReadFile(filepath.Join(repo, "refs", rev)); err == nil {
		hash = strings.TrimSpace(string(ref))
	}
	snap := filepath.Join(repo, "snapshots", hash)
	if _, err := os.Stat(filepath.Join(snap, "config.json")); err != nil {
		return "", "", fmt.Errorf("model %s: revision %q is not in the HF cache (%s)", spec, rev, repo)
	}
	return snap, spec, nil
}

func hfCacheDir() string {
	if d := os.Getenv("HF_HUB_CACHE"); d != "" {
		return d
	}
	if d := os.Getenv("HF_HOME"); d != "" {
		return filepath.Join(d, "hub")
	}
	home, _ := os.UserHomeDir()
	return filepath.Join(home, ".cache", "huggingface", "hub")
}
