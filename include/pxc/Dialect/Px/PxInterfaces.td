//===- PxInterfaces.td - px op interfaces ------------------*- tablegen -*-===//

#ifndef PXC_DIALECT_PX_PXINTERFACES_TD
#define PXC_DIALECT_PX_PXINTERFACES_TD

include "mlir/IR/OpBase.td"

def Px_SbpInterface : OpInterface<"SbpInterface"> {
  let cppNamespace = "::pxc::px";
  let description = [{
    The ways an op can run distributed over one mesh axis: each signature
    gives one S(dim) / B / P(sum|max) entry per operand and per result, such
    that running the op on every rank's local pieces (local shapes, the
    op's attributes unchanged unless the signature's kernel rule says
    otherwise) produces the result distributed as the signature says.

    N-D signatures are products of 1-D ones over the mesh axes; see
    `getNdSbpSignatures` in pxc/Dialect/Px/SbpSignatures.h, which also drops
    the ones whose split dimensions do not fit the shapes.
  }];
  let methods = [
    InterfaceMethod<[{
        Appends the valid 1-D signatures along one mesh axis. They depend on
        the operand shapes (broadcasting, reshape groups) but not on the mesh;
        the order is the op's own and may repeat entries
        (`getSortedSbpSignatures` canonicalizes).
      }], "void", "getSbpSignatures",
      (ins "::llvm::SmallVectorImpl<::pxc::px::SbpSignature> &":$signatures)>,
    InterfaceMethod<[{
        FLOPs of one global (serial) evaluation: 2 per multiply-add of a
        matrix product, a fixed count per element for the other ops (see
        dialects/px/SbpRules.cpp). Meant for relative compute cost.
      }], "double", "getComputeFlops">,
    InterfaceMethod<[{
        Whether an N-D product of this op's 1-D signatures, whose split
        dimensions fit the shapes, is valid on `mesh`. Only ops whose
        validity depends on where the split boundaries fall (reshape) need
        more than the default.
      }], "bool", "isValidNdSbpSignature",
      (ins "const ::pxc::px::NdSbpSignature &":$signature,
           "::llvm::ArrayRef<int64_t>":$mesh),
      /*methodBody=*/"", /*defaultImplementation=*/"return true;">,
  ];
}

def Px_AutodiffInterface : OpInterface<"AutodiffInterface"> {
  let cppNamespace = "::pxc::px";
  let description = [{
    The op's vector-Jacobian product (reverse-mode rule), used by
    `px-autodiff`. Given the cotangents of the op's results, the rule builds
    (with `builder`, whose insertion point it leaves after the new ops) the
    cotangents of its operands: `sum_j resultGrad_j * d result_j / d operand_i`,
    each with the operand's type. Rules compose existing px ops (they may
    recompute forward intermediates), so every backward op gets its own SBP
    signature later.
  }];
  let methods = [
    InterfaceMethod<[{
        `resultGrads` has one entry per result, null where a result has no
        cotangent (at least one is non-null). `operandNeeded[i]` says whether
        operand `i`'s cotangent is wanted; the rule fills `operandGrads` (one
        entry per operand) and leaves it null where the operand is not
        wanted or not differentiable (integer and bool tensors, comparison
        results, gather indices, cross-entropy labels). Failure means a
        diagnostic was emitted at the op.
      }], "::llvm::LogicalResult", "buildVjp",
      (ins "::mlir::OpBuilder &":$builder,
           "::llvm::ArrayRef<::mlir::Value>":$resultGrads,
           "::llvm::ArrayRef<bool>":$operandNeeded,
           "::llvm::SmallVectorImpl<::mlir::Value> &":$operandGrads)>,
  ];
}

def Px_CollectiveOpInterface : OpInterface<"CollectiveOpInterface"> {
  let cppNamespace = "::pxc::px";
  let description = [{
    A boxing step (`px.all_reduce`, `px.all_gather`, ...): it changes how
    its operand is distributed along one mesh axis and leaves the global
    value and type unchanged. The verifier checks the axis against the mesh,
    split dimensions against the rank, and that the producer's `px.sbp` and
    the op's own agree with what the op does on that axis.
  }];
  let methods = [
    InterfaceMethod<"The mesh axis the op runs over.", "int64_t",
                    "getMeshAxis">,
    InterfaceMethod<"The entry of that axis before the op.",
                    "::pxc::sbp::Sbp1D", "getInputSbp">,
    InterfaceMethod<"The entry of that axis after the op.",
                    "::pxc::sbp::Sbp1D", "getOutputSbp">,
  ];
  let verify = [{ return ::pxc::px::verifyCollectiveOp($_op); }];
}

#endif // PXC_DIALECT_PX_PXINTERFACES_TD
