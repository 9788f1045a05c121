//go:build !linux

package checkpoint

// release is a no-op where madvise is not available.
func release(b []byte) {}

// willNeed is a no-op where madvise is not available: pages are read when first touched.
func willNeed(m []byte, off, n int) {}
