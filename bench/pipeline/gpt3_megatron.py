#!/usr/bin/env python3
"""Simulates a GPT-3 175B training step on 1024 A100s in Megatron-LM's
published configuration with `pxc simulate`, and prints the predicted
throughput next to the published one.

    /usr/bin/python3 bench/pipeline/gpt3_megatron.py --pxc build/bin/pxc

Model: 96 layers, hidden 12288, 96 heads, sequence 2048, vocabulary 51200
(examples/px/gen_gpt.py). Job (Narayanan et al. 2021, "Efficient Large-Scale
Language Model Training on GPU Clusters Using Megatron-LM", SC21, section
5.1): 1024 A100s (128 DGX A100 nodes), tensor-parallel 8, pipeline-parallel
16, data-parallel 8, global batch 1536 of micro-batch 1, i.e. 192
micro-batches per pipeline; mesh 8x8 (data x model), bf16 matrix products.
The paper reports 140 teraFLOP/s per GPU for this job (the "34 days"
estimate), counted with its equation (3), which includes the forward pass
that activation recomputation repeats.

pxc chooses the distribution itself (px-auto-sbp).
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
GEN = os.path.join(HERE, "..", "..", "examples", "px", "gen_gpt.py")

LAYERS, HIDDEN, HEADS, SEQ, VOCAB = 96, 12288, 96, 2048, 51200
GPUS, TP, PP, DP = 1024, 8, 16, 8
GLOBAL_BATCH, MICRO_BATCH = 1536, 1
PUBLISHED_TFLOPS = 140.0  # per GPU, section 5.1 of the paper


def megatron_flops(batch, layers):
    """Equation (3) of the paper: GEMM FLOPs of one iteration with
    activation recomputation (four passes through the transformer layers,
    three through the logit layer)."""
    s, h, v = SEQ, HIDDEN, VOCAB
    return 96 * batch * s * layers * h * h * (1 + s / (6 * h) +
                                              v / (16 * layers * h))


def free_network(path):
    """dgx-a100 with links 1000 times faster and no latency: what is left
    of the step is compute and the pipeline bubble."""
    spec = {"name": "dgx-a100-free-network", "nodes": GPUS // 8,
            "devices_per_node": 8,
            "peak_flops": {"f32": 19.5e12, "tf32": 156e12, "bf16": 312e12,
                           "f16": 312e12},
            "device_memory": 80 * 2**30, "device_memory_bandwidth": 2.039e12,
            "intra_node": {"bandwidth": 300e12, "latency": 0},
            "inter_node": {"bandwidth": 25e12, "latency": 0}}
    with open(path, "w") as f:
        json.dump(spec, f)
    return path


def simulate(pxc, model, out, schedule, cluster, extra):
    micro_batches = GLOBAL_BATCH // (DP * MICRO_BATCH)
    cmd = [pxc, "simulate", model, "--train", f"--mesh={DP}x{TP}",
           "--mesh-axes=data,model", f"--stages={PP}",
           f"--micro-batches={micro_batches}", f"--schedule={schedule}",
           f"--cluster={cluster}", "--compute-type=bf16", "-o", out] + extra
    start = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True)
    wall = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(f"pxc simulate failed:\n{done.stderr}")
    with open(os.path.join(out, "simulation.json")) as f:
        return cmd, wall, json.load(f)


def breakdown(sim):
    """Seconds per step of the busiest pipeline device, by kind of work."""
    m = sim["microBatches"]
    busiest = max(range(sim["stages"]),
                  key=lambda d: sim["devices"][d]["busySeconds"])
    total = {"compute": 0.0, "collectives": 0.0}
    for stage in sim["modelStages"]:
        if stage["device"] != busiest:
            continue
        for part in ("forward", "backward", "weight", "update"):
            runs = 1 if part == "update" else m
            total["compute"] += stage[part]["computeSeconds"] * runs
            total["collectives"] += stage[part]["collectiveSeconds"] * runs
    return busiest, total


def report(name, cmd, wall, sim, layers):
    step = sim["stepSeconds"]
    flops = megatron_flops(GLOBAL_BATCH, layers)
    megatron_tflops = flops / (step * GPUS) / 1e12
    published_step = flops / (GPUS * PUBLISHED_TFLOPS * 1e12)
    busiest, work = breakdown(sim)
    peak = max(d["peakBytes"] for d in sim["devices"]) / 2**30
    comm = ", ".join(f"{axis} {b / 2**40:.1f} TiB"
                     for axis, b in sim["communicationBytes"].items())
    print(f"{name}:")
    print(f"  command: {' '.join(cmd)}")
    print(f"  wall time of pxc simulate: {wall:.1f} s")
    print(f"  step time: {step:.2f} s (published throughput implies "
          f"{published_step:.2f} s)")
    print(f"  bubble: {100 * sim['bubbleFraction']:.1f}%")
    print(f"  predicted, Megatron's FLOP count (eq. 3): {megatron_tflops:.1f} "
          f"TFLOP/s per GPU vs {PUBLISHED_TFLOPS:.0f} published, ratio "
          f"{megatron_tflops / PUBLISHED_TFLOPS:.2f}")
    print(f"  predicted, pxc's model FLOPs (no recomputation): "
          f"{sim['flopsPerDevice'] / 1e12:.1f} TFLOP/s per GPU, MFU "
          f"{100 * sim['mfu']:.1f}%")
    print(f"  busiest device {busiest}: compute {work['compute']:.2f} s, "
          f"collectives {work['collectives']:.2f} s per step")
    print(f"  peak memory: {peak:.1f} GiB per GPU (largest device)")
    print(f"  communication per step: {comm}")


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--pxc", default=os.path.join(HERE, "..", "..", "build",
                                                  "bin", "pxc"))
    ap.add_argument("--virtual-stages", type=int, default=3,
                    help="interleaved schedule: model chunks per device "
                         "(3 = 2 layers per chunk, Megatron's setting for "
                         "this model in its Figure 12 script)")
    ap.add_argument("--out", help="keep the outputs (traces, SVGs) here")
    args = ap.parse_args()
    tmp = tempfile.TemporaryDirectory()
    out = args.out or tmp.name
    os.makedirs(out, exist_ok=True)
    model = os.path.join(out, "gpt3-175b.mlir")
    with open(model, "w") as f:
        subprocess.run([sys.executable, GEN, "--layers", str(LAYERS),
                        "--hidden", str(HIDDEN), "--heads", str(HEADS),
                        "--seq", str(SEQ), "--vocab", str(VOCAB), "--batch",
                        str(DP * MICRO_BATCH)], check=True, stdout=f)
    print(f"GPT-3 175B, {GPUS} A100 (dgx-a100), TP={TP} PP={PP} DP={DP}, "
          f"global batch {GLOBAL_BATCH}, micro-batch {MICRO_BATCH}\n")
    a100 = f"dgx-a100:{GPUS // 8}"
    free = free_network(os.path.join(out, "free-network.json"))
    interleaved = ["--virtual-stages", str(args.virtual_stages)]
    runs = [("interleaved", a100, interleaved,
             f"interleaved, {args.virtual_stages} virtual stages"),
            ("1f1b", a100, [], "1F1B"),
            ("interleaved", free, interleaved,
             "interleaved on a free network (bound: compute and bubble)")]
    for i, (schedule, cluster, extra, name) in enumerate(runs):
        cmd, wall, sim = simulate(args.pxc, model,
                                  os.path.join(out, f"{i}-{schedule}"),
                                  schedule, cluster, extra)
        report(name, cmd, wall, sim, LAYERS)


if __name__ == "__main__":
    main()
