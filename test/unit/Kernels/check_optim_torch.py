#!/usr/bin/python3
"""Compares pxrt's AdamW / SGD kernels with torch.optim (1.13, one thread).

For several configurations: random parameters and per-step gradients, the
learning rate of nanoGPT's get_lr schedule set on the param group before each
step (as nanoGPT does), 20 steps in torch and in pxrt-optim-steps; parameters
and optimizer states must agree to 1e-6 relative. Exit 77 (skipped) without
torch.
"""
import argparse
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "..", "lib"))
from lr_schedule import get_lr  # noqa: E402


try:
    import numpy as np
    import torch
except ImportError as e:
    print(f"skipped: {e}")
    sys.exit(77)

STEPS = 20
N = 1000


CASES = [
    dict(optimizer="adamw", lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8,
         weight_decay=0.01),
    dict(optimizer="adamw", lr=6e-4, min_lr=6e-5, warmup=4, decay=15,
         beta1=0.9, beta2=0.95, eps=1e-8, weight_decay=0.1),
    dict(optimizer="adamw", lr=5e-2, beta1=0.5, beta2=0.9, eps=1e-5,
         weight_decay=0.0, warmup=3),
    dict(optimizer="sgd", lr=0.1),
    dict(optimizer="sgd", lr=0.05, momentum=0.9, weight_decay=1e-3,
         warmup=2, decay=12, min_lr=0.005),
    dict(optimizer="sgd", lr=0.05, momentum=0.8, dampening=0.25),
    dict(optimizer="sgd", lr=0.02, momentum=0.9, nesterov=True,
         weight_decay=0.01),
]


def run_case(tool, case, index, tmp):
    rng = np.random.default_rng(1234 + index)
    p0 = rng.uniform(-1, 1, N).astype(np.float32)
    grads = rng.standard_normal((STEPS, N)).astype(np.float32)
    grads[:, ::97] *= 100  # some large gradients
    grads[:, 5] = 0        # and a zero one
    lr = case["lr"]
    min_lr = case.get("min_lr", 0.0)
    warmup = case.get("warmup", 0)
    decay = case.get("decay", 0)

    param = torch.nn.Parameter(torch.from_numpy(p0.copy()))
    if case["optimizer"] == "adamw":
        opt = torch.optim.AdamW([param], lr=lr,
                                betas=(case["beta1"], case["beta2"]),
                                eps=case["eps"],
                                weight_decay=case["weight_decay"],
                                foreach=False)
    else:
        opt = torch.optim.SGD([param], lr=lr,
                              momentum=case.get("momentum", 0),
                              dampening=case.get("dampening", 0),
                              weight_decay=case.get("weight_decay", 0),
                              nesterov=case.get("nesterov", False),
                              foreach=False)
    for s in range(STEPS):
        for group in opt.param_groups:
            group["lr"] = get_lr(s, lr, min_lr, warmup, decay)
        param.grad = torch.from_numpy(grads[s].copy())
        opt.step()

    d = os.path.join(tmp, str(index))
    os.makedirs(d)
    np.save(os.path.join(d, "p0.npy"), p0)
    np.save(os.path.join(d, "grads.npy"), grads)
    args = [tool, f"--optimizer={case['optimizer']}", f"--lr={lr!r}",
            f"--min-lr={min_lr!r}", f"--warmup-steps={warmup}",
            f"--decay-steps={decay}"]
    if case["optimizer"] == "adamw":
        args += [f"--beta1={case['beta1']!r}", f"--beta2={case['beta2']!r}",
                 f"--eps={case['eps']!r}",
                 f"--weight-decay={case['weight_decay']!r}"]
    else:
        args += [f"--momentum={case.get('momentum', 0)!r}",
                 f"--dampening={case.get('dampening', 0)!r}",
                 f"--weight-decay={case.get('weight_decay', 0)!r}"]
        if case.get("nesterov"):
            args.append("--nesterov")
    args += [os.path.join(d, "p0.npy"), os.path.join(d, "grads.npy"), d]
    subprocess.run(args, check=True)

    state = opt.state[param]
    expected = {"param": param.detach().numpy()}
    for key in ("exp_avg", "exp_avg_sq", "momentum_buffer"):
        if state.get(key) is not None:
            expected[key] = state[key].numpy()
    worst = 0.0
    ok = True
    for key, want in expected.items():
        got = np.load(os.path.join(d, key + ".npy"))
        want = want.astype(np.float64)
        diff = np.abs(got.astype(np.float64) - want)
        # Relative per element; elements far below the tensor's scale
        # (cancellation to ~0) are compared against 1e-3 of that scale.
        scale = np.maximum(np.abs(want), 1e-3 * np.abs(want).max())
        rel = float((diff / scale).max())
        print(f"    {key}: normwise {diff.max() / np.abs(want).max():.3g}, "
              f"elementwise {rel:.3g}, max ulps "
              f"{(diff / np.spacing(np.abs(want).astype(np.float32))).max():.3g}")
        worst = max(worst, rel)
        if rel > 1e-6:
            ok = False
            i = int(np.argmax(diff / scale))
            print(f"  {key}[{i}]: pxrt {got[i]!r} torch {want[i]!r}")
    moved = float(np.abs(expected["param"] - p0).max())
    print(f"case {index} {case}: max relative difference {worst:.3g}, "
          f"max |param change| {moved:.3g}: {'ok' if ok else 'FAIL'}")
    return ok and moved > 0


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--tool", required=True)
    args = parser.parse_args()
    torch.set_num_threads(1)
    with tempfile.TemporaryDirectory() as tmp:
        results = [run_case(args.tool, c, i, tmp) for i, c in enumerate(CASES)]
    if not all(results):
        sys.exit(1)


if __name__ == "__main__":
    main()
