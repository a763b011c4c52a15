//===- PxOps.td - px operations ----------------------------*- tablegen -*-===//

#ifndef PXC_DIALECT_PX_PXOPS_TD
#define PXC_DIALECT_PX_PXOPS_TD

include "pxc/Dialect/Px/PxBase.td"
include "pxc/Dialect/Px/PxAttrs.td"
include "pxc/Dialect/Px/PxInterfaces.td"
include "mlir/IR/SymbolInterfaces.td"
include "mlir/Interfaces/InferTypeOpInterface.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

//===----------------------------------------------------------------------===//
// Mesh, parameters and constants
//===----------------------------------------------------------------------===//

def Px_MeshOp : Px_Op<"mesh", [Symbol]> {
  let summary = "A named N-D device mesh";
  let description = [{
    ```mlir
    px.mesh @mesh shape = [2, 4] axes = ["data", "model"]
    ```
    Declares a mesh of `prod(shape)` devices. `px.sbp` attributes have one
    entry per mesh axis. Axis names are optional; unnamed axes print as
    `axis0`, `axis1`, ... in diagnostics.
  }];
  let arguments = (ins SymbolNameAttr:$sym_name, DenseI64ArrayAttr:$shape,
                       OptionalAttr<StrArrayAttr>:$axes);
  let assemblyFormat = "$sym_name `shape` `=` $shape (`axes` `=` $axes^)? attr-dict";
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    int64_t getNumDevices();
    /// Name of mesh axis `i` (`axisI` when unnamed).
    std::string getAxisName(unsigned i);
  }];
}

def Px_ParameterOp : Px_Op<"parameter", [Pure,
    DeclareOpInterfaceMethods<Px_SbpInterface>]> {
  let summary = "A named model parameter (weights) with its initial value";
  let description = [{
    ```mlir
    %w = px.parameter "h.0.attn.c_attn.weight" : tensor<96x96xf32>
           init = #px.external<"gpt.onnx", offset = 4096, size = 36864>
    %b = px.parameter "ln.bias" : tensor<96xf32> init = #px.init<zeros>
    %s = px.parameter "scale" frozen : tensor<96xf32>
           init = dense<1.0> : tensor<96xf32>
    ```
    `init` is a dense elements attribute (small values inline), an
    `#px.external` reference into a file (large weights stay out of the IR),
    or a seeded `#px.init` initializer. Without `init` the value comes from a
    checkpoint. Parameters are trainable unless marked `frozen`.
  }];
  let arguments = (ins StrAttr:$name, UnitAttr:$frozen,
                       OptionalAttr<AnyAttr>:$init);
  let results = (outs Px_Tensor:$result);
  let assemblyFormat = [{
    $name (`frozen` $frozen^)? `:` type($result) (`init` `=` $init^)? attr-dict
  }];
  let hasVerifier = 1;
}

def Px_ConstantOp : Px_Op<"constant", [ConstantLike, Pure,
    AllTypesMatch<["value", "result"]>,
    DeclareOpInterfaceMethods<Px_SbpInterface>]> {
  let summary = "A constant tensor";
  let arguments = (ins ElementsAttr:$value);
  let results = (outs Px_Tensor:$result);
  let assemblyFormat = "attr-dict $value";
  let hasFolder = 1;
  let builders = [OpBuilder<(ins "::mlir::ElementsAttr":$value), [{
    build($_builder, $_state, value.getType(), value);
  }]>];
}

//===----------------------------------------------------------------------===//
// Linear algebra
//===----------------------------------------------------------------------===//

def Px_MatmulOp : Px_Op<"matmul", [Pure, InferTypeOpAdaptor,
    DeclareOpInterfaceMethods<Px_SbpInterface>,
    DeclareOpInterfaceMethods<Px_AutodiffInterface>]> {
  let summary = "Batched matrix product with broadcasting batch dimensions";
  let description = [{
    `[..., M, K] x [..., K, N] -> [..., M, N]`; the batch dimensions follow
    numpy broadcasting. Both operands have rank >= 2.
  }];
  let arguments = (ins Px_FloatTensor:$lhs, Px_FloatTensor:$rhs);
  let results = (outs Px_FloatTensor:$result);
  let assemblyFormat = "$lhs `,` $rhs attr-dict `:` functional-type(operands, results)";
  // A product with a 2-D weight is px.linear (a transposed weight folds into
  // transpose_w).
  let hasCanonicalizer = 1;
}

def Px_LinearOp : Px_Op<"linear", [Pure, InferTypeOpAdaptor,
    DeclareOpInterfaceMethods<Px_SbpInterface>,
    DeclareOpInterfaceMethods<Px_AutodiffInterface>]> {
  let summary = "Affine map y = x W (+ b), the weight optionally transposed";
  let description = [{
    `x: [..., K]`, `w: [K, N]` (or `[N, K]` with `transpose_w`, PyTorch's
    `nn.Linear` layout), optional `b: [N]`; result `[..., N]`.
  }];
  let arguments = (ins Px_FloatTensor:$input, Px_FloatTensor:$weight,
                       Optional<Px_FloatTensor>:$bias, UnitAttr:$transpose_w);
  let results = (outs Px_FloatTensor:$result);
  let assemblyFormat = [{
    $input `,` $weight (`,` $bias^)? attr-dict `:` functional-type(operands, results)
  }];
}

//===----------------------------------------------------------------------===//
// Elementwise
//===----------------------------------------------------------------------===//

// Binary ops broadcast their operands numpy-style; the element types match.
class Px_BinaryOp<string mnemonic, Type operandType, list<Trait> traits = []>
    : Px_Op<mnemonic, traits # [Pure, InferTypeOpAdaptor,
                                SameOperandsElementType,
                                DeclareOpInterfaceMethods<Px_SbpInterface>,
                                DeclareOpInterfaceMethods<Px_AutodiffInterface>]> {
  let arguments = (ins operandType:$lhs, operandType:$rhs);
  let results = (outs operandType:$result);
  let assemblyFormat = "$lhs `,` $rhs attr-dict `:` functional-type(operands, results)";
  let extraClassDefinition = [{
    ::llvm::LogicalResult $cppClass::inferReturnTypes(
        ::mlir::MLIRContext *, std::optional<::mlir::Location> loc,
        Adaptor adaptor, ::llvm::SmallVectorImpl<::mlir::Type> &types) {
      return inferBroadcastType(loc, {adaptor.getLhs(), adaptor.getRhs()},
                                /*elementType=*/nullptr, types);
    }
  }];
}

def Px_AddOp : Px_BinaryOp<"add", Px_NumTensor, [Commutative]> {
  let summary = "Elementwise sum";
  let hasFolder = 1;
  // A bias added to a bias-free px.linear becomes its bias.
  let hasCanonicalizer = 1;
}
def Px_SubOp : Px_BinaryOp<"sub", Px_NumTensor> {
  let summary = "Elementwise difference";
  let hasFolder = 1;
}
def Px_MulOp : Px_BinaryOp<"mul", Px_NumTensor, [Commutative]> {
  let summary = "Elementwise product";
  let hasFolder = 1;
}
def Px_DivOp : Px_BinaryOp<"div", Px_NumTensor> {
  let summary = "Elementwise quotient (integer division truncates)";
  let hasFolder = 1;
}
def Px_PowOp : Px_BinaryOp<"pow", Px_FloatTensor> {
  let summary = "Elementwise power";
}
def Px_MaxOp : Px_BinaryOp<"max", Px_NumTensor, [Commutative]> {
  let summary = "Elementwise maximum";
}
def Px_MinOp : Px_BinaryOp<"min", Px_NumTensor, [Commutative]> {
  let summary = "Elementwise minimum";
}
def Px_AndOp : Px_BinaryOp<"and", Px_BoolTensor, [Commutative]> {
  let summary = "Elementwise logical and";
}
def Px_OrOp : Px_BinaryOp<"or", Px_BoolTensor, [Commutative]> {
  let summary = "Elementwise logical or";
}

def Px_CompareOp : Px_Op<"compare", [Pure, InferTypeOpAdaptor,
    SameOperandsElementType, DeclareOpInterfaceMethods<Px_SbpInterface>,
    DeclareOpInterfaceMethods<Px_AutodiffInterface>]> {
  let summary = "Elementwise comparison producing i1";
  let arguments = (ins Px_CompareKind:$kind, Px_Tensor:$lhs,
                       Px_Tensor:$rhs);
  let results = (outs Px_BoolTensor:$result);
  let assemblyFormat = [{
    $kind `,` $lhs `,` $rhs attr-dict `:` functional-type(operands, results)
  }];
}

def Px_WhereOp : Px_Op<"where", [Pure, InferTypeOpAdaptor,
    DeclareOpInterfaceMethods<Px_SbpInterface>,
    DeclareOpInterfaceMethods<Px_AutodiffInterface>]> {
  let summary = "Elementwise select: cond ? lhs : rhs, broadcasting all three";
  let arguments = (ins Px_BoolTensor:$condition, Px_Tensor:$lhs,
                       Px_Tensor:$rhs);
  let results = (outs Px_Tensor:$result);
  let assemblyFormat = [{
    $condition `,` $lhs `,` $rhs attr-dict `:` functional-type(operands, results)
  }];
}

class Px_UnaryOp<string mnemonic, Type type, list<Trait> traits = []>
    : Px_Op<mnemonic, traits # [Pure, SameOperandsAndResultType,
                                DeclareOpInterfaceMethods<Px_SbpInterface>,
                                DeclareOpInterfaceMethods<Px_AutodiffInterface>]> {
  let arguments = (ins type:$input);
  let results = (outs type:$result);
  let assemblyFormat = "$input attr-dict `:` type($result)";
}

def Px_NegOp : Px_UnaryOp<"neg", Px_NumTensor> { let summary = "-x"; }
def Px_AbsOp : Px_UnaryOp<"abs", Px_NumTensor> { let summary = "|x|"; }
def Px_ExpOp : Px_UnaryOp<"exp", Px_FloatTensor> { let summary = "e^x"; }
def Px_LogOp : Px_UnaryOp<"log", Px_FloatTensor> { let summary = "ln x"; }
def Px_SqrtOp : Px_UnaryOp<"sqrt", Px_FloatTensor> { let summary = "sqrt(x)"; }
def Px_RsqrtOp : Px_UnaryOp<"rsqrt", Px_FloatTensor> {
  let summary = "1 / sqrt(x)";
}
def Px_ReciprocalOp : Px_UnaryOp<"reciprocal", Px_FloatTensor> {
  let summary = "1 / x";
}
def Px_TanhOp : Px_UnaryOp<"tanh", Px_FloatTensor> { let summary = "tanh(x)"; }
def Px_ErfOp : Px_UnaryOp<"erf", Px_FloatTensor> { let summary = "erf(x)"; }
def Px_SinOp : Px_UnaryOp<"sin", Px_FloatTensor> { let summary = "sin(x)"; }
def Px_CosOp : Px_UnaryOp<"cos", Px_FloatTensor> { let summary = "cos(x)"; }
def Px_ReluOp : Px_UnaryOp<"relu", Px_NumTensor> {
  let summary = "max(x, 0)";
}
def Px_SigmoidOp : Px_UnaryOp<"sigmoid", Px_FloatTensor> {
  let summary = "1 / (1 + e^-x)";
}
def Px_NotOp : Px_UnaryOp<"not", Px_BoolTensor> { let summary = "!x"; }
def Px_GeluOp : Px_Op<"gelu", [Pure, SameOperandsAndResultType,
    DeclareOpInterfaceMethods<Px_SbpInterface>,
    DeclareOpInterfaceMethods<Px_AutodiffInterface>]> {
  let summary = "GELU, exact (erf) or tanh-approximated";
  let arguments = (ins Px_FloatTensor:$input,
                       DefaultValuedAttr<Px_GeluApprox,
                                         "GeluApprox::none">:$approximate);
  let results = (outs Px_FloatTensor:$result);
  let assemblyFormat = [{
    $input (`approximate` `=` $approximate^)? attr-dict `:` type($result)
  }];
}

def Px_CastOp : Px_Op<"cast", [Pure, SameOperandsAndResultShape,
    DeclareOpInterfaceMethods<Px_SbpInterface>,
    DeclareOpInterfaceMethods<Px_AutodiffInterface>]> {
  let summary = "Element type conversion (float->int truncates toward zero)";
  let arguments = (ins Px_Tensor:$input);
  let results = (outs Px_Tensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `to` type($result)";
  let hasFolder = 1;
}

//===----------------------------------------------------------------------===//
// Normalization and activation over an axis
//===----------------------------------------------------------------------===//

class Px_AxisOp<string mnemonic> : Px_Op<mnemonic, [Pure,
    SameOperandsAndResultType, DeclareOpInterfaceMethods<Px_SbpInterface>,
    DeclareOpInterfaceMethods<Px_AutodiffInterface>]> {
  let arguments = (ins Px_FloatTensor:$input, I64Attr:$axis);
  let results = (outs Px_FloatTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($result)";
  let hasVerifier = 1;
}

def Px_SoftmaxOp : Px_AxisOp<"softmax"> {
  let summary = "exp(x - max) / sum(exp(x - max)) along `axis`";
}
def Px_LogSoftmaxOp : Px_AxisOp<"log_softmax"> {
  let summary = "x - max - log(sum(exp(x - max))) along `axis`";
}

def Px_LayerNormOp : Px_Op<"layer_norm", [Pure, AttrSizedOperandSegments,
    AllTypesMatch<["input", "result"]>,
    DeclareOpInterfaceMethods<Px_SbpInterface>,
    DeclareOpInterfaceMethods<Px_AutodiffInterface>]> {
  let summary = "Layer normalization over dimensions [axis, rank)";
  let description = [{
    `y = (x - mean) / sqrt(var + epsilon) * scale + bias`, with mean and
    (biased) variance over the trailing dimensions from `axis`. `scale` and
    `bias`, when present, have the shape of those trailing dimensions.
  }];
  let arguments = (ins Px_FloatTensor:$input,
                       Optional<Px_FloatTensor>:$scale,
                       Optional<Px_FloatTensor>:$bias,
                       I64Attr:$axis, F64Attr:$epsilon);
  let results = (outs Px_FloatTensor:$result);
  let assemblyFormat = [{
    $input (`scale` $scale^)? (`bias` $bias^)? attr-dict `:`
    functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def Px_RmsNormOp : Px_Op<"rms_norm", [Pure,
    AllTypesMatch<["input", "result"]>,
    DeclareOpInterfaceMethods<Px_SbpInterface>,
    DeclareOpInterfaceMethods<Px_AutodiffInterface>]> {
  let summary = "RMS normalization over dimensions [axis, rank)";
  let description = [{
    `y = x / sqrt(mean(x^2) + epsilon) * scale` (LLaMA's RMSNorm).
  }];
  let arguments = (ins Px_FloatTensor:$input, Optional<Px_FloatTensor>:$scale,
                       I64Attr:$axis, F64Attr:$epsilon);
  let results = (outs Px_FloatTensor:$result);
  let assemblyFormat = [{
    $input (`scale` $scale^)? attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Data movement
//===----------------------------------------------------------------------===//

def Px_GatherOp : Px_Op<"gather", [Pure, InferTypeOpAdaptor,
    DeclareOpInterfaceMethods<Px_SbpInterface>,
    DeclareOpInterfaceMethods<Px_AutodiffInterface>]> {
  let summary = "Gather slices along `axis` (an embedding lookup for axis 0)";
  let description = [{
    Result shape: `data[:axis] + indices.shape + data[axis+1:]`. Negative
    indices count from the end, as in ONNX.
  }];
  let arguments = (ins Px_Tensor:$data, Px_IndexTensor:$indices,
                       I64Attr:$axis);
  let results = (outs Px_Tensor:$result);
  let assemblyFormat = [{
    $data `[` $indices `]` attr-dict `:` functional-type(operands, results)
  }];
}

def Px_ScatterAddOp : Px_Op<"scatter_add", [Pure,
    DeclareOpInterfaceMethods<Px_SbpInterface>,
    DeclareOpInterfaceMethods<Px_AutodiffInterface>]> {
  let summary = "Sum slices into the rows picked by `indices` (gather's adjoint)";
  let description = [{
    ```mlir
    %dw = px.scatter_add %g[%ids] {axis = 0 : i64}
            : (tensor<8x16x64xf32>, tensor<8x16xi64>) -> tensor<512x64xf32>
    ```
    The result starts as zeros; every slice of `updates` is added into the
    result's slice that `px.gather` with the same `indices` and `axis` would
    have read it from: `updates` has the shape `result[:axis] +
    indices.shape + result[axis+1:]`. Repeated indices accumulate (in index
    order); negative indices count from the end, as in px.gather. This is
    the embedding weight gradient.
  }];
  let arguments = (ins Px_NumTensor:$updates, Px_IndexTensor:$indices,
                       I64Attr:$axis);
  let results = (outs Px_NumTensor:$result);
  let assemblyFormat = [{
    $updates `[` $indices `]` attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def Px_ReshapeOp : Px_Op<"reshape", [Pure,
    DeclareOpInterfaceMethods<Px_SbpInterface, ["isValidNdSbpSignature"]>,
    DeclareOpInterfaceMethods<Px_AutodiffInterface>]> {
  let summary = "Row-major reshape to the result type";
  let arguments = (ins Px_Tensor:$input);
  let results = (outs Px_Tensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `to` type($result)";
  let hasVerifier = 1;
  let hasFolder = 1;
}

def Px_TransposeOp : Px_Op<"transpose", [Pure, InferTypeOpAdaptor,
    DeclareOpInterfaceMethods<Px_SbpInterface>,
    DeclareOpInterfaceMethods<Px_AutodiffInterface>]> {
  let summary = "Permute dimensions: result dim i is input dim perm[i]";
  let arguments = (ins Px_Tensor:$input, DenseI64ArrayAttr:$perm);
  let results = (outs Px_Tensor:$result);
  let assemblyFormat = "$input $perm attr-dict `:` type($input) `to` type($result)";
  let hasFolder = 1;
}

def Px_ExpandOp : Px_Op<"expand", [Pure,
    DeclareOpInterfaceMethods<Px_SbpInterface>,
    DeclareOpInterfaceMethods<Px_AutodiffInterface>]> {
  let summary = "Broadcast to the result shape (numpy rules)";
  let arguments = (ins Px_Tensor:$input);
  let results = (outs Px_Tensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `to` type($result)";
  let hasVerifier = 1;
  let hasFolder = 1;
}

def Px_ConcatOp : Px_Op<"concat", [Pure, InferTypeOpAdaptor,
    SameOperandsAndResultElementType,
    DeclareOpInterfaceMethods<Px_SbpInterface>,
    DeclareOpInterfaceMethods<Px_AutodiffInterface>]> {
  let summary = "Concatenate along `axis`";
  let arguments = (ins Variadic<Px_Tensor>:$inputs, I64Attr:$axis);
  let results = (outs Px_Tensor:$result);
  let assemblyFormat = "$inputs attr-dict `:` functional-type(operands, results)";
  let hasFolder = 1;
}

def Px_SplitOp : Px_Op<"split", [Pure, SameOperandsAndResultElementType,
    DeclareOpInterfaceMethods<Px_SbpInterface>,
    DeclareOpInterfaceMethods<Px_AutodiffInterface>]> {
  let summary = "Split along `axis` into pieces sized by the result types";
  let arguments = (ins Px_Tensor:$input, I64Attr:$axis);
  let results = (outs Variadic<Px_Tensor>:$results);
  let assemblyFormat = "$input attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

def Px_SliceOp : Px_Op<"slice", [Pure, InferTypeOpAdaptor,
    DeclareOpInterfaceMethods<Px_SbpInterface>,
    DeclareOpInterfaceMethods<Px_AutodiffInterface>]> {
  let summary = "Strided slice: result[i] = input[offset + i * stride] per dim";
  let description = [{
    One offset, size and stride per dimension. Strides are non-zero and may
    be negative (reversal); every read index lies inside the input.
  }];
  let arguments = (ins Px_Tensor:$input, DenseI64ArrayAttr:$offsets,
                       DenseI64ArrayAttr:$sizes, DenseI64ArrayAttr:$strides);
  let results = (outs Px_Tensor:$result);
  let assemblyFormat = [{
    $input `offsets` `=` $offsets `sizes` `=` $sizes `strides` `=` $strides
    attr-dict `:` type($input) `to` type($result)
  }];
  let hasFolder = 1;
}

def Px_TriluOp : Px_Op<"trilu", [Pure, SameOperandsAndResultType,
    DeclareOpInterfaceMethods<Px_SbpInterface>,
    DeclareOpInterfaceMethods<Px_AutodiffInterface>]> {
  let summary = "Keep the upper (or lower) triangle of the last two dims";
  let description = [{
    Lower (default): keeps `j <= i + k`; `upper`: keeps `j >= i + k`; the rest
    becomes zero.
  }];
  let arguments = (ins Px_Tensor:$input, UnitAttr:$upper,
                       DefaultValuedAttr<I64Attr, "0">:$k);
  let results = (outs Px_Tensor:$result);
  let assemblyFormat = "$input (`upper` $upper^)? attr-dict `:` type($result)";
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Reductions and loss
//===----------------------------------------------------------------------===//

def Px_ReduceOp : Px_Op<"reduce", [Pure, InferTypeOpAdaptor,
    DeclareOpInterfaceMethods<Px_SbpInterface>,
    DeclareOpInterfaceMethods<Px_AutodiffInterface>]> {
  let summary = "Reduce (sum | mean | max | min) over `axes`";
  let arguments = (ins Px_ReduceKind:$kind, Px_NumTensor:$input,
                       DenseI64ArrayAttr:$axes, UnitAttr:$keepdims);
  let results = (outs Px_NumTensor:$result);
  let assemblyFormat = [{
    $kind $input $axes (`keepdims` $keepdims^)? attr-dict `:` type($input)
    `to` type($result)
  }];
}

def Px_CrossEntropyOp : Px_Op<"cross_entropy", [Pure, InferTypeOpAdaptor,
    DeclareOpInterfaceMethods<Px_SbpInterface>,
    DeclareOpInterfaceMethods<Px_AutodiffInterface>]> {
  let summary = "Softmax cross-entropy of logits against integer labels";
  let description = [{
    Classes are the last dimension of `logits` (`[..., C]`); `labels` has the
    leading shape (`[...]`). Labels equal to `ignore_index` contribute no loss
    and are not counted by the mean.
  }];
  let arguments = (ins Px_FloatTensor:$logits, Px_IndexTensor:$labels,
                       DefaultValuedAttr<Px_LossReduction,
                                         "LossReduction::mean">:$reduction,
                       OptionalAttr<I64Attr>:$ignore_index);
  let results = (outs Px_FloatTensor:$result);
  let assemblyFormat = [{
    $logits `,` $labels (`reduction` `=` $reduction^)?
    (`ignore_index` `=` $ignore_index^)? attr-dict `:`
    functional-type(operands, results)
  }];
}

//===----------------------------------------------------------------------===//
// Training: optimizer updates and parameter assignment (px-apply-optimizer)
//===----------------------------------------------------------------------===//

def Px_AdamWOp : Px_Op<"adamw", [Pure, AllTypesMatch<["param", "grad",
    "exp_avg", "exp_avg_sq", "new_param", "new_exp_avg", "new_exp_avg_sq"]>,
    DeclareOpInterfaceMethods<Px_SbpInterface>]> {
  let summary = "One torch.optim.AdamW step of a parameter";
  let description = [{
    ```mlir
    %p2, %m2, %v2 = px.adamw %p, %g, %m, %v, %hyper
        : tensor<64x64xf32>, tensor<16xf32>
    ```
    Elementwise: decoupled weight decay, first and second moments, bias
    corrections. `hyper` is the per-step hyper-parameter vector the program
    fills (layout `pxrt::Hyper` in runtime/include/pxrt/train.h); it must be
    replicated.
  }];
  let arguments = (ins Px_F32Tensor:$param, Px_F32Tensor:$grad, Px_F32Tensor:$exp_avg,
                       Px_F32Tensor:$exp_avg_sq, Px_F32Tensor:$hyper);
  let results = (outs Px_F32Tensor:$new_param, Px_F32Tensor:$new_exp_avg,
                      Px_F32Tensor:$new_exp_avg_sq);
  let assemblyFormat = [{
    $param `,` $grad `,` $exp_avg `,` $exp_avg_sq `,` $hyper attr-dict `:`
    type($param) `,` type($hyper)
  }];
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    /// The operand whose next value result `i` is (param, exp_avg,
    /// exp_avg_sq).
    unsigned getUpdatedOperandIndex(unsigned i) {
      return i == 0 ? 0 : i + 1;
    }
  }];
}

def Px_SgdOp : Px_Op<"sgd", [Pure, AllTypesMatch<["param", "grad",
    "momentum", "new_param", "new_momentum"]>,
    DeclareOpInterfaceMethods<Px_SbpInterface>]> {
  let summary = "One torch.optim.SGD step (momentum, dampening, nesterov, "
                "weight decay)";
  let arguments = (ins Px_F32Tensor:$param, Px_F32Tensor:$grad, Px_F32Tensor:$momentum,
                       Px_F32Tensor:$hyper);
  let results = (outs Px_F32Tensor:$new_param, Px_F32Tensor:$new_momentum);
  let assemblyFormat = [{
    $param `,` $grad `,` $momentum `,` $hyper attr-dict `:` type($param) `,`
    type($hyper)
  }];
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    /// The operand whose next value result `i` is (param, momentum).
    unsigned getUpdatedOperandIndex(unsigned i) {
      return i == 0 ? 0 : i + 1;
    }
  }];
}

def Px_AssignOp : Px_Op<"assign", [AllTypesMatch<["parameter", "value"]>,
    MemoryEffects<[MemWrite]>, DeclareOpInterfaceMethods<Px_SbpInterface>]> {
  let summary = "Stores the next value of a parameter";
  let description = [{
    ```mlir
    px.assign %w, %w_next : tensor<64x64xf32>
    ```
    `parameter` must be a `px.parameter`. At the end of the step (after
    every other reader of the parameter's current value) its storage holds
    `value`, which is what the next step reads. Both carry the same SBP.
  }];
  let arguments = (ins Px_Tensor:$parameter, Px_Tensor:$value);
  let assemblyFormat = "$parameter `,` $value attr-dict `:` type($value)";
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Pipelines
//===----------------------------------------------------------------------===//

def Px_AccumulateOp : Px_Op<"accumulate", [Pure, SameOperandsAndResultType,
    DeclareOpInterfaceMethods<Px_SbpInterface>]> {
  let summary = "Mean of a value over the micro-batches of a step";
  let description = [{
    ```mlir
    %g = px.accumulate %g_mb {micro_batches = 4 : i64} : tensor<64x64xf32>
    ```
    The step runs the ops that `input` depends on once per micro-batch;
    `result` is the mean of their `micro_batches` values, summed in
    micro-batch order and scaled once, and the ops that use it run once per
    step, after the last micro-batch. px-accumulate-gradients puts one on
    the loss and on every gradient, so that the update sees the gradient of
    the mean loss over the whole batch.
  }];
  let arguments = (ins Px_FloatTensor:$input,
                       ConfinedAttr<I64Attr, [IntMinValue<2>]>:$micro_batches);
  let results = (outs Px_FloatTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($result)";
}

def Px_TransferOp : Px_Op<"transfer", [Pure, SameOperandsAndResultType,
    DeclareOpInterfaceMethods<Px_SbpInterface>]> {
  let summary = "Moves a value from one pipeline stage to another";
  let description = [{
    ```mlir
    %y = px.transfer %x {src_stage = 0 : i64, dst_stage = 1 : i64}
        : tensor<8x64xf32>
    ```
    `input` is computed on stage `src_stage`; `result` is the same value
    on stage `dst_stage`, with the same distribution over the stage's mesh:
    the rank at each mesh coordinate of the source stage sends its piece to
    the rank at the same coordinate of the destination stage. The IR keeps
    one global view of every stage, so one op stands for the send and the
    receive; the target emits the two halves on their stages' ranks.
  }];
  let arguments = (ins Px_Tensor:$input,
                       ConfinedAttr<I64Attr, [IntNonNegative]>:$src_stage,
                       ConfinedAttr<I64Attr, [IntNonNegative]>:$dst_stage);
  let results = (outs Px_Tensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($result)";
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Collectives (inserted by px-insert-boxing)
//===----------------------------------------------------------------------===//

include "pxc/Dialect/Px/PxCollectiveOps.td"

#endif // PXC_DIALECT_PX_PXOPS_TD
