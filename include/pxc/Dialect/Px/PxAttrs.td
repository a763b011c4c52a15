//===- PxAttrs.td - px attributes --------------------------*- tablegen -*-===//

#ifndef PXC_DIALECT_PX_PXATTRS_TD
#define PXC_DIALECT_PX_PXATTRS_TD

include "pxc/Dialect/Px/PxBase.td"
include "mlir/IR/BuiltinAttributeInterfaces.td"

//===----------------------------------------------------------------------===//
// Enums
//===----------------------------------------------------------------------===//

def Px_ReduceKind : I32EnumAttr<"ReduceKind", "reduction", [
    I32EnumAttrCase<"sum", 0>, I32EnumAttrCase<"mean", 1>,
    I32EnumAttrCase<"max", 2>, I32EnumAttrCase<"min", 3>]> {
  let cppNamespace = "::pxc::px";
}

def Px_CompareKind : I32EnumAttr<"CompareKind", "comparison", [
    I32EnumAttrCase<"eq", 0>, I32EnumAttrCase<"ne", 1>,
    I32EnumAttrCase<"lt", 2>, I32EnumAttrCase<"le", 3>,
    I32EnumAttrCase<"gt", 4>, I32EnumAttrCase<"ge", 5>]> {
  let cppNamespace = "::pxc::px";
}

def Px_GeluApprox : I32EnumAttr<"GeluApprox", "GELU approximation", [
    I32EnumAttrCase<"none", 0>, I32EnumAttrCase<"tanh", 1>]> {
  let cppNamespace = "::pxc::px";
}

def Px_LossReduction : I32EnumAttr<"LossReduction", "loss reduction", [
    I32EnumAttrCase<"none", 0>, I32EnumAttrCase<"sum", 1>,
    I32EnumAttrCase<"mean", 2>]> {
  let cppNamespace = "::pxc::px";
}

def Px_InitKind : I32EnumAttr<"InitKind", "parameter initializer", [
    I32EnumAttrCase<"zeros", 0>, I32EnumAttrCase<"ones", 1>,
    I32EnumAttrCase<"normal", 2>, I32EnumAttrCase<"uniform", 3>]> {
  let cppNamespace = "::pxc::px";
  let genSpecializedAttr = 0;
}

//===----------------------------------------------------------------------===//
// Attributes
//===----------------------------------------------------------------------===//

def Px_SbpAttr : Px_Attr<"Sbp", "sbp"> {
  let summary = "N-D SBP distribution: one S(dim) / B / P(sum|max) per mesh axis";
  let description = [{
    `#px.sbp<[S(0), B]>` says that, on a 2-D mesh, the tensor is split along
    its dimension 0 over mesh axis 0 and replicated over mesh axis 1. Uneven
    splits are allowed: the remainder goes to the first ranks of the axis.
  }];
  let parameters = (ins ArrayRefParameter<"::pxc::sbp::Sbp1D", "">:$dims);
  let hasCustomAssemblyFormat = 1;
  let genVerifyDecl = 1;
  let extraClassDeclaration = [{
    ::pxc::sbp::NdSbp getNdSbp() const {
      return ::pxc::sbp::NdSbp(getDims().begin(), getDims().end());
    }
  }];
}

def Px_ExternalDataAttr : Px_Attr<"ExternalData", "external"> {
  let summary = "Parameter data stored in a file (raw little-endian, row-major)";
  let description = [{
    `#px.external<"model.onnx", offset = 1024, size = 4096>` refers to `size`
    bytes at byte `offset` of a file, so that large weights stay out of the
    IR. Relative paths are resolved against the current directory.
  }];
  let parameters = (ins StringRefParameter<"file path">:$path,
                        "uint64_t":$offset, "uint64_t":$size);
  let assemblyFormat = "`<` $path `,` `offset` `=` $offset `,` `size` `=` $size `>`";
}

def Px_InitializerAttr : Px_Attr<"Initializer", "init"> {
  let summary = "Seeded parameter initializer";
  let description = [{
    `#px.init<normal, 0.0, 0.02>` draws from N(mean, std);
    `#px.init<uniform, -0.1, 0.1>` from U(low, high); `#px.init<zeros>` and
    `#px.init<ones>` fill. The random stream is derived from the job seed and
    the parameter name, so every parallel layout draws the same values.
  }];
  let parameters = (ins EnumParameter<Px_InitKind>:$kind,
                        APFloatParameter<"">:$a, APFloatParameter<"">:$b);
  let hasCustomAssemblyFormat = 1;
  let genVerifyDecl = 1;
}

#endif // PXC_DIALECT_PX_PXATTRS_TD
