package layers

import (
	"bytes"
	"math"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/scalefit/scalefit/internal/fuzzcorpus"
	"github.com/scalefit/scalefit/layers/layerstest"
	"github.com/scalefit/scalefit/schema"
)

// fuzzRun is a small complete run of three components, 3 layers and 4 sequences.
func fuzzRun() *schema.Run {
	spec := []layerstest.LayerSpec{{Gain: 0.4, Spread: 0.1}, {Gain: 0.9, Spread: 0.2}, {Gain: 1.6, Spread: 0.05}}
	return layerstest.SynthRun("fuzz", 1e8, 4, map[string][]layerstest.LayerSpec{"attn": spec, "mlp": spec, "combined": spec})
}

// encodeRun encodes run as Parquet (format byte 0) or an Arrow IPC file (1), preceded by that byte.
func encodeRun(t testing.TB, run *schema.Run, format byte) []byte {
	t.Helper()
	var b bytes.Buffer
	b.WriteByte(format)
	if err := schema.Encode(&b, map[byte]string{0: "r.parquet", 1: "r.arrow"}[format], run); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// FuzzRunProfile reads corrupted run files as every analysis command does (schema.Decode, then NewProfile), and runs
// the metrics, the layer bootstrap and the whole analysis on what it accepts: none may panic, hang or allocate beyond
// what the file's rows allow. The first byte picks the format (0 Parquet, 1 Arrow IPC). Its seed corpus
// (testdata/fuzz/FuzzRunProfile) holds the reproducers of TestFuzzCorpus.
func FuzzRunProfile(f *testing.F) {
	f.Add(encodeRun(f, fuzzRun(), 0))
	f.Add(encodeRun(f, fuzzRun(), 1))
	f.Fuzz(func(t *testing.T, b []byte) {
		if len(b) == 0 {
			return
		}
		data := b[1:]
		run, err := schema.Decode(bytes.NewReader(data), int64(len(data)), schema.Format(b[0]%2), "fuzz", memory.NewGoAllocator())
		if err != nil {
			return
		}
		p, err := NewProfile(run)
		if err != nil {
			return
		}
		if int64(p.NLayers)*int64(p.NSeq()) > int64(len(run.Rows)) {
			t.Fatalf("a profile of %d layers × %d sequences from %d rows", p.NLayers, p.NSeq(), len(run.Rows))
		}
		for _, m := range ComputeMetrics(p) {
			_ = m.Value
		}
		if _, err := Bootstrap(p, ComponentsOf(p), BootConfig{Resamples: 5, Confidence: 0.9, Seed: 1, Workers: 1}); err != nil {
			return
		}
		Analyze([]*Profile{p}, AnalysisOptions{Resamples: 5})
	})
}

// TestFuzzCorpus writes the seed corpus of FuzzRunProfile (with SCALEFIT_WRITE_FUZZ_CORPUS set; scripts/fuzz corpus):
// the run files of the reproducers, in both formats.
func TestFuzzCorpus(t *testing.T) {
	if !fuzzcorpus.Enabled() {
		t.Skip("set " + fuzzcorpus.EnvWrite + " to rewrite the seed corpora")
	}
	edited := func(edit func(rows []schema.Row)) *schema.Run {
		r := fuzzRun()
		edit(r.Rows)
		return r
	}
	for name, run := range map[string]*schema.Run{
		"n-layers-1e9": edited(func(rows []schema.Row) {
			for i := range rows {
				rows[i].NLayers = 1e9
			}
		}),
		"seq-2e9":      edited(func(rows []schema.Row) { rows[5].Seq = 2e9 }),
		"nan-gain":     edited(func(rows []schema.Row) { rows[7].GainMean = math.NaN() }),
		"inf-gain":     edited(func(rows []schema.Row) { rows[7].GainMean = math.Inf(1) }),
		"subnormal":    edited(func(rows []schema.Row) { rows[7].GainMean = 5e-324 }),
		"zero-tokens":  edited(func(rows []schema.Row) { rows[0].NTokens = 0 }),
		"two-models":   edited(func(rows []schema.Row) { rows[3].Model = "other" }),
		"duplicate":    edited(func(rows []schema.Row) { rows[1] = rows[0] }),
		"layer-beyond": edited(func(rows []schema.Row) { rows[2].Layer = 99 }),
	} {
		for _, format := range []byte{0, 1} {
			if err := fuzzcorpus.Write("FuzzRunProfile", name+[]string{"-parquet", "-arrow"}[format], encodeRun(t, run, format)); err != nil {
				t.Fatal(err)
			}
		}
	}
}
