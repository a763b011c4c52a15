#!/usr/bin/python3
"""Checks runMain's training loop through pxrt-train-toy (train_toy.cpp).

Every expected value is computed here independently: the batches from the
documented data formulas (sequential windows over a cyclic token stream;
random window starts from the splitmix64 chain), the learning rate from
nanoGPT's get_lr, the parameter trajectory with torch.optim (the toy's loss
has the term sum(w^2)), then compared with the per-step log, the metrics
JSON and the last step's outputs. Also: layouts (1, 2, 3 ranks) agree,
--quiet, and errors (missing / bad data, bad flags) exit non-zero with a
message naming the file or flag. Exit 77 (skipped) without numpy/torch.
"""
import argparse
import json
import math
import os
import re
import shlex
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

B, T, VOCAB = 4, 8, 50
W0 = [0.5, -1.0, 2.0, 0.25, -0.75]
MASK = (1 << 64) - 1
FAILURES = []


def check(condition, what):
    if not condition:
        FAILURES.append(what)
        print("FAIL:", what)


def mix(z):
    z = (z + 0x9E3779B97F4A7C15) & MASK
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
    return z ^ (z >> 31)


def hash4(seed, a, b, c):
    return mix(mix(mix(mix(seed) ^ a) ^ b) ^ c)


def window(tokens, order, seed, step, b):
    """The T + 1 tokens of row b of step `step` (docs/training.md)."""
    n = len(tokens)
    if order == "random":
        start = (hash4(seed, step, b, MASK) * (n - T)) >> 64
    else:
        start = ((step * B + b) * (T + 1)) % n
    return [int(tokens[(start + i) % n]) for i in range(T + 1)]


def torch_trajectory(optimizer, steps, lr, sched, **kw):
    """w before each step and after the last, for loss = sum(w^2)."""
    w = torch.nn.Parameter(torch.tensor(W0, dtype=torch.float32))
    if optimizer == "adamw":
        opt = torch.optim.AdamW([w], lr=lr, foreach=False, **kw)
    else:
        opt = torch.optim.SGD([w], lr=lr, foreach=False, **kw)
    before = []
    for s in range(steps):
        for g in opt.param_groups:
            g["lr"] = get_lr(s, lr, *sched)
        before.append(w.detach().numpy().astype(np.float64).copy())
        w.grad = 2 * w.detach()
        opt.step()
    return before, w.detach().numpy().copy()


def run(toy, args, ranks=2, optimizer=None, roles=None, expect_rc=0):
    env = dict(os.environ, PXRT_TOY_RANKS=str(ranks))
    if optimizer:
        env["PXRT_TOY_OPTIMIZER"] = optimizer
    if roles:
        env["PXRT_TOY_ROLES"] = roles
    p = subprocess.run([toy] + args, env=env, capture_output=True, text=True,
                       timeout=60)
    if expect_rc is not None and p.returncode != expect_rc:
        check(False, f"{args} (ranks {ranks}) exited {p.returncode}, "
                     f"expected {expect_rc}: {p.stderr.strip()}")
    return p


LINE = re.compile(r"^step (\d+) \| loss (\S+) \| lr (\S+) \| grad norm (\S+) "
                  r"\| (\d+) tok/s \| (\S+) ms$")


def check_run(toy, tmp, name, tokens, data_args, order, seed, steps, lr,
              sched, optimizer="adamw", ranks=2, extra=(), opt_kw=None):
    """Runs the toy and checks log, metrics and outputs against references."""
    metrics = os.path.join(tmp, name + ".json")
    outdir = os.path.join(tmp, name + "-out")
    min_lr, warmup, decay = sched
    args = data_args + [f"--steps={steps}", f"--lr={lr!r}",
                        f"--min-lr={min_lr!r}", f"--warmup-steps={warmup}",
                        f"--decay-steps={decay}", f"--metrics={metrics}",
                        f"--outputs={outdir}", "--output-format=npy"]
    args += list(extra)
    p = run(toy, args, ranks=ranks,
            optimizer=None if optimizer == "adamw" else optimizer)
    if p.returncode != 0:
        return None
    before, final = torch_trajectory(optimizer, steps, lr, sched,
                                     **(opt_kw or {}))
    with open(metrics) as f:
        m = json.load(f)
    lines = [l for l in p.stdout.splitlines() if l.startswith("step ")]
    check(len(lines) == steps, f"{name}: {len(lines)} log lines")
    check(m["steps"] == steps and len(m["loss"]) == steps,
          f"{name}: metrics hold {m['steps']} steps")
    check(m["optimizer"] == optimizer and m["batch"] == B and
          m["seq_len"] == T and m["tokens_per_step"] == B * T,
          f"{name}: metrics header {m}")
    check(m["median_step_ms"] > 0 and m["tokens_per_s"] > 0 and
          len(m["step_ms"]) == steps, f"{name}: timings")
    for s in range(steps):
        rows = [window(tokens, order, seed, s, b) for b in range(B)]
        data = sum(sum(r[:T]) + 0.5 * sum(r[1:]) for r in rows) / (B * T)
        loss = data + float((before[s] ** 2).sum())
        norm = float(np.sqrt(((2 * before[s]) ** 2).sum()))
        lr_s = get_lr(s, lr, *sched)
        check(abs(m["loss"][s] - loss) <= 1e-5 * abs(loss),
              f"{name}: step {s} loss {m['loss'][s]} expected {loss}")
        check(abs(m["grad_norm"][s] - norm) <= 1e-5 * norm,
              f"{name}: step {s} grad norm {m['grad_norm'][s]} vs {norm}")
        check(abs(m["lr"][s] - lr_s) <= 1e-12 * lr_s,
              f"{name}: step {s} lr {m['lr'][s]} expected {lr_s}")
        match = LINE.match(lines[s]) if s < len(lines) else None
        check(match is not None, f"{name}: log line {s}: {lines[s:s + 1]}")
        if match:
            check(int(match.group(1)) == s, f"{name}: log step number")
            check(abs(float(match.group(2)) - loss) <= 1e-5 * abs(loss) + 1e-6,
                  f"{name}: log loss {match.group(2)} vs {loss}")
            check(abs(float(match.group(3)) - lr_s) <= 1e-4 * lr_s,
                  f"{name}: log lr {match.group(3)} vs {lr_s}")
    # The last step's batch, assembled from every rank's rows.
    last = [window(tokens, order, seed, steps - 1, b) for b in range(B)]
    idx = np.load(os.path.join(outdir, "idx_out.npy"))
    targets = np.load(os.path.join(outdir, "targets_out.npy"))
    check(idx.tolist() == [r[:T] for r in last], f"{name}: idx_out rows")
    check(targets.tolist() == [r[1:] for r in last],
          f"{name}: targets_out rows")
    w = np.load(os.path.join(outdir, "w_out.npy"))
    diff = np.abs(w.astype(np.float64) - final).max()
    check(diff <= 1e-6 * np.abs(final).max(),
          f"{name}: w_out {w} vs torch {final}")
    print(f"{name}: {steps} steps on {ranks} ranks ok "
          f"(w_out vs torch max diff {diff:.3g})")
    return m


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--toy", required=True)
    parser.add_argument("--text-to-bin", help="examples/gpt/text_to_bin.py")
    parser.add_argument("--mpirun", help="mpirun command line for 2 ranks")
    args = parser.parse_args()
    toy = args.toy
    torch.set_num_threads(1)
    rng = np.random.default_rng(7)
    with tempfile.TemporaryDirectory() as tmp:
        # 150 tokens: 30 windows of 9; 8 steps of 4 rows wrap around.
        tokens16 = rng.integers(0, VOCAB, 150).astype(np.uint16)
        f16 = os.path.join(tmp, "train16.bin")
        tokens16.tofile(f16)
        tokens32 = rng.integers(0, VOCAB, 77).astype(np.uint32)
        f32 = os.path.join(tmp, "train32.bin")
        tokens32.tofile(f32)

        sched = (0.001, 2, 6)
        seq = {}
        for ranks in (1, 2, 3):
            seq[ranks] = check_run(
                toy, tmp, f"sequential-{ranks}", tokens16, [f"--data={f16}"],
                "sequential", 0, 8, 0.01, sched, ranks=ranks,
                extra=["--weight-decay=0.05", "--beta2=0.95"],
                opt_kw=dict(weight_decay=0.05, betas=(0.9, 0.95)))
        # The toy's loss is a P(sum) of f32 partials: layouts may differ in
        # the last bits, never more.
        def same(a, b):
            return a is not None and b is not None and len(a) == len(b) and \
                all(abs(x - y) <= 1e-6 * abs(y) for x, y in zip(a, b))
        if all(seq.values()):
            check(same(seq[1]["loss"], seq[2]["loss"]) and
                  same(seq[1]["loss"], seq[3]["loss"]),
                  "sequential: losses differ between layouts")
        rnd = {}
        for ranks in (1, 3):
            rnd[ranks] = check_run(
                toy, tmp, f"random-{ranks}", tokens32,
                [f"--data={f32}", "--data-dtype=uint32",
                 "--batch-order=random", "--data-seed=1234"],
                "random", 1234, 6, 0.02, (0.0, 0, 0), ranks=ranks,
                opt_kw=dict(weight_decay=0.01))
        if all(rnd.values()):
            check(same(rnd[1]["loss"], rnd[3]["loss"]),
                  "random: losses differ between layouts")
        check_run(toy, tmp, "sgd-nesterov", tokens16, [f"--data={f16}"],
                  "sequential", 0, 7, 0.05, (0.0, 0, 0), optimizer="sgd",
                  extra=["--optimizer=sgd", "--momentum=0.9", "--nesterov",
                         "--weight-decay=0.01"],
                  opt_kw=dict(momentum=0.9, nesterov=True, weight_decay=0.01))

        # Synthetic tokens: seeded, below the vocabulary, layout-independent.
        def synthetic(seed, ranks):
            path = os.path.join(tmp, f"syn-{seed}-{ranks}.json")
            p = run(toy, ["--steps=4", "--quiet", f"--data-seed={seed}",
                          f"--metrics={path}"], ranks=ranks)
            check(p.stdout == "", f"--quiet printed {p.stdout!r}")
            if p.returncode != 0:
                return None
            with open(path) as f:
                return json.load(f)["loss"]
        a, b, c = synthetic(3, 1), synthetic(3, 2), synthetic(4, 2)
        check(same(a, b), f"synthetic: layouts differ {a} {b}")
        check(a != c, "synthetic: the seed changes nothing")
        check(a is not None and all(math.isfinite(x) for x in a),
              f"synthetic: losses {a}")

        # A byte-level file from examples/gpt/text_to_bin.py (vocab 256 >
        # the toy's 50, so its bytes must be checked against the vocab).
        if args.text_to_bin:
            text = os.path.join(tmp, "input.txt")
            with open(text, "w") as f:
                f.write("\x01\x02\x03\x04" * 40)
            binary = os.path.join(tmp, "bytes.bin")
            subprocess.run(["/usr/bin/python3", args.text_to_bin, text,
                            binary], check=True, capture_output=True)
            got = np.fromfile(binary, dtype="<u2")
            check(got.tolist() == [1, 2, 3, 4] * 40, "text_to_bin content")
            p = run(toy, [f"--data={binary}", "--steps=2", "--quiet"])
            with open(text, "w") as f:
                f.write("héllo wörld " * 10)
            subprocess.run(["/usr/bin/python3", args.text_to_bin, text,
                            binary], check=True, capture_output=True)
            got = np.fromfile(binary, dtype="<u2")
            check(got.tolist() == list(("héllo wörld " * 10).encode()),
                  "text_to_bin: UTF-8 bytes")
            p = run(toy, [f"--data={binary}", "--steps=2"], expect_rc=1)
            # Tokens are checked as windows are read: which rank meets a
            # bad one first varies, the message does not.
            bad_token = re.search(re.escape(binary) + r": token (\d+) at "
                                  r"position (\d+) is not below the "
                                  r"vocabulary size 50", p.stderr)
            check(bad_token is not None and
                  got[int(bad_token.group(2))] == int(bad_token.group(1)) >= 50,
                  f"byte tokens >= vocab: {p.stderr!r}")

        # Under mpirun (ranks as processes) the log and metrics are the same.
        if args.mpirun:
            path = os.path.join(tmp, "mpi.json")
            flags = [f"--data={f16}", "--steps=5", f"--metrics={path}"]
            p = subprocess.run(shlex.split(args.mpirun) + [toy] + flags,
                               env=dict(os.environ, PXRT_TOY_RANKS="2"),
                               capture_output=True, text=True, timeout=120)
            check(p.returncode == 0, f"mpirun: {p.stderr}")
            lines = [l for l in p.stdout.splitlines() if l.startswith("step")]
            check(len(lines) == 5, f"mpirun: log {p.stdout!r}")
            local = os.path.join(tmp, "local.json")
            run(toy, flags[:-1] + [f"--metrics={local}"], ranks=2)
            if p.returncode == 0:
                with open(path) as f, open(local) as g:
                    mpi, loc = json.load(f), json.load(g)
                check(mpi["loss"] == loc["loss"] and
                      mpi["grad_norm"] == loc["grad_norm"],
                      f"mpirun: {mpi['loss']} vs local {loc['loss']}")
                print("mpirun: 2 processes agree with 2 threads")

        # Errors: message naming the file or flag, non-zero exit.
        missing = os.path.join(tmp, "missing.bin")
        short = os.path.join(tmp, "short.bin")
        np.arange(5, dtype=np.uint16).tofile(short)
        bad = os.path.join(tmp, "bad.bin")
        np.array([1, 2, 3, 60] * 10, dtype=np.uint16).tofile(bad)
        empty = os.path.join(tmp, "empty.bin")
        open(empty, "w").close()
        cases = [
            ([f"--data={missing}"], 1, f"{missing}: No such file"),
            ([f"--data={short}"], 1, f"{short}: too short: 5 tokens"),
            ([f"--data={empty}"], 1, f"{empty}: empty token file"),
            ([f"--data={bad}"], 1,
             re.escape(bad) + r": token 60 at position \d+ is not below "
             r"the vocabulary size 50"),
            ([f"--data={f16}", "--data-dtype=int8"], 2, "--data-dtype"),
            (["--batch-order=shuffle"], 2, "--batch-order"),
            (["--lr=abc"], 2, "--lr expects a number"),
            (["--lr=-1"], 2, "--lr must be"),
            (["--beta1=1"], 2, "--beta1 must be in [0, 1)"),
            (["--warmup-steps=5", "--decay-steps=3"], 2,
             "--decay-steps must exceed --warmup-steps"),
            (["--optimizer=sgd"], 2, "compiled for adamw"),
            (["--nesterov"], 2, "--nesterov needs --momentum"),
            (["--warmup-steps=x"], 2, "--warmup-steps expects an integer"),
            (["--inputs=idx=x.npy"], 2, "fills itself (role tokens)"),
            (["--data="], 2, "--data expects a value"),
            ([f"--metrics={tmp}/no/such/dir/m.json"], 2,
             f"--metrics={tmp}/no/such/dir/m.json: no directory "
             f"{tmp}/no/such/dir"),
            ([f"--metrics={tmp}"], 1, f"{tmp}"),  # a directory: rename fails
        ]
        for flags, rc, text in cases:
            p = run(toy, flags + ["--steps=2"], expect_rc=rc)
            found = re.search(text, p.stderr) if text.startswith(re.escape(
                bad)) else text in p.stderr
            check(found, f"{flags}: stderr {p.stderr!r} lacks {text!r}")
        p = run(toy, ["--lr=0.1", "--inputs=a.npy,b.npy,c.npy"], roles="none",
                expect_rc=2)
        check("--lr is for training programs" in p.stderr,
              f"non-training program: {p.stderr!r}")
    if FAILURES:
        print(f"{len(FAILURES)} failures")
        sys.exit(1)
    print("all checks passed")


if __name__ == "__main__":
    main()
