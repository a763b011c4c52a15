#!/usr/bin/env python3
"""Measures, on CPU ranks, the per-stage compute time and memory of a small
GPT with a large vocabulary on 4 pipeline stages, with the output layer on
the last stage (off) and spread over every stage (vocab-1, vocab-2).

    /usr/bin/python3 bench/vocab/cpu_stages.py --pxc build/bin/pxc

The model (examples/gpt/export_gpt.py): 8 layers, embedding 128, 4 heads,
sequence 64, vocabulary 32768 (untied), 1F1B over 8 micro-batches of 1
sequence. Each stage is one rank (a thread of one process; OpenBLAS on
one thread per call). Per rank, the program's --metrics give the median
compute time per step (CPU time in its actors' work, not waiting) and the
bytes of its memory plan; the script prints them with their max/min ratios
and the median step time (4 ranks on however many cores the host has).
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
EXPORT = os.path.join(HERE, "..", "..", "examples", "gpt", "export_gpt.py")


def run(cmd):
    done = subprocess.run(cmd, capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed:\n{done.stdout}{done.stderr}")


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--pxc", required=True)
    ap.add_argument("--vocab", type=int, default=32768)
    ap.add_argument("--stages", type=int, default=4)
    ap.add_argument("--steps", type=int, default=8)
    a = ap.parse_args()
    import numpy as np
    with tempfile.TemporaryDirectory() as tmp:
        model = os.path.join(tmp, "gpt.onnx")
        run([sys.executable, EXPORT, "-o", model, "--vocab", str(a.vocab),
             "--layers", "8", "--embd", "128", "--heads", "4",
             "--block-size", "64"])
        tokens = os.path.join(tmp, "tokens.bin")
        np.random.default_rng(0).integers(
            0, a.vocab, size=200_000).astype(np.uint16).tofile(tokens)
        print(f"{'mode':>8} {'step ms':>8}  {'compute ms per stage':<32}"
              f" {'max/min':>7}  {'memory MB per stage':<32} {'max/min':>7}")
        for mode in ("off", "vocab-1", "vocab-2"):
            out = os.path.join(tmp, mode)
            cmd = [a.pxc, model, "--train", "--shape=batch=1",
                   "--shape=seq=64", f"--stages={a.stages}",
                   "--micro-batches=8", f"--vocab-parallel={mode}", "-o", out]
            run(cmd)
            metrics = os.path.join(tmp, f"{mode}.json")
            os.environ["OPENBLAS_NUM_THREADS"] = "1"
            run([os.path.join(out, "model"), f"--data={tokens}",
                 f"--steps={a.steps}", "--quiet", f"--metrics={metrics}"])
            with open(metrics) as f:
                m = json.load(f)
            busy = m["rank_busy_ms"]
            memory = [b / 1e6 for b in m["rank_memory_bytes"]]
            print(f"{mode:>8} {m['median_step_ms']:>8.1f}  "
                  f"{' '.join(f'{b:.1f}' for b in busy):<32} "
                  f"{max(busy) / min(busy):>7.2f}  "
                  f"{' '.join(f'{x:.1f}' for x in memory):<32} "
                  f"{max(memory) / min(memory):>7.2f}")
        print(f"\ncommand (per mode): {' '.join(cmd)}")


if __name__ == "__main__":
    main()
