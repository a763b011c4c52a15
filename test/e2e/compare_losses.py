#!/usr/bin/env python3
"""Compares the per-step `loss` (and `grad_norm`) lists of two training
metrics JSON files: same steps, every step within rtol (relative). A run
resumed from a checkpoint records its `first_step`; it is compared with the
same steps of the other run. Prints the worst step; exits 1 on a
mismatch."""
import argparse
import json
import sys


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("expected")
    ap.add_argument("actual")
    ap.add_argument("--rtol", type=float, required=True)
    ap.add_argument("--keys", default="loss,grad_norm")
    args = ap.parse_args()
    a, b = json.load(open(args.expected)), json.load(open(args.actual))
    ok = True
    first = a.get("first_step", 0), b.get("first_step", 0)
    for key in args.keys.split(","):
        x, y = a[key], b[key]
        # Align both on the later first step; every step of the run that
        # starts later must be in the other.
        start = max(first)
        x, y = x[start - first[0]:], y[start - first[1]:]
        later = y if first[1] >= first[0] else x
        if not later or min(len(x), len(y)) != len(later) or \
                (first[0] == first[1] and len(x) != len(y)):
            print(f"{key}: {len(x)} steps vs {len(y)} from step {start}")
            return 1
        x, y = x[:len(later)], y[:len(later)]
        rel = [abs(p - q) / max(abs(p), 1e-30) for p, q in zip(x, y)]
        worst = max(range(len(rel)), key=rel.__getitem__)
        print(f"{key}: worst relative difference {rel[worst]:.3g} at step "
              f"{start + worst} ({x[worst]!r} vs {y[worst]!r})")
        ok &= rel[worst] <= args.rtol
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
