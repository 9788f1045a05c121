#!/usr/bin/python3
"""Reference data for the checkpoint package's tests. Run with Debian's /usr/bin/python3 (numpy, torch).

Writes:
  golden.safetensors  a safetensors file laid out as the reference Rust implementation lays files out (tensors
                      sorted by dtype size, largest first, then by name; header padded with spaces to a multiple of
                      8 bytes; a __metadata__ block), holding F32, F16 and BF16 copies of one tensor and, as a
                      buffer, a BOOL causal mask that the reader must skip.
  golden.json         the float32 bits torch gives for each stored tensor, and torch's F16/BF16 bits for the
                      conversion of a set of float32 values (normals at many scales, rounding ties, subnormals,
                      overflow, infinities), which the Go encoder must reproduce bit for bit.
"""
import json
import struct

import numpy as np
import torch

rng = np.random.default_rng(20240611)

# Tensor stored in three dtypes.
x = (rng.standard_normal((7, 5)) * 3).astype(np.float32)
x[0, 0] = 1.0
x[0, 1] = 65504.0
x[0, 2] = 2.0 ** -24  # smallest f16 subnormal
x[0, 3] = -0.0
t32 = torch.from_numpy(x)
t16 = t32.half()
tbf = t32.bfloat16()
mask = torch.tril(torch.ones(4, 4, dtype=torch.bool)).view(1, 1, 4, 4)

def raw(t):
    if t.dtype == torch.bfloat16:
        return t.view(torch.int16).numpy().astype("<i2").tobytes()
    if t.dtype == torch.bool:
        return t.numpy().astype(np.uint8).tobytes()
    return t.numpy().astype(t.numpy().dtype.newbyteorder("<")).tobytes()

tensors = {
    "w.f32": ("F32", 4, t32),
    "w.f16": ("F16", 2, t16),
    "w.bf16": ("BF16", 2, tbf),
    "gpt_neox.layers.0.attention.bias": ("BOOL", 1, mask),
}
order = sorted(tensors, key=lambda k: (-tensors[k][1], k))
header = {"__metadata__": {"format": "pt", "source": "gen_golden.py"}}
data = b""
for name in order:
    dtype, _, t = tensors[name]
    b = raw(t)
    header[name] = {"dtype": dtype, "shape": list(t.shape), "data_offsets": [len(data), len(data) + len(b)]}
    data += b
hj = json.dumps(header, separators=(",", ":")).encode()
hj += b" " * ((8 - len(hj) % 8) % 8)
with open("golden.safetensors", "wb") as f:
    f.write(struct.pack("<Q", len(hj)) + hj + data)

def bits32(t):
    return [int(v) & 0xFFFFFFFF for v in t.float().contiguous().view(torch.int32).flatten().tolist()]

# Values for the encoder: random normals over many binades, plus edge cases.
vals = [(rng.standard_normal(200) * 10.0 ** e).astype(np.float32) for e in range(-9, 6)]
edge = np.array([0.0, -0.0, 1.0, -1.0, 65504.0, 65519.0, 65520.0, 1e6, -1e6, np.inf, -np.inf,
                 2.0 ** -24, 2.0 ** -25, 2.0 ** -25 * 1.0000001, 2.0 ** -26, 3 * 2.0 ** -25, 2.0 ** -14,
                 2.0 ** -14 - 2.0 ** -25, 1.0 + 2.0 ** -11, 1.0 + 3 * 2.0 ** -11, 1.0 + 2.0 ** -8,
                 1.0 + 3 * 2.0 ** -8, 3.4028235e38, 1e-45, 6.1e-5, 0.1, 1 / 3], dtype=np.float32)
# Exact f16 and bf16 ties: a representable value plus half a unit in the last place.
ties = []
for _ in range(200):
    h = np.float32(rng.standard_normal() * 4).astype(np.float16).astype(np.float32)
    ulp = np.spacing(np.float16(h)).astype(np.float32)
    ties.append(np.float32(h + ulp / 2))
    b = torch.tensor([float(rng.standard_normal() * 100)]).bfloat16().float().item()
    ties.append(np.float32(b + np.spacing(np.float32(b)) * 2 ** 15))
v = torch.from_numpy(np.concatenate(vals + [edge, np.array(ties, dtype=np.float32)]))
enc = {
    "f32": bits32(v),
    "f16": [int(b) & 0xFFFF for b in v.half().view(torch.int16).tolist()],
    "bf16": [int(b) & 0xFFFF for b in v.bfloat16().view(torch.int16).tolist()],
}
golden = {
    "shape": list(x.shape),
    "decoded": {"w.f32": bits32(t32), "w.f16": bits32(t16), "w.bf16": bits32(tbf)},
    "encode": enc,
}
with open("golden.json", "w") as f:
    json.dump(golden, f)
    f.write("\n")
print("values", len(enc["f32"]), "file bytes", 8 + len(hj) + len(data))
