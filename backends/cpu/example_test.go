package cpu_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/scalefit/scalefit/backends"
	"github.com/scalefit/scalefit/backends/cpu"
	"github.com/scalefit/scalefit/backends/synth"
	"github.com/scalefit/scalefit/schema"
)

// printSink prints the layer-0 attention row of every sequence it receives.
type printSink struct{}

func (printSink) Progress(backends.Progress) {}
func (printSink) Rows(rows []schema.Row) error {
	for _, r := range rows {
		if r.Layer == 0 && r.Component == string(schema.ComponentAttn) {
			fmt.Printf("layer %d %s seq %d: %d tokens\n", r.Layer, r.Component, r.Seq, r.NTokens)
		}
	}
	return nil
}

// Run a random-init two-layer GPT-NeoX over two token sequences, leaving out the first position of each.
func ExampleBackend_Run() {
	tmp, err := os.MkdirTemp("", "scalefit-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(tmp)
	dir := filepath.Join(tmp, "tiny")
	if _, err := synth.Synth(dir, synth.Options{Preset: "tiny", Seed: 1}, nil); err != nil {
		log.Fatal(err)
	}
	req := &backends.Request{ModelDir: dir, Sequences: [][]int32{{1, 2, 3, 4}, {5, 6, 7}}, SkipFirst: 1, Loss: true}
	res, err := cpu.New().Run(context.Background(), req, printSink{})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("loss over %d predicted tokens\n", res.LossTokens)
	// Output:
	// layer 0 attn seq 0: 3 tokens
	// layer 0 attn seq 1: 2 tokens
	// loss over 5 predicted tokens
}
