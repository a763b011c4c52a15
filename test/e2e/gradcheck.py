#!/usr/bin/env python3
"""Checks every px op's VJP rule (px-autodiff) against central finite
differences of the same compiled program.

All cases live in one f64 module, so one host compile covers them. Case c
has parameters p (px.parameter with inline random values) and computes
loss_c = sum(op(p + d) * r) with a fixed random r, where d are function
inputs (zeros for the gradient run). The total f32 loss (first result, what
px-autodiff differentiates) is the sum of the loss_c, each also returned in
f64. A run with d = 0 gives grad:<p>; runs with d = +-eps e_j (element j of
every case's parameters at once: a case's loss only depends on its own)
give the central differences of every loss_c.

    gradcheck.py --pxc build/bin/pxc --pxc-opt build/bin/pxc-opt -w DIR
"""
import argparse
import os
import subprocess
import sys

import numpy as np

RNG = np.random.default_rng(7)


def t(shape, elt="f64"):
    return "tensor<" + "".join(f"{d}x" for d in shape) + elt + ">"


def mlir_dense(a, elt):
    """An inline dense attribute with exact (repr) values."""
    def item(v):
        if elt == "i1":
            return "true" if v else "false"
        return str(int(v)) if elt.startswith("i") else repr(float(v))

    def nested(x):
        if x.ndim == 0:
            return item(x)
        return "[" + ", ".join(nested(y) for y in x) + "]"
    return f"dense<{nested(np.asarray(a))}> : {t(np.shape(a), elt)}"


def uniform(shape, lo=-1.0, hi=1.0):
    return RNG.uniform(lo, hi, size=shape)


def away_from_zero(shape, lo=0.3, hi=1.2):
    return RNG.uniform(lo, hi, size=shape) * RNG.choice([-1.0, 1.0], size=shape)


class Case:
    """One op under test: parameters, MLIR body, result value and shape."""

    def __init__(self, name, eps=1e-5, rtol=1e-6):
        self.name, self.eps, self.rtol = name, eps, rtol
        self.params = {}  # name -> value
        self.lines = []
        self.n = 0

    def value(self):
        self.n += 1
        return f"%{self.name}_{self.n}"

    def param(self, pname, value):
        self.params[pname] = np.asarray(value, dtype=np.float64)
        return f"%{self.name}_{pname}"

    def const(self, value, elt):
        v = self.value()
        self.lines.append(f"{v} = px.constant {mlir_dense(np.asarray(value), elt)}")
        return v

    def op(self, text):
        v = self.value()
        self.lines.append(f"{v} = {text}")
        return v


def unary_case(name, op, value, attrs=""):
    c = Case(name)
    x = c.param("x", value)
    return c, c.op(f"px.{op} {x}{attrs} : {t((2, 3))}"), (2, 3)


def binary_case(name, op, a, b):
    c = Case(name)
    x, y = c.param("a", a), c.param("b", b)
    out = np.broadcast_shapes(np.shape(a), np.shape(b))
    return c, c.op(f"px.{op} {x}, {y} : ({t(np.shape(a))}, {t(np.shape(b))}) "
                   f"-> {t(out)}"), out


def separated(base_shape, other_shape):
    """a, b with |a - b| >= 0.2 everywhere (after broadcasting): max/min
    stay away from their kink."""
    a = uniform(base_shape)
    return a, a + away_from_zero(other_shape, 0.2, 1.0)


def build_cases():
    cases = []

    def add(case_and_out):
        cases.append(case_and_out)

    # Linear algebra.
    c = Case("matmul")
    a, b = c.param("a", uniform((2, 3))), c.param("b", uniform((3, 4)))
    add((c, c.op(f"px.matmul {a}, {b} : ({t((2, 3))}, {t((3, 4))}) -> {t((2, 4))}"), (2, 4)))
    c = Case("matmul_bcast")
    a, b = c.param("a", uniform((2, 1, 2, 3))), c.param("b", uniform((3, 3, 2)))
    add((c, c.op(f"px.matmul {a}, {b} : ({t((2, 1, 2, 3))}, {t((3, 3, 2))}) -> "
                 f"{t((2, 3, 2, 2))}"), (2, 3, 2, 2)))
    c = Case("linear_bias")
    x, w, b = (c.param("x", uniform((2, 3, 4))), c.param("w", uniform((4, 5))),
               c.param("b", uniform((5,))))
    add((c, c.op(f"px.linear {x}, {w}, {b} : ({t((2, 3, 4))}, {t((4, 5))}, "
                 f"{t((5,))}) -> {t((2, 3, 5))}"), (2, 3, 5)))
    c = Case("linear_transposed")
    x, w = c.param("x", uniform((3, 4))), c.param("w", uniform((5, 4)))
    add((c, c.op(f"px.linear {x}, {w} {{transpose_w}} : ({t((3, 4))}, "
                 f"{t((5, 4))}) -> {t((3, 5))}"), (3, 5)))

    # Broadcasting binary ops.
    add(binary_case("add", "add", uniform((2, 3)), uniform((3,))))
    add(binary_case("sub", "sub", uniform((2, 1)), uniform((2, 3))))
    add(binary_case("mul", "mul", uniform((2, 3)), uniform((2, 1))))
    add(binary_case("div", "div", uniform((2, 3)), away_from_zero((3,), 0.5, 1.5)))
    add(binary_case("pow", "pow", uniform((2, 3), 0.5, 1.5), uniform((3,), -1.0, 2.0)))
    a, b = separated((2, 3), (2, 3))
    add(binary_case("max", "max", a, b))
    a, b = separated((3,), (2, 3))
    add(binary_case("min", "min", a, b))

    c = Case("where")
    cond = c.const(RNG.integers(0, 2, size=(2, 3)).astype(bool), "i1")
    x, y = c.param("x", uniform((2, 3))), c.param("y", uniform((3,)))
    add((c, c.op(f"px.where {cond}, {x}, {y} : ({t((2, 3), 'i1')}, {t((2, 3))}, "
                 f"{t((3,))}) -> {t((2, 3))}"), (2, 3)))

    # Unary math.
    positive = lambda: uniform((2, 3), 0.5, 1.5)
    for op, value in [("neg", uniform((2, 3))), ("abs", away_from_zero((2, 3))),
                      ("exp", uniform((2, 3))), ("log", positive()),
                      ("sqrt", positive()), ("rsqrt", positive()),
                      ("reciprocal", away_from_zero((2, 3), 0.5, 1.5)),
                      ("tanh", uniform((2, 3))), ("erf", uniform((2, 3))),
                      ("sin", uniform((2, 3), -3, 3)), ("cos", uniform((2, 3), -3, 3)),
                      ("relu", away_from_zero((2, 3))), ("sigmoid", uniform((2, 3), -3, 3))]:
        add(unary_case(op, op, value))
    add(unary_case("gelu", "gelu", uniform((2, 3), -3, 3)))
    add(unary_case("gelu_tanh", "gelu", uniform((2, 3), -3, 3), " approximate = tanh"))

    # cast f64 -> f32 -> f64 around a square: central differences of a
    # quadratic are exact, what remains is f32 rounding (~1e-7 / eps).
    c = Case("cast", eps=1e-2, rtol=1e-4)
    x = c.param("x", uniform((2, 3)))
    x32 = c.op(f"px.cast {x} : {t((2, 3))} to {t((2, 3), 'f32')}")
    sq = c.op(f"px.mul {x32}, {x32} : ({t((2, 3), 'f32')}, {t((2, 3), 'f32')}) -> "
              f"{t((2, 3), 'f32')}")
    add((c, c.op(f"px.cast {sq} : {t((2, 3), 'f32')} to {t((2, 3))}"), (2, 3)))

    # Normalization.
    c = Case("softmax")
    x = c.param("x", uniform((2, 4), -2, 2))
    add((c, c.op(f"px.softmax {x} {{axis = 1 : i64}} : {t((2, 4))}"), (2, 4)))
    c = Case("log_softmax")
    x = c.param("x", uniform((3, 2), -2, 2))
    add((c, c.op(f"px.log_softmax {x} {{axis = 0 : i64}} : {t((3, 2))}"), (3, 2)))
    c = Case("layer_norm")
    x, s, b = (c.param("x", uniform((2, 3, 4))), c.param("scale", uniform((3, 4))),
               c.param("bias", uniform((3, 4))))
    add((c, c.op(f"px.layer_norm {x} scale {s} bias {b} {{axis = 1 : i64, "
                 f"epsilon = 1.0e-05 : f64}} : ({t((2, 3, 4))}, {t((3, 4))}, "
                 f"{t((3, 4))}) -> {t((2, 3, 4))}"), (2, 3, 4)))
    c = Case("layer_norm_plain")
    x = c.param("x", uniform((2, 5)))
    add((c, c.op(f"px.layer_norm {x} {{axis = 1 : i64, epsilon = 1.0e-05 : f64}} "
                 f": ({t((2, 5))}) -> {t((2, 5))}"), (2, 5)))
    c = Case("rms_norm")
    x, s = c.param("x", uniform((2, 4))), c.param("scale", uniform((4,)))
    add((c, c.op(f"px.rms_norm {x} scale {s} {{axis = 1 : i64, epsilon = 1.0e-06 "
                 f": f64}} : ({t((2, 4))}, {t((4,))}) -> {t((2, 4))}"), (2, 4)))

    # Data movement.
    c = Case("gather_embedding")
    w = c.param("w", uniform((5, 3)))
    idx = c.const(np.array([[0, 4], [-1, 2]]), "i64")  # -1 repeats row 4
    add((c, c.op(f"px.gather {w}[{idx}] {{axis = 0 : i64}} : ({t((5, 3))}, "
                 f"{t((2, 2), 'i64')}) -> {t((2, 2, 3))}"), (2, 2, 3)))
    c = Case("gather_axis1")
    w = c.param("w", uniform((2, 4, 3)))
    idx = c.const(np.array([1, 3, 1]), "i32")
    add((c, c.op(f"px.gather {w}[{idx}] {{axis = 1 : i64}} : ({t((2, 4, 3))}, "
                 f"{t((3,), 'i32')}) -> {t((2, 3, 3))}"), (2, 3, 3)))
    c = Case("scatter_add")
    u = c.param("u", uniform((3, 2)))
    idx = c.const(np.array([1, 3, -3]), "i64")  # -3 repeats row 1
    add((c, c.op(f"px.scatter_add {u}[{idx}] {{axis = 0 : i64}} : ({t((3, 2))}, "
                 f"{t((3,), 'i64')}) -> {t((4, 2))}"), (4, 2)))
    c = Case("reshape")
    x = c.param("x", uniform((2, 6)))
    add((c, c.op(f"px.reshape {x} : {t((2, 6))} to {t((3, 4))}"), (3, 4)))
    c = Case("transpose")
    x = c.param("x", uniform((2, 3, 4)))
    add((c, c.op(f"px.transpose {x} [2, 0, 1] : {t((2, 3, 4))} to {t((4, 2, 3))}"),
         (4, 2, 3)))
    c = Case("expand")
    x = c.param("x", uniform((3, 1)))
    add((c, c.op(f"px.expand {x} : {t((3, 1))} to {t((2, 3, 4))}"), (2, 3, 4)))
    c = Case("concat")
    a, b, d = (c.param("a", uniform((2, 1))), c.param("b", uniform((2, 3))),
               c.param("c", uniform((2, 2))))
    add((c, c.op(f"px.concat {a}, {b}, {d} {{axis = 1 : i64}} : ({t((2, 1))}, "
                 f"{t((2, 3))}, {t((2, 2))}) -> {t((2, 6))}"), (2, 6)))
    c = Case("split")
    x = c.param("x", uniform((5, 2)))
    p0, p1 = c.value(), c.value()
    c.lines.append(f"{p0}, {p1} = px.split {x} {{axis = 0 : i64}} : ({t((5, 2))}) "
                   f"-> ({t((2, 2))}, {t((3, 2))})")
    # Only the second piece is used: the first gets a zero cotangent.
    add((c, p1, (3, 2)))
    c = Case("slice")
    x = c.param("x", uniform((6, 5)))
    add((c, c.op(f"px.slice {x} offsets = [1, 4] sizes = [2, 3] strides = [2, -1] "
                 f": {t((6, 5))} to {t((2, 3))}"), (2, 3)))
    c = Case("slice_stride3")
    x = c.param("x", uniform((7, 2)))
    add((c, c.op(f"px.slice {x} offsets = [5, 0] sizes = [2, 2] strides = [-3, 1] "
                 f": {t((7, 2))} to {t((2, 2))}"), (2, 2)))
    c = Case("trilu")
    x = c.param("x", uniform((3, 4)))
    add((c, c.op(f"px.trilu {x} : {t((3, 4))}"), (3, 4)))
    c = Case("trilu_upper")
    x = c.param("x", uniform((2, 3, 3)))
    add((c, c.op(f"px.trilu {x} upper {{k = 1 : i64}} : {t((2, 3, 3))}"), (2, 3, 3)))

    # Reductions and loss.
    c = Case("reduce_sum")
    x = c.param("x", uniform((2, 3, 4)))
    add((c, c.op(f"px.reduce sum {x} [1] keepdims : {t((2, 3, 4))} to {t((2, 1, 4))}"),
         (2, 1, 4)))
    c = Case("reduce_mean")
    x = c.param("x", uniform((2, 3, 4)))
    add((c, c.op(f"px.reduce mean {x} [0, 2] : {t((2, 3, 4))} to {t((3,))}"), (3,)))
    c = Case("reduce_max")
    x = c.param("x", uniform((3, 4)))
    add((c, c.op(f"px.reduce max {x} [1] : {t((3, 4))} to {t((3,))}"), (3,)))
    c = Case("reduce_min")
    x = c.param("x", uniform((3, 4)))
    add((c, c.op(f"px.reduce min {x} [0] keepdims : {t((3, 4))} to {t((1, 4))}"),
         (1, 4)))
    c = Case("cross_entropy_mean")
    x = c.param("logits", uniform((4, 5), -2, 2))
    labels = c.const(np.array([1, 2, 4, 0]), "i64")  # 2 is ignored
    add((c, c.op(f"px.cross_entropy {x}, {labels} ignore_index = 2 : "
                 f"({t((4, 5))}, {t((4,), 'i64')}) -> {t(())}"), ()))
    c = Case("cross_entropy_sum")
    x = c.param("logits", uniform((2, 3, 4), -2, 2))
    labels = c.const(RNG.integers(0, 4, size=(2, 3)), "i32")
    add((c, c.op(f"px.cross_entropy {x}, {labels} reduction = sum : "
                 f"({t((2, 3, 4))}, {t((2, 3), 'i32')}) -> {t(())}"), ()))
    c = Case("cross_entropy_none")
    x = c.param("logits", uniform((3, 4), -2, 2))
    labels = c.const(np.array([3, 0, 1]), "i64")
    add((c, c.op(f"px.cross_entropy {x}, {labels} reduction = none : "
                 f"({t((3, 4))}, {t((3,), 'i64')}) -> {t((3,))}"), (3,)))
    return cases


def build_module(cases):
    """The f64 module: inputs d:<case>.<param>, results loss (f32) and
    loss:<case> (f64)."""
    args, body, losses = [], [], []
    for c, out, shape in cases:
        for pname, value in c.params.items():
            var = f"%{c.name}_{pname}"
            d = f"%d_{c.name}_{pname}"
            args.append(f"{d}: {t(value.shape)} {{px.name = \"d:{c.name}.{pname}\"}}")
            body.append(f"{var}_0 = px.parameter \"{c.name}.{pname}\" : "
                        f"{t(value.shape)} init = {mlir_dense(value, 'f64')}")
            body.append(f"{var} = px.add {var}_0, {d} : ({t(value.shape)}, "
                        f"{t(value.shape)}) -> {t(value.shape)}")
        r = c.const(uniform(shape), "f64")
        body.extend(c.lines)
        loss = f"%{c.name}_weighted"
        body.append(f"{loss} = px.mul {out}, {r} : ({t(shape)}, {t(shape)}) "
                    f"-> {t(shape)}")
        if shape:
            axes = ", ".join(str(i) for i in range(len(shape)))
            loss = f"%{c.name}_loss"
            body.append(f"{loss} = px.reduce sum %{c.name}_weighted [{axes}] : "
                        f"{t(shape)} to {t(())}")
        losses.append(loss)
    total = losses[0]
    for i, l in enumerate(losses[1:]):
        body.append(f"%total_{i} = px.add {total}, {l} : ({t(())}, {t(())}) -> {t(())}")
        total = f"%total_{i}"
    body.append(f"%loss = px.cast {total} : {t(())} to {t((), 'f32')}")
    results = [f"{t((), 'f32')} {{px.name = \"loss\"}}"] + \
        [f"{t(())} {{px.name = \"loss:{c.name}\"}}" for c, _, _ in cases]
    ret_vals = ["%loss"] + losses
    ret_types = [t((), "f32")] + [t(())] * len(cases)
    return "\n".join(
        [f"func.func @main({', '.join(args)}) -> ({', '.join(results)}) {{"] +
        ["  " + line for line in body] +
        [f"  return {', '.join(ret_vals)} : {', '.join(ret_types)}", "}", ""])


def run(cmd):
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode:
        sys.exit(f"failed: {' '.join(cmd)}\n{proc.stdout}{proc.stderr}")


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--pxc", required=True)
    ap.add_argument("--pxc-opt", required=True)
    ap.add_argument("-w", "--workdir", required=True)
    ap.add_argument("--only", help="comma-separated case names")
    a = ap.parse_args()
    os.makedirs(a.workdir, exist_ok=True)
    cases = build_cases()
    if a.only:
        keep = set(a.only.split(","))
        cases = [c for c in cases if c[0].name in keep]
    fwd = os.path.join(a.workdir, "gradcheck.mlir")
    grad = os.path.join(a.workdir, "gradcheck-grad.mlir")
    out = os.path.join(a.workdir, "out")
    with open(fwd, "w") as f:
        f.write(build_module(cases))
    run([a.pxc_opt, fwd, "--px-autodiff", "-o", grad])
    run([a.pxc, grad, "-o", out, "--cxx-flags=-O0"])

    inputs = [(c, pname, value) for c, _, _ in cases for pname, value in c.params.items()]

    written = {}  # input file -> the delta it holds

    def evaluate(tag, deltas):
        files = []
        for (c, pname, value), d in zip(inputs, deltas):
            path = os.path.join(a.workdir, f"in-{c.name}.{pname}.npy")
            if path not in written or not np.array_equal(written[path], d):
                np.save(path, d)
                written[path] = d
            files.append(path)
        odir = os.path.join(a.workdir, f"o-{tag}")
        run([os.path.join(out, "model"), "--inputs=" + ",".join(files),
             "--outputs=" + odir, "--output-format=npy", "--quiet"])
        return odir

    zeros = [np.zeros_like(v) for _, _, v in inputs]
    base = evaluate("base", zeros)
    grads = {(c.name, p): np.load(os.path.join(base, f"grad:{c.name}.{p}.npy"))
             for c, p, _ in inputs}
    # Flat offsets of each parameter within its case.
    sizes = {c.name: sum(v.size for v in c.params.values()) for c, _, _ in cases}
    offsets, seen = [], {}
    for c, p, v in inputs:
        offsets.append(seen.get(c.name, 0))
        seen[c.name] = offsets[-1] + v.size
    fd = {key: np.zeros_like(g) for key, g in grads.items()}
    for j in range(max(sizes.values())):
        losses = []
        for sign in (1, -1):
            deltas = []
            for (c, p, v), off in zip(inputs, offsets):
                d = np.zeros(v.size)
                if off <= j < off + v.size:
                    d[j - off] = sign * c.eps
                deltas.append(d.reshape(v.shape))
            odir = evaluate("fd", deltas)
            losses.append({c.name: float(np.load(os.path.join(odir, f"loss:{c.name}.npy")))
                           for c, _, _ in cases})
        for (c, p, v), off in zip(inputs, offsets):
            if off <= j < off + v.size:
                fd[(c.name, p)].reshape(-1)[j - off] = \
                    (losses[0][c.name] - losses[1][c.name]) / (2 * c.eps)

    failed = 0
    for c, _, _ in cases:
        worst, scale = 0.0, 1.0
        for p in c.params:
            g, n = grads[(c.name, p)], fd[(c.name, p)]
            if g.shape != n.shape or g.dtype != np.float64:
                print(f"{c.name}.{p}: gradient {g.dtype}{g.shape}, expected f64{n.shape}")
                failed += 1
                continue
            worst = max(worst, float(np.max(np.abs(g - n))) if g.size else 0.0)
            scale = max(scale, float(np.max(np.abs(n))) if n.size else 0.0)
        ok = worst <= c.rtol * scale
        failed += not ok
        print(f"{'ok  ' if ok else 'FAIL'} {c.name:20s} max |grad - fd| {worst:.2e} "
              f"(tolerance {c.rtol * scale:.1e})")
    print(f"{len(cases) - failed} of {len(cases)} ops pass")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
