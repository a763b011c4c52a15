#!/usr/bin/env python3
"""PyTorch CPU timings of the shapes in KernelBench.cpp, single thread.

Usage: /usr/bin/python3 bench/kernels/torch_reference.py [--repeats N]
Prints the median milliseconds per call of each case.
"""
import argparse
import os
import statistics
import time

# Debian's torch runs matmul on OpenBLAS, whose own thread pool ignores
# torch.set_num_threads: pin it before the library loads.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import torch  # noqa: E402


def median_ms(fn, repeats):
    for _ in range(3):  # warm up
        fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1e3)
    return statistics.median(times)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=30)
    args = parser.parse_args()
    torch.set_num_threads(1)
    torch.manual_seed(0)
    cases = {}
    for m, n, k in [(768, 768, 768), (1024, 3072, 768)]:
        a, b = torch.randn(m, k), torch.randn(k, n)
        out = torch.empty(m, n)
        cases[f"BM_Gemm/{m}/{n}/{k}"] = lambda a=a, b=b, out=out: torch.matmul(
            a, b, out=out)
    # Preallocated outputs (the aten .out overloads), as the pxrt kernels
    # write into buffers the program owns.
    x = torch.randn(8 * 1024, 768)
    y = torch.empty_like(x)
    mean, rstd = torch.empty(8 * 1024, 1), torch.empty(8 * 1024, 1)
    scale, bias = torch.randn(768), torch.randn(768)
    cases["BM_Softmax"] = lambda: torch.ops.aten._softmax.out(
        x, -1, False, out=y)
    cases["BM_LayerNorm"] = lambda: torch.ops.aten.native_layer_norm.out(
        x, [768], scale, bias, 1e-5, out0=y, out1=mean, out2=rstd)
    print(f"torch {torch.__version__}, threads {torch.get_num_threads()}")
    for name, fn in cases.items():
        print(f"{name:28s} {median_ms(fn, args.repeats):9.3f} ms")


if __name__ == "__main__":
    main()
