package cli

import (
	"github.com/scalefit/scalefit/backends"
	"github.com/scalefit/scalefit/backends/cpu"
	"github.com/scalefit/scalefit/backends/vulkan"
)

// builtinBackends are the backends compiled into the scalefit binary. The host starts one by re-executing the
// binary with the environment variable that backends.ServeBuiltinIfRequested looks for.
var builtinBackends = map[string]func() backends.Backend{
	backends.BuiltinCPU:    func() backends.Backend { return cpu.New() },
	backends.BuiltinVulkan: func() backends.Backend { return vulkan.New() },
}

// servePlugin serves a builtin backend when this process was started as a plugin, and reports whether it did.
func servePlugin() bool { return backends.ServeBuiltinIfRequested(builtinBackends) }
