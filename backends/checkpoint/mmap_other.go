//go:build !unix

package checkpoint

import (
	"io"
	"os"
)

// mapFile reads the whole of f into memory on systems without mmap.
func mapFile(f *os.File, size int64) ([]byte, error) {
	b := make([]byte, size)
	if _, err := io.ReadFull(f, b); err != nil {
		return nil, err
	}
	return b, nil
}

// unmapFile releases a buffer made by mapFile.
func unmapFile(b []byte) error { return nil }
