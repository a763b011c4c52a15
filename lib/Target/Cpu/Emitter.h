//===- Emitter.h - CPU target internals -------------------------*- C++ -*-===//

#ifndef PXC_LIB_TARGET_CPU_EMITTER_H
#define PXC_LIB_TARGET_CPU_EMITTER_H

#include "pxc/Target/Cpu/EmitCpp.h"

#include "mlir/IR/Block.h"
#include "mlir/IR/Operation.h"
#include "llvm/Support/raw_ostream.h"

#include <optional>
#include <string>

namespace pxc::cpu_target {

/// "{1, 2, 3}".
std::string intList(llvm::ArrayRef<int64_t> values);

/// The global type of a value of a per-rank function (its px.global_type,
/// else its own type).
mlir::Type getGlobalType(mlir::Value value);

/// Writes the libpxrt kernel call computing `op`'s results (views `out`)
/// from its operands (views `in`); statements in the scope of an actor body
/// where `ctx` is the pxrt::RankContext. Fails with a diagnostic for ops
/// without a CPU kernel.
mlir::LogicalResult emitKernelCall(mlir::Operation *op,
                                   llvm::ArrayRef<std::string> in,
                                   llvm::ArrayRef<std::string> out,
                                   llvm::raw_ostream &os);

/// Writes the communication of a boxing op (px.all_reduce, ...): comm-stream
/// statements with `ctx` in scope.
mlir::LogicalResult emitCollective(mlir::Operation *op, const std::string &in,
                                   const std::string &out,
                                   llvm::raw_ostream &os);

/// What one actor runs: a single op, or a chain of elementwise ops fused
/// into one loop (ops in program order, the loop's result is the last op's).
struct Unit {
  llvm::SmallVector<mlir::Operation *> ops;
  /// Reshapes and transposes read in place by this unit (see foldViews); a
  /// reshape may be in several units.
  llvm::SmallVector<mlir::Operation *> views;
  /// Transposes of this unit's (a matmul's) result that it writes directly,
  /// through a permuted view of the transpose's buffer.
  llvm::SmallVector<mlir::Operation *> outputViews;
  bool isFused() const { return ops.size() > 1; }
};

/// Partitions the ops of `body` into units, in program order of their last
/// ops.
llvm::SmallVector<Unit> formUnits(mlir::Block &body);

/// Moves each reshape (whose input is contiguous) into the units of all its
/// users (of its only user unless `shareViews`), and each transpose read only
/// by a matmul or linear into the unit of its user, which then read the input
/// in place through a (strided) view instead of a copy; outputs and transfers
/// read only buffers. And each transpose of a single-use matmul result that
/// keeps the last dimension last into the matmul's unit, which writes the
/// transposed layout directly.
void foldViews(llvm::SmallVectorImpl<Unit> &units, bool shareViews);

/// The C++ expression of an elementwise `op` on scalar operands `x`; null
/// if `op` does not fuse.
std::optional<std::string> scalarExpr(mlir::Operation *op,
                                      llvm::ArrayRef<std::string> x);

/// The C++ scalar type of a fused value's elements ("float" or "bool").
const char *scalarType(mlir::Value value);

/// Writes `unit`'s ops as one statement each on scalars, at `indent`; its
/// external operands are named in `names` on entry, which gains the ops'
/// results. Returns the name of the last op's result.
std::string emitScalarChain(const Unit &unit, llvm::StringRef indent,
                            llvm::DenseMap<mlir::Value, std::string> &names,
                            llvm::raw_ostream &os);

/// Element strides of a value of `shape` broadcast to `result` (numpy
/// alignment from the right; size-1 dims get stride 0).
llvm::SmallVector<int64_t> broadcastStrides(llvm::ArrayRef<int64_t> shape,
                                            llvm::ArrayRef<int64_t> result);

/// Writes the loop nest of a fused unit to `os` as a function `name` whose
/// parameters point to its external operands and its result, and returns
/// the statement that calls it from an actor body (`a`, the ActContext, in
/// scope); `pointer(v)` is the C++ pointer expression of an external operand
/// `v` there.
std::string emitFusedLoop(const Unit &unit, llvm::StringRef name,
                          llvm::function_ref<std::string(mlir::Value)> pointer,
                          llvm::raw_ostream &os);

/// What the CPU and the CUDA target write differently; the rest of a
/// program (actor graphs, schedules, the Program) is the same text.
class TargetFlavor {
public:
  virtual ~TargetFlavor() = default;
  /// Includes, `using namespace` of the kernels and the helpers the rest
  /// calls: fmax_nan/fmin_nan (in fused loops), bindActor(ctx, arena, body)
  /// and scratch(bytes) (a shared buffer with data()).
  virtual void emitPrelude(llvm::raw_ostream &os) const = 0;
  /// The statement that declares `arena` (what bindActor takes) in a
  /// builder whose memory plan needs `bytes`.
  virtual std::string declareArena(int64_t bytes) const = 0;
  /// The pointer an actor uses for an embedded constant (`array`, `bytes`
  /// long).
  virtual std::string constant(llvm::StringRef array,
                               llvm::StringRef bytes) const = 0;
  /// An input actor's statement filling a.outputs[0] (`bytes`).
  virtual std::string loadInput(unsigned index, int64_t bytes) const = 0;
  /// An output actor's statement handing `pointer` (`bytes`) over.
  virtual std::string storeOutput(unsigned index, const std::string &pointer,
                                  int64_t bytes) const = 0;
  /// Statements that finish makeProgram()'s `Program p`.
  virtual std::string programSetup() const { return ""; }
  /// As emitFusedLoop.
  virtual std::string
  emitFusedLoop(const Unit &unit, llvm::StringRef name,
                llvm::function_ref<std::string(mlir::Value)> pointer,
                llvm::raw_ostream &os) const = 0;
};

/// emitCpuProgram with the text of another target.
mlir::LogicalResult emitProgram(mlir::ModuleOp module, llvm::raw_ostream &os,
                                const TrainFlagDefaults &train,
                                const TargetFlavor &flavor);

} // namespace pxc::cpu_target

#endif // PXC_LIB_TARGET_CPU_EMITTER_H
