// Command fakeplugin is a scalefit backend plugin that serves backendtest.Fake. The tests of package backends build
// it as scalefit-backend-fake to drive a real, separately built plugin binary.
package main

import (
	"github.com/scalefit/scalefit/backends"
	"github.com/scalefit/scalefit/backends/backendtest"
)

func main() {
	backends.Serve(&backendtest.Fake{Layers: 2})
}
