//go:build unix

package backends_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/scalefit/scalefit/backends"
	"github.com/scalefit/scalefit/backends/backendtest"
)

// syncBuffer is a bytes.Buffer safe for the concurrent writes of go-plugin's log copiers.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// launch starts spec and closes it when the test ends; it checks that Close removes the plugin's sockets.
func launch(t *testing.T, spec string) *backends.Client {
	t.Helper()
	var stderr syncBuffer
	c, err := backends.Start(context.Background(), spec, backends.LaunchOptions{Stderr: &stderr})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := c.Close(); err != nil {
			t.Error(err)
		}
		if _, err := os.Stat(c.SockDir()); !os.IsNotExist(err) {
			t.Errorf("socket directory %s left behind (%v)", c.SockDir(), err)
		}
		if s := stderr.String(); s != "" {
			t.Logf("plugin stderr:\n%s", s)
		}
	})
	return c
}

func skipNoSubprocess(t *testing.T) {
	if runtime.GOOS == "windows" || runtime.GOOS == "js" || runtime.GOOS == "wasip1" {
		t.Skipf("no Unix subprocesses on %s", runtime.GOOS)
	}
}

// TestLaunchBuiltin re-executes the test binary as the builtin "cpu" backend (see TestMain), the way the scalefit
// binary serves its CPU backend, and runs through it with AutoMTLS over a real Unix socket.
func TestLaunchBuiltin(t *testing.T) {
	skipNoSubprocess(t)
	c := launch(t, "cpu")
	if f := c.Found(); !f.Builtin || f.Name != "cpu" {
		t.Errorf("Found = %+v", f)
	}
	info, err := c.Info(context.Background())
	if err != nil || info.Name != "fake" || info.Protocol != backends.ProtocolVersion {
		t.Fatalf("Info = %+v, %v", info, err)
	}
	checkRun(t, c, fakeLayers, testRequest())
	checkRun(t, c, fakeLayers, &backends.Request{Model: "big", Sequences: seqs(300, 10_000)})

	_, err = c.Run(context.Background(), &backends.Request{Model: backendtest.ModelFail}, &backendtest.Recorder{})
	if want := `backend "cpu": fake: cannot load model "fail"; second line of the error`; err == nil || err.Error() != want {
		t.Errorf("error %v, want %q", err, want)
	}
	checkCancel(t, c)
}

func TestLaunchPluginExits(t *testing.T) {
	skipNoSubprocess(t)
	c := launch(t, "")
	_, err := c.Run(context.Background(), &backends.Request{Model: backendtest.ModelExit}, &backendtest.Recorder{})
	if err == nil || !strings.HasPrefix(err.Error(), `backend "cpu": the plugin process exited during the call`) ||
		strings.Contains(err.Error(), "\n") {
		t.Errorf("error %v", err)
	}
}

func TestLaunchUnknownBuiltin(t *testing.T) {
	skipNoSubprocess(t)
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	f := backends.Found{Name: "nope", Path: exe, Builtin: true}
	_, err = backends.LaunchFound(context.Background(), f, "nope", backends.LaunchOptions{Stderr: &syncBuffer{}})
	// Whether go-plugin notices the exit or the closed stdout first is a race; the rest of the message is fixed.
	prefix := `backend "nope": not a scalefit plugin (handshake failed): `
	suffix := ` (its last words: "this binary has no builtin backend \"nope\"")`
	if err == nil || !strings.HasPrefix(err.Error(), prefix) || !strings.HasSuffix(err.Error(), suffix) {
		t.Errorf("error:\n%v\nwant\n%s…%s", err, prefix, suffix)
	}
}

// TestLaunchNotAPlugin starts executables that do not speak the protocol.
func TestLaunchNotAPlugin(t *testing.T) {
	skipNoSubprocess(t)
	dir := t.TempDir()
	script := func(name, body string, mode os.FileMode) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte("#!/bin/sh\n"+body+"\n"), mode); err != nil {
			t.Fatal(err)
		}
		return p
	}
	for _, tc := range []struct {
		path, want string
	}{
		{script("chatty", "echo hello", 0o755), `not a scalefit plugin (handshake failed): Unrecognized remote plugin message: hello`},
		{script("dies", "echo 'error: no GPU' >&2; exit 1", 0o755), `(its last words: "error: no GPU")`},
		{script("oldproto", "echo '1|9|unix|/nonexistent|grpc'", 0o755), "speaks another protocol version than 1"},
		{script("noexec", "true", 0o644), "not executable"},
		{filepath.Join(dir, "missing"), "no such file"},
		{dir, "is a directory"},
	} {
		start := time.Now()
		_, err := backends.Start(context.Background(), tc.path, backends.LaunchOptions{Stderr: &syncBuffer{}})
		t.Logf("%s: %v", filepath.Base(tc.path), err)
		prefix := `backend "` + tc.path + `": `
		if err == nil || !strings.HasPrefix(err.Error(), prefix) || !strings.Contains(err.Error(), tc.want) ||
			strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: error %q, want one line %q…%q", filepath.Base(tc.path), err, prefix, tc.want)
		}
		if d := time.Since(start); d > 10*time.Second {
			t.Errorf("%s: took %v", filepath.Base(tc.path), d)
		}
	}
}

// TestExternalPlugin builds a separate plugin binary, scalefit-backend-fake, and drives it by path, by name on PATH,
// and through Discover and Describe.
func TestExternalPlugin(t *testing.T) {
	skipNoSubprocess(t)
	if testing.Short() {
		t.Skip("builds a plugin binary")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "scalefit-backend-fake")
	build := exec.Command("go", "build", "-o", bin, "./testdata/fakeplugin")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}

	b, stop, err := backends.Launch(context.Background(), bin, backends.LaunchOptions{Stderr: &syncBuffer{}})
	if err != nil {
		t.Fatal(err)
	}
	checkRun(t, b, 2, testRequest())
	stop()
	if _, err := b.Info(context.Background()); err == nil {
		t.Error("Info after stop succeeded")
	}

	t.Setenv("PATH", dir+string(os.PathListSeparator)+os.Getenv("PATH"))
	c := launch(t, "fake")
	if f := c.Found(); f.Path != bin || f.Name != "fake" || f.Builtin {
		t.Errorf("Found = %+v, want fake at %s", f, bin)
	}
	checkCancel(t, c)

	var found *backends.Found
	for _, f := range backends.Discover() {
		if f.Name == "fake" {
			found = &f
			break
		}
	}
	if found == nil || found.Path != bin {
		t.Fatalf("Discover did not find %s: %+v", bin, backends.Discover())
	}
	info, err := backends.Describe(context.Background(), *found)
	if err != nil || info.Name != "fake" || info.Version != backendtest.Version || len(info.Devices) != 2 {
		t.Errorf("Describe = %+v, %v", info, err)
	}

	// Run by hand, outside a host, the plugin explains itself and fails.
	out, err := exec.Command(bin).CombinedOutput()
	if err == nil || !strings.Contains(string(out), "plugin") {
		t.Errorf("running the plugin by hand: %v\n%s", err, out)
	}
}

func TestCloseAll(t *testing.T) {
	skipNoSubprocess(t)
	c, err := backends.Start(context.Background(), "cpu", backends.LaunchOptions{Stderr: &syncBuffer{}})
	if err != nil {
		t.Fatal(err)
	}
	backends.CloseAll()
	if _, err := os.Stat(c.SockDir()); !os.IsNotExist(err) {
		t.Errorf("socket directory %s left behind (%v)", c.SockDir(), err)
	}
	if _, err := c.Info(context.Background()); err == nil {
		t.Error("Info after CloseAll succeeded")
	}
}

// TestPluginExitsWithHost kills a host with SIGKILL, so that it cannot stop its plugin, and checks that the plugin
// exits by itself.
func TestPluginExitsWithHost(t *testing.T) {
	skipNoSubprocess(t)
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	host := exec.Command(exe)
	host.Env = append(os.Environ(), envTestHost+"=1")
	out, err := host.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := host.Start(); err != nil {
		t.Fatal(err)
	}
	var pid int
	var sockDir string
	if _, err := fmt.Fscan(out, &pid, &sockDir); err != nil {
		host.Process.Kill()
		host.Wait()
		t.Fatalf("reading the host's output: %v", err)
	}
	defer os.RemoveAll(sockDir) // the killed host could not
	if err := host.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	host.Wait()
	deadline := time.Now().Add(10 * time.Second)
	for processAlive(pid) {
		if time.Now().After(deadline) {
			syscall.Kill(pid, syscall.SIGKILL)
			t.Fatalf("plugin %d still running after its host was killed", pid)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// processAlive reports whether process pid exists and is not a zombie.
func processAlive(pid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return syscall.Kill(pid, 0) == nil
	}
	// The state follows the parenthesised command name.
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	return i < 0 || i+2 >= len(s) || (s[i+2] != 'Z' && s[i+2] != 'X')
}
