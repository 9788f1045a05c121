"""Time a plain forward pass in torch over a synthesised checkpoint, for scripts/bench-cpu to compare with scalefit.

    /usr/bin/python3 scripts/bench_torch.py MODEL_DIR TOKENS_JSONL THREADS

MODEL_DIR holds config.json and model.safetensors (as `scalefit synth` writes them), TOKENS_JSONL one JSON list of
token ids per line (all of one length, batched as [sequences, tokens]). The weights are converted to float32 when
loaded, as transformers does for a model loaded in float32, and the forward runs in float32 under torch.no_grad():
the embedding, every block, no final norm or logits (scalefit's gains-only run computes neither). Two families are
written out: GPT-NeoX (model_type gpt_neox, as modeling_gpt_neox.py runs it) and Llama (llama, mistral and qwen2
shapes without windows: RMSNorm, rotary on whole heads, grouped-query attention, SwiGLU). One forward on a single
token warms torch up; the timed forward follows. Prints one JSON line: {"forward_s": … (wall clock), "forward_cpu_s": …
(the process's CPU time, every thread), "load_s": …, "threads": …, "torch": version}.
"""

import json
import math
import sys
import time

import torch

DTYPES = {"F32": (torch.float32, 4), "F16": (torch.float16, 2), "BF16": (torch.bfloat16, 2)}


def load_safetensors(path):
    """Every tensor of a safetensors file, converted to float32."""
    with open(path, "rb") as f:
        n = int.from_bytes(f.read(8), "little")
        header = json.loads(f.read(n))
        data = bytearray(f.read())
    out = {}
    for name, t in header.items():
        if name == "__metadata__":
            continue
        lo, hi = t["data_offsets"]
        dtype, size = DTYPES[t["dtype"]]
        x = torch.frombuffer(data, dtype=dtype, count=(hi - lo) // size, offset=lo)
        out[name] = x.reshape(t["shape"]).float()
    return out


def rope_tables(inv_freq, T):
    """cos and sin [T, rotary dims] as HF's rotary embedding builds them: emb = cat(freqs, freqs)."""
    t = torch.arange(T, dtype=torch.float32)
    freqs = torch.outer(t, inv_freq)
    emb = torch.cat((freqs, freqs), dim=-1)
    return emb.cos(), emb.sin()


def rotate(x, cos, sin):
    """x·cos + rotate_half(x)·sin over the last dimension."""
    h = x.shape[-1] // 2
    return x * cos + torch.cat((-x[..., h:], x[..., :h]), dim=-1) * sin


def attention(q, k, v, scale):
    """Causal softmax attention of [B, H, T, hd] tensors."""
    T = q.shape[2]
    s = torch.matmul(q, k.transpose(-1, -2)) * scale
    mask = torch.ones(T, T, dtype=torch.bool).triu(1)
    s = s.masked_fill(mask, float("-inf"))
    return torch.matmul(torch.softmax(s, dim=-1), v)


def gptneox_forward(p, c, ids):
    d, H = c["hidden_size"], c["num_attention_heads"]
    hd = d // H
    r = int(hd * c.get("rotary_pct", c.get("partial_rotary_factor", 0.25)))
    base = c.get("rotary_emb_base", c.get("rope_theta", 10000))
    eps = c.get("layer_norm_eps", 1e-5)
    inv = 1.0 / (base ** (torch.arange(0, r, 2, dtype=torch.int64).float() / r))
    B, T = ids.shape
    cos, sin = rope_tables(inv, T)
    act = {"gelu": torch.nn.functional.gelu, "gelu_new": lambda x: torch.nn.functional.gelu(x, approximate="tanh"),
           "gelu_fast": lambda x: torch.nn.functional.gelu(x, approximate="tanh")}[c.get("hidden_act", "gelu")]
    h = p["gpt_neox.embed_in.weight"][ids]  # [B, T, d]
    for layer in range(c["num_hidden_layers"]):
        w = lambda k: p.get("gpt_neox.layers.%d.%s" % (layer, k))
        a = torch.nn.functional.layer_norm(h, (d,), w("input_layernorm.weight"), w("input_layernorm.bias"), eps)
        qkv = torch.nn.functional.linear(a, w("attention.query_key_value.weight"), w("attention.query_key_value.bias"))
        qkv = qkv.view(B, T, H, 3 * hd).permute(0, 2, 1, 3)  # [B, H, T, 3hd]
        q, k, v = qkv[..., :hd], qkv[..., hd:2 * hd], qkv[..., 2 * hd:]
        q = torch.cat((rotate(q[..., :r], cos, sin), q[..., r:]), dim=-1)
        k = torch.cat((rotate(k[..., :r], cos, sin), k[..., r:]), dim=-1)
        ctx = attention(q, k, v, 1 / math.sqrt(hd)).permute(0, 2, 1, 3).reshape(B, T, d)
        a_out = torch.nn.functional.linear(ctx, w("attention.dense.weight"), w("attention.dense.bias"))
        m_in = h if c.get("use_parallel_residual", True) else h + a_out
        m = torch.nn.functional.layer_norm(m_in, (d,), w("post_attention_layernorm.weight"),
                                           w("post_attention_layernorm.bias"), eps)
        m = act(torch.nn.functional.linear(m, w("mlp.dense_h_to_4h.weight"), w("mlp.dense_h_to_4h.bias")))
        m_out = torch.nn.functional.linear(m, w("mlp.dense_4h_to_h.weight"), w("mlp.dense_4h_to_h.bias"))
        h = (m_out + a_out) + h if c.get("use_parallel_residual", True) else m_out + (a_out + h)
    return h


def llama_forward(p, c, ids):
    d, H = c["hidden_size"], c["num_attention_heads"]
    KV = c.get("num_key_value_heads", H)
    hd = c.get("head_dim") or d // H
    eps = c.get("rms_norm_eps", 1e-6)
    theta = c.get("rope_theta", 10000.0)
    inv = 1.0 / (theta ** (torch.arange(0, hd, 2, dtype=torch.int64).float() / hd))
    B, T = ids.shape
    cos, sin = rope_tables(inv, T)

    def rms(x, w):
        return w * (x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps))

    h = p["model.embed_tokens.weight"][ids]
    for layer in range(c["num_hidden_layers"]):
        w = lambda k: p.get("model.layers.%d.%s" % (layer, k))
        a = rms(h, w("input_layernorm.weight"))
        q = torch.nn.functional.linear(a, w("self_attn.q_proj.weight"), w("self_attn.q_proj.bias"))
        k = torch.nn.functional.linear(a, w("self_attn.k_proj.weight"), w("self_attn.k_proj.bias"))
        v = torch.nn.functional.linear(a, w("self_attn.v_proj.weight"), w("self_attn.v_proj.bias"))
        q = rotate(q.view(B, T, H, hd).transpose(1, 2), cos, sin)
        k = rotate(k.view(B, T, KV, hd).transpose(1, 2), cos, sin).repeat_interleave(H // KV, dim=1)
        v = v.view(B, T, KV, hd).transpose(1, 2).repeat_interleave(H // KV, dim=1)
        ctx = attention(q, k, v, 1 / math.sqrt(hd)).transpose(1, 2).reshape(B, T, H * hd)
        h = h + torch.nn.functional.linear(ctx, w("self_attn.o_proj.weight"))
        m = rms(h, w("post_attention_layernorm.weight"))
        g = torch.nn.functional.silu(torch.nn.functional.linear(m, w("mlp.gate_proj.weight")))
        h = h + torch.nn.functional.linear(g * torch.nn.functional.linear(m, w("mlp.up_proj.weight")),
                                           w("mlp.down_proj.weight"))
    return h


FORWARD = {"gpt_neox": gptneox_forward, "llama": llama_forward, "mistral": llama_forward, "qwen2": llama_forward}


def main():
    model_dir, tokens, threads = sys.argv[1], sys.argv[2], int(sys.argv[3])
    torch.set_num_threads(threads)
    with open(model_dir + "/config.json") as f:
        config = json.load(f)
    forward = FORWARD[config["model_type"]]
    with open(tokens) as f:
        ids = torch.tensor([json.loads(line) for line in f if line.strip()], dtype=torch.int64)
    t0 = time.perf_counter()
    params = load_safetensors(model_dir + "/model.safetensors")
    load = time.perf_counter() - t0
    with torch.no_grad():
        forward(params, config, ids[:1, :1])  # warm-up
        t0, c0 = time.perf_counter(), time.process_time()
        h = forward(params, config, ids)
        elapsed, cpu = time.perf_counter() - t0, time.process_time() - c0
    assert torch.isfinite(h).all()
    print(json.dumps({"forward_s": elapsed, "forward_cpu_s": cpu, "load_s": load, "threads": torch.get_num_threads(),
                      "torch": torch.__version__}))


if __name__ == "__main__":
    main()
