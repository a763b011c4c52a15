// RUN: pxc-opt %s --emit-bytecode | pxc-opt | FileCheck %s

// px attributes survive a bytecode round trip (they have no bytecode
// encoding of their own and travel as text).

// CHECK: px.mesh @m shape = [2, 2] axes = ["dp", "tp"]
px.mesh @m shape = [2, 2] axes = ["dp", "tp"]

// CHECK-LABEL: func.func @f
// CHECK-SAME: {px.sbp = #px.sbp<[S(0), P(max)]>, px.stage = 0 : i64}
func.func @f(%x: tensor<4x4xf32> {px.sbp = #px.sbp<[S(0), P(max)]>, px.stage = 0 : i64}) -> tensor<4x4xf32> {
  // CHECK: px.parameter "w" : tensor<4x4xf32> init = #px.init<normal, 0.000000e+00, 2.000000e-02>
  %p = px.parameter "w" : tensor<4x4xf32> init = #px.init<normal, 0.0, 0.02>
  // CHECK: px.parameter "e" frozen : tensor<4x4xf32> init = #px.external<"a.bin", offset = 16, size = 64>
  %e = px.parameter "e" frozen : tensor<4x4xf32> init = #px.external<"a.bin", offset = 16, size = 64>
  // CHECK: px.add {{.*}} {px.sbp = #px.sbp<[S(0), B]>}
  %0 = px.add %x, %p {px.sbp = #px.sbp<[S(0), B]>} : (tensor<4x4xf32>, tensor<4x4xf32>) -> tensor<4x4xf32>
  // CHECK: px.split {{.*}} {axis = 1 : i64, px.sbp = [#px.sbp<[B, S(1)]>, #px.sbp<[P(sum), B]>]}
  %1:2 = px.split %0 {axis = 1 : i64, px.sbp = [#px.sbp<[B, S(1)]>, #px.sbp<[P, B]>]} : (tensor<4x4xf32>) -> (tensor<4x2xf32>, tensor<4x2xf32>)
  return %0 : tensor<4x4xf32>
}
