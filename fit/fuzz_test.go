package fit

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/scalefit/scalefit/internal/fuzzcorpus"
)

// FuzzPointsCSV reads --points files and fits them in every form and weighting, with a small bootstrap and a
// prediction: nothing may panic, and every error must be one short line. Its seed corpus
// (testdata/fuzz/FuzzPointsCSV) holds the hostile files of TestFuzzCorpus.
func FuzzPointsCSV(f *testing.F) {
	f.Add([]byte("model,x,y,y_se\npythia-70m,70426624,1.2,0.05\npythia-160m,162322944,1.5,\npythia-410m,405334016,2.1,0.1\npythia-1b,1011781632,2.6,0.2\n"))
	f.Add([]byte("\ufeffy, x ,model\n1,1e8,a\n2,1e9,b\n3,1e10,c\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		check := func(err error) {
			if err != nil && (strings.ContainsAny(err.Error(), "\n\x1b") || len(err.Error()) > 2000) {
				t.Fatalf("error is not one short clean line: %.300q", err)
			}
		}
		pts, err := ReadPointsCSV(bytes.NewReader(b), "points.csv")
		check(err)
		if err != nil || len(pts) > 1000 {
			return
		}
		check(DistinctModels(pts))
		forms := []string{FormPower, FormOffset}
		if len(pts) > 100 {
			// The offset form's multi-start Gauss–Newton takes seconds on a thousand points, which a loaded machine's
			// fuzzing engine can take for a hung worker; large files are fitted by the power law, in O(n).
			forms = forms[:1]
		}
		for _, form := range forms {
			for _, w := range []string{WeightsNone, WeightsInverseVariance} {
				_, err := PowerLaw(pts, Options{Form: form, Weights: w, Bootstrap: []string{Pairs, Residual}, Resamples: 20,
					Seed: 1, Workers: 1, Targets: []Target{{Label: "t", X: 1e12}}})
				check(err)
			}
		}
	})
}

// TestFuzzCorpus writes the seed corpus of FuzzPointsCSV (with SCALEFIT_WRITE_FUZZ_CORPUS set; scripts/fuzz corpus).
func TestFuzzCorpus(t *testing.T) {
	if !fuzzcorpus.Enabled() {
		t.Skip("set " + fuzzcorpus.EnvWrite + " to rewrite the seed corpora")
	}
	var many strings.Builder
	many.WriteString("model,x,y\n")
	for i := range 1000 {
		fmt.Fprintf(&many, "m%d,%d,%g\n", i, 1_000_000+7919*i, 1+float64(i%17)/10)
	}
	for name, csv := range map[string]string{
		"duplicate-model":   "model,x,y\na,1e8,1\nb,1e9,2\na,1e10,3\n",
		"nan-and-inf":       "model,x,y,y_se\na,1e8,NaN,\nb,1e9,+Inf,\nc,1e10,3,Inf\n",
		"non-positive":      "model,x,y\na,0,1\nb,-1e9,2\nc,1e10,-3\n",
		"same-x":            "model,x,y\na,1e9,1\nb,1e9,2\nc,1e9,3\n",
		"one-x-apart":       "model,x,y\na,1e8,1\nb,1e9,2\nc,1e9,3\nd,1e9,4\n",
		"subnormal-and-max": "model,x,y\na,5e-324,1\nb,1.7976931348623157e308,2\nc,1e10,4.9e-324\n",
		"quoted-newline":    "model,x,y\n\"a\nb\",1e8,1\nc,1e9,2\n",
		"escape-in-model":   "model,x,y\n\x1b[2Kowned,1e8,1\nb,1e9,x\x1b]0;\n",
		"unknown-column":    "model,x,y,z\na,1,2,3\n",
		"ragged":            "model,x,y\na,1e8\nb,1e9,2,3\n",
		"underscores":       "model,x,y\na,1_000_000,1\nb,10_000_000,2\nc,1e8,3\n",
		"thousand-rows":     many.String(),
	} {
		if err := fuzzcorpus.Write("FuzzPointsCSV", name, []byte(csv)); err != nil {
			t.Fatal(err)
		}
	}
}
