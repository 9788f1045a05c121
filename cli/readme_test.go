package cli

import (
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// readmeCommands returns the scalefit command lines of README.md's ```sh blocks, in order, as a user would type them:
// comments dropped, nothing else changed. Lines of other programs (go, huggingface-cli, scripts) are left out.
func readmeCommands(t *testing.T) []string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	in := false
	for _, line := range strings.Split(string(data), "\n") {
		switch {
		case strings.HasPrefix(line, "```sh"):
			in = true
		case strings.HasPrefix(line, "```"):
			in = false
		case in && strings.HasPrefix(line, "scalefit "):
			if i := strings.Index(line, "  #"); i > 0 {
				line = line[:i]
			}
			out = append(out, strings.TrimSpace(line))
		}
	}
	return out
}

// shellWords splits a command line the way a POSIX shell would for these simple lines: words at spaces, double
// quotes grouping, ~/ expanded to home, and an unquoted word with * expanded as a glob relative to the working
// directory (left as it is when it matches nothing, as sh does).
func shellWords(t *testing.T, line, home string) []string {
	t.Helper()
	var words []string
	for _, m := range regexp.MustCompile(`"[^"]*"|\S+`).FindAllString(line, -1) {
		if strings.HasPrefix(m, `"`) {
			words = append(words, strings.Trim(m, `"`))
			continue
		}
		if strings.HasPrefix(m, "~/") {
			m = filepath.Join(home, m[2:])
		}
		if strings.Contains(m, "*") {
			matches, err := filepath.Glob(m)
			if err != nil {
				t.Fatal(err)
			}
			if len(matches) > 0 {
				words = append(words, matches...)
				continue
			}
		}
		words = append(words, m)
	}
	return words
}

// TestReadmeCommands runs every scalefit command of README.md, as written and in order, in a fresh directory with a
// fresh home: ~/models/pythia-1.4b is a local model directory and EleutherAI/pythia-160m (main and step1000) and
// EleutherAI/pythia-410m sit in the default HF cache, ~/.cache/huggingface/hub. They are small random-init stand-ins
// with the real names, so the commands run in seconds. Nothing may fail: the output directories that do not exist yet
// are created, globs order the runs by name and the commands by size.
func TestReadmeCommands(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the README's commands")
	}
	cmds := readmeCommands(t)
	if len(cmds) < 15 {
		t.Fatalf("found %d scalefit commands in README.md", len(cmds))
	}
	home := t.TempDir()
	work := t.TempDir()
	t.Setenv("HOME", home)
	for _, v := range []string{"HF_HUB_CACHE", "HUGGINGFACE_HUB_CACHE", "HF_HOME", "XDG_CACHE_HOME"} {
		t.Setenv(v, "")
	}
	t.Chdir(work)
	mustScalefit(t, "synth", "--preset", "small", "--out", filepath.Join(home, "models", "pythia-1.4b"))
	hub := filepath.Join(home, ".cache", "huggingface", "hub")
	cacheModel := func(id, preset string, refs map[string]string) {
		repo := filepath.Join(hub, "models--"+strings.ReplaceAll(id, "/", "--"))
		for ref, commit := range refs {
			snap := filepath.Join(repo, "snapshots", commit)
			if _, err := os.Stat(snap); err != nil {
				mustScalefit(t, "synth", "--preset", preset, "--seed", "7", "--out", snap)
			}
			os.MkdirAll(filepath.Join(repo, "refs"), 0o755)
			os.WriteFile(filepath.Join(repo, "refs", ref), []byte(commit), 0o644)
		}
	}
	cacheModel("EleutherAI/pythia-160m", "tiny", map[string]string{"main": strings.Repeat("a", 40), "step1000": strings.Repeat("b", 40)})
	cacheModel("EleutherAI/pythia-410m", "small", map[string]string{"main": strings.Repeat("c", 40)})
	os.WriteFile("corpus.txt", []byte(strings.Repeat("A sublayer scales what it receives; the residual stream carries it on. ", 200)), 0o644)

	for _, line := range cmds {
		args := shellWords(t, line, home)
		if args[1] == "demo" {
			continue // TestDemo runs it
		}
		if slices.Contains(args, "run") && !slices.Contains(args, "--quiet") {
			args = append(args, "--quiet")
		}
		if _, err := scalefit(t, args[1:]...); err != nil {
			t.Errorf("README: %s\n  failed: %v", line, err)
		}
	}
	for _, f := range []string{"runs/pythia-1.4b.parquet", "runs/pythia-160m-step1000.parquet", "report.md", "figure.png",
		"figure.pdf", "fit.json", "fit.parquet", "fit.predictions.parquet", "layers.csv", "seqs.jsonl",
		"runs-tokens/pythia-1.4b.arrow", "pythia/report.md", "controls/tiny/config.json"} {
		if _, err := os.Stat(f); err != nil {
			t.Errorf("after the README's commands: %v", err)
		}
	}
}

// TestReadmeSetup checks the set-up the README promises: its two commands, and that go.mod asks for no newer Go than
// its dependencies need, so that every Go 1.26 release builds it offline without fetching a toolchain.
func TestReadmeSetup(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join("..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(readme), "```sh\ngo run ./cmd/scalefit demo\nscripts/test\n```") {
		t.Error("README.md's set-up is not the two commands go run ./cmd/scalefit demo and scripts/test")
	}
	gomod, err := os.ReadFile(filepath.Join("..", "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^go (\S+)$`).FindSubmatch(gomod)
	if m == nil {
		t.Fatal("go.mod has no go line")
	}
	ours := string(m[1])
	if !strings.Contains(string(readme), "Go "+ours+" or later") {
		t.Errorf("README.md does not say Go %s or later", ours)
	}
	out, err := exec.Command("go", "list", "-m", "-f", "{{if not .Main}}{{.GoVersion}}{{end}}", "all").Output()
	if err != nil {
		t.Skipf("go list -m: %v", err)
	}
	need := "1.0"
	for _, v := range strings.Fields(string(out)) {
		if versionLess(need, v) {
			need = v
		}
	}
	if ours != need {
		t.Errorf("go.mod says go %s, but the dependencies need only go %s: a newer line makes older Go 1.26 releases fetch a toolchain", ours, need)
	}
}

// versionLess compares Go versions such as 1.25, 1.26.0 and 1.26.8.
func versionLess(a, b string) bool {
	pa, pb := strings.Split(a, "."), strings.Split(b, ".")
	for i := 0; i < max(len(pa), len(pb)); i++ {
		var x, y int
		if i < len(pa) {
			x = atoiOr0(pa[i])
		}
		if i < len(pb) {
			y = atoiOr0(pb[i])
		}
		if x != y {
			return x < y
		}
	}
	return false
}

func atoiOr0(s string) int {
	n := 0
	for _, r := range s {
		if r < '0' || r > '9' {
			break
		}
		n = 10*n + int(r-'0')
	}
	return n
}

// TestDocsRunFile checks that docs/run-file.md documents every column of a run file and every scalefit.* metadata
// key that package schema defines.
func TestDocsRunFile(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join("..", "docs", "run-file.md"))
	if err != nil {
		t.Fatal(err)
	}
	src, err := os.ReadFile(filepath.Join("..", "schema", "schema.go"))
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range regexp.MustCompile(`\{Name: "([a-z_]+)"`).FindAllSubmatch(src, -1) {
		if !strings.Contains(string(doc), "`"+string(m[1])+"`") {
			t.Errorf("docs/run-file.md does not document the column %s", m[1])
		}
	}
	keys := regexp.MustCompile(`"(scalefit\.[a-z_0-9]+)"`).FindAllSubmatch(src, -1)
	if len(keys) < 15 {
		t.Fatalf("found %d metadata keys in schema.go", len(keys))
	}
	for _, m := range keys {
		if !strings.Contains(string(doc), "`"+string(m[1])+"`") {
			t.Errorf("docs/run-file.md does not document the metadata key %s", m[1])
		}
	}
}

// TestShippedTextCitesNoDesign: the design notes do not ship, so nothing a user reads may send them there.
func TestShippedTextCitesNoDesign(t *testing.T) {
	// The names are built here so that this test does not itself cite them.
	bad := []string{"DESIGN" + ".md", "FIELD" + "-NOTES", "/work/" + "shared"}
	var files []string
	err := filepath.WalkDir("..", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if name := d.Name(); name == "testdata" || name == "node_modules" || (strings.HasPrefix(name, ".") && path != "..") {
				return filepath.SkipDir
			}
			return nil
		}
		if ext := filepath.Ext(path); (ext == ".go" && !strings.HasSuffix(path, "_test.go")) || ext == ".md" || ext == ".proto" || ext == ".comp" {
			files = append(files, path)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 100 {
		t.Fatalf("found only %d shipped files to check", len(files))
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, b := range bad {
			if strings.Contains(string(data), b) {
				t.Errorf("%s cites %s, which does not ship", f, b)
			}
		}
	}
}

// TestReadmePandas: the pandas snippets compute layer gains without DataFrameGroupBy.apply, which warns on pandas ≥ 2.2
// when the function sees the grouping columns.
func TestReadmePandas(t *testing.T) {
	for _, f := range []string{"../README.md", "../docs/gains.md", "../docs/plot.md"} {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if regexp.MustCompile(`groupby\([^)]*\)[\s\S]{0,40}\.apply\(`).Match(data) {
			t.Errorf("%s uses groupby(...).apply, which warns on pandas ≥ 2.2", f)
		}
	}
}
