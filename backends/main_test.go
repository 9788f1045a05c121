package backends_test

import (
	"context"
	"fmt"
	"os"
	"testing"

	"github.com/scalefit/scalefit/backends"
	"github.com/scalefit/scalefit/backends/backendtest"
)

// fakeLayers is the number of layers of the fake that the test binary serves as its builtin "cpu" backend.
const fakeLayers = 4

// TestMain makes the test binary a scalefit plugin when Start re-executes it for the builtin "cpu" backend, the way
// the scalefit binary serves its CPU backend: the TestHelperProcess pattern, through the real entry point.
func TestMain(m *testing.M) {
	if backends.ServeBuiltinIfRequested(map[string]func() backends.Backend{
		"cpu": func() backends.Backend { return &backendtest.Fake{Layers: fakeLayers} },
	}) {
		os.Exit(0)
	}
	if os.Getenv(envTestHost) != "" {
		testHost()
	}
	os.Exit(m.Run())
}

// envTestHost makes the test binary a host that starts the builtin backend, prints the plugin's process id and socket
// directory, and waits to be killed: see TestPluginExitsWithHost.
const envTestHost = "SCALEFIT_TEST_HOST"

func testHost() {
	c, err := backends.Start(context.Background(), "cpu", backends.LaunchOptions{})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Println(c.Pid(), c.SockDir())
	select {}
}
