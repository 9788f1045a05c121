package cli

import (
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/scalefit/scalefit/backends/vulkan"
	"github.com/scalefit/scalefit/schema"
)

// vulkanAvailable skips the test where no Vulkan device exists, unless scripts/test requires the Vulkan tests.
func vulkanAvailable(t *testing.T) {
	t.Helper()
	if _, err := vulkan.Probe(); err != nil {
		if os.Getenv("SCALEFIT_REQUIRE_VULKAN") == "1" || !errors.Is(err, vulkan.ErrUnavailable) {
			t.Fatal(err)
		}
		t.Skipf("no Vulkan device: %v", err)
	}
}

// TestVulkanRun runs a model on the builtin vulkan backend, through the plugin subprocess, and checks the run file
// against the cpu backend's: every layer gain within 1e-4.
func TestVulkanRun(t *testing.T) {
	vulkanAvailable(t)
	dir := t.TempDir()
	model := filepath.Join(dir, "tiny")
	mustScalefit(t, "synth", "--preset", "tiny", "--dtype", "bf16", "--out", model)
	tokens := filepath.Join(dir, "t.jsonl")
	os.WriteFile(tokens, []byte("[1,2,3,4,5,6,7,8,9]\n[10,11,12,13,14]\n"), 0o644)
	if out := mustScalefit(t, "backends"); !strings.Contains(out, "vulkan") || strings.Contains(out, "unavailable") {
		t.Errorf("scalefit backends does not list a vulkan device:\n%s", out)
	}
	runs := map[string]*schema.Run{}
	for _, backend := range []string{"cpu", "vulkan"} {
		out := filepath.Join(dir, backend+".parquet")
		mustScalefit(t, "run", "--model", model, "--tokens", tokens, "--backend", backend, "--device", "0", "--loss", "--out", out, "--quiet")
		run, err := schema.Read(out)
		if err != nil {
			t.Fatal(err)
		}
		runs[backend] = run
	}
	want := map[[3]any]float64{}
	for _, r := range runs["cpu"].Rows {
		want[[3]any{r.Layer, r.Component, r.Seq}] = r.GainMean
	}
	for _, r := range runs["vulkan"].Rows {
		w := want[[3]any{r.Layer, r.Component, r.Seq}]
		if r.Backend != "vulkan" || math.Abs(r.GainMean-w) > 1e-4*math.Abs(w) {
			t.Errorf("%s layer %d %s seq %d: gain %.9g, cpu %.9g", r.Backend, r.Layer, r.Component, r.Seq, r.GainMean, w)
		}
	}
	if len(runs["vulkan"].Rows) != len(runs["cpu"].Rows) {
		t.Errorf("%d rows, cpu %d", len(runs["vulkan"].Rows), len(runs["cpu"].Rows))
	}
	if !strings.HasPrefix(runs["vulkan"].Meta[schema.MetaBackend], "vulkan ") {
		t.Errorf("backend metadata %q", runs["vulkan"].Meta[schema.MetaBackend])
	}
}

// TestVulkanFaults checks what a user sees when Vulkan is missing or its device fails: one line saying so, no run
// file, and a host that carries on, whether the plugin reports the fault or dies of it.
func TestVulkanFaults(t *testing.T) {
	dir := t.TempDir()
	model := filepath.Join(dir, "tiny")
	mustScalefit(t, "synth", "--preset", "tiny", "--layers", "1", "--out", model)
	tokens := filepath.Join(dir, "t.jsonl")
	os.WriteFile(tokens, []byte("[1,2,3,4]\n"), 0o644)

	t.Run("no loader", func(t *testing.T) {
		t.Setenv("SCALEFIT_VULKAN_LOADER", filepath.Join(dir, "libvulkan.so.1"))
		out := mustScalefit(t, "backends")
		if !strings.Contains(out, "unavailable: no Vulkan loader") {
			t.Errorf("scalefit backends without a loader:\n%s", out)
		}
		checkRunFails(t, model, tokens, filepath.Join(dir, "a.parquet"), "vulkan: unavailable: no Vulkan loader")
	})
	for _, c := range []struct{ fault, want string }{
		{"device-lost", "the Vulkan device was lost"},
		{"out-of-memory", "out of device memory"},
		{"crash", "vulkan"},
	} {
		t.Run(c.fault, func(t *testing.T) {
			vulkanAvailable(t)
			t.Setenv(vulkan.EnvFault, c.fault)
			checkRunFails(t, model, tokens, filepath.Join(dir, c.fault+".parquet"), c.want)
		})
	}
	t.Run("no such device", func(t *testing.T) {
		vulkanAvailable(t)
		_, err := scalefit(t, "run", "--model", model, "--tokens", tokens, "--backend", "vulkan", "--device", "99",
			"--out", filepath.Join(dir, "d.parquet"), "--quiet")
		if err == nil || !strings.Contains(err.Error(), "no device 99") {
			t.Errorf("--device 99: %v", err)
		}
	})
}

// checkRunFails runs model on the vulkan backend and checks that the run fails with one line containing want and
// writes nothing at out.
func checkRunFails(t *testing.T, model, tokens, out, want string) {
	t.Helper()
	_, err := scalefit(t, "run", "--model", model, "--tokens", tokens, "--backend", "vulkan", "--out", out, "--quiet")
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("error = %v, want it to contain %q", err, want)
	}
	if strings.Contains(err.Error(), "\n") || strings.Contains(err.Error(), "goroutine") {
		t.Errorf("error is not one line: %q", err)
	}
	if _, statErr := os.Stat(out); statErr == nil {
		t.Errorf("a failed run wrote %s", out)
	}
	t.Log(err)
}
