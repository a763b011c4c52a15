//===- LayoutTest.cpp - Fragments, primary replicas, layout JSON ----------===//

#include "pxc/Checkpoint/Layout.h"

#include <gtest/gtest.h>

#include <map>
#include <random>

using namespace pxc;
using namespace pxc::ckpt;

static sbp::NdSbp nd(const char *text) { return *sbp::parseNd(text); }

/// Every element of a tensor of `shape` is in exactly one primary fragment
/// and in exactly `replicas` fragments.
static void expectTiles(const std::vector<Fragment> &fragments,
                        const std::vector<int64_t> &shape, int64_t replicas) {
  Box whole{std::vector<int64_t>(shape.size(), 0), shape};
  int64_t primary = 0, all = 0;
  for (size_t i = 0; i < fragments.size(); ++i) {
    EXPECT_EQ(volume(intersect(fragments[i].box, whole)),
              volume(fragments[i].box));
    all += volume(fragments[i].box);
    if (!fragments[i].primary)
      continue;
    primary += volume(fragments[i].box);
    for (size_t j = 0; j < i; ++j) {
      if (fragments[j].primary) {
        EXPECT_TRUE(isEmpty(intersect(fragments[i].box, fragments[j].box)));
      }
    }
  }
  EXPECT_EQ(primary, volume(whole));
  EXPECT_EQ(all, volume(whole) * replicas);
}

TEST(CheckpointLayout, UnevenSplitOnTwoByTwoMesh) {
  // S(0) on axis 0, B on axis 1: 7 rows as 4 + 3, each held twice; the
  // rank at coordinate 0 of the broadcast axis saves.
  std::vector<Fragment> f = fragments({7, 3}, {}, nd("S(0),B"), {2, 2}, 0);
  ASSERT_EQ(f.size(), 4u);
  EXPECT_EQ(f[0].box.sizes, (std::vector<int64_t>{4, 3}));
  EXPECT_EQ(f[2].box.offsets, (std::vector<int64_t>{4, 0}));
  EXPECT_EQ(f[2].box.sizes, (std::vector<int64_t>{3, 3}));
  EXPECT_TRUE(f[0].primary);
  EXPECT_FALSE(f[1].primary);
  EXPECT_TRUE(f[2].primary);
  EXPECT_FALSE(f[3].primary);
  expectTiles(f, {7, 3}, 2);
  ReplicaGroups replicas = replicaGroups(f);
  EXPECT_EQ(replicas.groups,
            (std::vector<std::vector<int64_t>>{{0, 1}, {2, 3}}));
  EXPECT_EQ(replicas.of, (std::vector<size_t>{0, 0, 1, 1}));
}

TEST(CheckpointLayout, PipelineDeviceNumbersRanks) {
  std::vector<Fragment> f = fragments({4}, {}, nd("S(0)"), {2}, 3);
  ASSERT_EQ(f.size(), 2u);
  EXPECT_EQ(f[0].rank, 6);
  EXPECT_EQ(f[1].rank, 7);
}

TEST(CheckpointLayout, PaddingIsNotStored) {
  // A padded vocabulary of 8 rows holding 6: the last rank's piece is half
  // padding, and a rank holding padding only has no fragment.
  std::vector<Fragment> f = fragments({8, 2}, {6, 2}, nd("S(0)"), {4}, 0);
  ASSERT_EQ(f.size(), 3u);
  EXPECT_EQ(f[2].box.sizes, (std::vector<int64_t>{2, 2}));
  f = fragments({8, 2}, {5, 2}, nd("S(0)"), {4}, 0);
  EXPECT_EQ(f.back().box.sizes, (std::vector<int64_t>{1, 2}));
  expectTiles(f, {5, 2}, 1);
}

TEST(CheckpointLayout, PartialIsRejected) {
  EXPECT_THROW(fragments({4}, {}, nd("P"), {2}, 0), std::invalid_argument);
  EXPECT_THROW(fragments({4}, {5}, nd("B"), {2}, 0), std::invalid_argument);
}

TEST(CheckpointLayout, RandomPlansTileEveryTensor) {
  std::mt19937 rng(7);
  const char *entries[] = {"S(0)", "S(1)", "B"};
  for (int trial = 0; trial < 300; ++trial) {
    std::vector<int64_t> mesh;
    for (int a = 0, n = 1 + rng() % 3; a < n; ++a)
      mesh.push_back(1 + rng() % 3);
    std::vector<int64_t> shape{1 + static_cast<int64_t>(rng() % 9),
                               1 + static_cast<int64_t>(rng() % 9)};
    std::string text;
    int64_t replicas = 1;
    for (size_t a = 0; a < mesh.size(); ++a) {
      const char *e = entries[rng() % 3];
      text += (a ? "," : "") + std::string(e);
      if (e[0] == 'B')
        replicas *= mesh[a];
    }
    std::vector<int64_t> logical{1 + static_cast<int64_t>(rng() % shape[0]),
                                 shape[1]};
    SCOPED_TRACE(text);
    expectTiles(fragments(shape, logical, nd(text.c_str()), mesh, 0), logical,
                replicas);
  }
}

TEST(CheckpointLayout, JsonRoundTrip) {
  Layout layout;
  layout.mesh = {2, 2};
  layout.devices = 2;
  TensorLayout t;
  t.name = "wte.weight";
  t.shape = {6, 4};
  t.paddedShape = {8, 4};
  t.sbp = "[S(0), B]";
  t.device = 1;
  t.kind = "state";
  t.fragments = fragments({8, 4}, {6, 4}, nd("S(0),B"), {2, 2}, 1);
  layout.tensors.push_back(t);
  Layout back = parseLayout(toJson(layout));
  EXPECT_EQ(back.mesh, layout.mesh);
  EXPECT_EQ(back.ranks(), 8);
  ASSERT_EQ(back.tensors.size(), 1u);
  EXPECT_EQ(back.tensors[0].paddedShape, t.paddedShape);
  EXPECT_EQ(back.tensors[0].kind, "state");
  ASSERT_EQ(back.tensors[0].fragments.size(), t.fragments.size());
  EXPECT_EQ(back.tensors[0].fragments[2].rank, t.fragments[2].rank);
  EXPECT_EQ(back.tensors[0].fragments[2].box.offsets,
            t.fragments[2].box.offsets);
  EXPECT_THROW(parseLayout("{\"format\": \"other\"}"), std::runtime_error);
  EXPECT_THROW(parseLayout("not json"), std::runtime_error);
}

TEST(CheckpointLayout, KindsFromNames) {
  EXPECT_EQ(tensorKind("w", false), "parameter");
  EXPECT_EQ(tensorKind("w.exp_avg_sq", true), "state");
  EXPECT_EQ(tensorKind("w.momentum_buffer", true), "state");
  EXPECT_EQ(tensorKind("mask", true), "buffer");
}
