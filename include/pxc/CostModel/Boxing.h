//===- Boxing.h - Cost of converting between N-D SBPs -----------*- C++ -*-===//
//
// Boxing turns a tensor distributed as one N-D SBP into another. It is done
// one mesh axis at a time with the 1-D rules (P->B all-reduce, P->S
// reduce-scatter, S->B all-gather, S->S all-to-all, B->S / B->P / S->P
// local), and the cheapest sequence of such steps, possibly through
// intermediate SBPs, is found by a shortest-path search. See
// docs/cost-model.md.
//
//===----------------------------------------------------------------------===//

#ifndef PXC_COSTMODEL_BOXING_H
#define PXC_COSTMODEL_BOXING_H

#include "pxc/CostModel/Cluster.h"
#include "pxc/CostModel/Collectives.h"
#include "pxc/Sbp/Sbp.h"

#include <cmath>
#include <cstdint>
#include <vector>

namespace pxc::cost {

/// One single-axis step of a boxing path.
struct BoxingStep {
  /// The mesh axis the collective runs over.
  size_t axis = 0;
  Collective kind = Collective::LocalSlice;
  /// The axis' entry before and after the step.
  sbp::Sbp1D from, to;
  /// The whole N-D SBP after the step.
  sbp::NdSbp result;
  /// Bytes each rank sends (0 for local steps).
  double bytes = 0;
  /// Seconds.
  double time = 0;
};

/// The cheapest way from one N-D SBP to another.
struct BoxingPath {
  std::vector<BoxingStep> steps;
  /// Sum of the steps' times; +infinity if no path exists.
  double time = 0;

  bool feasible() const { return std::isfinite(time); }
};

/// Whether `sbp` may describe a tensor of `globalShape` on `mesh`: it has
/// one valid entry per axis, and every split dimension has at least as many
/// elements as the ranks splitting it (the product over the axes that split
/// it).
bool isValidSbp(const sbp::NdSbp &sbp, const std::vector<int64_t> &globalShape,
                const std::vector<int64_t> &mesh);

/// Bytes of the largest local piece (what one device must hold); a partial
/// value is full-size.
double localBytes(const sbp::NdSbp &sbp,
                  const std::vector<int64_t> &globalShape, int64_t elementBytes,
                  const std::vector<int64_t> &mesh);

/// The cheapest boxing from `from` to `to` for a tensor of `globalShape`
/// with `elementBytes`-byte elements on `mesh`, whose axes communicate over
/// `links` (one per axis, from mapMesh). Infeasible (time +infinity, no
/// steps) if an SBP is not valid (isValidSbp) or the arguments disagree in
/// rank.
///
/// Changing the entry of axis a is a single 1-D collective over that axis
/// only if no later axis splits the tensor dimension that the entry splits
/// before or after the change (splits of one dimension nest with axis 0
/// outermost, see sbp::localBox), and reducing a partial entry of axis a
/// also needs every later partial entry to have the same reduction (later
/// axes reduce first, and a sum does not commute with a max); other changes
/// are reached through intermediate SBPs.
///
/// Without `partialStates`, intermediate SBPs hold no partial entries other
/// than the endpoints' own: for tensors that cannot hold partial values
/// (i1), which then never take a cheaper detour such as S -> P -> S.
BoxingPath boxingPath(const sbp::NdSbp &from, const sbp::NdSbp &to,
                      const std::vector<int64_t> &globalShape,
                      int64_t elementBytes, const std::vector<int64_t> &mesh,
                      const std::vector<Link> &links,
                      bool partialStates = true);

/// boxingPath(from, t, ...).time for every `t` in `targets`, from one
/// search (the matrices of the SBP search need whole rows).
std::vector<double>
boxingTimes(const sbp::NdSbp &from, const std::vector<sbp::NdSbp> &targets,
            const std::vector<int64_t> &globalShape, int64_t elementBytes,
            const std::vector<int64_t> &mesh, const std::vector<Link> &links,
            bool partialStates = true);

/// boxingPath(...).time.
double boxingTime(const sbp::NdSbp &from, const sbp::NdSbp &to,
                  const std::vector<int64_t> &globalShape, int64_t elementBytes,
                  const std::vector<int64_t> &mesh,
                  const std::vector<Link> &links, bool partialStates = true);

} // namespace pxc::cost

#endif // PXC_COSTMODEL_BOXING_H
