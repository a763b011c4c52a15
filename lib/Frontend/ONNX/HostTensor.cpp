//===- HostTensor.cpp - Small constant tensors of the importer ------------===//

#include "HostTensor.h"

#include "mlir/IR/BuiltinTypes.h"
#include "llvm/ADT/APFloat.h"

#include <cmath>

using namespace mlir;

namespace pxc::onnx_import {

std::optional<DType> dtypeFromOnnx(int code) {
  switch (code) {
  case 1:
    return DType::F32;
  case 6:
    return DType::I32;
  case 7:
    return DType::I64;
  case 9:
    return DType::Bool;
  case 10:
    return DType::F16;
  case 11:
    return DType::F64;
  case 16:
    return DType::BF16;
  default:
    return std::nullopt;
  }
}

const char *onnxTypeName(int code) {
  static const char *names[] = {
      "undefined", "float",  "uint8",  "int8",      "uint16",     "int16",
      "int32",     "int64",  "string", "bool",      "float16",    "double",
      "uint32",    "uint64", "complex64", "complex128", "bfloat16"};
  if (code >= 0 && code < static_cast<int>(std::size(names)))
    return names[code];
  return "unknown";
}

Type toMlirType(DType dtype, MLIRContext *context) {
  switch (dtype) {
  case DType::F16:
    return Float16Type::get(context);
  case DType::BF16:
    return BFloat16Type::get(context);
  case DType::F32:
    return Float32Type::get(context);
  case DType::F64:
    return Float64Type::get(context);
  case DType::I32:
    return IntegerType::get(context, 32);
  case DType::I64:
    return IntegerType::get(context, 64);
  case DType::Bool:
    return IntegerType::get(context, 1);
  }
  return {};
}

std::optional<DType> fromMlirType(Type type) {
  if (type.isF16())
    return DType::F16;
  if (type.isBF16())
    return DType::BF16;
  if (type.isF32())
    return DType::F32;
  if (type.isF64())
    return DType::F64;
  if (type.isInteger(32))
    return DType::I32;
  if (type.isInteger(64))
    return DType::I64;
  if (type.isInteger(1))
    return DType::Bool;
  return std::nullopt;
}

bool isFloat(DType dtype) {
  return dtype == DType::F16 || dtype == DType::BF16 || dtype == DType::F32 ||
         dtype == DType::F64;
}

int64_t byteWidth(DType dtype) {
  switch (dtype) {
  case DType::F16:
  case DType::BF16:
    return 2;
  case DType::F32:
  case DType::I32:
    return 4;
  case DType::F64:
  case DType::I64:
    return 8;
  case DType::Bool:
    return 1;
  }
  return 0;
}

HostTensor HostTensor::fromInts(ArrayRef<int64_t> shape,
                                std::vector<int64_t> values, DType dtype) {
  HostTensor t;
  t.dtype = dtype;
  t.shape.assign(shape.begin(), shape.end());
  t.ints = std::move(values);
  return t;
}

HostTensor HostTensor::fromFloats(ArrayRef<int64_t> shape,
                                  std::vector<double> values, DType dtype) {
  HostTensor t;
  t.dtype = dtype;
  t.shape.assign(shape.begin(), shape.end());
  t.floats = std::move(values);
  return t;
}

HostTensor HostTensor::splat(ArrayRef<int64_t> shape, const HostTensor &v) {
  int64_t n = 1;
  for (int64_t d : shape)
    n *= d;
  if (v.isFloat())
    return fromFloats(shape, std::vector<double>(n, v.getDouble(0)), v.dtype);
  return fromInts(shape, std::vector<int64_t>(n, v.getInt(0)), v.dtype);
}

int64_t HostTensor::numel() const {
  int64_t n = 1;
  for (int64_t d : shape)
    n *= d;
  return n;
}

double HostTensor::getDouble(int64_t i) const {
  return isFloat() ? floats[i] : static_cast<double>(ints[i]);
}

int64_t HostTensor::getInt(int64_t i) const {
  if (!isFloat())
    return ints[i];
  double v = floats[i];
  if (std::isnan(v))
    return 0;
  // Clamp so that the conversion is defined for huge values.
  if (v >= 9.2e18)
    return INT64_MAX;
  if (v <= -9.2e18)
    return INT64_MIN;
  return static_cast<int64_t>(v);
}

std::vector<int64_t> HostTensor::toInts() const {
  std::vector<int64_t> out(numel());
  for (int64_t i = 0, e = numel(); i < e; ++i)
    out[i] = getInt(i);
  return out;
}

/// Rounds `v` to the precision of `dtype`, as storing it would.
static double roundTo(DType dtype, double v) {
  if (dtype == DType::F64)
    return v;
  const llvm::fltSemantics &sem =
      dtype == DType::F32   ? APFloat::IEEEsingle()
      : dtype == DType::F16 ? APFloat::IEEEhalf()
                            : APFloat::BFloat();
  APFloat f(v);
  bool lost;
  f.convert(sem, APFloat::rmNearestTiesToEven, &lost);
  return f.convertToDouble();
}

HostTensor HostTensor::castTo(DType to) const {
  int64_t n = numel();
  if (onnx_import::isFloat(to)) {
    std::vector<double> out(n);
    for (int64_t i = 0; i < n; ++i)
      out[i] = roundTo(to, getDouble(i));
    return fromFloats(shape, std::move(out), to);
  }
  std::vector<int64_t> out(n);
  for (int64_t i = 0; i < n; ++i) {
    if (to == DType::Bool)
      out[i] = getDouble(i) != 0;
    else if (to == DType::I32)
      out[i] = static_cast<int32_t>(getInt(i));
    else
      out[i] = getInt(i);
  }
  return fromInts(shape, std::move(out), to);
}

RankedTensorType HostTensor::getType(MLIRContext *context) const {
  return RankedTensorType::get(shape, toMlirType(dtype, context));
}

DenseElementsAttr HostTensor::toAttr(MLIRContext *context) const {
  RankedTensorType type = getType(context);
  switch (dtype) {
  case DType::F32: {
    std::vector<float> v(floats.begin(), floats.end());
    return DenseElementsAttr::get(type, ArrayRef<float>(v));
  }
  case DType::F64:
    return DenseElementsAttr::get(type, ArrayRef<double>(floats));
  case DType::F16:
  case DType::BF16: {
    const llvm::fltSemantics &sem = dtype == DType::F16
                                        ? APFloat::IEEEhalf()
                                        : APFloat::BFloat();
    SmallVector<APFloat> v;
    for (double d : floats) {
      APFloat f(d);
      bool lost;
      f.convert(sem, APFloat::rmNearestTiesToEven, &lost);
      v.push_back(f);
    }
    return DenseElementsAttr::get(type, v);
  }
  case DType::I32: {
    std::vector<int32_t> v(ints.begin(), ints.end());
    return DenseElementsAttr::get(type, ArrayRef<int32_t>(v));
  }
  case DType::I64:
    return DenseElementsAttr::get(type, ArrayRef<int64_t>(ints));
  case DType::Bool: {
    SmallVector<bool> v(ints.begin(), ints.end());
    return DenseElementsAttr::get(type, ArrayRef<bool>(v));
  }
  }
  return {};
}

std::optional<HostTensor> HostTensor::fromAttr(DenseElementsAttr attr) {
  auto type = cast<RankedTensorType>(attr.getType());
  std::optional<DType> dtype = fromMlirType(type.getElementType());
  if (!dtype)
    return std::nullopt;
  if (onnx_import::isFloat(*dtype)) {
    std::vector<double> v;
    for (const APFloat &f : attr.getValues<APFloat>())
      v.push_back(f.convertToDouble());
    return fromFloats(type.getShape(), std::move(v), *dtype);
  }
  std::vector<int64_t> v;
  for (const APInt &i : attr.getValues<APInt>())
    v.push_back(*dtype == DType::Bool ? i.getZExtValue() : i.getSExtValue());
  return fromInts(type.getShape(), std::move(v), *dtype);
}

SmallVector<int64_t> stridesOf(ArrayRef<int64_t> shape) {
  SmallVector<int64_t> strides(shape.size(), 1);
  for (int64_t i = static_cast<int64_t>(shape.size()) - 2; i >= 0; --i)
    strides[i] = strides[i + 1] * shape[i + 1];
  return strides;
}

std::optional<SmallVector<int64_t>> broadcastShapes(ArrayRef<int64_t> a,
                                                    ArrayRef<int64_t> b) {
  size_t rank = std::max(a.size(), b.size());
  SmallVector<int64_t> out(rank);
  for (size_t i = 0; i < rank; ++i) {
    int64_t da = i < rank - a.size() ? 1 : a[i - (rank - a.size())];
    int64_t db = i < rank - b.size() ? 1 : b[i - (rank - b.size())];
    if (da != db && da != 1 && db != 1)
      return std::nullopt;
    out[i] = da == 1 ? db : da;
  }
  return out;
}

int64_t broadcastIndex(ArrayRef<int64_t> shape, ArrayRef<int64_t> outShape,
                       int64_t flat) {
  SmallVector<int64_t> strides = stridesOf(shape);
  size_t lead = outShape.size() - shape.size();
  int64_t index = 0;
  for (int64_t d = static_cast<int64_t>(outShape.size()) - 1; d >= 0; --d) {
    int64_t coord = flat % outShape[d];
    flat /= outShape[d];
    if (d >= static_cast<int64_t>(lead) && shape[d - lead] != 1)
      index += coord * strides[d - lead];
  }
  return index;
}

} // namespace pxc::onnx_import
