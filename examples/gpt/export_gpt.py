#!/usr/bin/env python3
"""Exports a small GPT (nanoGPT-style) from PyTorch to ONNX (opset 17).

The model is a standard PyTorch GPT: token and position embeddings,
LayerNorm, causal self-attention (mask built with torch.tril and applied with
masked_fill, i.e. Trilu/Equal/Where in ONNX), exact GELU (Erf), and a linear
LM head. Batch and sequence length are symbolic ('batch', 'seq'): fix them
with `pxc --shape=batch=2 --shape=seq=16`.

    /usr/bin/python3 examples/gpt/export_gpt.py -o examples/gpt/gpt.onnx
"""
import argparse
import math

import torch
import torch.nn as nn
import torch.nn.functional as F


class CausalSelfAttention(nn.Module):
    def __init__(self, n_embd, n_head):
        super().__init__()
        self.n_head = n_head
        self.n_embd = n_embd
        self.c_attn = nn.Linear(n_embd, 3 * n_embd)
        self.c_proj = nn.Linear(n_embd, n_embd)

    def forward(self, x):
        B, T, C = x.size()
        q, k, v = self.c_attn(x).split(self.n_embd, dim=2)
        hs = C // self.n_head
        q = q.view(B, T, self.n_head, hs).transpose(1, 2)
        k = k.view(B, T, self.n_head, hs).transpose(1, 2)
        v = v.view(B, T, self.n_head, hs).transpose(1, 2)
        att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(hs))
        mask = torch.tril(torch.ones(T, T, device=x.device))
        att = att.masked_fill(mask == 0, float("-inf"))
        att = F.softmax(att, dim=-1)
        y = att @ v
        y = y.transpose(1, 2).contiguous().view(B, T, C)
        return self.c_proj(y)


class MLP(nn.Module):
    def __init__(self, n_embd):
        super().__init__()
        self.c_fc = nn.Linear(n_embd, 4 * n_embd)
        self.gelu = nn.GELU()
        self.c_proj = nn.Linear(4 * n_embd, n_embd)

    def forward(self, x):
        return self.c_proj(self.gelu(self.c_fc(x)))


class Block(nn.Module):
    def __init__(self, n_embd, n_head):
        super().__init__()
        self.ln_1 = nn.LayerNorm(n_embd)
        self.attn = CausalSelfAttention(n_embd, n_head)
        self.ln_2 = nn.LayerNorm(n_embd)
        self.mlp = MLP(n_embd)

    def forward(self, x):
        x = x + self.attn(self.ln_1(x))
        return x + self.mlp(self.ln_2(x))


class GPT(nn.Module):
    def __init__(self, vocab, block_size, n_layer, n_head, n_embd, tie=False):
        super().__init__()
        self.wte = nn.Embedding(vocab, n_embd)
        self.wpe = nn.Embedding(block_size, n_embd)
        self.h = nn.ModuleList(Block(n_embd, n_head) for _ in range(n_layer))
        self.ln_f = nn.LayerNorm(n_embd)
        self.lm_head = nn.Linear(n_embd, vocab, bias=False)
        if tie:
            # GPT-2's tied embedding: the output layer reuses wte.
            self.lm_head.weight = self.wte.weight

    def forward(self, idx):
        T = idx.size(1)
        pos = torch.arange(0, T, dtype=torch.long, device=idx.device)
        x = self.wte(idx) + self.wpe(pos)
        for block in self.h:
            x = block(x)
        return self.lm_head(self.ln_f(x))


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("-o", "--output", required=True)
    ap.add_argument("--vocab", type=int, default=64)
    ap.add_argument("--block-size", type=int, default=16)
    ap.add_argument("--layers", type=int, default=2)
    ap.add_argument("--heads", type=int, default=4)
    ap.add_argument("--embd", type=int, default=32)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--tie", action="store_true",
                    help="tie the output layer to the token embedding")
    ap.add_argument("--static", action="store_true",
                    help="fixed batch 2 and seq = block size (no symbols)")
    args = ap.parse_args()

    torch.manual_seed(args.seed)
    model = GPT(args.vocab, args.block_size, args.layers, args.heads,
                args.embd, tie=args.tie).eval()
    idx = torch.randint(0, args.vocab, (2, args.block_size))
    dynamic = None if args.static else {
        "idx": {0: "batch", 1: "seq"}, "logits": {0: "batch", 1: "seq"}}
    torch.onnx.export(model, (idx,), args.output, opset_version=17,
                      input_names=["idx"], output_names=["logits"],
                      dynamic_axes=dynamic,
                      # Training mode keeps every parameter distinct (eval
                      # mode merges equal initializers, e.g. LayerNorm
                      # weights) and keeps state_dict names.
                      training=torch.onnx.TrainingMode.TRAINING,
                      do_constant_folding=False)


if __name__ == "__main__":
    main()
