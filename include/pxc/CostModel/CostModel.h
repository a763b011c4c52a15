//===- CostModel.h - Cached costs for one cluster and mesh ------*- C++ -*-===//
//
// The object the SBP search talks to: a cluster, a device mesh mapped onto
// it, and a memo of boxing costs (the search asks for the same conversions
// many thousands of times). Not thread-safe: give each thread its own.
//
//===----------------------------------------------------------------------===//

#ifndef PXC_COSTMODEL_COSTMODEL_H
#define PXC_COSTMODEL_COSTMODEL_H

#include "pxc/CostModel/Boxing.h"
#include "pxc/CostModel/Cluster.h"

#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace pxc::cost {

class CostModel {
public:
  /// Uses `links` as given (one per mesh axis), e.g. for tests or a
  /// measured network.
  CostModel(ClusterSpec cluster, std::vector<int64_t> mesh,
            std::vector<Link> links);

  /// Maps `mesh` onto `cluster` with mapMesh; nullopt and `error` if the
  /// mesh does not fit.
  static std::optional<CostModel>
  create(ClusterSpec cluster, std::vector<int64_t> mesh, std::string &error);

  const ClusterSpec &cluster() const { return spec; }
  const std::vector<int64_t> &mesh() const { return meshShape; }
  const std::vector<Link> &links() const { return axisLinks; }

  /// Memoized boxingPath on this mesh. The reference stays valid as long as
  /// the model.
  const BoxingPath &boxingPath(const sbp::NdSbp &from, const sbp::NdSbp &to,
                               const std::vector<int64_t> &globalShape,
                               int64_t elementBytes, bool partialStates = true);
  /// Memoized boxingTime on this mesh.
  double boxingTime(const sbp::NdSbp &from, const sbp::NdSbp &to,
                    const std::vector<int64_t> &globalShape,
                    int64_t elementBytes, bool partialStates = true) {
    return boxingPath(from, to, globalShape, elementBytes, partialStates).time;
  }
  /// Memoized boxingTime from `from` to each of `targets` (one search for
  /// the ones not cached yet).
  std::vector<double> boxingTimes(const sbp::NdSbp &from,
                                  const std::vector<sbp::NdSbp> &targets,
                                  const std::vector<int64_t> &globalShape,
                                  int64_t elementBytes,
                                  bool partialStates = true);
  /// Number of memoized boxing entries.
  size_t cacheSize() const { return boxingCache.size(); }

  /// Seconds for `flops` at the device's peak rate for `type`.
  double computeTime(double flops, DType type) const;
  /// Seconds to stream `bytes` through device memory at peak bandwidth.
  double memoryTime(double bytes) const;

private:
  struct KeyHash {
    size_t operator()(const std::vector<int64_t> &key) const;
  };

  ClusterSpec spec;
  std::vector<int64_t> meshShape;
  std::vector<Link> axisLinks;
  std::unordered_map<std::vector<int64_t>, BoxingPath, KeyHash> boxingCache;
  /// Times found by boxingTimes (paths are only computed when asked for).
  std::unordered_map<std::vector<int64_t>, double, KeyHash> timeCache;
};

} // namespace pxc::cost

#endif // PXC_COSTMODEL_COSTMODEL_H
