#!/usr/bin/env python3
"""Turns ONNX's textual syntax into a binary .onnx model, for lit tests.

Lines starting with '#' (RUN/CHECK lines of the test) are skipped; with
--split N only the N-th chunk between '# -----' lines is used. Nodes get
names '<OpType>_<index>' unless --keep-unnamed is given, so diagnostics and
locations can be checked.

    onnx_text.py test.onnxtxt -o model.onnx
"""
import argparse
import sys

import onnx
import onnx.parser


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("input")
    ap.add_argument("-o", "--output", required=True)
    ap.add_argument("--keep-unnamed", action="store_true")
    ap.add_argument("--split", type=int, default=None,
                    help="use the N-th chunk separated by '# -----' lines")
    args = ap.parse_args()

    text = open(args.input).read()
    if args.split is not None:
        text = text.split("# -----")[args.split]
    lines = [l for l in text.splitlines()
             if not l.lstrip().startswith(("#", "//"))]
    model = onnx.parser.parse_model("\n".join(lines))
    if not args.keep_unnamed:
        for i, node in enumerate(model.graph.node):
            if not node.name:
                node.name = f"{node.op_type}_{i}"
    onnx.save(model, args.output)
    return 0


if __name__ == "__main__":
    sys.exit(main())
