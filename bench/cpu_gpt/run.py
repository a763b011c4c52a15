#!/usr/bin/env python3
"""1-rank GPT on the CPU: pxc's program vs PyTorch eager, same ONNX-exported
model, one thread each (OPENBLAS_NUM_THREADS=1, torch.set_num_threads(1)).
Forward by default; --train times a whole training step (forward, backward,
AdamW) instead. Prints the median step times and their ratio.

    /usr/bin/python3 bench/cpu_gpt/run.py --pxc build/bin/pxc [--train] \
        [--layers 4 --embd 256 --heads 8 --seq 128 --batch 8 --vocab 512]
"""
import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
EXAMPLES = os.path.join(HERE, "..", "..", "examples", "gpt")
os.environ["OPENBLAS_NUM_THREADS"] = "1"

import numpy as np  # noqa: E402
import torch  # noqa: E402

sys.path.insert(0, EXAMPLES)
from export_gpt import GPT  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--pxc", required=True)
    ap.add_argument("--layers", type=int, default=4)
    ap.add_argument("--embd", type=int, default=256)
    ap.add_argument("--heads", type=int, default=8)
    ap.add_argument("--seq", type=int, default=128)
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--vocab", type=int, default=512)
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--train", action="store_true",
                    help="time training steps (forward, backward, AdamW)")
    a = ap.parse_args()
    torch.set_num_threads(1)

    with tempfile.TemporaryDirectory() as tmp:
        onnx_path = os.path.join(tmp, "gpt.onnx")
        subprocess.run([sys.executable, os.path.join(EXAMPLES, "export_gpt.py"),
                        "-o", onnx_path, "--layers", str(a.layers), "--embd",
                        str(a.embd), "--heads", str(a.heads), "--block-size",
                        str(a.seq), "--vocab", str(a.vocab)], check=True,
                       stderr=subprocess.DEVNULL)
        out = os.path.join(tmp, "out")
        train = ["--train"] if a.train else []
        subprocess.run([a.pxc, onnx_path, f"--shape=batch={a.batch}",
                        f"--shape=seq={a.seq}", "--cxx-flags=-O2", "-o", out]
                       + train, check=True)
        idx = np.random.default_rng(0).integers(
            0, a.vocab, (a.batch, a.seq)).astype(np.int64)
        idx_path = os.path.join(tmp, "idx.npy")
        np.save(idx_path, idx)
        # Training programs draw synthetic tokens themselves.
        inputs = [] if a.train else ["--inputs=" + idx_path]
        run = subprocess.run([os.path.join(out, "model"), f"--steps={a.steps}",
                              "--time", "--quiet"] + inputs,
                             check=True, capture_output=True, text=True)
        pxc_ms = float(run.stdout.split("median ")[1].split(" ms")[0])

        torch.manual_seed(0)
        model = GPT(a.vocab, a.seq, a.layers, a.heads, a.embd)
        x = torch.from_numpy(idx)
        y = torch.roll(x, -1, dims=1)
        opt = torch.optim.AdamW(model.parameters(), lr=1e-4, foreach=False)

        def step():
            if not a.train:
                with torch.no_grad():
                    model(x)
                return
            logits = model(x)
            loss = torch.nn.functional.cross_entropy(
                logits.reshape(-1, a.vocab), y.reshape(-1))
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()

        times = []
        for _ in range(a.steps + 2):
            start = time.perf_counter()
            step()
            times.append((time.perf_counter() - start) * 1e3)
        torch_ms = statistics.median(times[2:])
    what = "training step (AdamW)" if a.train else "forward"
    print(f"GPT {what}: {a.layers} layers, hidden {a.embd}, seq {a.seq}, "
          f"batch {a.batch}, vocab {a.vocab}, 1 thread")
    print(f"pxc:     {pxc_ms:8.2f} ms (median of {a.steps} steps)")
    print(f"PyTorch: {torch_ms:8.2f} ms (median of {a.steps})")
    print(f"pxc / PyTorch: {pxc_ms / torch_ms:.2f}")


if __name__ == "__main__":
    main()
