package checkpoint

import (
	"fmt"
	"slices"
)

// RawTensor is a parameter as stored: its dtype (F32, F16 or BF16), shape, and little-endian row-major bytes.
type RawTensor struct {
	DType string
	Shape []int
	Data  []byte
}

// Raw returns the parameter name as stored, for a backend that converts on its own device (one that uploads F16 and
// BF16 as they are). Data views the read-only file mapping and is valid until Close; it must not be written. A
// non-contiguous view from a .bin file is gathered into a new slice, still in the stored dtype.
func (c *Checkpoint) Raw(name string) (RawTensor, error) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if c.closed {
		return RawTensor{}, fmt.Errorf("checkpoint: %s: tensor %q: checkpoint is closed", c.Dir, name)
	}
	t, ok := c.lookup(name)
	if !ok {
		return RawTensor{}, fmt.Errorf("checkpoint: %s: no tensor %q", c.Dir, name)
	}
	size := dtypeSizes[t.dtype]
	r := RawTensor{DType: t.dtype, Shape: slices.Clone(t.shape), Data: t.data[:t.numel*size]}
	if t.strides != nil {
		r.Data = make([]byte, t.numel*size)
		idx := make([]int, len(t.shape))
		off := 0
		for i := 0; i < t.numel; i++ {
			copy(r.Data[i*size:(i+1)*size], t.data[off*size:(off+1)*size])
			for k := len(t.shape) - 1; k >= 0; k-- {
				idx[k]++
				off += t.strides[k]
				if idx[k] < t.shape[k] {
					break
				}
				off -= t.strides[k] * t.shape[k]
				idx[k] = 0
			}
		}
	}
	return r, nil
}
