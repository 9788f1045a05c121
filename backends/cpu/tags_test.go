//go:build !noasm

package cpu_test

// buildTags are the build flags of this test binary, for the plugin it builds: none.
var buildTags []string
