//===- TestSbpSignatures.cpp - px-test-sbp-signatures ---------------------===//

#include "pxc/Dialect/Px/PxOps.h"
#include "pxc/Dialect/Px/SbpSignatures.h"
#include "pxc/Passes/Passes.h"
#include "pxc/Support/LLVM.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "llvm/Support/Format.h"

namespace pxc {
#define GEN_PASS_DEF_TESTSBPSIGNATURES
#include "pxc/Passes/Passes.h.inc"
} // namespace pxc

using namespace pxc;
using namespace pxc::px;

namespace {
struct TestSbpSignaturesPass
    : pxc::impl::TestSbpSignaturesBase<TestSbpSignaturesPass> {
  using TestSbpSignaturesBase::TestSbpSignaturesBase;

  void runOnOperation() override {
    if (llvm::any_of(mesh, [](int64_t size) { return size <= 0; })) {
      getOperation().emitError("mesh sizes must be positive");
      return signalPassFailure();
    }
    llvm::raw_ostream &os = llvm::errs();
    for (auto func : getOperation().getOps<func::FuncOp>()) {
      os << "@" << func.getSymName() << "\n";
      func.walk([&](SbpInterface op) { print(os, op); });
    }
  }

  void print(llvm::raw_ostream &os, SbpInterface op) {
    os << "  " << op->getName() << ": "
       << llvm::format("%.0f", op.getComputeFlops()) << " flops\n";
    for (const SbpSignature &signature : getSortedSbpSignatures(op))
      os << "    " << signature << "\n";
    if (mesh.empty())
      return;
    SmallVector<NdSbpSignature> signatures;
    getNdSbpSignatures(op, mesh, signatures);
    os << "    mesh [";
    llvm::interleaveComma(mesh, os);
    os << "]: " << signatures.size() << " N-D signatures\n";
    if (printNd)
      for (const NdSbpSignature &signature : signatures)
        os << "      " << signature << "\n";
  }
};
} // namespace
