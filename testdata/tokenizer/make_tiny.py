#!/usr/bin/env python3
"""Writes tiny-gpt2.json: a hand-made GPT-2-style byte-level BPE tokenizer for hand-checked tests.

Ids 0-255 are the 256 bytes in GPT-2's order (bytes_to_unicode below, as in GPT-2's encoder.py), then eleven
merges, two extra vocabulary entries that no merge produces ("xyz", "ab"), and two added tokens: the special
<|endoftext|> and a normalized run of three spaces, like the whitespace tokens of GPT-NeoX. The Go tests derive
their expected ids by hand from this table; run `/usr/bin/python3 make_tiny.py` to regenerate.
"""
import json


def bytes_to_unicode():
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return bs, [chr(c) for c in cs]


order, chars = bytes_to_unicode()
vocab = {chars[i]: i for i in range(256)}
merges = [
    ("Ġ", "t"),   # 256 Ġt
    ("h", "e"),   # 257 he
    ("Ġt", "he"), # 258 Ġthe
    ("i", "n"),   # 259 in
    ("Ġ", "a"),   # 260 Ġa
    ("e", "r"),   # 261 er
    ("Ġ", "Ġ"),   # 262 ĠĠ
    ("o", "u"),   # 263 ou
    ("l", "l"),   # 264 ll
    ("Ġ", "w"),   # 265 Ġw
    ("1", "2"),   # 266 12
]
for a, b in merges:
    vocab[a + b] = len(vocab)
added = [
    {"id": 267, "content": "<|endoftext|>", "single_word": False, "lstrip": False, "rstrip": False,
     "normalized": False, "special": True},
    {"id": 268, "content": "   ", "single_word": False, "lstrip": False, "rstrip": False,
     "normalized": True, "special": False},
]
vocab["<|endoftext|>"] = 267
vocab["xyz"] = 269
vocab["ab"] = 270
byte_level = {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": True}
tok = {
    "version": "1.0",
    "truncation": None,
    "padding": None,
    "added_tokens": added,
    "normalizer": {"type": "NFC"},
    "pre_tokenizer": byte_level,
    "post_processor": byte_level,
    "decoder": byte_level,
    "model": {
        "type": "BPE", "dropout": None, "unk_token": None, "continuing_subword_prefix": None,
        "end_of_word_suffix": None, "fuse_unk": False, "byte_fallback": False, "ignore_merges": False,
        "vocab": vocab,
        "merges": [a + " " + b for a, b in merges],
    },
}
with open("tiny-gpt2.json", "w", encoding="utf-8") as f:
    json.dump(tok, f, ensure_ascii=False, indent=1)
    f.write("\n")
