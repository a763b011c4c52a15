//===- MemoryPlan.h - Static buffer offsets for a per-rank function -*- C++
//-*-===//
//
// Every tensor of a per-rank function gets a byte offset in the rank's
// arena. Parameters are persistent and come first; activations are placed
// in program order by a first-fit allocator that frees a buffer after its
// last use, so buffers with disjoint lifetimes share memory. A buffer that
// reuses memory must not be written before the readers of the memory's
// previous owners are done: the plan records those owners, and code
// generation turns them into control dependencies.
//
//===----------------------------------------------------------------------===//

#ifndef PXC_ANALYSIS_MEMORYPLAN_H
#define PXC_ANALYSIS_MEMORYPLAN_H

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/DenseSet.h"
#include "llvm/ADT/SmallVector.h"

#include <functional>

namespace pxc {

struct MemoryPlan {
  /// Buffers are aligned to this many bytes.
  static constexpr int64_t kAlignment = 64;

  /// Byte offset of every value that has a buffer: function arguments and
  /// op results, except constants (which code generation embeds).
  llvm::DenseMap<mlir::Value, int64_t> offsets;
  /// Bytes of every buffer (rounded up to kAlignment); of one slot for
  /// values with several.
  llvm::DenseMap<mlir::Value, int64_t> sizes;
  /// The values whose memory a buffer reuses (their readers must be done
  /// before the buffer's producer runs).
  llvm::DenseMap<mlir::Value, llvm::SmallVector<mlir::Value, 2>> reuses;
  /// Bytes of the persistent region (parameters, then the values with
  /// their own slots) at the start of the arena.
  int64_t persistentBytes = 0;
  /// Bytes of the whole arena.
  int64_t arenaBytes = 0;
};

/// Bytes of a tensor of `type` (i1 elements take one byte).
int64_t tensorBytes(mlir::Type type);

/// What code generation tells the planner about how ops run.
struct PlanHints {
  /// Values that need no buffer (intermediates of fused loops).
  llvm::DenseSet<mlir::Value> noBuffer;
  /// Ops that run as part of another op's actor (a fused loop runs at its
  /// last op): their reads happen at that op's position, and when that op
  /// comes first (a transpose a matmul writes directly) their results are
  /// written there too.
  llvm::DenseMap<mlir::Operation *, mlir::Operation *> runsWith;
  /// Values with their own memory, never shared: `slots` buffers each, one
  /// per piece in flight (a pipeline stage's stashed activations, what
  /// crosses stages, accumulators). They follow the parameters.
  llvm::DenseMap<mlir::Value, int> slots;
  /// Ops of other pipeline stages: no buffers, and their reads do not keep
  /// values alive. Arguments only this filter's ops read get no buffer.
  std::function<bool(mlir::Operation *)> skip;
};

/// Plans the arena of `func` (a function with a single block).
MemoryPlan planMemory(mlir::func::FuncOp func, const PlanHints &hints);
inline MemoryPlan planMemory(mlir::func::FuncOp func) {
  return planMemory(func, PlanHints());
}

} // namespace pxc

#endif // PXC_ANALYSIS_MEMORYPLAN_H
