//go:build unix

package sweep

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// errBusy says that another process holds a task's lock.
var errBusy = errors.New("locked by another process")

// taskLock is an exclusive flock(2) on a task's lock file. The kernel drops the lock when its holder exits,
// however it exits, so a killed sweep never leaves a task locked: the file stays, but the next sweep locks it at
// once. The file holds the holder's host and process id, for --status.
type taskLock struct {
	f    *os.File
	path string
}

// lockTask takes the lock at path without waiting. It returns errBusy when another process holds it.
//
// A holder removes the file before it lets go (see release), so a process may lock a file that has just been
// unlinked; it then checks that path still names the file it locked, and starts over if not. Two processes can
// therefore never both hold the lock of one path.
func lockTask(path string) (*taskLock, error) {
	for range 100 {
		f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
		if err != nil {
			return nil, fmt.Errorf("lock %s: %w", path, err)
		}
		if err := flock(f, unix.LOCK_EX|unix.LOCK_NB); err != nil {
			f.Close()
			if errors.Is(err, unix.EWOULDBLOCK) {
				return nil, errBusy
			}
			return nil, fmt.Errorf("lock %s: %w", path, err)
		}
		held, err1 := f.Stat()
		named, err2 := os.Stat(path)
		if err1 != nil || err2 != nil || !os.SameFile(held, named) {
			f.Close() // the holder before us removed it; lock the file that is there now
			continue
		}
		host, _ := os.Hostname()
		f.Truncate(0)
		fmt.Fprintf(f, "%s pid %d since %s\n", host, os.Getpid(), time.Now().UTC().Format(time.RFC3339))
		return &taskLock{f: f, path: path}, nil
	}
	return nil, fmt.Errorf("lock %s: the file keeps being replaced", path)
}

// release removes the lock file and drops the lock, in that order (see lockTask).
func (l *taskLock) release() {
	os.Remove(l.path)
	l.f.Close()
}

// lockHolder reports whether some process holds the lock at path, and what it wrote there (host, pid, start). It
// takes a shared lock for an instant to find out, and never creates the file.
func lockHolder(path string) (string, bool) {
	f, err := os.Open(path)
	if err != nil {
		return "", false
	}
	defer f.Close()
	if err := flock(f, unix.LOCK_SH|unix.LOCK_NB); err != nil {
		b := make([]byte, 256)
		n, _ := f.Read(b)
		return strings.TrimSpace(string(b[:n])), true
	}
	flock(f, unix.LOCK_UN)
	return "", false
}

// flock calls flock(2), retrying when a signal interrupts it.
func flock(f *os.File, how int) error {
	for {
		err := unix.Flock(int(f.Fd()), how)
		if err != unix.EINTR {
			return err
		}
	}
}
