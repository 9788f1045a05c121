//go:build unix

package backends

import (
	"os/exec"
	"syscall"
)

// ownProcessGroup makes cmd start as the leader of a new process group, so that the host can kill the plugin with
// everything it started (the children of a wrapper script, say) at once, and so that a Ctrl-C at the terminal reaches
// only the host, which then stops its plugins itself.
func ownProcessGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
}

// killProcessGroup sends SIGKILL to every process of the group that pid leads. SIGKILL also ends a stopped
// (SIGSTOP) process.
func killProcessGroup(pid int) {
	if pid > 1 && pid != syscall.Getpgrp() {
		_ = syscall.Kill(-pid, syscall.SIGKILL)
	}
}
