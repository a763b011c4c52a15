//===- CheckpointLayout.cpp - px-checkpoint-layout ------------------------===//
//
// Records, for each parameter and optimizer state, the fragment every rank
// holds and which replica saves it. The arithmetic is the plain C++ of
// pxc/Checkpoint/Layout.h, which the runtime shares, so the layout the
// compiler reports is the one programs save; see docs/checkpoints.md.
//
//===----------------------------------------------------------------------===//

#include "pxc/Checkpoint/Layout.h"
#include "pxc/Dialect/Px/Pipeline.h"
#include "pxc/Dialect/Px/PxOps.h"
#include "pxc/Passes/Passes.h"
#include "pxc/Support/LLVM.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "llvm/ADT/StringMap.h"

namespace pxc {
#define GEN_PASS_DEF_CHECKPOINTLAYOUT
#include "pxc/Passes/Passes.h.inc"
} // namespace pxc

using namespace pxc;
using namespace pxc::px;

/// The px.checkpoint dictionary of `param` held by pipeline device
/// `device` of a mesh of `meshShape`.
static FailureOr<DictionaryAttr>
checkpointOf(ParameterOp param, ArrayRef<int64_t> meshShape, int64_t device) {
  SbpAttr sbp = getSbp(param.getResult());
  if (!sbp)
    return param.emitOpError("has no distribution (px.sbp); run px-auto-sbp "
                             "before px-checkpoint-layout");
  auto type = param.getType();
  std::vector<int64_t> shape(type.getShape().begin(), type.getShape().end());
  std::vector<int64_t> mesh(meshShape.begin(), meshShape.end());
  std::vector<ckpt::Fragment> fragments;
  try {
    fragments = ckpt::fragments(shape, shape, sbp.getNdSbp(), mesh, device);
  } catch (const std::invalid_argument &e) {
    return param.emitOpError("cannot be checkpointed: ") << e.what();
  }
  Builder b(param.getContext());
  // A block of a larger tensor is stored as part of it.
  StringRef name = param.getName();
  if (auto shard =
          param->getAttrOfType<DictionaryAttr>(PxDialect::kShardAttrName)) {
    name = shard.getAs<StringAttr>("of").getValue();
    ArrayRef<int64_t> offsets =
        shard.getAs<DenseI64ArrayAttr>("offsets").asArrayRef();
    for (ckpt::Fragment &f : fragments)
      for (size_t d = 0; d < offsets.size(); ++d)
        f.box.offsets[d] += offsets[d];
    shape.assign(shard.getAs<DenseI64ArrayAttr>("shape").asArrayRef().begin(),
                 shard.getAs<DenseI64ArrayAttr>("shape").asArrayRef().end());
  }
  SmallVector<Attribute> list;
  for (const ckpt::Fragment &f : fragments) {
    SmallVector<int64_t> entry{f.rank, f.primary ? 1 : 0};
    entry.append(f.box.offsets.begin(), f.box.offsets.end());
    entry.append(f.box.sizes.begin(), f.box.sizes.end());
    list.push_back(b.getDenseI64ArrayAttr(entry));
  }
  std::string kind = ckpt::tensorKind(name.str(), param.getFrozen());
  return b.getDictionaryAttr(
      {b.getNamedAttr("name", b.getStringAttr(name)),
       b.getNamedAttr("kind", b.getStringAttr(kind)),
       b.getNamedAttr("device", b.getI64IntegerAttr(device)),
       b.getNamedAttr("logical_shape", b.getDenseI64ArrayAttr(shape)),
       b.getNamedAttr("fragments", b.getArrayAttr(list))});
}

/// Annotates every parameter of the module; the same name twice must be
/// the same tensor on the same device.
static LogicalResult layOutCheckpoints(ModuleOp module) {
  std::optional<PipelineConfig> pipeline = getPipelineConfig(module);
  llvm::StringMap<std::pair<ParameterOp, DictionaryAttr>> seen;
  WalkResult result = module.walk([&](ParameterOp param) {
    FailureOr<MeshOp> mesh = findMesh(param);
    if (failed(mesh))
      return WalkResult::interrupt();
    int64_t device = 0;
    if (pipeline) {
      std::optional<int64_t> stage = getStage(param);
      if (!stage) {
        param.emitOpError("has no pipeline stage (px.stage)");
        return WalkResult::interrupt();
      }
      device = *stage % pipeline->stages;
    }
    FailureOr<DictionaryAttr> layout =
        checkpointOf(param, mesh->getShape(), device);
    if (failed(layout))
      return WalkResult::interrupt();
    auto [it, inserted] =
        seen.try_emplace(param.getName(), std::make_pair(param, *layout));
    if (!inserted && it->second.second != *layout) {
      InFlightDiagnostic diag = param.emitOpError(
          "is laid out differently from another read of the same parameter "
          "(another stage or distribution); a checkpointed tensor has one "
          "owner");
      diag.attachNote(it->second.first.getLoc()) << "the other read";
      return WalkResult::interrupt();
    }
    param->setAttr(PxDialect::kCheckpointAttrName, *layout);
    return WalkResult::advance();
  });
  return failure(result.wasInterrupted());
}

namespace {
struct CheckpointLayoutPass
    : pxc::impl::CheckpointLayoutBase<CheckpointLayoutPass> {
  void runOnOperation() override {
    if (failed(layOutCheckpoints(getOperation())))
      signalPassFailure();
  }
};
} // namespace
