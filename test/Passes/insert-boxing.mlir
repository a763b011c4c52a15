// RUN: pxc-opt %s --split-input-file --px-insert-boxing --verify-diagnostics | FileCheck %s
// A second run finds nothing left to convert.
// RUN: pxc-opt %s --split-input-file --px-insert-boxing --verify-diagnostics \
// RUN:   | pxc-opt --split-input-file --px-insert-boxing | FileCheck %s
// RUN: pxc-opt %s --split-input-file --px-insert-boxing=cluster=dgx-h100 --verify-diagnostics \
// RUN:   | FileCheck %s --check-prefix=H100

// Chains sit right after the producer (function arguments: at the entry),
// in order of first use; each op's px.sbp is the N-D SBP after its step.

//===----------------------------------------------------------------------===//
// Every 1-D conversion on a 1-D mesh
//===----------------------------------------------------------------------===//

px.mesh @m shape = [4]

// One argument per conversion, so that no chain can start from another.
// CHECK-LABEL: func.func @from_b
// CHECK-DAG: %[[S0:.*]] = px.local_slice %arg0 dim = 0 mesh_axis = 0 {px.sbp = #px.sbp<[S(0)]>} : tensor<8x8xf32>
// CHECK-DAG: %[[S1:.*]] = px.local_slice %arg1 dim = 1 mesh_axis = 0 {px.sbp = #px.sbp<[S(1)]>}
// CHECK-DAG: %[[P:.*]] = px.local_mask sum %arg2 mesh_axis = 0 {px.sbp = #px.sbp<[P(sum)]>}
// CHECK-DAG: %[[M:.*]] = px.local_mask max %arg3 mesh_axis = 0 {px.sbp = #px.sbp<[P(max)]>}
// CHECK: return %[[S0]], %[[S1]], %[[P]], %[[M]]
func.func @from_b(%x0: tensor<8x8xf32> {px.sbp = #px.sbp<[B]>}, %x1: tensor<8x8xf32> {px.sbp = #px.sbp<[B]>}, %x2: tensor<8x8xf32> {px.sbp = #px.sbp<[B]>}, %x3: tensor<8x8xf32> {px.sbp = #px.sbp<[B]>})
    -> (tensor<8x8xf32> {px.sbp = #px.sbp<[S(0)]>},
        tensor<8x8xf32> {px.sbp = #px.sbp<[S(1)]>},
        tensor<8x8xf32> {px.sbp = #px.sbp<[P(sum)]>},
        tensor<8x8xf32> {px.sbp = #px.sbp<[P(max)]>}) {
  return %x0, %x1, %x2, %x3 : tensor<8x8xf32>, tensor<8x8xf32>, tensor<8x8xf32>, tensor<8x8xf32>
}

// P(sum) -> P(max): reduce-scatter, pad with -inf.
// CHECK-LABEL: func.func @from_p_sum
// CHECK-DAG: %[[B:.*]] = px.all_reduce sum %arg0 mesh_axis = 0 {px.sbp = #px.sbp<[B]>}
// CHECK-DAG: %[[S0:.*]] = px.reduce_scatter sum %arg1 dim = 0 mesh_axis = 0 {px.sbp = #px.sbp<[S(0)]>}
// CHECK-DAG: %[[S1:.*]] = px.reduce_scatter sum %arg2 dim = 1 mesh_axis = 0 {px.sbp = #px.sbp<[S(1)]>}
// CHECK-DAG: %[[R:.*]] = px.reduce_scatter sum %arg3 dim = 0 mesh_axis = 0 {px.sbp = #px.sbp<[S(0)]>}
// CHECK-DAG: %[[M:.*]] = px.local_pad max %[[R]] dim = 0 mesh_axis = 0 {px.sbp = #px.sbp<[P(max)]>}
// CHECK: return %[[B]], %[[S0]], %[[S1]], %[[M]]
func.func @from_p_sum(%x0: tensor<8x8xf32> {px.sbp = #px.sbp<[P(sum)]>}, %x1: tensor<8x8xf32> {px.sbp = #px.sbp<[P(sum)]>}, %x2: tensor<8x8xf32> {px.sbp = #px.sbp<[P(sum)]>}, %x3: tensor<8x8xf32> {px.sbp = #px.sbp<[P(sum)]>})
    -> (tensor<8x8xf32> {px.sbp = #px.sbp<[B]>},
        tensor<8x8xf32> {px.sbp = #px.sbp<[S(0)]>},
        tensor<8x8xf32> {px.sbp = #px.sbp<[S(1)]>},
        tensor<8x8xf32> {px.sbp = #px.sbp<[P(max)]>}) {
  return %x0, %x1, %x2, %x3 : tensor<8x8xf32>, tensor<8x8xf32>, tensor<8x8xf32>, tensor<8x8xf32>
}

// P(max) -> P(sum): reduce-scatter the maximum, pad with zeros.
// CHECK-LABEL: func.func @from_p_max
// CHECK-DAG: %[[B:.*]] = px.all_reduce max %arg0 mesh_axis = 0 {px.sbp = #px.sbp<[B]>}
// CHECK-DAG: %[[S0:.*]] = px.reduce_scatter max %arg1 dim = 0 mesh_axis = 0 {px.sbp = #px.sbp<[S(0)]>}
// CHECK-DAG: %[[S1:.*]] = px.reduce_scatter max %arg2 dim = 1 mesh_axis = 0 {px.sbp = #px.sbp<[S(1)]>}
// CHECK-DAG: %[[R:.*]] = px.reduce_scatter max %arg3 dim = 0 mesh_axis = 0 {px.sbp = #px.sbp<[S(0)]>}
// CHECK-DAG: %[[P:.*]] = px.local_pad sum %[[R]] dim = 0 mesh_axis = 0 {px.sbp = #px.sbp<[P(sum)]>}
// CHECK: return %[[B]], %[[S0]], %[[S1]], %[[P]]
func.func @from_p_max(%x0: tensor<8x8xf32> {px.sbp = #px.sbp<[P(max)]>}, %x1: tensor<8x8xf32> {px.sbp = #px.sbp<[P(max)]>}, %x2: tensor<8x8xf32> {px.sbp = #px.sbp<[P(max)]>}, %x3: tensor<8x8xf32> {px.sbp = #px.sbp<[P(max)]>})
    -> (tensor<8x8xf32> {px.sbp = #px.sbp<[B]>},
        tensor<8x8xf32> {px.sbp = #px.sbp<[S(0)]>},
        tensor<8x8xf32> {px.sbp = #px.sbp<[S(1)]>},
        tensor<8x8xf32> {px.sbp = #px.sbp<[P(sum)]>}) {
  return %x0, %x1, %x2, %x3 : tensor<8x8xf32>, tensor<8x8xf32>, tensor<8x8xf32>, tensor<8x8xf32>
}

// CHECK-LABEL: func.func @from_s0
// CHECK-DAG: %[[B:.*]] = px.all_gather %arg0 dim = 0 mesh_axis = 0 {px.sbp = #px.sbp<[B]>}
// CHECK-DAG: %[[S1:.*]] = px.all_to_all %arg1 src_dim = 0 dst_dim = 1 mesh_axis = 0 {px.sbp = #px.sbp<[S(1)]>}
// CHECK-DAG: %[[P:.*]] = px.local_pad sum %arg2 dim = 0 mesh_axis = 0 {px.sbp = #px.sbp<[P(sum)]>}
// CHECK-DAG: %[[M:.*]] = px.local_pad max %arg3 dim = 0 mesh_axis = 0 {px.sbp = #px.sbp<[P(max)]>}
// CHECK: return %[[B]], %[[S1]], %[[P]], %[[M]]
func.func @from_s0(%x0: tensor<8x8xf32> {px.sbp = #px.sbp<[S(0)]>}, %x1: tensor<8x8xf32> {px.sbp = #px.sbp<[S(0)]>}, %x2: tensor<8x8xf32> {px.sbp = #px.sbp<[S(0)]>}, %x3: tensor<8x8xf32> {px.sbp = #px.sbp<[S(0)]>})
    -> (tensor<8x8xf32> {px.sbp = #px.sbp<[B]>},
        tensor<8x8xf32> {px.sbp = #px.sbp<[S(1)]>},
        tensor<8x8xf32> {px.sbp = #px.sbp<[P(sum)]>},
        tensor<8x8xf32> {px.sbp = #px.sbp<[P(max)]>}) {
  return %x0, %x1, %x2, %x3 : tensor<8x8xf32>, tensor<8x8xf32>, tensor<8x8xf32>, tensor<8x8xf32>
}

// Uneven: 10 rows and 6 columns over 4 ranks.
// CHECK-LABEL: func.func @from_s1
// CHECK-DAG: %[[B:.*]] = px.all_gather %arg0 dim = 1 mesh_axis = 0 {px.sbp = #px.sbp<[B]>} : tensor<10x6xf32>
// CHECK-DAG: %[[S0:.*]] = px.all_to_all %arg1 src_dim = 1 dst_dim = 0 mesh_axis = 0 {px.sbp = #px.sbp<[S(0)]>}
// CHECK-DAG: %[[P:.*]] = px.local_pad sum %arg2 dim = 1 mesh_axis = 0 {px.sbp = #px.sbp<[P(sum)]>}
// CHECK-DAG: %[[M:.*]] = px.local_pad max %arg3 dim = 1 mesh_axis = 0 {px.sbp = #px.sbp<[P(max)]>}
// CHECK: return %[[B]], %[[S0]], %[[P]], %[[M]]
func.func @from_s1(%x0: tensor<10x6xf32> {px.sbp = #px.sbp<[S(1)]>}, %x1: tensor<10x6xf32> {px.sbp = #px.sbp<[S(1)]>}, %x2: tensor<10x6xf32> {px.sbp = #px.sbp<[S(1)]>}, %x3: tensor<10x6xf32> {px.sbp = #px.sbp<[S(1)]>})
    -> (tensor<10x6xf32> {px.sbp = #px.sbp<[B]>},
        tensor<10x6xf32> {px.sbp = #px.sbp<[S(0)]>},
        tensor<10x6xf32> {px.sbp = #px.sbp<[P(sum)]>},
        tensor<10x6xf32> {px.sbp = #px.sbp<[P(max)]>}) {
  return %x0, %x1, %x2, %x3 : tensor<10x6xf32>, tensor<10x6xf32>, tensor<10x6xf32>, tensor<10x6xf32>
}

// A value needed in several distributions: later chains start from what
// earlier ones built when that is cheaper, here the all-reduced copy (local
// slices and masks cost nothing).
// CHECK-LABEL: func.func @one_value_many_targets
// CHECK-NEXT: %[[B:.*]] = px.all_reduce sum %arg0 mesh_axis = 0 {px.sbp = #px.sbp<[B]>}
// CHECK-NEXT: %[[S0:.*]] = px.local_slice %[[B]] dim = 0 mesh_axis = 0 {px.sbp = #px.sbp<[S(0)]>}
// CHECK-NEXT: %[[M:.*]] = px.local_mask max %[[B]] mesh_axis = 0 {px.sbp = #px.sbp<[P(max)]>}
// CHECK-NEXT: return %[[B]], %[[S0]], %[[M]], %[[B]]
func.func @one_value_many_targets(%x: tensor<8x8xf32> {px.sbp = #px.sbp<[P(sum)]>})
    -> (tensor<8x8xf32> {px.sbp = #px.sbp<[B]>},
        tensor<8x8xf32> {px.sbp = #px.sbp<[S(0)]>},
        tensor<8x8xf32> {px.sbp = #px.sbp<[P(max)]>},
        tensor<8x8xf32> {px.sbp = #px.sbp<[B]>}) {
  return %x, %x, %x, %x : tensor<8x8xf32>, tensor<8x8xf32>, tensor<8x8xf32>, tensor<8x8xf32>
}

// -----

//===----------------------------------------------------------------------===//
// N-D paths on a 2x2 mesh (both axes inside one node)
//===----------------------------------------------------------------------===//

px.mesh @m shape = [2, 2]

// Hierarchical all-reduce: reduce-scatter on both axes, gather back.
// CHECK-LABEL: func.func @p_p_to_b_b
// CHECK-NEXT: %[[A:.*]] = px.reduce_scatter sum %arg0 dim = 0 mesh_axis = 1 {px.sbp = #px.sbp<[P(sum), S(0)]>}
// CHECK-NEXT: %[[B:.*]] = px.reduce_scatter sum %[[A]] dim = 1 mesh_axis = 0 {px.sbp = #px.sbp<[S(1), S(0)]>}
// CHECK-NEXT: %[[C:.*]] = px.all_gather %[[B]] dim = 1 mesh_axis = 0 {px.sbp = #px.sbp<[B, S(0)]>}
// CHECK-NEXT: %[[D:.*]] = px.all_gather %[[C]] dim = 0 mesh_axis = 1 {px.sbp = #px.sbp<[B, B]>}
// CHECK-NEXT: return %[[D]]
func.func @p_p_to_b_b(%x: tensor<8x4xf32> {px.sbp = #px.sbp<[P(sum), P(sum)]>})
    -> (tensor<8x4xf32> {px.sbp = #px.sbp<[B, B]>}) {
  return %x : tensor<8x4xf32>
}

// Axis 1 splits axis 0's chunks: it is gathered first.
// CHECK-LABEL: func.func @nested_splits
// CHECK-NEXT: %[[A:.*]] = px.all_gather %arg0 dim = 0 mesh_axis = 1 {px.sbp = #px.sbp<[S(0), B]>}
// CHECK-NEXT: %[[B:.*]] = px.all_gather %[[A]] dim = 0 mesh_axis = 0 {px.sbp = #px.sbp<[B, B]>}
// CHECK-NEXT: return %[[B]]
func.func @nested_splits(%x: tensor<8x4xf32> {px.sbp = #px.sbp<[S(0), S(0)]>})
    -> (tensor<8x4xf32> {px.sbp = #px.sbp<[B, B]>}) {
  return %x : tensor<8x4xf32>
}

// CHECK-LABEL: func.func @p_max_to_p_sum
// CHECK-NEXT: %[[A:.*]] = px.reduce_scatter max %arg0 dim = 0 mesh_axis = 1 {px.sbp = #px.sbp<[P(max), S(0)]>}
// CHECK-NEXT: %[[B:.*]] = px.reduce_scatter max %[[A]] dim = 1 mesh_axis = 0 {px.sbp = #px.sbp<[S(1), S(0)]>}
// CHECK-NEXT: %[[C:.*]] = px.local_pad sum %[[B]] dim = 1 mesh_axis = 0 {px.sbp = #px.sbp<[P(sum), S(0)]>}
// CHECK-NEXT: %[[D:.*]] = px.local_pad sum %[[C]] dim = 0 mesh_axis = 1 {px.sbp = #px.sbp<[P(sum), P(sum)]>}
// CHECK-NEXT: return %[[D]]
func.func @p_max_to_p_sum(%x: tensor<8x4xf32> {px.sbp = #px.sbp<[P(max), P(max)]>})
    -> (tensor<8x4xf32> {px.sbp = #px.sbp<[P(sum), P(sum)]>}) {
  return %x : tensor<8x4xf32>
}

// [P(sum), P(max)] sums maxima: the maxima (axis 1) are reduced first.
// CHECK-LABEL: func.func @mixed_partials
// CHECK-NEXT: %[[A:.*]] = px.reduce_scatter max %arg0 dim = 0 mesh_axis = 1 {px.sbp = #px.sbp<[P(sum), S(0)]>}
// CHECK-NEXT: %[[B:.*]] = px.reduce_scatter sum %[[A]] dim = 1 mesh_axis = 0 {px.sbp = #px.sbp<[S(1), S(0)]>}
// CHECK-NEXT: %[[C:.*]] = px.all_gather %[[B]] dim = 1 mesh_axis = 0 {px.sbp = #px.sbp<[B, S(0)]>}
// CHECK-NEXT: %[[D:.*]] = px.all_gather %[[C]] dim = 0 mesh_axis = 1 {px.sbp = #px.sbp<[B, B]>}
// CHECK-NEXT: return %[[D]]
func.func @mixed_partials(%x: tensor<8x4xf32> {px.sbp = #px.sbp<[P(sum), P(max)]>})
    -> (tensor<8x4xf32> {px.sbp = #px.sbp<[B, B]>}) {
  return %x : tensor<8x4xf32>
}

// B -> P keeps the value on one rank per axis; S -> P pads. (Chains of
// arguments start at the entry, the later argument's first.)
// CHECK-LABEL: func.func @to_partial
// CHECK-NEXT: %[[C:.*]] = px.local_pad sum %arg1 dim = 0 mesh_axis = 0 {px.sbp = #px.sbp<[P(sum), S(1)]>}
// CHECK-NEXT: %[[D:.*]] = px.local_pad sum %[[C]] dim = 1 mesh_axis = 1 {px.sbp = #px.sbp<[P(sum), P(sum)]>}
// CHECK-NEXT: %[[A:.*]] = px.local_mask sum %arg0 mesh_axis = 1 {px.sbp = #px.sbp<[B, P(sum)]>}
// CHECK-NEXT: %[[B:.*]] = px.local_mask sum %[[A]] mesh_axis = 0 {px.sbp = #px.sbp<[P(sum), P(sum)]>}
// CHECK-NEXT: return %[[B]], %[[D]]
func.func @to_partial(%b: tensor<8x4xf32> {px.sbp = #px.sbp<[B, B]>},
                      %s: tensor<8x4xf32> {px.sbp = #px.sbp<[S(0), S(1)]>})
    -> (tensor<8x4xf32> {px.sbp = #px.sbp<[P(sum), P(sum)]>},
        tensor<8x4xf32> {px.sbp = #px.sbp<[P(sum), P(sum)]>}) {
  return %b, %s : tensor<8x4xf32>, tensor<8x4xf32>
}

// Axis 0 cannot slice dim 0 under axis 1's split: numbers detour through
// P(sum) (pad, slice, reduce-scatter a quarter); i1 cannot hold partial
// values and is gathered, then sliced.
// CHECK-LABEL: func.func @partial_detour
// CHECK-NEXT: %[[D:.*]] = px.all_gather %arg1 dim = 0 mesh_axis = 1 {px.sbp = #px.sbp<[B, B]>} : tensor<8x4xi1>
// CHECK-NEXT: %[[E:.*]] = px.local_slice %[[D]] dim = 0 mesh_axis = 0 {px.sbp = #px.sbp<[S(0), B]>}
// CHECK-NEXT: %[[F:.*]] = px.local_slice %[[E]] dim = 0 mesh_axis = 1 {px.sbp = #px.sbp<[S(0), S(0)]>}
// CHECK-NEXT: %[[A:.*]] = px.local_pad sum %arg0 dim = 0 mesh_axis = 1 {px.sbp = #px.sbp<[B, P(sum)]>}
// CHECK-NEXT: %[[B:.*]] = px.local_slice %[[A]] dim = 0 mesh_axis = 0 {px.sbp = #px.sbp<[S(0), P(sum)]>}
// CHECK-NEXT: %[[C:.*]] = px.reduce_scatter sum %[[B]] dim = 0 mesh_axis = 1 {px.sbp = #px.sbp<[S(0), S(0)]>}
// CHECK-NEXT: return %[[C]], %[[F]]
func.func @partial_detour(%x: tensor<8x4xf32> {px.sbp = #px.sbp<[B, S(0)]>},
                          %m: tensor<8x4xi1> {px.sbp = #px.sbp<[B, S(0)]>})
    -> (tensor<8x4xf32> {px.sbp = #px.sbp<[S(0), S(0)]>},
        tensor<8x4xi1> {px.sbp = #px.sbp<[S(0), S(0)]>}) {
  return %x, %m : tensor<8x4xf32>, tensor<8x4xi1>
}

// -----

//===----------------------------------------------------------------------===//
// Consumers: px.sbp_in, sharing, op results, returns
//===----------------------------------------------------------------------===//

px.mesh @m shape = [2, 4]

// Two consumers needing [B, B] share one chain; [S(0), B] is sliced from
// its result rather than reduce-scattered from the argument; a consumer that
// gets what it expects is left alone.
// CHECK-LABEL: func.func @sharing
// CHECK-NEXT: %[[AR:.*]] = px.all_reduce sum %arg0 mesh_axis = 0 {px.sbp = #px.sbp<[B, B]>}
// CHECK-NEXT: %[[SL:.*]] = px.local_slice %[[AR]] dim = 0 mesh_axis = 0 {px.sbp = #px.sbp<[S(0), B]>}
// CHECK-NEXT: px.relu %[[AR]]
// CHECK-NEXT: px.exp %[[AR]]
// CHECK-NEXT: px.neg %[[SL]]
// CHECK-NEXT: px.neg %arg0
func.func @sharing(%x: tensor<8x16xf32> {px.sbp = #px.sbp<[P(sum), B]>}) {
  %0 = px.relu %x {px.sbp_in = [#px.sbp<[B, B]>], px.sbp = #px.sbp<[B, B]>} : tensor<8x16xf32>
  %1 = px.exp %x {px.sbp_in = [#px.sbp<[B, B]>], px.sbp = #px.sbp<[B, B]>} : tensor<8x16xf32>
  %2 = px.neg %x {px.sbp_in = [#px.sbp<[S(0), B]>], px.sbp = #px.sbp<[S(0), B]>} : tensor<8x16xf32>
  %3 = px.neg %x {px.sbp_in = [#px.sbp<[P(sum), B]>], px.sbp = #px.sbp<[P(sum), B]>} : tensor<8x16xf32>
  return
}

// Op results are producers; a multi-result op has one px.sbp per result;
// px.sbp_in may be a single #px.sbp for a single operand. The chains of
// %s#1 come right after the split, before %s#0's consumer.
// CHECK-LABEL: func.func @op_results
// CHECK: %[[W:.*]] = px.matmul
// CHECK-NEXT: %[[WB:.*]] = px.all_reduce sum %[[W]] mesh_axis = 1 {px.sbp = #px.sbp<[S(0), B]>}
// CHECK-NEXT: %[[S:.*]]:2 = px.split %[[WB]]
// CHECK-NEXT: %[[G:.*]] = px.all_gather %[[S]]#1 dim = 0 mesh_axis = 0 {px.sbp = #px.sbp<[B, B]>}
// CHECK-NEXT: px.relu %[[S]]#0
// CHECK-NEXT: px.add %[[G]], %[[G]]
func.func @op_results(%a: tensor<8x16xf32> {px.sbp = #px.sbp<[S(0), S(1)]>},
                      %b: tensor<16x8xf32> {px.sbp = #px.sbp<[B, S(0)]>}) {
  %w = px.matmul %a, %b {px.sbp_in = [#px.sbp<[S(0), S(1)]>, #px.sbp<[B, S(0)]>], px.sbp = #px.sbp<[S(0), P(sum)]>} : (tensor<8x16xf32>, tensor<16x8xf32>) -> tensor<8x8xf32>
  %s:2 = px.split %w {axis = 1 : i64, px.sbp_in = #px.sbp<[S(0), B]>, px.sbp = [#px.sbp<[S(0), B]>, #px.sbp<[S(0), B]>]} : (tensor<8x8xf32>) -> (tensor<8x4xf32>, tensor<8x4xf32>)
  %0 = px.relu %s#0 {px.sbp_in = [#px.sbp<[S(0), B]>], px.sbp = #px.sbp<[S(0), B]>} : tensor<8x4xf32>
  %1 = px.add %s#1, %s#1 {px.sbp_in = [#px.sbp<[B, B]>, #px.sbp<[B, B]>], px.sbp = #px.sbp<[B, B]>} : (tensor<8x4xf32>, tensor<8x4xf32>) -> tensor<8x4xf32>
  return
}

// A result without px.sbp is required replicated; the returned value's
// chain is shared with an op's operand.
// CHECK-LABEL: func.func @default_result
// CHECK-NEXT: %[[A:.*]] = px.all_gather %arg0 dim = 0 mesh_axis = 0 {px.sbp = #px.sbp<[B, S(1)]>}
// CHECK-NEXT: %[[B:.*]] = px.all_gather %[[A]] dim = 1 mesh_axis = 1 {px.sbp = #px.sbp<[B, B]>}
// CHECK-NEXT: px.exp %[[B]]
// CHECK-NEXT: return %[[B]], %arg0
func.func @default_result(%x: tensor<8x16xf32> {px.sbp = #px.sbp<[S(0), S(1)]>})
    -> (tensor<8x16xf32>, tensor<8x16xf32> {px.sbp = #px.sbp<[S(0), S(1)]>}) {
  %0 = px.exp %x {px.sbp_in = [#px.sbp<[B, B]>], px.sbp = #px.sbp<[B, B]>} : tensor<8x16xf32>
  return %x, %x : tensor<8x16xf32>, tensor<8x16xf32>
}

// Nothing distributed: nothing to do.
// CHECK-LABEL: func.func @undistributed
// CHECK-NEXT: px.exp
// CHECK-NEXT: return
func.func @undistributed(%x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = px.exp %x : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

//===----------------------------------------------------------------------===//
// The cluster decides: 2 x 8 spans two DGX nodes, axis 0 between them
//===----------------------------------------------------------------------===//

px.mesh @m shape = [2, 8]

// Gather over the slow axis first, while the pieces are small.
// CHECK-LABEL: func.func @slow_axis_first
// CHECK-NEXT: px.all_gather %arg0 dim = 0 mesh_axis = 0 {px.sbp = #px.sbp<[B, S(1)]>}
// CHECK-NEXT: px.all_gather %{{.*}} dim = 1 mesh_axis = 1 {px.sbp = #px.sbp<[B, B]>}
// H100-LABEL: func.func @slow_axis_first
// H100-NEXT: px.all_gather %arg0 dim = 0 mesh_axis = 0 {px.sbp = #px.sbp<[B, S(1)]>}
// H100-NEXT: px.all_gather %{{.*}} dim = 1 mesh_axis = 1 {px.sbp = #px.sbp<[B, B]>}
func.func @slow_axis_first(%x: tensor<64x64xf32> {px.sbp = #px.sbp<[S(0), S(1)]>})
    -> (tensor<64x64xf32> {px.sbp = #px.sbp<[B, B]>}) {
  return %x : tensor<64x64xf32>
}

// Reduce-scatter inside the node, all-reduce the eighth across, gather.
// CHECK-LABEL: func.func @hierarchical_all_reduce
// CHECK-NEXT: px.reduce_scatter sum %arg0 dim = 0 mesh_axis = 1 {px.sbp = #px.sbp<[P(sum), S(0)]>}
// CHECK-NEXT: px.all_reduce sum %{{.*}} mesh_axis = 0 {px.sbp = #px.sbp<[B, S(0)]>}
// CHECK-NEXT: px.all_gather %{{.*}} dim = 0 mesh_axis = 1 {px.sbp = #px.sbp<[B, B]>}
func.func @hierarchical_all_reduce(%x: tensor<64x64xf32> {px.sbp = #px.sbp<[P(sum), P(sum)]>})
    -> (tensor<64x64xf32> {px.sbp = #px.sbp<[B, B]>}) {
  return %x : tensor<64x64xf32>
}

// -----

//===----------------------------------------------------------------------===//
// Diagnostics
//===----------------------------------------------------------------------===//

px.mesh @m shape = [2]

func.func @producer_without_sbp(%x: tensor<4xf32> {px.sbp = #px.sbp<[B]>}) {
  // expected-error @+1 {{'px.exp' op result #0 has no px.sbp; run px-auto-sbp first}}
  %0 = px.exp %x : tensor<4xf32>
  // expected-note @+1 {{operand #0 of 'px.relu' needs it}}
  %1 = px.relu %0 {px.sbp_in = [#px.sbp<[B]>], px.sbp = #px.sbp<[B]>} : tensor<4xf32>
  return
}

// -----

px.mesh @m shape = [2]

// expected-error @+1 {{argument #1 has no px.sbp; run px-auto-sbp first}}
func.func @argument_without_sbp(%x: tensor<4xf32> {px.sbp = #px.sbp<[B]>}, %y: tensor<4xf32>) {
  // expected-note @+1 {{operand #1 of 'px.add' needs it}}
  %0 = px.add %x, %y {px.sbp_in = [#px.sbp<[B]>, #px.sbp<[B]>], px.sbp = #px.sbp<[B]>} : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  return
}

// -----

px.mesh @m shape = [2]

func.func @returned_without_sbp(%x: tensor<4xf32>) -> (tensor<4xf32> {px.sbp = #px.sbp<[S(0)]>}) {
  // expected-error @+1 {{'px.exp' op result #0 has no px.sbp; run px-auto-sbp first}}
  %0 = px.exp %x : tensor<4xf32>
  // expected-note @+1 {{operand #0 of 'func.return' needs it}}
  return %0 : tensor<4xf32>
}

// -----

px.mesh @m shape = [2]

// One row cannot be split over two ranks.
func.func @infeasible(%x: tensor<1x4xf32> {px.sbp = #px.sbp<[B]>}) {
  // expected-error @+1 {{'px.exp' op has no boxing path from #px.sbp<[B]> to #px.sbp<[S(0)]> for 'tensor<1x4xf32>' on px.mesh @m [2]: #px.sbp<[S(0)]> splits a dimension over more ranks than it has elements}}
  %0 = px.exp %x {px.sbp_in = [#px.sbp<[S(0)]>], px.sbp = #px.sbp<[S(0)]>} : tensor<1x4xf32>
  return
}

// -----

px.mesh @m shape = [2]

func.func @partial_boolean(%x: tensor<4xi1> {px.sbp = #px.sbp<[P(sum)]>}) {
  // expected-error @+1 {{'px.not' op has no boxing path from #px.sbp<[P(sum)]> to #px.sbp<[B]> for 'tensor<4xi1>' on px.mesh @m [2]: an i1 tensor cannot hold partial values}}
  %0 = px.not %x {px.sbp_in = [#px.sbp<[B]>], px.sbp = #px.sbp<[B]>} : tensor<4xi1>
  return
}

// -----

// 256 devices; dgx-a100 has 20 nodes of 8 (dgx-h100: 32 of 8).
px.mesh @m shape = [32, 16]

func.func @mesh_too_large(%x: tensor<64xf32> {px.sbp = #px.sbp<[P(sum), B]>}) {
  // expected-error-re @+1 {{px.mesh @m [32, 16]: the mesh needs more devices than cluster 'dgx-{{[ah]}}100' has ({{160|256}})}}
  %0 = px.exp %x {px.sbp_in = [#px.sbp<[B, B]>], px.sbp = #px.sbp<[B, B]>} : tensor<64xf32>
  return
}
