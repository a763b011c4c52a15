//===- SbpTest.cpp - Tests of the SBP distribution algebra ----------------===//

#include "pxc/Sbp/Sbp.h"

#include <gtest/gtest.h>

#include <numeric>

using namespace pxc::sbp;

namespace {

const Sbp1D S0 = Sbp1D::split(0);
const Sbp1D S1 = Sbp1D::split(1);
const Sbp1D B = Sbp1D::broadcast();
const Sbp1D PSum = Sbp1D::partial(Reduce::Sum);
const Sbp1D PMax = Sbp1D::partial(Reduce::Max);

//===----------------------------------------------------------------------===//
// Construction, equality, dual
//===----------------------------------------------------------------------===//

TEST(Sbp1DTest, Constructors) {
  EXPECT_TRUE(S1.isSplit());
  EXPECT_EQ(S1.dim, 1);
  EXPECT_TRUE(B.isBroadcast());
  EXPECT_TRUE(PSum.isPartial());
  EXPECT_EQ(PSum.reduce, Reduce::Sum);
  EXPECT_EQ(PMax.reduce, Reduce::Max);
  // P defaults to sum.
  EXPECT_EQ(Sbp1D::partial(), PSum);
  // A default-constructed entry is B.
  EXPECT_EQ(Sbp1D(), B);
}

TEST(Sbp1DTest, Equality) {
  EXPECT_EQ(S0, Sbp1D::split(0));
  EXPECT_NE(S0, S1);
  EXPECT_NE(S0, B);
  EXPECT_NE(B, PSum);
  EXPECT_NE(PSum, PMax);
  EXPECT_FALSE(S0 != Sbp1D::split(0));
  EXPECT_EQ(NdSbp({S0, B}), NdSbp({Sbp1D::split(0), Sbp1D::broadcast()}));
  EXPECT_NE(NdSbp({S0, B}), NdSbp({B, S0}));
}

TEST(Sbp1DTest, Dual) {
  EXPECT_EQ(B.dual(), PSum);
  EXPECT_EQ(PSum.dual(), B);
  EXPECT_EQ(S0.dual(), S0);
  EXPECT_EQ(Sbp1D::split(3).dual(), Sbp1D::split(3));
  EXPECT_EQ(PMax.dual(), std::nullopt);
  // The dual is an involution where it exists.
  for (Sbp1D s : {S0, S1, B, PSum})
    EXPECT_EQ(s.dual()->dual(), s) << s.str();
}

TEST(NdSbpTest, Dual) {
  EXPECT_EQ(dual({S0, B, PSum}), NdSbp({S0, PSum, B}));
  EXPECT_EQ(dual({}), NdSbp{});
  EXPECT_EQ(dual({S0, PMax}), std::nullopt);
  EXPECT_EQ(dual({PMax}), std::nullopt);
}

//===----------------------------------------------------------------------===//
// Text
//===----------------------------------------------------------------------===//

TEST(SbpTextTest, Str) {
  EXPECT_EQ(S0.str(), "S(0)");
  EXPECT_EQ(Sbp1D::split(12).str(), "S(12)");
  EXPECT_EQ(B.str(), "B");
  EXPECT_EQ(PSum.str(), "P(sum)");
  EXPECT_EQ(PMax.str(), "P(max)");
  EXPECT_EQ(str({S0, B}), "[S(0), B]");
  EXPECT_EQ(str({PMax}), "[P(max)]");
  EXPECT_EQ(str({}), "[]");
}

TEST(SbpTextTest, Parse1D) {
  EXPECT_EQ(parse1D("S(0)"), S0);
  EXPECT_EQ(parse1D("S(123)"), Sbp1D::split(123));
  EXPECT_EQ(parse1D("B"), B);
  EXPECT_EQ(parse1D("P"), PSum);
  EXPECT_EQ(parse1D("P(sum)"), PSum);
  EXPECT_EQ(parse1D("P(max)"), PMax);
  EXPECT_EQ(parse1D("  S(1) "), S1);
  EXPECT_EQ(parse1D("\tB\n"), B);
}

TEST(SbpTextTest, Parse1DRejects) {
  for (const char *bad :
       {"",      " ",     "S",    "S()",    "S(",    "S(1",           "S1)",
        "S(-1)", "S(+1)", "S(a)", "S(1)x",  "S(1 )", "S(1234567890)", "s(0)",
        "b",     "BB",    "P()",  "P(min)", "P(sum", "p(sum)",        "Q",
        "S(0),B"})
    EXPECT_EQ(parse1D(bad), std::nullopt) << "'" << bad << "'";
}

TEST(SbpTextTest, ParseNd) {
  EXPECT_EQ(parseNd("S(0),B"), NdSbp({S0, B}));
  EXPECT_EQ(parseNd("[S(0), B]"), NdSbp({S0, B}));
  EXPECT_EQ(parseNd(" [ P(max) , S(1) , P ] "), NdSbp({PMax, S1, PSum}));
  EXPECT_EQ(parseNd("B"), NdSbp({B}));
  EXPECT_EQ(parseNd("[B]"), NdSbp({B}));
}

TEST(SbpTextTest, ParseNdRejects) {
  for (const char *bad : {"", "[]", "[", "[B", "B]", "S(0),", ",B", "S(0),,B",
                          "[S(0)] ,B", "S(0) B", "[[B]]", "X,B"})
    EXPECT_EQ(parseNd(bad), std::nullopt) << "'" << bad << "'";
}

TEST(SbpTextTest, RoundTrip) {
  std::vector<NdSbp> cases = {{S0},   {B},     {PSum},
                              {PMax}, {S0, B}, {Sbp1D::split(7), PMax, B, S1}};
  for (const NdSbp &sbp : cases) {
    EXPECT_EQ(parseNd(str(sbp)), sbp) << str(sbp);
    for (const Sbp1D &entry : sbp)
      EXPECT_EQ(parse1D(entry.str()), entry) << entry.str();
  }
}

//===----------------------------------------------------------------------===//
// Chunks
//===----------------------------------------------------------------------===//

TEST(ChunkTest, Even) {
  for (int64_t i = 0; i < 4; ++i) {
    EXPECT_EQ(chunkSize(8, 4, i), 2);
    EXPECT_EQ(chunkOffset(8, 4, i), 2 * i);
  }
  EXPECT_EQ(chunkSize(5, 1, 0), 5);
  EXPECT_EQ(chunkOffset(5, 1, 0), 0);
}

TEST(ChunkTest, UnevenRemainderGoesToFirstRanks) {
  // 10 over 4: 3, 3, 2, 2.
  EXPECT_EQ(chunkSize(10, 4, 0), 3);
  EXPECT_EQ(chunkSize(10, 4, 1), 3);
  EXPECT_EQ(chunkSize(10, 4, 2), 2);
  EXPECT_EQ(chunkSize(10, 4, 3), 2);
  EXPECT_EQ(chunkOffset(10, 4, 0), 0);
  EXPECT_EQ(chunkOffset(10, 4, 1), 3);
  EXPECT_EQ(chunkOffset(10, 4, 2), 6);
  EXPECT_EQ(chunkOffset(10, 4, 3), 8);
  // Fewer elements than parts: the last ranks hold empty chunks.
  EXPECT_EQ(chunkSize(2, 4, 1), 1);
  EXPECT_EQ(chunkSize(2, 4, 2), 0);
  EXPECT_EQ(chunkSize(2, 4, 3), 0);
  EXPECT_EQ(chunkOffset(2, 4, 2), 2);
  EXPECT_EQ(chunkOffset(2, 4, 3), 2);
  EXPECT_EQ(chunkSize(0, 3, 0), 0);
  EXPECT_EQ(chunkOffset(0, 3, 2), 0);
}

TEST(ChunkTest, PartitionProperties) {
  for (int64_t size = 0; size <= 40; ++size) {
    for (int64_t parts = 1; parts <= 9; ++parts) {
      int64_t total = 0, minSize = size, maxSize = 0;
      for (int64_t i = 0; i < parts; ++i) {
        int64_t s = chunkSize(size, parts, i);
        // Contiguous: each chunk starts where the previous one ended.
        EXPECT_EQ(chunkOffset(size, parts, i), total)
            << size << "/" << parts << " #" << i;
        // Non-increasing: the remainder goes to the first ranks.
        if (i > 0) {
          EXPECT_LE(s, chunkSize(size, parts, i - 1));
        }
        total += s;
        minSize = std::min(minSize, s);
        maxSize = std::max(maxSize, s);
      }
      EXPECT_EQ(total, size) << size << "/" << parts;
      EXPECT_LE(maxSize - minSize, 1) << size << "/" << parts;
    }
  }
}

//===----------------------------------------------------------------------===//
// Mesh coordinates and local boxes
//===----------------------------------------------------------------------===//

TEST(MeshTest, Coords) {
  EXPECT_EQ(meshCoords({4}, 3), std::vector<int64_t>({3}));
  // Row-major: the last axis varies fastest.
  EXPECT_EQ(meshCoords({2, 3}, 0), std::vector<int64_t>({0, 0}));
  EXPECT_EQ(meshCoords({2, 3}, 1), std::vector<int64_t>({0, 1}));
  EXPECT_EQ(meshCoords({2, 3}, 3), std::vector<int64_t>({1, 0}));
  EXPECT_EQ(meshCoords({2, 3}, 5), std::vector<int64_t>({1, 2}));
  EXPECT_EQ(meshCoords({2, 3, 4}, 23), std::vector<int64_t>({1, 2, 3}));
  EXPECT_EQ(meshCoords({2, 3, 4}, 13), std::vector<int64_t>({1, 0, 1}));
  // Every rank has distinct coordinates that map back to it.
  std::vector<int64_t> mesh = {3, 1, 2, 2};
  for (int64_t rank = 0; rank < 12; ++rank) {
    std::vector<int64_t> c = meshCoords(mesh, rank);
    int64_t back = 0;
    for (size_t a = 0; a < mesh.size(); ++a) {
      ASSERT_GE(c[a], 0);
      ASSERT_LT(c[a], mesh[a]);
      back = back * mesh[a] + c[a];
    }
    EXPECT_EQ(back, rank);
  }
}

TEST(LocalBoxTest, OneDim) {
  Box box = localBox({8, 6}, {S0}, {4}, {1});
  EXPECT_EQ(box.offsets, std::vector<int64_t>({2, 0}));
  EXPECT_EQ(box.sizes, std::vector<int64_t>({2, 6}));
  box = localBox({8, 6}, {S1}, {4}, {3});
  // 6 over 4: 2, 2, 1, 1.
  EXPECT_EQ(box.offsets, std::vector<int64_t>({0, 5}));
  EXPECT_EQ(box.sizes, std::vector<int64_t>({8, 1}));
  // B and P hold the whole tensor.
  for (Sbp1D s : {B, PSum, PMax}) {
    box = localBox({8, 6}, {s}, {4}, {2});
    EXPECT_EQ(box.offsets, std::vector<int64_t>({0, 0}));
    EXPECT_EQ(box.sizes, std::vector<int64_t>({8, 6}));
  }
}

TEST(LocalBoxTest, TwoDimMeshDifferentDims) {
  // [S(0), S(1)] on 2x3: rows split over axis 0, columns over axis 1.
  Box box = localBox({4, 9}, {S0, S1}, {2, 3}, {1, 2});
  EXPECT_EQ(box.offsets, std::vector<int64_t>({2, 6}));
  EXPECT_EQ(box.sizes, std::vector<int64_t>({2, 3}));
  // [B, S(0)]: only axis 1 splits; 4 rows over 3 are 2, 1, 1.
  box = localBox({4, 9}, {B, S0}, {2, 3}, {1, 1});
  EXPECT_EQ(box.offsets, std::vector<int64_t>({2, 0}));
  EXPECT_EQ(box.sizes, std::vector<int64_t>({1, 9}));
  EXPECT_EQ(localShape({4, 9}, {PSum, S1}, {2, 3}, {0, 1}),
            std::vector<int64_t>({4, 3}));
}

TEST(LocalBoxTest, SameDimOnTwoAxesNests) {
  // [S(0), S(0)] on 2x2 over 8 rows: axis 0 takes halves, axis 1 splits each
  // half again, so (a0, a1) holds rows [4*a0 + 2*a1, +2).
  for (int64_t a0 = 0; a0 < 2; ++a0) {
    for (int64_t a1 = 0; a1 < 2; ++a1) {
      Box box = localBox({8, 3}, {S0, S0}, {2, 2}, {a0, a1});
      EXPECT_EQ(box.offsets, std::vector<int64_t>({4 * a0 + 2 * a1, 0}));
      EXPECT_EQ(box.sizes, std::vector<int64_t>({2, 3}));
    }
  }
  // Axis 0 is outermost: on a 2x4 mesh, (1, 0) starts at row 4, not row 1.
  Box box = localBox({8}, {S0, S0}, {2, 4}, {1, 0});
  EXPECT_EQ(box.offsets, std::vector<int64_t>({4}));
  EXPECT_EQ(box.sizes, std::vector<int64_t>({1}));
  box = localBox({8}, {S0, S0}, {2, 4}, {0, 3});
  EXPECT_EQ(box.offsets, std::vector<int64_t>({3}));
}

TEST(LocalBoxTest, SameDimOnTwoAxesUneven) {
  // 11 rows on [S(0), S(0)] over 2x3: axis 0 gives 6 + 5; axis 1 splits 6 as
  // 2, 2, 2 and 5 as 2, 2, 1.
  std::vector<int64_t> expectOffsets = {0, 2, 4, 6, 8, 10};
  std::vector<int64_t> expectSizes = {2, 2, 2, 2, 2, 1};
  for (int64_t rank = 0; rank < 6; ++rank) {
    std::vector<int64_t> c = meshCoords({2, 3}, rank);
    Box box = localBox({11, 5}, {S0, S0}, {2, 3}, c);
    EXPECT_EQ(box.offsets, std::vector<int64_t>({expectOffsets[rank], 0}))
        << rank;
    EXPECT_EQ(box.sizes, std::vector<int64_t>({expectSizes[rank], 5})) << rank;
  }
}

/// Over all ranks, the boxes of a tensor with no B or P entry tile the
/// tensor exactly once.
static void expectTiles(const std::vector<int64_t> &shape, const NdSbp &sbp,
                        const std::vector<int64_t> &mesh) {
  int64_t elements = std::accumulate(shape.begin(), shape.end(), int64_t(1),
                                     std::multiplies<int64_t>());
  int64_t ranks = std::accumulate(mesh.begin(), mesh.end(), int64_t(1),
                                  std::multiplies<int64_t>());
  std::vector<int> covered(elements, 0);
  for (int64_t rank = 0; rank < ranks; ++rank) {
    Box box = localBox(shape, sbp, mesh, meshCoords(mesh, rank));
    ASSERT_EQ(box.sizes, localShape(shape, sbp, mesh, meshCoords(mesh, rank)));
    // Enumerate the box's elements (row-major).
    std::vector<int64_t> idx(shape.size(), 0);
    bool empty = std::any_of(box.sizes.begin(), box.sizes.end(),
                             [](int64_t s) { return s == 0; });
    while (!empty) {
      int64_t flat = 0;
      for (size_t d = 0; d < shape.size(); ++d) {
        int64_t g = box.offsets[d] + idx[d];
        ASSERT_LT(g, shape[d]);
        flat = flat * shape[d] + g;
      }
      ++covered[flat];
      size_t d = shape.size();
      while (d-- > 0) {
        if (++idx[d] < box.sizes[d])
          break;
        idx[d] = 0;
      }
      if (d == static_cast<size_t>(-1))
        break;
    }
  }
  for (int64_t i = 0; i < elements; ++i)
    EXPECT_EQ(covered[i], 1) << str(sbp) << " element " << i;
}

TEST(LocalBoxTest, BoxesTileTheTensor) {
  expectTiles({7, 5}, {S0, S1}, {2, 3});
  expectTiles({7, 5}, {S1, S0}, {2, 3});
  expectTiles({7, 5}, {S0, S0}, {2, 3});
  expectTiles({13}, {S0, S0, S0}, {2, 2, 3});
  expectTiles({5, 3, 4}, {Sbp1D::split(2), S0}, {3, 2});
  expectTiles({2, 3}, {S0, S0}, {2, 2}); // some ranks hold nothing
}

//===----------------------------------------------------------------------===//
// check()
//===----------------------------------------------------------------------===//

TEST(CheckTest, Valid) {
  EXPECT_EQ(check({S0, B}, 2, 2), "");
  EXPECT_EQ(check({S1, PMax, PSum}, 2, 3), "");
  EXPECT_EQ(check({B}, 0, 1), "");
  EXPECT_EQ(check({S0, S0}, 1, 2), "");
}

TEST(CheckTest, Invalid) {
  EXPECT_EQ(check({S0}, 2, 2), "has 1 entries but the mesh has 2 axes");
  EXPECT_EQ(check({S0, B}, 2, 1), "has 2 entries but the mesh has 1 axes");
  EXPECT_EQ(check({S0, Sbp1D::split(2)}, 2, 2),
            "splits dimension 2 of a rank-2 tensor");
  EXPECT_EQ(check({S0}, 0, 1), "splits dimension 0 of a rank-0 tensor");
  EXPECT_EQ(check({Sbp1D::split(-1)}, 1, 1),
            "splits dimension -1 of a rank-1 tensor");
}

} // namespace
