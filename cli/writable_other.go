//go:build !linux

package cli

// dirWritable reports whether a file can be created in dir, by creating one and removing it.
func dirWritable(dir string) error { return probeCreate(dir) }
