#!/usr/bin/env python3
"""Trains the example GPT (examples/gpt/export_gpt.py, same seed, so the same
initial weights as the exported ONNX model) with PyTorch on sequential
batches of a token file, as a pxc training program does, and writes the
per-step losses and gradient norms as JSON ({"loss": [...], "grad_norm":
[...]}).

Batches: step s, sample b reads tokens [(s*B+b)*(T+1), (s*B+b+1)*(T+1)) of
the uint16 file; the first T are inputs, the last T labels. Learning rate:
nanoGPT's get_lr (docs/training.md). One thread.
"""
import argparse
import json
import math
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..",
                                "examples", "gpt"))
from export_gpt import GPT  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lib"))
from lr_schedule import get_lr  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--tokens", required=True)
    ap.add_argument("-o", "--output", required=True)
    ap.add_argument("--vocab", type=int, default=64)
    ap.add_argument("--block-size", type=int, default=16)
    ap.add_argument("--layers", type=int, default=2)
    ap.add_argument("--heads", type=int, default=4)
    ap.add_argument("--embd", type=int, default=32)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--batch", type=int, default=4)
    ap.add_argument("--seq", type=int, default=16)
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--micro-batches", type=int, default=1,
                    help="gradient accumulation, nanoGPT-style: each of M "
                    "chunks of the batch backpropagates loss / M")
    ap.add_argument("--optimizer", default="adamw")
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--min-lr", type=float, default=0.0)
    ap.add_argument("--warmup-steps", type=int, default=0)
    ap.add_argument("--decay-steps", type=int, default=0)
    ap.add_argument("--weight-decay", type=float, default=None)
    ap.add_argument("--momentum", type=float, default=0.0)
    ap.add_argument("--clip-norm", type=float, default=0.0)
    ap.add_argument("--init-seed", type=int, default=None,
                    help="start from other weights: every parameter plus "
                    "0.05 * N(0, 1) noise of this seed")
    ap.add_argument("--save-init", default=None,
                    help="write the initial weights as a safetensors file")
    a = ap.parse_args()
    torch.set_num_threads(1)

    torch.manual_seed(a.seed)
    model = GPT(a.vocab, a.block_size, a.layers, a.heads, a.embd)
    params = list(model.parameters())
    if a.init_seed is not None:
        generator = torch.Generator().manual_seed(a.init_seed)
        with torch.no_grad():
            for p in params:
                p.add_(0.05 * torch.randn(p.shape, generator=generator))
    if a.save_init:
        from safetensors_np import save
        save(a.save_init, {k: v.detach().numpy()
                           for k, v in model.state_dict().items()})
    if a.optimizer == "adamw":
        wd = 0.01 if a.weight_decay is None else a.weight_decay
        opt = torch.optim.AdamW(params, lr=a.lr, weight_decay=wd,
                                foreach=False)
    else:
        wd = 0.0 if a.weight_decay is None else a.weight_decay
        opt = torch.optim.SGD(params, lr=a.lr, momentum=a.momentum,
                              weight_decay=wd, foreach=False)

    tokens = np.fromfile(a.tokens, dtype=np.uint16).astype(np.int64)
    B, T = a.batch, a.seq
    losses, norms = [], []
    for step in range(a.steps):
        rows = []
        for b in range(B):
            start = (step * B + b) * (T + 1)
            index = np.arange(start, start + T + 1) % len(tokens)
            rows.append(tokens[index])
        batch = torch.from_numpy(np.stack(rows))
        x, y = batch[:, :T], batch[:, 1:]
        for group in opt.param_groups:
            group["lr"] = get_lr(step, a.lr, a.min_lr, a.warmup_steps,
                                 a.decay_steps)
        opt.zero_grad(set_to_none=True)
        loss = 0.0
        for xm, ym in zip(x.chunk(a.micro_batches), y.chunk(a.micro_batches)):
            logits = model(xm)
            part = F.cross_entropy(logits.reshape(-1, a.vocab),
                                   ym.reshape(-1)) / a.micro_batches
            part.backward()
            loss = loss + part.detach()
        max_norm = a.clip_norm if a.clip_norm > 0 else math.inf
        norm = torch.nn.utils.clip_grad_norm_(params, max_norm)
        opt.step()
        losses.append(loss.item())
        norms.append(norm.item())
    with open(a.output, "w") as f:
        json.dump({"loss": losses, "grad_norm": norms}, f)


if __name__ == "__main__":
    main()
