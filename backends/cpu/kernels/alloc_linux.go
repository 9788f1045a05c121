package kernels

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

// hugePage is the size of a transparent huge page on amd64 and arm64 Linux.
const hugePage = 2 << 20

// Alloc returns a new slice of n float32 values. A large one is backed by transparent huge pages where the kernel
// grants them (MADV_HUGEPAGE on the whole 2 MiB pages inside it): the GEMM then walks its rows with a fraction of
// the TLB misses, and the first touch of its memory, which costs microseconds per 4 KiB page on some virtual
// machines, is paid once per 2 MiB.
func Alloc(n int) []float32 {
	s := make([]float32, n)
	if 4*n < 2*hugePage {
		return s
	}
	b := unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(s))), 4*n)
	off := int((hugePage - uintptr(unsafe.Pointer(unsafe.SliceData(b)))%hugePage) % hugePage)
	_ = unix.Madvise(b[off:off+(len(b)-off)/hugePage*hugePage], unix.MADV_HUGEPAGE) // advice only
	return s
}
