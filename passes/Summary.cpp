//===- Summary.cpp - px-summary: print a model summary --------------------===//

#include "pxc/Passes/Summary.h"
#include "pxc/Dialect/Px/PxOps.h"
#include "pxc/Passes/Passes.h"
#include "pxc/Support/LLVM.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Support/FileUtilities.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/ToolOutputFile.h"

namespace pxc {
#define GEN_PASS_DEF_SUMMARY
#include "pxc/Passes/Passes.h.inc"
} // namespace pxc

using namespace pxc;

namespace {
struct SummaryPass : pxc::impl::SummaryBase<SummaryPass> {
  using SummaryBase::SummaryBase;

  void runOnOperation() override {
    std::string error;
    std::unique_ptr<llvm::ToolOutputFile> file;
    if (outputFile != "-") {
      file = openOutputFile(outputFile, &error);
      if (!file) {
        getOperation().emitError() << error;
        return signalPassFailure();
      }
      file->keep();
    }
    printSummary(getOperation(), file ? file->os() : llvm::errs());
  }
};
} // namespace

static std::string typeStr(Type type) {
  std::string out;
  llvm::raw_string_ostream os(out);
  os << type;
  return out;
}

/// "1.5 KiB" style sizes.
static std::string bytesStr(double bytes) {
  const char *units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  int unit = 0;
  while (bytes >= 1024 && unit < 4) {
    bytes /= 1024;
    ++unit;
  }
  return llvm::formatv("{0:F1} {1}", bytes, units[unit]).str();
}

/// FLOPs of one evaluation of a matmul-like op (2 per multiply-add).
static int64_t matmulFlops(Operation *op) {
  if (auto matmul = dyn_cast<px::MatmulOp>(op)) {
    int64_t k = matmul.getLhs().getType().getShape().back();
    return 2 * matmul.getType().getNumElements() * k;
  }
  if (auto linear = dyn_cast<px::LinearOp>(op)) {
    int64_t k = linear.getInput().getType().getShape().back();
    return 2 * linear.getType().getNumElements() * k;
  }
  return 0;
}

static void printValues(llvm::raw_ostream &os, StringRef title,
                        ArrayRef<Type> types,
                        llvm::function_ref<StringAttr(unsigned)> nameOf) {
  os << "  " << title << " (" << types.size() << "):\n";
  for (auto [i, type] : llvm::enumerate(types)) {
    StringAttr name = nameOf(i);
    os << "    " << (name ? name.str() : "#" + std::to_string(i)) << ": "
       << typeStr(type) << "\n";
  }
}

void pxc::printSummary(ModuleOp module, llvm::raw_ostream &os) {
  for (auto mesh : module.getOps<px::MeshOp>()) {
    os << "mesh @" << mesh.getSymName() << ": ";
    llvm::interleave(mesh.getShape(), os, "x");
    os << " (";
    for (unsigned i = 0, e = mesh.getShape().size(); i < e; ++i)
      os << (i ? ", " : "") << mesh.getAxisName(i);
    os << "), " << mesh.getNumDevices() << " devices\n";
  }
  for (auto func : module.getOps<func::FuncOp>()) {
    os << "function @" << func.getSymName() << "\n";
    if (auto ranks = func->getAttrOfType<DenseI64ArrayAttr>(
            px::PxDialect::kRanksAttrName)) {
      os << "  runs on ranks: ";
      llvm::interleaveComma(ranks.asArrayRef(), os);
      os << " (local shapes)\n";
    }
    printValues(os, "inputs", func.getArgumentTypes(), [&](unsigned i) {
      return func.getArgAttrOfType<StringAttr>(i, px::PxDialect::kNameAttrName);
    });
    printValues(os, "outputs", func.getResultTypes(), [&](unsigned i) {
      return func.getResultAttrOfType<StringAttr>(i,
                                                  px::PxDialect::kNameAttrName);
    });

    int64_t params = 0, frozen = 0, elements = 0, bytes = 0, flops = 0;
    llvm::StringMap<int64_t> histogram;
    int64_t numOps = 0;
    func.walk([&](Operation *op) {
      if (op == func.getOperation())
        return;
      ++numOps;
      ++histogram[op->getName().getStringRef()];
      flops += matmulFlops(op);
      if (auto param = dyn_cast<px::ParameterOp>(op)) {
        RankedTensorType type = param.getType();
        ++params;
        frozen += param.getFrozen();
        elements += type.getNumElements();
        bytes += type.getNumElements() *
                 llvm::divideCeil(type.getElementTypeBitWidth(), 8);
      }
    });
    os << "  parameters: " << params << " tensors (" << frozen << " frozen), "
       << elements << " elements, " << bytesStr(bytes) << "\n";
    os << "  matmul FLOPs per evaluation: " << flops << "\n";
    os << "  ops (" << numOps << "):\n";
    SmallVector<std::pair<StringRef, int64_t>> sorted;
    for (auto &entry : histogram)
      sorted.push_back({entry.getKey(), entry.getValue()});
    llvm::sort(sorted, [](auto &a, auto &b) {
      return a.second != b.second ? a.second > b.second : a.first < b.first;
    });
    for (auto &[name, count] : sorted)
      os << llvm::formatv("    {0,-20} {1}\n", name, count);
  }
}
