//===- Npy.cpp - NumPy .npy files -----------------------------------------===//
//
// Layout: "\x93NUMPY", major and minor version bytes, the header length
// (2 bytes in 1.0, 4 in 2.0/3.0), then a Python dict literal such as
// {'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), } padded with
// spaces and a newline, then the data.
//
//===----------------------------------------------------------------------===//

#include "IoInternal.h"

#include <cstring>

namespace pxrt::io {

namespace {

const char kMagic[] = "\x93NUMPY";
constexpr size_t kMagicSize = 6;

const char *descrOf(DType type) {
  switch (type) {
  case DType::F32:
    return "<f4";
  case DType::F64:
    return "<f8";
  case DType::F16:
    return "<f2";
  case DType::I32:
    return "<i4";
  case DType::I64:
    return "<i8";
  case DType::Bool:
    return "|b1";
  case DType::BF16:
    break;
  }
  return nullptr;
}

/// A cursor over the header dict.
class HeaderParser {
public:
  HeaderParser(const std::string &text, const std::string &what)
      : text(text), what(what) {}

  /// Positions the cursor after the colon following 'key'.
  void seekKey(const char *key) {
    for (char quote : {'\'', '"'}) {
      std::string quoted = std::string(1, quote) + key + quote;
      size_t at = text.find(quoted);
      if (at == std::string::npos)
        continue;
      pos = at + quoted.size();
      skipSpaces();
      expect(':');
      skipSpaces();
      return;
    }
    fail(what, std::string("header has no '") + key + "'");
  }

  std::string quotedString() {
    char quote = peek();
    if (quote != '\'' && quote != '"')
      fail(what, "header: expected a string");
    size_t close = text.find(quote, pos + 1);
    if (close == std::string::npos)
      fail(what, "header: unterminated string");
    std::string value = text.substr(pos + 1, close - pos - 1);
    pos = close + 1;
    return value;
  }

  bool boolean() {
    for (const char *word : {"True", "False"})
      if (text.compare(pos, std::strlen(word), word) == 0) {
        pos += std::strlen(word);
        return word[0] == 'T';
      }
    fail(what, "header: expected True or False");
  }

  std::vector<int64_t> tuple() {
    expect('(');
    std::vector<int64_t> values;
    while (true) {
      skipSpaces();
      if (peek() == ')') {
        ++pos;
        return values;
      }
      size_t start = pos;
      int64_t value = 0;
      while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
        if (value > (INT64_MAX - 9) / 10)
          fail(what, "header: dim too large");
        value = value * 10 + (text[pos++] - '0');
      }
      if (pos == start)
        fail(what, "header: bad shape");
      values.push_back(value);
      skipSpaces();
      if (peek() == ',')
        ++pos;
      else if (peek() != ')')
        fail(what, "header: bad shape");
    }
  }

private:
  char peek() const { return pos < text.size() ? text[pos] : '\0'; }
  void skipSpaces() {
    while (pos < text.size() && (text[pos] == ' ' || text[pos] == '\t'))
      ++pos;
  }
  void expect(char c) {
    if (peek() != c)
      fail(what, std::string("header: expected '") + c + "'");
    ++pos;
  }

  const std::string &text;
  const std::string &what;
  size_t pos = 0;
};

std::string shapeTuple(const std::vector<int64_t> &shape) {
  std::string text = "(";
  for (size_t d = 0; d < shape.size(); ++d)
    text += (d ? ", " : "") + std::to_string(shape[d]);
  return text + (shape.size() == 1 ? ",)" : ")");
}

} // namespace

Tensor decodeNpy(const void *bytes, size_t size, const std::string &what) {
  const uint8_t *data = static_cast<const uint8_t *>(bytes);
  if (size < kMagicSize + 4 || std::memcmp(data, kMagic, kMagicSize) != 0)
    fail(what, "not a .npy file (bad magic)");
  uint8_t major = data[6];
  if (major < 1 || major > 3)
    fail(what, "unsupported .npy version " + std::to_string(major));
  size_t lengthBytes = major == 1 ? 2 : 4;
  size_t start = kMagicSize + 2 + lengthBytes;
  if (size < start)
    fail(what, "truncated header");
  size_t headerSize = data[8] | data[9] << 8;
  if (major > 1)
    headerSize |= static_cast<size_t>(data[10]) << 16 |
                  static_cast<size_t>(data[11]) << 24;
  if (size - start < headerSize)
    fail(what, "truncated header");
  std::string header(reinterpret_cast<const char *>(data + start), headerSize);
  HeaderParser parser(header, what);
  parser.seekKey("descr");
  std::string descr = parser.quotedString();
  parser.seekKey("fortran_order");
  if (parser.boolean())
    fail(what, "Fortran-order arrays are not supported");
  parser.seekKey("shape");
  Tensor tensor;
  tensor.shape = parser.tuple();
  bool known = false;
  for (DType type : {DType::F32, DType::F64, DType::F16, DType::I32, DType::I64,
                     DType::Bool})
    if (descr == descrOf(type) || (type == DType::Bool && descr == "<b1")) {
      tensor.type = type;
      known = true;
    }
  if (!known)
    fail(what, "dtype '" + descr + "' is not supported" +
                   (descr.size() > 1 && descr[0] == '>'
                        ? " (big-endian)"
                        : " (f32, f64, f16, i32, i64 or bool)"));
  size_t offset = start + headerSize;
  size_t expected =
      static_cast<size_t>(tensor.numel()) * dtypeSize(tensor.type);
  if (size - offset != expected)
    fail(what, "data has " + std::to_string(size - offset) +
                   " bytes, the shape needs " + std::to_string(expected));
  tensor.data.assign(data + offset, data + size);
  return tensor;
}

std::string encodeNpy(const Tensor &tensor) {
  checkTensor(tensor, "encodeNpy");
  const char *descr = descrOf(tensor.type);
  if (!descr)
    throw std::runtime_error(std::string("encodeNpy: ") +
                             dtypeName(tensor.type) +
                             " has no .npy dtype (write a .pb file)");
  std::string dict =
      std::string("{'descr': '") + descr +
      "', 'fortran_order': False, 'shape': " + shapeTuple(tensor.shape) + ", }";
  // Pad with spaces so the data starts at a multiple of 64 bytes.
  bool large = dict.size() + 1 + kMagicSize + 4 > 65535;
  size_t prefix = kMagicSize + 2 + (large ? 4 : 2);
  size_t total = (prefix + dict.size() + 1 + 63) / 64 * 64;
  dict.append(total - prefix - dict.size() - 1, ' ');
  dict.push_back('\n');
  std::string out(kMagic, kMagicSize);
  out.push_back(static_cast<char>(large ? 2 : 1));
  out.push_back(0);
  for (size_t i = 0; i < (large ? 4u : 2u); ++i)
    out.push_back(static_cast<char>((dict.size() >> (8 * i)) & 0xff));
  out += dict;
  out.append(reinterpret_cast<const char *>(tensor.data.data()),
             tensor.data.size());
  return out;
}

Tensor readNpy(const std::string &path) {
  std::string bytes = readFile(path);
  return decodeNpy(bytes.data(), bytes.size(), path);
}

void writeNpy(const std::string &path, const Tensor &tensor) {
  writeFileAtomic(path, encodeNpy(tensor));
}

} // namespace pxrt::io
