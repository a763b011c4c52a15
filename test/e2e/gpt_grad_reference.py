#!/usr/bin/env python3
"""PyTorch autograd reference for examples/px/gen_gpt.py --loss (separate
q/k/v projections, exact GELU): loads the parameters saved by
--save-params, the token ids and labels, and writes loss.npy and
grad:<parameter>.npy into OUT (what px-autodiff's program returns).

    gpt_grad_reference.py params.npz idx.npy labels.npy --heads 2 -o OUT
"""
import argparse
import os

import numpy as np
import torch


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("params")
    ap.add_argument("idx")
    ap.add_argument("labels")
    ap.add_argument("--heads", type=int, required=True)
    ap.add_argument("-o", "--out", required=True)
    a = ap.parse_args()
    torch.set_grad_enabled(True)
    p = {k: torch.tensor(v, requires_grad=True)
         for k, v in np.load(a.params).items()}
    idx = torch.tensor(np.load(a.idx))
    labels = torch.tensor(np.load(a.labels))
    B, T = idx.shape
    H = p["wte.weight"].shape[1]
    nh, hs = a.heads, H // a.heads
    layers = len({k.split(".")[1] for k in p if k.startswith("h.")})

    def ln(x, name):
        return torch.nn.functional.layer_norm(
            x, (H,), p[f"{name}.weight"], p[f"{name}.bias"], 1e-5)

    def linear(x, name, bias=True):
        y = x @ p[f"{name}.weight"]
        return y + p[f"{name}.bias"] if bias else y

    mask = torch.tril(torch.ones(T, T, dtype=torch.bool))
    x = p["wte.weight"][idx] + p["wpe.weight"]
    for i in range(layers):
        h = ln(x, f"h.{i}.ln_1")
        q, k, v = (linear(h, f"h.{i}.attn.{n}_proj")
                   .reshape(B, T, nh, hs).transpose(1, 2) for n in "qkv")
        att = (q @ k.transpose(-1, -2)) * torch.tensor(hs ** -0.5)
        att = torch.where(mask, att, torch.tensor(float("-inf")))
        y = (att.softmax(-1) @ v).transpose(1, 2).reshape(B, T, H)
        x = x + linear(y, f"h.{i}.attn.c_proj")
        h = torch.nn.functional.gelu(linear(ln(x, f"h.{i}.ln_2"), f"h.{i}.mlp.c_fc"))
        x = x + linear(h, f"h.{i}.mlp.c_proj")
    logits = linear(ln(x, "ln_f"), "lm_head", bias=False)
    loss = torch.nn.functional.cross_entropy(logits.reshape(B * T, -1),
                                             labels.reshape(-1))
    loss.backward()
    os.makedirs(a.out, exist_ok=True)
    np.save(os.path.join(a.out, "loss.npy"), loss.detach().numpy())
    for name, value in p.items():
        np.save(os.path.join(a.out, f"grad:{name}.npy"), value.grad.numpy())


if __name__ == "__main__":
    main()
