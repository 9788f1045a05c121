//go:build unix

package backends_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/scalefit/scalefit/backends"
	"github.com/scalefit/scalefit/backends/backendtest"
)

// closeWithin calls c.Close and fails the test if it has not returned after limit: go-plugin's own Kill waited for
// ever on a frozen plugin or on a stdout that a child of the plugin kept open.
func closeWithin(t *testing.T, c *backends.Client, limit time.Duration) {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- c.Close() }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Close: %v", err)
		}
	case <-time.After(limit):
		t.Fatalf("Close did not return within %v", limit)
	}
	if _, err := os.Stat(c.SockDir()); !os.IsNotExist(err) {
		t.Errorf("socket directory %s left behind (%v)", c.SockDir(), err)
	}
}

// waitGone fails the test when process pid still runs a few seconds from now.
func waitGone(t *testing.T, pid int, what string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for processAlive(pid) {
		if time.Now().After(deadline) {
			syscall.Kill(pid, syscall.SIGKILL)
			t.Fatalf("%s (process %d) still runs", what, pid)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestCloseFrozenPlugin stops the plugin with SIGSTOP, as a debugger or a suspended job would: Close must still
// return, within StopTimeout and a few seconds, having killed it.
func TestCloseFrozenPlugin(t *testing.T) {
	skipNoSubprocess(t)
	c, err := backends.Start(context.Background(), "cpu", backends.LaunchOptions{StopTimeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	pid := c.Pid()
	if err := syscall.Kill(pid, syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	closeWithin(t, c, 20*time.Second)
	waitGone(t, pid, "the frozen plugin")
}

// pluginScript writes a shell script that serves the test binary's builtin backend as a plugin, after body.
func pluginScript(t *testing.T, body string) string {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "wrapper")
	script := "#!/bin/sh\n" + body + "\n" + backends.EnvServeBackend + "=cpu " + strconv.Quote(exe) + "\n"
	if err := os.WriteFile(p, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}

// readPid reads the process id a script wrote to path.
func readPid(t *testing.T, path string) int {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		t.Fatal(err)
	}
	return pid
}

// TestCloseWrapperChildKeepsStdout runs the plugin through a wrapper script that also starts a child which keeps the
// plugin's stdout open: go-plugin waited for that pipe to close for ever. Close kills the plugin's process group,
// the child with it.
func TestCloseWrapperChildKeepsStdout(t *testing.T) {
	skipNoSubprocess(t)
	pidFile := filepath.Join(t.TempDir(), "child.pid")
	script := pluginScript(t, "sleep 3600 &\necho $! > "+strconv.Quote(pidFile))
	c, err := backends.Start(context.Background(), script, backends.LaunchOptions{StopTimeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	checkRun(t, c, fakeLayers, testRequest())
	child := readPid(t, pidFile)
	closeWithin(t, c, 20*time.Second)
	waitGone(t, child, "the wrapper's child")
}

// TestHandshakeTimeout starts an executable that never prints a handshake line. Start gave up only after 30 s; now it
// does after DefaultStartTimeout, with one line saying why, and leaves no process behind.
func TestHandshakeTimeout(t *testing.T) {
	skipNoSubprocess(t)
	pidFile := filepath.Join(t.TempDir(), "silent.pid")
	p := filepath.Join(t.TempDir(), "silent")
	if err := os.WriteFile(p, []byte("#!/bin/sh\nsleep 3600 &\necho $! > "+strconv.Quote(pidFile)+"\nwait\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	_, err := backends.Start(context.Background(), p, backends.LaunchOptions{})
	if d := time.Since(start); d > 20*time.Second {
		t.Errorf("Start took %v", d)
	}
	want := `backend "` + p + `": not a scalefit plugin: it printed no handshake line within 5s`
	if err == nil || err.Error() != want {
		t.Errorf("error %v, want %q", err, want)
	}
	waitGone(t, readPid(t, pidFile), "the silent plugin's child")
}

// redirectStderr points os.Stderr at a file until the test ends and returns a function that reads what was written.
func redirectStderr(t *testing.T) func() string {
	t.Helper()
	f, err := os.CreateTemp(t.TempDir(), "stderr")
	if err != nil {
		t.Fatal(err)
	}
	old := os.Stderr
	os.Stderr = f
	t.Cleanup(func() { os.Stderr = old; f.Close() })
	return func() string {
		b, _ := os.ReadFile(f.Name())
		return string(b)
	}
}

// TestPluginCrashOneLine crashes the plugin with a panic on a goroutine of its own, the way a third-party plugin with
// a bug dies. The host's error is one line that names the backend and the panic; the trace and go-plugin's own lines
// ("plugin process exited", "plugin failed to exit gracefully") go only to the log, and by default nowhere.
func TestPluginCrashOneLine(t *testing.T) {
	skipNoSubprocess(t)
	for _, withLog := range []bool{false, true} {
		stderr := redirectStderr(t)
		var log syncBuffer
		opts := backends.LaunchOptions{}
		if withLog {
			opts.Stderr = &log
		}
		c, err := backends.Start(context.Background(), "cpu", opts)
		if err != nil {
			t.Fatal(err)
		}
		_, err = c.Run(context.Background(), &backends.Request{Model: backendtest.ModelCrash}, &backendtest.Recorder{})
		want := `backend "cpu": the plugin process exited during the call (its last words: "panic: fake crash on a goroutine"): `
		if err == nil || !strings.HasPrefix(err.Error(), want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("error %v, want one line starting %q", err, want)
		}
		closeWithin(t, c, 20*time.Second)
		if s := stderr(); s != "" {
			t.Errorf("log %v: the host's stderr got %q", withLog, s)
		}
		if withLog {
			for _, w := range []string{"panic: fake crash on a goroutine", "goroutine ", "plugin process exited"} {
				if !strings.Contains(log.String(), w) {
					t.Errorf("the log lacks %q:\n%s", w, log.String())
				}
			}
		}
	}
}

// TestErrorKinds sends each kind of error across the plugin protocol, in a real subprocess: errors.Is finds the kind
// on the host's side, and the message arrives as sent.
func TestErrorKinds(t *testing.T) {
	skipNoSubprocess(t)
	c := launch(t, "cpu")
	for _, tc := range []struct {
		model string
		kind  error
		msg   string
	}{
		{backendtest.ModelUnsupported, backends.ErrUnsupportedModel, `fake: architecture "mamba": unsupported model`},
		{backendtest.ModelInvalid, backends.ErrInvalidRequest, `fake: --gelu "": invalid request`},
		{backendtest.ModelCorrupt, backends.ErrCorrupt, `fake: tensor "w" runs past the end of the file: corrupt model file`},
	} {
		_, err := c.Run(context.Background(), &backends.Request{Model: tc.model}, &backendtest.Recorder{})
		if !errors.Is(err, tc.kind) || err.Error() != `backend "cpu": `+tc.msg {
			t.Errorf("%s: error %v (kind %v)", tc.model, err, errors.Is(err, tc.kind))
		}
		for _, other := range []error{backends.ErrUnsupportedModel, backends.ErrInvalidRequest, backends.ErrCorrupt} {
			if other != tc.kind && errors.Is(err, other) {
				t.Errorf("%s: error is also %v", tc.model, other)
			}
		}
	}
	_, err := c.Run(context.Background(), &backends.Request{Model: backendtest.ModelFail}, &backendtest.Recorder{})
	if errors.Is(err, backends.ErrCorrupt) || errors.Is(err, backends.ErrUnsupportedModel) || errors.Is(err, backends.ErrInvalidRequest) {
		t.Errorf("a plain error has a kind: %v", err)
	}
}

// TestHugeError makes the plugin fail with a 16 MiB message holding escape sequences, as a hostile tensor name quoted
// in full would: it broke the gRPC connection instead of arriving. It arrives capped and clean, and the plugin stays
// usable.
func TestHugeError(t *testing.T) {
	skipNoSubprocess(t)
	c := launch(t, "cpu")
	_, err := c.Run(context.Background(), &backends.Request{Model: backendtest.ModelHugeError}, &backendtest.Recorder{})
	if err == nil || len(err.Error()) > 5000 || strings.ContainsAny(err.Error(), "\x1b\n") ||
		!strings.HasPrefix(err.Error(), `backend "cpu": fake: tensor "\x1b[2Knnnn`) {
		t.Errorf("error of %d bytes: %.200q", len(err.Error()), err)
	}
	checkRun(t, c, fakeLayers, testRequest())
}

// TestCloseAllBounded closes several frozen plugins at once: CloseAll takes about one StopTimeout, not one each.
func TestCloseAllBounded(t *testing.T) {
	skipNoSubprocess(t)
	var pids []int
	for range 3 {
		c, err := backends.Start(context.Background(), "cpu", backends.LaunchOptions{StopTimeout: time.Second, Stderr: io.Discard})
		if err != nil {
			t.Fatal(err)
		}
		pids = append(pids, c.Pid())
		syscall.Kill(c.Pid(), syscall.SIGSTOP)
	}
	done := make(chan struct{})
	go func() { backends.CloseAll(); close(done) }()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("CloseAll did not return")
	}
	for _, pid := range pids {
		waitGone(t, pid, "a frozen plugin")
	}
}

// TestWithKind marks an error with a kind without changing its message, and the kind crosses the protocol.
func TestWithKind(t *testing.T) {
	base := fmt.Errorf("load /m: %w", os.ErrNotExist)
	err := backends.WithKind(base, backends.ErrCorrupt)
	if err.Error() != base.Error() || !errors.Is(err, backends.ErrCorrupt) || !errors.Is(err, os.ErrNotExist) || errors.Is(err, backends.ErrInvalidRequest) {
		t.Errorf("WithKind: %v", err)
	}
	if backends.WithKind(nil, backends.ErrCorrupt) != nil {
		t.Error("WithKind(nil) is not nil")
	}
}
