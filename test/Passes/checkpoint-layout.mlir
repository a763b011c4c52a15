// RUN: pxc-opt %s --split-input-file --px-checkpoint-layout --verify-diagnostics | FileCheck %s

// On a 2x2 mesh: a row split of 7 rows (4 + 3) broadcast on axis 1 is held
// twice, and the ranks at coordinate 0 of axis 1 save it; an AdamW state
// split on both axes has one owner per box; a broadcast buffer is saved by
// rank 0 alone.
// CHECK-LABEL: func.func @grid
// CHECK: px.parameter "w"
// CHECK-SAME: px.checkpoint = {device = 0 : i64, fragments = [array<i64: 0, 1, 0, 0, 4, 3>, array<i64: 1, 0, 0, 0, 4, 3>, array<i64: 2, 1, 4, 0, 3, 3>, array<i64: 3, 0, 4, 0, 3, 3>], kind = "parameter", logical_shape = array<i64: 7, 3>, name = "w"}
// CHECK: px.parameter "w.exp_avg" frozen
// CHECK-SAME: fragments = [array<i64: 0, 1, 0, 0, 4, 2>, array<i64: 1, 1, 0, 2, 4, 1>, array<i64: 2, 1, 4, 0, 3, 2>, array<i64: 3, 1, 4, 2, 3, 1>], kind = "state"
// CHECK: px.parameter "mask" frozen
// CHECK-SAME: fragments = [array<i64: 0, 1, 0, 4>, array<i64: 1, 0, 0, 4>, array<i64: 2, 0, 0, 4>, array<i64: 3, 0, 0, 4>], kind = "buffer"
px.mesh @mesh shape = [2, 2]
func.func @grid() -> (tensor<7x3xf32>, tensor<7x3xf32>, tensor<4xf32>) {
  %w = px.parameter "w" : tensor<7x3xf32> {px.sbp = #px.sbp<[S(0), B]>}
  %m = px.parameter "w.exp_avg" frozen : tensor<7x3xf32> {px.sbp = #px.sbp<[S(0), S(1)]>}
  %k = px.parameter "mask" frozen : tensor<4xf32> {px.sbp = #px.sbp<[B, B]>}
  return %w, %m, %k : tensor<7x3xf32>, tensor<7x3xf32>, tensor<4xf32>
}

// -----

// With a pipeline, a parameter's ranks are those of its stage's device:
// model stage 3 of 2 devices (interleaved) lives on device 1, ranks 2-3.
// CHECK-LABEL: func.func @stages
// CHECK: px.parameter "a"
// CHECK-SAME: px.checkpoint = {device = 0 : i64, fragments = [array<i64: 0, 1, 0, 2>, array<i64: 1, 1, 2, 2>]
// CHECK: px.parameter "b"
// CHECK-SAME: px.checkpoint = {device = 1 : i64, fragments = [array<i64: 2, 1>, array<i64: 3, 0>]
module attributes {px.pipeline = {micro_batches = 2 : i64, schedule = "interleaved", stages = 2 : i64, virtual_stages = 2 : i64}} {
  px.mesh @mesh shape = [2]
  func.func @stages() -> (tensor<4xf32>, tensor<f32>) {
    %a = px.parameter "a" : tensor<4xf32> {px.sbp = #px.sbp<[S(0)]>, px.stage = 0 : i64}
    %b = px.parameter "b" : tensor<f32> {px.sbp = #px.sbp<[B]>, px.stage = 3 : i64}
    return %a, %b : tensor<4xf32>, tensor<f32>
  }
}

// -----

// Vocabulary blocks (px.shard) of one tensor on two stages: stored under
// the tensor's name, their fragments shifted to their rows of it.
// CHECK-LABEL: func.func @blocks
// CHECK: px.parameter "head.vocab0"
// CHECK-SAME: px.checkpoint = {device = 0 : i64, fragments = [array<i64: 0, 1, 0, 0, 2, 3>, array<i64: 1, 1, 2, 0, 2, 3>], kind = "parameter", logical_shape = array<i64: 7, 3>, name = "head"}
// CHECK: px.parameter "head.vocab1"
// CHECK-SAME: px.checkpoint = {device = 1 : i64, fragments = [array<i64: 2, 1, 4, 0, 2, 3>, array<i64: 3, 1, 6, 0, 1, 3>], kind = "parameter", logical_shape = array<i64: 7, 3>, name = "head"}
module attributes {px.pipeline = {micro_batches = 2 : i64, schedule = "1f1b", stages = 2 : i64, virtual_stages = 1 : i64, vocab = "vocab-2"}} {
  px.mesh @mesh shape = [2]
  func.func @blocks() -> (tensor<4x3xf32>, tensor<3x3xf32>) {
    %a = px.parameter "head.vocab0" : tensor<4x3xf32> {px.sbp = #px.sbp<[S(0)]>, px.shard = {of = "head", offsets = array<i64: 0, 0>, shape = array<i64: 7, 3>}, px.stage = 0 : i64}
    %b = px.parameter "head.vocab1" : tensor<3x3xf32> {px.sbp = #px.sbp<[S(0)]>, px.shard = {of = "head", offsets = array<i64: 4, 0>, shape = array<i64: 7, 3>}, px.stage = 1 : i64}
    return %a, %b : tensor<4x3xf32>, tensor<3x3xf32>
  }
}

// -----

px.mesh @mesh shape = [2]
func.func @partial() -> tensor<4xf32> {
  // expected-error @below {{cannot be checkpointed: a partial value ([P(sum)]) is reduced before it is saved}}
  %a = px.parameter "a" : tensor<4xf32> {px.sbp = #px.sbp<[P]>}
  return %a : tensor<4xf32>
}

// -----

px.mesh @mesh shape = [2]
func.func @unplanned() -> tensor<4xf32> {
  // expected-error @below {{has no distribution (px.sbp); run px-auto-sbp before px-checkpoint-layout}}
  %a = px.parameter "a" : tensor<4xf32>
  return %a : tensor<4xf32>
}

// -----

module attributes {px.pipeline = {micro_batches = 1 : i64, schedule = "1f1b", stages = 2 : i64, virtual_stages = 1 : i64}} {
  px.mesh @mesh shape = [1]
  func.func @unplaced() -> tensor<4xf32> {
    // expected-error @below {{has no pipeline stage (px.stage)}}
    %a = px.parameter "a" : tensor<4xf32> {px.sbp = #px.sbp<[B]>}
    return %a : tensor<4xf32>
  }
}

// -----

px.mesh @mesh shape = [2]
func.func @twice() -> (tensor<4xf32>, tensor<4xf32>) {
  // expected-note @below {{the other read}}
  %a = px.parameter "a" : tensor<4xf32> {px.sbp = #px.sbp<[B]>}
  // expected-error @below {{is laid out differently from another read of the same parameter}}
  %b = px.parameter "a" : tensor<4xf32> {px.sbp = #px.sbp<[S(0)]>}
  return %a, %b : tensor<4xf32>, tensor<4xf32>
}
