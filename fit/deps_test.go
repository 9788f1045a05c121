package fit

import (
	"os/exec"
	"strings"
	"testing"
)

// TestDependencies keeps package fit a statistics package: it reaches the model registry and the reference results
// (package datasets) but never the tokenizer, the backends or the report. A dependency on them would drag text
// processing or plugin code into every program that only fits laws.
func TestDependencies(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", ".").Output()
	if err != nil {
		t.Skipf("go list: %v", err)
	}
	for _, dep := range strings.Fields(string(out)) {
		for _, banned := range []string{"/datasets/tokenizer", "/backends", "/report", "/plot", "/cli", "regexp2"} {
			if strings.Contains(dep, banned) {
				t.Errorf("fit depends on %s", dep)
			}
		}
	}
}
