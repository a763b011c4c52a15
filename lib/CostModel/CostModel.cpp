//===- CostModel.cpp - Cached cost queries for one cluster and mesh -------===//

#include "pxc/CostModel/CostModel.h"

#include <utility>

namespace pxc::cost {

CostModel::CostModel(ClusterSpec cluster, std::vector<int64_t> mesh,
                     std::vector<Link> links)
    : spec(std::move(cluster)), meshShape(std::move(mesh)),
      axisLinks(std::move(links)) {}

std::optional<CostModel> CostModel::create(ClusterSpec cluster,
                                           std::vector<int64_t> mesh,
                                           std::string &error) {
  std::optional<std::vector<Link>> links = mapMesh(cluster, mesh, error);
  if (!links)
    return std::nullopt;
  return CostModel(std::move(cluster), std::move(mesh), std::move(*links));
}

size_t CostModel::KeyHash::operator()(const std::vector<int64_t> &key) const {
  // FNV-1a over the 64-bit words.
  uint64_t hash = 14695981039346656037ull;
  for (int64_t word : key) {
    hash ^= static_cast<uint64_t>(word);
    hash *= 1099511628211ull;
  }
  return static_cast<size_t>(hash);
}

/// One word per entry; dim * 8 leaves room for the kind and the reduction.
static void appendSbp(std::vector<int64_t> &key, const sbp::NdSbp &sbp) {
  key.push_back(static_cast<int64_t>(sbp.size()));
  for (const sbp::Sbp1D &entry : sbp)
    key.push_back(static_cast<int64_t>(entry.dim) * 8 +
                  static_cast<int64_t>(entry.reduce) * 4 +
                  static_cast<int64_t>(entry.kind));
}

/// The cache key of one boxing query.
static std::vector<int64_t> boxingKey(const sbp::NdSbp &from,
                                      const sbp::NdSbp &to,
                                      const std::vector<int64_t> &globalShape,
                                      int64_t elementBytes,
                                      bool partialStates) {
  std::vector<int64_t> key;
  key.reserve(5 + globalShape.size() + from.size() + to.size());
  key.push_back(elementBytes);
  key.push_back(partialStates);
  key.push_back(static_cast<int64_t>(globalShape.size()));
  key.insert(key.end(), globalShape.begin(), globalShape.end());
  appendSbp(key, from);
  appendSbp(key, to);
  return key;
}

std::vector<double>
CostModel::boxingTimes(const sbp::NdSbp &from,
                       const std::vector<sbp::NdSbp> &targets,
                       const std::vector<int64_t> &globalShape,
                       int64_t elementBytes, bool partialStates) {
  std::vector<double> times(targets.size());
  std::vector<sbp::NdSbp> missing;
  std::vector<size_t> missingIndex;
  for (size_t i = 0; i < targets.size(); ++i) {
    std::vector<int64_t> key =
        boxingKey(from, targets[i], globalShape, elementBytes, partialStates);
    if (auto it = timeCache.find(key); it != timeCache.end()) {
      times[i] = it->second;
    } else if (auto path = boxingCache.find(key); path != boxingCache.end()) {
      times[i] = path->second.time;
    } else {
      missing.push_back(targets[i]);
      missingIndex.push_back(i);
    }
  }
  if (missing.empty())
    return times;
  std::vector<double> found =
      cost::boxingTimes(from, missing, globalShape, elementBytes, meshShape,
                        axisLinks, partialStates);
  for (size_t k = 0; k < missing.size(); ++k) {
    times[missingIndex[k]] = found[k];
    timeCache.emplace(
        boxingKey(from, missing[k], globalShape, elementBytes, partialStates),
        found[k]);
  }
  return times;
}

const BoxingPath &CostModel::boxingPath(const sbp::NdSbp &from,
                                        const sbp::NdSbp &to,
                                        const std::vector<int64_t> &globalShape,
                                        int64_t elementBytes,
                                        bool partialStates) {
  std::vector<int64_t> key =
      boxingKey(from, to, globalShape, elementBytes, partialStates);
  auto it = boxingCache.find(key);
  if (it != boxingCache.end())
    return it->second;
  return boxingCache
      .emplace(std::move(key),
               cost::boxingPath(from, to, globalShape, elementBytes, meshShape,
                                axisLinks, partialStates))
      .first->second;
}

double CostModel::computeTime(double flops, DType type) const {
  return flops / spec.peak(type);
}

double CostModel::memoryTime(double bytes) const {
  return bytes / spec.deviceMemoryBandwidth;
}

} // namespace pxc::cost
