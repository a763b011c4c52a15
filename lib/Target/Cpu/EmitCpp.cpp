//===- EmitCpp.cpp - The CPU target: px per-rank program -> C++ -----------===//
//
// Every per-rank function becomes a builder of an actor graph: a register
// per activation (at the arena offset px-plan-memory's allocator gives it),
// an actor per op calling a libpxrt kernel (or a communicator on the "comm"
// stream for boxing ops), input and output actors at the edges, and 0-byte
// control registers where a buffer reuses memory whose readers must finish
// first. Parameters live in the persistent part of the arena; constants are
// embedded in the source.
//
//===----------------------------------------------------------------------===//

#include "pxc/Target/Cpu/EmitCpp.h"

#include "Emitter.h"
#include "Stages.h"

#include "pxc/Analysis/MemoryPlan.h"
#include "pxc/Dialect/Px/PxOps.h"
#include "pxc/Support/LLVM.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "llvm/ADT/BitVector.h"
#include "llvm/ADT/MapVector.h"
#include "llvm/ADT/SetVector.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/FormatVariadic.h"

#include <functional>
#include <set>

using namespace pxc;
using namespace pxc::px;
using namespace pxc::cpu_target;

Type cpu_target::getGlobalType(Value value) {
  TypeAttr global;
  if (auto result = dyn_cast<OpResult>(value)) {
    Attribute attr = result.getOwner()->getAttr(PxDialect::kGlobalTypeAttrName);
    if (auto array = dyn_cast_or_null<ArrayAttr>(attr))
      global = cast<TypeAttr>(array[result.getResultNumber()]);
    else
      global = dyn_cast_or_null<TypeAttr>(attr);
  } else {
    auto arg = cast<BlockArgument>(value);
    if (auto func = dyn_cast<func::FuncOp>(arg.getOwner()->getParentOp()))
      global = func.getArgAttrOfType<TypeAttr>(arg.getArgNumber(),
                                               PxDialect::kGlobalTypeAttrName);
  }
  return global ? global.getValue() : value.getType();
}

namespace {

std::string dtypeOf(Type type) {
  Type element = cast<ShapedType>(type).getElementType();
  if (element.isF32())
    return "DType::F32";
  if (element.isF64())
    return "DType::F64";
  if (element.isF16())
    return "DType::F16";
  if (element.isBF16())
    return "DType::BF16";
  if (element.isInteger(32))
    return "DType::I32";
  if (element.isInteger(64))
    return "DType::I64";
  return "DType::Bool";
}

/// Bytes of a tensor value (booleans one byte each).
int64_t tensorBytes(Type type) {
  auto tensor = cast<RankedTensorType>(type);
  int64_t width = std::max<int64_t>(1, tensor.getElementTypeBitWidth() / 8);
  return tensor.getNumElements() * width;
}

std::string sbpOf(SbpAttr sbp) {
  return sbp ? sbp::str(sbp.getNdSbp()) : std::string();
}

std::string quoted(StringRef text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\')
      out += '\\';
    out += c;
  }
  return out + "\"";
}

/// The row-major little-endian bytes of `attr` (booleans one byte each).
std::vector<uint8_t> denseBytes(DenseElementsAttr attr) {
  std::vector<uint8_t> bytes;
  auto push = [&](const APInt &value, unsigned width) {
    for (unsigned b = 0; b < std::max(1u, width / 8); ++b)
      bytes.push_back(
          static_cast<uint8_t>(value.extractBitsAsZExtValue(8, b * 8)));
  };
  Type element = attr.getElementType();
  if (isa<FloatType>(element)) {
    for (const APFloat &value : attr.getValues<APFloat>())
      push(value.bitcastToAPInt(), element.getIntOrFloatBitWidth());
  } else if (element.isInteger(1)) {
    for (bool value : attr.getValues<bool>())
      bytes.push_back(value);
  } else {
    for (const APInt &value : attr.getValues<APInt>())
      push(value, element.getIntOrFloatBitWidth());
  }
  return bytes;
}

void emitByteArray(llvm::raw_ostream &os, StringRef name,
                   ArrayRef<uint8_t> bytes) {
  os << "alignas(64) static const unsigned char " << name << "[] = {";
  for (auto [i, b] : llvm::enumerate(bytes))
    os << (i % 24 ? "" : "\n  ") << llvm::formatv("{0:x2},", b);
  if (bytes.empty())
    os << "0";
  os << "};\n";
}

struct Parameter {
  ParameterOp op; // The first definition seen (all classes agree).
  int index;
};

class ProgramEmitter {
public:
  ProgramEmitter(ModuleOp module, llvm::raw_ostream &os,
                 const TrainFlagDefaults &train, const TargetFlavor &flavor)
      : module(module), os(os), train(train), flavor(flavor) {}
  LogicalResult emit();

private:
  LogicalResult collect();
  void emitParameters();
  /// One builder per (per-rank function, stage); `stage` is null for a
  /// program without pipeline.
  LogicalResult emitClass(func::FuncOp func, int index, const StageView *stage);
  void emitProgram();
  void emitTraining();

  ModuleOp module;
  llvm::raw_ostream &os;
  const TrainFlagDefaults &train;
  const TargetFlavor &flavor;
  MeshOp mesh;
  std::optional<PipelineConfig> pipeline;
  SmallVector<func::FuncOp> classes;
  llvm::MapVector<StringRef, Parameter> parameters;
  /// One entry per emitted builder (function, stage).
  struct RankBuilder {
    std::string name;
    SmallVector<int64_t> ranks;
    int64_t stage;
    int64_t arenaBytes;
    SmallVector<int64_t> parameterOffsets;
  };
  SmallVector<RankBuilder> builders;
  /// (source, destination) stages of the transfers.
  std::set<std::pair<int64_t, int64_t>> channels;
};

LogicalResult ProgramEmitter::collect() {
  for (auto func : module.getOps<func::FuncOp>())
    if (func->hasAttr(PxDialect::kRanksAttrName))
      classes.push_back(func);
  if (classes.empty())
    return module.emitError("the CPU target needs per-rank functions "
                            "(run the pxc-parallelize pipeline with a mesh)");
  FailureOr<MeshOp> found = findMesh(classes.front());
  if (failed(found))
    return failure();
  mesh = *found;
  pipeline = getPipelineConfig(module);
  // Every rank runs exactly one class.
  std::set<int64_t> ranks;
  func::FuncOp first = classes.front();
  for (func::FuncOp func : classes) {
    if (func.getFunctionType() != first.getFunctionType() &&
        (func.getNumArguments() != first.getNumArguments() ||
         func.getNumResults() != first.getNumResults()))
      return func.emitError("per-rank functions of one program must have "
                            "the same inputs and outputs");
    for (int64_t rank :
         func->getAttrOfType<DenseI64ArrayAttr>(PxDialect::kRanksAttrName)
             .asArrayRef())
      if (!ranks.insert(rank).second)
        return func.emitError("rank ") << rank << " runs two functions";
    func.walk([&](ParameterOp param) {
      if (!parameters.count(param.getName()))
        parameters.insert(
            {param.getName(), {param, static_cast<int>(parameters.size())}});
    });
  }
  if (static_cast<int64_t>(ranks.size()) != mesh.getNumDevices())
    return first.emitError("the per-rank functions cover ")
           << ranks.size() << " of the mesh's " << mesh.getNumDevices()
           << " ranks";
  return success();
}

void ProgramEmitter::emitParameters() {
  for (auto &[name, param] : parameters) {
    std::optional<Attribute> init = param.op.getInit();
    if (auto dense =
            dyn_cast_or_null<DenseElementsAttr>(init ? *init : Attribute())) {
      auto global = cast<RankedTensorType>(getGlobalType(param.op));
      if (dense.isSplat())
        dense =
            DenseElementsAttr::get(global, dense.getSplatValue<Attribute>());
      emitByteArray(os, "parameter" + std::to_string(param.index),
                    denseBytes(dense));
    }
  }
}

/// The operand an optimizer update's result is the next value of.
static std::optional<unsigned> updatedOperand(OpResult result) {
  unsigned i = result.getResultNumber();
  if (auto adam = dyn_cast<AdamWOp>(result.getOwner()))
    return adam.getUpdatedOperandIndex(i);
  if (auto sgd = dyn_cast<SgdOp>(result.getOwner()))
    return sgd.getUpdatedOperandIndex(i);
  return std::nullopt;
}

/// Optimizer updates whose new value is only assigned back to the operand
/// it updates: they write that parameter's storage in place, and the
/// assignments disappear.
struct InPlaceUpdates {
  DenseMap<Value, Value> parameterOf; // new value -> the parameter it replaces
  DenseSet<Operation *> assigns;
};

static InPlaceUpdates findInPlaceUpdates(func::FuncOp func) {
  InPlaceUpdates updates;
  for (auto assign : func.getOps<AssignOp>()) {
    auto result = dyn_cast<OpResult>(assign.getValue());
    if (!result || !result.hasOneUse())
      continue;
    std::optional<unsigned> updated = updatedOperand(result);
    if (!updated ||
        result.getOwner()->getOperand(*updated) != assign.getParameter())
      continue;
    updates.parameterOf[result] = assign.getParameter();
    updates.assigns.insert(assign);
  }
  return updates;
}

/// What the actor of an op reads and writes.
struct ActorIO {
  SmallVector<int> inputs, outputs;
  /// Views of the operands and results, as C++ expressions.
  SmallVector<std::string> operandViews, resultViews;
};

LogicalResult ProgramEmitter::emitClass(func::FuncOp func, int index,
                                        const StageView *stage) {
  // One actor per unit: a single op or a fused elementwise loop, which runs
  // at its last op and keeps its intermediates in registers. Fusion never
  // crosses stages (values arrive through transfers).
  Block &body = func.getBody().front();
  if (stage && failed(stage->verify(body)))
    return failure();
  SmallVector<Unit> units = formUnits(body);
  if (stage)
    llvm::erase_if(units, [&](const Unit &unit) {
      return !stage->includes(unit.ops.back());
    });
  // A pipeline stage schedules each actor in one task (phase, chunk), and a
  // shared view's reads would span several.
  foldViews(units, /*shareViews=*/!stage);
  llvm::sort(units, [](const Unit &a, const Unit &b) {
    return a.ops.back()->isBeforeInBlock(b.ops.back());
  });
  DenseMap<Operation *, Operation *> actorOf;
  DenseSet<Operation *> views;
  // Results written through the transposed layout of their only user.
  DenseMap<Value, TransposeOp> writtenAs;
  PlanHints hints;
  for (const Unit &unit : units) {
    for (Operation *op : unit.ops) {
      actorOf[op] = unit.ops.back();
      if (op != unit.ops.back()) {
        hints.runsWith[op] = unit.ops.back();
        hints.noBuffer.insert(op->getResult(0));
      }
    }
    // A view several units read lives until the last of them (units are in
    // program order).
    for (Operation *view : unit.views) {
      actorOf[view] = unit.ops.back();
      hints.runsWith[view] = unit.ops.back();
      hints.noBuffer.insert(view->getResult(0));
      views.insert(view);
    }
    for (Operation *view : unit.outputViews) {
      actorOf[view] = unit.ops.back();
      hints.runsWith[view] = unit.ops.back();
      hints.noBuffer.insert(view->getOperand(0));
      writtenAs[view->getOperand(0)] = cast<TransposeOp>(view);
    }
  }
  InPlaceUpdates inPlaceUpdates = findInPlaceUpdates(func);
  const DenseMap<Value, Value> &inPlace = inPlaceUpdates.parameterOf;
  const DenseSet<Operation *> &elidedAssigns = inPlaceUpdates.assigns;
  for (auto &[value, param] : inPlace)
    hints.noBuffer.insert(value);
  if (stage) {
    hints.skip = [stage](Operation *op) { return !stage->includes(op); };
    // A transfer's sending end reads its operand; its result lives on the
    // other stage.
    for (Operation &op : body)
      if (stage->sends(&op))
        hints.noBuffer.insert(op.getResult(0));
    hints.slots = stage->slots(body, actorOf, hints.noBuffer);
  }
  MemoryPlan plan = planMemory(func, hints);

  std::string cls = "c" + std::to_string(index);
  if (stage)
    cls += "_s" + std::to_string(stage->device());
  RankBuilder &builder = builders.emplace_back();
  builder.name = "build_" + cls;
  builder.stage = stage ? stage->device() : 0;
  builder.arenaBytes = plan.arenaBytes;
  for (int64_t rank :
       func->getAttrOfType<DenseI64ArrayAttr>(PxDialect::kRanksAttrName)
           .asArrayRef())
    builder.ranks.push_back(builder.stage * mesh.getNumDevices() + rank);
  SmallVector<int64_t> &offsets = builder.parameterOffsets;
  offsets.assign(parameters.size(), -1);
  // Constants: embedded bytes, or a splat filled at start-up.
  DenseMap<Value, std::string> constants;
  for (auto [i, constant] : llvm::enumerate(func.getOps<ConstantOp>())) {
    if (stage && !stage->includes(constant))
      continue;
    std::string name = "constant_" + cls + "_" + std::to_string(i);
    auto attr = cast<DenseElementsAttr>(constant.getValue());
    auto type = constant.getType();
    if (attr.isSplat() && type.getNumElements() > 64) {
      std::vector<uint8_t> element = denseBytes(DenseElementsAttr::get(
          RankedTensorType::get({}, attr.getElementType()),
          attr.getSplatValue<Attribute>()));
      os << "static const std::vector<unsigned char> " << name << " = splat("
         << intList(type.getShape()) << ", {";
      for (auto [k, b] : llvm::enumerate(element))
        os << (k ? ", " : "") << llvm::formatv("{0:x2}", b);
      os << "});\n";
      constants[constant] = flavor.constant(name + ".data()", name + ".size()");
    } else {
      emitByteArray(os, name, denseBytes(attr));
      constants[constant] = flavor.constant(name, "sizeof " + name);
    }
  }

  // One function per actor body, then the builder that wires them: GCC's
  // time grows faster than linearly with the size of a function, and a
  // distinct lambda per actor costs a std::function instantiation each.
  llvm::raw_ostream &out = os;
  std::string actorFunctions, buildText;
  llvm::raw_string_ostream functions(actorFunctions);
  llvm::raw_string_ostream os(buildText);
  os << "\nstatic void build_" << cls << "(RankContext &ctx) {\n"
     << "  ActorGraph &g = ctx.graph();\n"
     << "  " << flavor.declareArena(plan.arenaBytes) << "\n"
     << "  (void)arena;\n";
  if (stage)
    os << "  // The schedule's order: per task key (phase x chunk), its "
          "actors\n"
       << "  // in program order.\n"
       << "  std::vector<std::vector<int>> compute(" << stage->taskKeys()
       << ");\n";
  else
    os << "  // Every rank must call the collectives of a communicator in the\n"
       << "  // same order: the program's.\n"
       << "  g.setStrictOrder(\"comm\");\n";

  // Registers: one per activation buffer.
  DenseMap<Value, int> registers;
  int next = 0;
  auto addRegister = [&](Value value, StringRef name) {
    int id = next++;
    registers[value] = id;
    int64_t bytes = plan.sizes.lookup(value);
    int count = std::max(1, hints.slots.lookup(value));
    if (auto acc = value.getDefiningOp<AccumulateOp>(); acc && stage) {
      bytes = 0; // Every slot is the accumulator.
      count = stage->accumulatorSlots(acc, actorOf);
    }
    os << "  const int r" << id << " = g.addRegister(" << quoted(name) << ", "
       << bytes << ", " << count << ", " << plan.offsets.lookup(value)
       << ");\n";
  };
  for (BlockArgument arg : func.getArguments())
    if (plan.offsets.count(arg))
      addRegister(arg, "arg" + std::to_string(arg.getArgNumber()));
  func.walk([&](Operation *op) {
    if (stage && !stage->includes(op))
      return;
    if (isa<ParameterOp>(op)) {
      offsets[parameters.lookup(cast<ParameterOp>(op).getName()).index] =
          plan.offsets.lookup(op->getResult(0));
      return;
    }
    for (Value result : op->getResults())
      if (plan.offsets.count(result))
        addRegister(result, op->getName().getStringRef());
  });

  // Actors: inputs, units, outputs. Control registers order memory reuse.
  DenseMap<Operation *, int64_t> position;
  for (auto [i, op] : llvm::enumerate(body))
    position[&op] = i;
  // Control dependencies (reader -> producer) from the memory plan. A
  // pipeline stage needs none: its acts run one after the other in the
  // schedule's order, and what is read asynchronously has its own memory.
  llvm::MapVector<Operation *, SmallVector<Operation *>> waitsFor;
  for (auto &[value, owners] : plan.reuses) {
    if (stage)
      break;
    Operation *producer = value.getDefiningOp();
    if (!producer)
      continue;
    producer = actorOf.lookup(producer);
    for (Value owner : owners) {
      SmallVector<Operation *> readers(owner.getUsers());
      if (readers.empty() && owner.getDefiningOp())
        readers.push_back(owner.getDefiningOp());
      // A folded view is read by the actors of its users.
      for (size_t r = 0; r < readers.size(); ++r)
        if (views.contains(readers[r]))
          readers.append(readers[r]->getUsers().begin(),
                         readers[r]->getUsers().end());
      for (Operation *reader : readers) {
        reader = actorOf.lookup_or(reader, reader);
        if (reader != producer &&
            !llvm::is_contained(waitsFor[producer], reader))
          waitsFor[producer].push_back(reader);
      }
    }
  }
  // An assignment overwrites the parameter's storage: it waits for every
  // other reader of the current value.
  for (auto assign : func.getOps<AssignOp>()) {
    if (stage)
      break;
    Operation *writer = elidedAssigns.contains(assign)
                            ? actorOf.lookup(assign.getValue().getDefiningOp())
                            : actorOf.lookup(assign);
    for (Operation *reader : assign.getParameter().getUsers()) {
      reader = actorOf.lookup_or(reader, reader);
      if (reader != writer && !elidedAssigns.contains(reader) &&
          !llvm::is_contained(waitsFor[writer], reader))
        waitsFor[writer].push_back(reader);
    }
  }
  // Control registers, in program order, for the orderings the data flow
  // does not already imply: `ancestors[i]` holds the ops op i waits for.
  DenseMap<Operation *, SmallVector<int>> controlOut, controlIn;
  std::vector<llvm::BitVector> ancestors(position.size(),
                                         llvm::BitVector(position.size()));
  for (const Unit &unit : units) {
    Operation &op = *unit.ops.back();
    int64_t i = position.lookup(&op);
    auto inherit = [&](Operation *from) {
      int64_t f = position.lookup(from);
      ancestors[i] |= ancestors[f];
      ancestors[i].set(f);
    };
    for (ArrayRef<Operation *> members :
         {ArrayRef(unit.ops), ArrayRef(unit.views)})
      for (Operation *member : members)
        for (Value operand : member->getOperands())
          if (Operation *def = operand.getDefiningOp();
              def && actorOf.lookup(def) != &op &&
              !llvm::is_contained(unit.views, def))
            inherit(actorOf.lookup(def));
    auto it = waitsFor.find(&op);
    if (it == waitsFor.end())
      continue;
    SmallVector<Operation *> readers = it->second;
    llvm::sort(readers, [&](Operation *a, Operation *b) {
      return position.lookup(a) < position.lookup(b);
    });
    for (Operation *reader : readers) {
      if (ancestors[i].test(position.lookup(reader)))
        continue;
      int id = next++;
      os << "  const int r" << id
         << " = g.addRegister(\"control\", 0, 1, 0);\n";
      controlOut[reader].push_back(id);
      controlIn[&op].push_back(id);
      inherit(reader);
    }
  }

  auto pointer = [&](Value value, ActorIO &io) -> std::string {
    if (auto constant = value.getDefiningOp<ConstantOp>())
      return constants.lookup(constant);
    if (isa_and_nonnull<ParameterOp>(value.getDefiningOp()))
      return "arena + " + std::to_string(plan.offsets.lookup(value));
    int reg = registers.lookup(value);
    auto *it = llvm::find(io.inputs, reg);
    if (it == io.inputs.end()) {
      io.inputs.push_back(reg);
      it = io.inputs.end() - 1;
    }
    return "a.inputs[" + std::to_string(it - io.inputs.begin()) + "]";
  };
  auto view = [&](const std::string &ptr, Type type) {
    auto tensor = cast<RankedTensorType>(type);
    return "view(" + ptr + ", " + dtypeOf(tensor) + ", " +
           intList(tensor.getShape()) + ")";
  };
  // A folded reshape is its input's memory; a folded transpose a permuted
  // view of it.
  auto storage = [&](Value value) {
    while (value.getDefiningOp<ReshapeOp>() &&
           views.contains(value.getDefiningOp()))
      value = value.getDefiningOp()->getOperand(0);
    return value;
  };
  std::function<std::string(Value, ActorIO &)> operandView =
      [&](Value value, ActorIO &io) -> std::string {
    if (auto transpose = value.getDefiningOp<TransposeOp>();
        transpose && views.contains(transpose))
      return "permuteView(" + operandView(transpose.getInput(), io) + ", " +
             intList(transpose.getPerm()) + ")";
    return view(pointer(storage(value), io), value.getType());
  };
  int actors = 0, loops = 0;
  // `sink`: the C++ vector that records the actor's id (a phase of the
  // schedule); `gated`: acts only at the step's last micro-batch.
  auto emitActor = [&](StringRef name, StringRef stream, const ActorIO &io,
                       const std::string &statements, int64_t order,
                       StringRef sink = "", bool gated = false) {
    auto list = [](ArrayRef<int> regs) {
      std::string out = "{";
      for (auto [i, r] : llvm::enumerate(regs))
        out += (i ? ", " : "") + std::string("r") + std::to_string(r);
      return out + "}";
    };
    std::string function = "act_" + cls + "_" + std::to_string(actors++);
    functions << "\nstatic void " << function
              << "(RankContext &ctx, char *arena, ActContext &a) {\n"
              << "  (void)ctx;\n  (void)arena;\n";
    if (gated)
      functions << "  if (a.piece + 1 != " << pipeline->microBatches
                << ")\n    return; // Once per step.\n";
    StringRef rest = statements;
    while (!rest.empty()) {
      auto [line, tail] = rest.split('\n');
      functions << "  " << line << "\n";
      rest = tail;
    }
    functions << "}\n";
    std::string add = "g.addActor(" + quoted(name) + ", " + quoted(stream) +
                      ", " + list(io.inputs) + ", " + list(io.outputs) +
                      ", bindActor(ctx, arena, " + function + "), " +
                      std::to_string(order) + ")";
    if (sink.empty())
      os << "  " << add << ";\n";
    else
      os << "  " << sink << ".push_back(" << add << ");\n";
  };
  // Where a compute actor goes: the schedule's list of its task key.
  auto computeSink = [&](Operation *op) -> std::string {
    if (!stage)
      return "";
    return "compute[" + std::to_string(stage->taskKey(op)) + "]";
  };
  auto gated = [&](Operation *op) { return stage && stage->isGated(op); };

  for (BlockArgument arg : func.getArguments()) {
    if (!registers.count(arg))
      continue;
    ActorIO io;
    io.outputs.push_back(registers.lookup(arg));
    emitActor("input " + std::to_string(arg.getArgNumber()),
              stage ? "input" : "compute", io,
              flavor.loadInput(arg.getArgNumber(), plan.sizes.lookup(arg)), -1);
  }
  // Transfers: each stream of sends (receives) to (from) one device runs in
  // its sender's schedule order, from per-task-key lists of its actors
  // declared here, before the actors fill them; between two chunks of this
  // device, a copy.
  std::map<int64_t, std::string> sendStreams, recvStreams;
  if (stage) {
    auto declare = [&](std::map<int64_t, std::string> &lists, int64_t peer,
                       StringRef kind) {
      std::string name = (kind + std::to_string(peer)).str();
      if (lists.try_emplace(peer, name).second)
        os << "  std::vector<std::vector<int>> " << name << "("
           << stage->taskKeys() << ");\n";
    };
    for (auto transfer : body.getOps<TransferOp>()) {
      if (stage->sends(transfer))
        declare(sendStreams, stage->deviceOf(transfer.getDstStage()), "send");
      else if (stage->receives(transfer))
        declare(recvStreams, stage->deviceOf(transfer.getSrcStage()), "recv");
    }
  }
  auto emitTransfer = [&](TransferOp transfer) {
    auto type = transfer.getType();
    std::string count = std::to_string(type.getNumElements());
    std::string dtype = dtypeOf(type);
    std::string key = std::to_string(stage->taskKey(transfer));
    ActorIO io;
    if (stage->copies(transfer)) {
      std::string from = view(pointer(transfer.getInput(), io), type);
      io.outputs.push_back(registers.lookup(transfer.getResult()));
      emitActor("copy to stage " + std::to_string(transfer.getDstStage()),
                "compute", io,
                "copy(" + from + ", " + view("a.outputs[0]", type) + ");", 0,
                computeSink(transfer), gated(transfer));
      return;
    }
    if (stage->sends(transfer)) {
      int64_t peer = stage->deviceOf(transfer.getDstStage());
      std::string ptr = pointer(transfer.getInput(), io);
      emitActor("send to stage " + std::to_string(peer) + " #" +
                    std::to_string(position.lookup(transfer)),
                "send " + std::to_string(peer), io,
                "ctx.send(" + std::to_string(peer) + ", " + ptr + ", " + count +
                    ", " + dtype + ", a.stream);",
                0, sendStreams.at(peer) + "[" + key + "]", gated(transfer));
      return;
    }
    int64_t peer = stage->deviceOf(transfer.getSrcStage());
    io.outputs.push_back(registers.lookup(transfer.getResult()));
    emitActor("receive from stage " + std::to_string(peer) + " #" +
                  std::to_string(position.lookup(transfer)),
              "recv " + std::to_string(peer), io,
              "ctx.recv(" + std::to_string(peer) + ", a.outputs[0], " + count +
                  ", " + dtype + ", a.stream);",
              0, recvStreams.at(peer) + "[" + key + "]", gated(transfer));
  };
  for (const Unit &unit : units) {
    Operation &op = *unit.ops.back();
    if (isa<ParameterOp, ConstantOp>(op) || elidedAssigns.contains(&op))
      continue;
    if (auto transfer = dyn_cast<TransferOp>(op)) {
      emitTransfer(transfer);
      continue;
    }
    if (unit.isFused()) {
      ActorIO io;
      io.outputs.push_back(registers.lookup(op.getResult(0)));
      for (int reg : controlIn.lookup(&op))
        io.inputs.push_back(reg);
      for (int reg : controlOut.lookup(&op))
        io.outputs.push_back(reg);
      std::string statements = flavor.emitFusedLoop(
          unit, "loop_" + cls + "_" + std::to_string(loops++),
          [&](Value v) { return pointer(storage(v), io); }, functions);
      std::string name = "fused";
      for (Operation *member : unit.ops)
        name += " " + member->getName().stripDialect().str();
      emitActor(name + " #" + std::to_string(position.lookup(&op)), "compute",
                io, statements, position.lookup(&op), computeSink(&op),
                gated(&op));
      continue;
    }
    if (auto ret = dyn_cast<func::ReturnOp>(op)) {
      for (auto [i, value] : llvm::enumerate(ret.getOperands())) {
        if (stage && stage->deviceOf(getValueStage(value).value_or(0)) !=
                         stage->device())
          continue;
        ActorIO io;
        std::string ptr = pointer(value, io);
        // A training step's outputs (loss, gradient norm) are final at its
        // last micro-batch.
        emitActor("output " + std::to_string(i), stage ? "output" : "compute",
                  io, flavor.storeOutput(i, ptr, tensorBytes(value.getType())),
                  position.lookup(&op), "",
                  stage && stage->config().microBatches > 1);
      }
      continue;
    }
    ActorIO io;
    for (Value operand : op.getOperands())
      io.operandViews.push_back(operandView(operand, io));
    int outputs = 0;
    for (Value result : op.getResults()) {
      if (TransposeOp transpose = writtenAs.lookup(result)) {
        SmallVector<int64_t> inverse(transpose.getPerm().size());
        for (auto [i, p] : llvm::enumerate(transpose.getPerm()))
          inverse[p] = i;
        io.outputs.push_back(registers.lookup(transpose.getResult()));
        io.resultViews.push_back(
            "permuteView(" +
            view("a.outputs[" + std::to_string(outputs++) + "]",
                 transpose.getType()) +
            ", " + intList(inverse) + ")");
        continue;
      }
      if (Value param = inPlace.lookup(result)) {
        io.resultViews.push_back(
            view("arena + " + std::to_string(plan.offsets.lookup(param)),
                 result.getType()));
        continue;
      }
      io.outputs.push_back(registers.lookup(result));
      io.resultViews.push_back(view(
          "a.outputs[" + std::to_string(outputs++) + "]", result.getType()));
    }
    for (int reg : controlIn.lookup(&op))
      io.inputs.push_back(reg);
    for (int reg : controlOut.lookup(&op))
      io.outputs.push_back(reg);
    std::string statements;
    llvm::raw_string_ostream body(statements);
    bool collective = isa<CollectiveOpInterface>(op);
    // Local boxing steps (slice, mask, pad) do not communicate. A pipeline
    // stage runs its collectives in its one scheduled sequence.
    bool communicates =
        !stage &&
        isa<AllReduceOp, AllGatherOp, ReduceScatterOp, AllToAllOp>(op);
    LogicalResult emitted =
        collective
            ? emitCollective(&op, io.operandViews[0], io.resultViews[0], body)
            : emitKernelCall(&op, io.operandViews, io.resultViews, body);
    if (failed(emitted))
      return failure();
    emitActor(op.getName().getStringRef().str() + " #" +
                  std::to_string(position.lookup(&op)),
              communicates ? "comm" : "compute", io, statements,
              position.lookup(&op), computeSink(&op), gated(&op));
  }
  if (stage) {
    // This stage's tasks order its compute; a channel's, its sender's.
    os << "  static const std::vector<std::pair<int, int>> tasks = "
       << stage->taskList(stage->tasks()) << ";\n"
       << "  g.setSchedule(\"compute\", scheduleSequence(tasks, compute));\n";
    for (auto &[peer, name] : sendStreams)
      os << "  g.setSchedule(\"send " << peer << "\", scheduleSequence(tasks, "
         << name << "));\n";
    for (auto &[peer, name] : recvStreams)
      os << "  {\n    static const std::vector<std::pair<int, int>> sender = "
         << stage->taskList(stage->tasksOf(peer)) << ";\n"
         << "    g.setSchedule(\"recv " << peer
         << "\", scheduleSequence(sender, " << name << "));\n  }\n";
    for (auto &[peer, name] : sendStreams)
      channels.insert({stage->device(), peer});
    for (auto &[peer, name] : recvStreams)
      channels.insert({peer, stage->device()});
  }
  os << "}\n";
  out << actorFunctions << buildText;
  return success();
}

std::string tensorSpec(StringRef name, Type type, SbpAttr sbp,
                       StringRef role = "", int64_t stage = 0) {
  auto tensor = cast<RankedTensorType>(type);
  return "TensorSpec{" + quoted(name) + ", " + dtypeOf(tensor) + ", " +
         intList(tensor.getShape()) + ", " + quoted(sbpOf(sbp)) +
         (role.empty() && !stage ? "" : ", " + quoted(role)) +
         (stage ? ", " + std::to_string(stage) : "") + "}";
}

void ProgramEmitter::emitProgram() {
  func::FuncOp first = classes.front();
  os << "\nstatic Program makeProgram() {\n"
     << "  Program p;\n"
     << "  p.mesh = " << intList(mesh.getShape()) << ";\n";
  if (pipeline) {
    os << "  p.stages = " << pipeline->stages << ";\n"
       << "  p.microBatches = " << pipeline->microBatches << ";\n";
    for (auto [src, dst] : channels)
      os << "  p.channels.push_back({" << src << ", " << dst << "});\n";
  }
  for (BlockArgument arg : first.getArguments()) {
    auto name = first.getArgAttrOfType<StringAttr>(arg.getArgNumber(),
                                                   PxDialect::kNameAttrName);
    auto role = first.getArgAttrOfType<StringAttr>(arg.getArgNumber(),
                                                   PxDialect::kRoleAttrName);
    os << "  p.inputs.push_back("
       << tensorSpec(
              name ? name.getValue()
                   : StringRef("input" + std::to_string(arg.getArgNumber())),
              getGlobalType(arg), getSbp(arg), role ? role.getValue() : "")
       << ");\n";
  }
  for (unsigned i = 0, e = first.getNumResults(); i < e; ++i) {
    auto name =
        first.getResultAttrOfType<StringAttr>(i, PxDialect::kNameAttrName);
    auto global =
        first.getResultAttrOfType<TypeAttr>(i, PxDialect::kGlobalTypeAttrName);
    auto sbp = first.getResultAttrOfType<SbpAttr>(i, PxDialect::kSbpAttrName);
    Value value = first.getBody().front().getTerminator()->getOperand(i);
    os << "  p.outputs.push_back("
       << tensorSpec(
              name ? name.getValue() : StringRef("output" + std::to_string(i)),
              global ? global.getValue() : first.getResultTypes()[i], sbp, "",
              pipeline ? getValueStage(value).value_or(0) % pipeline->stages
                       : 0)
       << ");\n";
  }
  for (auto &[name, param] : parameters) {
    os << "  {\n    ParameterSpec s;\n    s.tensor = "
       << tensorSpec(name, getGlobalType(param.op), getSbp(param.op)) << ";\n";
    std::optional<Attribute> init = param.op.getInit();
    if (!init) {
      os << "    s.init = ParameterSpec::Init::Zeros;\n";
    } else if (auto initializer = dyn_cast<InitializerAttr>(*init)) {
      const char *kinds[] = {"Zeros", "Ones", "Normal", "Uniform"};
      os << "    s.init = ParameterSpec::Init::"
         << kinds[static_cast<int>(initializer.getKind())] << ";\n"
         << "    s.a = "
         << llvm::formatv("{0:e}", initializer.getA().convertToDouble())
         << ";\n    s.b = "
         << llvm::formatv("{0:e}", initializer.getB().convertToDouble())
         << ";\n";
    } else if (auto external = dyn_cast<ExternalDataAttr>(*init)) {
      os << "    s.init = ParameterSpec::Init::File;\n"
         << "    s.path = " << quoted(external.getPath()) << ";\n"
         << "    s.offset = " << external.getOffset() << ";\n";
    } else {
      os << "    s.init = ParameterSpec::Init::Data;\n"
         << "    s.data = parameter" << param.index << ";\n";
    }
    if (auto info = param.op->getAttrOfType<DictionaryAttr>(
            PxDialect::kCheckpointAttrName)) {
      os << "    s.logicalShape = "
         << intList(info.getAs<DenseI64ArrayAttr>("logical_shape").asArrayRef())
         << ";\n    s.kind = "
         << quoted(info.getAs<StringAttr>("kind").getValue()) << ";\n";
    }
    if (auto shard =
            param.op->getAttrOfType<DictionaryAttr>(PxDialect::kShardAttrName))
      os << "    s.logicalName = "
         << quoted(shard.getAs<StringAttr>("of").getValue())
         << ";\n    s.shardOffsets = "
         << intList(shard.getAs<DenseI64ArrayAttr>("offsets").asArrayRef())
         << ";\n    s.logicalShape = "
         << intList(shard.getAs<DenseI64ArrayAttr>("shape").asArrayRef())
         << ";\n";
    os << "    p.parameters.push_back(s);\n  }\n";
  }
  for (const RankBuilder &b : builders)
    os << "  p.classes.push_back(RankClass{" << intList(b.ranks) << ", "
       << b.stage << ", " << b.arenaBytes << ", " << intList(b.parameterOffsets)
       << ", " << b.name << "});\n";
  emitTraining();
  os << flavor.programSetup() << "  return p;\n}\n\n"
     << "int main(int argc, char **argv) {\n"
     << "  static const Program program = makeProgram();\n"
     << "  return runMain(argc, argv, program);\n}\n";
}

/// The vocabulary the token ids must stay below, the update compiled into
/// the step and the defaults of the training flags.
void ProgramEmitter::emitTraining() {
  std::string optimizer;
  CrossEntropyOp loss;
  for (Operation &op : classes.front().getBody().front()) {
    if (isa<AdamWOp>(op))
      optimizer = "adamw";
    else if (isa<SgdOp>(op))
      optimizer = "sgd";
    else if (!loss)
      loss = dyn_cast<CrossEntropyOp>(op);
  }
  if (optimizer.empty())
    return;
  if (loss)
    os << "  p.vocab = "
       << cast<RankedTensorType>(getGlobalType(loss.getLogits()))
              .getShape()
              .back()
       << ";\n";
  else if (auto vocab =
               module->getAttrOfType<IntegerAttr>(PxDialect::kVocabAttrName))
    os << "  p.vocab = " << vocab.getInt() << ";\n";
  os << "  p.train.optimizer = " << quoted(optimizer) << ";\n"
     << llvm::formatv("  p.train.lr = {0:e};\n", train.lr)
     << llvm::formatv("  p.train.minLr = {0:e};\n", train.minLr)
     << "  p.train.warmupSteps = " << train.warmupSteps << ";\n"
     << "  p.train.decaySteps = " << train.decaySteps << ";\n"
     << llvm::formatv("  p.train.weightDecay = {0:e};\n", train.weightDecay)
     << llvm::formatv("  p.train.clipNorm = {0:e};\n", train.clipNorm);
  if (train.lossScale != "off")
    // %.17g: a scale is exact (powers of two, 2^127 included).
    os << "  p.train.lossScale = " << quoted(train.lossScale) << ";\n"
       << "  p.train.initialLossScale = "
       << llvm::format("%.17g", train.initialLossScale) << ";\n"
       << "  p.train.lossScaleWindow = " << train.lossScaleWindow << ";\n";
}

LogicalResult ProgramEmitter::emit() {
  if (failed(collect()))
    return failure();
  os << "// Generated by pxc: one program for a " << mesh.getNumDevices()
     << "-device mesh; compile against libpxrt.\n";
  flavor.emitPrelude(os);
  os << "static TensorView view(const void *data, DType type,\n"
     << "                       std::initializer_list<int64_t> shape) {\n"
     << "  return contiguousView(data, type, shape);\n}\n\n"
     << "// A tensor whose elements all have the bytes `element`.\n"
     << "static std::vector<unsigned char>\n"
     << "splat(std::initializer_list<int64_t> shape,\n"
     << "      std::initializer_list<unsigned char> element) {\n"
     << "  size_t n = 1;\n  for (int64_t d : shape)\n    n *= d;\n"
     << "  std::vector<unsigned char> data;\n"
     << "  data.reserve(n * element.size());\n"
     << "  for (size_t i = 0; i < n; ++i)\n"
     << "    data.insert(data.end(), element.begin(), element.end());\n"
     << "  return data;\n}\n\n";
  emitParameters();
  for (auto [i, func] : llvm::enumerate(classes)) {
    if (!pipeline) {
      if (failed(emitClass(func, i, nullptr)))
        return failure();
      continue;
    }
    for (int64_t s = 0; s < pipeline->stages; ++s) {
      StageView stage(*pipeline, s);
      if (failed(emitClass(func, i, &stage)))
        return failure();
    }
  }
  emitProgram();
  return success();
}

} // namespace

LogicalResult cpu_target::emitProgram(ModuleOp module, llvm::raw_ostream &os,
                                      const TrainFlagDefaults &train,
                                      const TargetFlavor &flavor) {
  return ProgramEmitter(module, os, train, flavor).emit();
}

namespace {

/// libpxrt's CPU kernels, loops compiled by the host compiler.
class CpuFlavor : public TargetFlavor {
public:
  void emitPrelude(llvm::raw_ostream &os) const override {
    os << "#include \"pxrt/kernels.h\"\n"
       << "#include \"pxrt/math.h\"\n"
       << "#include \"pxrt/program.h\"\n\n"
       << "#include <cmath>\n#include <memory>\n#include <optional>\n"
       << "#include <vector>\n\n"
       << "using namespace pxrt;\nusing namespace pxrt::cpu;\n\n"
       << "// max/min that propagate NaN, as the kernels do.\n"
       << "static inline float fmax_nan(float a, float b) {\n"
       << "  return a != a || b != b ? NAN : (a > b ? a : b);\n}\n"
       << "static inline float fmin_nan(float a, float b) {\n"
       << "  return a != a || b != b ? NAN : (a < b ? a : b);\n}\n\n"
       << "// Every actor body has this type, so that one std::function\n"
       << "// wrapper is compiled for all of them.\n"
       << "using ActBody = void (*)(RankContext &, char *, ActContext &);\n"
       << "static ActFn bindActor(RankContext &ctx, char *arena, ActBody f) {\n"
       << "  return [&ctx, arena, f](ActContext &a) { f(ctx, arena, a); };\n"
       << "}\n\n"
       << "// Scratch memory of a collective (packed chunks).\n"
       << "static std::shared_ptr<std::vector<char>> scratch(size_t bytes) {\n"
       << "  return std::make_shared<std::vector<char>>(bytes);\n}\n\n";
  }
  std::string declareArena(int64_t) const override {
    return "char *arena = g.arena();";
  }
  std::string constant(StringRef array, StringRef) const override {
    return array.str();
  }
  std::string loadInput(unsigned index, int64_t) const override {
    return "ctx.loadInput(" + std::to_string(index) +
           ", a.piece, a.outputs[0]);";
  }
  std::string storeOutput(unsigned index, const std::string &pointer,
                          int64_t) const override {
    return "ctx.storeOutput(" + std::to_string(index) + ", a.piece, " +
           pointer + ");";
  }
  std::string emitFusedLoop(const Unit &unit, StringRef name,
                            llvm::function_ref<std::string(Value)> pointer,
                            llvm::raw_ostream &os) const override {
    return cpu_target::emitFusedLoop(unit, name, pointer, os);
  }
};

} // namespace

LogicalResult pxc::emitCpuProgram(ModuleOp module, llvm::raw_ostream &os,
                                  const TrainFlagDefaults &train) {
  return emitProgram(module, os, train, CpuFlavor());
}
