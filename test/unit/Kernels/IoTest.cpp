//===- IoTest.cpp - TensorProto (.pb) and .npy files ----------------------===//

#include "pxrt/io.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <dirent.h>
#include <fstream>
#include <sys/stat.h>
#include <unistd.h>

using namespace pxrt;
using namespace pxrt::io;

namespace {

const std::string kOnnxNodeTests = "/usr/share/libonnx-testdata/data/node";

/// A fresh directory for one test's files.
std::string scratchDir() {
  static int count = 0;
  std::string dir = ::testing::TempDir() + "pxrt-io-" +
                    std::to_string(getpid()) + "-" + std::to_string(count++);
  mkdir(dir.c_str(), 0755);
  return dir;
}

std::vector<std::string> listDir(const std::string &dir) {
  std::vector<std::string> names;
  if (DIR *d = opendir(dir.c_str())) {
    while (dirent *entry = readdir(d))
      if (entry->d_name[0] != '.')
        names.push_back(entry->d_name);
    closedir(d);
  }
  std::sort(names.begin(), names.end());
  return names;
}

template <typename T> std::vector<T> elements(const Tensor &t) {
  std::vector<T> values(t.data.size() / sizeof(T));
  std::memcpy(values.data(), t.data.data(), t.data.size());
  return values;
}

template <typename T>
Tensor makeTensor(DType type, std::vector<int64_t> shape,
                  const std::vector<T> &values, std::string name = "") {
  Tensor t;
  t.name = std::move(name);
  t.type = type;
  t.shape = std::move(shape);
  const uint8_t *bytes = reinterpret_cast<const uint8_t *>(values.data());
  t.data.assign(bytes, bytes + values.size() * sizeof(T));
  return t;
}

bool sameTensor(const Tensor &a, const Tensor &b) {
  return a.name == b.name && a.type == b.type && a.shape == b.shape &&
         a.data == b.data;
}

/// Expects `body` to throw std::runtime_error whose message contains
/// `text`.
template <typename F> void expectError(F body, const std::string &text) {
  try {
    body();
    ADD_FAILURE() << "no error, expected one containing '" << text << "'";
  } catch (const std::runtime_error &e) {
    EXPECT_NE(std::string(e.what()).find(text), std::string::npos) << e.what();
  }
}

//===----------------------------------------------------------------------===//
// TensorProto
//===----------------------------------------------------------------------===//

TEST(TensorProtoTest, ReadsOnnxTestDataValues) {
  if (access(kOnnxNodeTests.c_str(), R_OK) != 0)
    GTEST_SKIP() << "libonnx-testdata is not installed";
  Tensor x = readTensorProto(kOnnxNodeTests + "/test_add/test_data_set_0/"
                                              "input_0.pb");
  EXPECT_EQ(x.name, "x");
  EXPECT_EQ(x.type, DType::F32);
  EXPECT_EQ(x.shape, (std::vector<int64_t>{3, 4, 5}));
  std::vector<float> v = elements<float>(x);
  EXPECT_EQ(v[0], 1.764052391052246f);
  EXPECT_EQ(v[1], 0.40015721321105957f);
  EXPECT_EQ(v[2], 0.978738009929657f);
  Tensor mask = readTensor(kOnnxNodeTests + "/test_and2d/test_data_set_0/"
                                            "input_0.pb");
  EXPECT_EQ(mask.type, DType::Bool);
  EXPECT_EQ(mask.shape, (std::vector<int64_t>{3, 4}));
  EXPECT_EQ(mask.data[0], 1);
  Tensor half = readTensorProto(kOnnxNodeTests + "/test_cast_FLOAT_to_FLOAT16/"
                                                 "test_data_set_0/output_0.pb");
  EXPECT_EQ(half.type, DType::F16);
  EXPECT_EQ(halfToFloat(elements<uint16_t>(half)[0]), 0.548828125f);
  Tensor ids = readTensorProto(kOnnxNodeTests + "/test_gather_0/"
                                                "test_data_set_0/input_1.pb");
  EXPECT_EQ(ids.name, "indices");
  EXPECT_EQ(elements<int64_t>(ids), (std::vector<int64_t>{0, 1, 3}));
  int64_t shape[] = {5, 4, 3, 2};
  std::vector<float> data(120);
  readTensorInto(kOnnxNodeTests + "/test_gather_0/test_data_set_0/input_0.pb",
                 DType::F32, std::vector<int64_t>(shape, shape + 4),
                 data.data());
  EXPECT_EQ(data[0], 1.764052391052246f);
  EXPECT_EQ(data[119], 0.9222067f);
}

TEST(TensorProtoTest, EveryOnnxNodeTestFileRoundTrips) {
  if (access(kOnnxNodeTests.c_str(), R_OK) != 0)
    GTEST_SKIP() << "libonnx-testdata is not installed";
  int decoded = 0, refused = 0, identical = 0;
  for (const std::string &test : listDir(kOnnxNodeTests)) {
    std::string dir = kOnnxNodeTests + "/" + test + "/test_data_set_0";
    for (const std::string &file : listDir(dir)) {
      std::string path = dir + "/" + file;
      std::string bytes = readFile(path);
      Tensor tensor;
      try {
        tensor = decodeTensorProto(bytes.data(), bytes.size(), path);
      } catch (const std::runtime_error &e) {
        // Unsupported dtypes (uint8, string, ...) and the sequence or
        // optional values stored in these files; the message names the file.
        EXPECT_EQ(std::string(e.what()).rfind(path, 0), 0u) << e.what();
        ++refused;
        continue;
      }
      ++decoded;
      std::string encoded = encodeTensorProto(tensor);
      Tensor again = decodeTensorProto(encoded.data(), encoded.size(), path);
      EXPECT_TRUE(sameTensor(tensor, again)) << path;
      // Files written as dims, data_type, name, raw_data come back byte for
      // byte.
      identical += encoded == bytes;
    }
  }
  EXPECT_GE(decoded, 2650);
  EXPECT_EQ(identical, decoded);
  EXPECT_GT(refused, 100);
  std::printf("decoded %d, identical re-encodings %d, refused %d\n", decoded,
              identical, refused);
}

/// Protobuf encoding helpers for hand-made messages.
std::string varint(uint64_t value) {
  std::string out;
  while (value >= 0x80) {
    out.push_back(static_cast<char>((value & 0x7f) | 0x80));
    value >>= 7;
  }
  out.push_back(static_cast<char>(value));
  return out;
}
std::string key(int field, int wire) { return varint(field << 3 | wire); }
std::string bytesField(int field, const std::string &payload) {
  return key(field, 2) + varint(payload.size()) + payload;
}
template <typename T> std::string raw(const std::vector<T> &values) {
  return std::string(reinterpret_cast<const char *>(values.data()),
                     values.size() * sizeof(T));
}

Tensor decode(const std::string &bytes) {
  return decodeTensorProto(bytes.data(), bytes.size(), "mem.pb");
}

TEST(TensorProtoTest, TypedDataFields) {
  // float_data packed, dims packed.
  Tensor f = decode(bytesField(1, varint(2) + varint(2)) + key(2, 0) +
                    varint(1) + bytesField(4, raw<float>({1, -2, 3.5, 4})));
  EXPECT_EQ(f.shape, (std::vector<int64_t>{2, 2}));
  EXPECT_EQ(elements<float>(f), (std::vector<float>{1, -2, 3.5, 4}));
  // float_data unpacked (one fixed32 per element).
  float one = 1.5f;
  std::string fixed(reinterpret_cast<const char *>(&one), 4);
  Tensor g = decode(key(1, 0) + varint(2) + key(2, 0) + varint(1) + key(4, 5) +
                    fixed + key(4, 5) + fixed);
  EXPECT_EQ(elements<float>(g), (std::vector<float>{1.5f, 1.5f}));
  // int32_data with a negative value (10-byte varint), packed and not.
  Tensor i = decode(key(1, 0) + varint(3) + key(2, 0) + varint(6) +
                    bytesField(5, varint(7) + varint(uint64_t(-5))) +
                    key(5, 0) + varint(9));
  EXPECT_EQ(elements<int32_t>(i), (std::vector<int32_t>{7, -5, 9}));
  // int64_data, double_data.
  Tensor l = decode(key(1, 0) + varint(2) + key(2, 0) + varint(7) +
                    bytesField(7, varint(uint64_t(-3)) + varint(1ull << 40)));
  EXPECT_EQ(elements<int64_t>(l), (std::vector<int64_t>{-3, 1ll << 40}));
  Tensor d = decode(key(1, 0) + varint(1) + key(2, 0) + varint(11) +
                    bytesField(10, raw<double>({0.1})));
  EXPECT_EQ(elements<double>(d), (std::vector<double>{0.1}));
  // f16 bits, bf16 bits and bools in int32_data.
  Tensor h = decode(key(1, 0) + varint(1) + key(2, 0) + varint(10) +
                    bytesField(5, varint(0x3c00)));
  EXPECT_EQ(halfToFloat(elements<uint16_t>(h)[0]), 1.0f);
  Tensor b = decode(key(1, 0) + varint(1) + key(2, 0) + varint(16) +
                    bytesField(5, varint(0xc000)));
  EXPECT_EQ(bfloat16ToFloat(elements<uint16_t>(b)[0]), -2.0f);
  Tensor flags = decode(key(1, 0) + varint(3) + key(2, 0) + varint(9) +
                        bytesField(5, varint(1) + varint(0) + varint(2)));
  EXPECT_EQ(flags.data, (std::vector<uint8_t>{1, 0, 1}));
  // A scalar (no dims), unknown fields skipped.
  Tensor s = decode(key(2, 0) + varint(1) + bytesField(12, "doc") + key(99, 1) +
                    std::string(8, '\0') + key(98, 5) + std::string(4, '\0') +
                    bytesField(9, raw<float>({7})));
  EXPECT_TRUE(s.shape.empty());
  EXPECT_EQ(elements<float>(s), (std::vector<float>{7}));
}

TEST(TensorProtoTest, MalformedInputsThrowWithTheName) {
  std::string good = bytesField(1, varint(2)) + key(2, 0) + varint(1) +
                     bytesField(8, "t") + bytesField(9, raw<float>({1, 2}));
  ASSERT_NO_THROW(decode(good));
  // Every strict prefix is truncated or incomplete.
  for (size_t n = 0; n < good.size(); ++n)
    expectError([&] { decode(good.substr(0, n)); }, "mem.pb: ");
  expectError(
      [&] {
        decode(key(1, 0) + varint(3) + key(2, 0) + varint(1) +
               bytesField(9, raw<float>({1, 2})));
      },
      "raw_data has 8 bytes, the shape needs 12");
  expectError([&] { decode(key(2, 0) + varint(2) + bytesField(9, "x")); },
              "data type 2 (uint8) is not supported");
  expectError([&] { decode(key(2, 0) + varint(1) + key(14, 0) + varint(1)); },
              "external data is not supported");
  expectError([&] { decode(key(20, 3)); }, "unsupported wire type 3");
  expectError([&] { decode(key(2, 0) + varint(1) + key(9, 0) + varint(1)); },
              "bad wire type for raw_data");
  expectError(
      [&] {
        decode(key(1, 0) + varint(2) + key(2, 0) + varint(1) +
               bytesField(7, varint(1) + varint(2)));
      },
      "wrong field");
  expectError(
      [&] {
        decode(key(1, 0) + varint(3) + key(2, 0) + varint(1) +
               bytesField(4, raw<float>({1, 2})));
      },
      "holds 2 elements, the shape needs 3");
  expectError([&] { decode(key(2, 0) + varint(1) + key(3, 2) + varint(10)); },
              "runs past the end");
}

TEST(TensorProtoTest, EncodesFieldsInOrder) {
  Tensor t = makeTensor<int32_t>(DType::I32, {2}, {1, -1}, "ab");
  std::string want = key(1, 0) + varint(2) + key(2, 0) + varint(6) +
                     bytesField(8, "ab") + bytesField(9, raw<int32_t>({1, -1}));
  EXPECT_EQ(encodeTensorProto(t), want);
  t.data.pop_back();
  EXPECT_THROW(encodeTensorProto(t), std::runtime_error);
}

//===----------------------------------------------------------------------===//
// .npy
//===----------------------------------------------------------------------===//

TEST(NpyTest, KnownHeaderBytes) {
  Tensor t = makeTensor<float>(DType::F32, {2, 3}, {1, 2, 3, 4, 5, 6});
  std::string bytes = encodeNpy(t);
  std::string dict =
      "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }";
  // What numpy.save writes: 10 prefix bytes, the dict, spaces, a newline,
  // the data at byte 128.
  std::string header = std::string("\x93NUMPY\x01\x00\x76\x00", 10) + dict +
                       std::string(128 - 10 - dict.size() - 1, ' ') + "\n";
  ASSERT_EQ(bytes.size(), 128u + 24);
  EXPECT_EQ(bytes.substr(0, 128), header);
  EXPECT_EQ(bytes.substr(128), raw<float>({1, 2, 3, 4, 5, 6}));
  // Scalars and vectors use Python's tuple spelling.
  EXPECT_NE(encodeNpy(makeTensor<double>(DType::F64, {}, {1}))
                .find("'descr': '<f8', 'fortran_order': False, 'shape': (), }"),
            std::string::npos);
  EXPECT_NE(encodeNpy(makeTensor<uint8_t>(DType::Bool, {3}, {1, 0, 1}))
                .find("'descr': '|b1', 'fortran_order': False, "
                      "'shape': (3,), }"),
            std::string::npos);
}

TEST(NpyTest, RoundTripsEveryDtypeThroughFiles) {
  std::string dir = scratchDir();
  std::vector<Tensor> tensors = {
      makeTensor<float>(DType::F32, {2, 1, 3}, {1, 2, 3, 4, 5, 6}),
      makeTensor<double>(DType::F64, {}, {3.25}),
      makeTensor<uint16_t>(DType::F16, {2}, {0x3c00, 0xc000}),
      makeTensor<int32_t>(DType::I32, {0, 4}, {}),
      makeTensor<int64_t>(DType::I64, {3}, {-1, 0, 1ll << 50}),
      makeTensor<uint8_t>(DType::Bool, {2, 2}, {1, 0, 0, 1})};
  for (const Tensor &t : tensors) {
    std::string path = dir + "/t.npy";
    writeNpy(path, t);
    EXPECT_TRUE(sameTensor(readTensor(path), t)) << dtypeName(t.type);
    std::string pb = dir + "/t.pb";
    Tensor named = t;
    named.name = "named";
    writeTensor(pb, named);
    EXPECT_TRUE(sameTensor(readTensor(pb), named)) << dtypeName(t.type);
  }
  // bf16 has no NumPy dtype; .pb carries it.
  Tensor bf = makeTensor<uint16_t>(DType::BF16, {1}, {0x3f80});
  EXPECT_THROW(writeNpy(dir + "/bf.npy", bf), std::runtime_error);
  writeTensor(dir + "/bf.pb", bf);
  EXPECT_TRUE(sameTensor(readTensor(dir + "/bf.pb"), bf));
  // Only the written files remain: no temporaries.
  EXPECT_EQ(listDir(dir), (std::vector<std::string>{"bf.pb", "t.npy", "t.pb"}));
}

std::string npy(int major, const std::string &dict, const std::string &data) {
  std::string out = std::string("\x93NUMPY", 6) + char(major) + '\0';
  uint32_t size = dict.size();
  for (int i = 0; i < (major == 1 ? 2 : 4); ++i)
    out.push_back(static_cast<char>(size >> (8 * i)));
  return out + dict + data;
}

Tensor decodeNpyString(const std::string &bytes) {
  return decodeNpy(bytes.data(), bytes.size(), "mem.npy");
}

TEST(NpyTest, ReadsOtherSpellingsAndVersion2) {
  // Keys in another order, double quotes, extra spaces, version 2.0.
  Tensor t = decodeNpyString(npy(
      2,
      "{\"shape\": ( 2 ,3 ), \"fortran_order\": False, \"descr\": \"<i8\"}\n",
      raw<int64_t>({1, 2, 3, 4, 5, 6})));
  EXPECT_EQ(t.type, DType::I64);
  EXPECT_EQ(t.shape, (std::vector<int64_t>{2, 3}));
  EXPECT_EQ(elements<int64_t>(t)[5], 6);
}

TEST(NpyTest, MalformedFilesThrowWithTheName) {
  std::string dict =
      "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }";
  std::string good = npy(1, dict, raw<float>({1, 2}));
  ASSERT_NO_THROW(decodeNpyString(good));
  for (size_t n = 0; n < good.size(); ++n)
    expectError([&] { decodeNpyString(good.substr(0, n)); }, "mem.npy: ");
  expectError([&] { decodeNpyString(good + "x"); },
              "data has 9 bytes, the shape needs 8");
  expectError([&] { decodeNpyString("PK" + good); }, "bad magic");
  expectError(
      [&] {
        decodeNpyString(
            npy(1, "{'descr': '>f4', 'fortran_order': False, 'shape': (2,), }",
                raw<float>({1, 2})));
      },
      "big-endian");
  expectError(
      [&] {
        decodeNpyString(
            npy(1, "{'descr': '<u2', 'fortran_order': False, 'shape': (2,), }",
                raw<uint16_t>({1, 2})));
      },
      "dtype '<u2' is not supported");
  expectError(
      [&] {
        decodeNpyString(
            npy(1, "{'descr': '<f4', 'fortran_order': True, 'shape': (2,), }",
                raw<float>({1, 2})));
      },
      "Fortran-order");
  expectError(
      [&] {
        decodeNpyString(
            npy(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (2,x), }",
                raw<float>({1, 2})));
      },
      "bad shape");
  expectError([&] { decodeNpyString(npy(1, "{'descr': '<f4'}", "")); },
              "no 'fortran_order'");
  expectError([&] { decodeNpyString(npy(4, dict, "")); },
              "unsupported .npy version 4");
}

TEST(FileTest, ExpectedTypeAndShapeAndMissingFiles) {
  std::string dir = scratchDir();
  std::string path = dir + "/x.npy";
  std::vector<float> values = {1, 2, 3, 4, 5, 6};
  writeTensor(path, DType::F32, {2, 3}, values.data());
  std::vector<float> back(6);
  readTensorInto(path, DType::F32, {2, 3}, back.data());
  EXPECT_EQ(back, values);
  expectError(
      [&] {
        readTensorInto(path, DType::F64, {2, 3}, back.data());
      },
      path + ": holds f32, expected f64");
  expectError(
      [&] {
        readTensorInto(path, DType::F32, {3, 2}, back.data());
      },
      path + ": has shape [2, 3], expected [3, 2]");
  expectError([&] { readTensor(dir + "/missing.pb"); },
              dir + "/missing.pb: cannot open");
  expectError(
      [&] {
        writeTensor(dir + "/no/such/dir/y.pb", DType::F32, {1}, values.data());
      },
      dir + "/no/such/dir/y.pb: cannot create");
  // Overwriting replaces the file.
  writeTensor(path, DType::I32, {1}, std::vector<int32_t>{9}.data());
  EXPECT_EQ(readTensor(path).type, DType::I32);
}

} // namespace
