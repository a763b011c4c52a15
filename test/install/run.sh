#!/usr/bin/env bash
# Installs pxc from BUILD into a temporary prefix, then configures, builds
# and runs the downstream project against it with find_package(PXC).
set -euo pipefail
build=$1
src=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cmake --install "$build" --prefix "$work/prefix" > /dev/null
cmake -S "$src" -B "$work/build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_PREFIX_PATH="$work/prefix" > /dev/null
cmake --build "$work/build" > /dev/null
"$work/build/downstream" | tee "$work/out.txt"
grep -q "matmul FLOPs per evaluation: 128" "$work/out.txt"
test -x "$work/prefix/bin/pxc" && "$work/prefix/bin/pxc" --list-onnx-ops > /dev/null
