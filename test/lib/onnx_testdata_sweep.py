#!/usr/bin/env python3
"""Imports every libonnx-testdata node model with pxc.

A model is *claimed* when pxc supports all its ops (default domain), its
opset (13-17) and all its element types. Claimed models must import; all
others must be rejected with a one-line diagnostic and exit status 1 (never
a crash or a hang). Prints the counts and every unexpected result; exits 1
if there is one.

    onnx_testdata_sweep.py --pxc build/bin/pxc [--data DIR] [-v]
"""
import argparse
import glob
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import onnx

SUPPORTED_TYPES = {1, 6, 7, 9, 10, 11, 16}  # f32 i32 i64 bool f16 f64 bf16


def tensor_types(model):
    g = model.graph
    for vi in list(g.input) + list(g.output):
        if vi.type.HasField("tensor_type"):
            yield vi.type.tensor_type.elem_type
        else:
            yield -1
    for init in g.initializer:
        yield init.data_type
    for node in g.node:
        for a in node.attribute:
            if a.name == "to":
                yield a.i


def opset_of(model):
    for o in model.opset_import:
        if o.domain in ("", "ai.onnx"):
            return o.version
    return None


# Features pxc deliberately leaves out, by test-name prefix.
EXCLUDED = {
    "test_training_dropout": "random dropout masks (inference Dropout and "
                             "ratio 0 are supported)",
}


def excluded(name):
    for prefix, reason in EXCLUDED.items():
        if name.startswith(prefix) and "zero_ratio" not in name:
            return reason
    return None


def test_inputs(test_dir, model):
    """(name, .pb path, TensorProto) of the graph inputs of data set 0."""
    inits = {i.name for i in model.graph.initializer}
    infos = [i for i in model.graph.input if i.name not in inits]
    for k, info in enumerate(infos):
        pb = os.path.join(test_dir, "test_data_set_0", f"input_{k}.pb")
        if os.path.exists(pb):
            t = onnx.TensorProto()
            with open(pb, "rb") as f:
                t.ParseFromString(f.read())
            yield info, pb, t


def shape_args(test_dir, model):
    """--shape options for inputs with symbolic dimensions."""
    args = []
    for info, _, t in test_inputs(test_dir, model):
        dims = info.type.tensor_type.shape.dim
        if any(not d.HasField("dim_value") for d in dims):
            args.append("--shape=%s=%s" % (info.name,
                                           "x".join(map(str, t.dims))))
    return args


def constant_args(test_dir, model):
    """Binds small inputs (shape operands such as axes, starts, k) to their
    test values, which pxc needs at compile time."""
    args = []
    for info, pb, t in test_inputs(test_dir, model):
        n = 1
        for d in t.dims:
            n *= d
        if n <= 16:
            args.append("--constant-input=%s=%s" % (info.name, pb))
    return args


def classify(model, supported):
    if opset_of(model) is None or not 13 <= opset_of(model) <= 17:
        return False
    for node in model.graph.node:
        if node.domain not in ("", "ai.onnx") or node.op_type not in supported:
            return False
    return all(t in SUPPORTED_TYPES for t in tensor_types(model))


def run_pxc(cmd):
    try:
        p = subprocess.run(cmd, stdout=subprocess.DEVNULL,
                           stderr=subprocess.PIPE, timeout=60, text=True)
    except subprocess.TimeoutExpired:
        return None, ""
    return p.returncode, p.stderr.strip()


def run_one(pxc, test_dir, supported):
    path = os.path.join(test_dir, "model.onnx")
    model = onnx.load(path)
    claimed = classify(model, supported)
    if excluded(os.path.basename(test_dir)):
        claimed = False
    cmd = [pxc, path] + shape_args(test_dir, model)
    code, err = run_pxc(cmd)
    if code == 1 and "must be" in err and "constant" in err:
        code, err = run_pxc(cmd + constant_args(test_dir, model))
    if code is None:
        return test_dir, claimed, "hang", ""
    if code == 0:
        status = "imported"
    elif code == 1 and err.count("\n") == 0 and "error:" in err:
        status = "rejected"
    else:
        status = "crash(%d)" % code
    return test_dir, claimed, status, err


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--pxc", required=True)
    ap.add_argument("--data", default="/usr/share/libonnx-testdata/data/node")
    ap.add_argument("-v", "--verbose", action="store_true")
    args = ap.parse_args()

    supported = set(subprocess.run([args.pxc, "--list-onnx-ops"], check=True,
                                   capture_output=True,
                                   text=True).stdout.split())
    dirs = sorted(d for d in glob.glob(os.path.join(args.data, "test_*"))
                  if os.path.exists(os.path.join(d, "model.onnx")))
    if not dirs:
        print("no test models under " + args.data)
        return 1
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        results = list(pool.map(lambda d: run_one(args.pxc, d, supported),
                                dirs))
    claimed = [r for r in results if r[1]]
    imported = [r for r in claimed if r[2] == "imported"]
    unexpected = [r for r in results
                  if (r[1] and r[2] != "imported") or
                  (not r[1] and r[2] not in ("rejected", "imported"))]
    extra = [r for r in results if not r[1] and r[2] == "imported"]
    print("node models: %d" % len(results))
    print("claimed (ops, opset and types supported): %d" % len(claimed))
    for prefix, reason in EXCLUDED.items():
        print("not claimed: %s*: %s" % (prefix, reason))
    print("imported: %d / %d claimed" % (len(imported), len(claimed)))
    print("also imported though not claimed: %d" % len(extra))
    print("rejected with a diagnostic: %d" %
          sum(1 for r in results if r[2] == "rejected"))
    print("unexpected: %d" % len(unexpected))
    for d, c, status, err in unexpected:
        print("  %s: %s (claimed=%s) %s" % (os.path.basename(d), status, c,
                                            err.splitlines()[:3]))
    if args.verbose:
        for d, c, status, err in results:
            print("%s %s %s %s" % (os.path.basename(d), c, status, err))
    return 1 if unexpected else 0


if __name__ == "__main__":
    sys.exit(main())
