#!/usr/bin/env python3
"""Times px-auto-sbp on GPT-3-scale forward graphs (hidden 12288, 96 heads,
seq 2048, vocab 51200) on an 8x8 mesh, at 24, 48 and 96 layers, and prints
the seconds per run (median of --repeat) and the growth between sizes.

    /usr/bin/python3 bench/auto_sbp/gpt3.py --pxc-opt build/bin/pxc-opt

Two settings: batch 8 with no effective memory limit (one search), and
batch 1 under the device memory of dgx-a100 (80 GiB), where the memory
constraint makes the search repeat with a Lagrange weight.

--train times the search on training steps instead: the mean cross-entropy,
px-autodiff and px-apply-optimizer (AdamW) are applied first (not timed).
"""
import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
GEN = os.path.join(HERE, "..", "..", "examples", "px", "gen_gpt.py")


def run(pxc_opt, path, options, repeat):
    """Median seconds, or the diagnostic when no plan fits the memory."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        done = subprocess.run([pxc_opt, path, f"--px-auto-sbp={options}",
                               "-o", os.devnull], capture_output=True,
                              text=True)
        if done.returncode != 0:
            error = [l for l in done.stderr.splitlines() if "error:" in l]
            return (error or done.stderr.splitlines() or ["failed"])[0]
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--pxc-opt", required=True)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--layers", default="24,48,96")
    ap.add_argument("--train", action="store_true",
                    help="search training steps (forward, backward, AdamW)")
    args = ap.parse_args()
    layers = [int(x) for x in args.layers.split(",")]
    settings = [("batch 8, no memory limit", 8, "memory-limit=100000"),
                ("batch 1, 80 GiB limit", 1, "")]
    with tempfile.TemporaryDirectory() as tmp:
        for name, batch, options in settings:
            print(f"{name}:")
            previous = None
            for n in layers:
                path = os.path.join(tmp, f"gpt3-{n}-{batch}.mlir")
                with open(path, "w") as f:
                    subprocess.run([sys.executable, GEN, "--layers", str(n),
                                    "--hidden", "12288", "--heads", "96",
                                    "--seq", "2048", "--vocab", "51200",
                                    "--batch", str(batch), "--mesh", "8x8"]
                                   + (["--loss"] if args.train else []),
                                   check=True, stdout=f)
                if args.train:
                    forward, path = path, path + ".train.mlir"
                    subprocess.run([args.pxc_opt, forward, "--px-autodiff",
                                    "--px-apply-optimizer", "-o", path],
                                   check=True)
                t = run(args.pxc_opt, path, options, args.repeat)
                if isinstance(t, str):
                    print(f"  {n:3d} layers: {t.split('error: ')[-1]}")
                    previous = None
                    continue
                growth = f"  x{t / previous:.2f} for x{n // prev_n}" \
                    if previous else ""
                print(f"  {n:3d} layers: {t:6.2f} s (median of "
                      f"{args.repeat}){growth}")
                previous, prev_n = t, n


if __name__ == "__main__":
    main()
