#!/usr/bin/env python3
"""Compares the per-step `loss` (and `grad_norm`) lists of two training
metrics JSON files: same length, every step within rtol (relative). Prints
the worst step; exits 1 on a mismatch."""
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
    for key in args.keys.split(","):
        x, y = a[key], b[key]
        if len(x) != len(y) or not x:
            print(f"{key}: {len(x)} steps vs {len(y)}")
            return 1
        rel = [abs(p - q) / max(abs(p), 1e-30) for p, q in zip(x, y)]
        worst = max(range(len(rel)), key=rel.__getitem__)
        print(f"{key}: worst relative difference {rel[worst]:.3g} at step "
              f"{worst} ({x[worst]!r} vs {y[worst]!r})")
        ok &= rel[worst] <= args.rtol
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
