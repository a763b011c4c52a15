#!/usr/bin/env python3
"""Kills a training program (SIGKILL) at random moments while it saves a
checkpoint after every step, many times over, and checks after each kill
that the newest complete checkpoint verifies (`pxc-ckpt verify`) and loads
(the program resumes from it). Prints how many kills left an interrupted
save behind (a hidden staging directory), i.e. landed mid-save.
"""
import argparse
import glob
import os
import random
import signal
import subprocess
import sys
import time


def newest_step(root):
    steps = [int(os.path.basename(d)[5:]) for d in glob.glob(f"{root}/step-*")
             if os.path.exists(f"{d}/index.json")]
    return max(steps) if steps else None


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--model", required=True)
    ap.add_argument("--tool", required=True, help="pxc-ckpt")
    ap.add_argument("--data", required=True)
    ap.add_argument("--dir", required=True)
    ap.add_argument("--kills", type=int, default=50)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    rng = random.Random(a.seed)
    root = os.path.join(a.dir, "ckpt")
    train = [a.model, f"--data={a.data}", "--quiet", f"--save={root}",
             "--save-every=1", "--keep=2"]
    subprocess.run(train + ["--steps=2"], check=True)
    mid_save = 0
    for kill in range(a.kills):
        before = newest_step(root)
        proc = subprocess.Popen(train + [f"--load={root}", "--steps=1000000000"],
                                stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0.05, 0.5))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        if glob.glob(f"{root}/.step-*"):
            mid_save += 1
        step = newest_step(root)
        if step is None or step < before:
            print(f"kill {kill}: newest checkpoint went from {before} to {step}")
            return 1
        check = subprocess.run([a.tool, "verify", root], capture_output=True,
                               text=True)
        if check.returncode != 0:
            print(f"kill {kill}: verify failed:\n{check.stderr}")
            return 1
        resume = subprocess.run(
            [a.model, f"--data={a.data}", "--quiet", f"--load={root}",
             f"--steps={step + 1}"], capture_output=True, text=True)
        if resume.returncode != 0:
            print(f"kill {kill}: cannot resume from step {step}:\n"
                  f"{resume.stderr}")
            return 1
    print(f"{a.kills} kills: every time the newest checkpoint (last: step "
          f"{newest_step(root)}) verified and loaded; {mid_save} kills landed "
          f"during a save")
    return 0


if __name__ == "__main__":
    sys.exit(main())
