// Package checkpoint reads and writes the files of Hugging Face model directories, and nothing more: the bytes of
// config.json (ReadConfig; what they mean is the business of package arch), safetensors weights (one file or the
// shards listed by model.safetensors.index.json) and, in a directory without those, PyTorch weights
// (pytorch_model.bin or the shards listed by pytorch_model.bin.index.json, as in Pythia's training checkpoints).
//
// Weights are memory-mapped and read one tensor at a time: Float32Into converts a tensor into a buffer the caller
// reuses layer after layer, RowsInto decodes only some rows of a matrix (the embedding rows a run needs), and Raw
// hands out a tensor's stored dtype and bytes for a backend that converts on its own device. A backend's memory
// therefore tracks the layer it is running rather than the whole model. The package also writes safetensors files
// (WriteSafetensors, CreateSafetensors, WriteSharded), which synth uses for random-init controls.
//
//	func ReadConfig(dir string) ([]byte, error)
//	func Open(dir string) (*Checkpoint, error)          // parse and validate every header, mmap
//	func (c *Checkpoint) Names() []string               // parameter tensors (buffers excluded), sorted
//	func (c *Checkpoint) Shape(name string) ([]int, bool)
//	func (c *Checkpoint) DType(name string) (string, bool)
//	func (c *Checkpoint) File(name string) (string, bool)
//	func (c *Checkpoint) Float32(name string) ([]float32, error)
//	func (c *Checkpoint) Float32Into(dst []float32, name string) error
//	func (c *Checkpoint) RowsInto(dst []float32, name string, rows []int32) error
//	func (c *Checkpoint) Raw(name string) (RawTensor, error)
//	func (c *Checkpoint) Close() error
package checkpoint
