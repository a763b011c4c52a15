#!/usr/bin/env python3
"""Loads the parameters of a consolidated pxc checkpoint into the PyTorch
GPT of examples/gpt/export_gpt.py and compares its logits on the given ids
with a pxc program's logits output (.npy). Exits 1 beyond --rtol (relative
to the largest logit)."""
import argparse
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "..", "examples", "gpt"))
from export_gpt import GPT  # noqa: E402
from safetensors_np import load  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("checkpoint", help="pxc-ckpt consolidate's output")
    ap.add_argument("ids", help=".npy int64 [batch, seq]")
    ap.add_argument("logits", help="the pxc program's logits (.npy)")
    ap.add_argument("--rtol", type=float, required=True)
    a = ap.parse_args()
    tensors, metadata = load(a.checkpoint)
    params = {k: torch.from_numpy(v.copy()) for k, v in tensors.items()
              if metadata.get(f"pxc.kind.{k}", "parameter") == "parameter"}
    model = GPT(64, 16, 2, 4, 32)
    model.load_state_dict(params, strict=True)
    with torch.no_grad():
        want = model(torch.from_numpy(np.load(a.ids))).numpy()
    got = np.load(a.logits)
    error = float(np.max(np.abs(want - got)) / np.max(np.abs(want)))
    print(f"logits: max difference {error:.3g} of the largest logit")
    return 0 if error <= a.rtol else 1


if __name__ == "__main__":
    sys.exit(main())
