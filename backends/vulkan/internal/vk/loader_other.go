//go:build !((linux || freebsd || darwin) && (amd64 || arm64))

package vk

import (
	"fmt"
	"runtime"
)

// Open reports that this platform has no Vulkan binding: scalefit loads Vulkan with purego on 64-bit Linux, FreeBSD
// and macOS only.
func Open() (*Lib, error) {
	return nil, fmt.Errorf("%w: the Vulkan backend is not built for %s/%s", ErrNoLoader, runtime.GOOS, runtime.GOARCH)
}

func call(uintptr, ...uintptr) uintptr { panic("vk: no Vulkan binding on this platform") }
