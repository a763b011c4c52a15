#!/usr/bin/env python3
"""PyTorch reference outputs of an exported GPT: loads the ONNX file's
initializers into the same PyTorch model (training-mode export keeps the
state_dict names) and evaluates it on an input .npy.

    /usr/bin/python3 examples/gpt/reference.py examples/gpt/gpt.onnx \
        idx.npy -o logits.npy
"""
import argparse

import numpy as np
import onnx
import torch
from onnx import numpy_helper

from export_gpt import GPT


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("model")
    ap.add_argument("input")
    ap.add_argument("-o", "--output", required=True)
    args = ap.parse_args()

    weights = {init.name: torch.from_numpy(numpy_helper.to_array(init).copy())
               for init in onnx.load(args.model).graph.initializer}
    vocab, embd = weights["wte.weight"].shape
    block = weights["wpe.weight"].shape[0]
    layers = len({k.split(".")[1] for k in weights if k.startswith("h.")})
    heads = 4  # export_gpt.py's default
    model = GPT(vocab, block, layers, heads, embd).eval()
    model.load_state_dict(weights)
    with torch.no_grad():
        logits = model(torch.from_numpy(np.load(args.input)))
    np.save(args.output, logits.numpy())


if __name__ == "__main__":
    main()
