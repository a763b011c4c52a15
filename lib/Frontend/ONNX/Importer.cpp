//===- Importer.cpp - ONNX model -> px function ---------------------------===//
//
// Walks the (topologically sorted) ONNX graph once. Every node is first
// offered to the host folder (shape computations), else converted to px ops.
// Float initializers become px.parameter ops that refer to their bytes in the
// model file; integer initializers are constants.
//
//===----------------------------------------------------------------------===//

#include "Importer.h"
#include "TensorData.h"

#include "pxc/Dialect/Px/PxDialect.h"
#include "pxc/Dialect/Px/PxOps.h"
#include "pxc/Frontend/ONNX/Import.h"
#include "pxc/Support/LLVM.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Verifier.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"

using namespace pxc;
using namespace pxc::onnx_import;

namespace pxc::onnx_import {

class Importer {
public:
  Importer(MLIRContext *context, StringRef path,
           const OnnxImportOptions &options)
      : context(context), path(path), options(options), builder(context),
        fileLoc(FileLineColLoc::get(context, path, 0, 0)) {}

  OwningOpRef<ModuleOp> run();

  OpBuilder &getBuilder() { return builder; }
  ImportedValue *lookup(StringRef name);
  Value materialize(StringRef name, Location loc);
  void define(StringRef name, ImportedValue value) {
    values[name] = std::move(value);
  }
  bool isUsed(StringRef name) const { return usedNames.contains(name); }

private:
  LogicalResult loadModel();
  FailureOr<int64_t> findOpset();
  LogicalResult importInputs(Block *body);
  LogicalResult bindConstantInput(const onnx::ValueInfoProto &info,
                                  StringRef file);
  LogicalResult importNodes(int64_t opset);
  FailureOr<func::FuncOp> buildFunction(Block *body);
  FailureOr<ImportedValue> importInitializer(const onnx::TensorProto &tensor);
  InFlightDiagnostic emitFileError() { return mlir::emitError(fileLoc); }

  MLIRContext *context;
  std::string path;
  const OnnxImportOptions &options;
  OpBuilder builder;
  Location fileLoc;
  std::unique_ptr<llvm::MemoryBuffer> buffer;
  onnx::ModelProto model;
  InitializerData initializerData;
  llvm::StringMap<const onnx::TensorProto *> initializers;
  llvm::StringMap<ImportedValue> values;
  llvm::StringSet<> usedNames;
  SmallVector<std::string> inputNames;
};

} // namespace pxc::onnx_import

//===----------------------------------------------------------------------===//
// NodeContext
//===----------------------------------------------------------------------===//

NodeContext::NodeContext(Importer &importer, const onnx::NodeProto &node,
                         Location loc, int64_t opset)
    : node(node), loc(loc), opset(opset), importer(importer) {}

OpBuilder &NodeContext::builder() { return importer.getBuilder(); }

InFlightDiagnostic NodeContext::emitError() {
  InFlightDiagnostic diag = mlir::emitError(loc);
  diag << "node '" << cast<NameLoc>(loc).getName().getValue() << "' ("
       << node.op_type() << "): ";
  return diag;
}

LogicalResult NodeContext::capture(function_ref<LogicalResult()> fn) {
  std::string message;
  LogicalResult result = success();
  {
    ScopedDiagnosticHandler handler(context(), [&](Diagnostic &diag) {
      if (diag.getSeverity() == DiagnosticSeverity::Error && message.empty())
        message = diag.str();
      return success();
    });
    result = fn();
  }
  if (failed(result))
    emitError() << (message.empty() ? "invalid node" : message);
  return result;
}

LogicalResult NodeContext::check(Operation *op) {
  if (succeeded(capture([&] { return mlir::verify(op, false); })))
    return success();
  op->erase();
  return failure();
}

bool NodeContext::hasInput(int i) const {
  return i < node.input_size() && !node.input(i).empty();
}

RankedTensorType NodeContext::inputType(int i) {
  ImportedValue *v = importer.lookup(node.input(i));
  if (v->value)
    return cast<RankedTensorType>(v->value.getType());
  return v->constant->getType(context());
}

Value NodeContext::input(int i) {
  return importer.materialize(node.input(i), loc);
}

const HostTensor *NodeContext::constantInput(int i) {
  ImportedValue *v = importer.lookup(node.input(i));
  return v->constant ? &*v->constant : nullptr;
}

FailureOr<std::vector<int64_t>> NodeContext::constantInts(int i,
                                                          StringRef what) {
  const HostTensor *t = constantInput(i);
  if (!t || t->isFloat()) {
    emitError() << what << " (input '" << node.input(i)
                << "') must be a constant integer tensor; pxc needs static "
                   "shapes (fix symbolic dimensions with --shape)";
    return failure();
  }
  return t->toInts();
}

const onnx::AttributeProto *NodeContext::attr(StringRef name) const {
  for (const onnx::AttributeProto &a : node.attribute())
    if (a.name() == name)
      return &a;
  return nullptr;
}

int64_t NodeContext::attrInt(StringRef name, int64_t defaultValue) const {
  const onnx::AttributeProto *a = attr(name);
  return a ? a->i() : defaultValue;
}

float NodeContext::attrFloat(StringRef name, float defaultValue) const {
  const onnx::AttributeProto *a = attr(name);
  return a ? a->f() : defaultValue;
}

std::string NodeContext::attrString(StringRef name, StringRef def) const {
  const onnx::AttributeProto *a = attr(name);
  return a ? a->s() : def.str();
}

std::optional<std::vector<int64_t>>
NodeContext::attrInts(StringRef name) const {
  const onnx::AttributeProto *a = attr(name);
  if (!a)
    return std::nullopt;
  return std::vector<int64_t>(a->ints().begin(), a->ints().end());
}

bool NodeContext::outputUsed(int i) const {
  return i < node.output_size() && !node.output(i).empty() &&
         importer.isUsed(node.output(i));
}

void NodeContext::setOutput(int i, Value value) {
  if (i < node.output_size() && !node.output(i).empty())
    importer.define(node.output(i), {value, std::nullopt});
}

void NodeContext::setConstant(int i, HostTensor value) {
  if (i < node.output_size() && !node.output(i).empty())
    importer.define(node.output(i), {Value(), std::move(value)});
}

FailureOr<int64_t> NodeContext::normalizeAxis(int64_t axis, int64_t rank) {
  int64_t normalized = axis < 0 ? axis + rank : axis;
  if (normalized < 0 || normalized >= rank) {
    emitError() << "axis " << axis << " is out of range for rank " << rank;
    return failure();
  }
  return normalized;
}

//===----------------------------------------------------------------------===//
// Importer
//===----------------------------------------------------------------------===//

ImportedValue *Importer::lookup(StringRef name) {
  auto it = values.find(name);
  return it == values.end() ? nullptr : &it->second;
}

Value Importer::materialize(StringRef name, Location loc) {
  ImportedValue *v = lookup(name);
  if (!v->value)
    v->value = px::ConstantOp::create(builder, loc,
                                      v->constant->toAttr(context));
  return v->value;
}

LogicalResult Importer::loadModel() {
  auto file = llvm::MemoryBuffer::getFile(path, /*IsText=*/false,
                                          /*RequiresNullTerminator=*/false);
  if (!file)
    return emitFileError() << "cannot read '" << path
                           << "': " << file.getError().message();
  buffer = std::move(*file);
  if (buffer->getBufferSize() > static_cast<size_t>(INT32_MAX))
    return emitFileError() << "model file is over 2 GiB; store the weights "
                              "as ONNX external data";
  if (!model.ParseFromArray(buffer->getBufferStart(),
                            static_cast<int>(buffer->getBufferSize())))
    return emitFileError() << "not a valid ONNX model: the protobuf is "
                              "truncated or corrupt";
  if (!model.has_graph())
    return emitFileError() << "not a valid ONNX model: it has no graph";
  FailureOr<InitializerData> data =
      scanInitializerData(buffer->getBuffer(), fileLoc);
  if (failed(data))
    return failure();
  initializerData = std::move(*data);
  return success();
}

FailureOr<int64_t> Importer::findOpset() {
  for (const onnx::OperatorSetIdProto &opset : model.opset_import()) {
    if (!opset.domain().empty() && opset.domain() != "ai.onnx")
      continue;
    if (opset.version() < 13 || opset.version() > 17)
      return emitFileError() << "ONNX opset " << opset.version()
                             << " is not supported (pxc imports opsets 13 "
                                "to 17; convert the model with "
                                "onnx.version_converter)";
    return opset.version();
  }
  return emitFileError() << "the model imports no default-domain ONNX opset";
}

/// "2x16", for diagnostics.
static std::string dimsStr(ArrayRef<int64_t> dims) {
  std::string out;
  llvm::raw_string_ostream os(out);
  llvm::interleave(dims, os, "x");
  return out.empty() ? "scalar" : out;
}

LogicalResult Importer::importInputs(Block *body) {
  llvm::StringSet<> usedShapeNames;
  for (const onnx::ValueInfoProto &info : model.graph().input()) {
    if (initializers.count(info.name()))
      continue; // An initializer with a default value: a parameter.
    const std::string &name = info.name();
    if (!info.type().has_tensor_type())
      return emitFileError() << "input '" << name << "' is not a tensor";
    auto bound = options.constantInputs.find(name);
    if (bound != options.constantInputs.end()) {
      if (failed(bindConstantInput(info, bound->second)))
        return failure();
      continue;
    }
    const onnx::TypeProto::Tensor &tensor = info.type().tensor_type();
    std::optional<DType> dtype = dtypeFromOnnx(tensor.elem_type());
    if (!dtype)
      return emitFileError()
             << "input '" << name << "' has element type "
             << onnxTypeName(tensor.elem_type())
             << ", which px does not support (float16, bfloat16, float, "
                "double, int32, int64, bool)";

    SmallVector<int64_t> shape;
    auto whole = options.shapes.find(name);
    if (whole != options.shapes.end()) {
      usedShapeNames.insert(name);
      shape.assign(whole->second.begin(), whole->second.end());
      if (tensor.has_shape() &&
          tensor.shape().dim_size() != static_cast<int>(shape.size()))
        return emitFileError()
               << "--shape=" << name << "=" << dimsStr(shape) << " has rank "
               << shape.size() << " but input '" << name << "' has rank "
               << tensor.shape().dim_size();
    } else {
      if (!tensor.has_shape())
        return emitFileError() << "input '" << name
                               << "' has no shape; give one with --shape="
                               << name << "=DxD";
      for (const auto &[i, dim] : llvm::enumerate(tensor.shape().dim())) {
        if (dim.has_dim_value()) {
          shape.push_back(dim.dim_value());
          continue;
        }
        auto fixed = dim.has_dim_param() ? options.shapes.find(dim.dim_param())
                                         : options.shapes.end();
        if (fixed == options.shapes.end() || fixed->second.size() != 1)
          return emitFileError()
                 << "input '" << name << "' dimension " << i << " is symbolic"
                 << (dim.has_dim_param() ? " ('" + dim.dim_param() + "')"
                                         : std::string())
                 << "; fix it with --shape="
                 << (dim.has_dim_param() ? dim.dim_param() : name)
                 << (dim.has_dim_param() ? "=N" : "=DxD");
        usedShapeNames.insert(dim.dim_param());
        shape.push_back(fixed->second.front());
      }
    }
    auto type = RankedTensorType::get(shape, toMlirType(*dtype, context));
    Location loc = NameLoc::get(builder.getStringAttr(name), fileLoc);
    values[name] = {body->addArgument(type, loc), std::nullopt};
    inputNames.push_back(name);
  }
  for (const auto &entry : options.constantInputs)
    if (!values.count(entry.getKey()))
      return emitFileError() << "--constant-input names '" << entry.getKey()
                             << "', which is not a graph input";
  for (const auto &entry : options.shapes)
    if (!usedShapeNames.contains(entry.getKey()))
      return emitFileError() << "--shape names '" << entry.getKey()
                             << "', which is neither a graph input nor a "
                                "symbolic dimension of one";
  return success();
}

LogicalResult Importer::bindConstantInput(const onnx::ValueInfoProto &info,
                                          StringRef file) {
  const std::string &name = info.name();
  auto buffer = llvm::MemoryBuffer::getFile(file, /*IsText=*/false);
  if (!buffer)
    return emitFileError() << "cannot read '" << file
                           << "': " << buffer.getError().message();
  onnx::TensorProto tensor;
  if (!tensor.ParseFromArray((*buffer)->getBufferStart(),
                             static_cast<int>((*buffer)->getBufferSize())))
    return emitFileError() << "'" << file
                           << "' is not a serialized ONNX TensorProto";
  Location loc = NameLoc::get(builder.getStringAttr(name), fileLoc);
  FailureOr<HostTensor> value = decodeTensor(tensor, loc, "constant input");
  if (failed(value))
    return failure();
  const onnx::TypeProto::Tensor &declared = info.type().tensor_type();
  bool matches = dtypeFromOnnx(declared.elem_type()) == value->dtype;
  if (matches && declared.has_shape()) {
    matches = declared.shape().dim_size() == (int)value->shape.size();
    for (int d = 0; matches && d < declared.shape().dim_size(); ++d)
      matches = !declared.shape().dim(d).has_dim_value() ||
                declared.shape().dim(d).dim_value() == value->shape[d];
  }
  if (!matches)
    return emitFileError() << "--constant-input value for '" << name
                           << "' does not match the input's declared type";
  values[name] = {Value(), std::move(*value)};
  return success();
}

FailureOr<ImportedValue>
Importer::importInitializer(const onnx::TensorProto &tensor) {
  Location loc = NameLoc::get(builder.getStringAttr(tensor.name()), fileLoc);
  std::optional<DType> dtype = dtypeFromOnnx(tensor.data_type());
  if (!dtype)
    return mlir::emitError(loc)
           << "initializer '" << tensor.name() << "' has element type "
           << onnxTypeName(tensor.data_type()) << ", which px does not support";
  SmallVector<int64_t> shape(tensor.dims().begin(), tensor.dims().end());
  int64_t numel = 1;
  for (int64_t d : shape)
    numel *= d;

  // Floats of more than one element are weights; the rest are constants.
  if (!isFloat(*dtype) || numel <= 1) {
    FailureOr<HostTensor> value =
        decodeTensor(tensor, loc, "initializer", path);
    if (failed(value))
      return failure();
    return ImportedValue{Value(), std::move(*value)};
  }
  auto type = RankedTensorType::get(shape, toMlirType(*dtype, context));
  FailureOr<Attribute> init = initializerData.getInit(
      tensor, type, path, options.inlineLimitBytes, loc);
  if (failed(init))
    return failure();
  Value param = px::ParameterOp::create(
      builder, loc, type, builder.getStringAttr(tensor.name()),
      /*frozen=*/nullptr, *init);
  return ImportedValue{param, std::nullopt};
}

LogicalResult Importer::importNodes(int64_t opset) {
  const llvm::StringMap<Converter> &converters = getConverters();
  const onnx::GraphProto &graph = model.graph();
  for (const auto &[index, node] : llvm::enumerate(graph.node())) {
    std::string label = node.name().empty() ? "#" + std::to_string(index) +
                                                  " " + node.op_type()
                                            : node.name();
    Location loc = NameLoc::get(builder.getStringAttr(label), fileLoc);
    NodeContext ctx(*this, node, loc, opset);
    bool defaultDomain = node.domain().empty() || node.domain() == "ai.onnx";
    auto converter = converters.find(node.op_type());
    if (!defaultDomain || converter == converters.end())
      return ctx.emitError()
             << "unsupported op '" << node.op_type() << "' (domain '"
             << (node.domain().empty() ? "ai.onnx" : node.domain())
             << "', opset " << opset << ")";

    for (const std::string &input : node.input()) {
      if (input.empty() || values.count(input))
        continue;
      auto init = initializers.find(input);
      if (init == initializers.end())
        return ctx.emitError() << "input '" << input
                               << "' is not defined by an earlier node, a "
                                  "graph input or an initializer";
      FailureOr<ImportedValue> value = importInitializer(*init->second);
      if (failed(value))
        return failure();
      values[input] = std::move(*value);
    }

    FailureOr<bool> folded = tryFold(ctx);
    if (failed(folded))
      return failure();
    if (!*folded && failed(converter->second(ctx)))
      return failure();
    for (int i = 0; i < node.output_size(); ++i)
      if (ctx.outputUsed(i) && !values.count(node.output(i)))
        return ctx.emitError() << "output #" << i << " ('" << node.output(i)
                               << "') is not supported";
  }
  return success();
}

FailureOr<func::FuncOp> Importer::buildFunction(Block *body) {
  SmallVector<Value> results;
  SmallVector<Type> resultTypes;
  for (const onnx::ValueInfoProto &info : model.graph().output()) {
    const std::string &name = info.name();
    Location loc = NameLoc::get(builder.getStringAttr(name), fileLoc);
    if (!values.count(name)) {
      auto init = initializers.find(name);
      if (init == initializers.end())
        return emitFileError() << "graph output '" << name
                               << "' is not computed by any node";
      FailureOr<ImportedValue> value = importInitializer(*init->second);
      if (failed(value))
        return failure();
      values[name] = std::move(*value);
    }
    Value value = materialize(name, loc);
    auto type = cast<RankedTensorType>(value.getType());
    // A declared output type must agree with what the graph computes.
    const onnx::TypeProto::Tensor &declared = info.type().tensor_type();
    std::optional<DType> declaredType = dtypeFromOnnx(declared.elem_type());
    if (declaredType && toMlirType(*declaredType, context) !=
                            type.getElementType())
      return emitFileError() << "graph output '" << name << "' is declared "
                             << onnxTypeName(declared.elem_type())
                             << " but computes " << type;
    if (declared.has_shape()) {
      bool matches = declared.shape().dim_size() == type.getRank();
      std::string dims;
      for (const auto &[d, dim] : llvm::enumerate(declared.shape().dim())) {
        dims += (d ? "x" : "") +
                (dim.has_dim_value() ? std::to_string(dim.dim_value()) : "?");
        matches = matches && (!dim.has_dim_value() ||
                              dim.dim_value() == type.getDimSize(d));
      }
      if (!matches)
        return emitFileError() << "graph output '" << name
                               << "' is declared as " << dims
                               << " but computes " << type;
    }
    results.push_back(value);
    resultTypes.push_back(type);
  }
  func::ReturnOp::create(builder, fileLoc, results);

  auto funcType = builder.getFunctionType(body->getArgumentTypes(),
                                          resultTypes);
  auto func = func::FuncOp::create(fileLoc, options.functionName, funcType);
  func.getBody().push_back(body);
  for (auto [i, name] : llvm::enumerate(inputNames))
    func.setArgAttr(i, px::PxDialect::kNameAttrName,
                    builder.getStringAttr(name));
  for (auto [i, info] : llvm::enumerate(model.graph().output()))
    func.setResultAttr(i, px::PxDialect::kNameAttrName,
                       builder.getStringAttr(info.name()));
  return func;
}

OwningOpRef<ModuleOp> Importer::run() {
  context->loadDialect<px::PxDialect, func::FuncDialect>();
  if (failed(loadModel()))
    return nullptr;
  FailureOr<int64_t> opset = findOpset();
  if (failed(opset))
    return nullptr;
  const onnx::GraphProto &graph = model.graph();
  for (const onnx::TensorProto &tensor : graph.initializer())
    initializers[tensor.name()] = &tensor;
  if (graph.sparse_initializer_size())
    return (emitFileError() << "sparse initializers are not supported",
            nullptr);
  for (const onnx::NodeProto &node : graph.node())
    for (const std::string &input : node.input())
      usedNames.insert(input);
  for (const onnx::ValueInfoProto &output : graph.output())
    usedNames.insert(output.name());

  auto body = std::make_unique<Block>();
  builder.setInsertionPointToEnd(body.get());
  if (failed(importInputs(body.get())) || failed(importNodes(*opset)))
    return nullptr;
  FailureOr<func::FuncOp> func = buildFunction(body.get());
  if (failed(func))
    return nullptr;
  body.release(); // Now owned by the function.

  OwningOpRef<ModuleOp> module = ModuleOp::create(fileLoc);
  module->getBody()->push_back(*func);
  if (failed(verify(*module)))
    return nullptr;
  return module;
}

//===----------------------------------------------------------------------===//
// Public API
//===----------------------------------------------------------------------===//

std::string pxc::parseShapeOption(StringRef text, OnnxImportOptions &options) {
  auto [name, dims] = text.rsplit('=');
  if (name.empty() || dims.empty() || !text.contains('='))
    return "--shape expects NAME=DxD, got '" + text.str() + "'";
  std::vector<int64_t> shape;
  SmallVector<StringRef> parts;
  dims.split(parts, 'x');
  for (StringRef part : parts) {
    int64_t d;
    if (part.getAsInteger(10, d) || d < 0)
      return "--shape " + name.str() + ": '" + dims.str() +
             "' is not a list of sizes like 2x16";
    shape.push_back(d);
  }
  options.shapes[name] = std::move(shape);
  return {};
}

std::string pxc::parseConstantInputOption(StringRef text,
                                          OnnxImportOptions &options) {
  auto [name, file] = text.split('=');
  if (name.empty() || file.empty())
    return "--constant-input expects NAME=FILE.pb, got '" + text.str() + "'";
  options.constantInputs[name] = file.str();
  return {};
}

OwningOpRef<ModuleOp> pxc::importOnnxFile(StringRef path, MLIRContext *context,
                                          const OnnxImportOptions &options) {
  Importer importer(context, path, options);
  return importer.run();
}
