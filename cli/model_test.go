package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// fakeHFCache lays out an HF hub cache the way huggingface_hub does (refs/REVISION holding a commit hash,
// snapshots/HASH holding the files) with EleutherAI/pythia-70m at main and step1000, and returns the cache directory
// and the repo directory.
func fakeHFCache(t *testing.T) (cache, repo string) {
	t.Helper()
	cache = t.TempDir()
	repo = filepath.Join(cache, "models--EleutherAI--pythia-70m")
	for rev, hash := range map[string]string{"main": "aaaa1111aaaa1111", "step1000": "bbbb2222bbbb2222"} {
		os.MkdirAll(filepath.Join(repo, "refs"), 0o755)
		os.WriteFile(filepath.Join(repo, "refs", rev), []byte(hash+"\n"), 0o644)
		snap := filepath.Join(repo, "snapshots", hash)
		os.MkdirAll(snap, 0o755)
		os.WriteFile(filepath.Join(snap, "config.json"), []byte("{}"), 0o644)
	}
	return cache, repo
}

// TestResolveModel resolves model ids and revisions through a fake HF cache, and local directories.
func TestResolveModel(t *testing.T) {
	cache, repo := fakeHFCache(t)
	t.Setenv("HF_HUB_CACHE", cache)
	local := filepath.Join(t.TempDir(), "my-model")
	os.MkdirAll(local, 0o755)
	os.WriteFile(filepath.Join(local, "config.json"), []byte("{}"), 0o644)
	empty := t.TempDir()
	snapA, snapB := filepath.Join(repo, "snapshots", "aaaa1111aaaa1111"), filepath.Join(repo, "snapshots", "bbbb2222bbbb2222")

	for _, tc := range []struct {
		spec, rev                         string
		wantDir, wantID, wantHub, wantCmt string
		wantErr                           []string
	}{
		{spec: local, wantDir: local, wantID: "my-model"},
		{spec: snapB, wantDir: snapB, wantID: "EleutherAI/pythia-70m", wantHub: "EleutherAI/pythia-70m", wantCmt: "bbbb2222bbbb2222"},
		{spec: "EleutherAI/pythia-70m", wantDir: snapA, wantID: "EleutherAI/pythia-70m", wantHub: "EleutherAI/pythia-70m", wantCmt: "aaaa1111aaaa1111"},
		{spec: "EleutherAI/pythia-70m", rev: "step1000", wantDir: snapB, wantID: "EleutherAI/pythia-70m", wantHub: "EleutherAI/pythia-70m", wantCmt: "bbbb2222bbbb2222"},
		{spec: "EleutherAI/pythia-70m", rev: "bbbb2222bbbb2222", wantDir: snapB, wantID: "EleutherAI/pythia-70m", wantHub: "EleutherAI/pythia-70m", wantCmt: "bbbb2222bbbb2222"},
		// A short commit hash, as git accepts one.
		{spec: "EleutherAI/pythia-70m", rev: "bbbb222", wantDir: snapB, wantID: "EleutherAI/pythia-70m", wantHub: "EleutherAI/pythia-70m", wantCmt: "bbbb2222bbbb2222"},
		{spec: "EleutherAI/pythia-70m", rev: "step2000", wantErr: []string{`revision "step2000" is not in the HF cache`,
			"cached: main (aaaa1111aa), step1000 (bbbb2222bb)",
			`fetch it with: huggingface-cli download EleutherAI/pythia-70m --revision step2000 --include "*.json"`}},
		{spec: "EleutherAI/pythia-12b", wantErr: []string{"not in the HF cache", "cached models: EleutherAI/pythia-70m",
			"huggingface-cli download EleutherAI/pythia-12b --include"}},
		{spec: local, rev: "step1000", wantErr: []string{"--revision step1000: ", "is a local directory"}},
		{spec: empty, wantErr: []string{"no config.json in the directory"}},
		{spec: "./missing", wantErr: []string{"no such directory"}},
		{spec: "EleutherAI/pythia-70m", rev: "../../etc", wantErr: []string{"not a branch, tag or commit"}},
	} {
		m, err := resolveModel(tc.spec, tc.rev)
		if tc.wantErr != nil {
			for _, w := range tc.wantErr {
				if err == nil || !strings.Contains(err.Error(), w) {
					t.Errorf("resolveModel(%q, %q) error = %v, want %q", tc.spec, tc.rev, err, w)
				}
			}
			continue
		}
		if err != nil || m.Dir != tc.wantDir || m.ID != tc.wantID || m.HubID != tc.wantHub || m.Commit != tc.wantCmt || m.Revision != tc.rev {
			t.Errorf("resolveModel(%q, %q) = %+v, %v; want %q, %q, %q, %q", tc.spec, tc.rev, m, err, tc.wantDir, tc.wantID, tc.wantHub, tc.wantCmt)
		}
	}
}

// TestHFCacheDir checks the order in which huggingface_hub reads its environment.
func TestHFCacheDir(t *testing.T) {
	home, _ := os.UserHomeDir()
	for _, tc := range []struct {
		env  map[string]string
		want string
	}{
		{map[string]string{"HF_HUB_CACHE": "/a", "HUGGINGFACE_HUB_CACHE": "/b", "HF_HOME": "/c", "XDG_CACHE_HOME": "/d"}, "/a"},
		{map[string]string{"HUGGINGFACE_HUB_CACHE": "/b", "HF_HOME": "/c", "XDG_CACHE_HOME": "/d"}, "/b"},
		{map[string]string{"HF_HOME": "/c", "XDG_CACHE_HOME": "/d"}, "/c/hub"},
		{map[string]string{"XDG_CACHE_HOME": "/d"}, "/d/huggingface/hub"},
		{map[string]string{"HF_HOME": "~/hf"}, filepath.Join(home, "hf", "hub")},
		{map[string]string{}, filepath.Join(home, ".cache", "huggingface", "hub")},
	} {
		for _, v := range []string{"HF_HUB_CACHE", "HUGGINGFACE_HUB_CACHE", "HF_HOME", "XDG_CACHE_HOME"} {
			t.Setenv(v, tc.env[v])
		}
		if got := hfCacheDir(); got != tc.want {
			t.Errorf("hfCacheDir with %v = %q, want %q", tc.env, got, tc.want)
		}
	}
}
