//===- TensorProto.cpp - ONNX TensorProto without protobuf ----------------===//
//
// The protobuf wire format: each field is a varint key (number << 3 | wire
// type) followed by a varint (0), 8 bytes (1), a length-prefixed payload (2)
// or 4 bytes (5). Repeated numeric fields come packed (one payload) or one
// key per element; both are read.
//
//===----------------------------------------------------------------------===//

#include "IoInternal.h"

#include <cstring>

namespace pxrt::io {

namespace {

// TensorProto field numbers and ONNX data types.
enum Field : uint32_t {
  Dims = 1,
  DataType = 2,
  FloatData = 4,
  Int32Data = 5,
  Int64Data = 7,
  Name = 8,
  RawData = 9,
  DoubleData = 10,
  ExternalData = 13,
  DataLocation = 14,
};

enum Wire : uint32_t { Varint = 0, Fixed64 = 1, Bytes = 2, Fixed32 = 5 };

int onnxTypeOf(DType type) {
  switch (type) {
  case DType::F32:
    return 1;
  case DType::I32:
    return 6;
  case DType::I64:
    return 7;
  case DType::Bool:
    return 9;
  case DType::F16:
    return 10;
  case DType::F64:
    return 11;
  case DType::BF16:
    return 16;
  }
  return 0;
}

const char *onnxTypeName(uint64_t type) {
  static const char *const names[] = {
      "undefined", "float",  "uint8",     "int8",       "uint16",  "int16",
      "int32",     "int64",  "string",    "bool",       "float16", "double",
      "uint32",    "uint64", "complex64", "complex128", "bfloat16"};
  return type < sizeof(names) / sizeof(names[0]) ? names[type] : "unknown";
}

class Reader {
public:
  Reader(const uint8_t *begin, const uint8_t *end, const std::string &what)
      : pos(begin), end(end), what(what) {}

  bool done() const { return pos == end; }

  uint64_t varint() {
    uint64_t value = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (pos == end)
        fail(what, "truncated varint");
      uint8_t byte = *pos++;
      value |= static_cast<uint64_t>(byte & 0x7f) << shift;
      if (!(byte & 0x80))
        return value;
    }
    fail(what, "varint longer than 10 bytes");
  }

  /// The next `size` bytes.
  const uint8_t *take(uint64_t size) {
    if (size > static_cast<uint64_t>(end - pos))
      fail(what, "field runs past the end of the data");
    const uint8_t *start = pos;
    pos += size;
    return start;
  }

  void skip(uint32_t wire) {
    switch (wire) {
    case Varint:
      varint();
      return;
    case Fixed64:
      take(8);
      return;
    case Bytes:
      take(varint());
      return;
    case Fixed32:
      take(4);
      return;
    default:
      fail(what, "unsupported wire type " + std::to_string(wire));
    }
  }

private:
  const uint8_t *pos;
  const uint8_t *end;
  const std::string &what;
};

/// Appends a repeated varint field's values (packed or not).
void readVarints(Reader &reader, uint32_t wire, const std::string &what,
                 std::vector<uint64_t> &values) {
  if (wire == Varint) {
    values.push_back(reader.varint());
    return;
  }
  if (wire != Bytes)
    fail(what, "bad wire type for an integer field");
  uint64_t size = reader.varint();
  const uint8_t *payload = reader.take(size);
  Reader packed(payload, payload + size, what);
  while (!packed.done())
    values.push_back(packed.varint());
}

/// Appends a repeated fixed-size field's bytes (packed or not).
void readFixed(Reader &reader, uint32_t wire, uint32_t elementWire,
               size_t elementSize, const std::string &what,
               std::vector<uint8_t> &bytes) {
  uint64_t size = elementSize;
  if (wire == Bytes)
    size = reader.varint();
  else if (wire != elementWire)
    fail(what, "bad wire type for a float field");
  if (size % elementSize)
    fail(what, "packed field size is not a multiple of its element");
  const uint8_t *payload = reader.take(size);
  bytes.insert(bytes.end(), payload, payload + size);
}

void putVarint(std::string &out, uint64_t value) {
  while (value >= 0x80) {
    out.push_back(static_cast<char>((value & 0x7f) | 0x80));
    value >>= 7;
  }
  out.push_back(static_cast<char>(value));
}

void putKey(std::string &out, uint32_t field, uint32_t wire) {
  putVarint(out, (static_cast<uint64_t>(field) << 3) | wire);
}

} // namespace

Tensor decodeTensorProto(const void *bytes, size_t size,
                         const std::string &what) {
  const uint8_t *begin = static_cast<const uint8_t *>(bytes);
  Reader reader(begin, begin + size, what);
  Tensor tensor;
  uint64_t dataType = 0;
  bool hasRaw = false, external = false;
  std::vector<uint8_t> raw, fixed;
  std::vector<uint64_t> varints;
  uint32_t typedField = 0;
  while (!reader.done()) {
    uint64_t key = reader.varint();
    uint32_t field = static_cast<uint32_t>(key >> 3);
    uint32_t wire = static_cast<uint32_t>(key & 7);
    // A typed data field must match data_type; remember which one came.
    auto noteTyped = [&] {
      if (typedField && typedField != field)
        fail(what, "data in two different fields");
      typedField = field;
    };
    switch (field) {
    case Dims: {
      std::vector<uint64_t> dims;
      readVarints(reader, wire, what, dims);
      for (uint64_t d : dims) {
        if (static_cast<int64_t>(d) < 0)
          fail(what, "negative dim");
        tensor.shape.push_back(static_cast<int64_t>(d));
      }
      break;
    }
    case DataType:
      if (wire != Varint)
        fail(what, "bad wire type for data_type");
      dataType = reader.varint();
      break;
    case Name: {
      if (wire != Bytes)
        fail(what, "bad wire type for name");
      uint64_t length = reader.varint();
      const uint8_t *text = reader.take(length);
      tensor.name.assign(reinterpret_cast<const char *>(text), length);
      break;
    }
    case RawData: {
      if (wire != Bytes)
        fail(what, "bad wire type for raw_data");
      uint64_t length = reader.varint();
      const uint8_t *payload = reader.take(length);
      raw.assign(payload, payload + length);
      hasRaw = true;
      break;
    }
    case FloatData:
      noteTyped();
      readFixed(reader, wire, Fixed32, 4, what, fixed);
      break;
    case DoubleData:
      noteTyped();
      readFixed(reader, wire, Fixed64, 8, what, fixed);
      break;
    case Int32Data:
    case Int64Data:
      noteTyped();
      readVarints(reader, wire, what, varints);
      break;
    case ExternalData:
      external = true;
      reader.skip(wire);
      break;
    case DataLocation:
      if (wire != Varint)
        fail(what, "bad wire type for data_location");
      external |= reader.varint() == 1;
      break;
    default:
      reader.skip(wire);
    }
  }
  if (external)
    fail(what, "external data is not supported");
  bool known = false;
  for (DType type : {DType::F32, DType::F64, DType::F16, DType::BF16,
                     DType::I32, DType::I64, DType::Bool})
    if (onnxTypeOf(type) == static_cast<int>(dataType)) {
      tensor.type = type;
      known = true;
    }
  if (!known)
    fail(what, std::string("data type ") + std::to_string(dataType) + " (" +
                   onnxTypeName(dataType) + ") is not supported");
  int64_t count = tensor.numel();
  size_t elementSize = dtypeSize(tensor.type);
  size_t expected = static_cast<size_t>(count) * elementSize;
  if (hasRaw) {
    if (typedField)
      fail(what, "both raw_data and typed data");
    if (raw.size() != expected)
      fail(what, "raw_data has " + std::to_string(raw.size()) +
                     " bytes, the shape needs " + std::to_string(expected));
    tensor.data = std::move(raw);
    return tensor;
  }
  // Which typed field each dtype uses (ONNX: f16/bf16/bool in int32_data).
  uint32_t wanted = tensor.type == DType::F32   ? FloatData
                    : tensor.type == DType::F64 ? DoubleData
                    : tensor.type == DType::I64 ? Int64Data
                                                : Int32Data;
  if (typedField && typedField != wanted)
    fail(what, std::string("data of a ") + dtypeName(tensor.type) +
                   " tensor in the wrong field");
  size_t stored = typedField == FloatData || typedField == DoubleData
                      ? fixed.size() / elementSize
                      : varints.size();
  if (stored != static_cast<size_t>(count))
    fail(what, "holds " + std::to_string(stored) +
                   " elements, the shape needs " + std::to_string(count));
  tensor.data.resize(expected);
  if (wanted == FloatData || wanted == DoubleData) {
    if (expected)
      std::memcpy(tensor.data.data(), fixed.data(), expected);
    return tensor;
  }
  for (int64_t i = 0; i < count; ++i) {
    // Each value keeps its low bytes: i64 whole, i32 as 4, f16/bf16 bits as
    // 2, bool as 1 (little-endian).
    uint64_t value = varints[i];
    if (tensor.type == DType::Bool)
      value = value != 0;
    std::memcpy(tensor.data.data() + i * elementSize, &value, elementSize);
  }
  return tensor;
}

std::string encodeTensorProto(const Tensor &tensor) {
  checkTensor(tensor, "encodeTensorProto");
  std::string out;
  for (int64_t d : tensor.shape) {
    putKey(out, Dims, Varint);
    putVarint(out, static_cast<uint64_t>(d));
  }
  putKey(out, DataType, Varint);
  putVarint(out, onnxTypeOf(tensor.type));
  if (!tensor.name.empty()) {
    putKey(out, Name, Bytes);
    putVarint(out, tensor.name.size());
    out += tensor.name;
  }
  putKey(out, RawData, Bytes);
  putVarint(out, tensor.data.size());
  out.append(reinterpret_cast<const char *>(tensor.data.data()),
             tensor.data.size());
  return out;
}

Tensor readTensorProto(const std::string &path) {
  std::string bytes = readFile(path);
  return decodeTensorProto(bytes.data(), bytes.size(), path);
}

void writeTensorProto(const std::string &path, const Tensor &tensor) {
  writeFileAtomic(path, encodeTensorProto(tensor));
}

} // namespace pxrt::io
