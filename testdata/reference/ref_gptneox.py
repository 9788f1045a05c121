"""GPT-NeoX (model_type gpt_neox) as HF's modeling_gpt_neox.py runs it in eval mode; see docs/gains.md.

A family module gives: resolve(config) → the settings the forward needs, with HF's defaults; random_params(cfg, seed);
buffers(cfg); embed(p, cfg, ids); block(p, cfg, layer, h, act) → the block's points (see gen.py); logits(p, cfg, h);
embedding_names(cfg), the tensors n_params_nonembed leaves out.
"""

import math

import torch

from ref_common import causal_attention, default_inv_freq, layer_norm, rope_cos_sin, rotate_half, sampler


def resolve(config):
    """GPTNeoXConfig with its defaults. The rotary settings have an old spelling (rotary_pct, rotary_emb_base) and a
    new one (partial_rotary_factor, rope_theta)."""
    return dict(
        hidden_size=config["hidden_size"],
        num_hidden_layers=config["num_hidden_layers"],
        num_attention_heads=config["num_attention_heads"],
        intermediate_size=config["intermediate_size"],
        vocab_size=config["vocab_size"],
        max_position_embeddings=config["max_position_embeddings"],
        rotary_pct=config.get("rotary_pct", config.get("partial_rotary_factor", 0.25)),
        rotary_emb_base=config.get("rotary_emb_base", config.get("rope_theta", 10000)),
        layer_norm_eps=config.get("layer_norm_eps", 1e-5),
        use_parallel_residual=config.get("use_parallel_residual", True),
        hidden_act=config.get("hidden_act", "gelu"),
        tie_word_embeddings=config.get("tie_word_embeddings", False),
    )


def random_params(c, seed):
    """Random parameters with magnitudes that keep every sublayer's gain away from zero and one."""
    randn = sampler(seed)
    d, ff, V, L = c["hidden_size"], c["intermediate_size"], c["vocab_size"], c["num_hidden_layers"]
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


def buffers(c):
    """What older GPT-NeoX checkpoints store besides parameters: the causal mask (BOOL), masked_bias and inv_freq."""
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


def embedding_names(c):
    return ["gpt_neox.embed_in.weight", "embed_out.weight"]


def embed(p, c, ids):
    return p["gpt_neox.embed_in.weight"][torch.tensor(ids)]  # [T, d]


def attention(p, pre, c, x):
    """x: [T, d] (already LN1-normalised). Returns the attention module's output after dense + bias, [T, d]."""
    T, d = x.shape
    H = c["num_attention_heads"]
    hd = d // H
    r = int(hd * c["rotary_pct"])
    qkv = x @ p[pre + "attention.query_key_value.weight"].T + p[pre + "attention.query_key_value.bias"]  # [T, 3d]
    qkv = qkv.view(T, H, 3 * hd).permute(1, 0, 2)  # [H, T, 3hd]: q, k, v interleaved per head
    q, k, v = qkv[..., :hd], qkv[..., hd:2 * hd], qkv[..., 2 * hd:]  # each [H, T, hd]
    if r > 0:
        cos, sin = rope_cos_sin(default_inv_freq(c["rotary_emb_base"], r), T)  # [T, r]
        q_rot, q_pass = q[..., :r], q[..., r:]
        k_rot, k_pass = k[..., :r], k[..., r:]
        q = torch.cat((q_rot * cos + rotate_half(q_rot) * sin, q_pass), dim=-1)
        k = torch.cat((k_rot * cos + rotate_half(k_rot) * sin, k_pass), dim=-1)
    out = causal_attention(q, k, v, divisors=(math.sqrt(hd),))  # [T, d]
    return out @ p[pre + "attention.dense.weight"].T + p[pre + "attention.dense.bias"]


def mlp(p, pre, x, act):
    u = act(x @ p[pre + "mlp.dense_h_to_4h.weight"].T + p[pre + "mlp.dense_h_to_4h.bias"])
    return u @ p[pre + "mlp.dense_4h_to_h.weight"].T + p[pre + "mlp.dense_4h_to_h.bias"]


def block(p, c, i, h, act):
    """GPTNeoXLayer. Parallel: h′ = h + Attn(LN₁ h) + MLP(LN₂ h); sequential: h₁ = h + Attn(LN₁ h),
    h′ = h₁ + MLP(LN₂ h₁)."""
    eps = c["layer_norm_eps"]
    pre = "gpt_neox.layers.%d." % i
    a_in = layer_norm(h, p[pre + "input_layernorm.weight"], p[pre + "input_layernorm.bias"], eps)
    a_out = attention(p, pre, c, a_in)
    m_res = h if c["use_parallel_residual"] else a_out + h
    m_in = layer_norm(m_res, p[pre + "post_attention_layernorm.weight"], p[pre + "post_attention_layernorm.bias"], eps)
    m_out = mlp(p, pre, m_in, act)
    h_out = m_out + a_out + h if c["use_parallel_residual"] else m_out + m_res
    return dict(h=h, a_in=a_in, a_out=a_out, a_add=a_out, m_res=m_res, m_in=m_in, m_out=m_out, m_add=m_out,
                h_out=h_out)


def logits(p, c, h):
    x = layer_norm(h, p["gpt_neox.final_layer_norm.weight"], p["gpt_neox.final_layer_norm.bias"],
                   c["layer_norm_eps"])
    return x @ p["embed_out.weight"].T  # [T, V], float32
