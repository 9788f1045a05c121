"""Pieces shared by the reference forward passes, written from Hugging Face transformers' modeling files.

Everything computes in float32, as HF does when a model is loaded in float32; only the norms that the gains are made of
(norm64) are float64. Each function says which HF code it follows.
"""

import math

import torch


def sampler(seed):
    """randn(*shape, std, mean): normal draws in float64 from a generator seeded with seed, rounded to float32."""
    g = torch.Generator().manual_seed(seed)

    def randn(*shape, std=1.0, mean=0.0):
        return (torch.randn(*shape, generator=g, dtype=torch.float64) * std + mean).float()

    return randn


# ---------------------------------------------------------------------------------------------------------------------
# Activations, as transformers.activations.ACT2FN computes them
# ---------------------------------------------------------------------------------------------------------------------
def act_gelu(x):
    """"gelu" (GELUActivation): the exact GELU, 0.5·x·(1 + erf(x/√2))."""
    return torch.nn.functional.gelu(x)


def act_gelu_new(x):
    """"gelu_new" (NewGELUActivation): the tanh approximation, written out as HF writes it."""
    return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * torch.pow(x, 3.0))))


def act_gelu_fast(x):
    """"gelu_fast" (FastGELUActivation): the same approximation, factored differently."""
    return 0.5 * x * (1.0 + torch.tanh(x * 0.7978845608 * (1.0 + 0.044715 * x * x)))


def act_gelu_pytorch_tanh(x):
    """"gelu_pytorch_tanh": torch's own tanh approximation."""
    return torch.nn.functional.gelu(x, approximate="tanh")


def act_silu(x):
    """"silu": x·σ(x)."""
    return torch.nn.functional.silu(x)


ACT2FN = {
    "gelu": act_gelu,
    "gelu_new": act_gelu_new,
    "gelu_fast": act_gelu_fast,
    "gelu_pytorch_tanh": act_gelu_pytorch_tanh,
    "silu": act_silu,
}

# What a run records as the activation that ran ("erf", "tanh", "silu"), by HF name. The three tanh spellings are one
# formula; they differ only in float32 rounding.
RECORDED = {"gelu": "erf", "gelu_new": "tanh", "gelu_fast": "tanh", "gelu_pytorch_tanh": "tanh", "silu": "silu"}


def activation(hf_name, override):
    """The activation a run uses: the config's (an HF name), or the run's --gelu override ("erf" or "tanh") for a GELU.
    Returns (function, recorded name)."""
    if hf_name not in ACT2FN:
        raise ValueError("activation %r is not covered by the reference" % hf_name)
    if override is None:
        return ACT2FN[hf_name], RECORDED[hf_name]
    if RECORDED[hf_name] == "silu":
        raise ValueError("a SiLU model takes no --gelu override")
    return {"erf": act_gelu, "tanh": act_gelu_pytorch_tanh}[override], override


# ---------------------------------------------------------------------------------------------------------------------
# Norms
# ---------------------------------------------------------------------------------------------------------------------
def layer_norm(x, w, b, eps):
    """nn.LayerNorm (GPT-NeoX, GPT-2): population variance."""
    return torch.nn.functional.layer_norm(x, (x.shape[-1],), w, b, eps)


def rms_norm(x, w, eps):
    """LlamaRMSNorm (also Mistral's and Qwen2's): w · (x · rsqrt(mean(x²) + eps))."""
    variance = x.pow(2).mean(-1, keepdim=True)
    return w * (x * torch.rsqrt(variance + eps))


def gemma_rms_norm(x, w, eps):
    """GemmaRMSNorm and Gemma2RMSNorm: (x · rsqrt(mean(x²) + eps)) · (1 + w), in float32."""
    out = x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps)
    return out * (1.0 + w)


def norm64(x):
    """Per-token L2 norm over the hidden dim, float64 from the float32 vectors."""
    return x.double().norm(dim=-1)


# ---------------------------------------------------------------------------------------------------------------------
# Rotary position embeddings (modeling_rope_utils.py and the models' RotaryEmbedding classes)
# ---------------------------------------------------------------------------------------------------------------------
def rope_parameters(config):
    """The RoPE settings of a config, wherever they sit: `rope_scaling` or (transformers v5) `rope_parameters`, with
    the theta inside it or at the top level, and the type under `rope_type` or the older `type`. Returns a dict with
    rope_type and rope_theta and, for scaled types, the type's own keys."""
    rp = dict(config.get("rope_scaling") or config.get("rope_parameters") or {})
    rp.setdefault("rope_theta", config.get("rope_theta", 10000.0))
    rp["rope_type"] = rp.get("rope_type", rp.get("type", "default"))
    if rp["rope_type"] == "llama3":
        rp.setdefault("original_max_position_embeddings", config["max_position_embeddings"])
    return rp


def default_inv_freq(theta, dim):
    """_compute_default_rope_parameters: inv_freq_i = 1 / theta^(2i/dim), in float32."""
    return 1.0 / (theta ** (torch.arange(0, dim, 2, dtype=torch.int64).float() / dim))


def llama3_inv_freq(rp, dim):
    """_compute_llama3_parameters: each frequency falls in one of three bands by its wavelength 2π/inv_freq: longer
    than original_max_position_embeddings / low_freq_factor, divided by factor; shorter than .../high_freq_factor, kept;
    in between, interpolated by the smooth factor. All in float32 tensors, as HF computes it."""
    inv_freq = default_inv_freq(rp["rope_theta"], dim)
    factor = rp["factor"]
    low_freq_factor = rp["low_freq_factor"]
    high_freq_factor = rp["high_freq_factor"]
    old_context_len = rp["original_max_position_embeddings"]
    low_freq_wavelen = old_context_len / low_freq_factor
    high_freq_wavelen = old_context_len / high_freq_factor
    wavelen = 2 * math.pi / inv_freq
    inv_freq_llama = torch.where(wavelen > low_freq_wavelen, inv_freq / factor, inv_freq)
    smooth_factor = (old_context_len / wavelen - low_freq_factor) / (high_freq_factor - low_freq_factor)
    smoothed_inv_freq = (1 - smooth_factor) * inv_freq_llama / factor + smooth_factor * inv_freq_llama
    is_medium_freq = ~(wavelen < high_freq_wavelen) * ~(wavelen > low_freq_wavelen)
    return torch.where(is_medium_freq, smoothed_inv_freq, inv_freq_llama)


def inv_freq_for(config, head_dim):
    """inv_freq over the whole head_dim (the Llama-family models rotate every dim of a head)."""
    rp = rope_parameters(config)
    if rp["rope_type"] == "default":
        return default_inv_freq(rp["rope_theta"], head_dim)
    if rp["rope_type"] == "linear":
        return default_inv_freq(rp["rope_theta"], head_dim) / rp["factor"]  # _compute_linear_scaling_rope_parameters
    if rp["rope_type"] == "llama3":
        return llama3_inv_freq(rp, head_dim)
    raise ValueError("rope type %r is not covered by the reference" % rp["rope_type"])


def rotate_half(x):
    x1, x2 = x[..., : x.shape[-1] // 2], x[..., x.shape[-1] // 2:]
    return torch.cat((-x2, x1), dim=-1)


def rope_cos_sin(inv_freq, T):
    """cos and sin of emb = cat(freqs, freqs), freqs[t][i] = t·inv_freq[i] (a float32 product); [T, 2·len(inv_freq)]."""
    freqs = torch.outer(torch.arange(T, dtype=torch.int64).float(), inv_freq)  # [T, r/2]
    emb = torch.cat((freqs, freqs), dim=-1)  # [T, r]
    return emb.cos(), emb.sin()


def apply_rope(x, cos, sin):
    """apply_rotary_pos_emb on one of q or k, [heads, T, r]: x·cos + rotate_half(x)·sin."""
    return x * cos + rotate_half(x) * sin


# ---------------------------------------------------------------------------------------------------------------------
# Attention (eager_attention_forward)
# ---------------------------------------------------------------------------------------------------------------------
def causal_attention(q, k, v, scale=None, divisors=(), softcap=None, window=None):
    """q: [H, T, hd]; k, v: [KV, T, hd]. Query head j reads kv head j // (H/KV) (repeat_kv repeats each kv head
    consecutively). Scores are q·kᵀ·scale, or q·kᵀ divided by each of divisors in turn (GPT-2); then soft-capped,
    c·tanh(s/c), before the mask; a query q sees keys k ≤ q, and with a window W only q − W < k. Softmax in float32,
    then the weighted sum of v. Returns [T, H·hd], heads merged head-major."""
    H, T, hd = q.shape
    rep = H // k.shape[0]
    if rep > 1:  # repeat_kv, which returns k and v themselves when rep is 1
        k = k.repeat_interleave(rep, dim=0)  # [H, T, hd]
        v = v.repeat_interleave(rep, dim=0)
    scores = torch.matmul(q, k.transpose(-1, -2))  # [H, T, T]
    if scale is not None:
        scores = scores * scale
    for div in divisors:
        scores = scores / div
    if softcap is not None:
        scores = scores / softcap
        scores = torch.tanh(scores)
        scores = scores * softcap
    qi = torch.arange(T)[:, None]
    ki = torch.arange(T)[None, :]
    visible = ki <= qi
    if window is not None:
        visible = visible & (ki > qi - window)
    scores = scores.masked_fill(~visible, torch.finfo(torch.float32).min)
    probs = torch.softmax(scores, dim=-1)
    out = torch.matmul(probs, v)  # [H, T, hd]
    return out.permute(1, 0, 2).reshape(T, H * hd)  # [T, H·hd]


def heads(x, n, hd):
    """[T, n·hd] → [n, T, hd]."""
    T = x.shape[0]
    return x.view(T, n, hd).permute(1, 0, 2)


def linear(x, w, b=None):
    """nn.Linear: x·Wᵀ + b with W stored [out, in]."""
    y = x @ w.T
    return y + b if b is not None else y


def conv1d(x, w, b):
    """GPT-2's Conv1D: x·W + b with W stored [in, out]."""
    return x @ w + b
