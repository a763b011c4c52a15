// RUN: pxc-opt %s --split-input-file --px-spmdize | FileCheck %s

// Even splits: one function for every rank, local shapes, global types kept
// where they differ.
// CHECK-LABEL: func.func @even
// CHECK-SAME: (%arg0: tensor<4x16xf32> {px.global_type = tensor<8x16xf32>, px.sbp = #px.sbp<[S(0)]>})
// CHECK-SAME: -> (tensor<8x16xf32> {px.sbp = #px.sbp<[B]>})
// CHECK-SAME: attributes {px.ranks = array<i64: 0, 1>}
// CHECK: %[[W:.*]] = px.parameter "w" : tensor<16x16xf32> init = #px.init<ones> {px.sbp = #px.sbp<[B]>}
// CHECK: %[[Y:.*]] = px.matmul %arg0, %[[W]] {px.global_type = tensor<8x16xf32>, px.sbp = #px.sbp<[S(0)]>, {{.*}}} : (tensor<4x16xf32>, tensor<16x16xf32>) -> tensor<4x16xf32>
// CHECK: %[[G:.*]] = px.all_gather %[[Y]] dim = 0 mesh_axis = 0 {px.sbp = #px.sbp<[B]>} : tensor<4x16xf32> -> tensor<8x16xf32>
// CHECK: return %[[G]] : tensor<8x16xf32>
px.mesh @mesh shape = [2]
func.func @even(%x: tensor<8x16xf32> {px.sbp = #px.sbp<[S(0)]>})
    -> (tensor<8x16xf32> {px.sbp = #px.sbp<[B]>}) {
  %w = px.parameter "w" : tensor<16x16xf32> init = #px.init<ones> {px.sbp = #px.sbp<[B]>}
  %y = px.matmul %x, %w {px.sbp = #px.sbp<[S(0)]>, px.sbp_in = [#px.sbp<[S(0)]>, #px.sbp<[B]>]} : (tensor<8x16xf32>, tensor<16x16xf32>) -> tensor<8x16xf32>
  %g = px.all_gather %y dim = 0 mesh_axis = 0 {px.sbp = #px.sbp<[B]>} : tensor<8x16xf32>
  return %g : tensor<8x16xf32>
}

// -----

// Uneven splits: 5 rows over 2 ranks give rank 0 three and rank 1 two, so
// each rank class gets its own function. A parameter's piece keeps the
// parameter's global type for its initial value.
// CHECK-LABEL: func.func @uneven_c0
// CHECK-SAME: (%arg0: tensor<3x4xf32> {px.global_type = tensor<5x4xf32>, px.sbp = #px.sbp<[S(0)]>})
// CHECK-SAME: attributes {px.ranks = array<i64: 0>}
// CHECK: px.parameter "b" : tensor<3x4xf32> init = dense<1.000000e+00> : tensor<5x4xf32> {px.global_type = tensor<5x4xf32>, px.sbp = #px.sbp<[S(0)]>}
// CHECK: px.add {{.*}} : (tensor<3x4xf32>, tensor<3x4xf32>) -> tensor<3x4xf32>
// CHECK-LABEL: func.func @uneven_c1
// CHECK-SAME: (%arg0: tensor<2x4xf32> {px.global_type = tensor<5x4xf32>, px.sbp = #px.sbp<[S(0)]>})
// CHECK-SAME: attributes {px.ranks = array<i64: 1>}
// CHECK: px.add {{.*}} : (tensor<2x4xf32>, tensor<2x4xf32>) -> tensor<2x4xf32>
px.mesh @mesh shape = [2]
func.func @uneven(%x: tensor<5x4xf32> {px.sbp = #px.sbp<[S(0)]>})
    -> (tensor<5x4xf32> {px.sbp = #px.sbp<[S(0)]>}) {
  %b = px.parameter "b" : tensor<5x4xf32> init = dense<1.0> : tensor<5x4xf32> {px.sbp = #px.sbp<[S(0)]>}
  %y = px.add %x, %b {px.sbp = #px.sbp<[S(0)]>, px.sbp_in = [#px.sbp<[S(0)]>, #px.sbp<[S(0)]>]} : (tensor<5x4xf32>, tensor<5x4xf32>) -> tensor<5x4xf32>
  return %y : tensor<5x4xf32>
}

// -----

// A split constant becomes the whole constant and local slices (one per
// splitting mesh axis, outermost first); a mean over a split dimension
// becomes a sum scaled by the global count.
// CHECK-LABEL: func.func @rank_dependent
// CHECK: %[[C:.*]] = px.constant {px.sbp = #px.sbp<[B, B]>} dense<{{.*}}> : tensor<4x4xf32>
// CHECK: %[[S0:.*]] = px.local_slice %[[C]] dim = 0 mesh_axis = 0 {px.global_type = tensor<4x4xf32>, px.sbp = #px.sbp<[S(0), B]>} : tensor<4x4xf32> -> tensor<2x4xf32>
// CHECK: %[[S1:.*]] = px.local_slice %[[S0]] dim = 0 mesh_axis = 1 {px.global_type = tensor<4x4xf32>, px.sbp = #px.sbp<[S(0), S(0)]>} : tensor<2x4xf32> -> tensor<1x4xf32>
// CHECK: %[[A:.*]] = px.add %arg0, %[[S1]]
// CHECK: %[[SUM:.*]] = px.reduce sum %[[A]] [0, 1] {{.*}} : tensor<1x4xf32> to tensor<f32>
// CHECK: %[[K:.*]] = px.constant {px.sbp = #px.sbp<[B, B]>} dense<6.250000e-02> : tensor<f32>
// CHECK: %[[M:.*]] = px.mul %[[SUM]], %[[K]] {px.sbp = #px.sbp<[P(sum), P(sum)]>, px.sbp_in = [#px.sbp<[P(sum), P(sum)]>, #px.sbp<[B, B]>]}
// CHECK: px.all_reduce sum %[[M]] mesh_axis = 1
px.mesh @mesh shape = [2, 2]
func.func @rank_dependent(%x: tensor<4x4xf32> {px.sbp = #px.sbp<[S(0), S(0)]>})
    -> (tensor<f32> {px.sbp = #px.sbp<[B, B]>}) {
  %c = px.constant {px.sbp = #px.sbp<[S(0), S(0)]>} dense<[[1.0, 2.0, 3.0, 4.0], [5.0, 6.0, 7.0, 8.0], [1.0, 2.0, 3.0, 4.0], [5.0, 6.0, 7.0, 8.0]]> : tensor<4x4xf32>
  %a = px.add %x, %c {px.sbp = #px.sbp<[S(0), S(0)]>, px.sbp_in = [#px.sbp<[S(0), S(0)]>, #px.sbp<[S(0), S(0)]>]} : (tensor<4x4xf32>, tensor<4x4xf32>) -> tensor<4x4xf32>
  %m = px.reduce mean %a [0, 1] {px.sbp = #px.sbp<[P(sum), P(sum)]>, px.sbp_in = [#px.sbp<[S(0), S(0)]>]} : tensor<4x4xf32> to tensor<f32>
  %r1 = px.all_reduce sum %m mesh_axis = 1 {px.sbp = #px.sbp<[P(sum), B]>} : tensor<f32>
  %r0 = px.all_reduce sum %r1 mesh_axis = 0 {px.sbp = #px.sbp<[B, B]>} : tensor<f32>
  return %r0 : tensor<f32>
}
