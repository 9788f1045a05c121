//go:build !unix

package sweep

import "errors"

var errBusy = errors.New("locked by another process")

type taskLock struct{}

// lockTask needs flock(2), which only Unix systems have.
func lockTask(path string) (*taskLock, error) {
	return nil, errors.New("sweep: task locks need a Unix system (flock)")
}

func (l *taskLock) release() {}

func lockHolder(path string) (string, bool) { return "", false }
