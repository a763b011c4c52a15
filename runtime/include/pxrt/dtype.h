//===- dtype.h - Element types of the runtime -------------------*- C++ -*-===//
//
// libpxrt is linked into the programs pxc generates. It depends on no LLVM or
// MLIR code; only the C++17 standard library, threads, OpenBLAS and
// (optionally) MPI.
//
//===----------------------------------------------------------------------===//

#ifndef PXRT_DTYPE_H
#define PXRT_DTYPE_H

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <stdexcept>

namespace pxrt {

enum class DType : uint8_t { F32, F64, F16, BF16, I32, I64, Bool };

/// Bytes per element (Bool is one byte).
size_t dtypeSize(DType type);
/// "f32", "i64", ...
const char *dtypeName(DType type);

/// IEEE half and bfloat16 conversions (round to nearest even).
uint16_t floatToHalf(float value);
float halfToFloat(uint16_t bits);
uint16_t floatToBFloat16(float value);
float bfloat16ToFloat(uint16_t bits);

/// How partial values are combined.
enum class ReduceOp : uint8_t { Sum, Max };

} // namespace pxrt

#endif // PXRT_DTYPE_H
