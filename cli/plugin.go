package cli

// servePlugin serves a builtin backend when this process was started as a plugin (the self re-exec of DESIGN.md §2).
// It returns false for an ordinary command-line start.
func servePlugin() bool {
	return false // TODO(lead): wire backends.ServeBuiltinIfRequested once the protocol lands.
}
