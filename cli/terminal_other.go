//go:build !unix

package cli

import "os"

// windowWidth is 0 where the window size cannot be read: outputWidth then assumes 80 columns.
func windowWidth(*os.File) int { return 0 }
