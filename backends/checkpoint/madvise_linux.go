package checkpoint

import (
	"syscall"
	"unsafe"
)

// release tells the kernel that this process no longer needs the pages wholly inside b, a part of a read-only file
// mapping. They stay in the page cache and a later read faults them back in, but they stop counting towards the
// process's resident memory, so memory tracks the tensor being converted rather than every tensor read so far.
func release(b []byte) {
	page := syscall.Getpagesize()
	if len(b) < 2*page {
		return
	}
	addr := uintptr(unsafe.Pointer(unsafe.SliceData(b)))
	start := (page - int(addr%uintptr(page))) % page
	end := len(b) - int((addr+uintptr(len(b)))%uintptr(page))
	if end-start < page {
		return
	}
	_ = syscall.Madvise(b[start:end], syscall.MADV_DONTNEED) // advice only: failure changes nothing
}
