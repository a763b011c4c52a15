//===- Boxing.cpp - Cost of converting between N-D SBPs -------------------===//

#include "pxc/CostModel/Boxing.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <optional>
#include <queue>
#include <tuple>

namespace pxc::cost {

using sbp::NdSbp;
using sbp::Sbp1D;

static constexpr double kInfinity = std::numeric_limits<double>::infinity();

/// Whether every split dimension has at least as many elements as the
/// ranks splitting it.
static bool fitsShape(const NdSbp &sbp, const std::vector<int64_t> &globalShape,
                      const std::vector<int64_t> &mesh) {
  for (size_t d = 0; d < globalShape.size(); ++d) {
    int64_t ranks = 1;
    for (size_t axis = 0; axis < mesh.size(); ++axis)
      if (sbp[axis].isSplit() && sbp[axis].dim == static_cast<int32_t>(d))
        ranks *= mesh[axis];
    // Unsplit dims (even empty ones) always fit.
    if (ranks > 1 && globalShape[d] < ranks)
      return false;
  }
  return true;
}

bool isValidSbp(const NdSbp &sbp, const std::vector<int64_t> &globalShape,
                const std::vector<int64_t> &mesh) {
  return sbp::check(sbp, static_cast<int64_t>(globalShape.size()), mesh.size())
             .empty() &&
         fitsShape(sbp, globalShape, mesh);
}

/// Elements of the piece held by the rank at coordinates 0, the largest
/// one: the remainder of an uneven split goes to the first chunks, at every
/// nesting level (see sbp::localBox).
static double largestPiece(const NdSbp &sbp,
                           const std::vector<int64_t> &globalShape,
                           const std::vector<int64_t> &mesh) {
  double elements = 1;
  for (size_t d = 0; d < globalShape.size(); ++d) {
    int64_t size = globalShape[d];
    for (size_t axis = 0; axis < mesh.size(); ++axis)
      if (sbp[axis].isSplit() && sbp[axis].dim == static_cast<int32_t>(d))
        size = sbp::chunkSize(size, mesh[axis], 0);
    elements *= static_cast<double>(size);
  }
  return elements;
}

double localBytes(const NdSbp &sbp, const std::vector<int64_t> &globalShape,
                  int64_t elementBytes, const std::vector<int64_t> &mesh) {
  return largestPiece(sbp, globalShape, mesh) *
         static_cast<double>(elementBytes);
}

/// The 1-D rule turning `from` into `to` (which differ) on one axis; nullopt
/// between P(sum) and P(max), which take two steps (through S or B).
static std::optional<Collective> axisCollective(const Sbp1D &from,
                                                const Sbp1D &to) {
  if (from.isPartial()) {
    if (to.isBroadcast())
      return Collective::AllReduce;
    if (to.isSplit())
      return Collective::ReduceScatter;
    return std::nullopt;
  }
  if (from.isSplit()) {
    if (to.isBroadcast())
      return Collective::AllGather;
    if (to.isSplit())
      return Collective::AllToAll;
    return Collective::LocalPad;
  }
  return to.isSplit() ? Collective::LocalSlice : Collective::LocalMask;
}

/// Whether an axis after `axis` splits dimension `dim`. Such an inner split
/// subdivides every chunk of `axis`, so the group of `axis` holds a strided,
/// not a contiguous, piece and no single 1-D collective applies.
static bool splitLater(const NdSbp &state, size_t axis, int32_t dim) {
  for (size_t b = axis + 1; b < state.size(); ++b)
    if (state[b].isSplit() && state[b].dim == dim)
      return true;
  return false;
}

/// Whether an axis after `axis` holds partial values of a reduction other
/// than `reduce`. Later axes reduce first (hierarchical reading), so
/// reducing `axis` before them would mix a sum with a max.
static bool otherPartialLater(const NdSbp &state, size_t axis,
                              sbp::Reduce reduce) {
  for (size_t b = axis + 1; b < state.size(); ++b)
    if (state[b].isPartial() && state[b].reduce != reduce)
      return true;
  return false;
}

namespace {

/// The states of the search: every N-D SBP whose entries come from a
/// per-axis candidate list, numbered in mixed radix.
class StateSpace {
public:
  StateSpace(const std::vector<const NdSbp *> &endpoints,
             const std::vector<int64_t> &globalShape,
             const std::vector<int64_t> &mesh, bool partialStates)
      : candidates(mesh.size()), strides(mesh.size()) {
    // P(max) only ever helps when an endpoint has it; P(sum) is a useful
    // detour unless the tensor cannot hold partial values.
    bool withSum = partialStates, withMax = false;
    for (const NdSbp *sbp : endpoints)
      for (const Sbp1D &entry : *sbp) {
        withSum = withSum || entry == Sbp1D::partial(sbp::Reduce::Sum);
        withMax = withMax || entry == Sbp1D::partial(sbp::Reduce::Max);
      }
    for (size_t axis = 0; axis < mesh.size(); ++axis) {
      std::vector<Sbp1D> &list = candidates[axis];
      list = {Sbp1D::broadcast()};
      if (withSum)
        list.push_back(Sbp1D::partial(sbp::Reduce::Sum));
      if (withMax)
        list.push_back(Sbp1D::partial(sbp::Reduce::Max));
      for (size_t d = 0; d < globalShape.size(); ++d)
        if (globalShape[d] >= mesh[axis])
          list.push_back(Sbp1D::split(static_cast<int32_t>(d)));
    }
    // Mixed radix with the last axis varying fastest.
    for (size_t axis = mesh.size(); axis-- > 0;) {
      strides[axis] = count;
      count *= candidates[axis].size();
    }
  }

  size_t size() const { return count; }
  const std::vector<Sbp1D> &axisCandidates(size_t axis) const {
    return candidates[axis];
  }
  /// How much the index changes per candidate position on `axis`.
  size_t stride(size_t axis) const { return strides[axis]; }

  size_t encode(const NdSbp &sbp) const {
    size_t index = 0;
    for (size_t axis = 0; axis < sbp.size(); ++axis) {
      const std::vector<Sbp1D> &list = candidates[axis];
      index += strides[axis] *
               (std::find(list.begin(), list.end(), sbp[axis]) - list.begin());
    }
    return index;
  }

  /// Fills `sbp` and the candidate `positions` of state `index`.
  void decode(size_t index, NdSbp &sbp, std::vector<size_t> &positions) const {
    for (size_t axis = 0; axis < candidates.size(); ++axis) {
      positions[axis] = index / strides[axis] % candidates[axis].size();
      sbp[axis] = candidates[axis][positions[axis]];
    }
  }

  NdSbp decode(size_t index) const {
    NdSbp sbp(candidates.size());
    std::vector<size_t> positions(candidates.size());
    decode(index, sbp, positions);
    return sbp;
  }

private:
  std::vector<std::vector<Sbp1D>> candidates;
  std::vector<size_t> strides;
  size_t count = 1;
};

/// How the search reached a state.
struct Arrival {
  double time = kInfinity;
  size_t hops = 0;
  size_t previous = 0;
  size_t axis = 0;
  Collective kind = Collective::LocalSlice;
  double bytes = 0;
  double stepTime = 0;
};

} // namespace

/// Dijkstra over single-axis changes from `source`, ordered by (time, hops,
/// state) so that ties go to fewer steps and the result is deterministic.
/// Stops once every state in `targets` is settled.
static std::vector<Arrival> search(const StateSpace &space, size_t source,
                                   const std::vector<size_t> &targets,
                                   const std::vector<int64_t> &globalShape,
                                   int64_t elementBytes,
                                   const std::vector<int64_t> &mesh,
                                   const std::vector<Link> &links) {
  std::vector<Arrival> arrivals(space.size());
  std::vector<bool> settled(space.size(), false);
  std::vector<bool> wanted(space.size(), false);
  size_t remaining = 0;
  for (size_t target : targets)
    if (!wanted[target]) {
      wanted[target] = true;
      ++remaining;
    }
  using Entry = std::tuple<double, size_t, size_t>;
  std::priority_queue<Entry, std::vector<Entry>, std::greater<Entry>> queue;
  arrivals[source].time = 0;
  queue.emplace(0.0, 0, source);
  const double bytesPerElement = static_cast<double>(elementBytes);

  NdSbp state(mesh.size()), next(mesh.size());
  std::vector<size_t> positions(mesh.size());
  while (!queue.empty() && remaining > 0) {
    auto [time, hops, index] = queue.top();
    queue.pop();
    if (settled[index])
      continue;
    settled[index] = true;
    if (wanted[index])
      --remaining;
    space.decode(index, state, positions);
    next = state;
    double localSize = largestPiece(state, globalShape, mesh) * bytesPerElement;
    for (size_t axis = 0; axis < mesh.size(); ++axis) {
      const Sbp1D current = state[axis];
      if ((current.isSplit() && splitLater(state, axis, current.dim)) ||
          (current.isPartial() &&
           otherPartialLater(state, axis, current.reduce)))
        continue;
      // The piece the ranks of this axis share: the tensor as split by the
      // other axes only.
      next[axis] = Sbp1D::broadcast();
      double groupSize =
          largestPiece(next, globalShape, mesh) * bytesPerElement;
      const std::vector<Sbp1D> &candidates = space.axisCandidates(axis);
      for (size_t position = 0; position < candidates.size(); ++position) {
        const Sbp1D &entry = candidates[position];
        if (entry == current ||
            (entry.isSplit() && splitLater(state, axis, entry.dim)))
          continue;
        std::optional<Collective> kind = axisCollective(current, entry);
        next[axis] = entry;
        if (!kind || !fitsShape(next, globalShape, mesh))
          continue;
        size_t neighbour = index - positions[axis] * space.stride(axis) +
                           position * space.stride(axis);
        if (settled[neighbour])
          continue;
        // An all-to-all's rank sends from its own piece; the other
        // collectives are stated in terms of the shared one.
        double size = *kind == Collective::AllToAll ? localSize : groupSize;
        double stepTime = collectiveTime(*kind, mesh[axis], size, links[axis]);
        Arrival &arrival = arrivals[neighbour];
        double newTime = time + stepTime;
        if (newTime > arrival.time ||
            (newTime == arrival.time && hops + 1 >= arrival.hops))
          continue;
        arrival = {newTime, hops + 1, index,
                   axis,    *kind,    collectiveBytes(*kind, mesh[axis], size),
                   stepTime};
        queue.emplace(newTime, hops + 1, neighbour);
      }
      next[axis] = current;
    }
  }
  // Unsettled states keep their tentative arrivals; mark them unreached.
  for (size_t index = 0; index < space.size(); ++index)
    if (!settled[index])
      arrivals[index].time = kInfinity;
  return arrivals;
}

BoxingPath boxingPath(const NdSbp &from, const NdSbp &to,
                      const std::vector<int64_t> &globalShape,
                      int64_t elementBytes, const std::vector<int64_t> &mesh,
                      const std::vector<Link> &links, bool partialStates) {
  BoxingPath infeasible;
  infeasible.time = kInfinity;
  if (links.size() != mesh.size() || elementBytes <= 0 ||
      !isValidSbp(from, globalShape, mesh) ||
      !isValidSbp(to, globalShape, mesh))
    return infeasible;
  if (from == to)
    return {};

  StateSpace space({&from, &to}, globalShape, mesh, partialStates);
  size_t source = space.encode(from), target = space.encode(to);
  std::vector<Arrival> arrivals =
      search(space, source, {target}, globalShape, elementBytes, mesh, links);
  if (!std::isfinite(arrivals[target].time))
    return infeasible;
  BoxingPath path;
  path.time = arrivals[target].time;
  for (size_t index = target; index != source;) {
    const Arrival &arrival = arrivals[index];
    BoxingStep step;
    step.axis = arrival.axis;
    step.kind = arrival.kind;
    step.result = space.decode(index);
    step.to = step.result[arrival.axis];
    step.from = space.decode(arrival.previous)[arrival.axis];
    step.bytes = arrival.bytes;
    step.time = arrival.stepTime;
    path.steps.push_back(std::move(step));
    index = arrival.previous;
  }
  std::reverse(path.steps.begin(), path.steps.end());
  return path;
}

std::vector<double>
boxingTimes(const NdSbp &from, const std::vector<NdSbp> &targets,
            const std::vector<int64_t> &globalShape, int64_t elementBytes,
            const std::vector<int64_t> &mesh, const std::vector<Link> &links,
            bool partialStates) {
  std::vector<double> times(targets.size(), kInfinity);
  if (links.size() != mesh.size() || elementBytes <= 0 ||
      !isValidSbp(from, globalShape, mesh))
    return times;
  std::vector<const NdSbp *> endpoints = {&from};
  std::vector<size_t> valid;
  for (size_t i = 0; i < targets.size(); ++i)
    if (isValidSbp(targets[i], globalShape, mesh)) {
      endpoints.push_back(&targets[i]);
      valid.push_back(i);
    }
  StateSpace space(endpoints, globalShape, mesh, partialStates);
  std::vector<size_t> targetStates;
  for (size_t i : valid)
    targetStates.push_back(space.encode(targets[i]));
  std::vector<Arrival> arrivals =
      search(space, space.encode(from), targetStates, globalShape, elementBytes,
             mesh, links);
  for (size_t k = 0; k < valid.size(); ++k)
    times[valid[k]] = arrivals[targetStates[k]].time;
  return times;
}

double boxingTime(const NdSbp &from, const NdSbp &to,
                  const std::vector<int64_t> &globalShape, int64_t elementBytes,
                  const std::vector<int64_t> &mesh,
                  const std::vector<Link> &links, bool partialStates) {
  return boxingPath(from, to, globalShape, elementBytes, mesh, links,
                    partialStates)
      .time;
}

} // namespace pxc::cost
