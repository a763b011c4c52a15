#!/usr/bin/env python3
"""Compares two .npy tensors: same shape and dtype, and every element within
rtol * max(|expected|) + atol. Prints the worst difference; exits 1 on a
mismatch."""
import argparse
import sys

import numpy as np


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("expected")
    ap.add_argument("actual")
    ap.add_argument("--rtol", type=float, default=1e-5)
    ap.add_argument("--atol", type=float, default=0.0)
    args = ap.parse_args()
    a, b = np.load(args.expected), np.load(args.actual)
    if a.shape != b.shape or a.dtype != b.dtype:
        print(f"mismatch: {a.dtype}{a.shape} vs {b.dtype}{b.shape}")
        return 1
    if a.dtype == np.bool_ or np.issubdtype(a.dtype, np.integer):
        ok = np.array_equal(a, b)
        print("equal" if ok else "integer mismatch")
        return 0 if ok else 1
    scale = float(np.max(np.abs(a))) if a.size else 0.0
    diff = float(np.max(np.abs(a.astype(np.float64) - b))) if a.size else 0.0
    ok = diff <= args.rtol * scale + args.atol
    print(f"max |difference| {diff:.3g} (scale {scale:.3g})")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
