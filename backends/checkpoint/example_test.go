package checkpoint_test

import (
	"fmt"
	"log"
	"os"

	"github.com/scalefit/scalefit/backends/checkpoint"
	"github.com/scalefit/scalefit/backends/synth"
)

// Synthesise a tiny random-init GPT-NeoX, open it, and read one layer's weights and two rows of the embedding.
func Example() {
	dir, err := os.MkdirTemp("", "scalefit-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	if _, err := synth.Synth(dir, synth.Options{Preset: "tiny", Seed: 1}, nil); err != nil {
		log.Fatal(err)
	}

	ck, err := checkpoint.Open(dir)
	if err != nil {
		log.Fatal(err)
	}
	defer ck.Close()
	fmt.Println("tensors:", len(ck.Names()), "config.json:", len(ck.ConfigJSON) > 0)

	name := "gpt_neox.layers.1.attention.query_key_value.weight"
	w, err := ck.Float32(name)
	if err != nil {
		log.Fatal(err)
	}
	raw, _ := ck.Raw(name)
	fmt.Println(name, raw.Shape, raw.DType, len(w), len(raw.Data))

	rows := make([]float32, 2*64)
	if err := ck.RowsInto(rows, "gpt_neox.embed_in.weight", []int32{7, 300}); err != nil {
		log.Fatal(err)
	}
	fmt.Println("embedding rows 7 and 300:", len(rows), "values")
	// Output:
	// tensors: 28 config.json: true
	// gpt_neox.layers.1.attention.query_key_value.weight [192 64] F16 12288 24576
	// embedding rows 7 and 300: 128 values
}
