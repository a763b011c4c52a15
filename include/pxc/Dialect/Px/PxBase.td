//===- PxBase.td - px dialect definition -------------------*- tablegen -*-===//

#ifndef PXC_DIALECT_PX_PXBASE_TD
#define PXC_DIALECT_PX_PXBASE_TD

include "mlir/IR/OpBase.td"
include "mlir/IR/AttrTypeBase.td"
include "mlir/IR/EnumAttr.td"

def Px_Dialect : Dialect {
  let name = "px";
  let cppNamespace = "::pxc::px";
  let summary = "Global-view tensor programs for the pxc parallelizing compiler";
  let description = [{
    The px dialect describes a neural-network program in its global view:
    logical tensor shapes and no devices. Distribution decisions are
    attributes (`px.sbp`, `px.stage`) attached to ops by later passes, relative
    to a device mesh declared with `px.mesh`.
  }];
  let useDefaultAttributePrinterParser = 1;
  let hasOperationAttrVerify = 1;
  let hasRegionArgAttrVerify = 1;
  let hasRegionResultAttrVerify = 1;
  let hasConstantMaterializer = 1;
  let extraClassDeclaration = [{
    void registerAttributes();

    /// Discardable attribute names.
    /// Distribution of an op's results (or of function arguments/results).
    static constexpr ::llvm::StringLiteral kSbpAttrName = "px.sbp";
    /// Distribution an op expects of its operands (the chosen signature's
    /// inputs); px-insert-boxing makes the producers' px.sbp match it.
    static constexpr ::llvm::StringLiteral kSbpInAttrName = "px.sbp_in";
    /// The pipeline stage an op runs on (px-pipeline-partition).
    static constexpr ::llvm::StringLiteral kStageAttrName = "px.stage";
    /// The part of a training step an op belongs to: "forward" (when
    /// absent), "vocab-forward" and "vocab-backward" (a stage's share of
    /// the output layer spread over every stage, px-vocab-parallel),
    /// "embed-forward" and "embed-backward" (its share of the input
    /// embedding, px-vocab-parallel),
    /// "backward" (px-autodiff), "weight" (the weight-gradient part of the
    /// backward, px-pipeline-schedule), "update" (px-apply-optimizer).
    /// Pipeline schedules order work by it.
    static constexpr ::llvm::StringLiteral kPhaseAttrName = "px.phase";
    /// On the module: the pipeline configuration, a dictionary
    /// {stages, micro_batches, schedule, virtual_stages, vocab}.
    static constexpr ::llvm::StringLiteral kPipelineAttrName = "px.pipeline";
    /// On a per-rank function: the linear ranks (row-major over the mesh)
    /// that run it. Values in it have local shapes.
    static constexpr ::llvm::StringLiteral kRanksAttrName = "px.ranks";
    /// In a per-rank function: the global type of a result or argument
    /// whose local type differs (needed where a rank's offset matters).
    static constexpr ::llvm::StringLiteral kGlobalTypeAttrName =
        "px.global_type";
    /// px-plan-memory: arena byte offsets of an op's results (one per
    /// result) or of a function argument, and the arena's sizes.
    static constexpr ::llvm::StringLiteral kOffsetsAttrName = "px.offsets";
    static constexpr ::llvm::StringLiteral kOffsetAttrName = "px.offset";
    static constexpr ::llvm::StringLiteral kArenaBytesAttrName =
        "px.arena_bytes";
    static constexpr ::llvm::StringLiteral kPersistentBytesAttrName =
        "px.persistent_bytes";
    static constexpr ::llvm::StringLiteral kMeshAttrName = "px.mesh";
    static constexpr ::llvm::StringLiteral kNameAttrName = "px.name";
    /// On a px.parameter (px-checkpoint-layout): how checkpoints store it,
    /// {name, kind, device, logical_shape, fragments}; each fragment is
    /// [rank, primary, offsets..., sizes...].
    static constexpr ::llvm::StringLiteral kCheckpointAttrName =
        "px.checkpoint";
    /// On a px.parameter that holds one block of a larger tensor (a
    /// vocabulary shard of px-vocab-parallel): {of, offsets, shape}, the
    /// tensor's name and shape and where the block starts. Initializers
    /// and checkpoints see the whole tensor.
    static constexpr ::llvm::StringLiteral kShardAttrName = "px.shard";
    /// On the module, once px-vocab-parallel has rewritten its
    /// cross-entropy: the number of classes, which token ids stay below
    /// (generated programs check data and draw synthetic tokens with it).
    static constexpr ::llvm::StringLiteral kVocabAttrName = "px.vocab";
    /// On a training function's argument: what the program feeds it each
    /// step ("tokens", "labels" from the data; "hyper" from the optimizer
    /// flags and schedule).
    static constexpr ::llvm::StringLiteral kRoleAttrName = "px.role";
  }];
}

class Px_Op<string mnemonic, list<Trait> traits = []>
    : Op<Px_Dialect, mnemonic, traits>;

class Px_Attr<string name, string attrMnemonic, list<Trait> traits = []>
    : AttrDef<Px_Dialect, name, traits> {
  let mnemonic = attrMnemonic;
}

//===----------------------------------------------------------------------===//
// Type constraints
//===----------------------------------------------------------------------===//

def Px_FloatElt : AnyTypeOf<[F16, BF16, F32, F64]>;
def Px_IntElt : AnyTypeOf<[I32, I64]>;

def Px_FloatTensor : StaticShapeTensorOf<[F16, BF16, F32, F64]>;
def Px_IndexTensor : StaticShapeTensorOf<[I32, I64]>;
def Px_BoolTensor : StaticShapeTensorOf<[I1]>;
def Px_F32Tensor : StaticShapeTensorOf<[F32]>;
def Px_NumTensor : StaticShapeTensorOf<[F16, BF16, F32, F64, I32, I64]>;
def Px_Tensor : StaticShapeTensorOf<[F16, BF16, F32, F64, I1, I32, I64]>;

#endif // PXC_DIALECT_PX_PXBASE_TD
