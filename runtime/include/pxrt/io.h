//===- io.h - Tensor files: ONNX TensorProto (.pb) and .npy -----*- C++ -*-===//
//
// Inputs and outputs of the programs pxc generates. TensorProto is decoded
// and encoded by hand (no protobuf): dims, data_type, name, raw_data and the
// typed float_data, int32_data, int64_data and double_data fields; external
// data is refused. .npy files are versions 1.0 to 3.0, little-endian, C
// order. Data is little-endian in memory too (the hosts pxrt runs on).
//
// Every error throws std::runtime_error whose message starts with the file
// name (or the `what` given to the in-memory decoders). Writes are atomic: a
// temporary file in the same directory, renamed over the target.
//
//===----------------------------------------------------------------------===//

#ifndef PXRT_IO_H
#define PXRT_IO_H

#include "pxrt/dtype.h"

#include <cstdint>
#include <string>
#include <vector>

namespace pxrt::io {

/// A tensor as stored in a file: row-major elements.
struct Tensor {
  std::string name; // TensorProto's name; empty for .npy
  DType type = DType::F32;
  std::vector<int64_t> shape;
  std::vector<uint8_t> data; // numel() * dtypeSize(type) bytes

  int64_t numel() const;
};

/// ONNX TensorProto.
Tensor decodeTensorProto(const void *bytes, size_t size,
                         const std::string &what);
/// Fields dims, data_type, name (when set) and raw_data, in field order (as
/// protobuf writes them).
std::string encodeTensorProto(const Tensor &tensor);
Tensor readTensorProto(const std::string &path);
void writeTensorProto(const std::string &path, const Tensor &tensor);

/// NumPy .npy (bf16 has no NumPy dtype: use .pb for it).
Tensor decodeNpy(const void *bytes, size_t size, const std::string &what);
/// Version 1.0 (2.0 when the header needs it), header padded to 64 bytes.
std::string encodeNpy(const Tensor &tensor);
Tensor readNpy(const std::string &path);
void writeNpy(const std::string &path, const Tensor &tensor);

/// .npy by extension, TensorProto otherwise.
Tensor readTensor(const std::string &path);
void writeTensor(const std::string &path, const Tensor &tensor);

/// Reads `path`, checks that it holds `type` and `shape`, and copies its
/// elements to `destination`.
void readTensorInto(const std::string &path, DType type,
                    const std::vector<int64_t> &shape, void *destination);
/// Writes the elements at `data` (row-major) as `path` (.npy or .pb).
void writeTensor(const std::string &path, DType type,
                 const std::vector<int64_t> &shape, const void *data,
                 const std::string &name = "");

/// "[2, 3]", as messages print shapes.
std::string shapeString(const std::vector<int64_t> &shape);

/// The whole content of a file.
std::string readFile(const std::string &path);
/// Writes `bytes` to `path` through a temporary file and a rename.
void writeFileAtomic(const std::string &path, const std::string &bytes);

} // namespace pxrt::io

#endif // PXRT_IO_H
