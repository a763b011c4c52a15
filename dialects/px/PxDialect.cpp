//===- PxDialect.cpp - px dialect registration and attribute checks -------===//

#include "pxc/Dialect/Px/PxDialect.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Interfaces/FunctionInterfaces.h"
#include "pxc/Dialect/Px/PxOps.h"
#include "pxc/Support/LLVM.h"
#include "llvm/ADT/DenseSet.h"

using namespace pxc;
using namespace pxc::px;

#include "pxc/Dialect/Px/PxDialect.cpp.inc"

void PxDialect::initialize() {
  addOperations<
#define GET_OP_LIST
#include "pxc/Dialect/Px/PxOps.cpp.inc"
      >();
  registerAttributes();
}

Operation *PxDialect::materializeConstant(OpBuilder &builder, Attribute value,
                                          Type type, Location loc) {
  auto elements = dyn_cast<ElementsAttr>(value);
  if (!elements || elements.getType() != type)
    return nullptr;
  return ConstantOp::create(builder, loc, elements);
}

//===----------------------------------------------------------------------===//
// Discardable attributes: px.sbp, px.sbp_in, px.stage, px.mesh, px.name
//===----------------------------------------------------------------------===//

/// The mesh that SBP attributes under `op` refer to: the one named by the
/// nearest `px.mesh` attribute of an enclosing op, else the only px.mesh of
/// the module. Meshes sit at the top of a module, so lookups stay short.
FailureOr<MeshOp> px::findMesh(Operation *op) {
  for (Operation *scope = op; scope; scope = scope->getParentOp()) {
    auto ref =
        scope->getAttrOfType<FlatSymbolRefAttr>(PxDialect::kMeshAttrName);
    if (!ref)
      continue;
    Operation *symbol = SymbolTable::lookupNearestSymbolFrom(scope, ref);
    if (!symbol)
      return scope->emitError()
             << "px.mesh refers to " << ref << ", which is not defined";
    auto mesh = dyn_cast<MeshOp>(symbol);
    if (!mesh)
      return scope->emitError() << "px.mesh refers to " << ref << ", a '"
                                << symbol->getName() << "', not a px.mesh";
    return mesh;
  }
  auto module = op->getParentOfType<ModuleOp>();
  if (!module)
    return op->emitError() << "px.sbp needs an enclosing module with a px.mesh";
  MeshOp found;
  for (auto mesh : module.getOps<MeshOp>()) {
    if (found)
      return op->emitError()
             << "px.sbp is ambiguous: the module declares several meshes; "
                "name one with a px.mesh attribute on the function";
    found = mesh;
  }
  if (!found)
    return op->emitError() << "px.sbp needs a px.mesh declaration";
  return found;
}

/// Entry `index` of a `px.sbp` or `px.sbp_in` attribute: a single #px.sbp
/// describes value 0, an array has one entry per value.
static SbpAttr sbpEntry(Attribute attr, unsigned index) {
  if (auto array = dyn_cast_or_null<ArrayAttr>(attr))
    return index < array.size() ? dyn_cast<SbpAttr>(array[index]) : nullptr;
  return index == 0 ? dyn_cast_or_null<SbpAttr>(attr) : nullptr;
}

SbpAttr px::getSbp(Value value) {
  if (auto result = dyn_cast<OpResult>(value))
    return sbpEntry(result.getOwner()->getAttr(PxDialect::kSbpAttrName),
                    result.getResultNumber());
  auto arg = cast<BlockArgument>(value);
  auto func =
      dyn_cast_or_null<FunctionOpInterface>(arg.getOwner()->getParentOp());
  if (!func || arg.getOwner() != &func.getFunctionBody().front())
    return nullptr;
  return sbpEntry(func.getArgAttr(arg.getArgNumber(), PxDialect::kSbpAttrName),
                  0);
}

SbpAttr px::getExpectedSbp(Operation *op, unsigned index) {
  return sbpEntry(op->getAttr(PxDialect::kSbpInAttrName), index);
}

SbpAttr px::getResultSbp(FunctionOpInterface func, unsigned index) {
  return sbpEntry(func.getResultAttr(index, PxDialect::kSbpAttrName), 0);
}

static LogicalResult verifySbpEntry(Operation *op, StringRef name,
                                    Attribute attr, Type type, MeshOp mesh,
                                    const Twine &what) {
  auto sbp = dyn_cast<SbpAttr>(attr);
  if (!sbp)
    return op->emitError() << name << " of " << what
                           << " must be a #px.sbp attribute, got " << attr;
  auto tensor = dyn_cast<RankedTensorType>(type);
  if (!tensor)
    return op->emitError() << name << " on " << what
                           << " which is not a ranked tensor";
  std::string problem =
      sbp::check(sbp.getNdSbp(), tensor.getRank(), mesh.getShape().size());
  if (!problem.empty())
    return op->emitError() << name << " " << sbp << " of " << what << " "
                           << problem << " (px.mesh @" << mesh.getSymName()
                           << ")";
  return success();
}

/// `px.sbp` is one #px.sbp for a single value or an array with one per value.
static LogicalResult verifySbp(Operation *op, StringRef name, Attribute attr,
                               TypeRange types, const Twine &what) {
  if (types.empty())
    return op->emitError() << name << " on an op without " << what << "s";
  FailureOr<MeshOp> mesh = findMesh(op);
  if (failed(mesh))
    return failure();
  auto array = dyn_cast<ArrayAttr>(attr);
  if (!array) {
    if (types.size() != 1)
      return op->emitError() << name << " of " << what << "s must be an array "
                             << "with one #px.sbp per value";
    return verifySbpEntry(op, name, attr, types.front(), *mesh, what);
  }
  if (array.size() != types.size())
    return op->emitError() << name << " has " << array.size() << " entries for "
                           << types.size() << " " << what << "s";
  if (types.size() == 1)
    return verifySbpEntry(op, name, array[0], types[0], *mesh, what);
  for (auto [i, entry] : llvm::enumerate(array))
    if (failed(verifySbpEntry(op, name, entry, types[i], *mesh,
                              what + " #" + Twine(i))))
      return failure();
  return success();
}

bool px::isPerRankFunction(Operation *op) {
  auto func = isa<FunctionOpInterface>(op)
                  ? op
                  : op->getParentWithTrait<OpTrait::IsIsolatedFromAbove>();
  return func && func->hasAttr(PxDialect::kRanksAttrName);
}

/// `px.global_type` names, per value, the global type of a local piece: same
/// element type and rank.
static LogicalResult verifyGlobalTypes(Operation *op, Attribute attr,
                                       TypeRange types, const Twine &what) {
  SmallVector<Attribute> entries;
  if (auto array = dyn_cast<ArrayAttr>(attr))
    entries.assign(array.begin(), array.end());
  else
    entries.push_back(attr);
  if (entries.size() != types.size())
    return op->emitError() << "px.global_type has " << entries.size()
                           << " entries for " << types.size() << " " << what
                           << "s";
  for (auto [entry, type] : llvm::zip(entries, types)) {
    auto global = dyn_cast<TypeAttr>(entry);
    auto globalType =
        global ? dyn_cast<RankedTensorType>(global.getValue()) : nullptr;
    auto local = dyn_cast<RankedTensorType>(type);
    if (!globalType || !local ||
        globalType.getElementType() != local.getElementType() ||
        globalType.getRank() != local.getRank())
      return op->emitError() << "px.global_type " << entry << " of " << what
                             << " does not match its local type " << type;
  }
  return success();
}

static LogicalResult verifyRanks(Operation *op, Attribute attr) {
  auto ranks = dyn_cast<DenseI64ArrayAttr>(attr);
  if (!ranks || ranks.empty())
    return op->emitError() << "px.ranks must be a non-empty array<i64>";
  FailureOr<MeshOp> mesh = findMesh(op);
  if (failed(mesh))
    return failure();
  llvm::SmallDenseSet<int64_t> seen;
  for (int64_t rank : ranks.asArrayRef())
    if (rank < 0 || rank >= mesh->getNumDevices() || !seen.insert(rank).second)
      return op->emitError() << "px.ranks holds rank " << rank
                             << ", which is repeated or not on the "
                             << mesh->getNumDevices() << "-device mesh";
  return success();
}

/// {stages = P, micro_batches = M, schedule = "1f1b", virtual_stages = V}
/// on a module.
static LogicalResult verifyPipeline(Operation *op, Attribute attr) {
  auto dict = dyn_cast<DictionaryAttr>(attr);
  auto positive = [&](StringRef key) {
    auto value = dict ? dict.getAs<IntegerAttr>(key) : IntegerAttr();
    return value && value.getInt() >= 1;
  };
  if (!isa<ModuleOp>(op) || !positive("stages") || !positive("micro_batches") ||
      !positive("virtual_stages") || !dict.getAs<StringAttr>("schedule"))
    return op->emitError()
           << "px.pipeline must be a module's {stages, micro_batches, "
              "virtual_stages} (positive integers) and schedule (a string)";
  return success();
}

/// px.checkpoint: {kind, device, logical_shape, fragments} on a parameter.
static LogicalResult verifyCheckpoint(Operation *op, Attribute attr) {
  auto dict = dyn_cast<DictionaryAttr>(attr);
  if (!isa<ParameterOp>(op) || !dict)
    return op->emitError() << "px.checkpoint must be a dictionary on a "
                              "px.parameter";
  auto name = dict.getAs<StringAttr>("name");
  if (!name || name.getValue().empty())
    return op->emitError() << "px.checkpoint needs the stored tensor's name";
  auto kind = dict.getAs<StringAttr>("kind");
  auto device = dict.getAs<IntegerAttr>("device");
  auto logical = dict.getAs<DenseI64ArrayAttr>("logical_shape");
  auto fragments = dict.getAs<ArrayAttr>("fragments");
  if (!kind ||
      !llvm::is_contained({"parameter", "state", "buffer"}, kind.getValue()))
    return op->emitError() << "px.checkpoint needs kind = \"parameter\", "
                              "\"state\" or \"buffer\"";
  if (!device || device.getValue().isNegative())
    return op->emitError()
           << "px.checkpoint needs a non-negative integer device";
  auto type = cast<RankedTensorType>(op->getResult(0).getType());
  if (!logical || logical.size() != type.getRank())
    return op->emitError() << "px.checkpoint needs a logical_shape of rank "
                           << type.getRank();
  if (!fragments || !llvm::all_of(fragments, [&](Attribute f) {
        auto a = dyn_cast<DenseI64ArrayAttr>(f);
        return a && a.size() == 2 + 2 * type.getRank();
      }))
    return op->emitError() << "px.checkpoint needs fragments "
                              "[rank, primary, offsets..., sizes...]";
  return success();
}

static LogicalResult verifyShard(Operation *op, Attribute attr) {
  auto dict = dyn_cast<DictionaryAttr>(attr);
  if (!isa<ParameterOp>(op) || !dict)
    return op->emitError() << "px.shard must be a dictionary on a "
                              "px.parameter";
  auto of = dict.getAs<StringAttr>("of");
  auto offsets = dict.getAs<DenseI64ArrayAttr>("offsets");
  auto shape = dict.getAs<DenseI64ArrayAttr>("shape");
  auto type = cast<RankedTensorType>(op->getResult(0).getType());
  if (!of || of.getValue().empty() || !offsets || !shape ||
      offsets.size() != type.getRank() || shape.size() != type.getRank())
    return op->emitError() << "px.shard needs {of = name, offsets, shape} "
                              "of rank "
                           << type.getRank();
  for (int64_t d = 0; d < type.getRank(); ++d)
    if (offsets[d] < 0 || offsets[d] + type.getDimSize(d) > shape[d])
      return op->emitError()
             << "px.shard: dimension " << d << " of the block lies outside '"
             << of.getValue() << "'";
  return success();
}

static LogicalResult verifyCommonAttr(Operation *op, NamedAttribute attr) {
  StringRef name = attr.getName().getValue();
  if (name == PxDialect::kOffsetAttrName ||
      name == PxDialect::kArenaBytesAttrName ||
      name == PxDialect::kPersistentBytesAttrName) {
    auto value = dyn_cast<IntegerAttr>(attr.getValue());
    if (!value || value.getValue().isNegative())
      return op->emitError() << name << " must be a non-negative integer";
    return success();
  }
  if (name == PxDialect::kStageAttrName) {
    auto stage = dyn_cast<IntegerAttr>(attr.getValue());
    if (!stage || stage.getValue().isNegative())
      return op->emitError() << "px.stage must be a non-negative integer";
    return success();
  }
  if (name == PxDialect::kPhaseAttrName) {
    auto phase = dyn_cast<StringAttr>(attr.getValue());
    if (!phase ||
        !llvm::is_contained({"embed-forward", "forward", "vocab-forward",
                             "vocab-backward", "backward", "weight",
                             "embed-backward", "update"},
                            phase.getValue()))
      return op->emitError()
             << "px.phase must be \"embed-forward\", \"forward\", "
                "\"vocab-forward\", \"vocab-backward\", \"backward\", "
                "\"weight\", \"embed-backward\" or \"update\"";
    return success();
  }
  if (name == PxDialect::kNameAttrName) {
    if (!isa<StringAttr>(attr.getValue()))
      return op->emitError() << "px.name must be a string";
    return success();
  }
  if (name == PxDialect::kCheckpointAttrName)
    return verifyCheckpoint(op, attr.getValue());
  if (name == PxDialect::kShardAttrName)
    return verifyShard(op, attr.getValue());
  return op->emitError() << "unknown px attribute '" << name << "'";
}

LogicalResult PxDialect::verifyOperationAttribute(Operation *op,
                                                  NamedAttribute attr) {
  StringRef name = attr.getName().getValue();
  if (name == kSbpAttrName)
    return verifySbp(op, name, attr.getValue(), op->getResultTypes(), "result");
  if (name == kSbpInAttrName)
    return verifySbp(op, name, attr.getValue(), op->getOperandTypes(),
                     "operand");
  if (name == kRanksAttrName)
    return verifyRanks(op, attr.getValue());
  if (name == kOffsetsAttrName) {
    auto offsets = dyn_cast<DenseI64ArrayAttr>(attr.getValue());
    if (!offsets || offsets.size() != op->getNumResults() ||
        llvm::any_of(offsets.asArrayRef(), [](int64_t o) { return o < 0; }))
      return op->emitError() << "px.offsets must hold one non-negative "
                                "offset per result";
    return success();
  }
  if (name == kGlobalTypeAttrName)
    return verifyGlobalTypes(op, attr.getValue(), op->getResultTypes(),
                             "result");
  if (name == kPipelineAttrName)
    return verifyPipeline(op, attr.getValue());
  if (name == kVocabAttrName) {
    auto vocab = dyn_cast<IntegerAttr>(attr.getValue());
    if (!isa<ModuleOp>(op) || !vocab || vocab.getValue().slt(1))
      return op->emitError() << "px.vocab must be a positive integer on a "
                                "module";
    return success();
  }
  if (name == kMeshAttrName) {
    if (!isa<FlatSymbolRefAttr>(attr.getValue()))
      return op->emitError() << "px.mesh must name a px.mesh symbol";
    return success(succeeded(findMesh(op)));
  }
  return verifyCommonAttr(op, attr);
}

LogicalResult PxDialect::verifyRegionArgAttribute(Operation *op,
                                                  unsigned regionIndex,
                                                  unsigned argIndex,
                                                  NamedAttribute attr) {
  StringRef name = attr.getName().getValue();
  if (name == kRoleAttrName) {
    auto role = dyn_cast<StringAttr>(attr.getValue());
    if (!role ||
        !llvm::is_contained({"tokens", "labels", "hyper"}, role.getValue()))
      return op->emitError()
             << "px.role must be \"tokens\", \"labels\" or \"hyper\"";
    return success();
  }
  if (name != kSbpAttrName && name != kGlobalTypeAttrName)
    return verifyCommonAttr(op, attr);
  // A function declaration has argument attributes but no entry block, so
  // take the type from the signature.
  Type type;
  if (auto func = dyn_cast<FunctionOpInterface>(op))
    type = func.getArgumentTypes()[argIndex];
  else
    type = op->getRegion(regionIndex).getArgument(argIndex).getType();
  if (name == kGlobalTypeAttrName)
    return verifyGlobalTypes(op, attr.getValue(), ArrayRef<Type>(type),
                             "argument #" + Twine(argIndex));
  return verifySbp(op, kSbpAttrName, attr.getValue(), ArrayRef<Type>(type),
                   "argument #" + Twine(argIndex));
}

LogicalResult PxDialect::verifyRegionResultAttribute(Operation *op,
                                                     unsigned regionIndex,
                                                     unsigned resultIndex,
                                                     NamedAttribute attr) {
  StringRef name = attr.getName().getValue();
  if (name != kSbpAttrName && name != kGlobalTypeAttrName)
    return verifyCommonAttr(op, attr);
  auto func = dyn_cast<FunctionOpInterface>(op);
  if (!func)
    return op->emitError() << name << " on a result of a non-function op";
  Type type = func.getResultTypes()[resultIndex];
  if (name == kGlobalTypeAttrName)
    return verifyGlobalTypes(op, attr.getValue(), ArrayRef<Type>(type),
                             "function result #" + Twine(resultIndex));
  return verifySbp(op, kSbpAttrName, attr.getValue(), ArrayRef<Type>(type),
                   "function result #" + Twine(resultIndex));
}
