package cli

import (
	"errors"

	"golang.org/x/sys/unix"
)

// dirWritable reports whether a file can be created in dir. It opens an unnamed file there (O_TMPFILE), which the
// file system creates and checks as it would a named one (permissions, ACLs, read-only mounts, file systems such as
// /proc that take no files) and which vanishes when closed, so a process killed during the check leaves nothing
// behind. Where the file system has no O_TMPFILE it creates and removes a named file instead.
func dirWritable(dir string) error {
	fd, err := unix.Open(dir, unix.O_TMPFILE|unix.O_WRONLY|unix.O_CLOEXEC, 0o600)
	if err == nil {
		return unix.Close(fd)
	}
	if errors.Is(err, unix.EOPNOTSUPP) || errors.Is(err, unix.EISDIR) || errors.Is(err, unix.EINVAL) {
		return probeCreate(dir)
	}
	return err
}
