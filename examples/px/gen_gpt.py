#!/usr/bin/env python3
"""Writes a GPT forward pass (logits, or the mean cross-entropy with
--loss) in the px dialect, at any size, with seeded-initializer parameters
(no weight data). Used by examples, tests and the SBP-search benchmark.

    gen_gpt.py --layers 2 --hidden 64 --heads 4 --seq 16 --vocab 128 \
               --batch 8 [--mesh 2x4] [--loss] > gpt.mlir

--inline-init SEED writes every parameter's values inline (seeded random
values around each initializer's mean, so that gradients are not trivially
symmetric) and --save-params FILE.npz saves them, for comparisons with
PyTorch.

GPT-3 175B: --layers 96 --hidden 12288 --heads 96 --seq 2048 --vocab 51200
"""
import argparse
import sys


class Emitter:
    def __init__(self):
        self.lines = []
        self.next_id = 0

    def value(self):
        self.next_id += 1
        return f"%v{self.next_id}"

    def op(self, text):
        name = self.value()
        self.lines.append(f"  {name} = {text}")
        return name


def t(*dims, elt="f32"):
    return "tensor<" + "x".join(str(d) for d in dims) + ("x" if dims else "") + elt + ">"


def nested_list(value):
    """numpy array -> MLIR dense literal body (exact repr of each value)."""
    if value.ndim == 0:
        return repr(float(value))
    return "[" + ", ".join(nested_list(v) for v in value) + "]"


# Set by --inline-init: a numpy Generator and the values written so far.
INLINE = {"rng": None, "values": {}}


def param(e, name, *shape, init="#px.init<normal, 0.0, 0.02>"):
    rng = INLINE["rng"]
    if rng is not None:
        import numpy as np
        mean = {"#px.init<ones>": 1.0, "#px.init<zeros>": 0.0}.get(init, 0.0)
        std = 0.3 if mean == 0.0 and "normal" in init else 0.1
        value = (mean + std * rng.standard_normal(shape)).astype(np.float32)
        INLINE["values"][name] = value
        init = f"dense<{nested_list(value)}> : {t(*shape)}"
    return e.op(f'px.parameter "{name}" : {t(*shape)} init = {init}')


def layer_norm(e, x, name, B, T, H):
    g = param(e, f"{name}.weight", H, init="#px.init<ones>")
    b = param(e, f"{name}.bias", H, init="#px.init<zeros>")
    return e.op(f"px.layer_norm {x} scale {g} bias {b} {{axis = 2 : i64, "
                f"epsilon = 1.0e-05 : f64}} : ({t(B, T, H)}, {t(H)}, {t(H)}) "
                f"-> {t(B, T, H)}")


def linear(e, x, name, B, T, K, N, bias=True):
    w = param(e, f"{name}.weight", K, N)
    if bias:
        b = param(e, f"{name}.bias", N, init="#px.init<zeros>")
        return e.op(f"px.linear {x}, {w}, {b} : ({t(B, T, K)}, {t(K, N)}, "
                    f"{t(N)}) -> {t(B, T, N)}")
    return e.op(f"px.linear {x}, {w} : ({t(B, T, K)}, {t(K, N)}) -> "
                f"{t(B, T, N)}")


def block(e, x, i, a, mask, scale, neg_inf):
    B, T, H, nh = a.batch, a.seq, a.hidden, a.heads
    hs = H // nh
    p = f"h.{i}"
    ln1 = layer_norm(e, x, f"{p}.ln_1", B, T, H)
    if a.fused_qkv:
        qkv = linear(e, ln1, f"{p}.attn.c_attn", B, T, H, 3 * H)
        q, k, v = e.value(), e.value(), e.value()
        e.lines.append(f"  {q}, {k}, {v} = px.split {qkv} {{axis = 2 : i64}} "
                       f": ({t(B, T, 3 * H)}) -> ({t(B, T, H)}, "
                       f"{t(B, T, H)}, {t(B, T, H)})")
    else:
        q, k, v = (linear(e, ln1, f"{p}.attn.{n}_proj", B, T, H, H)
                   for n in "qkv")
    heads = []
    for name, perm, shape in ((q, "[0, 2, 1, 3]", (B, nh, T, hs)),
                              (k, "[0, 2, 3, 1]", (B, nh, hs, T)),
                              (v, "[0, 2, 1, 3]", (B, nh, T, hs))):
        r = e.op(f"px.reshape {name} : {t(B, T, H)} to {t(B, T, nh, hs)}")
        heads.append(e.op(f"px.transpose {r} {perm} : {t(B, T, nh, hs)} to "
                          f"{t(*shape)}"))
    qt, kt, vt = heads
    att = e.op(f"px.matmul {qt}, {kt} : ({t(B, nh, T, hs)}, {t(B, nh, hs, T)})"
               f" -> {t(B, nh, T, T)}")
    att = e.op(f"px.mul {att}, {scale} : ({t(B, nh, T, T)}, {t()}) -> "
               f"{t(B, nh, T, T)}")
    att = e.op(f"px.where {mask}, {att}, {neg_inf} : ({t(T, T, elt='i1')}, "
               f"{t(B, nh, T, T)}, {t()}) -> {t(B, nh, T, T)}")
    att = e.op(f"px.softmax {att} {{axis = 3 : i64}} : {t(B, nh, T, T)}")
    y = e.op(f"px.matmul {att}, {vt} : ({t(B, nh, T, T)}, {t(B, nh, T, hs)}) "
             f"-> {t(B, nh, T, hs)}")
    y = e.op(f"px.transpose {y} [0, 2, 1, 3] : {t(B, nh, T, hs)} to "
             f"{t(B, T, nh, hs)}")
    y = e.op(f"px.reshape {y} : {t(B, T, nh, hs)} to {t(B, T, H)}")
    y = linear(e, y, f"{p}.attn.c_proj", B, T, H, H)
    x = e.op(f"px.add {x}, {y} : ({t(B, T, H)}, {t(B, T, H)}) -> {t(B, T, H)}")
    ln2 = layer_norm(e, x, f"{p}.ln_2", B, T, H)
    h = linear(e, ln2, f"{p}.mlp.c_fc", B, T, H, 4 * H)
    h = e.op(f"px.gelu {h} : {t(B, T, 4 * H)}")
    h = linear(e, h, f"{p}.mlp.c_proj", B, T, 4 * H, H)
    return e.op(f"px.add {x}, {h} : ({t(B, T, H)}, {t(B, T, H)}) -> "
                f"{t(B, T, H)}")


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--layers", type=int, default=2)
    ap.add_argument("--hidden", type=int, default=64)
    ap.add_argument("--heads", type=int, default=4)
    ap.add_argument("--seq", type=int, default=16)
    ap.add_argument("--vocab", type=int, default=128)
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--mesh", help="declare px.mesh @mesh, e.g. 2x4")
    ap.add_argument("--fused-qkv", action="store_true",
                    help="one [H, 3H] projection split into q, k, v (GPT-2) "
                         "instead of three (LLaMA)")
    ap.add_argument("--loss", action="store_true",
                    help="take labels and return the mean cross-entropy")
    ap.add_argument("--inline-init", type=int, metavar="SEED",
                    help="write seeded random parameter values inline")
    ap.add_argument("--save-params", metavar="FILE.npz",
                    help="with --inline-init: save the parameter values")
    a = ap.parse_args()
    if a.inline_init is not None:
        import numpy as np
        INLINE["rng"] = np.random.default_rng(a.inline_init)
    if a.hidden % a.heads:
        sys.exit("--hidden must be a multiple of --heads")
    B, T, H, V = a.batch, a.seq, a.hidden, a.vocab

    e = Emitter()
    mask = e.op(f"px.constant dense<true> : {t(T, T, elt='i1')}")
    mask = e.op(f"px.trilu {mask} : {t(T, T, elt='i1')}")
    scale = e.op(f"px.constant dense<{(H // a.heads) ** -0.5:.8e}> : {t()}")
    neg_inf = e.op(f"px.constant dense<0xFF800000> : {t()}")
    wte = param(e, "wte.weight", V, H)
    wpe = param(e, "wpe.weight", T, H)
    x = e.op(f"px.gather {wte}[%ids] {{axis = 0 : i64}} : ({t(V, H)}, "
             f"{t(B, T, elt='i64')}) -> {t(B, T, H)}")
    x = e.op(f"px.add {x}, {wpe} : ({t(B, T, H)}, {t(T, H)}) -> {t(B, T, H)}")
    for i in range(a.layers):
        x = block(e, x, i, a, mask, scale, neg_inf)
    x = layer_norm(e, x, "ln_f", B, T, H)
    logits = linear(e, x, "lm_head", B, T, H, V, bias=False)

    out = []
    if a.mesh:
        out.append(f"px.mesh @mesh shape = [{a.mesh.replace('x', ', ')}]")
    args = f"%ids: {t(B, T, elt='i64')} {{px.name = \"idx\"}}"
    if a.loss:
        args += f", %labels: {t(B, T, elt='i64')} {{px.name = \"labels\"}}"
        result = t()
    else:
        result = t(B, T, V)
    out.append(f"func.func @main({args}) -> ({result} {{px.name = "
               f"\"{'loss' if a.loss else 'logits'}\"}}) {{")
    out.extend(e.lines)
    if a.loss:
        loss = e.value()
        out.append(f"  {loss} = px.cross_entropy {logits}, %labels : "
                   f"({t(B, T, V)}, {t(B, T, elt='i64')}) -> {t()}")
        logits = loss
    out.append(f"  return {logits} : {result}")
    out.append("}")
    print("\n".join(out))
    if a.save_params:
        import numpy as np
        np.savez(a.save_params, **INLINE["values"])


if __name__ == "__main__":
    main()
