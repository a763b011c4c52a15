#!/usr/bin/env bash
# Builds, on a machine without a GPU, everything bench/cuda/gpu_check.sh
# runs on one: the CUDA kernel tests, the example GPT's training and forward
# programs for both targets (f32 and bf16 products), and the 124M-parameter
# GPT training steps of the benchmark. The large programs take long (42
# minutes for the f32 one on 2 busy cores, nvcc's host compile most of it);
# more cores help. Output: build/gpu-check (with build/lib, what a GPU session
# carries; see docs/cuda.md).
#
#   bench/cuda/prepare.sh            # sm_80 and sm_90
#   CUDA_ARCH=90 bench/cuda/prepare.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
PY=/usr/bin/python3
ARCH=${CUDA_ARCH:-80,90}
D=build/gpu-check
ninja -C build pxc pxrt pxrt_cuda CudaKernelTests
rm -rf "$D" && mkdir -p "$D"
cp build/test/unit/CudaKernelTests "$D/"
cp examples/gpt/idx.npy "$D/idx.npy"

# The example GPT with its weights inlined (the programs read no file).
small="examples/gpt/gpt.onnx --inline-weights-limit=100000000"
train="--train --shape=batch=4 --shape=seq=16"
build/bin/pxc $small $train -o "$D/train-cpu"
build/bin/pxc $small $train --target=cuda --cuda-arch="$ARCH" -o "$D/train-cuda"
build/bin/pxc $small $train --compute-type=bf16 -o "$D/train-cpu-bf16"
build/bin/pxc $small $train --compute-type=bf16 --target=cuda \
  --cuda-arch="$ARCH" -o "$D/train-cuda-bf16"
# The forward pass on examples/gpt/idx.npy ([2, 16] token ids).
forward="--shape=batch=2 --shape=seq=16"
build/bin/pxc $small $forward -o "$D/forward-cpu"
build/bin/pxc $small $forward --target=cuda --cuda-arch="$ARCH" \
  -o "$D/forward-cuda"

# The benchmark: GPT-2 small shapes (12 layers, hidden 768, 12 heads, seq
# 1024, vocabulary 50304, batch 8), seeded-initializer parameters, f32
# and bf16 products. The compile-time memory estimate ignores buffer reuse
# (the f32 arena is 16.6 GB).
$PY examples/px/gen_gpt.py --layers 12 --hidden 768 --heads 12 --seq 1024 \
  --vocab 50304 --batch 8 --fused-qkv > "$D/gpt124m.mlir"
for type in f32 bf16; do
  build/bin/pxc "$D/gpt124m.mlir" --train --memory-limit=200 --target=cuda \
    --compute-type=$type --cuda-arch="$ARCH" -o "$D/bench-cuda-$type"
done
rm -f "$D"/*/model.cu "$D"/*/model.cpp
du -sh "$D" build/lib
