#!/usr/bin/env python3
"""Measures how long pxc takes to import a model with large weights.

Writes an MLP of LAYERS square layers of width WIDTH (float32) to ONNX, once
with the weights inside the .onnx file (limited to 2 GiB by protobuf) and
once as ONNX external data, then times `pxc MODEL -o OUT` (median of
--repeat runs) and reports the size of the emitted IR.

    /usr/bin/python3 bench/import/large_model.py --pxc build/bin/pxc \
        --width 8192 --layers 6      # 6 x 256 MiB = 1.5 GiB of weights
"""
import argparse
import os
import statistics
import subprocess
import tempfile
import time

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


def build(width, layers):
    nodes, inits = [], []
    x = "x"
    rng = np.random.default_rng(0)
    for i in range(layers):
        w = rng.standard_normal((width, width), dtype=np.float32)
        inits.append(numpy_helper.from_array(w, f"layer{i}.weight"))
        y = f"h{i}"
        nodes.append(helper.make_node("MatMul", [x, f"layer{i}.weight"], [y],
                                      name=f"matmul{i}"))
        x = y
    graph = helper.make_graph(
        nodes, "mlp",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [4, width])],
        [helper.make_tensor_value_info(x, TensorProto.FLOAT, [4, width])],
        inits)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])


def time_import(pxc, model, out, repeat):
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run([pxc, model, "-o", out], check=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--pxc", required=True)
    ap.add_argument("--width", type=int, default=8192)
    ap.add_argument("--layers", type=int, default=6)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()

    weight_bytes = 4 * args.width * args.width * args.layers
    with tempfile.TemporaryDirectory() as tmp:
        model = build(args.width, args.layers)
        inline = os.path.join(tmp, "inline.onnx")
        external = os.path.join(tmp, "external.onnx")
        if weight_bytes < 2**31 - 2**20:
            onnx.save(model, inline)
        else:
            inline = None
        onnx.save(model, external, save_as_external_data=True,
                  all_tensors_to_one_file=True, location="weights.bin")
        print(f"weights: {weight_bytes / 2**30:.2f} GiB "
              f"({args.layers} x {args.width}x{args.width} float32)")
        for name, path in (("inside the .onnx", inline),
                           ("external data", external)):
            if path is None:
                print(f"{name}: skipped (over protobuf's 2 GiB limit)")
                continue
            out = os.path.join(tmp, "out-" + os.path.basename(path))
            t = time_import(args.pxc, path, out, args.repeat)
            ir = os.path.getsize(os.path.join(out, "model.mlir"))
            print(f"{name}: import {t:.2f} s (median of {args.repeat}), "
                  f"IR {ir} bytes")


if __name__ == "__main__":
    main()
