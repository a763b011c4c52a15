#!/usr/bin/env python3
"""Reads and writes safetensors files with numpy alone (Debian has no
`safetensors` package): an 8-byte little-endian header length, a JSON
header {name: {dtype, shape, data_offsets}}, the raw row-major data.

  safetensors_np.py compare A.safetensors B.safetensors [--rtol R]
  safetensors_np.py compare-torch A.safetensors   (loads into torch tensors)
"""
import argparse
import json
import struct
import sys

import numpy as np

DTYPES = {"F32": np.float32, "F64": np.float64, "F16": np.float16,
          "I64": np.int64, "I32": np.int32, "BOOL": np.bool_}


def load(path):
    """{name: array} and the header's __metadata__."""
    with open(path, "rb") as f:
        blob = f.read()
    (length,) = struct.unpack("<Q", blob[:8])
    header = json.loads(blob[8:8 + length])
    base = 8 + length
    tensors = {}
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        begin, end = entry["data_offsets"]
        array = np.frombuffer(blob[base + begin:base + end],
                              dtype=DTYPES[entry["dtype"]])
        tensors[name] = array.reshape(entry["shape"])
    return tensors, header.get("__metadata__", {})


def save(path, tensors, metadata=None):
    header, offset, blobs = {}, 0, []
    if metadata:
        header["__metadata__"] = metadata
    names = {v: k for k, v in DTYPES.items()}
    for name, array in tensors.items():
        array = np.ascontiguousarray(array)
        data = array.tobytes()
        header[name] = {"dtype": names[array.dtype.type],
                        "shape": list(array.shape),
                        "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(blobs))


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("command", choices=["compare", "compare-torch"])
    ap.add_argument("files", nargs="+")
    ap.add_argument("--rtol", type=float, default=0.0)
    a = ap.parse_args()
    first, _ = load(a.files[0])
    if a.command == "compare-torch":
        import torch
        state = {k: torch.from_numpy(v.copy()) for k, v in first.items()}
        total = sum(t.numel() for t in state.values())
        print(f"torch: {len(state)} tensors, {total} elements")
        return 0
    second, _ = load(a.files[1])
    if set(first) != set(second):
        print("different tensors:", sorted(set(first) ^ set(second)))
        return 1
    worst = 0.0
    for name in first:
        x, y = first[name].astype(np.float64), second[name].astype(np.float64)
        if x.shape != y.shape:
            print(f"{name}: shape {x.shape} vs {y.shape}")
            return 1
        scale = np.maximum(np.abs(x), 1e-30)
        if x.size:
            worst = max(worst, float(np.max(np.abs(x - y) / scale)))
    print(f"{len(first)} tensors, worst relative difference {worst:.3g}")
    return 0 if worst <= a.rtol else 1


if __name__ == "__main__":
    sys.exit(main())
