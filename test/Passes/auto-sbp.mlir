// RUN: pxc-opt %s --split-input-file --px-auto-sbp | FileCheck %s
// Random plans (seed >= 0) are deterministic, and differ between seeds.
// RUN: pxc-opt %s --split-input-file --px-auto-sbp="seed=3" -o %t.a
// RUN: pxc-opt %s --split-input-file --px-auto-sbp="seed=3" -o %t.b
// RUN: cmp %t.a %t.b
// RUN: pxc-opt %s --split-input-file --px-auto-sbp="seed=4" -o %t.c
// RUN: not cmp %t.a %t.c

// A 2-layer MLP with a large hidden size on 1x4: column-then-row split
// (Megatron), one P(sum) result to all-reduce, weights split on the model
// axis.
// CHECK-LABEL: func.func @megatron_mlp
// CHECK-SAME: -> (tensor<8x1024xf32> {px.sbp = #px.sbp<[B, B]>})
// CHECK: px.parameter "fc1.weight" {{.*}} {px.sbp = #px.sbp<[B, S(1)]>}
// CHECK: px.parameter "fc2.weight" {{.*}} {px.sbp = #px.sbp<[B, S(0)]>}
// CHECK: px.linear {{.*}} {px.sbp = #px.sbp<[B, S(1)]>, px.sbp_in = [#px.sbp<[B, B]>, #px.sbp<[B, S(1)]>]}
// CHECK: px.gelu {{.*}} {px.sbp = #px.sbp<[B, S(1)]>, px.sbp_in = [#px.sbp<[B, S(1)]>]}
// CHECK: px.linear {{.*}} {px.sbp = #px.sbp<[B, P(sum)]>, px.sbp_in = [#px.sbp<[B, S(1)]>, #px.sbp<[B, S(0)]>]}
px.mesh @mesh shape = [1, 4]
func.func @megatron_mlp(%x: tensor<8x1024xf32>) -> tensor<8x1024xf32> {
  %w1 = px.parameter "fc1.weight" : tensor<1024x16384xf32> init = #px.init<normal, 0.0, 0.02>
  %w2 = px.parameter "fc2.weight" : tensor<16384x1024xf32> init = #px.init<normal, 0.0, 0.02>
  %h = px.linear %x, %w1 : (tensor<8x1024xf32>, tensor<1024x16384xf32>) -> tensor<8x16384xf32>
  %g = px.gelu %h : tensor<8x16384xf32>
  %y = px.linear %g, %w2 : (tensor<8x16384xf32>, tensor<16384x1024xf32>) -> tensor<8x1024xf32>
  return %y : tensor<8x1024xf32>
}

// -----

// Small weights, a large batch: data parallel (batch split, weights
// replicated).
// CHECK-LABEL: func.func @data_parallel
// CHECK: px.parameter "fc1.weight" {{.*}} {px.sbp = #px.sbp<[B, B]>}
// CHECK: px.linear {{.*}} {px.sbp = #px.sbp<[B, S(0)]>, px.sbp_in = [#px.sbp<[B, S(0)]>, #px.sbp<[B, B]>]}
// CHECK: px.gelu {{.*}} {px.sbp = #px.sbp<[B, S(0)]>
// CHECK: px.linear {{.*}} {px.sbp = #px.sbp<[B, S(0)]>, px.sbp_in = [#px.sbp<[B, S(0)]>, #px.sbp<[B, B]>]}
px.mesh @mesh shape = [1, 4]
func.func @data_parallel(%x: tensor<65536x64xf32>) -> tensor<65536x64xf32> {
  %w1 = px.parameter "fc1.weight" : tensor<64x256xf32> init = #px.init<normal, 0.0, 0.02>
  %w2 = px.parameter "fc2.weight" : tensor<256x64xf32> init = #px.init<normal, 0.0, 0.02>
  %h = px.linear %x, %w1 : (tensor<65536x64xf32>, tensor<64x256xf32>) -> tensor<65536x256xf32>
  %g = px.gelu %h : tensor<65536x256xf32>
  %y = px.linear %g, %w2 : (tensor<65536x256xf32>, tensor<256x64xf32>) -> tensor<65536x64xf32>
  return %y : tensor<65536x64xf32>
}

// -----

// Annotations are constraints: the argument stays split, the matmul result
// is split on columns, the function result stays partial.
// CHECK-LABEL: func.func @constraints
// CHECK-SAME: %arg0: tensor<8x16xf32> {px.sbp = #px.sbp<[S(0), S(1)]>}
// CHECK-SAME: -> (tensor<8x16xf32> {px.sbp = #px.sbp<[B, P(sum)]>})
// CHECK: px.matmul {{.*}} {px.sbp = #px.sbp<[S(1), B]>
// CHECK: px.relu {{.*}} {px.sbp = #px.sbp<[{{.*}}]>, px.sbp_in
px.mesh @mesh shape = [2, 2]
func.func @constraints(%x: tensor<8x16xf32> {px.sbp = #px.sbp<[S(0), S(1)]>})
    -> (tensor<8x16xf32> {px.sbp = #px.sbp<[B, P(sum)]>}) {
  %w = px.parameter "w" : tensor<16x16xf32> init = #px.init<normal, 0.0, 0.02>
  %y = px.matmul %x, %w {px.sbp = #px.sbp<[S(1), B]>} : (tensor<8x16xf32>, tensor<16x16xf32>) -> tensor<8x16xf32>
  %z = px.relu %y : tensor<8x16xf32>
  return %z : tensor<8x16xf32>
}

// -----

// A multi-result op gets one SBP per result.
// CHECK-LABEL: func.func @split
// CHECK: px.split {{.*}} {axis = 1 : i64, px.sbp = [#px.sbp<[{{.*}}]>, #px.sbp<[{{.*}}]>], px.sbp_in = [#px.sbp<[{{.*}}]>]}
px.mesh @mesh shape = [2]
func.func @split(%x: tensor<8x16xf32>) -> (tensor<8x8xf32>, tensor<8x8xf32>) {
  %a:2 = px.split %x {axis = 1 : i64} : (tensor<8x16xf32>) -> (tensor<8x8xf32>, tensor<8x8xf32>)
  return %a#0, %a#1 : tensor<8x8xf32>, tensor<8x8xf32>
}

// -----

// An assignment is not a choice of its own: it takes its parameter's
// distribution (here pinned to S(0)), and the new value is what gets boxed.
// CHECK-LABEL: func.func @assign_follows_parameter
// CHECK: %[[W:.*]] = px.parameter "w" {{.*}}px.sbp = #px.sbp<[S(0)]>
// CHECK: %[[NEW:.*]] = px.mul {{.*}}px.sbp = #px.sbp<[S(1)]>
// CHECK: px.assign %[[W]], %[[NEW]] {px.sbp_in = [#px.sbp<[S(0)]>, #px.sbp<[S(0)]>]}
px.mesh @mesh shape = [4]
func.func @assign_follows_parameter(%s: tensor<64x64xf32> {px.sbp = #px.sbp<[S(1)]>}) {
  %w = px.parameter "w" : tensor<64x64xf32> init = #px.init<zeros> {px.sbp = #px.sbp<[S(0)]>}
  %new = px.mul %w, %s {px.sbp = #px.sbp<[S(1)]>} : (tensor<64x64xf32>, tensor<64x64xf32>) -> tensor<64x64xf32>
  px.assign %w, %new : tensor<64x64xf32>
  return
}
