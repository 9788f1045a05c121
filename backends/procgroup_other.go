//go:build !unix

package backends

import "os/exec"

// ownProcessGroup does nothing where there are no Unix process groups.
func ownProcessGroup(*exec.Cmd) {}

// killProcessGroup does nothing where there are no Unix process groups: go-plugin kills the process itself.
func killProcessGroup(int) {}
