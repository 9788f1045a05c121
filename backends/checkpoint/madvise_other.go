//go:build !linux

package checkpoint

// release is a no-op where madvise is not available.
func release(b []byte) {}
