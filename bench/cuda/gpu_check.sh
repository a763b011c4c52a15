#!/usr/bin/env bash
# The GPU checks of the CUDA target, in one run (about 5 minutes on an
# H100), from the repository root, after bench/cuda/prepare.sh (which needs
# no GPU) built build/gpu-check:
#   1. libpxrt_cuda's kernels against the CPU kernels (CudaKernelTests);
#   2. the example GPT's forward outputs and 10 training losses: CUDA vs
#      CPU target, 1e-4 relative (bf16 products: 1e-3);
#   3. the same CUDA program with NCCL bootstrapped through mpirun (1 rank
#      per process) and through torchrun-style variables;
#   4. the 124M GPT training step (f32 and bf16 products): tokens/s and
#      MFU, and PyTorch eager (fp32, bf16 autocast) on the same GPU when its
#      torch has CUDA.
# Writes everything to $OUT (default /tmp/gpu-check) and a summary to
# $OUT/summary.txt; exits non-zero when a check fails.
set -uo pipefail
cd "$(dirname "$0")/../.."
D=build/gpu-check
OUT=${OUT:-/tmp/gpu-check}
PY=/usr/bin/python3
mkdir -p "$OUT"
export LD_LIBRARY_PATH="$PWD/build/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
summary="$OUT/summary.txt"
: > "$summary"
status=0
check() { # name command...
  local name=$1; shift
  if "$@" > "$OUT/$name.log" 2>&1; then
    echo "PASS $name" | tee -a "$summary"
  else
    echo "FAIL $name (see $name.log)" | tee -a "$summary"; status=1
  fi
}

nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv \
  | tee -a "$summary"

check kernels "$D/CudaKernelTests"

# Forward outputs of both targets on the same tokens.
check forward-cpu "$D/forward-cpu/model" --inputs="$D/idx.npy" \
  --outputs="$OUT/forward-cpu" --output-format=npy --quiet
check forward-cuda "$D/forward-cuda/model" --inputs="$D/idx.npy" \
  --outputs="$OUT/forward-cuda" --output-format=npy --quiet
for f in "$OUT"/forward-cpu/*.npy; do
  check "forward-compare-$(basename "$f" .npy)" $PY test/e2e/compare.py \
    "$f" "$OUT/forward-cuda/$(basename "$f")" --rtol 1e-4
done

# Training losses (synthetic data, same seed), 1e-4 relative.
steps="--steps=10 --quiet"
check train-cpu "$D/train-cpu/model" $steps --metrics="$OUT/train-cpu.json"
check train-cuda "$D/train-cuda/model" $steps --metrics="$OUT/train-cuda.json"
check train-compare $PY test/e2e/compare_losses.py "$OUT/train-cpu.json" \
  "$OUT/train-cuda.json" --rtol 1e-4
# bf16 products: both round the operands to bf16 and accumulate in f32.
check train-cpu-bf16 "$D/train-cpu-bf16/model" $steps \
  --metrics="$OUT/train-cpu-bf16.json"
check train-cuda-bf16 "$D/train-cuda-bf16/model" $steps \
  --metrics="$OUT/train-cuda-bf16.json"
check train-compare-bf16 $PY test/e2e/compare_losses.py \
  "$OUT/train-cpu-bf16.json" "$OUT/train-cuda-bf16.json" --rtol 1e-3
if command -v mpirun > /dev/null; then
  check train-nccl-mpirun mpirun --allow-run-as-root -np 1 \
    "$D/train-cuda/model" $steps --metrics="$OUT/train-mpi.json"
  check train-nccl-mpirun-compare $PY test/e2e/compare_losses.py \
    "$OUT/train-cpu.json" "$OUT/train-mpi.json" --rtol 1e-4
fi
check train-nccl-env env RANK=0 WORLD_SIZE=1 LOCAL_RANK=0 \
  MASTER_ADDR=127.0.0.1 MASTER_PORT=29517 "$D/train-cuda/model" $steps \
  --metrics="$OUT/train-env.json"

# The benchmark (first 3 steps warm up; the median step is reported).
for type in f32 bf16; do
  check "bench-pxc-$type" "$D/bench-cuda-$type/model" --steps=13 \
    --metrics="$OUT/bench-pxc-$type.json"
  [ -f "$OUT/bench-pxc-$type.json" ] || continue
  $PY - "$OUT/bench-pxc-$type.json" $type <<'PY' | tee -a "$summary"
import json, statistics, sys
m = json.load(open(sys.argv[1]))
ms = statistics.median(m["step_ms"][3:])
tokens = m["tokens_per_step"]
# As bench/gpu/torch_gpt_baseline.py counts (an untied LM head).
L, h, S, V = 12, 768, 1024, 50304
params = V * h + S * h + L * (12 * h * h + 13 * h) + 2 * h + V * h
flops = 6 * params * tokens + 12 * L * h * S * tokens
print(f"pxc cuda {sys.argv[2]}: {ms:.1f} ms/step, {tokens / ms * 1e3:.0f} "
      f"tokens/s, MFU {flops / (ms / 1e3) / 989e12:.1%} (of 989 TFLOP/s); "
      f"loss {m['loss'][0]:.4f} -> {m['loss'][-1]:.4f}")
PY
done
if $PY -c "import torch, sys; sys.exit(not torch.cuda.is_available())" \
    2> /dev/null; then
  for dtype in fp32 bf16; do
    check "bench-torch-$dtype" $PY bench/gpu/torch_gpt_baseline.py \
      --layers 12 --hidden 768 --heads 12 --seq 1024 --batch 8 \
      --vocab 50304 --dtype $dtype
    grep -h 'step:' "$OUT/bench-torch-$dtype.log" | sed "s/^/torch $dtype: /" \
      | tee -a "$summary"
  done
else
  echo "SKIP bench-torch: this python's torch has no CUDA" | tee -a "$summary"
fi
exit $status
