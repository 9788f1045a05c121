#!/usr/bin/python3
"""Independent reference for the scalefit CPU backend (backends/cpu).

Writes tiny random GPT-NeoX checkpoints (config.json + safetensors, written by hand) and, for each run of each case,
the per-(layer, component, sequence) gain statistics of DESIGN.md section 3, computed by a torch implementation of the
Hugging Face GPT-NeoX forward pass written from DESIGN.md section 7 (float32 compute, float64 norms and statistics).

Run with Debian's interpreter, which has torch:

    /usr/bin/python3 testdata/reference/gen.py

Output, for each case <name>: testdata/reference/<name>/{config.json, *.safetensors, [index.json], expected.json}.
The output is deterministic (fixed torch seeds). If the transformers package is importable, every case is also run
through transformers' GPTNeoXModel and the hidden states are compared; otherwise that check is skipped.
"""

import json
import math
import os
import struct
import sys

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
COMPONENTS = ["attn", "mlp", "combined", "attn_resid", "mlp_resid", "block"]

# ---------------------------------------------------------------------------------------------------------------------
# Cases. Every checkpoint stays tiny so that testdata stays well under 1 MB.
#   cfg:      the model shape and semantics (written to config.json in the requested key style)
#   style:    "old" (rotary_pct, rotary_emb_base) or "new" (partial_rotary_factor, rope_theta)
#   dtype:    storage dtype: F32, F16 or BF16
#   shards:   1 (model.safetensors) or 2 (model-0000k-of-00002.safetensors + model.safetensors.index.json)
#   buffers:  also store the non-parameter buffers attention.bias (bool), attention.masked_bias, rotary_emb.inv_freq
#   lengths:  sequence lengths
#   runs:     what to measure: skip_first, gelu ("erf" or "tanh"), loss
# ---------------------------------------------------------------------------------------------------------------------
CASES = [
    dict(name="f32-parallel-old", seed=1,
         cfg=dict(hidden_size=32, num_hidden_layers=2, num_attention_heads=2, intermediate_size=128, vocab_size=96,
                  max_position_embeddings=64, rotary_pct=0.25, rotary_emb_base=10000.0, layer_norm_eps=1e-5,
                  use_parallel_residual=True),
         style="old", dtype="F32", shards=1, buffers=False, lengths=[24, 17, 9],
         runs=[dict(skip_first=0, gelu="erf", loss=False),
               dict(skip_first=1, gelu="erf", loss=True),
               dict(skip_first=0, gelu="tanh", loss=False)]),
    dict(name="f16-sequential-new", seed=2,
         cfg=dict(hidden_size=32, num_hidden_layers=3, num_attention_heads=4, intermediate_size=64, vocab_size=80,
                  max_position_embeddings=64, rotary_pct=1.0, rotary_emb_base=500.0, layer_norm_eps=1e-5,
                  use_parallel_residual=False),
         style="new", dtype="F16", shards=1, buffers=False, lengths=[20, 13],
         runs=[dict(skip_first=0, gelu="erf", loss=True),
               dict(skip_first=1, gelu="tanh", loss=False)]),
    dict(name="bf16-buffers", seed=3,
         cfg=dict(hidden_size=24, num_hidden_layers=2, num_attention_heads=3, intermediate_size=96, vocab_size=64,
                  max_position_embeddings=32, rotary_pct=0.25, rotary_emb_base=10000.0, layer_norm_eps=1e-6,
                  use_parallel_residual=True),
         style="old", dtype="BF16", shards=1, buffers=True, lengths=[16, 23, 5],
         runs=[dict(skip_first=2, gelu="erf", loss=True)]),
    dict(name="sharded-f32", seed=4,
         cfg=dict(hidden_size=32, num_hidden_layers=3, num_attention_heads=2, intermediate_size=96, vocab_size=64,
                  max_position_embeddings=16, rotary_pct=0.5, rotary_emb_base=10000.0, layer_norm_eps=1e-5,
                  use_parallel_residual=True),
         # The 20-token sequence is longer than max_position_embeddings: rotary has no limit, so it must still run.
         style="new", dtype="F32", shards=2, buffers=False, lengths=[20, 11],
         runs=[dict(skip_first=0, gelu="erf", loss=True),
               dict(skip_first=1, gelu="tanh", loss=False)]),
    dict(name="single-layer-f16", seed=5,
         cfg=dict(hidden_size=16, num_hidden_layers=1, num_attention_heads=2, intermediate_size=64, vocab_size=32,
                  max_position_embeddings=32, rotary_pct=0.25, rotary_emb_base=10000.0, layer_norm_eps=1e-5,
                  use_parallel_residual=False),
         style="old", dtype="F16", shards=1, buffers=False, lengths=[12],
         runs=[dict(skip_first=0, gelu="erf", loss=True)]),
]


# ---------------------------------------------------------------------------------------------------------------------
# Checkpoint writing
# ---------------------------------------------------------------------------------------------------------------------
def config_json(case):
    c = case["cfg"]
    out = {
        "architectures": ["GPTNeoXForCausalLM"],
        "model_type": "gpt_neox",
        "hidden_size": c["hidden_size"],
        "num_hidden_layers": c["num_hidden_layers"],
        "num_attention_heads": c["num_attention_heads"],
        "intermediate_size": c["intermediate_size"],
        "vocab_size": c["vocab_size"],
        "max_position_embeddings": c["max_position_embeddings"],
        "layer_norm_eps": c["layer_norm_eps"],
        "use_parallel_residual": c["use_parallel_residual"],
        "hidden_act": "gelu",
        "tie_word_embeddings": False,
        "bos_token_id": 0,
        "eos_token_id": 0,
        "initializer_range": 0.02,
        "torch_dtype": {"F32": "float32", "F16": "float16", "BF16": "bfloat16"}[case["dtype"]],
    }
    if case["style"] == "old":
        out["rotary_pct"] = c["rotary_pct"]
        out["rotary_emb_base"] = c["rotary_emb_base"]
    else:
        out["partial_rotary_factor"] = c["rotary_pct"]
        out["rope_theta"] = c["rotary_emb_base"]
    return out


def random_params(case):
    """Random parameters with magnitudes that keep every sublayer's gain away from zero and one."""
    c = case["cfg"]
    g = torch.Generator().manual_seed(case["seed"])
    d, ff, V, L = c["hidden_size"], c["intermediate_size"], c["vocab_size"], c["num_hidden_layers"]

    def randn(*shape, std=1.0, mean=0.0):
        return (torch.randn(*shape, generator=g, dtype=torch.float64) * std + mean).float()

    p = {"gpt_neox.embed_in.weight": randn(V, d)}
    for i in range(L):
        pre = "gpt_neox.layers.%d." % i
        p[pre + "input_layernorm.weight"] = randn(d, std=0.2, mean=1.0)
        p[pre + "input_layernorm.bias"] = randn(d, std=0.1)
        p[pre + "post_attention_layernorm.weight"] = randn(d, std=0.2, mean=1.0)
        p[pre + "post_attention_layernorm.bias"] = randn(d, std=0.1)
        p[pre + "attention.query_key_value.weight"] = randn(3 * d, d, std=1.5 / math.sqrt(d))
        p[pre + "attention.query_key_value.bias"] = randn(3 * d, std=0.1)
        p[pre + "attention.dense.weight"] = randn(d, d, std=0.7 / math.sqrt(d))
        p[pre + "attention.dense.bias"] = randn(d, std=0.05)
        p[pre + "mlp.dense_h_to_4h.weight"] = randn(ff, d, std=1.0 / math.sqrt(d))
        p[pre + "mlp.dense_h_to_4h.bias"] = randn(ff, std=0.1)
        p[pre + "mlp.dense_4h_to_h.weight"] = randn(d, ff, std=1.0 / math.sqrt(ff))
        p[pre + "mlp.dense_4h_to_h.bias"] = randn(d, std=0.05)
    p["gpt_neox.final_layer_norm.weight"] = randn(d, std=0.2, mean=1.0)
    p["gpt_neox.final_layer_norm.bias"] = randn(d, std=0.1)
    p["embed_out.weight"] = randn(V, d, std=1.0 / math.sqrt(d))
    return p


TORCH_DTYPE = {"F32": torch.float32, "F16": torch.float16, "BF16": torch.bfloat16}


def tensor_bytes(t, dtype):
    """Little-endian raw bytes of t in the safetensors dtype."""
    if dtype == "BOOL":
        return t.to(torch.uint8).contiguous().numpy().tobytes()
    t = t.to(TORCH_DTYPE[dtype]).contiguous()
    if dtype == "BF16":
        return t.view(torch.int16).numpy().astype("<i2").tobytes()
    if dtype == "F16":
        return t.numpy().astype("<f2").tobytes()
    return t.numpy().astype("<f4").tobytes()


def write_safetensors(path, tensors):
    """tensors: list of (name, tensor, dtype). The format: 8-byte little-endian header length, the JSON header (padded
    with spaces to a multiple of 8 bytes), then the raw data in header order."""
    header, blobs, off = {"__metadata__": {"format": "pt"}}, [], 0
    for name, t, dtype in tensors:
        b = tensor_bytes(t, dtype)
        header[name] = {"dtype": dtype, "shape": list(t.shape), "data_offsets": [off, off + len(b)]}
        blobs.append(b)
        off += len(b)
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)
    return off


def stored(params, dtype):
    """What a reader gets back: every parameter rounded to the storage dtype, then converted to float32."""
    return {k: v.to(TORCH_DTYPE[dtype]).float() for k, v in params.items()}


def buffers(case):
    c = case["cfg"]
    n, hd = c["max_position_embeddings"], c["hidden_size"] // c["num_attention_heads"]
    r = int(hd * c["rotary_pct"])
    out = []
    for i in range(c["num_hidden_layers"]):
        pre = "gpt_neox.layers.%d.attention." % i
        out.append((pre + "bias", torch.tril(torch.ones(n, n, dtype=torch.bool)).view(1, 1, n, n), "BOOL"))
        out.append((pre + "masked_bias", torch.tensor(-1e9), "F32"))
        inv = 1.0 / (c["rotary_emb_base"] ** (torch.arange(0, r, 2).float() / r))
        out.append((pre + "rotary_emb.inv_freq", inv, "F32"))
    return out


def write_checkpoint(case, params, outdir):
    for f in os.listdir(outdir):
        if f.endswith(".safetensors") or f.endswith(".json"):
            os.remove(os.path.join(outdir, f))
    with open(os.path.join(outdir, "config.json"), "w") as f:
        json.dump(config_json(case), f, indent=2, sort_keys=True)
        f.write("\n")
    dtype = case["dtype"]
    items = [(k, v, dtype) for k, v in params.items()]
    if case["buffers"]:
        items += buffers(case)
    if case["shards"] == 1:
        write_safetensors(os.path.join(outdir, "model.safetensors"), items)
        return
    # Two shards: embed_in and the first half of the layers, then the rest.
    L = case["cfg"]["num_hidden_layers"]

    def shard_of(name):
        if name.startswith("gpt_neox.layers."):
            return 0 if int(name.split(".")[2]) < (L + 1) // 2 else 1
        return 0 if name.startswith("gpt_neox.embed_in") else 1

    files = ["model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors"]
    weight_map, total = {}, 0
    for s in range(2):
        part = [it for it in items if shard_of(it[0]) == s]
        total += write_safetensors(os.path.join(outdir, files[s]), part)
        for it in part:
            weight_map[it[0]] = files[s]
    with open(os.path.join(outdir, "model.safetensors.index.json"), "w") as f:
        json.dump({"metadata": {"total_size": total}, "weight_map": dict(sorted(weight_map.items()))}, f, indent=2)
        f.write("\n")


# ---------------------------------------------------------------------------------------------------------------------
# The reference forward pass, written from DESIGN.md section 7 (HF GPTNeoXModel semantics), float32 throughout.
# ---------------------------------------------------------------------------------------------------------------------
def gelu(x, kind):
    if kind == "tanh":
        return torch.nn.functional.gelu(x, approximate="tanh")
    return torch.nn.functional.gelu(x)  # exact: 0.5 x (1 + erf(x / sqrt 2))


def rotate_half(x):
    x1, x2 = x[..., : x.shape[-1] // 2], x[..., x.shape[-1] // 2:]
    return torch.cat((-x2, x1), dim=-1)


def attention(p, pre, c, x):
    """x: [T, d] (already LN1-normalised). Returns the attention sublayer output after dense + bias, [T, d]."""
    T, d = x.shape
    H = c["num_attention_heads"]
    hd = d // H
    r = int(hd * c["rotary_pct"])
    qkv = x @ p[pre + "attention.query_key_value.weight"].T + p[pre + "attention.query_key_value.bias"]  # [T, 3d]
    qkv = qkv.view(T, H, 3 * hd).permute(1, 0, 2)  # [H, T, 3hd]: q, k, v interleaved per head
    q, k, v = qkv[..., :hd], qkv[..., hd:2 * hd], qkv[..., 2 * hd:]  # each [H, T, hd]
    if r > 0:
        inv_freq = 1.0 / (c["rotary_emb_base"] ** (torch.arange(0, r, 2, dtype=torch.int64).float() / r))  # [r/2]
        t = torch.arange(T, dtype=torch.int64).float()
        freqs = torch.outer(t, inv_freq)  # [T, r/2]
        emb = torch.cat((freqs, freqs), dim=-1)  # [T, r]
        cos, sin = emb.cos(), emb.sin()
        q_rot, q_pass = q[..., :r], q[..., r:]
        k_rot, k_pass = k[..., :r], k[..., r:]
        q = torch.cat((q_rot * cos + rotate_half(q_rot) * sin, q_pass), dim=-1)
        k = torch.cat((k_rot * cos + rotate_half(k_rot) * sin, k_pass), dim=-1)
    scores = torch.matmul(q, k.transpose(-1, -2)) / math.sqrt(hd)  # [H, T, T]
    causal = torch.tril(torch.ones(T, T, dtype=torch.bool))
    scores = scores.masked_fill(~causal, torch.finfo(torch.float32).min)
    probs = torch.softmax(scores, dim=-1)
    out = torch.matmul(probs, v)  # [H, T, hd]
    out = out.permute(1, 0, 2).reshape(T, d)  # [T, H*hd], head-major
    return out @ p[pre + "attention.dense.weight"].T + p[pre + "attention.dense.bias"]


def mlp(p, pre, x, kind):
    u = gelu(x @ p[pre + "mlp.dense_h_to_4h.weight"].T + p[pre + "mlp.dense_h_to_4h.bias"], kind)
    return u @ p[pre + "mlp.dense_4h_to_h.weight"].T + p[pre + "mlp.dense_4h_to_h.bias"]


def layer_norm(x, w, b, eps):
    return torch.nn.functional.layer_norm(x, (x.shape[-1],), w, b, eps)


def norm64(x):
    return x.double().norm(dim=-1)  # L2 over the hidden dim, float64 from the float32 vectors


def forward(p, c, ids, kind):
    """One sequence. Returns the final hidden states [T, d] (before final_layer_norm), the per-layer per-token gains
    and norms as {component: (gain[T], norm_in[T], norm_out[T])}, and the input hidden states of every layer."""
    eps = c["layer_norm_eps"]
    h = p["gpt_neox.embed_in.weight"][torch.tensor(ids)]  # [T, d]
    layers, hs = [], []
    for i in range(c["num_hidden_layers"]):
        pre = "gpt_neox.layers.%d." % i
        hs.append(h)
        a_in = layer_norm(h, p[pre + "input_layernorm.weight"], p[pre + "input_layernorm.bias"], eps)
        a_out = attention(p, pre, c, a_in)
        if c["use_parallel_residual"]:
            m_res = h
            m_in = layer_norm(h, p[pre + "post_attention_layernorm.weight"], p[pre + "post_attention_layernorm.bias"],
                              eps)
            m_out = mlp(p, pre, m_in, kind)
            h_new = m_out + a_out + h
        else:
            m_res = a_out + h
            m_in = layer_norm(m_res, p[pre + "post_attention_layernorm.weight"],
                              p[pre + "post_attention_layernorm.bias"], eps)
            m_out = mlp(p, pre, m_in, kind)
            h_new = m_out + m_res
        n_h, n_ain, n_aout = norm64(h), norm64(a_in), norm64(a_out)
        n_min, n_mout, n_mres, n_new = norm64(m_in), norm64(m_out), norm64(m_res), norm64(h_new)
        attn_g, mlp_g = n_aout / n_ain, n_mout / n_min
        layers.append({
            "attn": (attn_g, n_ain, n_aout),
            "mlp": (mlp_g, n_min, n_mout),
            "combined": (attn_g * mlp_g, n_ain, n_mout),
            "attn_resid": (n_aout / n_h, n_h, n_aout),
            "mlp_resid": (n_mout / n_mres, n_mres, n_mout),
            "block": (n_new / n_h, n_h, n_new),
        })
        h = h_new
    hs.append(h)
    return h, layers, hs


def loss_terms(p, c, h, ids):
    """Sum of next-token cross-entropy over positions 0..T-2 (predicting 1..T-1), and the count."""
    x = layer_norm(h, p["gpt_neox.final_layer_norm.weight"], p["gpt_neox.final_layer_norm.bias"], c["layer_norm_eps"])
    logits = x @ p["embed_out.weight"].T  # [T, V], float32
    logp = torch.log_softmax(logits.double(), dim=-1)
    tgt = torch.tensor(ids[1:])
    nll = -logp[torch.arange(len(ids) - 1), tgt]
    return float(nll.sum()), len(ids) - 1


def run_case(case, p, seqs, run):
    c = case["cfg"]
    k = run["skip_first"]
    rows, loss_sum, loss_n = [], 0.0, 0
    for s, ids in enumerate(seqs):
        h, layers, _ = forward(p, c, ids, run["gelu"])
        if run["loss"]:
            ls, n = loss_terms(p, c, h, ids)
            loss_sum += ls
            loss_n += n
        for li, comp in enumerate(layers):
            for name in COMPONENTS:
                g, nin, nout = (x[k:] for x in comp[name])
                rows.append(dict(layer=li, component=name, seq=s, n_tokens=len(g),
                                 gain_mean=float(g.mean()), gain_std=float(g.std(unbiased=False)),
                                 gain_min=float(g.min()), gain_max=float(g.max()),
                                 norm_in_mean=float(nin.mean()), norm_out_mean=float(nout.mean())))
    # Layer-level gain: the token-weighted mean of gain_mean over sequences (DESIGN.md section 4).
    layer_gains = {}
    for name in COMPONENTS:
        vals = []
        for li in range(c["num_hidden_layers"]):
            rs = [r for r in rows if r["layer"] == li and r["component"] == name]
            n = sum(r["n_tokens"] for r in rs)
            vals.append(sum(r["gain_mean"] * r["n_tokens"] for r in rs) / n)
        layer_gains[name] = vals
    # "loss" is the mean next-token cross-entropy, or null when the run does not ask for it.
    return dict(skip_first=k, gelu=run["gelu"], loss=loss_sum / loss_n if run["loss"] else None,
                loss_tokens=loss_n, rows=rows, layer_gains=layer_gains)


def param_counts(case, p):
    total = sum(v.numel() for v in p.values())
    embed = p["gpt_neox.embed_in.weight"].numel() + p["embed_out.weight"].numel()
    return total, total - embed


def check_with_transformers(case, p, seqs, outdir):
    """Cross-check the hidden states against transformers' own GPTNeoXModel, when it is installed."""
    try:
        from transformers import GPTNeoXForCausalLM
    except Exception:
        return "skipped (transformers not importable)"
    model = GPTNeoXForCausalLM.from_pretrained(outdir, torch_dtype=torch.float32).eval()
    worst = 0.0
    with torch.no_grad():
        for ids in seqs:
            out = model(torch.tensor([ids]), output_hidden_states=True)
            _, _, hs = forward(p, case["cfg"], ids, "erf")
            # transformers' last hidden state has final_layer_norm applied; compare the layer inputs before it.
            for a, b in zip(out.hidden_states[:-1], hs[:-1]):
                worst = max(worst, float(((a[0] - b).abs().max()) / b.abs().max()))
    if worst > 1e-4:
        sys.exit("%s: transformers disagrees with the reference: max rel diff %.3g" % (case["name"], worst))
    return "transformers agrees (max rel diff %.2g)" % worst


def dumps(v, indent=""):
    """JSON with one line per leaf list or row, so the golden files stay small and diffable."""
    inner = indent + " "
    if isinstance(v, dict) and any(isinstance(x, (dict, list)) for x in v.values()):
        items = ["%s%s: %s" % (inner, json.dumps(k), dumps(x, inner)) for k, x in v.items()]
        return "{\n" + ",\n".join(items) + "\n" + indent + "}" + ("\n" if not indent else "")
    if isinstance(v, list) and any(isinstance(x, (dict, list)) for x in v):
        return "[\n" + ",\n".join(inner + dumps(x, inner) for x in v) + "\n" + indent + "]"
    return json.dumps(v, separators=(", ", ": "))


def main():
    torch.set_num_threads(1)
    for case in CASES:
        outdir = os.path.join(HERE, case["name"])
        os.makedirs(outdir, exist_ok=True)
        params = random_params(case)
        write_checkpoint(case, params, outdir)
        p = stored(params, case["dtype"])
        g = torch.Generator().manual_seed(1000 + case["seed"])
        V = case["cfg"]["vocab_size"]
        seqs = [torch.randint(0, V, (n,), generator=g).tolist() for n in case["lengths"]]
        total, nonembed = param_counts(case, p)
        with torch.no_grad():
            runs = [run_case(case, p, seqs, r) for r in case["runs"]]
        expected = dict(name=case["name"], n_params=total, n_params_nonembed=nonembed,
                        n_layers=case["cfg"]["num_hidden_layers"], hidden_size=case["cfg"]["hidden_size"],
                        sequences=seqs, runs=runs)
        with open(os.path.join(outdir, "expected.json"), "w") as f:
            f.write(dumps(expected))
        note = check_with_transformers(case, p, seqs, outdir)
        print("%-20s %s, %d params; %s" % (case["name"], case["dtype"], total, note))


if __name__ == "__main__":
    main()
