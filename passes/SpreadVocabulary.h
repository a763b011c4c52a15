//===- SpreadVocabulary.h - Vocabulary layers over pipeline stages -*- C++
//-*-===//
//
// px-vocab-parallel's pipeline form (Yeung et al. 2024): the output layer
// and its loss, and the input embedding that reads the same vocabulary,
// split into one block of the vocabulary per stage.
//
//===----------------------------------------------------------------------===//

#ifndef PXC_PASSES_SPREADVOCABULARY_H
#define PXC_PASSES_SPREADVOCABULARY_H

#include "pxc/Dialect/Px/Pipeline.h"
#include "pxc/Dialect/Px/PxOps.h"

namespace pxc::px {

/// Spreads the output layer feeding `op`, and the input embeddings of the
/// same vocabulary, over every stage of `config`'s pipeline, with `mode`'s
/// combination of the loss statistics ("vocab-1" or "vocab-2").
mlir::LogicalResult spreadVocabulary(CrossEntropyOp op, llvm::StringRef mode,
                                     const PipelineConfig &config);

} // namespace pxc::px

#endif // PXC_PASSES_SPREADVOCABULARY_H
