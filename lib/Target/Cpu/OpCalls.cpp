//===- OpCalls.cpp - The libpxrt kernel call of every px op ---------------===//

#include "Emitter.h"

#include "pxc/Dialect/Px/PxOps.h"
#include "pxc/Support/LLVM.h"

#include "llvm/ADT/TypeSwitch.h"
#include "llvm/Support/FormatVariadic.h"

using namespace pxc;
using namespace pxc::px;
using namespace pxc::cpu_target;

std::string cpu_target::intList(ArrayRef<int64_t> values) {
  std::string out = "{";
  for (auto [i, v] : llvm::enumerate(values))
    out += (i ? ", " : "") + std::to_string(v);
  return out + "}";
}

/// The f32 elements of a contiguous view (optimizer kernels take arrays).
static std::string floats(const std::string &view) {
  return "static_cast<float *>(" + view + ".data)";
}

static const char *unaryName(Operation *op) {
  return llvm::TypeSwitch<Operation *, const char *>(op)
      .Case([](NegOp) { return "Neg"; })
      .Case([](AbsOp) { return "Abs"; })
      .Case([](ExpOp) { return "Exp"; })
      .Case([](LogOp) { return "Log"; })
      .Case([](SqrtOp) { return "Sqrt"; })
      .Case([](RsqrtOp) { return "Rsqrt"; })
      .Case([](ReciprocalOp) { return "Reciprocal"; })
      .Case([](TanhOp) { return "Tanh"; })
      .Case([](ErfOp) { return "Erf"; })
      .Case([](SinOp) { return "Sin"; })
      .Case([](CosOp) { return "Cos"; })
      .Case([](ReluOp) { return "Relu"; })
      .Case([](SigmoidOp) { return "Sigmoid"; })
      .Case([](NotOp) { return "Not"; })
      .Case([](GeluOp gelu) {
        return gelu.getApproximate() == GeluApprox::tanh ? "GeluTanh" : "Gelu";
      })
      .Default([](Operation *) { return nullptr; });
}

static const char *binaryName(Operation *op) {
  return llvm::TypeSwitch<Operation *, const char *>(op)
      .Case([](AddOp) { return "Add"; })
      .Case([](SubOp) { return "Sub"; })
      .Case([](MulOp) { return "Mul"; })
      .Case([](DivOp) { return "Div"; })
      .Case([](PowOp) { return "Pow"; })
      .Case([](MaxOp) { return "Max"; })
      .Case([](MinOp) { return "Min"; })
      .Case([](AndOp) { return "And"; })
      .Case([](OrOp) { return "Or"; })
      .Default([](Operation *) { return nullptr; });
}

static const char *compareName(CompareKind kind) {
  switch (kind) {
  case CompareKind::eq:
    return "Eq";
  case CompareKind::ne:
    return "Ne";
  case CompareKind::lt:
    return "Lt";
  case CompareKind::le:
    return "Le";
  case CompareKind::gt:
    return "Gt";
  case CompareKind::ge:
    return "Ge";
  }
  return "Eq";
}

static const char *reduceName(ReduceKind kind) {
  switch (kind) {
  case ReduceKind::sum:
    return "Sum";
  case ReduceKind::mean:
    return "Mean";
  case ReduceKind::max:
    return "Max";
  case ReduceKind::min:
    return "Min";
  }
  return "Sum";
}

static const char *lossName(LossReduction kind) {
  switch (kind) {
  case LossReduction::none:
    return "None";
  case LossReduction::sum:
    return "Sum";
  case LossReduction::mean:
    return "Mean";
  }
  return "Mean";
}

/// `std::vector<TensorView>{a, b, ...}`.
static std::string viewList(ArrayRef<std::string> views) {
  std::string out = "std::vector<TensorView>{";
  for (auto [i, v] : llvm::enumerate(views))
    out += (i ? ", " : "") + v;
  return out + "}";
}

/// Whether `gather` reads a table split along its gather axis (the
/// masked-gather kernel rule: each rank holds a range of rows).
static bool isShardedGather(GatherOp gather) {
  SbpAttr sbp = getExpectedSbp(gather, 0);
  return sbp && llvm::any_of(sbp.getDims(), [&](const sbp::Sbp1D &d) {
           return d.isSplit() &&
                  d.dim == static_cast<int32_t>(gather.getAxis());
         });
}

LogicalResult cpu_target::emitKernelCall(Operation *op,
                                         ArrayRef<std::string> in,
                                         ArrayRef<std::string> out,
                                         llvm::raw_ostream &os) {
  if (const char *name = unaryName(op)) {
    os << "unary(UnaryOp::" << name << ", " << in[0] << ", " << out[0] << ");";
    return success();
  }
  if (const char *name = binaryName(op)) {
    os << "binary(BinaryOp::" << name << ", " << in[0] << ", " << in[1] << ", "
       << out[0] << ");";
    return success();
  }
  return llvm::TypeSwitch<Operation *, LogicalResult>(op)
      .Case([&](CompareOp c) {
        os << "compare(CompareOp::" << compareName(c.getKind()) << ", " << in[0]
           << ", " << in[1] << ", " << out[0] << ");";
        return success();
      })
      .Case([&](WhereOp) {
        os << "where(" << in[0] << ", " << in[1] << ", " << in[2] << ", "
           << out[0] << ");";
        return success();
      })
      .Case([&](CastOp) {
        os << "cast(" << in[0] << ", " << out[0] << ");";
        return success();
      })
      .Case([&](MatmulOp) {
        os << "matmul(" << in[0] << ", " << in[1] << ", " << out[0] << ");";
        return success();
      })
      .Case([&](LinearOp linear) {
        std::string bias = "nullptr";
        if (linear.getBias())
          os << "TensorView bias = " << in[2] << ";\n", bias = "&bias";
        os << "linear(" << in[0] << ", " << in[1] << ", " << bias << ", "
           << (linear.getTransposeW() ? "true" : "false") << ", " << out[0]
           << ");";
        return success();
      })
      .Case([&](SoftmaxOp s) {
        os << "softmax(" << in[0] << ", " << s.getAxis() << ", " << out[0]
           << ");";
        return success();
      })
      .Case([&](LogSoftmaxOp s) {
        os << "logSoftmax(" << in[0] << ", " << s.getAxis() << ", " << out[0]
           << ");";
        return success();
      })
      .Case([&](LayerNormOp norm) {
        size_t next = 1;
        std::string scale = "nullptr", bias = "nullptr";
        if (norm.getScale())
          os << "TensorView scale = " << in[next++] << ";\n", scale = "&scale";
        if (norm.getBias())
          os << "TensorView bias = " << in[next++] << ";\n", bias = "&bias";
        os << "layerNorm(" << in[0] << ", " << scale << ", " << bias << ", "
           << norm.getAxis() << ", "
           << llvm::formatv("{0:e}", norm.getEpsilon().convertToDouble())
           << ", " << out[0] << ");";
        return success();
      })
      .Case([&](RmsNormOp norm) {
        std::string scale = "nullptr";
        if (norm.getScale())
          os << "TensorView scale = " << in[1] << ";\n", scale = "&scale";
        os << "rmsNorm(" << in[0] << ", " << scale << ", " << norm.getAxis()
           << ", "
           << llvm::formatv("{0:e}", norm.getEpsilon().convertToDouble())
           << ", " << out[0] << ");";
        return success();
      })
      .Case([&](ReduceOp reduce) {
        os << "reduce(ReduceKind::" << reduceName(reduce.getKind()) << ", "
           << in[0] << ", " << intList(reduce.getAxes()) << ", "
           << (reduce.getKeepdims() ? "true" : "false") << ", " << out[0]
           << ");";
        return success();
      })
      .Case([&](CrossEntropyOp loss) {
        std::string ignore = "std::nullopt";
        if (IntegerAttr attr = loss.getIgnoreIndexAttr())
          ignore = "std::optional<int64_t>(" +
                   std::to_string(attr.getValue().getSExtValue()) + ")";
        os << "crossEntropy(" << in[0] << ", " << in[1]
           << ", LossReduction::" << lossName(loss.getReduction()) << ", "
           << ignore << ", " << out[0] << ");";
        return success();
      })
      .Case([&](GatherOp gather) {
        if (isShardedGather(gather)) {
          auto global = cast<RankedTensorType>(getGlobalType(gather.getData()));
          int64_t axis = gather.getAxis();
          os << "gatherSharded(" << in[0] << ", " << in[1] << ", " << axis
             << ", " << global.getDimSize(axis) << ", ctx.pieceOffset("
             << intList(global.getShape()) << ", \""
             << sbp::str(getExpectedSbp(gather, 0).getNdSbp()) << "\", " << axis
             << "), " << out[0] << ");";
          return success();
        }
        os << "gather(" << in[0] << ", " << in[1] << ", " << gather.getAxis()
           << ", " << out[0] << ");";
        return success();
      })
      .Case([&](ScatterAddOp scatter) {
        os << "scatterAdd(" << in[0] << ", " << in[1] << ", "
           << scatter.getAxis() << ", " << out[0] << ");";
        return success();
      })
      .Case([&](ReshapeOp) {
        os << "copy(contiguousView(" << in[0] << ".data, " << in[0] << ".type, "
           << out[0] << ".shape, " << out[0] << ".rank), " << out[0] << ");";
        return success();
      })
      .Case([&](TransposeOp t) {
        os << "transpose(" << in[0] << ", " << intList(t.getPerm()) << ", "
           << out[0] << ");";
        return success();
      })
      .Case([&](ExpandOp) {
        os << "expand(" << in[0] << ", " << out[0] << ");";
        return success();
      })
      .Case([&](ConcatOp c) {
        os << "concat(" << viewList(in) << ", " << c.getAxis() << ", " << out[0]
           << ");";
        return success();
      })
      .Case([&](SplitOp s) {
        os << "split(" << in[0] << ", " << s.getAxis() << ", " << viewList(out)
           << ");";
        return success();
      })
      .Case([&](SliceOp s) {
        os << "slice(" << in[0] << ", " << intList(s.getOffsets()) << ", "
           << intList(s.getStrides()) << ", " << out[0] << ");";
        return success();
      })
      .Case([&](TriluOp t) {
        os << "trilu(" << in[0] << ", " << (t.getUpper() ? "true" : "false")
           << ", " << t.getK() << ", " << out[0] << ");";
        return success();
      })
      .Case([&](AdamWOp adam) {
        os << "adamw(" << floats(in[0]) << ", " << floats(in[1]) << ", "
           << floats(in[2]) << ", " << floats(in[3]) << ", " << floats(out[0])
           << ", " << floats(out[1]) << ", " << floats(out[2]) << ", "
           << adam.getParam().getType().getNumElements() << ", "
           << floats(in[4]) << ");";
        return success();
      })
      .Case([&](SgdOp sgd) {
        os << "sgd(" << floats(in[0]) << ", " << floats(in[1]) << ", "
           << floats(in[2]) << ", " << floats(out[0]) << ", " << floats(out[1])
           << ", " << sgd.getParam().getType().getNumElements() << ", "
           << floats(in[3]) << ");";
        return success();
      })
      .Case([&](AccumulateOp acc) -> LogicalResult {
        if (!acc.getType().getElementType().isF32())
          return acc.emitOpError("the CPU target accumulates f32 values "
                                 "only, not ")
                 << acc.getType();
        // a.piece is the micro-batch of the step.
        os << "accumulateMean(" << floats(in[0]) << ", " << floats(out[0])
           << ", " << acc.getType().getNumElements() << ", a.piece, "
           << acc.getMicroBatches() << ");";
        return success();
      })
      .Case([&](AssignOp) {
        // in[0] views the parameter's persistent storage.
        os << "copy(" << in[1] << ", " << in[0] << ");";
        return success();
      })
      .Default(
          [&](Operation *) { return op->emitOpError("has no CPU kernel"); });
}
