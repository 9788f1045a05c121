#!/usr/bin/python3
"""Hostile PyTorch checkpoints written by torch itself, for the allowlisting unpickler's tests. Run with Debian's
/usr/bin/python3 (torch), from this directory. Each file is also loaded with torch, to show what torch does with it:
torch.load(weights_only=True) refuses every file that names a global outside its allowlist, and torch.load refuses a
legacy file cut inside its storages. (torch never serialises a tensor's backward hooks, and writes no legacy views
and no globals as storage locations: those reproducers are built by hand in binpickle_test.go.)

  hostile/ordered-metadata.bin  nn.Linear(3, 2).state_dict(): an OrderedDict with _metadata set by BUILD, as every
                                Hugging Face checkpoint is; weight = arange(6).view(2, 3), bias = (-1, 1). Accepted.
  hostile/evil-value.bin        a state dict with a value whose __reduce__ is os.system
  hostile/evil-metadata.bin     nn.Linear's state dict whose _metadata holds such a value
  hostile/legacy-truncated.bin  the legacy format cut inside the storage of its last tensor, a buffer
"""
import collections
import os

import torch


class Evil:
    def __reduce__(self):
        return (os.system, ("echo pwned",))


os.makedirs("hostile", exist_ok=True)


def linear():
    m = torch.nn.Linear(3, 2)
    with torch.no_grad():
        m.weight.copy_(torch.arange(6, dtype=torch.float32).view(2, 3))
        m.bias.copy_(torch.tensor([-1.0, 1.0]))
    return m.state_dict()


torch.save(linear(), "hostile/ordered-metadata.bin")

torch.save({"w": torch.ones(2), "x": Evil()}, "hostile/evil-value.bin")

sd = linear()
sd._metadata["evil"] = Evil()
torch.save(sd, "hostile/evil-metadata.bin")

sd = collections.OrderedDict([("w", torch.arange(4, dtype=torch.float32)), ("attention.bias", torch.ones(64))])
torch.save(sd, "hostile/legacy-full.bin", _use_new_zipfile_serialization=False)
with open("hostile/legacy-full.bin", "rb") as f:
    full = f.read()
os.remove("hostile/legacy-full.bin")
with open("hostile/legacy-truncated.bin", "wb") as f:
    f.write(full[:-100])

for name in sorted(os.listdir("hostile")):
    path = os.path.join("hostile", name)
    try:
        torch.load(path, weights_only=True)
        print(f"{name}: torch.load(weights_only=True) loads it")
    except Exception as e:
        print(f"{name}: torch.load(weights_only=True) refuses it: {type(e).__name__}: {str(e).splitlines()[0][:100]}")
    if name == "legacy-truncated.bin":
        try:
            torch.load(path)
            print(f"{name}: torch.load loads it")
        except Exception as e:
            print(f"{name}: torch.load refuses it: {type(e).__name__}: {str(e).splitlines()[0][:100]}")
