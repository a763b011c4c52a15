// RUN: pxc-opt %s --canonicalize --split-input-file | FileCheck %s

// CHECK-LABEL: func.func @constant_cse
// CHECK-NEXT: %[[C:.*]] = px.constant dense<1.000000e+00> : tensor<4xf32>
// CHECK-NEXT: return %[[C]], %[[C]]
func.func @constant_cse() -> (tensor<4xf32>, tensor<4xf32>) {
  %0 = px.constant dense<1.0> : tensor<4xf32>
  %1 = px.constant dense<1.0> : tensor<4xf32>
  return %0, %1 : tensor<4xf32>, tensor<4xf32>
}

// CHECK-LABEL: func.func @dead_ops
// CHECK-NEXT: return
func.func @dead_ops(%x: tensor<4xf32>) {
  %0 = px.exp %x : tensor<4xf32>
  %1 = px.constant dense<2.0> : tensor<4xf32>
  %2 = px.mul %0, %1 : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  return
}

// -----

//===----------------------------------------------------------------------===//
// add / sub / mul / div of constants
//===----------------------------------------------------------------------===//

// CHECK-LABEL: func.func @fold_float
// CHECK-DAG: %[[ADD:.*]] = px.constant dense<[4.000000e+00, 6.000000e+00]> : tensor<2xf32>
// CHECK-DAG: %[[SUB:.*]] = px.constant dense<-2.000000e+00> : tensor<2xf32>
// CHECK-DAG: %[[MUL:.*]] = px.constant dense<[3.000000e+00, 8.000000e+00]> : tensor<2xf32>
// CHECK-DAG: %[[DIV:.*]] = px.constant dense<[0.333333343, 5.000000e-01]> : tensor<2xf32>
// CHECK-NOT: px.add
// CHECK-NOT: px.sub
// CHECK-NOT: px.mul
// CHECK-NOT: px.div
// CHECK: return %[[ADD]], %[[SUB]], %[[MUL]], %[[DIV]]
func.func @fold_float() -> (tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) {
  %a = px.constant dense<[1.0, 2.0]> : tensor<2xf32>
  %b = px.constant dense<[3.0, 4.0]> : tensor<2xf32>
  %0 = px.add %a, %b : (tensor<2xf32>, tensor<2xf32>) -> tensor<2xf32>
  %1 = px.sub %a, %b : (tensor<2xf32>, tensor<2xf32>) -> tensor<2xf32>
  %2 = px.mul %a, %b : (tensor<2xf32>, tensor<2xf32>) -> tensor<2xf32>
  %3 = px.div %a, %b : (tensor<2xf32>, tensor<2xf32>) -> tensor<2xf32>
  return %0, %1, %2, %3 : tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>
}

// CHECK-LABEL: func.func @fold_int
// CHECK-DAG: %[[ADD:.*]] = px.constant dense<[5, 1]> : tensor<2xi64>
// CHECK-DAG: %[[SUB:.*]] = px.constant dense<[9, -7]> : tensor<2xi64>
// CHECK-DAG: %[[MUL:.*]] = px.constant dense<[-14, -12]> : tensor<2xi64>
// Integer division truncates toward zero.
// CHECK-DAG: %[[DIV:.*]] = px.constant dense<[-3, 0]> : tensor<2xi64>
// CHECK: return %[[ADD]], %[[SUB]], %[[MUL]], %[[DIV]]
func.func @fold_int() -> (tensor<2xi64>, tensor<2xi64>, tensor<2xi64>, tensor<2xi64>) {
  %a = px.constant dense<[7, -3]> : tensor<2xi64>
  %b = px.constant dense<[-2, 4]> : tensor<2xi64>
  %0 = px.add %a, %b : (tensor<2xi64>, tensor<2xi64>) -> tensor<2xi64>
  %1 = px.sub %a, %b : (tensor<2xi64>, tensor<2xi64>) -> tensor<2xi64>
  %2 = px.mul %a, %b : (tensor<2xi64>, tensor<2xi64>) -> tensor<2xi64>
  %3 = px.div %a, %b : (tensor<2xi64>, tensor<2xi64>) -> tensor<2xi64>
  return %0, %1, %2, %3 : tensor<2xi64>, tensor<2xi64>, tensor<2xi64>, tensor<2xi64>
}

// CHECK-LABEL: func.func @fold_splat
// CHECK-NEXT: %[[C:.*]] = px.constant dense<5> : tensor<2x3xi32>
// CHECK-NEXT: return %[[C]]
func.func @fold_splat() -> tensor<2x3xi32> {
  %a = px.constant dense<2> : tensor<2x3xi32>
  %b = px.constant dense<3> : tensor<2x3xi32>
  %0 = px.add %a, %b : (tensor<2x3xi32>, tensor<2x3xi32>) -> tensor<2x3xi32>
  return %0 : tensor<2x3xi32>
}

// CHECK-LABEL: func.func @fold_chain
// CHECK-NEXT: %[[C:.*]] = px.constant dense<1.200000e+01> : tensor<2xf32>
// CHECK-NEXT: return %[[C]]
func.func @fold_chain() -> tensor<2xf32> {
  %a = px.constant dense<2.0> : tensor<2xf32>
  %b = px.constant dense<4.0> : tensor<2xf32>
  %0 = px.add %a, %b : (tensor<2xf32>, tensor<2xf32>) -> tensor<2xf32>
  %1 = px.mul %0, %a : (tensor<2xf32>, tensor<2xf32>) -> tensor<2xf32>
  return %1 : tensor<2xf32>
}

// Constants of different shapes would need broadcasting: not folded.
// CHECK-LABEL: func.func @no_fold_broadcast
// CHECK: px.add
func.func @no_fold_broadcast() -> tensor<2x2xf32> {
  %a = px.constant dense<[1.0, 2.0]> : tensor<2xf32>
  %b = px.constant dense<3.0> : tensor<2x2xf32>
  %0 = px.add %a, %b : (tensor<2xf32>, tensor<2x2xf32>) -> tensor<2x2xf32>
  return %0 : tensor<2x2xf32>
}

// Integer division by zero is left to run time.
// CHECK-LABEL: func.func @no_fold_int_div_by_zero
// CHECK: %[[R:.*]] = px.div
// CHECK: return %[[R]]
func.func @no_fold_int_div_by_zero() -> tensor<2xi32> {
  %a = px.constant dense<[6, 8]> : tensor<2xi32>
  %b = px.constant dense<[2, 0]> : tensor<2xi32>
  %0 = px.div %a, %b : (tensor<2xi32>, tensor<2xi32>) -> tensor<2xi32>
  return %0 : tensor<2xi32>
}

// CHECK-LABEL: func.func @no_fold_int_div_by_zero_splat
// CHECK: px.div
func.func @no_fold_int_div_by_zero_splat(%x: tensor<2xi32>) -> tensor<2xi32> {
  %a = px.constant dense<[6, 8]> : tensor<2xi32>
  %b = px.constant dense<0> : tensor<2xi32>
  %0 = px.div %a, %b : (tensor<2xi32>, tensor<2xi32>) -> tensor<2xi32>
  return %0 : tensor<2xi32>
}

// Float division by zero is IEEE: +-inf (and NaN for 0/0).
// CHECK-LABEL: func.func @fold_float_div_by_zero
// CHECK-NEXT: %[[C:.*]] = px.constant dense<[0x7F800000, 0xFF800000, 0x7FC00000]> : tensor<3xf32>
// CHECK-NEXT: return %[[C]]
func.func @fold_float_div_by_zero() -> tensor<3xf32> {
  %a = px.constant dense<[1.0, -1.0, 0.0]> : tensor<3xf32>
  %b = px.constant dense<0.0> : tensor<3xf32>
  %0 = px.div %a, %b : (tensor<3xf32>, tensor<3xf32>) -> tensor<3xf32>
  return %0 : tensor<3xf32>
}

// px.and / px.or have no folder: constant i1 operands stay.
// CHECK-LABEL: func.func @bool_untouched
// CHECK: px.and
func.func @bool_untouched() -> tensor<2xi1> {
  %a = px.constant dense<[true, false]> : tensor<2xi1>
  %0 = px.and %a, %a : (tensor<2xi1>, tensor<2xi1>) -> tensor<2xi1>
  return %0 : tensor<2xi1>
}

// -----

//===----------------------------------------------------------------------===//
// Identities
//===----------------------------------------------------------------------===//

// CHECK-LABEL: func.func @identities
// CHECK-SAME: (%[[X:.*]]: tensor<2x3xf32>, %[[I:.*]]: tensor<2x3xi32>)
// CHECK-NOT: px.
// CHECK: return %[[X]], %[[X]], %[[X]], %[[X]], %[[I]], %[[I]], %[[I]], %[[I]]
func.func @identities(%x: tensor<2x3xf32>, %i: tensor<2x3xi32>)
    -> (tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>,
        tensor<2x3xi32>, tensor<2x3xi32>, tensor<2x3xi32>, tensor<2x3xi32>) {
  %zero = px.constant dense<0.0> : tensor<2x3xf32>
  %one = px.constant dense<1.0> : tensor<2x3xf32>
  %izero = px.constant dense<0> : tensor<2x3xi32>
  %ione = px.constant dense<1> : tensor<2x3xi32>
  %0 = px.add %x, %zero : (tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<2x3xf32>
  %1 = px.sub %x, %zero : (tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<2x3xf32>
  %2 = px.mul %x, %one : (tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<2x3xf32>
  %3 = px.div %x, %one : (tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<2x3xf32>
  %4 = px.add %i, %izero : (tensor<2x3xi32>, tensor<2x3xi32>) -> tensor<2x3xi32>
  %5 = px.sub %i, %izero : (tensor<2x3xi32>, tensor<2x3xi32>) -> tensor<2x3xi32>
  %6 = px.mul %i, %ione : (tensor<2x3xi32>, tensor<2x3xi32>) -> tensor<2x3xi32>
  %7 = px.div %i, %ione : (tensor<2x3xi32>, tensor<2x3xi32>) -> tensor<2x3xi32>
  return %0, %1, %2, %3, %4, %5, %6, %7 : tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3xi32>, tensor<2x3xi32>, tensor<2x3xi32>, tensor<2x3xi32>
}

// The identity constant may be broadcast (smaller than x), and for the
// commutative ops it may come first.
// CHECK-LABEL: func.func @identities_broadcast_commuted
// CHECK-SAME: (%[[X:.*]]: tensor<2x3xf32>)
// CHECK-NOT: px.
// CHECK: return %[[X]], %[[X]], %[[X]]
func.func @identities_broadcast_commuted(%x: tensor<2x3xf32>)
    -> (tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>) {
  %zero = px.constant dense<0.0> : tensor<f32>
  %one = px.constant dense<1.0> : tensor<3xf32>
  %0 = px.add %x, %zero : (tensor<2x3xf32>, tensor<f32>) -> tensor<2x3xf32>
  %1 = px.add %zero, %x : (tensor<f32>, tensor<2x3xf32>) -> tensor<2x3xf32>
  %2 = px.mul %one, %x : (tensor<3xf32>, tensor<2x3xf32>) -> tensor<2x3xf32>
  return %0, %1, %2 : tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>
}

// Not identities: the identity operand would broadcast x to a larger shape,
// the constant is on the wrong side of a non-commutative op, or it is not a
// splat.
// CHECK-LABEL: func.func @not_identities
// CHECK: px.add
// CHECK: px.sub
// CHECK: px.div
// CHECK: px.mul
func.func @not_identities(%x: tensor<3xf32>)
    -> (tensor<2x3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>) {
  %zero = px.constant dense<0.0> : tensor<2x3xf32>
  %zero3 = px.constant dense<0.0> : tensor<3xf32>
  %one3 = px.constant dense<1.0> : tensor<3xf32>
  %mixed = px.constant dense<[1.0, 1.0, 2.0]> : tensor<3xf32>
  %0 = px.add %x, %zero : (tensor<3xf32>, tensor<2x3xf32>) -> tensor<2x3xf32>
  %1 = px.sub %zero3, %x : (tensor<3xf32>, tensor<3xf32>) -> tensor<3xf32>
  %2 = px.div %one3, %x : (tensor<3xf32>, tensor<3xf32>) -> tensor<3xf32>
  %3 = px.mul %x, %mixed : (tensor<3xf32>, tensor<3xf32>) -> tensor<3xf32>
  return %0, %1, %2, %3 : tensor<2x3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>
}

// -----

//===----------------------------------------------------------------------===//
// cast
//===----------------------------------------------------------------------===//

// CHECK-LABEL: func.func @cast
// CHECK-SAME: (%[[X:.*]]: tensor<4xf32>)
// CHECK-NEXT: %[[C:.*]] = px.cast %[[X]] : tensor<4xf32> to tensor<4xbf16>
// CHECK-NEXT: return %[[X]], %[[C]]
func.func @cast(%x: tensor<4xf32>) -> (tensor<4xf32>, tensor<4xbf16>) {
  %0 = px.cast %x : tensor<4xf32> to tensor<4xf32>
  %1 = px.cast %x : tensor<4xf32> to tensor<4xbf16>
  return %0, %1 : tensor<4xf32>, tensor<4xbf16>
}

// -----

//===----------------------------------------------------------------------===//
// reshape
//===----------------------------------------------------------------------===//

// CHECK-LABEL: func.func @reshape_identity
// CHECK-SAME: (%[[X:.*]]: tensor<2x3xf32>)
// CHECK-NEXT: return %[[X]]
func.func @reshape_identity(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %0 = px.reshape %x : tensor<2x3xf32> to tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// CHECK-LABEL: func.func @reshape_chain
// CHECK-SAME: (%[[X:.*]]: tensor<2x3x4xf32>)
// CHECK-NEXT: %[[R:.*]] = px.reshape %[[X]] : tensor<2x3x4xf32> to tensor<4x6xf32>
// CHECK-NEXT: return %[[R]]
func.func @reshape_chain(%x: tensor<2x3x4xf32>) -> tensor<4x6xf32> {
  %0 = px.reshape %x : tensor<2x3x4xf32> to tensor<6x4xf32>
  %1 = px.reshape %0 : tensor<6x4xf32> to tensor<24xf32>
  %2 = px.reshape %1 : tensor<24xf32> to tensor<4x6xf32>
  return %2 : tensor<4x6xf32>
}

// A chain that comes back to the input type disappears.
// CHECK-LABEL: func.func @reshape_round_trip
// CHECK-SAME: (%[[X:.*]]: tensor<2x3xf32>)
// CHECK-NEXT: return %[[X]]
func.func @reshape_round_trip(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %0 = px.reshape %x : tensor<2x3xf32> to tensor<6xf32>
  %1 = px.reshape %0 : tensor<6xf32> to tensor<2x3xf32>
  return %1 : tensor<2x3xf32>
}

// The intermediate reshape stays while it has other users.
// CHECK-LABEL: func.func @reshape_chain_shared
// CHECK-SAME: (%[[X:.*]]: tensor<2x3xf32>)
// CHECK-DAG: %[[A:.*]] = px.reshape %[[X]] : tensor<2x3xf32> to tensor<6xf32>
// CHECK-DAG: %[[B:.*]] = px.reshape %[[X]] : tensor<2x3xf32> to tensor<3x2xf32>
// CHECK: return %[[A]], %[[B]]
func.func @reshape_chain_shared(%x: tensor<2x3xf32>) -> (tensor<6xf32>, tensor<3x2xf32>) {
  %0 = px.reshape %x : tensor<2x3xf32> to tensor<6xf32>
  %1 = px.reshape %0 : tensor<6xf32> to tensor<3x2xf32>
  return %0, %1 : tensor<6xf32>, tensor<3x2xf32>
}

// CHECK-LABEL: func.func @reshape_constant
// CHECK-NEXT: %[[C:.*]] = px.constant dense<{{\[}}[1, 2], [3, 4], [5, 6]]> : tensor<3x2xi64>
// CHECK-NEXT: return %[[C]]
func.func @reshape_constant() -> tensor<3x2xi64> {
  %c = px.constant dense<[[1, 2, 3], [4, 5, 6]]> : tensor<2x3xi64>
  %0 = px.reshape %c : tensor<2x3xi64> to tensor<3x2xi64>
  return %0 : tensor<3x2xi64>
}

// CHECK-LABEL: func.func @reshape_splat
// CHECK-NEXT: %[[C:.*]] = px.constant dense<2.500000e+00> : tensor<6xf32>
// CHECK-NEXT: return %[[C]]
func.func @reshape_splat() -> tensor<6xf32> {
  %c = px.constant dense<2.5> : tensor<2x3xf32>
  %0 = px.reshape %c : tensor<2x3xf32> to tensor<6xf32>
  return %0 : tensor<6xf32>
}

// -----

//===----------------------------------------------------------------------===//
// transpose
//===----------------------------------------------------------------------===//

// CHECK-LABEL: func.func @transpose_identity
// CHECK-SAME: (%[[X:.*]]: tensor<2x3x4xf32>)
// CHECK-NEXT: return %[[X]]
func.func @transpose_identity(%x: tensor<2x3x4xf32>) -> tensor<2x3x4xf32> {
  %0 = px.transpose %x [0, 1, 2] : tensor<2x3x4xf32> to tensor<2x3x4xf32>
  return %0 : tensor<2x3x4xf32>
}

// transpose(transpose(x, [1, 2, 0]), [1, 2, 0]) = transpose(x, [2, 0, 1]).
// CHECK-LABEL: func.func @transpose_compose
// CHECK-SAME: (%[[X:.*]]: tensor<2x3x4xf32>)
// CHECK-NEXT: %[[T:.*]] = px.transpose %[[X]] [2, 0, 1] : tensor<2x3x4xf32> to tensor<4x2x3xf32>
// CHECK-NEXT: return %[[T]]
func.func @transpose_compose(%x: tensor<2x3x4xf32>) -> tensor<4x2x3xf32> {
  %0 = px.transpose %x [1, 2, 0] : tensor<2x3x4xf32> to tensor<3x4x2xf32>
  %1 = px.transpose %0 [1, 2, 0] : tensor<3x4x2xf32> to tensor<4x2x3xf32>
  return %1 : tensor<4x2x3xf32>
}

// A non-commuting pair: the composition is inner[outer[i]].
// transpose(transpose(x, [1, 0, 2]), [0, 2, 1]) = transpose(x, [1, 2, 0]).
// CHECK-LABEL: func.func @transpose_compose_order
// CHECK-SAME: (%[[X:.*]]: tensor<2x3x4xf32>)
// CHECK-NEXT: %[[T:.*]] = px.transpose %[[X]] [1, 2, 0] : tensor<2x3x4xf32> to tensor<3x4x2xf32>
// CHECK-NEXT: return %[[T]]
func.func @transpose_compose_order(%x: tensor<2x3x4xf32>) -> tensor<3x4x2xf32> {
  %0 = px.transpose %x [1, 0, 2] : tensor<2x3x4xf32> to tensor<3x2x4xf32>
  %1 = px.transpose %0 [0, 2, 1] : tensor<3x2x4xf32> to tensor<3x4x2xf32>
  return %1 : tensor<3x4x2xf32>
}

// Inverse permutations cancel.
// CHECK-LABEL: func.func @transpose_inverse
// CHECK-SAME: (%[[X:.*]]: tensor<2x3x4xf32>)
// CHECK-NEXT: return %[[X]]
func.func @transpose_inverse(%x: tensor<2x3x4xf32>) -> tensor<2x3x4xf32> {
  %0 = px.transpose %x [1, 2, 0] : tensor<2x3x4xf32> to tensor<3x4x2xf32>
  %1 = px.transpose %0 [2, 0, 1] : tensor<3x4x2xf32> to tensor<2x3x4xf32>
  return %1 : tensor<2x3x4xf32>
}

// -----

//===----------------------------------------------------------------------===//
// expand, concat, slice
//===----------------------------------------------------------------------===//

// CHECK-LABEL: func.func @expand
// CHECK-SAME: (%[[X:.*]]: tensor<3x1xf32>)
// CHECK-DAG: %[[S:.*]] = px.constant dense<7> : tensor<2x3x4xi32>
// CHECK-DAG: %[[E:.*]] = px.expand %[[X]] : tensor<3x1xf32> to tensor<3x4xf32>
// CHECK: return %[[X]], %[[S]], %[[E]]
func.func @expand(%x: tensor<3x1xf32>) -> (tensor<3x1xf32>, tensor<2x3x4xi32>, tensor<3x4xf32>) {
  %0 = px.expand %x : tensor<3x1xf32> to tensor<3x1xf32>
  %c = px.constant dense<7> : tensor<3x1xi32>
  %1 = px.expand %c : tensor<3x1xi32> to tensor<2x3x4xi32>
  %2 = px.expand %x : tensor<3x1xf32> to tensor<3x4xf32>
  return %0, %1, %2 : tensor<3x1xf32>, tensor<2x3x4xi32>, tensor<3x4xf32>
}

// A non-splat constant is not expanded at compile time.
// CHECK-LABEL: func.func @expand_non_splat
// CHECK: px.expand
func.func @expand_non_splat() -> tensor<2x3xi32> {
  %c = px.constant dense<[1, 2, 3]> : tensor<3xi32>
  %0 = px.expand %c : tensor<3xi32> to tensor<2x3xi32>
  return %0 : tensor<2x3xi32>
}

// CHECK-LABEL: func.func @concat
// CHECK-SAME: (%[[X:.*]]: tensor<2x3xf32>)
// CHECK-NEXT: %[[C:.*]] = px.concat %[[X]], %[[X]] {axis = 0 : i64}
// CHECK-NEXT: return %[[X]], %[[C]]
func.func @concat(%x: tensor<2x3xf32>) -> (tensor<2x3xf32>, tensor<4x3xf32>) {
  %0 = px.concat %x {axis = 1 : i64} : (tensor<2x3xf32>) -> tensor<2x3xf32>
  %1 = px.concat %x, %x {axis = 0 : i64} : (tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<4x3xf32>
  return %0, %1 : tensor<2x3xf32>, tensor<4x3xf32>
}

// CHECK-LABEL: func.func @slice
// CHECK-SAME: (%[[X:.*]]: tensor<4x3xf32>)
// CHECK-DAG: %[[R:.*]] = px.slice %[[X]] offsets = [3, 0] sizes = [4, 3] strides = [-1, 1]
// CHECK-DAG: %[[S:.*]] = px.slice %[[X]] offsets = [1, 0] sizes = [2, 3] strides = [1, 1]
// CHECK: return %[[X]], %[[R]], %[[S]]
func.func @slice(%x: tensor<4x3xf32>) -> (tensor<4x3xf32>, tensor<4x3xf32>, tensor<2x3xf32>) {
  %0 = px.slice %x offsets = [0, 0] sizes = [4, 3] strides = [1, 1] : tensor<4x3xf32> to tensor<4x3xf32>
  // Same type, but a reversal: not an identity.
  %1 = px.slice %x offsets = [3, 0] sizes = [4, 3] strides = [-1, 1] : tensor<4x3xf32> to tensor<4x3xf32>
  %2 = px.slice %x offsets = [1, 0] sizes = [2, 3] strides = [1, 1] : tensor<4x3xf32> to tensor<2x3xf32>
  return %0, %1, %2 : tensor<4x3xf32>, tensor<4x3xf32>, tensor<2x3xf32>
}

// A size-1 dimension is the identity whatever its stride.
// CHECK-LABEL: func.func @slice_unit_dim
// CHECK-SAME: (%[[X:.*]]: tensor<1x3xf32>)
// CHECK-NEXT: return %[[X]]
func.func @slice_unit_dim(%x: tensor<1x3xf32>) -> tensor<1x3xf32> {
  %0 = px.slice %x offsets = [0, 0] sizes = [1, 3] strides = [-1, 1] : tensor<1x3xf32> to tensor<1x3xf32>
  return %0 : tensor<1x3xf32>
}

// -----

// Folding keeps the distribution attributes of the surviving ops.
px.mesh @m shape = [2]

// CHECK-LABEL: func.func @fold_keeps_attrs
// CHECK: px.exp %{{.*}} {px.sbp = #px.sbp<[S(0)]>, px.stage = 1 : i64}
func.func @fold_keeps_attrs(%x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = px.reshape %x {px.stage = 1 : i64} : tensor<4xf32> to tensor<4xf32>
  %1 = px.exp %0 {px.sbp = #px.sbp<[S(0)]>, px.stage = 1 : i64} : tensor<4xf32>
  return %1 : tensor<4xf32>
}
