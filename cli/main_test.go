package cli

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/scalefit/scalefit/backends"
	"github.com/scalefit/scalefit/backends/backendtest"
)

// TestMain lets the test binary serve as the cpu backend plugin: the run command re-executes os.Executable(), which
// under go test is this binary, exactly as the scalefit binary re-executes itself.
//
// With SCALEFIT_TEST_MAIN=1 the test binary is the scalefit command itself (its arguments are the command line), for
// tests that start scalefit as a process of its own (a sweep to kill, a Slurm job, a run to interrupt); with
// envFakeBackend set its builtin "cpu" backend is backendtest.Fake, whose run of a model named "block" waits until it
// is cancelled.
func TestMain(m *testing.M) {
	if os.Getenv(envFakeBackend) != "" {
		builtinBackends[backends.BuiltinCPU] = func() backends.Backend { return &backendtest.Fake{} }
	}
	if servePlugin() {
		os.Exit(0)
	}
	if os.Getenv(envTestMain) == "1" {
		os.Exit(Main(os.Args))
	}
	os.Exit(m.Run())
}

// Environment variables of the roles of the test binary; see TestMain.
const (
	envTestMain    = "SCALEFIT_TEST_MAIN"
	envFakeBackend = "SCALEFIT_TEST_FAKE_BACKEND"
)

// scalefit runs the command line in-process and returns its stdout and the error the command returned.
func scalefit(t *testing.T, args ...string) (string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	err := App(&out, &errOut).Run(interspersed(append([]string{"scalefit"}, args...)))
	return out.String(), err
}

// mustScalefit is scalefit that fails the test on an error.
func mustScalefit(t *testing.T, args ...string) string {
	t.Helper()
	out, err := scalefit(t, args...)
	if err != nil {
		t.Fatalf("scalefit %s: %v", strings.Join(args, " "), err)
	}
	return out
}

// requireReference skips a test whose external reference is missing, unless scripts/test asked for every reference.
func requireReference(t *testing.T, what string) {
	t.Helper()
	if os.Getenv("SCALEFIT_REQUIRE_REFERENCES") != "" {
		t.Fatalf("reference %s is missing (scripts/test should have installed it)", what)
	}
	t.Skipf("reference %s is missing; run scripts/test to install it", what)
}

// duckdbModules returns the node_modules folder that holds @duckdb/node-api ($SCALEFIT_NODE_MODULES, else
// testdata/node/node_modules), skipping or failing the test as requireReference says when it is missing.
func duckdbModules(t *testing.T) string {
	t.Helper()
	modules := os.Getenv("SCALEFIT_NODE_MODULES")
	if modules == "" {
		modules, _ = filepath.Abs("../testdata/node/node_modules")
	}
	if _, err := os.Stat(filepath.Join(modules, "@duckdb", "node-api")); err != nil {
		requireReference(t, "@duckdb/node-api")
	}
	return modules
}
