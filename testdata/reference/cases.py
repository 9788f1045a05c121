"""The reference cases: tiny random checkpoints, each with the config.json a real checkpoint of its family ships.

A case is a dict:
  name:     the directory under testdata/reference
  seed:     torch seed of the parameters; 1000 + seed draws the token ids
  config:   the config.json written (GPT-NeoX cases give `cfg` and `style` instead; see neox_config)
  dtype:    storage dtype: F32, F16 or BF16
  shards:   1 (model.safetensors) or 2 (model-0000k-of-00002.safetensors + model.safetensors.index.json)
  buffers:  also store the family's non-parameter buffers (causal masks, masked_bias, rotary inv_freq)
  prefix:   prefix of every stored name (GPT-2's "transformer."), "" by default
  lengths:  sequence lengths
  runs:     what to measure: skip_first, gelu (None: the config's activation; "erf"/"tanh": the --gelu override), loss

The five GPT-NeoX cases in ORIGINAL predate the other families; their expected.json keeps its first format (no
`architecture`, no per-run `activation`) so that it stays byte-identical.
"""

ORIGINAL = ("f32-parallel-old", "f16-sequential-new", "bf16-buffers", "sharded-f32", "single-layer-f16")

TORCH_DTYPE_NAME = {"F32": "float32", "F16": "float16", "BF16": "bfloat16"}


def neox_config(case):
    """GPT-NeoX config.json from a case's cfg, in the old (rotary_pct, rotary_emb_base) or new (partial_rotary_factor,
    rope_theta) key style."""
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
        "hidden_act": c.get("hidden_act", "gelu"),
        "tie_word_embeddings": False,
        "bos_token_id": 0,
        "eos_token_id": 0,
        "initializer_range": 0.02,
        "torch_dtype": TORCH_DTYPE_NAME[case["dtype"]],
    }
    if case["style"] == "old":
        out["rotary_pct"] = c["rotary_pct"]
        out["rotary_emb_base"] = c["rotary_emb_base"]
    else:
        out["partial_rotary_factor"] = c["rotary_pct"]
        out["rope_theta"] = c["rotary_emb_base"]
    return out


def case_config(case):
    return case["config"] if "config" in case else neox_config(case)


def llama_config(dtype, **kw):
    """A Llama-3-style config.json; kw sets or (with None) nulls keys."""
    out = {
        "architectures": ["LlamaForCausalLM"],
        "attention_bias": False,
        "attention_dropout": 0.0,
        "bos_token_id": 1,
        "eos_token_id": 2,
        "hidden_act": "silu",
        "initializer_range": 0.02,
        "mlp_bias": False,
        "model_type": "llama",
        "pretraining_tp": 1,
        "rms_norm_eps": 1e-05,
        "torch_dtype": TORCH_DTYPE_NAME[dtype],
        "transformers_version": "4.45.0",
        "use_cache": True,
    }
    out.update(kw)
    return out


def mistral_config(dtype, **kw):
    out = {
        "architectures": ["MistralForCausalLM"],
        "attention_dropout": 0.0,
        "bos_token_id": 1,
        "eos_token_id": 2,
        "hidden_act": "silu",
        "initializer_range": 0.02,
        "model_type": "mistral",
        "rms_norm_eps": 1e-05,
        "tie_word_embeddings": False,
        "torch_dtype": TORCH_DTYPE_NAME[dtype],
        "transformers_version": "4.42.0",
        "use_cache": True,
    }
    out.update(kw)
    return out


def qwen2_config(dtype, **kw):
    out = {
        "architectures": ["Qwen2ForCausalLM"],
        "attention_dropout": 0.0,
        "bos_token_id": 5,
        "eos_token_id": 6,
        "hidden_act": "silu",
        "initializer_range": 0.02,
        "model_type": "qwen2",
        "rms_norm_eps": 1e-06,
        "rope_scaling": None,
        "torch_dtype": TORCH_DTYPE_NAME[dtype],
        "transformers_version": "4.43.1",
        "use_cache": True,
    }
    out.update(kw)
    return out


def gemma_config(dtype, **kw):
    out = {
        "architectures": ["GemmaForCausalLM"],
        "attention_bias": False,
        "attention_dropout": 0.0,
        "bos_token_id": 2,
        "eos_token_id": 1,
        "initializer_range": 0.02,
        "model_type": "gemma",
        "pad_token_id": 0,
        "rms_norm_eps": 1e-06,
        "rope_scaling": None,
        "rope_theta": 10000.0,
        "torch_dtype": TORCH_DTYPE_NAME[dtype],
        "transformers_version": "4.38.0",
        "use_cache": True,
    }
    out.update(kw)
    return out


def gemma2_config(dtype, **kw):
    out = {
        "architectures": ["Gemma2ForCausalLM"],
        "attention_bias": False,
        "attention_dropout": 0.0,
        "bos_token_id": 2,
        "cache_implementation": "hybrid",
        "eos_token_id": 1,
        "hidden_act": "gelu_pytorch_tanh",
        "hidden_activation": "gelu_pytorch_tanh",
        "initializer_range": 0.02,
        "model_type": "gemma2",
        "pad_token_id": 0,
        "rms_norm_eps": 1e-06,
        "rope_theta": 10000.0,
        "torch_dtype": TORCH_DTYPE_NAME[dtype],
        "transformers_version": "4.42.4",
        "use_cache": True,
    }
    out.update(kw)
    return out


def gpt2_config(dtype, **kw):
    out = {
        "activation_function": "gelu_new",
        "architectures": ["GPT2LMHeadModel"],
        "attn_pdrop": 0.1,
        "bos_token_id": 3,
        "embd_pdrop": 0.1,
        "eos_token_id": 3,
        "initializer_range": 0.02,
        "layer_norm_epsilon": 1e-05,
        "model_type": "gpt2",
        "resid_pdrop": 0.1,
        "summary_activation": None,
        "summary_first_dropout": 0.1,
        "summary_proj_to_labels": True,
        "summary_type": "cls_index",
        "summary_use_proj": True,
        "torch_dtype": TORCH_DTYPE_NAME[dtype],
    }
    out.update(kw)
    return out


def run(skip_first=0, gelu=None, loss=False):
    return dict(skip_first=skip_first, gelu=gelu, loss=loss)


CASES = [
    # --- GPT-NeoX: the original five -----------------------------------------------------------------------------
    dict(name="f32-parallel-old", seed=1,
         cfg=dict(hidden_size=32, num_hidden_layers=2, num_attention_heads=2, intermediate_size=128, vocab_size=96,
                  max_position_embeddings=64, rotary_pct=0.25, rotary_emb_base=10000.0, layer_norm_eps=1e-5,
                  use_parallel_residual=True),
         style="old", dtype="F32", shards=1, buffers=False, lengths=[24, 17, 9],
         runs=[run(0, "erf"), run(1, "erf", loss=True), run(0, "tanh")]),
    dict(name="f16-sequential-new", seed=2,
         cfg=dict(hidden_size=32, num_hidden_layers=3, num_attention_heads=4, intermediate_size=64, vocab_size=80,
                  max_position_embeddings=64, rotary_pct=1.0, rotary_emb_base=500.0, layer_norm_eps=1e-5,
                  use_parallel_residual=False),
         style="new", dtype="F16", shards=1, buffers=False, lengths=[20, 13],
         runs=[run(0, "erf", loss=True), run(1, "tanh")]),
    dict(name="bf16-buffers", seed=3,
         cfg=dict(hidden_size=24, num_hidden_layers=2, num_attention_heads=3, intermediate_size=96, vocab_size=64,
                  max_position_embeddings=32, rotary_pct=0.25, rotary_emb_base=10000.0, layer_norm_eps=1e-6,
                  use_parallel_residual=True),
         style="old", dtype="BF16", shards=1, buffers=True, lengths=[16, 23, 5],
         runs=[run(2, "erf", loss=True)]),
    dict(name="sharded-f32", seed=4,
         cfg=dict(hidden_size=32, num_hidden_layers=3, num_attention_heads=2, intermediate_size=96, vocab_size=64,
                  max_position_embeddings=16, rotary_pct=0.5, rotary_emb_base=10000.0, layer_norm_eps=1e-5,
                  use_parallel_residual=True),
         # The 20-token sequence is longer than max_position_embeddings: rotary has no limit, so it must still run.
         style="new", dtype="F32", shards=2, buffers=False, lengths=[20, 11],
         runs=[run(0, "erf", loss=True), run(1, "tanh")]),
    dict(name="single-layer-f16", seed=5,
         cfg=dict(hidden_size=16, num_hidden_layers=1, num_attention_heads=2, intermediate_size=64, vocab_size=32,
                  max_position_embeddings=32, rotary_pct=0.25, rotary_emb_base=10000.0, layer_norm_eps=1e-5,
                  use_parallel_residual=False),
         style="old", dtype="F16", shards=1, buffers=False, lengths=[12],
         runs=[run(0, "erf", loss=True)]),

    # --- GPT-NeoX: the activation from the config, and a case across the CPU kernels' blocks ------------------------
    # d = 256 and head_dim = 64 with an MLP of 264 > gemmKC = 256 and 232 tokens (> gemmMC = 96 rows; the 120- and
    # 103-token sequences span three of attention's 48-row query chunks).
    dict(name="gptneox-d256-f16", seed=11,
         cfg=dict(hidden_size=256, num_hidden_layers=1, num_attention_heads=4, intermediate_size=264, vocab_size=32,
                  max_position_embeddings=128, rotary_pct=0.25, rotary_emb_base=10000.0, layer_norm_eps=1e-5,
                  use_parallel_residual=True, hidden_act="gelu"),
         style="new", dtype="F16", shards=1, buffers=False, lengths=[120, 103, 9],
         runs=[run(0, loss=True), run(2, "tanh")]),
    # GPT-NeoX-20B's hidden_act: gelu_fast is the tanh form.
    dict(name="gptneox-gelu-fast-bf16", seed=12,
         cfg=dict(hidden_size=32, num_hidden_layers=2, num_attention_heads=4, intermediate_size=96, vocab_size=48,
                  max_position_embeddings=64, rotary_pct=0.5, rotary_emb_base=10000.0, layer_norm_eps=1e-5,
                  use_parallel_residual=False, hidden_act="gelu_fast"),
         style="old", dtype="BF16", shards=1, buffers=False, lengths=[15, 22],
         runs=[run(0, loss=True), run(1, "erf")]),

    # --- Llama ----------------------------------------------------------------------------------------------------
    # GQA 4/2 (query heads 0, 1 read kv head 0), untied, llama3 rope_scaling whose bands all occur: with head_dim 8 and
    # theta 10000 the wavelengths are 6.3 (kept), 63 (interpolated between 32 and 128) and 628, 6283 (divided by 8).
    dict(name="llama-gqa-llama3-f32", seed=21, dtype="F32", shards=1, buffers=True, lengths=[21, 14, 6],
         config=llama_config("F32", hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                             num_attention_heads=4, num_key_value_heads=2, vocab_size=64,
                             max_position_embeddings=1024, rope_theta=10000.0, tie_word_embeddings=False,
                             rope_scaling={"factor": 8.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0,
                                           "original_max_position_embeddings": 128, "rope_type": "llama3"}),
         runs=[run(0, loss=True), run(1)]),
    # transformers v5's rope_parameters (theta inside it, no top-level rope_theta), tied, MHA, head_dim key, 2 shards.
    # head_dim 16, theta 50000: wavelengths 6.3 (kept), 24 (interpolated between 16 and 64), 94 and up (divided).
    dict(name="llama-tied-ropeparams-bf16", seed=22, dtype="BF16", shards=2, buffers=False, lengths=[19, 12, 8],
         config=llama_config("BF16", hidden_size=32, head_dim=16, intermediate_size=80, num_hidden_layers=3,
                             num_attention_heads=2, num_key_value_heads=2, vocab_size=64,
                             max_position_embeddings=2048, tie_word_embeddings=True,
                             transformers_version="5.0.0",
                             rope_parameters={"rope_type": "llama3", "rope_theta": 50000.0, "factor": 32.0,
                                              "low_freq_factor": 1.0, "high_freq_factor": 4.0,
                                              "original_max_position_embeddings": 64}),
         runs=[run(2, loss=True), run(0)]),
    # Across the CPU kernels' blocks (as gptneox-d256-f16), with Llama-3.1's own rope settings under the older `type`
    # key: theta 500000, factor 8, bands at wavelengths 2048 and 8192, which head_dim 64 straddles.
    dict(name="llama-d256-bf16", seed=23, dtype="BF16", shards=1, buffers=False, lengths=[120, 103, 9],
         config=llama_config("BF16", hidden_size=256, head_dim=64, intermediate_size=264, num_hidden_layers=1,
                             num_attention_heads=4, num_key_value_heads=2, vocab_size=32,
                             max_position_embeddings=131072, rope_theta=500000.0, tie_word_embeddings=True,
                             rope_scaling={"factor": 8.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0,
                                           "original_max_position_embeddings": 8192, "type": "llama3"}),
         runs=[run(0, loss=True), run(3)]),
    # Llama's optional biases: attention_bias (q, k, v and o) and mlp_bias (gate, up, down); hidden_act gelu, so the
    # gated MLP is a GeGLU that --gelu may override; rope_scaling of type linear (factor 4) in a Llama-2-style config.
    dict(name="llama-bias-linear-f32", seed=24, dtype="F32", shards=1, buffers=False, lengths=[18, 11, 7],
         config=llama_config("F32", hidden_size=32, intermediate_size=48, num_hidden_layers=2,
                             num_attention_heads=4, num_key_value_heads=2, vocab_size=64,
                             max_position_embeddings=4096, rope_theta=10000.0, tie_word_embeddings=False,
                             attention_bias=True, mlp_bias=True, hidden_act="gelu",
                             rope_scaling={"factor": 4.0, "type": "linear"}, transformers_version="4.40.0"),
         runs=[run(0, loss=True), run(1, "tanh")]),

    # --- Mistral --------------------------------------------------------------------------------------------------
    # A window of 5, shorter than two of the sequences; multi-query attention (one kv head).
    dict(name="mistral-window-f16", seed=31, dtype="F16", shards=1, buffers=False, lengths=[18, 9, 4],
         config=mistral_config("F16", hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                               num_attention_heads=4, num_key_value_heads=1, vocab_size=64,
                               max_position_embeddings=64, rope_theta=10000.0, sliding_window=5),
         runs=[run(0, loss=True), run(2)]),
    # sliding_window null (Mistral-7B-v0.3), and a head_dim key apart from d/heads (Mistral-Nemo): 4 × 12 ≠ 32.
    dict(name="mistral-nowindow-headdim-bf16", seed=32, dtype="BF16", shards=1, buffers=False, lengths=[16, 25],
         config=mistral_config("BF16", hidden_size=32, head_dim=12, intermediate_size=96, num_hidden_layers=2,
                               num_attention_heads=4, num_key_value_heads=2, vocab_size=64,
                               max_position_embeddings=1024, rope_theta=1000000.0, sliding_window=None),
         runs=[run(1, loss=True)]),

    # --- Qwen2 ----------------------------------------------------------------------------------------------------
    # Biases on q, k, v; tied (Qwen2.5-0.5B); GQA 6/2 (three query heads per kv head); a sliding_window of 4 and
    # max_window_layers 0 that must not apply, since use_sliding_window is false.
    dict(name="qwen2-bias-tied-bf16", seed=41, dtype="BF16", shards=1, buffers=False, lengths=[17, 10, 6],
         config=qwen2_config("BF16", hidden_size=48, intermediate_size=96, num_hidden_layers=2,
                             num_attention_heads=6, num_key_value_heads=2, vocab_size=64,
                             max_position_embeddings=32768, rope_theta=1000000.0, tie_word_embeddings=True,
                             use_sliding_window=False, sliding_window=4, max_window_layers=0),
         runs=[run(0, loss=True), run(1)]),
    # use_sliding_window true: layer 0 full, layers 1 and 2 (from max_window_layers = 1 on) with a window of 4.
    dict(name="qwen2-window-layers-f32", seed=42, dtype="F32", shards=1, buffers=False, lengths=[15, 7],
         config=qwen2_config("F32", hidden_size=32, intermediate_size=64, num_hidden_layers=3,
                             num_attention_heads=4, num_key_value_heads=2, vocab_size=64,
                             max_position_embeddings=32768, rope_theta=10000.0, tie_word_embeddings=False,
                             use_sliding_window=True, sliding_window=4, max_window_layers=1),
         runs=[run(0, loss=True)]),

    # --- Gemma ----------------------------------------------------------------------------------------------------
    # head_dim 24 with d 32 and 2 heads; multi-query; hidden_activation (tanh) before hidden_act ("gelu"), as
    # google/gemma-7b's config.json has them; and the --gelu erf override.
    dict(name="gemma-headdim-bf16", seed=51, dtype="BF16", shards=1, buffers=False, lengths=[16, 11, 5],
         config=gemma_config("BF16", hidden_size=32, head_dim=24, intermediate_size=96, num_hidden_layers=2,
                             num_attention_heads=2, num_key_value_heads=1, vocab_size=64,
                             max_position_embeddings=8192, hidden_act="gelu",
                             hidden_activation="gelu_pytorch_tanh"),
         runs=[run(0, loss=True), run(1, "erf")]),
    # hidden_act only (hidden_activation null), head_dim = d/heads, 2 shards.
    dict(name="gemma-act-f16-sharded", seed=52, dtype="F16", shards=2, buffers=False, lengths=[14, 9],
         config=gemma_config("F16", hidden_size=32, head_dim=8, intermediate_size=64, num_hidden_layers=2,
                             num_attention_heads=4, num_key_value_heads=4, vocab_size=48,
                             max_position_embeddings=8192, hidden_act="gelu_pytorch_tanh", hidden_activation=None),
         runs=[run(1, loss=True)]),

    # --- Gemma-2 --------------------------------------------------------------------------------------------------
    # Layers 0 and 2 slide (no layer_types: the even layers) with a window of 6, shorter than two sequences; both
    # soft-caps small enough to bend the scores and logits; query_pre_attn_scalar 12 ≠ head_dim 16; GQA 4/2.
    dict(name="gemma2-window-softcap-bf16", seed=61, dtype="BF16", shards=1, buffers=False, lengths=[20, 11, 5],
         config=gemma2_config("BF16", hidden_size=24, head_dim=16, intermediate_size=64, num_hidden_layers=3,
                              num_attention_heads=4, num_key_value_heads=2, vocab_size=64,
                              max_position_embeddings=8192, query_pre_attn_scalar=12, sliding_window=6,
                              attn_logit_softcapping=4.0, final_logit_softcapping=3.0),
         runs=[run(0, loss=True), run(2)]),
    # layer_types drives the window (layers 1 and 2 slide, not the even ones); both soft-caps null; 2 shards.
    dict(name="gemma2-layer-types-f32", seed=62, dtype="F32", shards=2, buffers=False, lengths=[13, 9],
         config=gemma2_config("F32", hidden_size=16, head_dim=8, intermediate_size=48, num_hidden_layers=3,
                              num_attention_heads=2, num_key_value_heads=2, vocab_size=48,
                              max_position_embeddings=8192, query_pre_attn_scalar=8, sliding_window=4,
                              layer_types=["full_attention", "sliding_attention", "sliding_attention"],
                              attn_logit_softcapping=None, final_logit_softcapping=None,
                              transformers_version="4.53.0"),
         runs=[run(0, loss=True), run(1, "erf")]),

    # --- GPT-2 ----------------------------------------------------------------------------------------------------
    # "transformer." prefix (saved from GPT2LMHeadModel), the attn.bias (F32 in an F16 checkpoint) and
    # attn.masked_bias buffers, scale_attn_by_inverse_layer_idx, gelu_new.
    dict(name="gpt2-prefix-buffers-f16", seed=71, dtype="F16", shards=1, buffers=True, prefix="transformer.",
         lengths=[24, 13, 7],
         config=gpt2_config("F16", n_embd=32, n_head=4, n_layer=3, n_positions=32, n_ctx=32, n_inner=None,
                            vocab_size=64, scale_attn_by_inverse_layer_idx=True, reorder_and_upcast_attn=False,
                            scale_attn_weights=True),
         runs=[run(0, loss=True), run(1, "erf")]),
    # No prefix (openai-community/gpt2's layout), activation_function "gelu" (erf), n_inner 3d, a sequence as long as
    # n_positions, 2 shards.
    dict(name="gpt2-plain-erf-f32", seed=72, dtype="F32", shards=2, buffers=False, lengths=[40, 17],
         config=gpt2_config("F32", n_embd=24, n_head=2, n_layer=2, n_positions=40, n_inner=72, vocab_size=64,
                            activation_function="gelu"),
         runs=[run(0, loss=True), run(2, "tanh")]),
]
