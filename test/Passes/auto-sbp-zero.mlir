// Data parallelism and the ZeRO stages are choices of SBP: the collectives
// each one produces on a data axis of 2, for a data-parallel input.
// RUN: pxc-opt %s --px-autodiff --px-apply-optimizer --px-auto-sbp=zero=0 --px-insert-boxing | FileCheck %s --check-prefix=DP
// RUN: pxc-opt %s --px-autodiff --px-apply-optimizer --px-auto-sbp=zero=1 --px-insert-boxing | FileCheck %s --check-prefix=ZERO1
// RUN: pxc-opt %s --px-autodiff --px-apply-optimizer --px-auto-sbp=zero=3 --px-insert-boxing | FileCheck %s --check-prefix=ZERO3

// Plain data parallelism: a replicated parameter and update; the gradient
// is summed over the ranks (as a reduce-scatter, on which the gradient norm
// is computed, then an all-gather: the two halves of a ring all-reduce).
// DP: %[[W:.*]] = px.parameter "w" {{.*}}px.sbp = #px.sbp<[B]>
// DP-NOT: px.all_gather %[[W]]
// DP: px.reduce_scatter sum
// DP: px.all_gather
// DP: %new_param, %new_exp_avg, %new_exp_avg_sq = px.adamw %[[W]], {{.*}}px.sbp = [#px.sbp<[B]>, #px.sbp<[B]>, #px.sbp<[B]>]
// DP-NOT: px.all_gather
// DP: px.assign %[[W]], %new_param

// ZeRO-1/2: the gradient is reduce-scattered, each rank updates its slice
// with its slice of the states, and the new parameter is gathered.
// ZERO1: %[[W:.*]] = px.parameter "w" {{.*}}px.sbp = #px.sbp<[B]>
// ZERO1-NOT: px.all_gather
// ZERO1: px.reduce_scatter sum
// ZERO1: %new_param, %new_exp_avg, %new_exp_avg_sq = px.adamw {{.*}}px.sbp = [#px.sbp<[S([[D:[01]]])]>, #px.sbp<[S([[D]])]>, #px.sbp<[S([[D]])]>]
// ZERO1: %[[NEW:.*]] = px.all_gather %new_param dim = [[D]]
// ZERO1: px.assign %[[W]], %[[NEW]]

// ZeRO-3: the parameter itself is split: gathered before use, its gradient
// reduce-scattered, the update and the assignment stay split.
// ZERO3: %[[W:.*]] = px.parameter "w" {{.*}}px.sbp = #px.sbp<[S([[D:[01]]])]>
// ZERO3: px.all_gather %[[W]] dim = [[D]]
// ZERO3: px.reduce_scatter sum
// ZERO3: %new_param, %new_exp_avg, %new_exp_avg_sq = px.adamw %[[W]], {{.*}}px.sbp = [#px.sbp<[S([[D]])]>, #px.sbp<[S([[D]])]>, #px.sbp<[S([[D]])]>]
// ZERO3-NOT: px.all_gather
// ZERO3: px.assign %[[W]], %new_param
px.mesh @mesh shape = [2] axes = ["data"]
func.func @main(%x: tensor<4096x256xf32> {px.name = "x", px.sbp = #px.sbp<[S(0)]>}) -> (tensor<f32> {px.name = "loss"}) {
  %w = px.parameter "w" : tensor<256x256xf32> init = #px.init<normal, 0.0, 0.1>
  %y = px.linear %x, %w : (tensor<4096x256xf32>, tensor<256x256xf32>) -> tensor<4096x256xf32>
  %s = px.mul %y, %y : (tensor<4096x256xf32>, tensor<4096x256xf32>) -> tensor<4096x256xf32>
  %l = px.reduce sum %s [0, 1] : tensor<4096x256xf32> to tensor<f32>
  return %l : tensor<f32>
}
