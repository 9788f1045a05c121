#!/usr/bin/python3
"""Independent reference for scalefit's backends: the gains of docs/gains.md on tiny random checkpoints of every
architecture family, computed by torch implementations of the Hugging Face forward passes (eval mode).

The forward passes are written from transformers' modeling files, one module per family: ref_gptneox.py (gpt_neox),
ref_llama.py (llama, mistral, qwen2), ref_gemma.py (gemma, gemma2), ref_gpt2.py (gpt2), with shared pieces in
ref_common.py. Compute is float32; norms and statistics are float64. cases.py lists the cases.

Run with Debian's interpreter, which has torch:

    /usr/bin/python3 testdata/reference/gen.py

Output, for each case <name>: testdata/reference/<name>/{config.json, *.safetensors, [index.json], expected.json}.
The output is deterministic (fixed torch seeds). If the transformers package is importable, every case is also run
through transformers' own model and the hidden states and logits are compared; otherwise that check is skipped.
"""

import json
import math
import os
import re
import struct
import sys

import torch

sys.dont_write_bytecode = True  # no __pycache__ beside the golden files
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import ref_gemma  # noqa: E402
import ref_gptneox  # noqa: E402
import ref_gpt2  # noqa: E402
import ref_llama  # noqa: E402
from cases import CASES, ORIGINAL, case_config  # noqa: E402
from ref_common import activation, causal_attention, norm64  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
COMPONENTS = ["attn", "mlp", "combined", "attn_resid", "mlp_resid", "block"]
FAMILIES = {"gpt_neox": ref_gptneox, "llama": ref_llama, "mistral": ref_llama, "qwen2": ref_llama,
            "gemma": ref_gemma, "gemma2": ref_gemma, "gpt2": ref_gpt2}


# ---------------------------------------------------------------------------------------------------------------------
# Checkpoint writing
# ---------------------------------------------------------------------------------------------------------------------
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


LAYER_INDEX = re.compile(r"(?:^|\.)(?:layers|h)\.(\d+)\.")


def write_checkpoint(case, config, params, bufs, outdir):
    """config.json, then the parameters (and buffers) under the case's name prefix, in one file or two shards: the
    input embedding and the first half of the layers, then the rest."""
    for f in os.listdir(outdir):
        if f.endswith(".safetensors") or (f.endswith(".json") and f != "expected.json"):
            os.remove(os.path.join(outdir, f))
    with open(os.path.join(outdir, "config.json"), "w") as f:
        json.dump(config, f, indent=2, sort_keys=True)
        f.write("\n")
    dtype, prefix = case["dtype"], case.get("prefix", "")
    items = [(prefix + k, v, dtype) for k, v in params.items()] + [(prefix + k, v, dt) for k, v, dt in bufs]
    if case["shards"] == 1:
        write_safetensors(os.path.join(outdir, "model.safetensors"), items)
        return
    L, first = config.get("num_hidden_layers", config.get("n_layer")), prefix + next(iter(params))

    def shard_of(name):
        m = LAYER_INDEX.search(name)
        if m:
            return 0 if int(m.group(1)) < (L + 1) // 2 else 1
        return 0 if name == first else 1

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
# Gains (docs/gains.md): each family's block returns its points as float32 tensors [T, d]:
#   h       the residual stream entering the block
#   a_in    what the attention module receives; a_out what it returns; a_add what attention adds to the stream
#   m_res   the stream the MLP branch reads; m_in, m_out what the MLP module receives and returns; m_add what it adds
#   h_out   the stream leaving the block
# ---------------------------------------------------------------------------------------------------------------------
def components(pts):
    """Per-token (gain, norm_in, norm_out) of each component, float64."""
    n = {k: norm64(v) for k, v in pts.items()}
    attn_g, mlp_g = n["a_out"] / n["a_in"], n["m_out"] / n["m_in"]
    return {
        "attn": (attn_g, n["a_in"], n["a_out"]),
        "mlp": (mlp_g, n["m_in"], n["m_out"]),
        "combined": (attn_g * mlp_g, n["a_in"], n["m_out"]),
        "attn_resid": (n["a_add"] / n["h"], n["h"], n["a_add"]),
        "mlp_resid": (n["m_add"] / n["m_res"], n["m_res"], n["m_add"]),
        "block": (n["h_out"] / n["h"], n["h"], n["h_out"]),
    }


def forward(fam, c, p, ids, act):
    """One sequence: the final hidden states (before the final norm), the per-layer components, and the hidden states
    entering every layer."""
    h = fam.embed(p, c, ids)
    layers, hs = [], []
    for i in range(c["num_hidden_layers"]):
        hs.append(h)
        pts = fam.block(p, c, i, h, act)
        layers.append(components(pts))
        h = pts["h_out"]
    hs.append(h)
    return h, layers, hs


def loss_terms(fam, c, p, h, ids):
    """Sum of next-token cross-entropy over positions 0..T-2 (predicting 1..T-1), and the count."""
    logp = torch.log_softmax(fam.logits(p, c, h).double(), dim=-1)
    tgt = torch.tensor(ids[1:])
    nll = -logp[torch.arange(len(ids) - 1), tgt]
    return float(nll.sum()), len(ids) - 1


def run_case(fam, c, p, seqs, run, original):
    k = run["skip_first"]
    act, recorded = activation(c["hidden_act"], run["gelu"])
    rows, loss_sum, loss_n = [], 0.0, 0
    for s, ids in enumerate(seqs):
        h, layers, _ = forward(fam, c, p, ids, act)
        if run["loss"]:
            ls, n = loss_terms(fam, c, p, h, ids)
            loss_sum += ls
            loss_n += n
        for li, comp in enumerate(layers):
            for name in COMPONENTS:
                g, nin, nout = (x[k:] for x in comp[name])
                rows.append(dict(layer=li, component=name, seq=s, n_tokens=len(g),
                                 gain_mean=float(g.mean()), gain_std=float(g.std(unbiased=False)),
                                 gain_min=float(g.min()), gain_max=float(g.max()),
                                 norm_in_mean=float(nin.mean()), norm_out_mean=float(nout.mean())))
    # Layer-level gain: the token-weighted mean of gain_mean over sequences (docs/gains.md).
    layer_gains = {}
    for name in COMPONENTS:
        vals = []
        for li in range(c["num_hidden_layers"]):
            rs = [r for r in rows if r["layer"] == li and r["component"] == name]
            n = sum(r["n_tokens"] for r in rs)
            vals.append(sum(r["gain_mean"] * r["n_tokens"] for r in rs) / n)
        layer_gains[name] = vals
    out = dict(skip_first=k, gelu=run["gelu"])
    if not original:
        out["activation"] = recorded
    # "loss" is the mean next-token cross-entropy, or null when the run does not ask for it.
    out.update(loss=loss_sum / loss_n if run["loss"] else None, loss_tokens=loss_n, rows=rows, layer_gains=layer_gains)
    return out


def param_counts(fam, c, p):
    """Every parameter (a tied unembedding is not stored, so it counts once), and those less the token embedding,
    GPT-2's position embedding and an untied unembedding."""
    total = sum(v.numel() for v in p.values())
    embed = sum(p[n].numel() for n in fam.embedding_names(c) if n in p)
    return total, total - embed


# ---------------------------------------------------------------------------------------------------------------------
# Checks
# ---------------------------------------------------------------------------------------------------------------------
def self_check():
    """The attention helper against a float64 loop over heads, queries and keys written from its definition: query
    head j reads kv head j // (H / KV), scores soft-capped before the mask, keys q − W < k ≤ q."""
    g = torch.Generator().manual_seed(99)
    H, KV, T, hd, W, cap, scale = 6, 2, 11, 4, 3, 2.5, 0.7
    q, k, v = (torch.randn(n, T, hd, generator=g) for n in (H, KV, KV))
    got = causal_attention(q, k, v, scale=scale, softcap=cap, window=W).double()
    want = torch.zeros(T, H * hd, dtype=torch.float64)
    for j in range(H):
        kv = j // (H // KV)
        for t in range(T):
            keys = [s for s in range(T) if t - W < s <= t]
            sc = [cap * math.tanh(scale * float(q[j, t].double() @ k[kv, s].double()) / cap) for s in keys]
            m = max(sc)
            w = [math.exp(x - m) for x in sc]
            for s, wi in zip(keys, w):
                want[t, j * hd:(j + 1) * hd] += wi / sum(w) * v[kv, s].double()
    err = float((got - want).abs().max())
    if err > 1e-5:
        sys.exit("self-check: attention differs from the loop by %.3g" % err)


# Each case exists to test something: a reader that got that thing wrong must fail it. For each such feature, the case
# is recomputed with the config a wrong reading amounts to, and some layer gain or the loss must move by more than
# FEATURE_REL, three times the backends' tolerance of 1e-5 (the reference itself moves by at most about 1e-6 between
# CPUs). The GELU forms are the closest call: reading tanh as erf moves the layer gains by 4e-5 to 9e-5.
FEATURE_REL = 3e-5
FEATURE_CHECKS = [
    ("gptneox-gelu-fast-bf16", "gelu_fast read as erf", dict(hidden_act="gelu")),
    ("llama-gqa-llama3-f32", "llama3 rope_scaling ignored", dict(rope_scaling=None)),
    ("llama-tied-ropeparams-bf16", "rope_parameters ignored", dict(rope_parameters=None)),
    ("llama-tied-ropeparams-bf16", "llama3 type in rope_parameters ignored",
     dict(rope_parameters={"rope_type": "default", "rope_theta": 50000.0})),
    ("llama-d256-bf16", "rope_scaling's older `type` key ignored", dict(rope_scaling=None)),
    ("llama-bias-linear-f32", "attention_bias ignored", dict(attention_bias=False)),
    ("llama-bias-linear-f32", "mlp_bias ignored", dict(mlp_bias=False)),
    ("llama-bias-linear-f32", "linear rope_scaling ignored", dict(rope_scaling=None)),
    ("llama-bias-linear-f32", "hidden_act gelu read as silu", dict(hidden_act="silu")),
    ("mistral-window-f16", "sliding_window ignored", dict(sliding_window=None)),
    ("qwen2-bias-tied-bf16", "sliding_window applied though use_sliding_window is false",
     dict(use_sliding_window=True)),
    ("qwen2-window-layers-f32", "use_sliding_window ignored", dict(use_sliding_window=False)),
    ("qwen2-window-layers-f32", "max_window_layers ignored (window on every layer)", dict(max_window_layers=0)),
    ("qwen2-window-layers-f32", "window on the layers before max_window_layers",
     dict(layer_types=["sliding_attention", "full_attention", "full_attention"])),
    ("gemma-headdim-bf16", "hidden_act read before hidden_activation", dict(hidden_activation=None)),
    ("gemma2-window-softcap-bf16", "scores scaled by head_dim^-0.5", dict(query_pre_attn_scalar=16)),
    ("gemma2-window-softcap-bf16", "attention soft-capping ignored", dict(attn_logit_softcapping=None)),
    ("gemma2-window-softcap-bf16", "final logit soft-capping ignored", dict(final_logit_softcapping=None)),
    ("gemma2-window-softcap-bf16", "sliding window ignored", dict(sliding_window=None)),
    ("gemma2-window-softcap-bf16", "the odd layers sliding",
     dict(layer_types=["full_attention", "sliding_attention", "full_attention"])),
    ("gemma2-layer-types-f32", "layer_types ignored (even layers sliding)", dict(layer_types=None)),
    ("gpt2-prefix-buffers-f16", "scale_attn_by_inverse_layer_idx ignored", dict(scale_attn_by_inverse_layer_idx=False)),
    ("gpt2-prefix-buffers-f16", "gelu_new read as erf", dict(activation_function="gelu")),
    ("gpt2-plain-erf-f32", "activation_function ignored (gelu_new)", dict(activation_function="gelu_new")),
]


def summary(fam, c, p, seqs):
    """The layer gains of every component and the loss, for the config's activation and skip_first 0."""
    act, _ = activation(c["hidden_act"], None)
    out, loss = [], 0.0
    for ids in seqs:
        h, layers, _ = forward(fam, c, p, ids, act)
        out += [float(g.mean()) for comp in layers for g, _, _ in comp.values()]
        loss += loss_terms(fam, c, p, h, ids)[0]
    return out + [loss]


def check_features(case, config, fam, p, seqs):
    """Every FEATURE_CHECKS entry of the case must move its numbers; returns how many ran."""
    base = summary(fam, fam.resolve(config), p, seqs)
    checks = [chk for chk in FEATURE_CHECKS if chk[0] == case["name"]]
    for _, what, change in checks:
        c = fam.resolve(dict(config, **change))
        moved = max(abs(a / b - 1) for a, b in zip(summary(fam, c, p, seqs), base))
        if moved <= FEATURE_REL:
            sys.exit("%s: a reader with %s would pass (numbers move by %.2g)" % (case["name"], what, moved))
    return len(checks)


def check_with_transformers(fam, c, p, config, seqs, outdir):
    """Cross-check the hidden states and logits against transformers' own model, when it is installed."""
    try:
        from transformers import AutoModelForCausalLM
    except Exception:
        return "skipped (transformers not importable)"
    try:
        model = AutoModelForCausalLM.from_pretrained(outdir, torch_dtype=torch.float32, attn_implementation="eager")
    except TypeError:
        model = AutoModelForCausalLM.from_pretrained(outdir, torch_dtype=torch.float32)
    model.eval()
    act, _ = activation(c["hidden_act"], None)
    worst = 0.0
    with torch.no_grad():
        for ids in seqs:
            out = model(torch.tensor([ids]), output_hidden_states=True)
            h, _, hs = forward(fam, c, p, ids, act)
            # transformers' last hidden state has the final norm applied; compare the layer inputs before it.
            pairs = list(zip(out.hidden_states[:-1], hs[:-1])) + [(out.logits, fam.logits(p, c, h))]
            for a, b in pairs:
                worst = max(worst, float(((a[0] - b).abs().max()) / b.abs().max()))
    if worst > 1e-4:
        sys.exit("%s: transformers disagrees with the reference: max rel diff %.3g" % (os.path.basename(outdir), worst))
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


# Float32 kernels sum in a different order on another CPU, which moves the statistics by up to about 1e-6 relative
# (the original five cases, generated elsewhere, differ from a run here by at most 9.5e-7). A golden file whose numbers
# all agree with a new run to KEEP_REL is kept as it is, so that regenerating on another machine changes nothing.
KEEP_REL = 2e-6


def max_rel_diff(a, b):
    """The largest relative difference between the numbers of two JSON values of the same structure, or None when
    anything else differs."""
    if isinstance(a, dict) and isinstance(b, dict):
        if a.keys() != b.keys():
            return None
        diffs = [max_rel_diff(a[k], b[k]) for k in a]
    elif isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return None
        diffs = [max_rel_diff(x, y) for x, y in zip(a, b)]
    elif isinstance(a, float) and isinstance(b, float):
        return abs(a - b) / max(abs(b), 1e-300)
    else:
        return 0.0 if a == b and type(a) is type(b) else None
    return None if None in diffs else max(diffs + [0.0])


def write_expected(path, expected):
    text = dumps(expected)
    try:
        with open(path) as f:
            old = json.load(f)
    except (OSError, ValueError):
        old = None
    diff = max_rel_diff(json.loads(text), old) if old is not None else None
    if diff is not None and diff <= KEEP_REL:
        return "kept (agrees to %.1g)" % diff
    with open(path, "w") as f:
        f.write(text)
    return "written"


def main():
    torch.set_num_threads(1)
    self_check()
    names = {chk[0] for chk in FEATURE_CHECKS} - {case["name"] for case in CASES}
    if names:
        sys.exit("FEATURE_CHECKS name unknown cases: %s" % sorted(names))
    for case in CASES:
        outdir = os.path.join(HERE, case["name"])
        os.makedirs(outdir, exist_ok=True)
        config = case_config(case)
        fam = FAMILIES[config["model_type"]]
        c = fam.resolve(config)
        params = fam.random_params(c, case["seed"])
        write_checkpoint(case, config, params, fam.buffers(c) if case["buffers"] else [], outdir)
        p = stored(params, case["dtype"])
        g = torch.Generator().manual_seed(1000 + case["seed"])
        seqs = [torch.randint(0, c["vocab_size"], (n,), generator=g).tolist() for n in case["lengths"]]
        total, nonembed = param_counts(fam, c, p)
        original = case["name"] in ORIGINAL
        with torch.no_grad():
            runs = [run_case(fam, c, p, seqs, r, original) for r in case["runs"]]
        expected = dict(name=case["name"])
        if not original:
            expected["architecture"] = config["model_type"]
        expected.update(n_params=total, n_params_nonembed=nonembed, n_layers=c["num_hidden_layers"],
                        hidden_size=c["hidden_size"], sequences=seqs, runs=runs)
        note = write_expected(os.path.join(outdir, "expected.json"), expected)
        with torch.no_grad():
            note += "; %d feature checks" % check_features(case, config, fam, p, seqs)
        note += "; " + check_with_transformers(fam, c, p, config, seqs, outdir)
        print("%-30s %-8s %-4s %7d params; %s" % (case["name"], config["model_type"], case["dtype"], total, note))


if __name__ == "__main__":
    main()
