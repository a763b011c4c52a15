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

const BoxingPath &CostModel::boxingPath(const sbp::NdSbp &from,
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
