#!/usr/bin/env python3
"""Runs libonnx-testdata node tests through pxc on several meshes and checks
the outputs against output_*.pb (numpy.testing's allclose with ONNX's
backend-test tolerances, rtol 1e-3, atol 1e-7; exact for integers and
booleans).

Only the models pxc claims (ops, opset and element types supported, see
onnx_testdata_sweep.py) run. Each is compiled with the SBP search free to
shard it (--mesh=N), run with test_data_set_0's inputs, and compared.
Prints pass counts per mesh and every failure; exits 1 if there is one.

    onnx_conformance.py --pxc build/bin/pxc --meshes 1,2,4 [--every 8]
"""
import argparse
import glob
import os
import shutil
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import onnx
from onnx import numpy_helper

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from onnx_testdata_sweep import (classify, constant_args, excluded,  # noqa
                                 shape_args, test_inputs)


def run(cmd, timeout=300):
    try:
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           timeout=timeout, text=True)
        return p.returncode, (p.stdout + p.stderr).strip()
    except subprocess.TimeoutExpired:
        return None, "timeout"


def proto_array(t):
    """The tensor of a TensorProto; bfloat16 as its raw uint16 bits."""
    if t.data_type == onnx.TensorProto.BFLOAT16:
        if t.raw_data:
            return np.frombuffer(t.raw_data, np.uint16).reshape(t.dims)
        return np.array(t.int32_data, np.uint16).reshape(t.dims)
    return numpy_helper.to_array(t)


def fix_bfloat16(pb, info, work):
    """ONNX 1.12's test data stores bfloat16 tensors as uint16: relabel
    them when the model declares bfloat16."""
    t = onnx.TensorProto()
    with open(pb, "rb") as f:
        t.ParseFromString(f.read())
    declared = info.type.tensor_type.elem_type
    if not (declared == onnx.TensorProto.BFLOAT16 and
            t.data_type == onnx.TensorProto.UINT16):
        return pb
    t.data_type = onnx.TensorProto.BFLOAT16
    if not t.raw_data:
        t.raw_data = np.array(t.int32_data, np.uint16).tobytes()
        del t.int32_data[:]
    fixed = os.path.join(work, info.name + "-" + os.path.basename(
        os.path.dirname(os.path.dirname(pb))) + ".pb")
    with open(fixed, "wb") as f:
        f.write(t.SerializeToString())
    return fixed


def contradiction(test_dir, model):
    """Why a test's data contradict its model (an input whose data shape is
    not the static shape the model declares), or None. ONNX 1.12's CastLike
    tests to and from bfloat16 store a [1] 'like' for a declared [3, 4]."""
    for info, _, t in test_inputs(test_dir, model):
        dims = [d.dim_value if d.HasField("dim_value") else None
                for d in info.type.tensor_type.shape.dim]
        if None not in dims and list(t.dims) != dims:
            return (f"input '{info.name}' is declared {dims} but its data "
                    f"is {list(t.dims)}")
    return None


def check_one(pxc, test_dir, mesh, work):
    model_path = os.path.join(test_dir, "model.onnx")
    model = onnx.load(model_path)
    out = os.path.join(work, os.path.basename(test_dir) + "-" + mesh)
    base = [pxc, model_path, "--mesh=" + mesh, "--cxx-flags=-O0", "-o", out]
    base += shape_args(test_dir, model)
    code, log = run(base)
    bound = []
    if code == 1 and "must be" in log and "constant" in log:
        bound = constant_args(test_dir, model)
        code, log = run(base + bound)
    if code != 0:
        return "compile", log.splitlines()[-1:] if log else []
    bound_names = {b.split("=")[1] for b in bound}
    inputs = [fix_bfloat16(pb, info, work)
              for info, pb, _ in test_inputs(test_dir, model)
              if info.name not in bound_names]
    cmd = [os.path.join(out, "model"), "--quiet", "--outputs=" + out + "/out"]
    if inputs:
        cmd.append("--inputs=" + ",".join(inputs))
    code, log = run(cmd)
    if code != 0:
        return "run", log.splitlines()[-1:] if log else []
    for k, output in enumerate(model.graph.output):
        expected_pb = os.path.join(test_dir, "test_data_set_0",
                                   f"output_{k}.pb")
        t = onnx.TensorProto()
        with open(expected_pb, "rb") as f:
            t.ParseFromString(f.read())
        expected = proto_array(t)
        got_pb = os.path.join(out, "out", output.name + ".pb")
        g = onnx.TensorProto()
        with open(got_pb, "rb") as f:
            g.ParseFromString(f.read())
        got = proto_array(g)
        if got.shape != expected.shape:
            return "shape", [f"{output.name}: {got.shape} vs {expected.shape}"]
        if expected.dtype == np.uint16 and got.dtype == np.uint16:
            # bfloat16 bits: allow one unit in the last place.
            if np.max(np.abs(got.astype(np.int64) - expected)) > 1:
                return "values", [f"{output.name}: bfloat16 bits differ"]
        elif expected.dtype.kind in "biu":
            if not np.array_equal(got, expected):
                return "values", [f"{output.name}: integers differ"]
        elif not np.allclose(got.astype(np.float64),
                             expected.astype(np.float64), rtol=1e-3,
                             atol=1e-7, equal_nan=True):
            diff = np.nanmax(np.abs(got.astype(np.float64) - expected))
            return "values", [f"{output.name}: max |diff| {diff:.3g}"]
    shutil.rmtree(out, ignore_errors=True)
    return "pass", []


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--pxc", required=True)
    ap.add_argument("--data", default="/usr/share/libonnx-testdata/data/node")
    ap.add_argument("--meshes", default="1,2,4")
    ap.add_argument("--every", type=int, default=1,
                    help="only every N-th claimed model (a fast subset)")
    ap.add_argument("-j", "--jobs", type=int, default=os.cpu_count() or 2)
    args = ap.parse_args()

    supported = set(subprocess.run([args.pxc, "--list-onnx-ops"], check=True,
                                   capture_output=True,
                                   text=True).stdout.split())
    dirs = sorted(d for d in glob.glob(os.path.join(args.data, "test_*"))
                  if os.path.exists(os.path.join(d, "model.onnx")))
    claimed = [d for d in dirs
               if not excluded(os.path.basename(d)) and
               classify(onnx.load(os.path.join(d, "model.onnx")), supported)]
    # Tests whose data contradict their model cannot pass or fail.
    broken = {}
    for d in claimed:
        reason = contradiction(d, onnx.load(os.path.join(d, "model.onnx")))
        if reason:
            broken[d] = reason
            print(f"skipped: {os.path.basename(d)}: {reason}")
    claimed = [d for d in claimed if d not in broken]
    claimed = claimed[::args.every]
    meshes = args.meshes.split(",")
    jobs = [(d, m) for m in meshes for d in claimed]
    with tempfile.TemporaryDirectory() as work, \
            ThreadPoolExecutor(max_workers=args.jobs) as pool:
        results = list(pool.map(
            lambda job: (job, check_one(args.pxc, job[0], job[1], work)),
            jobs))
    failures = 0
    for mesh in meshes:
        mine = [r for r in results if r[0][1] == mesh]
        passed = sum(1 for _, (status, _) in mine if status == "pass")
        print(f"mesh {mesh}: {passed} / {len(mine)} pass")
        for (d, _), (status, detail) in mine:
            if status != "pass":
                failures += 1
                print(f"  {os.path.basename(d)}: {status} {detail}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
