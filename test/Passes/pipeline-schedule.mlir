// RUN: pxc-opt %s --split-input-file --verify-diagnostics --px-pipeline-schedule | FileCheck %s

// ZB-H1: on stage 1, the input gradient (what is sent back to stage 0) stays
// backward; the weight gradient and its accumulation become weight work.
// Stage 0 sends nothing back: its whole backward is weight work.
// CHECK-LABEL: func.func @main
// CHECK: %[[G:.*]] = px.exp %{{.*}} {px.phase = "backward", px.stage = 1 : i64}
// CHECK: %[[DX:.*]] = px.mul %[[G]], %{{.*}} {px.phase = "backward", px.stage = 1 : i64}
// CHECK: px.transfer %[[DX]] {dst_stage = 0 : i64, px.phase = "backward", src_stage = 1 : i64}
// CHECK: %[[DW:.*]] = px.mul %[[G]], %{{.*}} {px.phase = "weight", px.stage = 1 : i64}
// CHECK: px.accumulate %[[DW]] {micro_batches = 2 : i64, px.phase = "weight", px.stage = 1 : i64}
// CHECK: px.mul {{.*}} {px.phase = "weight", px.stage = 0 : i64}
module attributes {px.pipeline = {micro_batches = 2 : i64, schedule = "zb-h1", stages = 2 : i64, virtual_stages = 1 : i64}} {
  px.mesh @mesh shape = [1]
  func.func @main(%x: tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>) attributes {px.ranks = array<i64: 0>} {
    %w = px.parameter "w" : tensor<4xf32> init = #px.init<ones> {px.phase = "forward", px.stage = 1 : i64}
    %g = px.exp %w {px.phase = "backward", px.stage = 1 : i64} : tensor<4xf32>
    %dx = px.mul %g, %w {px.phase = "backward", px.stage = 1 : i64} : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
    %t = px.transfer %dx {src_stage = 1 : i64, dst_stage = 0 : i64, px.phase = "backward"} : tensor<4xf32>
    %dw = px.mul %g, %g {px.phase = "backward", px.stage = 1 : i64} : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
    %acc = px.accumulate %dw {micro_batches = 2 : i64, px.phase = "backward", px.stage = 1 : i64} : tensor<4xf32>
    %d0 = px.mul %t, %t {px.phase = "backward", px.stage = 0 : i64} : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
    return %acc, %d0 : tensor<4xf32>, tensor<4xf32>
  }
}

// -----

module attributes {px.pipeline = {micro_batches = 1 : i64, schedule = "1f1b", stages = 2 : i64, virtual_stages = 1 : i64}} {
  px.mesh @mesh shape = [1]
  func.func @main(%x: tensor<4xf32>) -> tensor<4xf32> attributes {px.ranks = array<i64: 0>} {
    // expected-error @+1 {{is not placed on one of the pipeline's 2 stages (run px-insert-transfers)}}
    %0 = px.exp %x {px.stage = 2 : i64} : tensor<4xf32>
    return %0 : tensor<4xf32>
  }
}
