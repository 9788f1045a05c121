#!/usr/bin/python3
"""PyTorch .bin checkpoints for the checkpoint package's tests. Run with Debian's /usr/bin/python3 (torch), from
this directory.

Every directory bin-<variant>/ holds config.json and the weights of one tiny GPT-NeoX (2 layers, d=8, 2 heads,
ff=32, V=12), saved with torch.save the way transformers saves them: a state dict in GPT-NeoX order that also
carries the buffers attention.bias (bool causal mask), attention.masked_bias and attention.rotary_emb.inv_freq,
as Pythia's checkpoints do.

  bin-zip-f16/     pytorch_model.bin, zip format (the default since torch 1.6), fp16: Pythia's training revisions
  bin-legacy-f32/  pytorch_model.bin, legacy format (_use_new_zipfile_serialization=False), fp32, one tensor a view
                   at an offset into a larger storage
  bin-sharded-f16/ pytorch_model-0000{1,2}-of-00002.bin and pytorch_model.bin.index.json, zip format, fp16
  bin-views-bf16/  pytorch_model.bin, zip format, bf16, with views: a storage offset, a transposed (non-contiguous)
                   tensor, a strided slice, two tensors sharing one storage, and embed_out sharing embed_in's tensor

bin-expected.json maps each variant to its dtype and, for every parameter, its shape and its values as torch reads
them back converted to float32 (t.float()), as hex of the little-endian float32 bytes. The Go reader must match them
bit for bit: fp16 and bf16 widen to float32 exactly.
"""
import json
import os

import numpy as np
import torch

torch.manual_seed(0)
rng = np.random.default_rng(20240612)

D, L, H, FF, V, P = 8, 2, 2, 32, 12, 16
CONFIG = {
    "architectures": ["GPTNeoXForCausalLM"],
    "model_type": "gpt_neox",
    "hidden_size": D,
    "num_hidden_layers": L,
    "num_attention_heads": H,
    "intermediate_size": FF,
    "vocab_size": V,
    "max_position_embeddings": P,
    "rotary_pct": 0.5,
    "rotary_emb_base": 10000,
    "layer_norm_eps": 1e-5,
    "use_parallel_residual": True,
    "tie_word_embeddings": False,
    "hidden_act": "gelu",
    "torch_dtype": "float16",
}


def params():
    """The parameters, float32, in GPT-NeoX state-dict order (buffers excluded)."""
    out = []

    def add(name, *shape):
        scale = 10.0 ** rng.integers(-3, 2)
        out.append((name, torch.from_numpy((rng.standard_normal(shape) * scale).astype(np.float32))))

    add("gpt_neox.embed_in.weight", V, D)
    # Edge values, all exact in fp16: 1, the largest fp16, the smallest subnormal, -0, a normal, a subnormal.
    out[0][1][0, :6] = torch.tensor([1.0, 65504.0, 2.0 ** -24, -0.0, -2.5, 3 * 2.0 ** -20])
    for i in range(L):
        p = f"gpt_neox.layers.{i}."
        add(p + "input_layernorm.weight", D)
        add(p + "input_layernorm.bias", D)
        add(p + "post_attention_layernorm.weight", D)
        add(p + "post_attention_layernorm.bias", D)
        add(p + "attention.query_key_value.weight", 3 * D, D)
        add(p + "attention.query_key_value.bias", 3 * D)
        add(p + "attention.dense.weight", D, D)
        add(p + "attention.dense.bias", D)
        add(p + "mlp.dense_h_to_4h.weight", FF, D)
        add(p + "mlp.dense_h_to_4h.bias", FF)
        add(p + "mlp.dense_4h_to_h.weight", D, FF)
        add(p + "mlp.dense_4h_to_h.bias", D)
    add("gpt_neox.final_layer_norm.weight", D)
    add("gpt_neox.final_layer_norm.bias", D)
    add("embed_out.weight", V, D)
    return out


def with_buffers(sd):
    """Inserts the GPT-NeoX buffers after each layer's LayerNorms, where HF's state dict has them."""
    out = {}
    inv_freq = 1.0 / (10000 ** (torch.arange(0, 2, 2).float() / 2))  # rotary dims = 0.5 * head_dim 4 = 2
    for name, t in sd.items():
        out[name] = t
        if name.endswith("post_attention_layernorm.bias"):
            p = name[: -len("post_attention_layernorm.bias")]
            out[p + "attention.bias"] = torch.tril(torch.ones(P, P, dtype=torch.bool)).view(1, 1, P, P)
            out[p + "attention.masked_bias"] = torch.tensor(-1e9)
            out[p + "attention.rotary_emb.inv_freq"] = inv_freq.clone()
    return out


def offset_view(t, pad):
    """t as a view at element offset pad into a larger storage."""
    big = torch.full((pad + t.numel(),), 7.0, dtype=t.dtype)
    big[pad:] = t.flatten()
    return big[pad:].view(t.shape)


BASE = params()
expected = {}


def record(variant, dtype, sd):
    tensors = {}
    for name, t in sd.items():
        if name.endswith(("attention.bias", "attention.masked_bias", "rotary_emb.inv_freq")):
            continue
        f = t.float().contiguous().numpy().astype("<f4")
        tensors[name] = {"shape": list(t.shape), "f32": f.tobytes().hex()}
    expected[variant] = {"dtype": dtype, "tensors": tensors}


def write_config(d):
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "config.json"), "w") as f:
        json.dump(CONFIG, f, indent=2)
        f.write("\n")


# Zip format, fp16: what Pythia's step checkpoints hold.
sd = {n: t.half() for n, t in BASE}
write_config("bin-zip-f16")
torch.save(with_buffers(sd), "bin-zip-f16/pytorch_model.bin")
record("bin-zip-f16", "F16", sd)

# Legacy format, fp32, one tensor a view at an offset.
sd = {n: t.clone() for n, t in BASE}
sd["gpt_neox.layers.1.mlp.dense_h_to_4h.weight"] = offset_view(sd["gpt_neox.layers.1.mlp.dense_h_to_4h.weight"], 3)
write_config("bin-legacy-f32")
torch.save(with_buffers(sd), "bin-legacy-f32/pytorch_model.bin", _use_new_zipfile_serialization=False)
record("bin-legacy-f32", "F32", sd)

# Sharded, zip format, fp16: embed_in and layer 0 in the first shard, the rest in the second, as transformers does.
sd = with_buffers({n: t.half() for n, t in BASE})
names = list(sd)
cut = names.index("gpt_neox.layers.1.input_layernorm.weight")
shards = [names[:cut], names[cut:]]
weight_map, total = {}, 0
write_config("bin-sharded-f16")
for k, shard in enumerate(shards):
    fn = f"pytorch_model-{k + 1:05d}-of-{len(shards):05d}.bin"
    torch.save({n: sd[n] for n in shard}, os.path.join("bin-sharded-f16", fn))
    for n in shard:
        weight_map[n] = fn
        total += sd[n].numel() * sd[n].element_size()
with open("bin-sharded-f16/pytorch_model.bin.index.json", "w") as f:
    json.dump({"metadata": {"total_size": total}, "weight_map": weight_map}, f, indent=2)
    f.write("\n")
record("bin-sharded-f16", "F16", {n: t.half() for n, t in BASE})

# Zip format, bf16, views of every kind torch.save preserves.
sd = {n: t.bfloat16() for n, t in BASE}
p0, p1 = "gpt_neox.layers.0.", "gpt_neox.layers.1."
sd[p0 + "attention.query_key_value.weight"] = offset_view(sd[p0 + "attention.query_key_value.weight"], 5)
w = sd[p0 + "attention.dense.weight"]
sd[p0 + "attention.dense.weight"] = w.t().contiguous().t()  # same values, strides (1, D)
assert not sd[p0 + "attention.dense.weight"].is_contiguous()
w = sd[p1 + "mlp.dense_4h_to_h.weight"]
big = torch.zeros(D, 2 * FF, dtype=torch.bfloat16)
big[:, ::2] = w
sd[p1 + "mlp.dense_4h_to_h.weight"] = big[:, ::2]  # strides (2FF, 2)
both = torch.cat([sd[p1 + "input_layernorm.weight"], sd[p1 + "input_layernorm.bias"]])
sd[p1 + "input_layernorm.weight"], sd[p1 + "input_layernorm.bias"] = both[:D], both[D:]  # one storage
sd["embed_out.weight"] = sd["gpt_neox.embed_in.weight"]  # the same tensor under two names
write_config("bin-views-bf16")
torch.save(with_buffers(sd), "bin-views-bf16/pytorch_model.bin")
record("bin-views-bf16", "BF16", sd)

with open("bin-expected.json", "w") as f:
    json.dump(expected, f, sort_keys=True)
    f.write("\n")

# Read everything back with torch as a check on the files themselves.
for variant in expected:
    d = variant
    files = sorted(f for f in os.listdir(d) if f.endswith(".bin"))
    got = {}
    for fn in files:
        got.update(torch.load(os.path.join(d, fn)))
    for name, e in expected[variant]["tensors"].items():
        assert got[name].float().contiguous().numpy().astype("<f4").tobytes().hex() == e["f32"], (variant, name)
size = sum(os.path.getsize(os.path.join(r, f)) for r, _, fs in os.walk(".") for f in fs if "bin" in r or "bin" in f)
print("bin test data:", size, "bytes")
