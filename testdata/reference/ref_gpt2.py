"""GPT-2 (model_type gpt2) as HF's modeling_gpt2.py runs it in eval mode: learned position embeddings, Conv1D weights
stored [in, out], a fused c_attn whose output splits into contiguous q | k | v blocks, LayerNorm before each module,
scores divided by √head_dim and, with scale_attn_by_inverse_layer_idx, by layer + 1; the activation from
activation_function (gelu_new by default); the unembedding tied to wte. Checkpoints name the tensors with or without a
"transformer." prefix; the causal-mask buffers attn.bias and attn.masked_bias are not parameters."""

import math

import torch

from ref_common import causal_attention, conv1d, heads, layer_norm, sampler


def resolve(config):
    if config.get("add_cross_attention") or not config.get("tie_word_embeddings", True):
        raise ValueError("cross-attention and an untied lm_head are not covered by the reference")
    d = config["n_embd"]
    return dict(
        model_type="gpt2",
        hidden_size=d,
        num_hidden_layers=config["n_layer"],
        num_attention_heads=config["n_head"],
        intermediate_size=config.get("n_inner") or 4 * d,
        vocab_size=config["vocab_size"],
        n_positions=config["n_positions"],
        layer_norm_epsilon=config.get("layer_norm_epsilon", 1e-5),
        hidden_act=config.get("activation_function", "gelu_new"),
        scale_attn_weights=config.get("scale_attn_weights", True),
        scale_attn_by_inverse_layer_idx=config.get("scale_attn_by_inverse_layer_idx", False),
        tie_word_embeddings=True,
    )


def random_params(c, seed):
    """Names without the "transformer." prefix; gen.py adds it where a case asks."""
    randn = sampler(seed)
    d, ff, V, L, n = c["hidden_size"], c["intermediate_size"], c["vocab_size"], c["num_hidden_layers"], c["n_positions"]
    p = {"wte.weight": randn(V, d), "wpe.weight": randn(n, d, std=0.5)}
    for i in range(L):
        pre = "h.%d." % i
        p[pre + "ln_1.weight"] = randn(d, std=0.2, mean=1.0)
        p[pre + "ln_1.bias"] = randn(d, std=0.1)
        p[pre + "attn.c_attn.weight"] = randn(d, 3 * d, std=1.5 / math.sqrt(d))  # Conv1D: [in, out]
        p[pre + "attn.c_attn.bias"] = randn(3 * d, std=0.1)
        p[pre + "attn.c_proj.weight"] = randn(d, d, std=0.7 / math.sqrt(d))
        p[pre + "attn.c_proj.bias"] = randn(d, std=0.05)
        p[pre + "ln_2.weight"] = randn(d, std=0.2, mean=1.0)
        p[pre + "ln_2.bias"] = randn(d, std=0.1)
        p[pre + "mlp.c_fc.weight"] = randn(d, ff, std=1.0 / math.sqrt(d))
        p[pre + "mlp.c_fc.bias"] = randn(ff, std=0.1)
        p[pre + "mlp.c_proj.weight"] = randn(ff, d, std=1.0 / math.sqrt(ff))
        p[pre + "mlp.c_proj.bias"] = randn(d, std=0.05)
    p["ln_f.weight"] = randn(d, std=0.2, mean=1.0) / math.sqrt(d)  # the tied wte has unit rows: unit-size logits
    p["ln_f.bias"] = randn(d, std=0.1)
    return p


def buffers(c):
    """GPT2Attention's causal mask, stored as F32 ones and zeros as openai-community/gpt2's safetensors hold it, and
    the masked_bias scalar of older checkpoints."""
    n = c["n_positions"]
    out = []
    for i in range(c["num_hidden_layers"]):
        out.append(("h.%d.attn.bias" % i, torch.tril(torch.ones(n, n)).view(1, 1, n, n), "F32"))
        out.append(("h.%d.attn.masked_bias" % i, torch.tensor(-1e4), "F32"))
    return out


def embedding_names(c):
    return ["wte.weight", "wpe.weight"]


def embed(p, c, ids):
    """inputs_embeds + position_embeds, positions 0..T−1."""
    T = len(ids)
    return p["wte.weight"][torch.tensor(ids)] + p["wpe.weight"][torch.arange(T)]  # [T, d]


def attention(p, pre, c, i, x):
    T, d = x.shape
    H = c["num_attention_heads"]
    hd = d // H
    qkv = conv1d(x, p[pre + "attn.c_attn.weight"], p[pre + "attn.c_attn.bias"])  # [T, 3d]
    q, k, v = (heads(t, H, hd) for t in qkv.split(d, dim=1))  # each [H, T, hd]: q | k | v are contiguous blocks
    divisors = []
    if c["scale_attn_weights"]:
        divisors.append(hd ** 0.5)
    if c["scale_attn_by_inverse_layer_idx"]:
        divisors.append(float(i + 1))
    out = causal_attention(q, k, v, divisors=divisors)  # [T, d]
    return conv1d(out, p[pre + "attn.c_proj.weight"], p[pre + "attn.c_proj.bias"])


def mlp(p, pre, x, act):
    u = act(conv1d(x, p[pre + "mlp.c_fc.weight"], p[pre + "mlp.c_fc.bias"]))
    return conv1d(u, p[pre + "mlp.c_proj.weight"], p[pre + "mlp.c_proj.bias"])


def block(p, c, i, h, act):
    """GPT2Block: h₁ = h + Attn(ln_1 h), h′ = h₁ + MLP(ln_2 h₁)."""
    eps = c["layer_norm_epsilon"]
    pre = "h.%d." % i
    a_in = layer_norm(h, p[pre + "ln_1.weight"], p[pre + "ln_1.bias"], eps)
    a_out = attention(p, pre, c, i, a_in)
    m_res = h + a_out
    m_in = layer_norm(m_res, p[pre + "ln_2.weight"], p[pre + "ln_2.bias"], eps)
    m_out = mlp(p, pre, m_in, act)
    return dict(h=h, a_in=a_in, a_out=a_out, a_add=a_out, m_res=m_res, m_in=m_in, m_out=m_out, m_add=m_out,
                h_out=m_res + m_out)


def logits(p, c, h):
    x = layer_norm(h, p["ln_f.weight"], p["ln_f.bias"], c["layer_norm_epsilon"])
    return x @ p["wte.weight"].T  # [T, V], the tied unembedding
