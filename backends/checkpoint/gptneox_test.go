package checkpoint

import "testing"

// TestParamCountsPythia checks ParamCounts and ExpectedShapes against the Pythia model cards (DESIGN.md §6).
func TestParamCountsPythia(t *testing.T) {
	tests := []struct {
		preset          string
		total, nonEmbed int64
	}{
		{"pythia-70m", 70_426_624, 18_915_328},
		{"pythia-160m", 162_322_944, 85_056_000},
		{"pythia-410m", 405_334_016, 302_311_424},
		{"pythia-1b", 1_011_781_632, 805_736_448},
		{"pythia-1.4b", 1_414_647_808, 1_208_602_624},
		{"pythia-2.8b", 2_775_208_960, 2_517_652_480},
		{"pythia-6.9b", 6_857_302_016, 6_444_163_072},
		{"pythia-12b", 11_846_072_320, 11_327_027_200},
	}
	for _, tt := range tests {
		c, _, err := synthConfig(SynthOptions{Preset: tt.preset})
		if err != nil {
			t.Fatalf("%s: %v", tt.preset, err)
		}
		total, nonEmbed := ParamCounts(c)
		if total != tt.total || nonEmbed != tt.nonEmbed {
			t.Errorf("%s: ParamCounts = %d, %d; want %d, %d", tt.preset, total, nonEmbed, tt.total, tt.nonEmbed)
		}
		// Independently: sum the shapes.
		var sum int64
		shapes := ExpectedShapes(c)
		for _, s := range shapes {
			n := int64(1)
			for _, d := range s {
				n *= int64(d)
			}
			sum += n
		}
		if sum != tt.total {
			t.Errorf("%s: ExpectedShapes sums to %d, want %d", tt.preset, sum, tt.total)
		}
		if want := 12*c.NumLayers + 4; len(shapes) != want {
			t.Errorf("%s: %d tensors, want %d", tt.preset, len(shapes), want)
		}
	}
}

func TestExpectedShapesTied(t *testing.T) {
	c, _, _ := synthConfig(SynthOptions{Preset: "tiny"})
	c.TieWordEmbeddings = true
	shapes := ExpectedShapes(c)
	if _, ok := shapes[EmbedOut]; ok {
		t.Error("tied: embed_out.weight listed")
	}
	total, nonEmbed := ParamCounts(c)
	if total-nonEmbed != int64(c.VocabSize*c.HiddenSize) {
		t.Errorf("tied: embedding parameters %d, want %d", total-nonEmbed, c.VocabSize*c.HiddenSize)
	}
	want := map[string][]int{
		"gpt_neox.layers.1.attention.query_key_value.weight": {192, 64},
		"gpt_neox.layers.1.attention.query_key_value.bias":   {192},
		"gpt_neox.layers.0.mlp.dense_h_to_4h.weight":         {256, 64},
		"gpt_neox.layers.0.mlp.dense_4h_to_h.weight":         {64, 256},
		"gpt_neox.embed_in.weight":                           {512, 64},
		"gpt_neox.final_layer_norm.bias":                     {64},
	}
	for name, s := range want {
		if got := shapes[name]; len(got) != len(s) || got[0] != s[0] || (len(s) > 1 && got[1] != s[1]) {
			t.Errorf("%s: %v, want %v", name, got, s)
		}
	}
	if p := LayerPrefix(12); p != "gpt_neox.layers.12." {
		t.Errorf("LayerPrefix(12) = %q", p)
	}
}

func TestIsBuffer(t *testing.T) {
	for name, want := range map[string]bool{
		"gpt_neox.layers.0.attention.bias":                 true,
		"gpt_neox.layers.11.attention.masked_bias":         true,
		"gpt_neox.layers.3.attention.rotary_emb.inv_freq":  true,
		"gpt_neox.rotary_emb.inv_freq":                     true,
		"attention.bias":                                   true,
		"gpt_neox.layers.0.attention.dense.bias":           false,
		"gpt_neox.layers.0.attention.query_key_value.bias": false,
		"gpt_neox.layers.0.mlp.dense_4h_to_h.bias":         false,
		"gpt_neox.layers.0.cross_attention.bias":           false,
	} {
		if got := IsBuffer(name); got != want {
			t.Errorf("IsBuffer(%q) = %v, want %v", name, got, want)
		}
	}
}
