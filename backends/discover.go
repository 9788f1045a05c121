package backends

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
)

// PluginPrefix begins the file name of every external backend plugin: scalefit-backend-<name>.
const PluginPrefix = "scalefit-backend-"

// BuiltinCPU and BuiltinVulkan are the names of the backends that the scalefit binary serves itself.
const (
	BuiltinCPU    = "cpu"
	BuiltinVulkan = "vulkan"
)

// Builtins lists the backends that the scalefit binary serves itself, in the order Discover lists them.
var Builtins = []string{BuiltinCPU, BuiltinVulkan}

// Found is a backend that the host can launch.
type Found struct {
	Name    string // backend name: "cpu", or <name> of scalefit-backend-<name>
	Path    string // the executable to start
	Builtin bool   // served by the running binary itself, re-executed with EnvServeBackend=Name
}

// Discover lists the backends the host can launch, in order of precedence: the builtin backends (Builtins), then
// executables named scalefit-backend-<name> in the directory of the running binary, then in the directories of PATH,
// in order. When two have the same name the first wins, the way Terraform finds providers; a scalefit-backend-cpu is
// therefore shadowed by the builtin. Relative PATH entries (such as "." or an empty entry) are skipped: os/exec
// refuses them too.
func Discover() []Found {
	var out []Found
	seen := map[string]bool{}
	if exe, err := os.Executable(); err == nil {
		for _, name := range Builtins {
			out = append(out, Found{Name: name, Path: exe, Builtin: true})
			seen[name] = true
		}
	}
	for _, dir := range searchDirs() {
		entries, err := os.ReadDir(dir)
		if err != nil {
			continue
		}
		for _, e := range entries {
			name, ok := pluginName(e.Name())
			if !ok || seen[name] {
				continue
			}
			path := filepath.Join(dir, e.Name())
			if !isExecutable(path) {
				continue
			}
			seen[name] = true
			out = append(out, Found{Name: name, Path: path})
		}
	}
	return out
}

// Resolve finds the backend that spec names. spec is one of:
//   - "" or "cpu": the builtin CPU backend; the name of another builtin ("vulkan"): that one;
//   - a path, recognised by a path separator in it ("./foo", "/opt/bin/my-backend"): that executable;
//   - a name "foo": the first scalefit-backend-foo that Discover would list.
func Resolve(spec string) (Found, error) {
	if spec == "" {
		spec = BuiltinCPU
	}
	if slices.Contains(Builtins, spec) {
		exe, err := os.Executable()
		if err != nil {
			return Found{}, fmt.Errorf("backend %q: cannot find the running binary: %w", spec, err)
		}
		return Found{Name: spec, Path: exe, Builtin: true}, nil
	}
	if strings.ContainsRune(spec, '/') || strings.ContainsRune(spec, filepath.Separator) {
		path, err := filepath.Abs(spec)
		if err != nil {
			return Found{}, fmt.Errorf("backend %q: %w", spec, err)
		}
		fi, err := os.Stat(path)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			return Found{}, fmt.Errorf("backend %q: no such file", spec)
		case err != nil:
			return Found{}, fmt.Errorf("backend %q: %w", spec, err)
		case fi.IsDir():
			return Found{}, fmt.Errorf("backend %q: is a directory, not an executable", spec)
		case !isExecutable(path):
			return Found{}, fmt.Errorf("backend %q: not executable", spec)
		}
		name, ok := pluginName(filepath.Base(path))
		if !ok {
			name = strings.TrimSuffix(filepath.Base(path), ".exe")
		}
		return Found{Name: name, Path: path}, nil
	}
	for _, dir := range searchDirs() {
		path := filepath.Join(dir, PluginPrefix+spec)
		if runtime.GOOS == "windows" {
			path += ".exe"
		}
		if isExecutable(path) {
			return Found{Name: spec, Path: path}, nil
		}
	}
	return Found{}, fmt.Errorf("backend %q: no executable %s%s next to the scalefit binary or on PATH (give a path to run another file)",
		spec, PluginPrefix, spec)
}

// Describe launches the backend f, asks for its Info and stops it again. `scalefit backends` uses it to list what
// Discover found.
func Describe(ctx context.Context, f Found) (Info, error) {
	c, err := launch(ctx, f, f.Name, LaunchOptions{})
	if err != nil {
		return Info{}, err
	}
	defer c.Close()
	return c.info, nil // launch asked for it to check the protocol version
}

// searchDirs returns the directories where plugins are looked for: the running binary's, then PATH's absolute
// entries, each once.
func searchDirs() []string {
	var dirs []string
	seen := map[string]bool{}
	add := func(d string) {
		if d == "" || !filepath.IsAbs(d) {
			return
		}
		d = filepath.Clean(d)
		if !seen[d] {
			seen[d] = true
			dirs = append(dirs, d)
		}
	}
	if exe, err := os.Executable(); err == nil {
		add(filepath.Dir(exe))
	}
	for _, d := range filepath.SplitList(os.Getenv("PATH")) {
		add(d)
	}
	return dirs
}

// pluginName returns <name> for a file named scalefit-backend-<name> (with .exe on Windows).
func pluginName(file string) (string, bool) {
	if runtime.GOOS == "windows" {
		if !strings.HasSuffix(strings.ToLower(file), ".exe") {
			return "", false
		}
		file = file[:len(file)-len(".exe")]
	}
	name, ok := strings.CutPrefix(file, PluginPrefix)
	return name, ok && name != ""
}

// isExecutable reports whether path is a regular file (after following links) that may be executed.
func isExecutable(path string) bool {
	fi, err := os.Stat(path)
	if err != nil || !fi.Mode().IsRegular() {
		return false
	}
	return runtime.GOOS == "windows" || fi.Mode().Perm()&0o111 != 0
}
