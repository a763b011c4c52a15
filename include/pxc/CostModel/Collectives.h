//===- Collectives.h - Alpha-beta times of collectives ----------*- C++ -*-===//
//
// Time of one collective over the p ranks of a mesh axis, with the ring
// algorithm's alpha-beta model: steps * latency + bytes on the wire /
// bandwidth.
//
//===----------------------------------------------------------------------===//

#ifndef PXC_COSTMODEL_COLLECTIVES_H
#define PXC_COSTMODEL_COLLECTIVES_H

#include "pxc/CostModel/Cluster.h"

#include <cstdint>
#include <string_view>

namespace pxc::cost {

/// A communication (or local) step. The local kinds move no data between
/// ranks and cost nothing in this model.
enum class Collective : uint8_t {
  AllReduce,
  ReduceScatter,
  AllGather,
  AllToAll,
  Broadcast,
  SendRecv,
  /// B -> S: every rank keeps its chunk.
  LocalSlice,
  /// B -> P: P(sum) keeps the value on one rank and zeroes the others,
  /// P(max) keeps it everywhere.
  LocalMask,
  /// S -> P: every rank places its chunk into a buffer of the unsplit size
  /// filled with the reduction's identity (0 for sum, -inf for max).
  LocalPad,
};

/// "all_reduce", "reduce_scatter", ... (the names of the px ops).
std::string_view collectiveName(Collective kind);

/// Seconds for collective `kind` over `ranks` ranks connected by `link`.
/// `bytes` is per rank:
///  - AllReduce: the buffer;           2(p-1)/p * bytes/bw + 2(p-1) lat
///  - ReduceScatter: the (full) input;  (p-1)/p * bytes/bw +  (p-1) lat
///  - AllGather: the (full) output;     (p-1)/p * bytes/bw +  (p-1) lat
///  - AllToAll: the send buffer;        (p-1)/p * bytes/bw +  (p-1) lat
///  - Broadcast: the buffer (pipelined);          bytes/bw +  (p-1) lat
///  - SendRecv: the message;                      bytes/bw +        lat
///  - Local*: 0.
/// A single rank costs 0.
double collectiveTime(Collective kind, int64_t ranks, double bytes,
                      const Link &link);

/// Bytes each rank sends for the same collective (the bandwidth term's
/// numerator).
double collectiveBytes(Collective kind, int64_t ranks, double bytes);

} // namespace pxc::cost

#endif // PXC_COSTMODEL_COLLECTIVES_H
