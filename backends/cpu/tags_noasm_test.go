//go:build noasm

package cpu_test

// buildTags are the build flags of this test binary, for the plugin it builds, so that both run the same kernels.
var buildTags = []string{"-tags", "noasm"}
