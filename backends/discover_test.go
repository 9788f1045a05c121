package backends_test

import (
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"testing"

	"github.com/scalefit/scalefit/backends"
)

func TestDiscoverAndResolve(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("plugins on Windows end in .exe")
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	a, b := t.TempDir(), t.TempDir()
	file := func(dir, name string, mode os.FileMode) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte("#!/bin/sh\n"), mode); err != nil {
			t.Fatal(err)
		}
		return p
	}
	alphaA := file(a, "scalefit-backend-alpha", 0o755)
	file(a, "scalefit-backend-cpu", 0o755)    // shadowed by the builtin
	file(a, "scalefit-backend-vulkan", 0o755) // likewise
	beta := file(a, "scalefit-backend-beta", 0o644)
	file(a, "scalefit-backend-", 0o755) // no name
	other := file(a, "notaplugin", 0o755)
	if err := os.Mkdir(filepath.Join(a, "scalefit-backend-dir"), 0o755); err != nil {
		t.Fatal(err)
	}
	file(b, "scalefit-backend-alpha", 0o755) // shadowed by a's
	gammaTarget := file(b, "gamma-real", 0o755)
	gamma := filepath.Join(b, "scalefit-backend-gamma")
	if err := os.Symlink(gammaTarget, gamma); err != nil {
		t.Fatal(err)
	}
	rel := t.TempDir()
	file(rel, "scalefit-backend-delta", 0o755) // only reachable through a relative PATH entry: skipped
	t.Chdir(rel)
	t.Setenv("PATH", strings.Join([]string{a, ".", "", b}, string(os.PathListSeparator)))

	got := backends.Discover()
	want := []backends.Found{
		{Name: "cpu", Path: exe, Builtin: true},
		{Name: "vulkan", Path: exe, Builtin: true},
		{Name: "alpha", Path: alphaA},
		{Name: "gamma", Path: gamma},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Discover:\ngot  %+v\nwant %+v", got, want)
	}

	for _, tc := range []struct {
		spec string
		want backends.Found
		err  string
	}{
		{spec: "", want: want[0]},
		{spec: "cpu", want: want[0]},
		{spec: "vulkan", want: want[1]},
		{spec: "alpha", want: want[2]},
		{spec: "gamma", want: want[3]},
		{spec: alphaA, want: want[2]},
		{spec: other, want: backends.Found{Name: "notaplugin", Path: other}},
		{spec: "./scalefit-backend-delta", want: backends.Found{Name: "delta", Path: filepath.Join(rel, "scalefit-backend-delta")}},
		{spec: "beta", err: `backend "beta": no executable scalefit-backend-beta next to the scalefit binary or on PATH`},
		{spec: "delta", err: `backend "delta": no executable scalefit-backend-delta`},
		{spec: beta, err: `backend "` + beta + `": not executable`},
		{spec: "./nope", err: `backend "./nope": no such file`},
	} {
		f, err := backends.Resolve(tc.spec)
		if tc.err != "" {
			if err == nil || !strings.HasPrefix(err.Error(), tc.err) {
				t.Errorf("Resolve(%q): %+v, %v; want error %q…", tc.spec, f, err, tc.err)
			}
			continue
		}
		// t.TempDir may sit behind a symbolic link; compare resolved paths.
		if err != nil || f.Name != tc.want.Name || f.Builtin != tc.want.Builtin || !samePath(f.Path, tc.want.Path) {
			t.Errorf("Resolve(%q) = %+v, %v; want %+v", tc.spec, f, err, tc.want)
		}
	}
}

func samePath(a, b string) bool {
	ra, err1 := filepath.EvalSymlinks(a)
	rb, err2 := filepath.EvalSymlinks(b)
	return err1 == nil && err2 == nil && ra == rb || a == b
}
