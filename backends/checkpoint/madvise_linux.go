package checkpoint

import (
	"syscall"
	"unsafe"
)

// pages returns the part of b, a part of a file mapping, made of whole pages, or nil when there is none.
func pages(b []byte) []byte {
	page := syscall.Getpagesize()
	if len(b) < page {
		return nil
	}
	addr := uintptr(unsafe.Pointer(unsafe.SliceData(b)))
	start := (page - int(addr%uintptr(page))) % page
	end := len(b) - int((addr+uintptr(len(b)))%uintptr(page))
	if end-start < page {
		return nil
	}
	return b[start:end]
}

// release tells the kernel that this process no longer needs the pages wholly inside b, a part of a read-only file
// mapping. They stay in the page cache and a later read faults them back in, but they stop counting towards the
// process's resident memory, so memory tracks the tensors being read rather than every tensor read so far.
func release(b []byte) {
	if p := pages(b); p != nil {
		_ = syscall.Madvise(p, syscall.MADV_DONTNEED) // advice only: failure changes nothing
	}
}

// willNeed asks the kernel to read bytes [off, off+n) of the file mapping m into its page cache ahead of use
// (MADV_WILLNEED): the reads are queued and run in the background. Nothing is mapped into the process.
func willNeed(m []byte, off, n int) {
	page := syscall.Getpagesize()
	lo, hi := off/page*page, min(len(m), (off+n+page-1)/page*page)
	if n <= 0 || lo >= hi {
		return
	}
	_ = syscall.Madvise(m[lo:hi], syscall.MADV_WILLNEED) // advice only
}
