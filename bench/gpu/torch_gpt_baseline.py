#!/usr/bin/env python3
"""PyTorch eager baseline for the CUDA target: tokens/s and MFU of a GPT
training step (forward, backward, AdamW) on one GPU.

    python3 bench/gpu/torch_gpt_baseline.py --layers 12 --hidden 768 \
        --heads 12 --seq 1024 --batch 8 --vocab 50304 --dtype bf16

MFU counts 6 * parameters * tokens + 12 * layers * hidden * seq * tokens
FLOPs per step (PaLM's formula, attention included) against the GPU's dense
bf16 peak (--peak-tflops, default 989 for H100 SXM).
"""
import argparse
import math
import statistics
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


class Block(nn.Module):
    def __init__(self, h, heads):
        super().__init__()
        self.heads = heads
        self.ln_1 = nn.LayerNorm(h)
        self.c_attn = nn.Linear(h, 3 * h)
        self.c_proj = nn.Linear(h, h)
        self.ln_2 = nn.LayerNorm(h)
        self.c_fc = nn.Linear(h, 4 * h)
        self.mlp_proj = nn.Linear(4 * h, h)

    def forward(self, x):
        B, T, C = x.shape
        q, k, v = self.c_attn(self.ln_1(x)).split(C, dim=2)
        shape = (B, T, self.heads, C // self.heads)
        q, k, v = (t.view(shape).transpose(1, 2) for t in (q, k, v))
        att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(k.size(-1)))
        mask = torch.ones(T, T, device=x.device, dtype=torch.bool).tril()
        att = att.masked_fill(~mask, float("-inf")).softmax(dim=-1)
        y = (att @ v).transpose(1, 2).reshape(B, T, C)
        x = x + self.c_proj(y)
        return x + self.mlp_proj(F.gelu(self.c_fc(self.ln_2(x))))


class GPT(nn.Module):
    def __init__(self, vocab, seq, layers, hidden, heads):
        super().__init__()
        self.wte = nn.Embedding(vocab, hidden)
        self.wpe = nn.Embedding(seq, hidden)
        self.h = nn.ModuleList(Block(hidden, heads) for _ in range(layers))
        self.ln_f = nn.LayerNorm(hidden)
        self.lm_head = nn.Linear(hidden, vocab, bias=False)

    def forward(self, idx, labels):
        T = idx.size(1)
        x = self.wte(idx) + self.wpe(torch.arange(T, device=idx.device))
        for block in self.h:
            x = block(x)
        logits = self.lm_head(self.ln_f(x))
        return F.cross_entropy(logits.view(-1, logits.size(-1)).float(),
                               labels.view(-1))


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--layers", type=int, default=12)
    ap.add_argument("--hidden", type=int, default=768)
    ap.add_argument("--heads", type=int, default=12)
    ap.add_argument("--seq", type=int, default=1024)
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--vocab", type=int, default=50304)
    ap.add_argument("--dtype", choices=["bf16", "fp32"], default="bf16")
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--warmup", type=int, default=5)
    ap.add_argument("--peak-tflops", type=float, default=989.0)
    a = ap.parse_args()

    torch.manual_seed(0)
    dev = torch.device("cuda")
    model = GPT(a.vocab, a.seq, a.layers, a.hidden, a.heads).to(dev)
    opt = torch.optim.AdamW(model.parameters(), lr=3e-4)
    params = sum(p.numel() for p in model.parameters())
    idx = torch.randint(0, a.vocab, (a.batch, a.seq), device=dev)
    labels = torch.randint(0, a.vocab, (a.batch, a.seq), device=dev)
    autocast = torch.autocast("cuda", dtype=torch.bfloat16,
                              enabled=a.dtype == "bf16")
    times, losses = [], []
    for step in range(a.warmup + a.steps):
        torch.cuda.synchronize()
        start = time.perf_counter()
        with autocast:
            loss = model(idx, labels)
        loss.backward()
        opt.step()
        opt.zero_grad(set_to_none=True)
        torch.cuda.synchronize()
        if step >= a.warmup:
            times.append(time.perf_counter() - start)
            losses.append(loss.item())
    t = statistics.median(times)
    tokens = a.batch * a.seq
    flops = 6 * params * tokens + 12 * a.layers * a.hidden * a.seq * tokens
    print(f"device: {torch.cuda.get_device_name()} torch {torch.__version__}")
    print(f"model: {params / 1e6:.1f}M params, {a.layers} layers, hidden "
          f"{a.hidden}, seq {a.seq}, batch {a.batch}, {a.dtype}")
    print(f"step: {t * 1e3:.1f} ms (median of {a.steps}), "
          f"{tokens / t:.0f} tokens/s, MFU {flops / t / (a.peak_tflops * 1e12):.1%}")
    print(f"loss first/last: {losses[0]:.4f} / {losses[-1]:.4f}")


if __name__ == "__main__":
    main()
