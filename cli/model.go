package cli

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
)

// resolvedModel is where a --model (and --revision) led: the directory to load and what to record about it.
type resolvedModel struct {
	Dir      string // the model directory: a local directory, or a snapshot in the HF cache
	ID       string // the model id written into the run: the hub id, or the directory's base name
	HubID    string // the Hugging Face repo id when the directory is a snapshot in the HF cache; "" otherwise
	Revision string // the revision asked for; "" when none was
	Commit   string // the full commit hash of the snapshot; "" for a directory outside the HF cache
}

// hubIDPattern is an HF repo id: ORG/NAME, each part of letters, digits, '-', '_' and '.', not starting with '.'.
var hubIDPattern = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9_.-]*/[A-Za-z0-9_][A-Za-z0-9_.-]*$`)

// snapshotPattern recognises a snapshot directory of the HF cache: .../models--ORG--NAME/snapshots/HASH.
var snapshotPattern = regexp.MustCompile(`models--([^/]+?)--([^/]+)/snapshots/([0-9a-f]{7,64})$`)

// resolveModel turns what a user typed after --model (and --revision) into a model directory.
//
// It accepts, in this order:
//   - a directory holding config.json (an HF model directory or a snapshot). --revision is an error here: a
//     directory is one set of files, and recording a revision it may not be would make the run file lie. A directory
//     inside the HF cache (.../models--ORG--NAME/snapshots/HASH) is recorded with its hub id and commit;
//   - an HF hub id such as EleutherAI/pythia-1.4b, looked up in the HF cache (hfCacheDir) at the given revision
//     (default "main") the way huggingface_hub lays it out: refs/REVISION holds a commit hash and snapshots/HASH is the
//     directory. A revision may also be a commit hash, whole or shortened to a unique prefix of at least 7 digits.
//
// When the model or the revision is not cached, the error lists what is and gives the command that fetches it.
func resolveModel(spec, revision string) (resolvedModel, error) {
	if st, err := os.Stat(spec); err == nil && st.IsDir() {
		if revision != "" {
			return resolvedModel{}, usagef("--revision %s: %s is a local directory, which holds one set of files; "+
				"--revision selects a snapshot of a hub id in the HF cache (give the id, e.g. EleutherAI/pythia-160m, or drop --revision)", revision, spec)
		}
		if _, err := os.Stat(filepath.Join(spec, "config.json")); err != nil {
			return resolvedModel{}, fmt.Errorf("model %s: no config.json in the directory", spec)
		}
		abs, _ := filepath.Abs(spec)
		m := resolvedModel{Dir: spec, ID: filepath.Base(abs)}
		if s := snapshotPattern.FindStringSubmatch(filepath.ToSlash(abs)); s != nil {
			m.HubID, m.Commit = s[1]+"/"+s[2], s[3]
			m.ID = m.HubID
		}
		return m, nil
	}
	if !hubIDPattern.MatchString(spec) {
		return resolvedModel{}, fmt.Errorf("model %s: no such directory, and not a hub id such as EleutherAI/pythia-1.4b", spec)
	}
	if strings.Contains(revision, "..") || strings.HasPrefix(revision, "/") {
		return resolvedModel{}, fmt.Errorf("--revision %q: not a branch, tag or commit", revision)
	}
	cache := hfCacheDir()
	repo := filepath.Join(cache, "models--"+strings.ReplaceAll(spec, "/", "--"))
	if _, err := os.Stat(repo); err != nil {
		return resolvedModel{}, fmt.Errorf("model %s is not in the HF cache at %s (%s); fetch it with: %s",
			spec, cache, cachedModelsText(cache), downloadCommand(spec, revision))
	}
	rev := revision
	if rev == "" {
		rev = "main"
	}
	m := resolvedModel{ID: spec, HubID: spec, Revision: revision}
	hash := rev
	if ref, err := os.ReadFile(filepath.Join(repo, "refs", filepath.FromSlash(rev))); err == nil {
		hash = strings.TrimSpace(string(ref))
	} else if full, ok := expandCommit(repo, rev); ok {
		hash = full
	}
	snap := filepath.Join(repo, "snapshots", hash)
	if _, err := os.Stat(filepath.Join(snap, "config.json")); err != nil {
		return resolvedModel{}, fmt.Errorf("model %s: revision %q is not in the HF cache at %s (cached: %s); fetch it with: %s",
			spec, rev, repo, cachedRevisionsText(repo), downloadCommand(spec, rev))
	}
	m.Dir, m.Commit = snap, hash
	return m, nil
}

// expandCommit finds the one snapshot whose commit hash starts with prefix (at least 7 hex digits), as git resolves a
// short hash.
func expandCommit(repo, prefix string) (string, bool) {
	if len(prefix) < 7 || strings.Trim(prefix, "0123456789abcdef") != "" {
		return "", false
	}
	entries, _ := os.ReadDir(filepath.Join(repo, "snapshots"))
	found := ""
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), prefix) {
			if found != "" {
				return "", false // ambiguous
			}
			found = e.Name()
		}
	}
	return found, found != ""
}

// hfCacheDir is the HF hub cache directory, found the way huggingface_hub finds it: $HF_HUB_CACHE, else the
// deprecated $HUGGINGFACE_HUB_CACHE, else $HF_HOME/hub, else $XDG_CACHE_HOME/huggingface/hub, else
// ~/.cache/huggingface/hub. A leading ~ in any of them is the home directory.
func hfCacheDir() string {
	for _, v := range []string{"HF_HUB_CACHE", "HUGGINGFACE_HUB_CACHE"} {
		if d := os.Getenv(v); d != "" {
			return expandHome(d)
		}
	}
	if d := os.Getenv("HF_HOME"); d != "" {
		return filepath.Join(expandHome(d), "hub")
	}
	if d := os.Getenv("XDG_CACHE_HOME"); d != "" {
		return filepath.Join(expandHome(d), "huggingface", "hub")
	}
	home, _ := os.UserHomeDir()
	return filepath.Join(home, ".cache", "huggingface", "hub")
}

func expandHome(p string) string {
	if p == "~" || strings.HasPrefix(p, "~/") {
		if home, err := os.UserHomeDir(); err == nil {
			return filepath.Join(home, p[1:])
		}
	}
	return p
}

// downloadCommand is the huggingface-cli command that fetches what a run needs of model at revision: the config, the
// tokenizer and the weights (safetensors or .bin).
func downloadCommand(model, revision string) string {
	cmd := "huggingface-cli download " + model
	if revision != "" && revision != "main" {
		cmd += " --revision " + revision
	}
	return cmd + ` --include "*.json" "*.safetensors" "*.bin"`
}

// cachedModelsText lists the model repos in the cache, or says there are none.
func cachedModelsText(cache string) string {
	entries, err := os.ReadDir(cache)
	if err != nil {
		return "the cache directory does not exist"
	}
	var ids []string
	for _, e := range entries {
		if name, ok := strings.CutPrefix(e.Name(), "models--"); ok && e.IsDir() {
			ids = append(ids, strings.Replace(name, "--", "/", 1))
		}
	}
	return "cached models: " + listOrNone(ids)
}

// cachedRevisionsText lists a cached repo's revisions: its refs with the commit each points to, then the snapshots no
// ref names, by short hash.
func cachedRevisionsText(repo string) string {
	named := map[string]bool{}
	var out []string
	refs := filepath.Join(repo, "refs")
	filepath.WalkDir(refs, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return nil
		}
		rel, _ := filepath.Rel(refs, path)
		hash, _ := os.ReadFile(path)
		h := strings.TrimSpace(string(hash))
		named[h] = true
		out = append(out, fmt.Sprintf("%s (%s)", filepath.ToSlash(rel), shortCommit(h)))
		return nil
	})
	sort.Strings(out)
	entries, _ := os.ReadDir(filepath.Join(repo, "snapshots"))
	for _, e := range entries {
		if !named[e.Name()] {
			out = append(out, shortCommit(e.Name()))
		}
	}
	return listOrNone(out)
}

func shortCommit(h string) string {
	if len(h) > 10 {
		return h[:10]
	}
	return h
}

func listOrNone(items []string) string {
	if len(items) == 0 {
		return "none"
	}
	const most = 12
	if len(items) > most {
		return strings.Join(items[:most], ", ") + fmt.Sprintf(" and %d more", len(items)-most)
	}
	return strings.Join(items, ", ")
}
