package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestResolveModel lays out an HF hub cache the way huggingface_hub does (refs/REVISION holding a commit hash,
// snapshots/HASH holding the files) and resolves model ids and revisions through it.
func TestResolveModel(t *testing.T) {
	cache := t.TempDir()
	t.Setenv("HF_HUB_CACHE", cache)
	repo := filepath.Join(cache, "models--EleutherAI--pythia-70m")
	for rev, hash := range map[string]string{"main": "aaaa1111", "step1000": "bbbb2222"} {
		os.MkdirAll(filepath.Join(repo, "refs"), 0o755)
		os.WriteFile(filepath.Join(repo, "refs", rev), []byte(hash+"\n"), 0o644)
		snap := filepath.Join(repo, "snapshots", hash)
		os.MkdirAll(snap, 0o755)
		os.WriteFile(filepath.Join(snap, "config.json"), []byte("{}"), 0o644)
	}
	local := filepath.Join(t.TempDir(), "my-model")
	os.MkdirAll(local, 0o755)
	os.WriteFile(filepath.Join(local, "config.json"), []byte("{}"), 0o644)
	empty := t.TempDir()

	for _, tc := range []struct {
		spec, rev, wantDir, wantID, wantErr string
	}{
		{spec: local, wantDir: local, wantID: "my-model"},
		{spec: "EleutherAI/pythia-70m", wantDir: filepath.Join(repo, "snapshots", "aaaa1111"), wantID: "EleutherAI/pythia-70m"},
		{spec: "EleutherAI/pythia-70m", rev: "step1000", wantDir: filepath.Join(repo, "snapshots", "bbbb2222"), wantID: "EleutherAI/pythia-70m"},
		{spec: "EleutherAI/pythia-70m", rev: "bbbb2222", wantDir: filepath.Join(repo, "snapshots", "bbbb2222"), wantID: "EleutherAI/pythia-70m"},
		{spec: "EleutherAI/pythia-70m", rev: "step2000", wantErr: `revision "step2000" is not in the HF cache`},
		{spec: "EleutherAI/pythia-12b", wantErr: "not in the HF cache"},
		{spec: empty, wantErr: "no config.json in the directory"},
		{spec: "./missing", wantErr: "no such directory"},
	} {
		dir, id, err := resolveModel(tc.spec, tc.rev)
		if tc.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("resolveModel(%q, %q) error = %v, want %q", tc.spec, tc.rev, err, tc.wantErr)
			}
			continue
		}
		if err != nil || dir != tc.wantDir || id != tc.wantID {
			t.Errorf("resolveModel(%q, %q) = %q, %q, %v; want %q, %q", tc.spec, tc.rev, dir, id, err, tc.wantDir, tc.wantID)
		}
	}
}
