//go:build linux

package cli

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// blockingRun starts the test binary as `scalefit run` of a model named "block" on the fake backend, which waits until
// its run is cancelled, with its own TMPDIR (where the plugin's socket directory appears) and a marker in its
// environment that its plugin inherits. It returns once the plugin is serving the run.
type blockingRun struct {
	cmd     *exec.Cmd
	stderr  bytes.Buffer
	tmp     string
	out     string
	marker  string
	waitErr chan error
}

func startBlockingRun(t *testing.T) *blockingRun {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	model := filepath.Join(dir, "micro")
	mustScalefit(t, "synth", "--preset", "micro", "--out", model)
	tokens := filepath.Join(dir, "tokens.jsonl")
	os.WriteFile(tokens, []byte("[1,2,3,4]\n"), 0o644)
	r := &blockingRun{tmp: filepath.Join(dir, "tmp"), out: filepath.Join(dir, "out"), waitErr: make(chan error, 1)}
	os.Mkdir(r.tmp, 0o755)
	os.Mkdir(r.out, 0o755)
	r.marker = fmt.Sprintf("SCALEFIT_TEST_MARKER=%d-%d", os.Getpid(), time.Now().UnixNano())
	r.cmd = exec.Command(exe, "run", "--model", model, "--name", "block", "--tokens", tokens, "--out", filepath.Join(r.out, "run.parquet"))
	r.cmd.Env = append(os.Environ(), envTestMain+"=1", envFakeBackend+"=1", "TMPDIR="+r.tmp, r.marker)
	r.cmd.Stderr = &r.stderr
	if err := r.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { r.waitErr <- r.cmd.Wait() }()
	t.Cleanup(func() {
		r.cmd.Process.Kill()
		for _, pid := range r.processes() {
			syscall.Kill(pid, syscall.SIGKILL)
		}
	})
	deadline := time.Now().Add(20 * time.Second)
	for len(r.processes()) < 2 {
		if time.Now().After(deadline) {
			t.Fatalf("the plugin did not start: %s", r.stderr.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	time.Sleep(300 * time.Millisecond) // the handshake and the Run call
	return r
}

// processes lists the live processes whose environment holds the run's marker: the host and its plugin.
func (r *blockingRun) processes() []int {
	ents, _ := os.ReadDir("/proc")
	var pids []int
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		env, err := os.ReadFile(filepath.Join("/proc", e.Name(), "environ"))
		if err != nil || !bytes.Contains(env, []byte(r.marker+"\x00")) {
			continue
		}
		if st, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat")); err == nil {
			if i := bytes.LastIndexByte(st, ')'); i > 0 && i+2 < len(st) && (st[i+2] == 'Z' || st[i+2] == 'X') {
				continue // a zombie has exited
			}
		}
		pids = append(pids, pid)
	}
	return pids
}

// pluginPid returns the plugin's process id: the marked process that is not the host.
func (r *blockingRun) pluginPid(t *testing.T) int {
	for _, pid := range r.processes() {
		if pid != r.cmd.Process.Pid {
			return pid
		}
	}
	t.Fatal("no plugin process")
	return 0
}

// wait waits for the host to exit and checks what an interrupt must leave: exit status 130, a last line of stderr
// that is exactly "scalefit: interrupted", no plugin process, no socket directory, no output file and no temporary one.
func (r *blockingRun) wait(t *testing.T, limit time.Duration) {
	t.Helper()
	var err error
	select {
	case err = <-r.waitErr:
	case <-time.After(limit):
		t.Fatalf("scalefit did not exit within %v of the signal; stderr: %q", limit, r.stderr.String())
	}
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != ExitInterrupted {
		t.Errorf("exit: %v, want status %d", err, ExitInterrupted)
	}
	lines := strings.Split(strings.TrimRight(r.stderr.String(), "\n"), "\n")
	if last := lines[len(lines)-1]; last != "scalefit: interrupted" {
		t.Errorf("stderr ends %q, want \"scalefit: interrupted\" (all of it: %q)", last, r.stderr.String())
	}
	deadline := time.Now().Add(5 * time.Second)
	for len(r.processes()) > 0 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if p := r.processes(); len(p) > 0 {
		t.Errorf("processes left running: %v", p)
	}
	if ents, _ := os.ReadDir(r.tmp); len(ents) > 0 {
		t.Errorf("left in TMPDIR: %v", ents)
	}
	if ents, _ := os.ReadDir(r.out); len(ents) > 0 {
		t.Errorf("left in the output directory: %v", ents)
	}
}

// TestInterruptSignals interrupts a run with SIGINT, SIGTERM and SIGHUP. Each used to be different: SIGTERM and
// SIGHUP (what Slurm and timeout send) left the plugin's socket directory behind every time, and Ctrl-C exited 1.
// Each now stops the plugin, removes its socket directory, writes no output, and exits 130 saying "interrupted".
func TestInterruptSignals(t *testing.T) {
	if testing.Short() {
		t.Skip("starts processes")
	}
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP} {
		t.Run(sig.String(), func(t *testing.T) {
			r := startBlockingRun(t)
			r.cmd.Process.Signal(sig)
			r.wait(t, 20*time.Second)
		})
	}
}

// TestInterruptFrozenPlugin interrupts a run whose plugin is frozen (SIGSTOP): the host waited for ever, and a second
// Ctrl-C did not help. One signal is enough now; the plugin is killed after its stop timeout.
func TestInterruptFrozenPlugin(t *testing.T) {
	if testing.Short() {
		t.Skip("starts processes")
	}
	r := startBlockingRun(t)
	syscall.Kill(r.pluginPid(t), syscall.SIGSTOP)
	r.cmd.Process.Signal(syscall.SIGINT)
	r.wait(t, 20*time.Second)
}

// TestInterruptTwice: a second Ctrl-C, right after the first, ends scalefit at once and leaves the same clean state.
func TestInterruptTwice(t *testing.T) {
	if testing.Short() {
		t.Skip("starts processes")
	}
	r := startBlockingRun(t)
	syscall.Kill(r.pluginPid(t), syscall.SIGSTOP) // so that the first signal alone would take the stop timeout
	r.cmd.Process.Signal(syscall.SIGINT)
	time.Sleep(50 * time.Millisecond)
	r.cmd.Process.Signal(syscall.SIGINT)
	r.wait(t, 10*time.Second)
}
