// RUN: pxc-opt %s --split-input-file --px-plan-memory | FileCheck %s

// Parameters are packed first; activations reuse the buffers of values that
// are dead (64-byte aligned buffers).
// CHECK-LABEL: func.func @chain
// CHECK-SAME: %arg0: tensor<16xf32> {px.offset = 64 : i64}
// CHECK-SAME: px.arena_bytes = 192 : i64, px.persistent_bytes = 64 : i64
// CHECK: px.parameter "w" {{.*}} {px.offsets = array<i64: 0>}
// CHECK: px.add {{.*}} {px.offsets = array<i64: 128>}
// CHECK: px.relu {{.*}} {px.offsets = array<i64: 64>}
// CHECK: px.exp {{.*}} {px.offsets = array<i64: 128>}
px.mesh @mesh shape = [1]
func.func @chain(%x: tensor<16xf32>) -> tensor<16xf32> attributes {px.ranks = array<i64: 0>} {
  %w = px.parameter "w" : tensor<16xf32> init = #px.init<ones>
  %a = px.add %x, %w : (tensor<16xf32>, tensor<16xf32>) -> tensor<16xf32>
  %b = px.relu %a : tensor<16xf32>
  %c = px.exp %b : tensor<16xf32>
  return %c : tensor<16xf32>
}

// -----

// Values live at the same time never share memory; a value used by the
// return lives to the end; constants get no buffer; multi-result ops get
// one offset per result.
// The argument's 128 bytes are free once split has read them: the sum takes
// their first half, the product the second.
// CHECK-LABEL: func.func @overlap
// CHECK-SAME: %arg0: tensor<32xf32> {px.offset = 0 : i64}
// CHECK-SAME: px.arena_bytes = 256 : i64, px.persistent_bytes = 0 : i64
// CHECK: px.constant dense
// CHECK-NOT: px.offsets
// CHECK: px.split {{.*}} {axis = 0 : i64, px.offsets = array<i64: 128, 192>}
// CHECK: px.add {{.*}} {px.offsets = array<i64: 0>}
// CHECK: px.mul {{.*}} {px.offsets = array<i64: 64>}
px.mesh @mesh shape = [1]
func.func @overlap(%x: tensor<32xf32>) -> (tensor<16xf32>, tensor<16xf32>) attributes {px.ranks = array<i64: 0>} {
  %k = px.constant dense<2.0> : tensor<16xf32>
  %p:2 = px.split %x {axis = 0 : i64} : (tensor<32xf32>) -> (tensor<16xf32>, tensor<16xf32>)
  %s = px.add %p#0, %p#1 : (tensor<16xf32>, tensor<16xf32>) -> tensor<16xf32>
  %m = px.mul %s, %k : (tensor<16xf32>, tensor<16xf32>) -> tensor<16xf32>
  return %m, %s : tensor<16xf32>, tensor<16xf32>
}

// -----

// Functions that are not per-rank (no px.ranks) are left alone.
// CHECK-LABEL: func.func @global
// CHECK-NOT: px.offset
px.mesh @mesh shape = [2]
func.func @global(%x: tensor<4xf32>) -> tensor<4xf32> {
  %y = px.relu %x : tensor<4xf32>
  return %y : tensor<4xf32>
}
