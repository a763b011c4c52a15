// RUN: pxc-opt %s --split-input-file | pxc-opt --split-input-file | FileCheck %s
// RUN: pxc-opt %s --split-input-file --mlir-print-op-generic | pxc-opt --split-input-file | FileCheck %s
// Verifier errors: collectives-invalid.mlir.

px.mesh @m shape = [2, 4]

// CHECK-LABEL: func.func @every_op
func.func @every_op(%p: tensor<8x16xf32> {px.sbp = #px.sbp<[P(sum), B]>},
                    %q: tensor<8x16xf32> {px.sbp = #px.sbp<[B, P(max)]>},
                    %s: tensor<8x16xf32> {px.sbp = #px.sbp<[S(0), S(1)]>},
                    %b: tensor<8x16xi1> {px.sbp = #px.sbp<[B, B]>},
                    %u: tensor<8x16xf32>) {
  // CHECK: px.all_reduce sum %{{.*}} mesh_axis = 0 {px.sbp = #px.sbp<[B, B]>} : tensor<8x16xf32>
  %0 = px.all_reduce sum %p mesh_axis = 0 {px.sbp = #px.sbp<[B, B]>} : tensor<8x16xf32>
  // CHECK: px.all_reduce max %{{.*}} mesh_axis = 1 : tensor<8x16xf32>
  %1 = px.all_reduce max %q mesh_axis = 1 : tensor<8x16xf32>
  // CHECK: px.reduce_scatter sum %{{.*}} dim = 1 mesh_axis = 0 {px.sbp = #px.sbp<[S(1), B]>} : tensor<8x16xf32>
  %2 = px.reduce_scatter sum %p dim = 1 mesh_axis = 0 {px.sbp = #px.sbp<[S(1), B]>} : tensor<8x16xf32>
  // CHECK: px.reduce_scatter max %{{.*}} dim = 0 mesh_axis = 1 : tensor<8x16xf32>
  %3 = px.reduce_scatter max %q dim = 0 mesh_axis = 1 : tensor<8x16xf32>
  // CHECK: px.all_gather %{{.*}} dim = 1 mesh_axis = 1 {px.sbp = #px.sbp<[S(0), B]>} : tensor<8x16xf32>
  %4 = px.all_gather %s dim = 1 mesh_axis = 1 {px.sbp = #px.sbp<[S(0), B]>} : tensor<8x16xf32>
  // CHECK: px.all_to_all %{{.*}} src_dim = 1 dst_dim = 0 mesh_axis = 1 : tensor<8x16xf32>
  %5 = px.all_to_all %u src_dim = 1 dst_dim = 0 mesh_axis = 1 : tensor<8x16xf32>
  // CHECK: px.local_slice %{{.*}} dim = 0 mesh_axis = 0 : tensor<8x16xi1>
  %6 = px.local_slice %b dim = 0 mesh_axis = 0 : tensor<8x16xi1>
  // CHECK: px.local_mask sum %{{.*}} mesh_axis = 1 {px.sbp = #px.sbp<[P(sum), P(sum)]>} : tensor<8x16xf32>
  %7 = px.local_mask sum %p mesh_axis = 1 {px.sbp = #px.sbp<[P(sum), P(sum)]>} : tensor<8x16xf32>
  // CHECK: px.local_mask max %{{.*}} mesh_axis = 0 : tensor<8x16xf32>
  %8 = px.local_mask max %q mesh_axis = 0 : tensor<8x16xf32>
  // CHECK: px.local_pad sum %{{.*}} dim = 1 mesh_axis = 1 {px.sbp = #px.sbp<[S(0), P(sum)]>} : tensor<8x16xf32>
  %9 = px.local_pad sum %s dim = 1 mesh_axis = 1 {px.sbp = #px.sbp<[S(0), P(sum)]>} : tensor<8x16xf32>
  // CHECK: px.local_pad max %{{.*}} dim = 0 mesh_axis = 0 : tensor<8x16xi64>
  %i = px.constant dense<1> : tensor<8x16xi64>
  %10 = px.local_pad max %i dim = 0 mesh_axis = 0 : tensor<8x16xi64>
  return
}

// -----

// Collectives chain: each op's operand is the previous op's result.
px.mesh @m shape = [2, 2]

// CHECK-LABEL: func.func @chain
func.func @chain(%x: tensor<4x4xf32> {px.sbp = #px.sbp<[S(0), S(0)]>})
    -> (tensor<4x4xf32> {px.sbp = #px.sbp<[B, B]>}) {
  // CHECK: px.all_gather %{{.*}} dim = 0 mesh_axis = 1
  // CHECK: px.all_gather %{{.*}} dim = 0 mesh_axis = 0
  %0 = px.all_gather %x dim = 0 mesh_axis = 1 {px.sbp = #px.sbp<[S(0), B]>} : tensor<4x4xf32>
  %1 = px.all_gather %0 dim = 0 mesh_axis = 0 {px.sbp = #px.sbp<[B, B]>} : tensor<4x4xf32>
  return %1 : tensor<4x4xf32>
}
