//go:build (linux || freebsd || darwin) && (amd64 || arm64)

package vk

import (
	"fmt"
	"os"
	"runtime"
	"strings"

	"github.com/ebitengine/purego"
)

// EnvLoader, when set, names the Vulkan loader library to open instead of the system's (a path, or a name the
// dynamic linker resolves).
const EnvLoader = "SCALEFIT_VULKAN_LOADER"

// loaderNames are the Vulkan loader libraries tried in order.
func loaderNames() []string {
	if name := os.Getenv(EnvLoader); name != "" {
		return []string{name}
	}
	if runtime.GOOS == "darwin" {
		return []string{"libvulkan.1.dylib", "libvulkan.dylib", "libMoltenVK.dylib"}
	}
	return []string{"libvulkan.so.1", "libvulkan.so"}
}

// Open opens the system's Vulkan loader and resolves its global commands. The error wraps ErrNoLoader when no loader
// library is found.
func Open() (*Lib, error) {
	var errs []string
	for _, name := range loaderNames() {
		h, err := purego.Dlopen(name, purego.RTLD_NOW|purego.RTLD_LOCAL)
		if err != nil {
			errs = append(errs, err.Error())
			continue
		}
		gipa, err := purego.Dlsym(h, "vkGetInstanceProcAddr")
		if err != nil {
			_ = purego.Dlclose(h)
			return nil, fmt.Errorf("%s: vkGetInstanceProcAddr: %w", name, err)
		}
		l := &Lib{Path: name, getInstanceProcAddr: gipa}
		if err := l.loadGlobal(); err != nil {
			_ = purego.Dlclose(h)
			return nil, err
		}
		return l, nil
	}
	return nil, fmt.Errorf("%w (%s)", ErrNoLoader, strings.Join(errs, "; "))
}

// call calls the C function at fn with integer and pointer arguments and returns its integer result.
func call(fn uintptr, args ...uintptr) uintptr {
	r, _, _ := purego.SyscallN(fn, args...)
	return r
}
