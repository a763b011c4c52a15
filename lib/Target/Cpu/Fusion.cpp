//===- Fusion.cpp - Chains of elementwise ops as one loop -----------------===//
//
// An f32 elementwise op whose only use is another elementwise op of the same
// shape joins that op's loop: the chain runs as one loop nest over the
// result, each element computed through the chain in registers, with no
// intermediate buffers. External operands may broadcast (stride 0).
//
//===----------------------------------------------------------------------===//

#include "Emitter.h"

#include "pxc/Dialect/Px/PxOps.h"
#include "pxc/Support/LLVM.h"

#include "llvm/ADT/TypeSwitch.h"

using namespace pxc;
using namespace pxc::px;
using namespace pxc::cpu_target;

/// The C++ expression of `op` on scalar operands; null if `op` does not fuse.
/// Transcendentals call pxrt/math.h, as the unfused kernels do: the same
/// bits, and loops that vectorize.
std::optional<std::string> cpu_target::scalarExpr(Operation *op,
                                                  ArrayRef<std::string> x) {
  auto call = [&](StringRef fn) { return (fn + "(" + x[0] + ")").str(); };
  return llvm::TypeSwitch<Operation *, std::optional<std::string>>(op)
      .Case([&](AddOp) { return x[0] + " + " + x[1]; })
      .Case([&](SubOp) { return x[0] + " - " + x[1]; })
      .Case([&](MulOp) { return x[0] + " * " + x[1]; })
      .Case([&](DivOp) { return x[0] + " / " + x[1]; })
      .Case([&](PowOp) { return "std::pow(" + x[0] + ", " + x[1] + ")"; })
      .Case([&](MaxOp) { return "fmax_nan(" + x[0] + ", " + x[1] + ")"; })
      .Case([&](MinOp) { return "fmin_nan(" + x[0] + ", " + x[1] + ")"; })
      .Case([&](NegOp) { return "-" + x[0]; })
      .Case([&](AbsOp) { return call("std::fabs"); })
      .Case([&](ExpOp) { return call("math::expF32"); })
      .Case([&](LogOp) { return call("std::log"); })
      .Case([&](SqrtOp) { return call("std::sqrt"); })
      .Case([&](RsqrtOp) { return "1.0f / std::sqrt(" + x[0] + ")"; })
      .Case([&](ReciprocalOp) { return "1.0f / " + x[0]; })
      .Case([&](TanhOp) { return call("math::tanhF32"); })
      .Case([&](ErfOp) { return call("math::erfF32"); })
      .Case([&](SinOp) { return call("std::sin"); })
      .Case([&](CosOp) { return call("std::cos"); })
      .Case([&](ReluOp) { return x[0] + " < 0.0f ? 0.0f : " + x[0]; })
      .Case([&](SigmoidOp) { return call("math::sigmoidF32"); })
      .Case([&](GeluOp gelu) {
        return call(gelu.getApproximate() == GeluApprox::tanh
                        ? "math::geluTanhF32"
                        : "math::geluF32");
      })
      .Case([&](CompareOp c) -> std::optional<std::string> {
        const char *ops[] = {"==", "!=", "<", "<=", ">", ">="};
        return x[0] + " " + ops[static_cast<int>(c.getKind())] + " " + x[1];
      })
      .Case([&](WhereOp) { return x[0] + " ? " + x[1] + " : " + x[2]; })
      .Default([](Operation *) { return std::nullopt; });
}

/// f32 results, except comparisons (bool) of f32 operands; where's
/// condition is bool.
static bool isFusable(Operation *op) {
  if (op->getNumResults() != 1 ||
      !scalarExpr(op, SmallVector<std::string>(op->getNumOperands(), "x")))
    return false;
  auto f32 = [](Value v) {
    return cast<RankedTensorType>(v.getType()).getElementType().isF32();
  };
  if (isa<CompareOp>(op))
    return llvm::all_of(op->getOperands(), f32);
  if (!f32(op->getResult(0)))
    return false;
  for (auto [i, operand] : llvm::enumerate(op->getOperands()))
    if (!f32(operand) && !(isa<WhereOp>(op) && i == 0))
      return false;
  return true;
}

/// Whether a fused unit calls pxrt/math.h's functions: its loop is then
/// compiled for several ISAs (PXRT_SIMD), where they vectorize with FMA.
static bool callsMath(const Unit &unit) {
  return llvm::any_of(unit.ops, [](Operation *op) {
    return isa<ExpOp, TanhOp, ErfOp, SigmoidOp, GeluOp>(op);
  });
}

SmallVector<Unit> cpu_target::formUnits(Block &body) {
  SmallVector<Unit> units;
  DenseMap<Operation *, size_t> unitOf;
  for (Operation &op : body) {
    SmallVector<size_t> joined;
    // A comparison's bool result only feeds loops (a where), never ends one.
    if (isFusable(&op) && !isa<CompareOp>(op)) {
      auto shape = cast<RankedTensorType>(op.getResult(0).getType()).getShape();
      for (Value operand : op.getOperands()) {
        Operation *def = operand.getDefiningOp();
        if (!def || !unitOf.count(def) || !operand.hasOneUse() ||
            !isFusable(def) ||
            cast<RankedTensorType>(operand.getType()).getShape() != shape)
          continue;
        size_t u = unitOf.lookup(def);
        // Only a loop's last op may feed another one.
        if (units[u].ops.back() == def && !llvm::is_contained(joined, u))
          joined.push_back(u);
      }
    }
    if (joined.empty()) {
      unitOf[&op] = units.size();
      units.emplace_back().ops.push_back(&op);
      continue;
    }
    // Merge the joined loops (in program order) and end them with `op`.
    llvm::sort(joined);
    Unit &target = units[joined.front()];
    for (size_t u : llvm::ArrayRef(joined).drop_front()) {
      for (Operation *member : units[u].ops)
        unitOf[member] = joined.front();
      target.ops.append(units[u].ops.begin(), units[u].ops.end());
      units[u].ops.clear();
    }
    llvm::sort(target.ops, [](Operation *a, Operation *b) {
      return a->isBeforeInBlock(b);
    });
    target.ops.push_back(&op);
    unitOf[&op] = joined.front();
  }
  llvm::erase_if(units, [](const Unit &u) { return u.ops.empty(); });
  return units;
}

/// Element strides of a value of `shape` broadcast to `result` (numpy
/// alignment from the right; size-1 dims get stride 0).
SmallVector<int64_t> cpu_target::broadcastStrides(ArrayRef<int64_t> shape,
                                                  ArrayRef<int64_t> result) {
  SmallVector<int64_t> strides(result.size(), 0);
  int64_t stride = 1;
  for (int64_t d = shape.size() - 1, r = result.size() - 1; d >= 0; --d, --r) {
    strides[r] = shape[d] == 1 ? 0 : stride;
    stride *= shape[d];
  }
  return strides;
}

const char *cpu_target::scalarType(Value value) {
  return cast<RankedTensorType>(value.getType()).getElementType().isInteger(1)
             ? "bool"
             : "float";
}

std::string cpu_target::emitScalarChain(const Unit &unit, StringRef indent,
                                        DenseMap<Value, std::string> &names,
                                        llvm::raw_ostream &os) {
  for (auto [k, op] : llvm::enumerate(unit.ops)) {
    SmallVector<std::string> operands;
    for (Value operand : op->getOperands())
      operands.push_back(names.lookup(operand));
    std::string result = "t" + std::to_string(k);
    os << indent << "const " << scalarType(op->getResult(0)) << " " << result
       << " = " << *scalarExpr(op, operands) << ";\n";
    names[op->getResult(0)] = result;
  }
  return names.lookup(unit.ops.back()->getResult(0));
}

std::string cpu_target::emitFusedLoop(const Unit &unit, StringRef name,
                                      function_ref<std::string(Value)> pointer,
                                      llvm::raw_ostream &os) {
  Operation *root = unit.ops.back();
  ArrayRef<int64_t> shape =
      cast<RankedTensorType>(root->getResult(0).getType()).getShape();
  DenseMap<Value, std::string> names;
  SmallVector<std::pair<Value, SmallVector<int64_t>>> inputs;
  // External operands: restrict pointer parameters (GCC ignores restrict on
  // local pointers, and without it the loop does not vectorize), with their
  // broadcast strides.
  std::string call = name.str() + "(";
  os << (callsMath(unit) ? "\nPXRT_SIMD static void " : "\nstatic void ")
     << name << "(";
  for (Operation *op : unit.ops)
    for (Value operand : op->getOperands()) {
      if (names.count(operand) ||
          llvm::is_contained(unit.ops, operand.getDefiningOp()))
        continue;
      std::string param = "in" + std::to_string(inputs.size());
      os << "const " << scalarType(operand) << " *__restrict " << param << ", ";
      call += "reinterpret_cast<const " + std::string(scalarType(operand)) +
              " *>(" + pointer(operand) + "), ";
      names[operand] = param;
      inputs.push_back(
          {operand,
           broadcastStrides(
               cast<RankedTensorType>(operand.getType()).getShape(), shape)});
    }
  os << "float *__restrict out) {\n";
  call += "static_cast<float *>(a.outputs[0]));";
  // A loop nest over the result; `at` is the row-major result index.
  std::string indent = "  ";
  for (auto [d, size] : llvm::enumerate(shape)) {
    os << indent << "for (int64_t i" << d << " = 0; i" << d << " < " << size
       << "; ++i" << d << ")\n";
    indent += "  ";
  }
  os << indent << "{\n";
  std::string at = "0";
  for (size_t d = 0; d < shape.size(); ++d)
    at = "(" + at + ") * " + std::to_string(shape[d]) + " + i" +
         std::to_string(d);
  for (auto &[value, strides] : inputs) {
    std::string index = "0";
    for (auto [d, stride] : llvm::enumerate(strides))
      if (stride)
        index += " + i" + std::to_string(d) + " * " + std::to_string(stride);
    os << indent << "  const " << scalarType(value) << " v_" << names[value]
       << " = " << names[value] << "[" << index << "];\n";
    names[value] = "v_" + names[value];
  }
  std::string result = emitScalarChain(unit, indent + "  ", names, os);
  os << indent << "  out[" << at << "] = " << result << ";\n"
     << indent << "}\n}\n";
  return call;
}
