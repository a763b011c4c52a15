//===- CollectivesTest.cpp - Alpha-beta collective times ------------------===//

#include "pxc/CostModel/Collectives.h"

#include <gtest/gtest.h>

using namespace pxc::cost;

namespace {

const Collective kAll[] = {
    Collective::AllReduce,  Collective::ReduceScatter, Collective::AllGather,
    Collective::AllToAll,   Collective::Broadcast,     Collective::SendRecv,
    Collective::LocalSlice, Collective::LocalMask,     Collective::LocalPad};

TEST(Collectives, BandwidthTerms) {
  Link link{/*bandwidth=*/2e9, /*latency=*/0, /*intraNode=*/true};
  const double bytes = 1e6;
  for (int64_t p : {2, 4, 8}) {
    double fraction = double(p - 1) / p;
    EXPECT_DOUBLE_EQ(collectiveTime(Collective::AllReduce, p, bytes, link),
                     2 * fraction * bytes / 2e9);
    EXPECT_DOUBLE_EQ(collectiveTime(Collective::ReduceScatter, p, bytes, link),
                     fraction * bytes / 2e9);
    EXPECT_DOUBLE_EQ(collectiveTime(Collective::AllGather, p, bytes, link),
                     fraction * bytes / 2e9);
    EXPECT_DOUBLE_EQ(collectiveTime(Collective::AllToAll, p, bytes, link),
                     fraction * bytes / 2e9);
    EXPECT_DOUBLE_EQ(collectiveTime(Collective::Broadcast, p, bytes, link),
                     bytes / 2e9);
    EXPECT_DOUBLE_EQ(collectiveTime(Collective::SendRecv, p, bytes, link),
                     bytes / 2e9);
    EXPECT_DOUBLE_EQ(collectiveBytes(Collective::AllReduce, p, bytes),
                     2 * fraction * bytes);
  }
}

TEST(Collectives, LatencyTerms) {
  // Zero bytes leave the latency term alone.
  Link link{1e9, 5e-6, false};
  EXPECT_DOUBLE_EQ(collectiveTime(Collective::AllReduce, 4, 0, link), 6 * 5e-6);
  EXPECT_DOUBLE_EQ(collectiveTime(Collective::ReduceScatter, 4, 0, link),
                   3 * 5e-6);
  EXPECT_DOUBLE_EQ(collectiveTime(Collective::AllGather, 4, 0, link), 3 * 5e-6);
  EXPECT_DOUBLE_EQ(collectiveTime(Collective::AllToAll, 4, 0, link), 3 * 5e-6);
  EXPECT_DOUBLE_EQ(collectiveTime(Collective::Broadcast, 4, 0, link), 3 * 5e-6);
  EXPECT_DOUBLE_EQ(collectiveTime(Collective::SendRecv, 2, 0, link), 5e-6);
  EXPECT_DOUBLE_EQ(collectiveTime(Collective::AllReduce, 8, 8e6, link),
                   14 * 5e-6 + 2 * 7.0 / 8 * 8e6 / 1e9);
}

TEST(Collectives, OneRankAndLocalStepsAreFree) {
  Link link{1e9, 5e-6, true};
  for (Collective kind : kAll) {
    EXPECT_EQ(collectiveTime(kind, 1, 1e9, link), 0) << collectiveName(kind);
    EXPECT_EQ(collectiveBytes(kind, 1, 1e9), 0) << collectiveName(kind);
  }
  for (Collective kind :
       {Collective::LocalSlice, Collective::LocalMask, Collective::LocalPad})
    EXPECT_EQ(collectiveTime(kind, 8, 1e9, link), 0) << collectiveName(kind);
}

TEST(Collectives, Names) {
  EXPECT_EQ(collectiveName(Collective::AllReduce), "all_reduce");
  EXPECT_EQ(collectiveName(Collective::ReduceScatter), "reduce_scatter");
  EXPECT_EQ(collectiveName(Collective::AllGather), "all_gather");
  EXPECT_EQ(collectiveName(Collective::AllToAll), "all_to_all");
  EXPECT_EQ(collectiveName(Collective::LocalSlice), "local_slice");
}

} // namespace
