package cpu_test

import (
	"cmp"
	"context"
	"math"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"testing"

	"github.com/scalefit/scalefit/backends"
	"github.com/scalefit/scalefit/backends/backendtest"
	"github.com/scalefit/scalefit/backends/cpu"
	"github.com/scalefit/scalefit/backends/synth"
	"github.com/scalefit/scalefit/schema"
)

// TestServePlugin builds cmd/scalefit-backend-cpu, runs a synthetic checkpoint through it as an external plugin, and
// checks that every row arrives bit for bit as the same run in process produces it.
func TestServePlugin(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the plugin binary")
	}
	if runtime.GOOS == "windows" {
		t.Skip("Unix only")
	}
	tmp := t.TempDir()
	bin := filepath.Join(tmp, "scalefit-backend-cpu")
	args := append(append([]string{"build"}, buildTags...), "-o", bin, "../../cmd/scalefit-backend-cpu")
	if out, err := exec.Command("go", args...).CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	dir := filepath.Join(tmp, "tiny")
	if _, err := synth.Synth(dir, synth.Options{Preset: "tiny", DType: "F32", Seed: 7}, nil); err != nil {
		t.Fatal(err)
	}
	req := &backends.Request{
		ModelDir:  dir,
		Model:     "tiny",
		Revision:  "r1",
		Sequences: [][]int32{{1, 2, 3, 4, 5, 6}, {10, 20, 30, 40}, {511, 0, 7}},
		SkipFirst: 1,
		GELU:      "tanh",
		Loss:      true,
		Threads:   1,
	}

	c, err := backends.Start(context.Background(), bin, backends.LaunchOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	info, err := c.Info(context.Background())
	if err != nil || info.Name != "cpu" || info.Version != cpu.Version {
		t.Fatalf("Info = %+v, %v", info, err)
	}
	var viaPlugin, inProcess backendtest.Recorder
	got, err := c.Run(context.Background(), req, &viaPlugin)
	if err != nil {
		t.Fatal(err)
	}
	want, err := cpu.New().Run(context.Background(), req, &inProcess)
	if err != nil {
		t.Fatal(err)
	}
	if math.Float64bits(got.Loss) != math.Float64bits(want.Loss) || got.LossTokens != want.LossTokens ||
		got.Backend != want.Backend {
		t.Errorf("result %+v, want %+v", got, want)
	}
	if len(viaPlugin.AllProgress()) == 0 {
		t.Error("no progress")
	}
	g, w := sorted(viaPlugin.AllRows()), sorted(inProcess.AllRows())
	if len(g) != len(w) || len(g) != 2*len(schema.Components)*len(req.Sequences) {
		t.Fatalf("%d rows via the plugin, %d in process", len(g), len(w))
	}
	for i := range w {
		if !sameRow(g[i], w[i]) {
			t.Fatalf("row %d:\nvia plugin %+v\nin process %+v", i, g[i], w[i])
		}
	}
}

func sorted(rows []schema.Row) []schema.Row {
	slices.SortFunc(rows, func(a, b schema.Row) int {
		return cmp.Or(cmp.Compare(a.Layer, b.Layer), cmp.Compare(a.Component, b.Component), cmp.Compare(a.Seq, b.Seq))
	})
	return rows
}

// sameRow compares every column, floats by their bits.
func sameRow(a, b schema.Row) bool {
	fa := []float64{a.Depth, a.GainMean, a.GainStd, a.GainMin, a.GainMax, a.NormInMean, a.NormOutMean}
	fb := []float64{b.Depth, b.GainMean, b.GainStd, b.GainMin, b.GainMax, b.NormInMean, b.NormOutMean}
	for i := range fa {
		if math.Float64bits(fa[i]) != math.Float64bits(fb[i]) {
			return false
		}
	}
	a.Depth, a.GainMean, a.GainStd, a.GainMin, a.GainMax, a.NormInMean, a.NormOutMean = 0, 0, 0, 0, 0, 0, 0
	b.Depth, b.GainMean, b.GainStd, b.GainMin, b.GainMax, b.NormInMean, b.NormOutMean = 0, 0, 0, 0, 0, 0, 0
	return a == b
}
