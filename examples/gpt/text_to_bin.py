#!/usr/bin/env python3
"""Turns a text file into a byte-level token file for pxc training programs.

Every byte of the input (UTF-8 text is simply its bytes) becomes one token,
so the vocabulary is 256 (ids 0..255) and no tokenizer is needed. The output
is nanoGPT's format: raw little-endian uint16 ids, no header, which the
generated program reads with --data=OUT.bin (--data-dtype=uint16, the
default). The model's vocabulary must be at least 256.

    python3 examples/gpt/text_to_bin.py input.txt train.bin
    python3 examples/gpt/text_to_bin.py input.txt train.bin \\
        --val val.bin --val-fraction 0.1     # last 10% of the bytes -> val

Only the standard library is used.
"""
import argparse
import os
import sys


def write_tokens(path, data):
    # One little-endian uint16 per byte: the byte, then a zero high byte.
    ids = bytearray(2 * len(data))
    ids[0::2] = data
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(ids)
    os.replace(tmp, path)  # never leave a half-written file under `path`


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("input", help="text file (read as bytes)")
    parser.add_argument("output", help="token file to write (uint16)")
    parser.add_argument("--val", help="also write the tail to this file")
    parser.add_argument("--val-fraction", type=float, default=0.1,
                        help="share of the bytes for --val (default 0.1)")
    args = parser.parse_args()
    try:
        with open(args.input, "rb") as f:
            data = f.read()
    except OSError as e:
        sys.exit(f"error: {args.input}: {e.strerror}")
    if not data:
        sys.exit(f"error: {args.input}: empty file")
    train = data
    if args.val:
        if not 0 < args.val_fraction < 1:
            sys.exit("error: --val-fraction must be between 0 and 1")
        cut = len(data) - max(1, int(len(data) * args.val_fraction))
        if cut < 1:
            sys.exit(f"error: {args.input}: too short to split")
        train = data[:cut]
        write_tokens(args.val, data[cut:])
        print(f"{args.val}: {len(data) - cut} tokens")
    write_tokens(args.output, train)
    print(f"{args.output}: {len(train)} tokens (byte-level, vocab 256)")


if __name__ == "__main__":
    main()
