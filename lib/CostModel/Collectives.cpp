//===- Collectives.cpp - Alpha-beta times of collectives ------------------===//

#include "pxc/CostModel/Collectives.h"

namespace pxc::cost {

std::string_view collectiveName(Collective kind) {
  switch (kind) {
  case Collective::AllReduce:
    return "all_reduce";
  case Collective::ReduceScatter:
    return "reduce_scatter";
  case Collective::AllGather:
    return "all_gather";
  case Collective::AllToAll:
    return "all_to_all";
  case Collective::Broadcast:
    return "broadcast";
  case Collective::SendRecv:
    return "send_recv";
  case Collective::LocalSlice:
    return "local_slice";
  case Collective::LocalMask:
    return "local_mask";
  case Collective::LocalPad:
    return "local_pad";
  }
  return "?";
}

/// Ring steps, each paying the link latency once.
static double latencySteps(Collective kind, int64_t ranks) {
  switch (kind) {
  case Collective::AllReduce:
    return 2.0 * (ranks - 1);
  case Collective::ReduceScatter:
  case Collective::AllGather:
  case Collective::AllToAll:
  case Collective::Broadcast:
    return ranks - 1;
  case Collective::SendRecv:
    return 1;
  case Collective::LocalSlice:
  case Collective::LocalMask:
  case Collective::LocalPad:
    return 0;
  }
  return 0;
}

double collectiveBytes(Collective kind, int64_t ranks, double bytes) {
  if (ranks <= 1)
    return 0;
  double fraction = static_cast<double>(ranks - 1) / ranks;
  switch (kind) {
  case Collective::AllReduce:
    return 2 * fraction * bytes;
  case Collective::ReduceScatter:
  case Collective::AllGather:
  case Collective::AllToAll:
    return fraction * bytes;
  case Collective::Broadcast:
  case Collective::SendRecv:
    return bytes;
  case Collective::LocalSlice:
  case Collective::LocalMask:
  case Collective::LocalPad:
    return 0;
  }
  return 0;
}

double collectiveTime(Collective kind, int64_t ranks, double bytes,
                      const Link &link) {
  if (ranks <= 1)
    return 0;
  return latencySteps(kind, ranks) * link.latency +
         collectiveBytes(kind, ranks, bytes) / link.bandwidth;
}

} // namespace pxc::cost
