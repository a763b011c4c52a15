//===- Layout.h - Which rank saves which piece of each tensor ---*- C++ -*-===//
//
// The checkpoint layout of a job: for every parameter and optimizer state,
// the fragment (global box) each rank holds and whether that rank is the
// primary replica, which writes it, so that every byte is saved exactly
// once. Plain C++ (no LLVM): px-checkpoint-layout computes it in the
// compiler, the runtime recomputes it to save and load, and pxc-ckpt reads
// it from OUT/checkpoint-layout.json to reshard. See docs/checkpoints.md.
//
//===----------------------------------------------------------------------===//

#ifndef PXC_CHECKPOINT_LAYOUT_H
#define PXC_CHECKPOINT_LAYOUT_H

#include "pxc/Sbp/Sbp.h"

#include <cstdint>
#include <string>
#include <vector>

namespace pxc::ckpt {

using sbp::Box;

/// Elements in `box`.
int64_t volume(const Box &box);
/// The common part of two boxes of one tensor; sizes 0 when disjoint.
Box intersect(const Box &a, const Box &b);
bool isEmpty(const Box &box);

/// One rank's piece of a tensor.
struct Fragment {
  int64_t rank = 0;
  Box box;
  /// The replica that saves this box (of the ranks holding the same box,
  /// the one at coordinate 0 of every mesh axis the tensor is broadcast on).
  bool primary = false;
};

/// Every rank's fragment of a tensor of `shape` distributed as `sbp` on the
/// mesh of pipeline device `device` (ranks device * prod(mesh) + mesh
/// rank), clipped to `logicalShape` (the stored tensor without padding;
/// empty: `shape`). Ranks whose piece is all padding get no fragment.
/// Throws std::invalid_argument for partial SBPs (a partial value is
/// reduced before it can be saved) and malformed shapes.
std::vector<Fragment> fragments(const std::vector<int64_t> &shape,
                                const std::vector<int64_t> &logicalShape,
                                const sbp::NdSbp &sbp,
                                const std::vector<int64_t> &mesh,
                                int64_t device);

/// The ranks that hold each distinct box of `fragments`: groups[of[i]] are
/// the ranks holding fragment i's box (itself included).
struct ReplicaGroups {
  std::vector<std::vector<int64_t>> groups;
  std::vector<size_t> of;
};
ReplicaGroups replicaGroups(const std::vector<Fragment> &fragments);

/// One tensor of the layout.
struct TensorLayout {
  std::string name;
  /// Element type as safetensors names it ("F32", "BF16", "I64", ...).
  std::string dtype = "F32";
  /// The logical shape (what users and checkpoints see).
  std::vector<int64_t> shape;
  /// The shape the program computes with (vocabulary padding included).
  std::vector<int64_t> paddedShape;
  std::string sbp;
  /// The pipeline device whose ranks hold it.
  int64_t device = 0;
  /// "parameter" (trained), "state" (optimizer state) or "buffer".
  std::string kind = "parameter";
  std::vector<Fragment> fragments;
};

/// The layout of one job configuration.
struct Layout {
  std::vector<int64_t> mesh;
  /// Pipeline devices; the job has devices * prod(mesh) ranks.
  int64_t devices = 1;
  std::vector<TensorLayout> tensors;
  int64_t ranks() const;
};

/// "parameter", "state" or "buffer" from a parameter's name and whether it
/// is trained (px-apply-optimizer names states <param>.exp_avg, ...).
std::string tensorKind(const std::string &name, bool frozen);

/// OUT/checkpoint-layout.json.
std::string toJson(const Layout &layout);
/// Throws std::runtime_error naming what is malformed.
Layout parseLayout(const std::string &text);

} // namespace pxc::ckpt

#endif // PXC_CHECKPOINT_LAYOUT_H
