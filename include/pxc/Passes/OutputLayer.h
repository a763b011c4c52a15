//===- OutputLayer.h - The output layer that feeds a loss -------*- C++ -*-===//
//
// px-vocab-parallel spreads the output layer over the pipeline stages, and
// px-pipeline-partition must then leave it out of the stages it balances:
// both find it the same way.
//
//===----------------------------------------------------------------------===//

#ifndef PXC_PASSES_OUTPUTLAYER_H
#define PXC_PASSES_OUTPUTLAYER_H

#include "pxc/Dialect/Px/PxOps.h"

#include "llvm/ADT/SmallVector.h"

#include <optional>

namespace pxc::px {

/// logits = linear(input, weight[, bias]), reshaped (leading dims only)
/// into the loss's logits, each value read by the next op alone.
struct OutputLayer {
  LinearOp linear;
  llvm::SmallVector<ReshapeOp> reshapes;
  int64_t classes;
};

/// The output layer that feeds `loss`, if its logits come from one.
std::optional<OutputLayer> matchOutputLayer(CrossEntropyOp loss);

} // namespace pxc::px

#endif // PXC_PASSES_OUTPUTLAYER_H
