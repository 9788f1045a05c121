package vulkan

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"
)

// TestSPIRVMatchesSources recompiles every shader with shaders/gen.sh and checks that the committed SPIR-V, which
// the package embeds, is exactly what its GLSL sources give, and that no .spv is left without a source. Without glslc
// it skips, unless SCALEFIT_REQUIRE_VULKAN=1.
func TestSPIRVMatchesSources(t *testing.T) {
	if _, err := exec.LookPath("glslc"); err != nil {
		if requireVulkan() {
			t.Fatalf("glslc is needed to check the committed SPIR-V (apt-get install glslc): %v", err)
		}
		t.Skip("no glslc")
	}
	out := t.TempDir()
	cmd := exec.Command("bash", filepath.Join("shaders", "gen.sh"), out)
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("shaders/gen.sh: %v\n%s", err, msg)
	}
	fresh, err := filepath.Glob(filepath.Join(out, "*.spv"))
	if err != nil || len(fresh) == 0 {
		t.Fatalf("gen.sh wrote no SPIR-V: %v", err)
	}
	committed, err := filepath.Glob(filepath.Join("shaders", "*.spv"))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range fresh {
		name := filepath.Base(f)
		names = append(names, name)
		want, _ := os.ReadFile(f)
		got, err := spirv.ReadFile("shaders/" + name)
		if err != nil {
			t.Errorf("%s is not committed: run backends/vulkan/shaders/gen.sh", name)
			continue
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s does not match its source: run backends/vulkan/shaders/gen.sh and commit the result", name)
		}
	}
	for _, f := range committed {
		if !slices.Contains(names, filepath.Base(f)) {
			t.Errorf("%s has no source shader; remove it", f)
		}
	}
}
