"""Gemma and Gemma-2 (model_type gemma, gemma2) as HF's modeling_gemma.py and modeling_gemma2.py run them in eval mode.

Gemma is Llama with GeGLU (the tanh GELU), RMSNorm scaled by (1 + w), the embeddings multiplied by √d (a float32
tensor here, since the reference computes in float32) and tied embeddings. Gemma-2 adds a norm after attention and
after the MLP (so what a block adds to the stream is a post-norm of what the module returns), a pre-MLP norm, attention
logit soft-capping before the mask, scores scaled by query_pre_attn_scalar^-½, a sliding window on the layers that
layer_types marks (the even layers when it is absent), and final logit soft-capping.
"""

import math

import torch

from ref_common import apply_rope, causal_attention, gemma_rms_norm, heads, inv_freq_for, linear, rope_cos_sin, sampler

MODEL_TYPES = ("gemma", "gemma2")


def resolve(config):
    mt = config["model_type"]
    assert mt in MODEL_TYPES, mt
    if config.get("attention_bias"):
        raise ValueError("attention_bias is not covered by the reference")
    L = config["num_hidden_layers"]
    # HF's GemmaConfig and Gemma2Config default head_dim to 256 and num_key_value_heads to 16 or 4, whatever the
    # other shapes; every case states both, so the reference requires them.
    H, kv, hd = config["num_attention_heads"], config["num_key_value_heads"], config["head_dim"]
    if H % kv:
        raise ValueError("heads %d not divisible by kv heads %d" % (H, kv))
    act = config.get("hidden_activation") or config.get("hidden_act") or "gelu_pytorch_tanh"
    c = dict(
        model_type=mt,
        hidden_size=config["hidden_size"],
        num_hidden_layers=L,
        num_attention_heads=H,
        num_key_value_heads=kv,
        head_dim=hd,
        intermediate_size=config["intermediate_size"],
        vocab_size=config["vocab_size"],
        rms_norm_eps=config.get("rms_norm_eps", 1e-6),
        hidden_act=act,
        tie_word_embeddings=True,
        inv_freq=inv_freq_for(config, hd),
        scale=hd ** -0.5,
        attn_softcap=None,
        final_softcap=None,
        windows=[None] * L,
    )
    if mt == "gemma2":
        c["scale"] = config.get("query_pre_attn_scalar", 256) ** -0.5
        c["attn_softcap"] = config.get("attn_logit_softcapping", 50.0)
        c["final_softcap"] = config.get("final_logit_softcapping", 30.0)
        sw = config.get("sliding_window", 4096)
        types = config.get("layer_types") or [
            "sliding_attention" if (i + 1) % 2 else "full_attention" for i in range(L)]  # even layers slide
        c["windows"] = [sw if t == "sliding_attention" else None for t in types]
    return c


def random_params(c, seed):
    """Norm weights w scatter around 0, since Gemma's norms scale by (1 + w)."""
    randn = sampler(seed)
    d, ff, V, L = c["hidden_size"], c["intermediate_size"], c["vocab_size"], c["num_hidden_layers"]
    H, kv, hd = c["num_attention_heads"], c["num_key_value_heads"], c["head_dim"]
    gemma2 = c["model_type"] == "gemma2"
    p = {"model.embed_tokens.weight": randn(V, d, std=1.0 / math.sqrt(d))}  # √d brings the stream to rms ≈ 1
    for i in range(L):
        pre = "model.layers.%d." % i
        p[pre + "input_layernorm.weight"] = randn(d, std=0.2)
        p[pre + "self_attn.q_proj.weight"] = randn(H * hd, d, std=1.5 / math.sqrt(d))
        p[pre + "self_attn.k_proj.weight"] = randn(kv * hd, d, std=1.5 / math.sqrt(d))
        p[pre + "self_attn.v_proj.weight"] = randn(kv * hd, d, std=1.0 / math.sqrt(d))
        p[pre + "self_attn.o_proj.weight"] = randn(d, H * hd, std=0.7 / math.sqrt(H * hd))
        p[pre + "post_attention_layernorm.weight"] = randn(d, std=0.2)
        if gemma2:
            p[pre + "pre_feedforward_layernorm.weight"] = randn(d, std=0.2)
            p[pre + "post_feedforward_layernorm.weight"] = randn(d, std=0.2, mean=-0.3)
        p[pre + "mlp.gate_proj.weight"] = randn(ff, d, std=1.0 / math.sqrt(d))
        p[pre + "mlp.up_proj.weight"] = randn(ff, d, std=1.0 / math.sqrt(d))
        p[pre + "mlp.down_proj.weight"] = randn(d, ff, std=1.0 / math.sqrt(ff))
    p["model.norm.weight"] = randn(d, std=0.2)
    return p


def buffers(c):
    return []


def embedding_names(c):
    return ["model.embed_tokens.weight"]


def embed(p, c, ids):
    """GemmaModel: embed_tokens(ids) · √d, the normaliser a tensor of the compute dtype (float32 here)."""
    normalizer = torch.tensor(c["hidden_size"] ** 0.5, dtype=torch.float32)
    return p["model.embed_tokens.weight"][torch.tensor(ids)] * normalizer  # [T, d]


def attention(p, pre, c, i, x):
    T = x.shape[0]
    H, kv, hd = c["num_attention_heads"], c["num_key_value_heads"], c["head_dim"]
    q = heads(linear(x, p[pre + "self_attn.q_proj.weight"]), H, hd)  # [H, T, hd]
    k = heads(linear(x, p[pre + "self_attn.k_proj.weight"]), kv, hd)  # [kv, T, hd]
    v = heads(linear(x, p[pre + "self_attn.v_proj.weight"]), kv, hd)  # [kv, T, hd]
    cos, sin = rope_cos_sin(c["inv_freq"], T)  # [T, hd]
    q, k = apply_rope(q, cos, sin), apply_rope(k, cos, sin)
    out = causal_attention(q, k, v, scale=c["scale"], softcap=c["attn_softcap"], window=c["windows"][i])
    return linear(out, p[pre + "self_attn.o_proj.weight"])  # [T, d]


def mlp(p, pre, x, act):
    """GemmaMLP / Gemma2MLP: down_proj(act(gate_proj(x)) · up_proj(x))."""
    gate = act(linear(x, p[pre + "mlp.gate_proj.weight"]))
    return linear(gate * linear(x, p[pre + "mlp.up_proj.weight"]), p[pre + "mlp.down_proj.weight"])


def block(p, c, i, h, act):
    """GemmaDecoderLayer: h₁ = h + Attn(N₁ h), h′ = h₁ + MLP(N₂ h₁).
    Gemma2DecoderLayer: h₁ = h + Npost_attn(Attn(N₁ h)), h′ = h₁ + Npost_ff(MLP(Npre_ff h₁))."""
    eps = c["rms_norm_eps"]
    pre = "model.layers.%d." % i

    def norm(x, name):
        return gemma_rms_norm(x, p[pre + name + ".weight"], eps)

    a_in = norm(h, "input_layernorm")
    a_out = attention(p, pre, c, i, a_in)
    if c["model_type"] == "gemma":
        m_res = h + a_out
        m_in = norm(m_res, "post_attention_layernorm")
        m_out = mlp(p, pre, m_in, act)
        return dict(h=h, a_in=a_in, a_out=a_out, a_add=a_out, m_res=m_res, m_in=m_in, m_out=m_out, m_add=m_out,
                    h_out=m_res + m_out)
    a_add = norm(a_out, "post_attention_layernorm")
    m_res = h + a_add
    m_in = norm(m_res, "pre_feedforward_layernorm")
    m_out = mlp(p, pre, m_in, act)
    m_add = norm(m_out, "post_feedforward_layernorm")
    return dict(h=h, a_in=a_in, a_out=a_out, a_add=a_add, m_res=m_res, m_in=m_in, m_out=m_out, m_add=m_add,
                h_out=m_res + m_add)


def logits(p, c, h):
    x = gemma_rms_norm(h, p["model.norm.weight"], c["rms_norm_eps"])
    out = x @ p["model.embed_tokens.weight"].T  # [T, V], the tied unembedding
    cap = c["final_softcap"]
    if cap is not None:
        out = out / cap
        out = torch.tanh(out)
        out = out * cap
    return out
