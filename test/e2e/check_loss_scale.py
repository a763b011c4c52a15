#!/usr/bin/env python3
"""Checks a loss-scaled training run (metrics JSON) against the unscaled run
of the same program on a data file of one batch (every step reads the same
batch) at a constant learning rate:

- the scale sequence follows torch's GradScaler from --initial with
  --window (halve on a skipped step, double after `window` good ones,
  never past the largest f32), or stays at --initial for a static scale;
- a skipped step has a non-finite (null) grad_norm and changes nothing:
  before step i, a[i] steps were applied, and the run's loss at step i is
  the unscaled run's at step a[i] (same parameters, Adam step a[i] + 1),
  as is the grad_norm of every applied step (within --rtol);
- with --min-skipped K, at least K steps were skipped, all before the
  first applied one when --skips-first is given.

Exits 1 with a message on the first mismatch."""
import argparse
import json
import struct
import sys


FLT_MAX = 3.4028234663852886e38


def f32(x):
    return struct.unpack("f", struct.pack("f", x))[0]


def fail(message):
    print("check_loss_scale: " + message)
    sys.exit(1)


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("unscaled")
    ap.add_argument("scaled")
    ap.add_argument("--mode", choices=["static", "dynamic"], required=True)
    ap.add_argument("--initial", type=float, required=True)
    ap.add_argument("--window", type=int, default=2000)
    ap.add_argument("--rtol", type=float, default=1e-5)
    ap.add_argument("--min-skipped", type=int, default=0)
    ap.add_argument("--skips-first", action="store_true")
    args = ap.parse_args()
    ref, run = json.load(open(args.unscaled)), json.load(open(args.scaled))
    if run.get("loss_scale_mode") != args.mode:
        fail(f"loss_scale_mode is {run.get('loss_scale_mode')!r}")
    steps = run["steps"]
    scales, skipped = run["loss_scale"], set(run["skipped_steps"])
    if len(scales) != steps:
        fail(f"{len(scales)} loss scales for {steps} steps")

    scale, tracker = f32(args.initial), 0
    for i in range(steps):
        if scales[i] != scale:
            fail(f"step {i}: loss scale {scales[i]!r}, GradScaler has {scale!r}")
        if i in skipped:
            if run["grad_norm"][i] is not None:
                fail(f"step {i} was skipped but its grad_norm is finite")
            if args.mode == "dynamic":
                scale, tracker = f32(scale * 0.5), 0
        elif args.mode == "dynamic":
            tracker += 1
            if tracker == args.window:
                # Doubling an f32 is exact unless it overflows f32.
                if scale * 2.0 <= FLT_MAX:
                    scale *= 2.0
                tracker = 0

    if len(skipped) < args.min_skipped:
        fail(f"{len(skipped)} skipped steps, expected at least "
             f"{args.min_skipped} (the initial scale did not overflow)")
    if args.skips_first and sorted(skipped) != list(range(len(skipped))):
        fail(f"skipped steps {sorted(skipped)} are not the first ones")

    applied = 0
    worst = 0.0
    for i in range(steps):
        if applied >= len(ref["loss"]):
            fail(f"the unscaled run has only {len(ref['loss'])} steps")
        pairs = [("loss", run["loss"][i], ref["loss"][applied])]
        if i not in skipped:
            pairs.append(("grad_norm", run["grad_norm"][i],
                          ref["grad_norm"][applied]))
        for key, x, y in pairs:
            if x is None or y is None:
                fail(f"step {i}: {key} {x!r} vs unscaled step {applied}'s {y!r}")
            rel = abs(x - y) / max(abs(y), 1e-30)
            worst = max(worst, rel)
            if rel > args.rtol:
                fail(f"step {i}: {key} {x!r} vs unscaled step {applied}'s "
                     f"{y!r} (relative {rel:.3g})")
        applied += i not in skipped
    print(f"loss scaling: {steps} steps, skipped {sorted(skipped)}, scales "
          f"{scales[0]!r} .. {scales[-1]!r}; worst relative difference "
          f"{worst:.3g}")


if __name__ == "__main__":
    main()
