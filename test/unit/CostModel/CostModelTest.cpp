//===- CostModelTest.cpp - The cached cost model --------------------------===//

#include "pxc/CostModel/CostModel.h"

#include <gtest/gtest.h>

using namespace pxc;
using namespace pxc::cost;

namespace {

sbp::NdSbp nd(const char *text) { return *sbp::parseNd(text); }

TEST(CostModel, CreateMapsTheMesh) {
  std::string error;
  std::optional<CostModel> model =
      CostModel::create(*preset("dgx-h100"), {4, 8}, error);
  ASSERT_TRUE(model) << error;
  EXPECT_EQ(model->mesh(), (std::vector<int64_t>{4, 8}));
  ASSERT_EQ(model->links().size(), 2u);
  EXPECT_FALSE(model->links()[0].intraNode);
  EXPECT_TRUE(model->links()[1].intraNode);
  EXPECT_EQ(model->cluster().name, "dgx-h100");

  EXPECT_FALSE(CostModel::create(*preset("dgx-h100"), {64, 8}, error));
  EXPECT_NE(error.find("more devices"), std::string::npos) << error;
}

TEST(CostModel, ComputeAndMemoryTime) {
  std::string error;
  CostModel model = *CostModel::create(*preset("dgx-h100"), {8}, error);
  EXPECT_DOUBLE_EQ(model.computeTime(989e12, DType::BF16), 1.0);
  EXPECT_DOUBLE_EQ(model.computeTime(67e12 / 2, DType::F32), 0.5);
  EXPECT_DOUBLE_EQ(model.memoryTime(3.35e12 * 2), 2.0);
}

TEST(CostModel, CacheReturnsIdenticalValues) {
  std::string error;
  CostModel model = *CostModel::create(*preset("dgx-a100"), {2, 4}, error);
  std::vector<int64_t> shape = {1024, 4096};
  sbp::NdSbp from = nd("[P, S(1)]"), to = nd("[S(0), B]");
  EXPECT_EQ(model.cacheSize(), 0u);
  const BoxingPath &first = model.boxingPath(from, to, shape, 2);
  EXPECT_EQ(model.cacheSize(), 1u);
  for (int i = 0; i < 1000; ++i)
    EXPECT_EQ(&model.boxingPath(from, to, shape, 2), &first);
  EXPECT_EQ(model.boxingTime(from, to, shape, 2), first.time);
  EXPECT_EQ(model.cacheSize(), 1u);
  EXPECT_EQ(first.time,
            boxingTime(from, to, shape, 2, model.mesh(), model.links()));

  // Every part of the key matters.
  model.boxingTime(from, to, shape, 4);
  model.boxingTime(from, to, {1024, 2048}, 2);
  model.boxingTime(to, from, shape, 2);
  model.boxingTime(nd("[P(max), S(1)]"), to, shape, 2);
  EXPECT_EQ(model.cacheSize(), 5u);
  EXPECT_GT(model.boxingTime(from, to, shape, 4), first.time);
}

TEST(CostModel, RowsOfTimesAgreeWithPairs) {
  std::string error;
  CostModel model = *CostModel::create(*preset("dgx-a100"), {2, 4}, error);
  std::vector<int64_t> shape = {1024, 4096};
  std::vector<sbp::NdSbp> targets = {nd("[S(0), B]"), nd("[B, B]"),
                                     nd("[P, S(1)]"), nd("[S(1), S(0)]")};
  sbp::NdSbp from = nd("[P, S(1)]");
  // Known entries come from the path cache, the others from one search.
  double known = model.boxingTime(from, targets[0], shape, 2);
  std::vector<double> row = model.boxingTimes(from, targets, shape, 2);
  ASSERT_EQ(row.size(), targets.size());
  EXPECT_EQ(row[0], known);
  EXPECT_EQ(row[2], 0);
  for (size_t i = 0; i < targets.size(); ++i)
    EXPECT_EQ(row[i], boxingTime(from, targets[i], shape, 2, model.mesh(),
                                 model.links()));
  EXPECT_EQ(model.boxingTimes(from, targets, shape, 2), row);
}

} // namespace
