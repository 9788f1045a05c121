// Package checkpoint reads Hugging Face model directories: config.json and safetensors weights (one file or shards
// listed by model.safetensors.index.json) or, in a directory without those, PyTorch weights (pytorch_model.bin or
// shards listed by pytorch_model.bin.index.json, as in Pythia's training checkpoints). Both are memory-mapped and
// converted to float32 one tensor at a time, so that a backend's memory tracks the layer it is running rather than
// the whole model. It also writes safetensors files and synthesises random-init checkpoints. Every backend uses it.
package checkpoint

// API CONTRACT (written before the implementation; the implementation must keep these signatures):
//
//	type Config struct{ ... }                       // config.go
//	func LoadConfig(dir string) (*Config, error)    // reads dir/config.json, normalises key styles, validates
//	func ParseConfig(data []byte) (*Config, error)
//	func (c *Config) Validate() error               // refuses absurd sizes before anything is allocated
//	func (c *Config) HeadDim() int
//	func (c *Config) RotaryDims() int               // int(HeadDim * RotaryPct)
//
//	type Checkpoint struct{ Dir string; Config *Config; ... }   // safetensors.go
//	func Open(dir string) (*Checkpoint, error)      // parse + validate every header, mmap, check shapes vs config;
//	                                                // safetensors, else pytorch_model.bin (bin.go)
//	func (c *Checkpoint) Float32(name string) ([]float32, error)  // converts F32/F16/BF16 on demand into a new slice
//	func (c *Checkpoint) Shape(name string) ([]int, bool)
//	func (c *Checkpoint) Names() []string           // parameter tensors (buffers excluded), sorted
//	func (c *Checkpoint) Close() error
//
//	func ExpectedShapes(c *Config) map[string][]int // gptneox.go: every parameter tensor name -> shape
//	func ParamCounts(c *Config) (total, nonEmbed int64)
//	func IsBuffer(name string) bool                  // attention.bias, attention.masked_bias, rotary_emb.inv_freq
//
//	Tensor names for GPT-NeoX, layer i:
//	  gpt_neox.embed_in.weight [V,d]
//	  gpt_neox.layers.i.input_layernorm.{weight,bias} [d]
//	  gpt_neox.layers.i.post_attention_layernorm.{weight,bias} [d]
//	  gpt_neox.layers.i.attention.query_key_value.weight [3d,d], .bias [3d]
//	  gpt_neox.layers.i.attention.dense.weight [d,d], .bias [d]
//	  gpt_neox.layers.i.mlp.dense_h_to_4h.weight [ff,d], .bias [ff]
//	  gpt_neox.layers.i.mlp.dense_4h_to_h.weight [d,ff], .bias [d]
//	  gpt_neox.final_layer_norm.{weight,bias} [d]
//	  embed_out.weight [V,d]
//	func LayerPrefix(i int) string                   // "gpt_neox.layers.<i>."
