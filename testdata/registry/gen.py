#!/usr/bin/python3
"""Parameter counts of the model registry (datasets/registry.go), computed from the models' config.json files.

Each directory here holds a model's published config.json (the keys that decide its shapes and its forward pass; ids of
special tokens, dtypes and the like are left out). This script maps each config as HF does, with HF's defaults, counts
the parameters tensor by tensor the way HF's modeling files allocate them, checks the totals against the publicly
known figures, and writes golden.json, which the Go registry and the families' ParamCounts are tested against.

    python3 testdata/registry/gen.py

- n_params counts every parameter; a tied unembedding counts once; buffers (causal masks, inv_freq) are not parameters.
- n_params_nonembed leaves out the token embedding, GPT-2's position embedding and an untied unembedding; it keeps
  every norm and bias, the final norm included.
"""

import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))

# Exact totals as published (model cards, papers, the brief of issue 7), each equal to what the shapes give.
KNOWN = {
    "pythia-70m": 70_426_624,  # Pythia model cards
    "pythia-160m": 162_322_944,
    "pythia-410m": 405_334_016,
    "pythia-1b": 1_011_781_632,
    "pythia-1.4b": 1_414_647_808,
    "pythia-2.8b": 2_775_208_960,
    "pythia-6.9b": 6_857_302_016,
    "pythia-12b": 11_846_072_320,
    "gpt2": 124_439_808,  # GPT2LMHeadModel.num_parameters()
    "gpt2-medium": 354_823_168,
    "gpt2-large": 774_030_080,
    "gpt2-xl": 1_557_611_200,
    "llama-2-7b": 6_738_415_616,
    "llama-2-13b": 13_015_864_320,
    "llama-2-70b": 68_976_648_192,
    "llama-3.2-1b": 1_235_814_400,
    "llama-3.2-3b": 3_212_749_824,
    "llama-3.1-8b": 8_030_261_248,
    "llama-3.1-70b": 70_553_706_496,
    "mistral-7b-v0.3": 7_248_023_552,
    "qwen2.5-0.5b": 494_032_768,
    "gemma-2-2b": 2_614_341_888,
    "gemma-2-9b": 9_241_705_984,
    "gemma-2-27b": 27_227_128_320,
}

# Totals known only to three significant figures: the Hugging Face hub's model pages ("1.54B params").
HUB = {
    "qwen2.5-1.5b": 1.54e9,
    "qwen2.5-3b": 3.09e9,
    "qwen2.5-7b": 7.62e9,
    "qwen2.5-14b": 14.8e9,
    "qwen2.5-32b": 32.8e9,
    "qwen2.5-72b": 72.7e9,
}

# GPT-3 has no published config: its directory holds the paper's shapes in GPT-2's layout, and the paper states a
# nominal 175e9, which the shapes give to 0.3 %.
NOMINAL = {"gpt3-175b": 175_000_000_000}


def shapes(c):
    """The shapes of a config as HF maps it, with HF's defaults."""
    mt = c["model_type"]
    if mt == "gpt2":
        d = c["n_embd"]
        return dict(architecture=mt, layers=c["n_layer"], hidden=d, heads=c["n_head"], kv_heads=c["n_head"],
                    head_dim=d // c["n_head"], ffn=c.get("n_inner") or 4 * d, vocab=c["vocab_size"],
                    positions=c["n_positions"], tied=c.get("tie_word_embeddings", True))
    d, h = c["hidden_size"], c["num_attention_heads"]
    tied_default = mt in ("gemma", "gemma2")
    if mt == "gpt_neox":
        kv, hd = h, d // h
    else:
        kv = c.get("num_key_value_heads") or h
        hd = c.get("head_dim") or d // h
    return dict(architecture=mt, layers=c["num_hidden_layers"], hidden=d, heads=h, kv_heads=kv, head_dim=hd,
                ffn=c["intermediate_size"], vocab=c["vocab_size"], positions=c["max_position_embeddings"],
                tied=c.get("tie_word_embeddings", tied_default))


def counts(c, s):
    """(total, non-embedding), tensor by tensor."""
    mt = s["architecture"]
    d, f, v, n = s["hidden"], s["ffn"], s["vocab"], s["layers"]
    q, kv = s["heads"] * s["head_dim"], s["kv_heads"] * s["head_dim"]  # widths of q and of each of k, v
    if mt in ("gpt_neox", "gpt2"):
        layer = (2 * d + 2 * d  # two LayerNorms, weight and bias
                 + d * 3 * d + 3 * d  # fused q, k, v with bias
                 + d * d + d  # output projection with bias
                 + d * f + f + f * d + d)  # MLP, both with biases
        nonembed = n * layer + 2 * d  # final LayerNorm
        embed = v * d + (s["positions"] * d if mt == "gpt2" else 0)  # GPT-2's wpe
    elif mt in ("llama", "mistral", "qwen2", "gemma", "gemma2"):
        if c.get("attention_bias") or c.get("mlp_bias"):
            sys.exit("%s: attention_bias / mlp_bias are not counted here" % c)
        bias = q + 2 * kv if mt == "qwen2" else 0  # Qwen2: biases on q, k, v
        norms = 4 * d if mt == "gemma2" else 2 * d  # Gemma-2 adds post-attention and pre/post-feedforward norms
        layer = norms + d * q + 2 * d * kv + bias + q * d + 3 * d * f  # q, k, v, o; gate, up, down
        nonembed = n * layer + d  # final RMSNorm
        embed = v * d
    else:
        sys.exit("unknown model_type %r" % mt)
    unembed = 0 if s["tied"] else v * d
    return nonembed + embed + unembed, nonembed


def main():
    models, bad = [], []
    for name in sorted(os.listdir(HERE)):
        path = os.path.join(HERE, name, "config.json")
        if not os.path.isfile(path):
            continue
        with open(path) as f:
            c = json.load(f)
        s = shapes(c)
        total, nonembed = counts(c, s)
        entry = dict(name=name, **s, params=total, params_nonembed=nonembed)
        if name in KNOWN and total != KNOWN[name]:
            bad.append("%s: %d, published %d" % (name, total, KNOWN[name]))
        elif name in HUB and float("%.3g" % total) != HUB[name]:
            bad.append("%s: %d, the hub shows %.3g" % (name, total, HUB[name]))
        elif name in NOMINAL:
            entry["nominal_params"] = NOMINAL[name]
            if abs(total / NOMINAL[name] - 1) > 0.005:
                bad.append("%s: %d, nominal %d" % (name, total, NOMINAL[name]))
        elif name not in KNOWN and name not in HUB:
            bad.append("%s: no published total to check against" % name)
        models.append(entry)
    if bad:
        sys.exit("counts disagree with the published totals:\n  " + "\n  ".join(bad))
    with open(os.path.join(HERE, "golden.json"), "w") as f:
        f.write("{\n \"models\": [\n")
        f.write(",\n".join("  " + json.dumps(m) for m in models))
        f.write("\n ]\n}\n")
    print("%d models; every total equals its published figure" % len(models))


if __name__ == "__main__":
    main()
