//===- Plan.cpp - OUT/plan.json: what the compiler decided ----------------===//

#include "Build.h"

#include "pxc/Analysis/MemoryPlan.h"
#include "pxc/Checkpoint/Layout.h"
#include "pxc/Dialect/Px/Pipeline.h"
#include "pxc/Dialect/Px/PxOps.h"
#include "pxc/Support/LLVM.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/raw_ostream.h"

using namespace pxc;
using namespace pxc::px;
namespace json = llvm::json;

static json::Array shapeOf(Type type) {
  json::Array shape;
  for (int64_t d : cast<RankedTensorType>(type).getShape())
    shape.push_back(d);
  return shape;
}

static std::string sbpOf(SbpAttr sbp) {
  return sbp ? sbp::str(sbp.getNdSbp()) : std::string();
}

static std::string typeStr(Type type) {
  std::string out;
  llvm::raw_string_ostream os(out);
  os << cast<RankedTensorType>(type).getElementType();
  return out;
}

/// The global type of an argument or result of a per-rank function.
static Type globalType(Type local, TypeAttr global) {
  return global ? global.getValue() : local;
}

static json::Object tensorEntry(StringRef name, Type type, SbpAttr sbp) {
  return json::Object{{"name", name},
                      {"shape", shapeOf(type)},
                      {"dtype", typeStr(type)},
                      {"sbp", sbpOf(sbp)}};
}

/// Writes `text` to `path` atomically; an error message or "".
static std::string writeText(StringRef path, const std::string &text) {
  if (llvm::Error err = llvm::writeToOutput(path, [&](llvm::raw_ostream &out) {
        out << text;
        return llvm::Error::success();
      }))
    return toString(std::move(err));
  return {};
}

std::string pxc::writePlan(ModuleOp module, StringRef path) {
  json::Object plan;
  json::Array classes, inputs, outputs, parameters, collectives;
  int64_t collectiveBytes = 0;
  bool first = true;
  llvm::StringSet<> seenParameters;
  for (auto func : module.getOps<func::FuncOp>()) {
    auto ranks =
        func->getAttrOfType<DenseI64ArrayAttr>(PxDialect::kRanksAttrName);
    if (!ranks)
      continue;
    if (first) {
      if (FailureOr<MeshOp> mesh = findMesh(func); succeeded(mesh)) {
        json::Array shape;
        for (int64_t d : mesh->getShape())
          shape.push_back(d);
        plan["mesh"] = std::move(shape);
        plan["devices"] = mesh->getNumDevices();
      }
      for (unsigned i = 0, e = func.getNumArguments(); i < e; ++i) {
        auto name =
            func.getArgAttrOfType<StringAttr>(i, PxDialect::kNameAttrName);
        inputs.push_back(tensorEntry(
            name ? name.getValue() : "",
            globalType(func.getArgumentTypes()[i],
                       func.getArgAttrOfType<TypeAttr>(
                           i, PxDialect::kGlobalTypeAttrName)),
            func.getArgAttrOfType<SbpAttr>(i, PxDialect::kSbpAttrName)));
      }
      for (unsigned i = 0, e = func.getNumResults(); i < e; ++i) {
        auto name =
            func.getResultAttrOfType<StringAttr>(i, PxDialect::kNameAttrName);
        outputs.push_back(tensorEntry(
            name ? name.getValue() : "",
            globalType(func.getResultTypes()[i],
                       func.getResultAttrOfType<TypeAttr>(
                           i, PxDialect::kGlobalTypeAttrName)),
            func.getResultAttrOfType<SbpAttr>(i, PxDialect::kSbpAttrName)));
      }
      first = false;
    }
    MemoryPlan memory = planMemory(func);
    json::Array rankList;
    for (int64_t r : ranks.asArrayRef())
      rankList.push_back(r);
    classes.push_back(
        json::Object{{"function", func.getSymName()},
                     {"ranks", std::move(rankList)},
                     {"arena_bytes", memory.arenaBytes},
                     {"persistent_bytes", memory.persistentBytes}});
    int64_t index = classes.size() - 1;
    func.walk([&](Operation *op) {
      if (auto param = dyn_cast<ParameterOp>(op)) {
        if (!seenParameters.insert(param.getName()).second)
          return;
        auto global =
            op->getAttrOfType<TypeAttr>(PxDialect::kGlobalTypeAttrName);
        parameters.push_back(tensorEntry(param.getName(),
                                         globalType(param.getType(), global),
                                         getSbp(param)));
        return;
      }
      auto collective = dyn_cast<CollectiveOpInterface>(op);
      if (!collective)
        return;
      int64_t bytes = tensorBytes(op->getOperand(0).getType());
      if (index == 0)
        collectiveBytes += bytes;
      collectives.push_back(
          json::Object{{"op", op->getName().stripDialect()},
                       {"class", index},
                       {"mesh_axis", collective.getMeshAxis()},
                       {"from", collective.getInputSbp().str()},
                       {"to", collective.getOutputSbp().str()},
                       {"sbp", sbpOf(getSbp(op->getResult(0)))},
                       {"input_bytes_per_rank", bytes}});
    });
  }
  plan["classes"] = std::move(classes);
  plan["inputs"] = std::move(inputs);
  plan["outputs"] = std::move(outputs);
  plan["parameters"] = std::move(parameters);
  plan["collectives"] = std::move(collectives);
  plan["collective_input_bytes_per_rank"] = collectiveBytes;

  std::string text;
  llvm::raw_string_ostream os(text);
  os << llvm::formatv("{0:2}", json::Value(std::move(plan))) << "\n";
  return writeText(path, text);
}

/// safetensors' name of an element type.
static std::string safetensorsType(Type type) {
  Type element = cast<RankedTensorType>(type).getElementType();
  if (element.isF32())
    return "F32";
  if (element.isF64())
    return "F64";
  if (element.isBF16())
    return "BF16";
  if (element.isF16())
    return "F16";
  if (element.isInteger(64))
    return "I64";
  if (element.isInteger(32))
    return "I32";
  if (element.isInteger(1))
    return "BOOL";
  return typeStr(type);
}

std::string pxc::writeCheckpointLayout(ModuleOp module, StringRef path) {
  ckpt::Layout layout;
  if (std::optional<PipelineConfig> pipeline = getPipelineConfig(module))
    layout.devices = pipeline->stages;
  llvm::StringSet<> seen;
  // Entry of each stored tensor: the blocks of one tensor share it.
  llvm::StringMap<size_t> entries;
  module.walk([&](ParameterOp param) {
    auto info =
        param->getAttrOfType<DictionaryAttr>(PxDialect::kCheckpointAttrName);
    if (!info || !seen.insert(param.getName()).second)
      return;
    StringRef name = info.getAs<StringAttr>("name").getValue();
    if (layout.tensors.empty())
      if (FailureOr<MeshOp> mesh = findMesh(param); succeeded(mesh))
        layout.mesh.assign(mesh->getShape().begin(), mesh->getShape().end());
    Type global = globalType(
        param.getType(),
        param->getAttrOfType<TypeAttr>(PxDialect::kGlobalTypeAttrName));
    auto [entry, isNew] = entries.try_emplace(name, layout.tensors.size());
    if (isNew)
      layout.tensors.emplace_back();
    ckpt::TensorLayout &t = layout.tensors[entry->second];
    t.name = name.str();
    t.dtype = safetensorsType(global);
    auto shape = cast<RankedTensorType>(global).getShape();
    ArrayRef<int64_t> logical =
        info.getAs<DenseI64ArrayAttr>("logical_shape").asArrayRef();
    t.shape.assign(logical.begin(), logical.end());
    // A tensor stored in blocks has no padding; the first block's
    // distribution and device describe it (its fragments name every rank).
    if (isNew)
      t.paddedShape.assign(shape.begin(), shape.end());
    else
      t.paddedShape = t.shape;
    if (isNew) {
      t.sbp = sbpOf(getSbp(param.getResult()));
      t.device = info.getAs<IntegerAttr>("device").getInt();
    }
    t.kind = info.getAs<StringAttr>("kind").getValue().str();
    size_t rank = logical.size();
    for (Attribute a : info.getAs<ArrayAttr>("fragments")) {
      ArrayRef<int64_t> f = cast<DenseI64ArrayAttr>(a).asArrayRef();
      ckpt::Fragment fragment;
      fragment.rank = f[0];
      fragment.primary = f[1] != 0;
      fragment.box.offsets.assign(f.begin() + 2, f.begin() + 2 + rank);
      fragment.box.sizes.assign(f.begin() + 2 + rank, f.end());
      t.fragments.push_back(std::move(fragment));
    }
  });
  return writeText(path, ckpt::toJson(layout));
}
