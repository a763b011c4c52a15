#!/usr/bin/env python3
"""Simulates the setup of Yeung et al. 2024 ("Balancing Pipeline
Parallelism with Vocabulary Parallelism"): a ~4B-parameter GPT (32 layers,
hidden 3072, 24 heads, FFN 12288, sequence 2048), micro-batch 1, 128
micro-batches, 8 pipeline stages on A100s (dgx-a100), bf16 matrix products,
1F1B; vocabularies of 32k, 64k, 128k and 256k. For each, with the output
layer on the last stage (off) and spread over every stage (vocab-1,
vocab-2), prints pxc's predicted MFU, per-stage peak memory and the max/min
ratio of per-device busy time, peak memory and static memory (parameters,
gradients, optimizer states: what the vocabulary layers add to; 1F1B's
activations make the rest of the peak), beside the paper's measured
figures (baseline: Megatron's uniform layer split with the vocabulary
layers on the first and last stage).

    /usr/bin/python3 bench/vocab/paper_setup.py --pxc build/bin/pxc
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
GEN = os.path.join(HERE, "..", "..", "examples", "px", "gen_gpt.py")
LAYERS, HIDDEN, HEADS, SEQ = 32, 3072, 24, 2048
STAGES, MICRO_BATCHES = 8, 128
# Table of the paper: (MFU %, peak memory GB) of the baseline.
PAPER = {(32768, "off"): (47.5, 16.0), (262144, "off"): (17.3, 35.6),
         (32768, "vocab-2"): (52.6, 15.9), (262144, "vocab-2"): (51.2, 18.9)}


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--pxc", required=True)
    ap.add_argument("--vocabs", default="32768,65536,131072,262144")
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        print(f"{'vocab':>7} {'mode':>8} {'MFU':>6} {'paper':>6} "
              f"{'peak GiB per device':<48} {'paper':>6} {'busy max/min':>12} "
              f"{'memory max/min':>14} {'static max/min':>14}")
        for vocab in map(int, a.vocabs.split(",")):
            model = os.path.join(tmp, f"gpt-{vocab}.mlir")
            with open(model, "w") as f:
                subprocess.run([sys.executable, GEN, "--layers", str(LAYERS),
                                "--hidden", str(HIDDEN), "--heads", str(HEADS),
                                "--seq", str(SEQ), "--vocab", str(vocab),
                                "--batch", "1"], check=True, stdout=f)
            for mode in ("off", "vocab-1", "vocab-2"):
                out = os.path.join(tmp, f"sim-{vocab}-{mode}")
                cmd = [a.pxc, "simulate", model, "--train",
                       f"--stages={STAGES}",
                       f"--micro-batches={MICRO_BATCHES}", "--schedule=1f1b",
                       "--cluster=dgx-a100:1", "--compute-type=bf16",
                       f"--vocab-parallel={mode}", "-o", out]
                done = subprocess.run(cmd, capture_output=True, text=True)
                if done.returncode != 0:
                    sys.exit(f"{' '.join(cmd)} failed:\n{done.stderr}")
                with open(os.path.join(out, "simulation.json")) as f:
                    sim = json.load(f)
                peaks = [d["peakBytes"] / 2**30 for d in sim["devices"]]
                busy = [d["busySeconds"] for d in sim["devices"]]
                static = [d["staticBytes"] for d in sim["devices"]]
                paper = PAPER.get((vocab, mode))
                print(f"{vocab:>7} {mode:>8} {100 * sim['mfu']:>5.1f}% "
                      f"{(f'{paper[0]:.1f}%' if paper else '-'):>6} "
                      f"{' '.join(f'{p:.1f}' for p in peaks):<48} "
                      f"{(f'{paper[1]:.1f}' if paper else '-'):>6} "
                      f"{max(busy) / min(busy):>12.3f} "
                      f"{max(peaks) / min(peaks):>14.2f} "
                      f"{max(static) / min(static):>14.3f}")
        print(f"\ncommand (per vocabulary and mode): {' '.join(cmd)}")


if __name__ == "__main__":
    main()
