//go:build unix

package sweep

import (
	"bufio"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

func TestLockExclusive(t *testing.T) {
	path := filepath.Join(t.TempDir(), "t.lock")
	a, err := lockTask(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := lockTask(path); !errors.Is(err, errBusy) {
		t.Fatalf("second lock: %v, want errBusy", err)
	}
	holder, held := lockHolder(path)
	host, _ := os.Hostname()
	if !held || !strings.HasPrefix(holder, host+" pid ") {
		t.Errorf("lockHolder = %q, %v", holder, held)
	}
	a.release()
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Errorf("the lock file is still there after release: %v", err)
	}
	if _, held := lockHolder(path); held {
		t.Errorf("lockHolder says held after release")
	}
	b, err := lockTask(path)
	if err != nil {
		t.Fatalf("lock after release: %v", err)
	}
	b.release()
}

// TestLockRace has goroutines take and release one lock many times; at no instant may two hold it.
func TestLockRace(t *testing.T) {
	path := filepath.Join(t.TempDir(), "t.lock")
	var mu sync.Mutex
	holders, runs := 0, 0
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 200 {
				l, err := lockTask(path)
				if errors.Is(err, errBusy) {
					continue
				}
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				holders++
				runs++
				if holders > 1 {
					t.Error("two holders at once")
				}
				mu.Unlock()
				time.Sleep(50 * time.Microsecond)
				mu.Lock()
				holders--
				mu.Unlock()
				l.release()
			}
		}()
	}
	wg.Wait()
	if runs == 0 {
		t.Error("nobody ever got the lock")
	}
}

// TestLockDeadHolder kills a process that holds a task's lock and checks that the lock is free at once.
func TestLockDeadHolder(t *testing.T) {
	path := filepath.Join(t.TempDir(), "t.lock")
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperHoldLock$")
	cmd.Env = append(os.Environ(), "SWEEP_TEST_HOLD_LOCK="+path)
	stdout, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	line := make(chan string, 1)
	go func() {
		s := bufio.NewScanner(stdout)
		for s.Scan() {
			if s.Text() == "locked" {
				line <- s.Text()
			}
		}
	}()
	select {
	case <-line:
	case <-time.After(30 * time.Second):
		t.Fatal("the helper did not take the lock within 30 s")
	}
	if _, err := lockTask(path); !errors.Is(err, errBusy) {
		t.Fatalf("lock held by another process: %v, want errBusy", err)
	}
	if holder, held := lockHolder(path); !held || !strings.Contains(holder, "pid ") {
		t.Errorf("lockHolder = %q, %v", holder, held)
	}
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("the killed holder's lock file should still be there: %v", err)
	}
	if _, held := lockHolder(path); held {
		t.Errorf("a dead process still holds the lock")
	}
	l, err := lockTask(path)
	if err != nil {
		t.Fatalf("lock after the holder died: %v", err)
	}
	l.release()
}

// TestHelperHoldLock is not a test: TestLockDeadHolder runs it in a subprocess to hold a lock until it is killed.
func TestHelperHoldLock(t *testing.T) {
	path := os.Getenv("SWEEP_TEST_HOLD_LOCK")
	if path == "" {
		t.Skip("helper process only")
	}
	if _, err := lockTask(path); err != nil {
		t.Fatal(err)
	}
	os.Stdout.WriteString("locked\n")
	time.Sleep(time.Minute)
	os.Exit(0)
}
