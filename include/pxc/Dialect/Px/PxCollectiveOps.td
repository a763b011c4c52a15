//===- PxCollectiveOps.td - px collectives (boxing) --------*- tablegen -*-===//
//
// The steps px-insert-boxing materializes: each changes how a tensor is
// distributed along one mesh axis, in the global view (operand and result
// have the same global type; `px.sbp` on the result says the new
// distribution).
//
//===----------------------------------------------------------------------===//

#ifndef PXC_DIALECT_PX_PXCOLLECTIVEOPS_TD
#define PXC_DIALECT_PX_PXCOLLECTIVEOPS_TD

include "pxc/Dialect/Px/PxBase.td"
include "pxc/Dialect/Px/PxInterfaces.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

def Px_PartialReduce : I32EnumAttr<"PartialReduce",
    "reduction of a partial value", [
    I32EnumAttrCase<"sum", 0>, I32EnumAttrCase<"max", 1>]> {
  let cppNamespace = "::pxc::px";
}

def Px_NonNegativeI64 : ConfinedAttr<I64Attr, [IntNonNegative]>;

// In the global view operand and result share the global type; in a
// per-rank function (px.ranks, after px-spmdize) they are the local pieces
// before and after. The group of a rank is the set
// of ranks whose mesh coordinates differ from its own only on `mesh_axis`;
// `c` is the rank's coordinate on that axis and `p` the axis' size. A
// "piece" is what the group shares: the tensor as distributed by the other
// axes (N-D SBPs read hierarchically, see docs/px-dialect.md).
class Px_CollectiveOp<string mnemonic, Type type, dag attributes,
                      string format>
    : Px_Op<mnemonic, [Pure, SameOperandsAndResultElementType,
                       SameOperandsAndResultRank, Px_CollectiveOpInterface]> {
  let arguments = !con((ins type:$input), attributes,
                       (ins Px_NonNegativeI64:$mesh_axis));
  let results = (outs type:$result);
  let assemblyFormat = format # " `mesh_axis` `=` $mesh_axis attr-dict `:` "
                       "custom<CollectiveTypes>(type($input), type($result))";
  let extraClassDeclaration = [{
    /// The entry of mesh axis `mesh_axis` before and after the op.
    ::pxc::sbp::Sbp1D getInputSbp();
    ::pxc::sbp::Sbp1D getOutputSbp();
  }];
}

def Px_AllReduceOp : Px_CollectiveOp<"all_reduce", Px_NumTensor,
    (ins Px_PartialReduce:$reduce), "$reduce $input"> {
  let summary = "P(sum|max) -> B: every rank gets the group's reduction";
  let description = [{
    ```mlir
    %y = px.all_reduce sum %x mesh_axis = 0 : tensor<8x16xf32>
    ```
    Every rank of a group receives the sum (or maximum) of the group's
    addends.
  }];
}

def Px_ReduceScatterOp : Px_CollectiveOp<"reduce_scatter", Px_NumTensor,
    (ins Px_PartialReduce:$reduce, Px_NonNegativeI64:$dim),
    "$reduce $input `dim` `=` $dim"> {
  let summary = "P(sum|max) -> S(dim): each rank gets its chunk of the reduction";
  let description = [{
    ```mlir
    %y = px.reduce_scatter sum %x dim = 0 mesh_axis = 1 : tensor<8x16xf32>
    ```
    Rank `c` receives chunk `c` (along `dim`, uneven splits put the
    remainder on the first ranks) of the group's reduction.
  }];
}

def Px_AllGatherOp : Px_CollectiveOp<"all_gather", Px_Tensor,
    (ins Px_NonNegativeI64:$dim), "$input `dim` `=` $dim"> {
  let summary = "S(dim) -> B: every rank gets the concatenated chunks";
  let description = [{
    ```mlir
    %y = px.all_gather %x dim = 1 mesh_axis = 0 : tensor<8x16xf32>
    ```
    Every rank receives the group's chunks concatenated along `dim`.
  }];
}

def Px_AllToAllOp : Px_CollectiveOp<"all_to_all", Px_Tensor,
    (ins Px_NonNegativeI64:$src_dim, Px_NonNegativeI64:$dst_dim),
    "$input `src_dim` `=` $src_dim `dst_dim` `=` $dst_dim"> {
  let summary = "S(src_dim) -> S(dst_dim): re-split a tensor along another dim";
  let description = [{
    ```mlir
    %y = px.all_to_all %x src_dim = 0 dst_dim = 1 mesh_axis = 0 : tensor<8x16xf32>
    ```
    Rank `c` cuts its chunk into `p` parts along `dst_dim` and sends part
    `k` to rank `k`; it concatenates what it receives along `src_dim`.
  }];
}

def Px_LocalSliceOp : Px_CollectiveOp<"local_slice", Px_Tensor,
    (ins Px_NonNegativeI64:$dim), "$input `dim` `=` $dim"> {
  let summary = "B -> S(dim): each rank keeps its chunk (no communication)";
  let description = [{
    ```mlir
    %y = px.local_slice %x dim = 0 mesh_axis = 1 : tensor<8x16xf32>
    ```
    Rank `c` keeps chunk `c` of its copy along `dim`.
  }];
}

def Px_LocalMaskOp : Px_CollectiveOp<"local_mask", Px_NumTensor,
    (ins Px_PartialReduce:$reduce), "$reduce $input"> {
  let summary = "B -> P(sum|max): a partial value (no communication)";
  let description = [{
    ```mlir
    %y = px.local_mask sum %x mesh_axis = 0 : tensor<8x16xf32>
    ```
    `sum`: the rank with coordinate 0 keeps its copy and the others hold
    zeros, so that the sum over the group is the value. `max`: every rank
    keeps its copy (the maximum of equal copies is the value); no data
    changes.
  }];
}

def Px_LocalPadOp : Px_CollectiveOp<"local_pad", Px_NumTensor,
    (ins Px_PartialReduce:$reduce, Px_NonNegativeI64:$dim),
    "$reduce $input `dim` `=` $dim"> {
  let summary = "S(dim) -> P(sum|max): each rank pads its chunk to the piece";
  let description = [{
    ```mlir
    %y = px.local_pad sum %x dim = 0 mesh_axis = 0 : tensor<8x16xf32>
    ```
    Rank `c` places its chunk at chunk `c`'s offset along `dim` in a buffer
    of the unsplit size filled with the reduction's identity (0 for `sum`,
    -inf, or the lowest integer, for `max`).
  }];
}

#endif // PXC_DIALECT_PX_PXCOLLECTIVEOPS_TD
