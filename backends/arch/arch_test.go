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
		{`{"model_type":"bert"}`, `model_type "bert" is not supported (supported: gemma, gemma2, gpt2, gpt_neox`},
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

func TestCheckEpsAndActivation(t *testing.T) {
	for v, ok := range map[float64]bool{1e-6: true, 0.5: true, 0: false, -1e-5: false, 1: false, math.NaN(): false} {
		if err := arch.CheckEps("eps", v); (err == nil) != ok || (err != nil && !strings.Contains(err.Error(), `key "eps"`)) {
			t.Errorf("CheckEps(%g) = %v", v, err)
		}
	}
	erf := arch.GELU
	for _, tt := range []struct {
		value    string
		override *arch.Activation
		want     arch.Activation
		err      string
	}{
		{"gelu_new", nil, arch.GELUTanh, ""},
		{"gelu_new", &erf, arch.GELU, ""},
		{"silu", nil, arch.SiLU, ""},
		{"silu", &erf, 0, `key "k": "silu" is not a GELU, so a GELU form cannot replace it`},
		{"relu", &erf, 0, `key "k": activation "relu" is not supported`},
	} {
		got, err := arch.ConfigActivation("k", tt.value, arch.Options{Activation: tt.override})
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("ConfigActivation(%s, %v): %v, want %q", tt.value, tt.override, err, tt.err)
			}
		} else if err != nil || got != tt.want {
			t.Errorf("ConfigActivation(%s, %v) = %v, %v; want %v", tt.value, tt.override, got, err, tt.want)
		}
	}
}

func TestNamesAndCounts(t *testing.T) {
	for name, want := range map[string]bool{
		"attn.bias": true, "h.0.attn.bias": true, "transformer.h.11.attn.masked_bias": true,
		"h.0.attn.c_attn.bias": false, "h.0.xattn.bias": false, "attn.bias.x": false,
	} {
		if got := arch.HasName(name, "attn.bias", "attn.masked_bias"); got != want {
			t.Errorf("HasName(%q) = %v, want %v", name, got, want)
		}
	}
	specs := []arch.WeightSpec{{Shape: []int{3, 4}}, {Shape: []int{5}}, {Shape: []int{1 << 20, 1 << 20}}}
	if n := arch.CountValues(specs); n != 12+5+1<<40 {
		t.Errorf("CountValues = %d", n)
	}
}

func TestRopeBlocks(t *testing.T) {
	blocks, err := arch.RopeBlocks([]byte(`{"rope_type":"llama3","rope_theta":5e5,"factor":8}`), []byte(`{"type":"linear","partial_rotary_factor":0.5}`))
	if err != nil || len(blocks) != 2 {
		t.Fatalf("RopeBlocks = %+v, %v", blocks, err)
	}
	if b := blocks[0]; b.Key != "rope_parameters" || b.Type != "llama3" || *b.Theta != 5e5 || b.PartialRotaryFactor != nil ||
		!strings.Contains(string(b.Raw), `"factor":8`) {
		t.Errorf("rope_parameters block %+v", b)
	}
	if b := blocks[1]; b.Key != "rope_scaling" || b.Type != "linear" || b.Theta != nil || *b.PartialRotaryFactor != 0.5 {
		t.Errorf("rope_scaling block %+v", b)
	}
	if blocks, err := arch.RopeBlocks(nil, []byte(` null `)); err != nil || len(blocks) != 0 {
		t.Errorf("absent and null: %+v, %v", blocks, err)
	}
	if blocks, _ := arch.RopeBlocks([]byte(`{}`), nil); len(blocks) != 1 || blocks[0].Type != "default" {
		t.Errorf("empty block: %+v", blocks)
	}
	if _, err := arch.RopeBlocks(nil, []byte(`[1]`)); err == nil || !strings.Contains(err.Error(), `key "rope_scaling"`) {
		t.Errorf("a list: %v", err)
	}
}
