//===- Cluster.h - Cluster description for the cost model -------*- C++ -*-===//
//
// What a cluster can do: peak compute, device memory, and the two levels of
// interconnect (inside a node, between nodes). Loaded from JSON or taken
// from a built-in preset; a device mesh is mapped onto it to get one link
// per mesh axis. Plain C++17, no LLVM or MLIR dependency.
//
// All quantities are in SI base units: FLOP/s, bytes, bytes/s, seconds.
// See docs/cost-model.md for the JSON format and the sources of the presets.
//
//===----------------------------------------------------------------------===//

#ifndef PXC_COSTMODEL_CLUSTER_H
#define PXC_COSTMODEL_CLUSTER_H

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pxc::cost {

/// The arithmetic a kernel runs in, for picking a peak FLOP/s figure.
enum class DType : uint8_t { F32, TF32, BF16, F16 };

/// "f32", "tf32", "bf16", "f16".
std::string_view dtypeName(DType type);
/// Inverse of dtypeName.
std::optional<DType> parseDType(std::string_view name);

/// Bandwidth and latency of one level of the interconnect.
struct LinkSpec {
  /// Bytes/s per device and direction, as seen by a ring collective (the
  /// NCCL "bus bandwidth").
  double bandwidth = 0;
  /// Seconds per ring step.
  double latency = 0;

  friend bool operator==(const LinkSpec &a, const LinkSpec &b) {
    return a.bandwidth == b.bandwidth && a.latency == b.latency;
  }
};

/// A homogeneous cluster: `nodes` machines of `devicesPerNode` devices.
struct ClusterSpec {
  std::string name;
  int64_t nodes = 1;
  int64_t devicesPerNode = 1;
  /// Dense peak FLOP/s per device, indexed by DType.
  double peakFlops[4] = {0, 0, 0, 0};
  /// Device memory capacity in bytes.
  double deviceMemory = 0;
  /// Device memory bandwidth in bytes/s.
  double deviceMemoryBandwidth = 0;
  /// Between devices of one node (NVLink / NVSwitch).
  LinkSpec intraNode;
  /// Between nodes, per device (one NIC per device).
  LinkSpec interNode;

  int64_t totalDevices() const { return nodes * devicesPerNode; }
  double peak(DType type) const { return peakFlops[static_cast<int>(type)]; }

  friend bool operator==(const ClusterSpec &a, const ClusterSpec &b);
  friend bool operator!=(const ClusterSpec &a, const ClusterSpec &b) {
    return !(a == b);
  }
};

/// Names of the built-in presets ("dgx-a100", "dgx-h100").
std::vector<std::string> presetNames();
/// A built-in preset by name; nullopt if there is none.
std::optional<ClusterSpec> preset(std::string_view name);

/// Parses the JSON text of a cluster spec. `source` names the text (usually
/// the file) in error messages. On failure returns nullopt and sets `error`
/// to a message naming `source` and the offending field.
std::optional<ClusterSpec> parseCluster(std::string_view text,
                                        std::string_view source,
                                        std::string &error);
/// Reads and parses a cluster spec file.
std::optional<ClusterSpec> loadCluster(const std::string &path,
                                       std::string &error);
/// The JSON form of `spec`, which parseCluster reads back unchanged.
std::string clusterToJson(const ClusterSpec &spec);
/// Writes clusterToJson(spec) to `path`; false and `error` on failure.
bool saveCluster(const ClusterSpec &spec, const std::string &path,
                 std::string &error);

/// Resolves the `--cluster=` option: a preset name, optionally with a node
/// count ("dgx-h100:16"), or the path of a JSON file.
std::optional<ClusterSpec> lookupCluster(std::string_view nameOrPath,
                                         std::string &error);

/// The link one mesh axis communicates over.
struct Link {
  double bandwidth = 0;
  double latency = 0;
  /// Whether every group of the axis lies inside one node.
  bool intraNode = true;
};

/// One Link per axis of `mesh`. Devices are numbered row-major over the mesh
/// and consecutive ranks fill a node first. An axis whose every group (the
/// ranks that differ only in that axis' coordinate) lies inside one node
/// gets the intra-node link; otherwise the inter-node latency and
/// min(intra bandwidth, k * NIC bandwidth), where k is the fewest members a
/// group has on one node (their NICs carry the ring's traffic in parallel).
/// Fails if the mesh has a non-positive extent or needs more devices than
/// the cluster has.
std::optional<std::vector<Link>> mapMesh(const ClusterSpec &cluster,
                                         const std::vector<int64_t> &mesh,
                                         std::string &error);

} // namespace pxc::cost

#endif // PXC_COSTMODEL_CLUSTER_H
