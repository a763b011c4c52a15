// RUN: pxc-opt %s --split-input-file --px-insert-transfers | FileCheck %s

// A value read on other stages goes to each through one transfer, in its
// producer's phase; a constant is copied instead; an unplaced op takes its
// latest operand's stage and its earliest user's phase.
// CHECK-LABEL: func.func @main
// CHECK: %[[C1:.*]] = px.constant {px.phase = "forward", px.stage = 1 : i64} dense<2.000000e+00>
// CHECK: %[[C0:.*]] = px.constant {px.phase = "forward", px.stage = 0 : i64} dense<2.000000e+00>
// CHECK: %[[A:.*]] = px.mul %arg0, %[[C0]] {px.phase = "forward", px.stage = 0 : i64}
// CHECK: %[[TA1:.*]] = px.transfer %[[A]] {dst_stage = 1 : i64, px.phase = "forward", src_stage = 0 : i64}
// CHECK: %[[TA2:.*]] = px.transfer %[[A]] {dst_stage = 2 : i64, px.phase = "forward", src_stage = 0 : i64}
// CHECK: %[[B:.*]] = px.mul %[[TA1]], %[[C1]] {px.phase = "forward", px.stage = 1 : i64}
// CHECK: %[[S:.*]] = px.add %[[TA1]], %[[B]] {px.phase = "backward", px.stage = 1 : i64}
// CHECK: %[[TS:.*]] = px.transfer %[[S]] {dst_stage = 2 : i64, px.phase = "backward", src_stage = 1 : i64}
// CHECK: %[[E:.*]] = px.exp %[[TS]] {px.phase = "backward", px.stage = 2 : i64}
// CHECK: px.mul %[[TA2]], %[[E]] {px.phase = "backward", px.stage = 2 : i64}
module attributes {px.pipeline = {micro_batches = 1 : i64, schedule = "1f1b", stages = 3 : i64, virtual_stages = 1 : i64}} {
  func.func @main(%x: tensor<4xf32>) -> tensor<4xf32> {
    %c = px.constant dense<2.0> : tensor<4xf32>
    %a = px.mul %x, %c {px.stage = 0 : i64, px.phase = "forward"} : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
    %b = px.mul %a, %c {px.stage = 1 : i64, px.phase = "forward"} : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
    %s = px.add %a, %b : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
    %e = px.exp %s {px.stage = 2 : i64, px.phase = "backward"} : tensor<4xf32>
    %f = px.mul %a, %e {px.stage = 2 : i64, px.phase = "backward"} : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
    return %f : tensor<4xf32>
  }
}

// -----

// Without a pipeline configuration the pass does nothing.
// CHECK-LABEL: func.func @main
// CHECK-NEXT: px.exp %arg0 : tensor<4xf32>
func.func @main(%x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = px.exp %x : tensor<4xf32>
  return %0 : tensor<4xf32>
}
