"""Llama, Mistral and Qwen2 (model_type llama, mistral, qwen2) as HF's modeling_llama.py, modeling_mistral.py and
modeling_qwen2.py run them in eval mode. The three share one block: RMSNorm, grouped-query attention with RoPE over the
whole head_dim, SwiGLU; they differ in the window (Mistral: sliding_window on every layer, null for none; Qwen2: only
when use_sliding_window is true, and then from layer max_window_layers on) and in biases (Qwen2: on q, k and v; Llama:
on q, k, v and o with attention_bias, on gate, up and down with mlp_bias; MistralConfig and Qwen2Config have neither
key)."""

import math

import torch

from ref_common import apply_rope, causal_attention, heads, inv_freq_for, linear, rms_norm, rope_cos_sin, sampler

MODEL_TYPES = ("llama", "mistral", "qwen2")


def windows(config):
    """The attention window of each layer (None for full causal attention)."""
    L, mt = config["num_hidden_layers"], config["model_type"]
    if mt == "mistral":
        return [config.get("sliding_window", 4096)] * L  # MistralConfig's default; null disables it
    if mt == "qwen2" and config.get("use_sliding_window", False):
        sw = config.get("sliding_window", 4096)
        types = config.get("layer_types") or [
            "sliding_attention" if sw is not None and i >= config.get("max_window_layers", 28) else "full_attention"
            for i in range(L)]
        return [sw if t == "sliding_attention" else None for t in types]
    return [None] * L


def resolve(config):
    mt = config["model_type"]
    assert mt in MODEL_TYPES, mt
    attention_bias = mt == "llama" and bool(config.get("attention_bias", False))
    mlp_bias = mt == "llama" and bool(config.get("mlp_bias", False))
    d, H = config["hidden_size"], config["num_attention_heads"]
    kv = config.get("num_key_value_heads") or H
    hd = config.get("head_dim") or d // H
    if H % kv:
        raise ValueError("heads %d not divisible by kv heads %d" % (H, kv))
    return dict(
        model_type=mt,
        hidden_size=d,
        num_hidden_layers=config["num_hidden_layers"],
        num_attention_heads=H,
        num_key_value_heads=kv,
        head_dim=hd,
        intermediate_size=config["intermediate_size"],
        vocab_size=config["vocab_size"],
        rms_norm_eps=config.get("rms_norm_eps", 1e-6),
        hidden_act=config.get("hidden_act", "silu"),
        tie_word_embeddings=config.get("tie_word_embeddings", False),
        qkv_bias=(mt == "qwen2" or attention_bias),
        o_bias=attention_bias,
        mlp_bias=mlp_bias,
        inv_freq=inv_freq_for(config, hd),
        windows=windows(config),
    )


def random_params(c, seed):
    randn = sampler(seed)
    d, ff, V, L = c["hidden_size"], c["intermediate_size"], c["vocab_size"], c["num_hidden_layers"]
    H, kv, hd = c["num_attention_heads"], c["num_key_value_heads"], c["head_dim"]
    p = {"model.embed_tokens.weight": randn(V, d)}
    for i in range(L):
        pre = "model.layers.%d." % i
        p[pre + "input_layernorm.weight"] = randn(d, std=0.2, mean=1.0)
        p[pre + "self_attn.q_proj.weight"] = randn(H * hd, d, std=1.5 / math.sqrt(d))
        p[pre + "self_attn.k_proj.weight"] = randn(kv * hd, d, std=1.5 / math.sqrt(d))
        p[pre + "self_attn.v_proj.weight"] = randn(kv * hd, d, std=1.0 / math.sqrt(d))
        if c["qkv_bias"]:
            p[pre + "self_attn.q_proj.bias"] = randn(H * hd, std=0.3)
            p[pre + "self_attn.k_proj.bias"] = randn(kv * hd, std=0.3)
            p[pre + "self_attn.v_proj.bias"] = randn(kv * hd, std=0.1)
        p[pre + "self_attn.o_proj.weight"] = randn(d, H * hd, std=0.7 / math.sqrt(H * hd))
        if c["o_bias"]:
            p[pre + "self_attn.o_proj.bias"] = randn(d, std=0.1)
        p[pre + "post_attention_layernorm.weight"] = randn(d, std=0.2, mean=1.0)
        p[pre + "mlp.gate_proj.weight"] = randn(ff, d, std=1.0 / math.sqrt(d))
        p[pre + "mlp.up_proj.weight"] = randn(ff, d, std=1.0 / math.sqrt(d))
        p[pre + "mlp.down_proj.weight"] = randn(d, ff, std=1.0 / math.sqrt(ff))
        if c["mlp_bias"]:
            p[pre + "mlp.gate_proj.bias"] = randn(ff, std=0.3)
            p[pre + "mlp.up_proj.bias"] = randn(ff, std=0.3)
            p[pre + "mlp.down_proj.bias"] = randn(d, std=0.1)
    # A tied unembedding has the embedding's unit rows: the final norm's 1/√d keeps the logits near unit size.
    p["model.norm.weight"] = randn(d, std=0.2, mean=1.0) / (math.sqrt(d) if c["tie_word_embeddings"] else 1.0)
    if not c["tie_word_embeddings"]:
        p["lm_head.weight"] = randn(V, d, std=1.0 / math.sqrt(d))
    return p


def buffers(c):
    """Older Llama conversions store the rotary inv_freq of every layer; it is recomputed from the config."""
    return [("model.layers.%d.self_attn.rotary_emb.inv_freq" % i, c["inv_freq"], "F32")
            for i in range(c["num_hidden_layers"])]


def embedding_names(c):
    return ["model.embed_tokens.weight", "lm_head.weight"]


def embed(p, c, ids):
    return p["model.embed_tokens.weight"][torch.tensor(ids)]  # [T, d]


def attention(p, pre, c, i, x):
    """LlamaAttention (MistralAttention, Qwen2Attention) on x = input_layernorm(h), [T, d] → o_proj output, [T, d]."""
    T = x.shape[0]
    H, kv, hd = c["num_attention_heads"], c["num_key_value_heads"], c["head_dim"]
    b = (lambda n: p[pre + n]) if c["qkv_bias"] else (lambda n: None)
    q = heads(linear(x, p[pre + "self_attn.q_proj.weight"], b("self_attn.q_proj.bias")), H, hd)  # [H, T, hd]
    k = heads(linear(x, p[pre + "self_attn.k_proj.weight"], b("self_attn.k_proj.bias")), kv, hd)  # [kv, T, hd]
    v = heads(linear(x, p[pre + "self_attn.v_proj.weight"], b("self_attn.v_proj.bias")), kv, hd)  # [kv, T, hd]
    cos, sin = rope_cos_sin(c["inv_freq"], T)  # [T, hd]
    q, k = apply_rope(q, cos, sin), apply_rope(k, cos, sin)
    out = causal_attention(q, k, v, scale=hd ** -0.5, window=c["windows"][i])  # [T, H·hd]
    ob = p[pre + "self_attn.o_proj.bias"] if c["o_bias"] else None
    return linear(out, p[pre + "self_attn.o_proj.weight"], ob)  # [T, d]


def mlp(p, pre, c, x, act):
    """LlamaMLP: down_proj(act(gate_proj(x)) · up_proj(x)), each with a bias under mlp_bias."""
    b = (lambda n: p[pre + n]) if c["mlp_bias"] else (lambda n: None)
    gate = act(linear(x, p[pre + "mlp.gate_proj.weight"], b("mlp.gate_proj.bias")))
    up = linear(x, p[pre + "mlp.up_proj.weight"], b("mlp.up_proj.bias"))
    return linear(gate * up, p[pre + "mlp.down_proj.weight"], b("mlp.down_proj.bias"))


def block(p, c, i, h, act):
    """LlamaDecoderLayer: h₁ = h + Attn(RMSNorm₁ h), h′ = h₁ + MLP(RMSNorm₂ h₁)."""
    eps = c["rms_norm_eps"]
    pre = "model.layers.%d." % i
    a_in = rms_norm(h, p[pre + "input_layernorm.weight"], eps)
    a_out = attention(p, pre, c, i, a_in)
    m_res = h + a_out
    m_in = rms_norm(m_res, p[pre + "post_attention_layernorm.weight"], eps)
    m_out = mlp(p, pre, c, m_in, act)
    h_out = m_res + m_out
    return dict(h=h, a_in=a_in, a_out=a_out, a_add=a_out, m_res=m_res, m_in=m_in, m_out=m_out, m_add=m_out,
                h_out=h_out)


def logits(p, c, h):
    x = rms_norm(h, p["model.norm.weight"], c["rms_norm_eps"])
    w = p["model.embed_tokens.weight"] if c["tie_word_embeddings"] else p["lm_head.weight"]
    return x @ w.T  # [T, V]
