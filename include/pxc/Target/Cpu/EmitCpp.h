//===- EmitCpp.h - The CPU target: px per-rank program -> C++ ---*- C++ -*-===//

#ifndef PXC_TARGET_CPU_EMITCPP_H
#define PXC_TARGET_CPU_EMITCPP_H

#include "mlir/IR/BuiltinOps.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdint>
#include <string>

namespace pxc {

/// Defaults of a training program's run-time flags (pxrt::TrainDefaults);
/// the optimizer itself is the one compiled into the step.
struct TrainFlagDefaults {
  double lr = 1e-3;
  double minLr = 0;
  int64_t warmupSteps = 0;
  int64_t decaySteps = 0;
  /// Negative: torch's default of the optimizer (AdamW 0.01, SGD 0).
  double weightDecay = -1;
  double clipNorm = 0;
  /// pxc --loss-scale: "off", "dynamic" or the static scale (as given).
  std::string lossScale = "off";
  double initialLossScale = 65536;
  int64_t lossScaleWindow = 2000;
};

/// Writes the C++ source of the program in `module`, whose per-rank
/// functions (`px.ranks`, made by px-spmdize) are the classes of ranks of
/// one job. The source defines a pxrt::Program and main(); it is compiled
/// against libpxrt (runtime/include/pxrt). Errors are diagnostics.
mlir::LogicalResult emitCpuProgram(mlir::ModuleOp module, llvm::raw_ostream &os,
                                   const TrainFlagDefaults &train = {});

} // namespace pxc

#endif // PXC_TARGET_CPU_EMITCPP_H
