//===- CopyTest.cpp - Views, copies and data-movement kernels -------------===//

#include "KernelTestUtil.h"

using namespace pxrt;
using namespace pxrt::cpu;
using namespace pxrt::test;

namespace {

/// Row-major multi-index of `index` in `shape`.
Shape unravel(int64_t index, const Shape &shape) {
  Shape result(shape.size());
  for (int d = static_cast<int>(shape.size()) - 1; d >= 0; --d) {
    result[d] = index % shape[d];
    index /= shape[d];
  }
  return result;
}

int64_t ravel(const Shape &index, const Shape &shape) {
  int64_t result = 0;
  for (size_t d = 0; d < shape.size(); ++d)
    result = result * shape[d] + index[d];
  return result;
}

TEST(ViewTest, ContiguousAndNumel) {
  float data[24] = {};
  TensorView v = contiguousView(data, DType::F32, {2, 3, 4});
  EXPECT_EQ(v.rank, 3);
  EXPECT_EQ(v.numel(), 24);
  EXPECT_EQ(v.strides[0], 12);
  EXPECT_EQ(v.strides[2], 1);
  EXPECT_TRUE(v.isContiguous());
  EXPECT_FALSE(permuteView(v, {1, 0, 2}).isContiguous());
  TensorView scalar = contiguousView(data, DType::F32, {});
  EXPECT_EQ(scalar.numel(), 1);
  EXPECT_TRUE(scalar.isContiguous());
}

TEST(ViewTest, BadArgumentsThrow) {
  float data[6] = {};
  TensorView v = contiguousView(data, DType::F32, {2, 3});
  EXPECT_THROW(permuteView(v, {0, 0}), std::invalid_argument);
  EXPECT_THROW(sliceView(v, {0, 2}, {2, 2}, {1, 1}), std::invalid_argument);
  int64_t shape[] = {4, 3};
  EXPECT_THROW(broadcastView(v, shape, 2), std::invalid_argument);
  EXPECT_THROW(copy(v, contiguousView(data, DType::F32, {3, 2})),
               std::invalid_argument);
  try {
    copy(v, contiguousView(data, DType::F64, {2, 3}));
    FAIL();
  } catch (const std::invalid_argument &e) {
    EXPECT_STREQ(e.what(), "pxrt::cpu::copy: expected f64, got f32");
  }
}

TEST(CopyTest, EveryDtypeAndLayout) {
  std::mt19937 rng(1);
  for (DType type : allTypes()) {
    Tensor in = randomTensor(rng, type, {3, 5, 7});
    Tensor strided = stridedCopy(in);
    Tensor out(type, {3, 5, 7});
    copy(strided, out);
    EXPECT_EQ(out.values(), in.values()) << dtypeName(type);
    Tensor back = stridedCopy(Tensor(type, {3, 5, 7}));
    copy(in, back);
    EXPECT_EQ(back.values(), in.values()) << dtypeName(type);
  }
}

TEST(CopyTest, TransposeMatchesReference) {
  std::mt19937 rng(2);
  struct Case {
    Shape shape;
    std::vector<int64_t> perm;
  };
  // Odd sizes, tiled (both inner dims >= 8) and plain paths, rank 1 to 5.
  for (const Case &c : std::vector<Case>{{{37, 45}, {1, 0}},
                                         {{3, 1, 4}, {2, 0, 1}},
                                         {{2, 33, 9, 5}, {0, 2, 1, 3}},
                                         {{2, 33, 17, 5}, {3, 0, 2, 1}},
                                         {{2, 3, 4, 5, 6}, {4, 3, 2, 1, 0}},
                                         {{7}, {0}}}) {
    for (DType type : {DType::F32, DType::F16, DType::I64, DType::Bool}) {
      Tensor in = randomTensor(rng, type, c.shape);
      Shape outShape;
      for (int64_t p : c.perm)
        outShape.push_back(c.shape[p]);
      Tensor out(type, outShape);
      transpose(in, c.perm, out);
      for (int64_t i = 0; i < out.size(); ++i) {
        Shape o = unravel(i, outShape), src(c.shape.size());
        for (size_t d = 0; d < o.size(); ++d)
          src[c.perm[d]] = o[d];
        ASSERT_EQ(out.at(i), in.at(ravel(src, c.shape)));
      }
      // The same through strided, reversed storage.
      Tensor out2 = stridedCopy(Tensor(type, outShape));
      transpose(stridedCopy(in), c.perm, out2);
      EXPECT_EQ(out2.values(), out.values());
    }
  }
}

TEST(CopyTest, SliceWithNegativeStrides) {
  std::mt19937 rng(3);
  Shape shape = {6, 7, 5};
  Tensor in = randomTensor(rng, DType::F64, shape);
  std::vector<int64_t> offsets = {5, 1, 4}, strides = {-2, 3, -1};
  Shape sizes = {3, 2, 5};
  Tensor out(DType::F64, sizes);
  slice(in, offsets, strides, out);
  for (int64_t i = 0; i < out.size(); ++i) {
    Shape o = unravel(i, sizes), src(3);
    for (int d = 0; d < 3; ++d)
      src[d] = offsets[d] + o[d] * strides[d];
    ASSERT_EQ(out.at(i), in.at(ravel(src, shape)));
  }
  // A slice that would leave the input throws.
  Tensor bad(DType::F64, {4, 2, 5});
  EXPECT_THROW(slice(in, offsets, strides, bad), std::invalid_argument);
}

TEST(CopyTest, ConcatAndSplitRoundTrip) {
  std::mt19937 rng(4);
  for (int axis : {0, 1, -1}) {
    Shape a = {3, 4, 5}, b = a, c = a;
    int dim = axis < 0 ? axis + 3 : axis;
    a[dim] = 1;
    b[dim] = 2;
    c[dim] = 4;
    Tensor x = randomTensor(rng, DType::BF16, a);
    Tensor y = randomTensor(rng, DType::BF16, b);
    Tensor z = randomTensor(rng, DType::BF16, c);
    Shape total = a;
    total[dim] = 7;
    Tensor out(DType::BF16, total);
    concat({x, stridedCopy(y), z}, axis, out);
    for (int64_t i = 0; i < out.size(); ++i) {
      Shape o = unravel(i, total);
      int64_t k = o[dim];
      const Tensor &src = k < 1 ? x : k < 3 ? y : z;
      o[dim] = k < 1 ? k : k < 3 ? k - 1 : k - 3;
      Shape srcShape(src.view.shape, src.view.shape + 3);
      ASSERT_EQ(out.at(i), src.at(ravel(o, srcShape)));
    }
    Tensor x2(DType::BF16, a), y2(DType::BF16, b), z2(DType::BF16, c);
    split(out, axis, {x2, y2, z2});
    EXPECT_EQ(x2.values(), x.values());
    EXPECT_EQ(y2.values(), y.values());
    EXPECT_EQ(z2.values(), z.values());
  }
  Tensor small(DType::BF16, {3, 1});
  Tensor whole(DType::BF16, {3, 3});
  EXPECT_THROW(concat({small, small}, 1, whole), std::invalid_argument);
  EXPECT_THROW(split(whole, 1, {small, small}), std::invalid_argument);
}

TEST(CopyTest, ExpandBroadcasts) {
  Tensor in = makeTensor(DType::I32, {3, 1}, {1, 2, 3});
  Tensor out(DType::I32, {2, 3, 4});
  expand(in, out);
  for (int64_t i = 0; i < out.size(); ++i)
    ASSERT_EQ(out.at(i), 1 + (i / 4) % 3);
  Tensor bad(DType::I32, {2, 4});
  EXPECT_THROW(expand(in, bad), std::invalid_argument);
}

TEST(CopyTest, TriluKeepsTriangles) {
  std::mt19937 rng(5);
  Shape shape = {2, 5, 7};
  Tensor in = randomTensor(rng, DType::F32, shape, 1, 2);
  for (bool upper : {false, true})
    for (int64_t k : {-7, -2, 0, 1, 3, 9}) {
      Tensor out = stridedCopy(Tensor(DType::F32, shape));
      trilu(in, upper, k, out);
      for (int64_t idx = 0; idx < out.size(); ++idx) {
        Shape o = unravel(idx, shape);
        bool keep = upper ? o[2] >= o[1] + k : o[2] <= o[1] + k;
        ASSERT_EQ(out.at(idx), keep ? in.at(idx) : 0.0) << upper << " k=" << k;
      }
    }
}

TEST(ChunkTest, SizesAndOffsets) {
  // 10 over 4: 3, 3, 2, 2.
  EXPECT_EQ(chunkSize(10, 4, 0), 3);
  EXPECT_EQ(chunkSize(10, 4, 1), 3);
  EXPECT_EQ(chunkSize(10, 4, 3), 2);
  EXPECT_EQ(chunkOffset(10, 4, 2), 6);
  EXPECT_EQ(chunkOffset(10, 4, 3), 8);
  EXPECT_EQ(chunkSize(2, 3, 2), 0);
  for (int64_t size : {0, 1, 7, 12})
    for (int64_t parts : {1, 2, 3, 5}) {
      int64_t total = 0;
      for (int64_t c = 0; c < parts; ++c) {
        EXPECT_EQ(chunkOffset(size, parts, c), total);
        total += chunkSize(size, parts, c);
      }
      EXPECT_EQ(total, size);
    }
}

TEST(ChunkTest, PackUnpackRoundTripUnevenChunks) {
  std::mt19937 rng(6);
  Shape shape = {3, 7, 5};
  for (DType type : {DType::F32, DType::F16, DType::I64, DType::Bool})
    for (int dim = 0; dim < 3; ++dim)
      for (int64_t parts : {1, 2, 3, 4}) {
        Tensor in = randomTensor(rng, type, shape);
        std::vector<char> buffer(in.size() * dtypeSize(type));
        packChunks(stridedCopy(in), dim, parts, buffer.data());
        // Chunk c lies contiguous at its offset, row-major.
        int64_t offset = 0;
        for (int64_t c = 0; c < parts; ++c) {
          Shape chunkShape = shape;
          chunkShape[dim] = chunkSize(shape[dim], parts, c);
          TensorView chunk =
              contiguousView(buffer.data() + offset * dtypeSize(type), type,
                             chunkShape.data(), 3);
          for (int64_t i = 0; i < numel(chunkShape); ++i) {
            Shape o = unravel(i, chunkShape);
            o[dim] += chunkOffset(shape[dim], parts, c);
            ASSERT_EQ(readElement(chunk, i), in.at(ravel(o, shape)));
          }
          offset += numel(chunkShape);
        }
        Tensor out = stridedCopy(Tensor(type, shape));
        unpackChunks(buffer.data(), dim, parts, out);
        EXPECT_EQ(out.values(), in.values());
      }
}

} // namespace
