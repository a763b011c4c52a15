#!/usr/bin/env python3
"""Checkpoint figures of a generated training program (docs/checkpoints.md):

- save throughput per rank (the checkpoint's bytes per rank over the time
  from the snapshot to the commit) against `dd ... conv=fsync` writing the
  same bytes to the same disk;
- the training stall per save (the snapshot into host memory; the write
  runs in the background), in ms and as a share of the median step time;
- the median step time while checkpoints are written in the background,
  against a run without checkpoints.

  /usr/bin/python3 bench/checkpoint/run.py --pxc build/bin/pxc
"""
import argparse
import glob
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time

EXAMPLES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                        "examples", "gpt")


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--pxc", required=True)
    ap.add_argument("--layers", type=int, default=4)
    ap.add_argument("--embd", type=int, default=256)
    ap.add_argument("--heads", type=int, default=8)
    ap.add_argument("--seq", type=int, default=64)
    ap.add_argument("--batch", type=int, default=4)
    ap.add_argument("--vocab", type=int, default=8192)
    ap.add_argument("--mesh", default="2")
    ap.add_argument("--steps", type=int, default=30)
    ap.add_argument("--save-every", type=int, default=3)
    ap.add_argument("--dir", default=None,
                    help="where checkpoints go (default: a temporary "
                    "directory)")
    a = ap.parse_args()

    with tempfile.TemporaryDirectory(dir=a.dir) as tmp:
        onnx_path = os.path.join(tmp, "gpt.onnx")
        subprocess.run([sys.executable, os.path.join(EXAMPLES, "export_gpt.py"),
                        "-o", onnx_path, "--layers", str(a.layers), "--embd",
                        str(a.embd), "--heads", str(a.heads), "--block-size",
                        str(a.seq), "--vocab", str(a.vocab)], check=True,
                       stderr=subprocess.DEVNULL)
        out = os.path.join(tmp, "out")
        subprocess.run([a.pxc, onnx_path, "--train", f"--shape=batch={a.batch}",
                        f"--shape=seq={a.seq}", f"--mesh={a.mesh}",
                        "--cxx-flags=-O2", "-o", out], check=True)
        model = os.path.join(out, "model")
        base = os.path.join(tmp, "base.json")
        subprocess.run([model, f"--steps={a.steps}", "--quiet",
                        f"--metrics={base}"], check=True)
        ckpt = os.path.join(tmp, "ckpt")
        saves = os.path.join(tmp, "saves.json")
        run = subprocess.run([model, f"--steps={a.steps}", f"--save={ckpt}",
                              f"--save-every={a.save_every}", "--keep=1",
                              f"--log-every={a.steps}", f"--metrics={saves}"],
                             check=True, capture_output=True, text=True)
        saved = re.findall(r"saved \S+ in ([0-9.]+) ms \(rank 0 wrote its "
                           r"file in ([0-9.]+) ms\)", run.stdout)
        commit_ms = [float(m[0]) for m in saved]
        write_ms = [float(m[1]) for m in saved]
        subprocess.run([os.path.join(os.path.dirname(a.pxc), "pxc-ckpt"),
                        "verify", ckpt], check=True, stdout=subprocess.DEVNULL)
        files = glob.glob(os.path.join(ckpt, "step-*", "rank-*.safetensors"))
        rank_bytes = os.path.getsize(sorted(files)[0])
        total = sum(os.path.getsize(f) for f in files)

        dd_ms = []
        target = os.path.join(tmp, "dd.bin")
        for _ in range(3):
            start = time.perf_counter()
            subprocess.run(["dd", "if=/dev/zero", f"of={target}", "bs=1M",
                            f"count={max(1, rank_bytes >> 20)}",
                            "conv=fsync"], check=True,
                           stderr=subprocess.DEVNULL)
            dd_ms.append((time.perf_counter() - start) * 1e3)
            os.remove(target)
        dd_bytes = max(1, rank_bytes >> 20) << 20

        b, s = json.load(open(base)), json.load(open(saves))
        stall = statistics.median(s["checkpoint_stall_ms"])
        step = b["median_step_ms"]
        save_mb_s = rank_bytes / statistics.median(write_ms) / 1e3
        dd_mb_s = dd_bytes / statistics.median(dd_ms) / 1e3
        print(f"checkpoint: {total / 1e6:.1f} MB in {len(files)} files, "
              f"{rank_bytes / 1e6:.1f} MB on rank 0; {len(write_ms)} saves, "
              f"each committed {statistics.median(commit_ms):.1f} ms "
              f"(median) after its snapshot")
        print(f"rank 0's file: median {statistics.median(write_ms):.1f} ms = "
              f"{save_mb_s:.0f} MB/s; dd conv=fsync: "
              f"{statistics.median(dd_ms):.1f} ms = {dd_mb_s:.0f} MB/s; "
              f"ratio {save_mb_s / dd_mb_s:.2f}")
        print(f"training stall per save: median {stall:.2f} ms = "
              f"{100 * stall / step:.1f}% of the median step "
              f"({step:.1f} ms)")
        print(f"median step: {s['median_step_ms']:.1f} ms while saving every "
              f"{a.save_every} steps, {step:.1f} ms without "
              f"(ratio {s['median_step_ms'] / step:.2f})")


if __name__ == "__main__":
    main()
