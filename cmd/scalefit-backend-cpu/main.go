// Command scalefit-backend-cpu is the CPU backend as a standalone scalefit plugin. The scalefit binary serves the same
// backend itself, so this binary is only needed to run the CPU backend from another host, or as a reference
// external plugin; scalefit finds it by name (--backend cpu is the builtin, so give its path).
//
// It speaks the plugin protocol of docs/protocol.md on go-plugin's handshake; run by hand, it explains that it is a
// plugin and exits.
package main

import "github.com/scalefit/scalefit/backends/cpu"

func main() { cpu.Serve() }
