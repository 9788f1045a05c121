// Command benchgpu measures the Vulkan backend on the device it finds (scripts/bench-gpu runs it): the device's
// float32 peak, measured with an FMA-bound kernel; the GEMM's GFLOP/s against that peak; and tokens per second for
// synthesised checkpoints of real models' shapes, on the Vulkan backend and on the CPU backend of the same machine.
// Every figure is measured; none is looked up or assumed.
package main

import (
	"context"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/scalefit/scalefit/backends"
	"github.com/scalefit/scalefit/backends/arch"
	"github.com/scalefit/scalefit/backends/cpu"
	"github.com/scalefit/scalefit/backends/synth"
	"github.com/scalefit/scalefit/backends/vulkan"
	"github.com/scalefit/scalefit/schema"
)

func main() {
	device := flag.Int("device", 0, "Vulkan device, as `scalefit backends` numbers them")
	layers := flag.Int("layers", 0, "layers of each synthesised model (0: 2 on a CPU device, all on a GPU)")
	tokens := flag.Int("tokens", 0, "tokens per model run, in sequences of 512 (0: 512 on a CPU device, 8192 on a GPU)")
	models := flag.String("models", "pythia-1.4b,llama-3.2-1b", "synth presets to time, comma-separated")
	gemm := flag.String("gemm", "", "GEMM sizes M×N×K to time, comma-separated (default: by device type)")
	withCPU := flag.Bool("cpu", true, "also time the CPU backend, for the ratio")
	flag.Parse()
	if err := run(*device, *layers, *tokens, *models, *gemm, *withCPU); err != nil {
		fmt.Fprintln(os.Stderr, "bench-gpu:", err)
		os.Exit(1)
	}
}

func run(device, layers, tokens int, models, gemm string, withCPU bool) error {
	devs, err := vulkan.Probe()
	if err != nil {
		return err
	}
	if device < 0 || device >= len(devs) {
		return fmt.Errorf("no device %d (found %d)", device, len(devs))
	}
	info := devs[device]
	fmt.Printf("device %s\n", info)
	isCPU := info.Type == "CPU"
	o, err := vulkan.NewOps(device, nil)
	if err != nil {
		return err
	}
	defer o.Close()

	peak, err := o.PeakFLOPS()
	if err != nil {
		return err
	}
	fmt.Printf("fp32 peak: %.1f GFLOP/s, measured with an FMA-bound kernel (independent vec4 FMA chains, no memory traffic)\n", peak/1e9)

	if gemm == "" {
		gemm = "4096x4096x4096,8192x2048x2048,8192x8192x2048,8192x2048x8192"
		if isCPU {
			gemm = "1024x1024x1024,2048x2048x2048,512x8192x2048"
		}
	}
	fmt.Println("GEMM, float32 (y = x·Wᵀ for OutIn, y = x·W for InOut; x is M×K, y is M×N):")
	for _, s := range strings.Split(gemm, ",") {
		var m, n, k int
		if _, err := fmt.Sscanf(s, "%dx%dx%d", &m, &n, &k); err != nil {
			return fmt.Errorf("-gemm %q: want M×N×K as 2048x2048x2048", s)
		}
		for _, l := range []arch.Layout{arch.OutIn, arch.InOut} {
			sec, err := o.GEMMSeconds(m, n, k, 3, l)
			if err != nil {
				return err
			}
			f := 2 * float64(m) * float64(n) * float64(k) / sec
			fmt.Printf("  %5d×%5d×%5d %-6s %8.1f GFLOP/s  %5.1f%% of peak\n", m, n, k, map[arch.Layout]string{arch.OutIn: "OutIn", arch.InOut: "InOut"}[l],
				f/1e9, 100*f/peak)
		}
	}
	o.Close()

	if tokens == 0 {
		tokens = 8192
		if isCPU {
			tokens = 512
		}
	}
	fmt.Printf("model runs: synthesised f16 checkpoints, %d tokens in sequences of up to 512, gains only (no loss):\n", tokens)
	for _, name := range strings.Split(models, ",") {
		if err := timeModel(name, device, layers, tokens, isCPU, withCPU); err != nil {
			fmt.Printf("  %s: %v\n", name, err)
		}
	}
	return nil
}

// timeModel synthesises preset name with the given number of layers and times a run of tokens tokens on the Vulkan
// backend and, with withCPU, on the CPU backend.
func timeModel(name string, device, layers, tokens int, isCPU, withCPU bool) error {
	preset, ok := synth.LookupPreset(name)
	if !ok {
		return fmt.Errorf("no synth preset %q (its family is not registered yet; presets: %s)", name, synth.PresetNames())
	}
	full := preset.Shape.Layers
	if layers == 0 {
		layers = full
		if isCPU {
			layers = min(2, full)
		}
	}
	dir, err := os.MkdirTemp("", "bench-gpu-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	model := filepath.Join(dir, name)
	if _, err := synth.Synth(model, synth.Options{Preset: name, Shape: arch.Shape{Layers: layers}, Seed: 1}, nil); err != nil {
		return err
	}
	rng := rand.New(rand.NewPCG(1, 2))
	var seqs [][]int32
	for left := tokens; left > 0; left -= 512 {
		s := make([]int32, min(512, left))
		for i := range s {
			s[i] = int32(rng.IntN(preset.Shape.Vocab))
		}
		seqs = append(seqs, s)
	}
	req := &backends.Request{ModelDir: model, Model: name, Sequences: seqs, Device: device}
	vk, err := timeRun(vulkan.New(), req)
	if err != nil {
		return fmt.Errorf("vulkan: %w", err)
	}
	line := fmt.Sprintf("  %-14s %d of %d layers  vulkan %8.1f tok/s (%.1f tok/s for all %d layers)", name, layers, full, vk,
		vk*float64(layers)/float64(full), full)
	if withCPU {
		c, err := timeRun(cpu.New(), req)
		if err != nil {
			return fmt.Errorf("cpu: %w", err)
		}
		line += fmt.Sprintf("  cpu %8.1f tok/s  vulkan/cpu %.2f", c, vk/c)
	}
	fmt.Println(line)
	return nil
}

// timeRun runs req on b and returns tokens per second over the whole run, checkpoint reading included.
func timeRun(b backends.Backend, req *backends.Request) (float64, error) {
	n := 0
	for _, s := range req.Sequences {
		n += len(s)
	}
	start := time.Now()
	if _, err := b.Run(context.Background(), req, discard{}); err != nil {
		return 0, err
	}
	return float64(n) / time.Since(start).Seconds(), nil
}

type discard struct{}

func (discard) Progress(backends.Progress) {}
func (discard) Rows([]schema.Row) error    { return nil }
