package arch_test

import (
	"math"
	"strings"
	"testing"

	"github.com/scalefit/scalefit/backends/arch"
	_ "github.com/scalefit/scalefit/backends/arch/all"
)

func TestNewDispatch(t *testing.T) {
	for _, tt := range []struct{ json, want string }{
		{`{"model_type":"bert"}`, `model_type "bert" is not supported (supported: gpt_neox`},
		{`{"hidden_size":8}`, `key "model_type" is missing`},
		{`{"model_type":`, "malformed JSON"},
		{`{"model_type":"` + strings.Repeat("x", 500) + `"}`, `"xxxxxxxx`},
	} {
		_, err := arch.New([]byte(tt.json), arch.Options{})
		if err == nil || !strings.Contains(err.Error(), tt.want) || len(err.Error()) > 300 {
			t.Errorf("New(%.40s): %v, want %q in one short line", tt.json, err, tt.want)
		}
	}
	if f, ok := arch.Lookup("gpt_neox"); !ok || f.Name != "gpt_neox" || len(f.Presets) == 0 {
		t.Errorf("Lookup(gpt_neox) = %+v, %v", f, ok)
	}
	if fs := arch.Families(); len(fs) == 0 || fs[0].Name == "" {
		t.Errorf("Families() = %v", fs)
	}
}

func TestActivationNames(t *testing.T) {
	for value, want := range map[string]arch.Activation{
		"gelu": arch.GELU, "gelu_python": arch.GELU, "gelu_new": arch.GELUTanh, "gelu_fast": arch.GELUTanh,
		"gelu_pytorch_tanh": arch.GELUTanh, "silu": arch.SiLU, "swish": arch.SiLU,
	} {
		if got, err := arch.HiddenAct("hidden_act", value); err != nil || got != want {
			t.Errorf("HiddenAct(%q) = %v, %v; want %v", value, got, err, want)
		}
	}
	for _, bad := range []string{"relu", "gelu_10", "gelu_accurate", ""} {
		if _, err := arch.HiddenAct("hidden_activation", bad); err == nil || !strings.Contains(err.Error(), `key "hidden_activation"`) {
			t.Errorf("HiddenAct(%q): %v", bad, err)
		}
	}
	for s, want := range map[string]arch.Activation{"erf": arch.GELU, "tanh": arch.GELUTanh} {
		if got, err := arch.ParseGELU(s); err != nil || got != want || got.String() != s {
			t.Errorf("ParseGELU(%q) = %v, %v", s, got, err)
		}
	}
	if _, err := arch.ParseGELU("silu"); err == nil {
		t.Error("ParseGELU(silu): no error")
	}
	if arch.SiLU.String() != "silu" {
		t.Errorf("SiLU.String() = %q", arch.SiLU.String())
	}
}

// TestRopeInvFreq checks HF's float32 inverse frequencies against the formula in float64, to float32 rounding: for
// 16 dims and θ = 10000, inv_freq[i] = 10000^(−i/8).
func TestRopeInvFreq(t *testing.T) {
	inv := arch.RopeInvFreq(16, 10000)
	if len(inv) != 8 || inv[0] != 1 {
		t.Fatalf("RopeInvFreq(16, 10000) = %v", inv)
	}
	for i, f := range inv {
		want := math.Pow(10000, -float64(i)/8)
		if math.Abs(float64(f)/want-1) > 3e-7 {
			t.Errorf("inv_freq[%d] = %.9g, want %.9g", i, f, want)
		}
	}
	if len(arch.RopeInvFreq(0, 10000)) != 0 {
		t.Error("no rotary dims, yet frequencies")
	}
}

func TestConfigHelpers(t *testing.T) {
	one, two := 1.0, 2.0
	if v, ok, err := arch.Agree(arch.NamedFloat{Key: "a"}, arch.NamedFloat{Key: "b", V: &one}, arch.NamedFloat{Key: "c", V: &one}); v != 1 || !ok || err != nil {
		t.Errorf("Agree = %v, %v, %v", v, ok, err)
	}
	if _, _, err := arch.Agree(arch.NamedFloat{Key: "a", V: &one}, arch.NamedFloat{Key: "b", V: &two}); err == nil || !strings.Contains(err.Error(), `keys "a" (1) and "b" (2) disagree`) {
		t.Errorf("Agree of 1 and 2: %v", err)
	}
	if _, ok, _ := arch.Agree(arch.NamedFloat{Key: "a"}); ok {
		t.Error("Agree of nothing is present")
	}
	d, big := 64, 1<<20
	if got, err := arch.RequireSizes(arch.Size{Key: "d", V: &d, Limit: 100}); err != nil || got[0] != 64 {
		t.Errorf("RequireSizes = %v, %v", got, err)
	}
	for _, s := range []arch.Size{{Key: "x", Limit: 1}, {Key: "x", V: &big, Limit: 100}} {
		if _, err := arch.RequireSizes(s); err == nil || !strings.Contains(err.Error(), `key "x"`) {
			t.Errorf("RequireSizes(%+v): %v", s, err)
		}
	}
	var raw struct {
		N *int `json:"n"`
	}
	if err := arch.DecodeConfig([]byte(`{"n":"3"}`), &raw); err == nil || !strings.Contains(err.Error(), `key "n"`) {
		t.Errorf("DecodeConfig of a string for an int: %v", err)
	}
	b, err := arch.RenderConfig(map[string]any{"b": 1, "a": 2}, map[string]any{"b": 3})
	if err != nil || string(b) != "{\n  \"a\": 2,\n  \"b\": 3\n}\n" {
		t.Errorf("RenderConfig = %q, %v", b, err)
	}
}
