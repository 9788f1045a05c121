package kernels

import (
	"fmt"
	"os"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"
)

// Machine describes the processor the kernels run on, as CPUID reports it, and its float32 peak as measured at run
// time: hosts differ from one session to the next, so nothing here is a constant.
type Machine struct {
	Vendor   string // CPUID vendor, e.g. "AuthenticAMD"; "" off amd64
	Brand    string // CPUID brand string, e.g. "AMD EPYC 9B45"
	Family   int    // display family (base + extended), e.g. 0x1a
	Model    int    // display model (extended << 4 | base)
	Microarc string // e.g. "Zen 5" for AMD's families 17h–1Ah; "" where not known
	AVX2     bool   // AVX2 and FMA, with the OS saving YMM state
	AVX512   bool   // AVX-512 F, with the OS saving ZMM state
	Cores    int    // logical CPUs the process may use

	// ISA is the instruction set the GEMM runs on: "avx512", "avx2" or "go" (the pure-Go fallback).
	ISA string
	// CoreFLOPS is the float32 rate of one core on ISA, FLOP/s: an FMA-bound loop (independent chains, no memory
	// traffic) timed by the thread's CPU clock, so that other processes on the machine do not lower it. For "go" it
	// is the rate of the fallback's multiply-add loop.
	CoreFLOPS float64
	// PeakFLOPS is CoreFLOPS × Cores, the float32 peak of the machine on ISA.
	PeakFLOPS float64
	// YMMFLOPS and ZMMFLOPS are the measured per-core rates of 256-bit and 512-bit FMAs (0 where not available); the
	// GEMM runs on 512-bit registers only where they are at least zmmGain times as fast.
	YMMFLOPS, ZMMFLOPS float64
}

// zmmGain is how much faster 512-bit FMAs must be than 256-bit ones for the GEMM to use them: on Zen 5 and on Intel
// cores with two 512-bit FMA units they are twice as fast; on Zen 4, which splits them in two halves, they are not.
const zmmGain = 1.3

// EnvISA names the environment variable that overrides the GEMM's instruction set: "avx512", "avx2" or "go". It is
// for benchmarks and tests; a value the CPU cannot run is ignored.
const EnvISA = "SCALEFIT_CPU_ISA"

var (
	machineOnce sync.Once
	machine     Machine
)

// DetectMachine returns the processor's description and measured peak. The first call measures (a few tens of
// milliseconds of CPU per core); later calls return the same value.
func DetectMachine() Machine {
	machineOnce.Do(func() {
		machine = detect()
		setISA(machine.ISA)
	})
	return machine
}

// detect reads CPUID, measures the FMA rates and chooses the GEMM's instruction set.
func detect() Machine {
	m := cpuidMachine()
	m.Cores = runtime.GOMAXPROCS(0)
	m.Microarc = microarchitecture(m.Vendor, m.Family, m.Model)
	if m.AVX2 {
		m.YMMFLOPS = fmaRate(fmaYMM, 8)
	}
	if m.AVX512 {
		m.ZMMFLOPS = fmaRate(fmaZMM, 16)
	}
	switch {
	case m.AVX512 && m.ZMMFLOPS >= zmmGain*m.YMMFLOPS:
		m.ISA, m.CoreFLOPS = "avx512", m.ZMMFLOPS
	case m.AVX2:
		m.ISA, m.CoreFLOPS = "avx2", m.YMMFLOPS
	default:
		m.ISA, m.CoreFLOPS = "go", fmaRate(fmaGo, 1)
	}
	switch want := strings.ToLower(os.Getenv(EnvISA)); {
	case want == "avx512" && m.AVX512:
		m.ISA, m.CoreFLOPS = want, m.ZMMFLOPS
	case want == "avx2" && m.AVX2:
		m.ISA, m.CoreFLOPS = want, m.YMMFLOPS
	case want == "go":
		m.ISA, m.CoreFLOPS = want, fmaRate(fmaGo, 1)
	}
	m.PeakFLOPS = m.CoreFLOPS * float64(m.Cores)
	return m
}

// String describes the machine in one line, e.g. "AMD EPYC 9B45 (Zen 5), 2 cores, AVX2 AVX-512; fp32 peak 460
// GFLOP/s measured (2 × 230, avx512 FMA)".
func (m Machine) String() string {
	name := m.Brand
	if name == "" {
		name = runtime.GOARCH
	}
	if m.Microarc != "" {
		name += " (" + m.Microarc + ")"
	}
	var isa []string
	if m.AVX2 {
		isa = append(isa, "AVX2")
	}
	if m.AVX512 {
		isa = append(isa, "AVX-512")
	}
	switch {
	case len(isa) == 0 && m.Vendor == "":
		isa = append(isa, "extensions not read (pure-Go build)")
	case len(isa) == 0:
		isa = append(isa, "no AVX2")
	}
	return fmt.Sprintf("%s, %d cores, %s; fp32 peak %.0f GFLOP/s measured (%d × %.0f, %s)", name, m.Cores,
		strings.Join(isa, " "), m.PeakFLOPS/1e9, m.Cores, m.CoreFLOPS/1e9, isaName(m.ISA))
}

func isaName(isa string) string {
	switch isa {
	case "avx512":
		return "512-bit FMA"
	case "avx2":
		return "256-bit FMA"
	}
	return "pure Go"
}

// microarchitecture names AMD's Zen generation from the display family and model that CPUID reports: family 17h is
// Zen, Zen+ (models below 30h) and Zen 2; 19h is Zen 3, with Zen 4 at models 10h–1Fh, 60h–7Fh and A0h–AFh; 1Ah is
// Zen 5. It returns "" for other vendors and families.
func microarchitecture(vendor string, family, model int) string {
	if vendor != "AuthenticAMD" && vendor != "HygonGenuine" {
		return ""
	}
	switch family {
	case 0x17:
		if model < 0x30 {
			return "Zen/Zen+"
		}
		return "Zen 2"
	case 0x18:
		return "Zen (Hygon)"
	case 0x19:
		if (model >= 0x10 && model < 0x20) || (model >= 0x60 && model < 0x80) || (model >= 0xa0 && model < 0xb0) {
			return "Zen 4"
		}
		return "Zen 3"
	case 0x1a:
		return "Zen 5"
	}
	if family > 0x1a {
		return fmt.Sprintf("Zen, family %#x", family)
	}
	return ""
}

// fmaRate measures the float32 rate of one core running loop (each iteration 12 independent FMAs of lanes lanes, 24
// lanes of FLOP per iteration, or 12 multiply-adds for the Go loop) on every core at once, each goroutine locked to
// its thread and timed by that thread's CPU clock. Each core first runs the loop for about 10 ms unmeasured, so that
// it reaches the clock it keeps under load, then five times for about 2 ms; the fastest of all is returned:
// contention can only slow a core down, so the fastest measurement is the closest to what a core can do.
func fmaRate(loop func(n int), lanes int) float64 {
	flopsPerIter := float64(12 * 2 * lanes)
	// Calibrate: find n for about 1 ms of CPU.
	runtime.LockOSThread()
	n := 1 << 10
	for {
		t := threadCPU()
		loop(n)
		if d := threadCPU() - t; d > 200*time.Microsecond || n > 1<<30 {
			n = max(n, int(float64(n)*float64(time.Millisecond)/float64(max(d, 1))))
			break
		}
		n *= 4
	}
	runtime.UnlockOSThread()
	cores := runtime.GOMAXPROCS(0)
	rates := make([]float64, cores)
	var wg sync.WaitGroup
	wg.Add(cores)
	for c := range cores {
		go func() {
			defer wg.Done()
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			loop(10 * n)
			for range 5 {
				t := threadCPU()
				loop(2 * n)
				if d := threadCPU() - t; d > 0 {
					rates[c] = max(rates[c], 2*float64(n)*flopsPerIter/d.Seconds())
				}
			}
		}()
	}
	wg.Wait()
	return slices.Max(rates)
}

// MeasureSpeed returns the FLOP/s that Linear sustains now on threads goroutines, by the wall clock: the best of
// three products of a 512 × 1024 activation by a 1024 × 1024 weight (a GFLOP each). On a busy machine it is lower
// than on a quiet one, as a run's speed would be; a run's time estimate divides its FLOP count by it.
func MeasureSpeed(threads int) float64 {
	const T, n = 512, 1024
	x, w := make([]float32, T*n), make([]float32, n*n)
	for i := range w {
		w[i] = float32(i%7) - 3
	}
	for i := range x {
		x[i] = float32(i%5) - 2
	}
	y := make([]float32, T*n)
	var ws GemmWorkspace
	best := 0.0
	for range 3 {
		start := time.Now()
		Linear(y, x, F32Matrix(w, n, n), nil, T, false, threads, &ws)
		if d := time.Since(start).Seconds(); d > 0 {
			best = max(best, 2*T*n*n/d)
		}
	}
	return best
}

// fmaGo is the pure-Go path's FMA loop: twelve independent float32 multiply-add chains, n iterations.
func fmaGo(n int) {
	var a [12]float32
	x, y := float32(0.999), float32(1e-3)
	for range n {
		for i := range a {
			a[i] = a[i]*x + y
		}
	}
	fmaSink = a[0] + a[11]
}

var fmaSink float32
