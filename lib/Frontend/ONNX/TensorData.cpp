//===- TensorData.cpp - Decoding and locating initializer data ------------===//

#include "TensorData.h"
#include "HostTensor.h"
#include "Importer.h"

#include "pxc/Dialect/Px/PxAttrs.h"
#include "pxc/Support/LLVM.h"

#include "mlir/IR/Diagnostics.h"
#include "llvm/ADT/APFloat.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"

#include <cstring>

using namespace pxc;
using namespace pxc::onnx_import;

//===----------------------------------------------------------------------===//
// Protobuf wire format walk
//===----------------------------------------------------------------------===//

namespace {
/// Reads protobuf fields of one message in [pos, end).
class WireReader {
public:
  WireReader(StringRef data, size_t begin, size_t end)
      : data(data), pos(begin), end(end) {}

  struct Field {
    uint32_t number = 0;
    uint32_t wireType = 0;
    /// For length-delimited fields: the payload [begin, end).
    size_t begin = 0, end = 0;
  };

  bool atEnd() const { return pos >= end; }

  /// Reads the next field; false on malformed data.
  bool next(Field &field) {
    uint64_t tag;
    if (!readVarint(tag))
      return false;
    field.number = tag >> 3;
    field.wireType = tag & 7;
    switch (field.wireType) {
    case 0: { // varint
      uint64_t ignored;
      return readVarint(ignored);
    }
    case 1: // fixed64
      return skip(8);
    case 2: { // length-delimited
      uint64_t length;
      if (!readVarint(length) || length > end - pos)
        return false;
      field.begin = pos;
      field.end = pos + length;
      pos += length;
      return true;
    }
    case 5: // fixed32
      return skip(4);
    default: // groups are not used by ONNX
      return false;
    }
  }

private:
  bool readVarint(uint64_t &value) {
    value = 0;
    for (int shift = 0; shift < 64 && pos < end; shift += 7) {
      uint8_t byte = data[pos++];
      value |= static_cast<uint64_t>(byte & 0x7f) << shift;
      if (!(byte & 0x80))
        return true;
    }
    return false;
  }
  bool skip(size_t n) {
    if (n > end - pos)
      return false;
    pos += n;
    return true;
  }

  StringRef data;
  size_t pos, end;
};
} // namespace

// Field numbers from onnx.proto.
enum : uint32_t {
  kModelGraph = 7,
  kGraphInitializer = 5,
  kTensorFloatData = 4,
  kTensorName = 8,
  kTensorRawData = 9,
  kTensorDoubleData = 10,
};

/// Records the payload range of one TensorProto, if it has one contiguous
/// little-endian payload.
static bool scanTensor(StringRef model, size_t begin, size_t end,
                       InitializerData &out) {
  WireReader reader(model, begin, end);
  std::string name;
  InitializerData::Range range;
  int payloads = 0;
  WireReader::Field field;
  while (!reader.atEnd()) {
    if (!reader.next(field))
      return false;
    if (field.number == kTensorName && field.wireType == 2) {
      name = model.slice(field.begin, field.end).str();
    } else if ((field.number == kTensorRawData ||
                field.number == kTensorFloatData ||
                field.number == kTensorDoubleData)) {
      // Unpacked repeated floats arrive as many fixed32 fields: no range.
      payloads += field.wireType == 2 ? 1 : 2;
      range = {field.begin, field.end - field.begin};
    }
  }
  if (payloads == 1)
    out.ranges[name] = range;
  return true;
}

FailureOr<InitializerData>
pxc::onnx_import::scanInitializerData(StringRef model, Location loc) {
  InitializerData out;
  WireReader reader(model, 0, model.size());
  WireReader::Field field;
  while (!reader.atEnd()) {
    if (!reader.next(field))
      return emitError(loc) << "not a valid ONNX model: malformed protobuf";
    if (field.number != kModelGraph || field.wireType != 2)
      continue;
    WireReader graph(model, field.begin, field.end);
    WireReader::Field item;
    while (!graph.atEnd()) {
      if (!graph.next(item))
        return emitError(loc) << "not a valid ONNX model: malformed graph";
      if (item.number == kGraphInitializer && item.wireType == 2 &&
          !scanTensor(model, item.begin, item.end, out))
        return emitError(loc) << "not a valid ONNX model: malformed "
                                 "initializer";
    }
  }
  return out;
}

//===----------------------------------------------------------------------===//
// Decoding
//===----------------------------------------------------------------------===//

static double halfToDouble(uint16_t bits, DType dtype) {
  const llvm::fltSemantics &sem =
      dtype == DType::F16 ? APFloat::IEEEhalf() : APFloat::BFloat();
  return APFloat(sem, APInt(16, bits)).convertToDouble();
}

/// Decodes `count` little-endian elements of `dtype` from `bytes`.
static HostTensor decodeRaw(const char *bytes, DType dtype,
                            ArrayRef<int64_t> shape, int64_t count) {
  auto load = [&](auto zero, int64_t i) {
    decltype(zero) v;
    std::memcpy(&v, bytes + i * sizeof(v), sizeof(v));
    return v;
  };
  std::vector<double> floats;
  std::vector<int64_t> ints;
  for (int64_t i = 0; i < count; ++i) {
    switch (dtype) {
    case DType::F32:
      floats.push_back(load(float(), i));
      break;
    case DType::F64:
      floats.push_back(load(double(), i));
      break;
    case DType::F16:
    case DType::BF16:
      floats.push_back(halfToDouble(load(uint16_t(), i), dtype));
      break;
    case DType::I32:
      ints.push_back(load(int32_t(), i));
      break;
    case DType::I64:
      ints.push_back(load(int64_t(), i));
      break;
    case DType::Bool:
      ints.push_back(load(uint8_t(), i) != 0);
      break;
    }
  }
  if (isFloat(dtype))
    return HostTensor::fromFloats(shape, std::move(floats), dtype);
  return HostTensor::fromInts(shape, std::move(ints), dtype);
}

/// The external-data file, offset and length of `tensor`.
struct ExternalRef {
  std::string path;
  uint64_t offset = 0;
  uint64_t length = 0;
};

static FailureOr<ExternalRef> resolveExternal(const onnx::TensorProto &tensor,
                                              StringRef modelPath,
                                              uint64_t bytes, Location loc) {
  ExternalRef ref;
  ref.length = bytes;
  for (const onnx::StringStringEntryProto &entry : tensor.external_data()) {
    uint64_t number = 0;
    bool isNumber = !StringRef(entry.value()).getAsInteger(10, number);
    if (entry.key() == "location")
      ref.path = entry.value();
    else if (entry.key() == "offset" && isNumber)
      ref.offset = number;
    else if (entry.key() == "length" && isNumber)
      ref.length = number;
  }
  if (ref.path.empty())
    return emitError(loc) << "initializer '" << tensor.name()
                          << "' has external data without a location";
  if (ref.length != bytes)
    return emitError(loc) << "initializer '" << tensor.name() << "' has "
                          << ref.length << " bytes of external data, expected "
                          << bytes;
  SmallString<256> full(llvm::sys::path::parent_path(modelPath));
  llvm::sys::path::append(full, ref.path);
  llvm::sys::fs::make_absolute(full);
  uint64_t fileSize = 0;
  if (llvm::sys::fs::file_size(full, fileSize) ||
      fileSize < ref.offset + ref.length)
    return emitError(loc) << "initializer '" << tensor.name()
                          << "' refers to bytes [" << ref.offset << ", "
                          << ref.offset + ref.length << ") of '" << full
                          << "', which is missing or too short";
  ref.path = full.str().str();
  return ref;
}

static uint64_t payloadBytes(DType dtype, ArrayRef<int64_t> shape) {
  uint64_t n = byteWidth(dtype);
  for (int64_t d : shape)
    n *= d;
  return n;
}

/// Decodes external data by reading the referenced file range.
static FailureOr<HostTensor> decodeExternal(const onnx::TensorProto &tensor,
                                            DType dtype,
                                            ArrayRef<int64_t> shape,
                                            StringRef modelPath, Location loc) {
  uint64_t bytes = payloadBytes(dtype, shape);
  FailureOr<ExternalRef> ref = resolveExternal(tensor, modelPath, bytes, loc);
  if (failed(ref))
    return failure();
  auto file = llvm::MemoryBuffer::getFileSlice(ref->path, ref->length,
                                               ref->offset);
  if (!file)
    return emitError(loc) << "cannot read '" << ref->path
                          << "': " << file.getError().message();
  int64_t count = bytes / byteWidth(dtype);
  return decodeRaw((*file)->getBufferStart(), dtype, shape, count);
}

FailureOr<HostTensor>
pxc::onnx_import::decodeTensor(const onnx::TensorProto &tensor, Location loc,
                               StringRef what, StringRef modelPath) {
  std::optional<DType> dtype = dtypeFromOnnx(tensor.data_type());
  if (!dtype)
    return emitError(loc) << what << " '" << tensor.name()
                          << "' has element type "
                          << onnxTypeName(tensor.data_type())
                          << ", which px does not support";
  SmallVector<int64_t> shape;
  int64_t count = 1;
  for (int64_t d : tensor.dims()) {
    if (d < 0)
      return emitError(loc) << what << " '" << tensor.name()
                            << "' has a negative dimension";
    shape.push_back(d);
    count *= d;
  }
  if (tensor.data_location() == onnx::TensorProto::EXTERNAL)
    return decodeExternal(tensor, *dtype, shape, modelPath, loc);
  if (tensor.has_raw_data()) {
    uint64_t expected = payloadBytes(*dtype, shape);
    if (tensor.raw_data().size() != expected)
      return emitError(loc) << what << " '" << tensor.name() << "' has "
                            << tensor.raw_data().size()
                            << " bytes of data, expected " << expected;
    return decodeRaw(tensor.raw_data().data(), *dtype, shape, count);
  }

  std::vector<double> floats;
  std::vector<int64_t> ints;
  int64_t have = 0;
  switch (*dtype) {
  case DType::F32:
    floats.assign(tensor.float_data().begin(), tensor.float_data().end());
    have = floats.size();
    break;
  case DType::F64:
    floats.assign(tensor.double_data().begin(), tensor.double_data().end());
    have = floats.size();
    break;
  case DType::F16:
  case DType::BF16:
    for (int32_t bits : tensor.int32_data())
      floats.push_back(halfToDouble(static_cast<uint16_t>(bits), *dtype));
    have = floats.size();
    break;
  case DType::I64:
    ints.assign(tensor.int64_data().begin(), tensor.int64_data().end());
    have = ints.size();
    break;
  case DType::I32:
  case DType::Bool:
    for (int32_t v : tensor.int32_data())
      ints.push_back(*dtype == DType::Bool ? v != 0 : v);
    have = ints.size();
    break;
  }
  if (have != count)
    return emitError(loc) << what << " '" << tensor.name() << "' has " << have
                          << " values, expected " << count;
  if (isFloat(*dtype))
    return HostTensor::fromFloats(shape, std::move(floats), *dtype);
  return HostTensor::fromInts(shape, std::move(ints), *dtype);
}

FailureOr<Attribute>
InitializerData::getInit(const onnx::TensorProto &tensor,
                         RankedTensorType type, StringRef modelPath,
                         int64_t inlineLimitBytes, Location loc) const {
  std::optional<DType> dtype = fromMlirType(type.getElementType());
  uint64_t bytes = payloadBytes(*dtype, type.getShape());
  MLIRContext *context = type.getContext();
  if (tensor.data_location() == onnx::TensorProto::EXTERNAL) {
    FailureOr<ExternalRef> ref =
        resolveExternal(tensor, modelPath, bytes, loc);
    if (failed(ref))
      return failure();
    return Attribute(px::ExternalDataAttr::get(context, ref->path,
                                               ref->offset, ref->length));
  }
  auto range = ranges.find(tensor.name());
  if (static_cast<int64_t>(bytes) > inlineLimitBytes &&
      range != ranges.end() && range->second.size == bytes) {
    SmallString<256> full(modelPath);
    llvm::sys::fs::make_absolute(full);
    return Attribute(px::ExternalDataAttr::get(
        context, full.str(), range->second.offset, range->second.size));
  }
  FailureOr<HostTensor> value =
      decodeTensor(tensor, loc, "initializer", modelPath);
  if (failed(value))
    return failure();
  return Attribute(value->toAttr(context));
}
