package checkpoint_test

import (
	"fmt"
	"log"
	"os"

	"github.com/scalefit/scalefit/backends/checkpoint"
)

// Synthesise a tiny random-init GPT-NeoX, open it, and read one layer's weights as float32.
func Example() {
	dir, err := os.MkdirTemp("", "scalefit-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	if _, err := checkpoint.Synth(dir, checkpoint.SynthOptions{Preset: "tiny", Seed: 1}, nil); err != nil {
		log.Fatal(err)
	}

	ck, err := checkpoint.Open(dir)
	if err != nil {
		log.Fatal(err)
	}
	defer ck.Close()
	total, nonEmbed := checkpoint.ParamCounts(ck.Config)
	fmt.Println("parameters:", total, "non-embedding:", nonEmbed)

	name := checkpoint.LayerPrefix(1) + "attention.query_key_value.weight"
	w, err := ck.Float32(name)
	if err != nil {
		log.Fatal(err)
	}
	shape, _ := ck.Shape(name)
	dtype, _ := ck.DType(name)
	fmt.Println(name, shape, dtype, len(w))
	// Output:
	// parameters: 165632 non-embedding: 100096
	// gpt_neox.layers.1.attention.query_key_value.weight [192 64] F16 12288
}
