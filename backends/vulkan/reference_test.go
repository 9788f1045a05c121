package vulkan

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/scalefit/scalefit/backends"
	"github.com/scalefit/scalefit/backends/arch"
	"github.com/scalefit/scalefit/backends/cpu"
	"github.com/scalefit/scalefit/schema"
)

// referenceDir holds tiny checkpoints of every family with the gains an independent torch implementation measured
// (testdata/reference/gen.py).
const referenceDir = "../../testdata/reference"

// backendTol is the relative tolerance between the Vulkan and CPU backends, and between the Vulkan backend and the
// torch reference: per row (gain mean, min and max, mean norms), per token-weighted layer gain, and for the loss.
const backendTol = 1e-4

type refCase struct {
	Architecture string    `json:"architecture"`
	Sequences    [][]int32 `json:"sequences"`
	Runs         []struct {
		SkipFirst int      `json:"skip_first"`
		GELU      *string  `json:"gelu"`
		Loss      *float64 `json:"loss"`
		Rows      []struct {
			Layer       int32   `json:"layer"`
			Component   string  `json:"component"`
			Seq         int32   `json:"seq"`
			GainMean    float64 `json:"gain_mean"`
			GainMin     float64 `json:"gain_min"`
			GainMax     float64 `json:"gain_max"`
			NormInMean  float64 `json:"norm_in_mean"`
			NormOutMean float64 `json:"norm_out_mean"`
		} `json:"rows"`
	} `json:"runs"`
}

// memSink collects what a backend sends.
type memSink struct{ rows []schema.Row }

func (s *memSink) Progress(backends.Progress) {}
func (s *memSink) Rows(r []schema.Row) error  { s.rows = append(s.rows, r...); return nil }

// rowKey names a row.
type rowKey struct {
	layer int32
	comp  string
	seq   int32
}

// TestReferenceAgainstCPU runs every case and run of testdata/reference on the Vulkan backend and on the CPU backend
// and checks that every row's gains and norms, every token-weighted layer gain and the loss agree within 1e-4, and
// that they agree as closely with the torch reference.
func TestReferenceAgainstCPU(t *testing.T) {
	paths, err := filepath.Glob(filepath.Join(referenceDir, "*", "expected.json"))
	if err != nil || len(paths) == 0 {
		t.Fatalf("no reference cases under %s: %v", referenceDir, err)
	}
	openTestOps(t, memSource{}) // skips, or fails under SCALEFIT_REQUIRE_VULKAN=1, without a device
	for _, path := range paths {
		name := filepath.Base(filepath.Dir(path))
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		var c refCase
		if err := json.Unmarshal(data, &c); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		if c.Architecture == "" {
			c.Architecture = "gpt_neox"
		}
		for ri, run := range c.Runs {
			gelu := ""
			if run.GELU != nil {
				gelu = *run.GELU
			}
			t.Run(fmt.Sprintf("%s/%d", name, ri), func(t *testing.T) {
				if _, ok := arch.Lookup(c.Architecture); !ok {
					t.Skipf("architecture %s: no family registered", c.Architecture)
				}
				req := &backends.Request{
					ModelDir: filepath.Join(referenceDir, name), Model: "ref", Sequences: c.Sequences,
					SkipFirst: run.SkipFirst, GELU: gelu, Loss: run.Loss != nil,
				}
				var vk, cp memSink
				vres, err := New().Run(context.Background(), req, &vk)
				if err != nil {
					t.Fatal(err)
				}
				cres, err := cpu.New().Run(context.Background(), req, &cp)
				if err != nil {
					t.Fatal(err)
				}
				want := map[rowKey]schema.Row{}
				for _, r := range cp.rows {
					want[rowKey{r.Layer, r.Component, r.Seq}] = r
				}
				if len(vk.rows) != len(cp.rows) || len(vk.rows) != len(run.Rows) {
					t.Fatalf("%d rows; the CPU backend sends %d and the reference has %d", len(vk.rows), len(cp.rows), len(run.Rows))
				}
				torch := map[rowKey][5]float64{}
				for _, r := range run.Rows {
					torch[rowKey{r.Layer, r.Component, r.Seq}] = [5]float64{r.GainMean, r.GainMin, r.GainMax, r.NormInMean, r.NormOutMean}
				}
				worst := 0.0
				for _, g := range vk.rows {
					k := rowKey{g.Layer, g.Component, g.Seq}
					w, ok := want[k]
					if !ok || g.NTokens != w.NTokens || g.Backend != Name {
						t.Fatalf("row %+v: the CPU backend has %+v", g, w)
					}
					got := [5]float64{g.GainMean, g.GainMin, g.GainMax, g.NormInMean, g.NormOutMean}
					for i, ref := range [][5]float64{{w.GainMean, w.GainMin, w.GainMax, w.NormInMean, w.NormOutMean}, torch[k]} {
						for f := range got {
							d := math.Abs(got[f]-ref[f]) / math.Max(math.Abs(ref[f]), 1e-12)
							worst = math.Max(worst, d)
							if d > backendTol {
								t.Errorf("layer %d %s seq %d: field %d = %.9g, %s has %.9g (rel %.2g)", g.Layer, g.Component, g.Seq,
									f, got[f], []string{"cpu", "torch"}[i], ref[f], d)
							}
						}
					}
				}
				for comp, gains := range layerGains(vk.rows) {
					for l, gain := range gains {
						if w := layerGains(cp.rows)[comp][l]; math.Abs(gain-w) > backendTol*math.Abs(w) {
							t.Errorf("layer %d %s: gain %.9g, cpu %.9g", l, comp, gain, w)
						}
					}
				}
				if run.Loss != nil {
					for _, ref := range []float64{cres.Loss, *run.Loss} {
						if math.Abs(vres.Loss-ref) > backendTol*math.Abs(ref) {
							t.Errorf("loss %.9g, want %.9g", vres.Loss, ref)
						}
					}
				}
				t.Logf("worst relative difference %.2g", worst)
			})
		}
	}
}

// layerGains returns the token-weighted mean gain of each layer and component.
func layerGains(rows []schema.Row) map[string]map[int32]float64 {
	sum, n := map[string]map[int32]float64{}, map[string]map[int32]float64{}
	for _, r := range rows {
		if sum[r.Component] == nil {
			sum[r.Component], n[r.Component] = map[int32]float64{}, map[int32]float64{}
		}
		sum[r.Component][r.Layer] += r.GainMean * float64(r.NTokens)
		n[r.Component][r.Layer] += float64(r.NTokens)
	}
	for c := range sum {
		for l := range sum[c] {
			sum[c][l] /= n[c][l]
		}
	}
	return sum
}
