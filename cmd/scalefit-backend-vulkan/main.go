// Command scalefit-backend-vulkan is the Vulkan backend as a standalone scalefit plugin. The scalefit binary serves
// the same backend itself (--backend vulkan), so this binary is only needed to run it from another host, or to keep
// the Vulkan driver out of the scalefit binary's address space entirely; give its path to --backend.
//
// It speaks the plugin protocol of docs/protocol.md on go-plugin's handshake; run by hand, it explains that it is a
// plugin and exits.
package main

import "github.com/scalefit/scalefit/backends/vulkan"

func main() { vulkan.Serve() }
