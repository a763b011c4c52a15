// RUN: pxc-opt %s --split-input-file --verify-diagnostics

// Collectives check their mesh axis and dims, and that the producer's
// px.sbp and their own agree with what they do on that axis.

px.mesh @m shape = [2]

func.func @axis_out_of_range(%x: tensor<4xf32>) {
  // expected-error @+1 {{'px.all_reduce' op mesh_axis 1 is out of range for px.mesh @m with 1 axes}}
  %0 = px.all_reduce sum %x mesh_axis = 1 : tensor<4xf32>
  return
}

// -----

px.mesh @m shape = [2]

func.func @negative_axis(%x: tensor<4xf32>) {
  // expected-error @+1 {{'px.all_gather' op attribute 'mesh_axis' failed to satisfy constraint: 64-bit signless integer attribute whose value is non-negative}}
  %0 = px.all_gather %x dim = 0 mesh_axis = -1 : tensor<4xf32>
  return
}

// -----

px.mesh @m shape = [2]

func.func @dim_out_of_range(%x: tensor<4x4xf32>) {
  // expected-error @+1 {{'px.local_slice' op dim 2 is out of range for a rank-2 tensor}}
  %0 = px.local_slice %x dim = 2 mesh_axis = 0 : tensor<4x4xf32>
  return
}

// -----

px.mesh @m shape = [2]

func.func @huge_dim(%x: tensor<4x4xf32>) {
  // expected-error @+1 {{'px.reduce_scatter' op dim 2147483647 is out of range for a rank-2 tensor}}
  %0 = px.reduce_scatter sum %x dim = 4294967296 mesh_axis = 0 : tensor<4x4xf32>
  return
}

// -----

px.mesh @m shape = [2]

func.func @all_to_all_same_dim(%x: tensor<4x4xf32>) {
  // expected-error @+1 {{'px.all_to_all' op does not change the distribution: S(1) -> S(1)}}
  %0 = px.all_to_all %x src_dim = 1 dst_dim = 1 mesh_axis = 0 : tensor<4x4xf32>
  return
}

// -----

px.mesh @m shape = [2]

func.func @type_changes(%x: tensor<4xf32>) {
  // expected-error @+1 {{'px.all_reduce' op changes the type 'tensor<4xf32>' -> 'tensor<8xf32>' outside a per-rank (px.ranks) function}}
  %0 = "px.all_reduce"(%x) <{mesh_axis = 0 : i64, reduce = 0 : i32}> : (tensor<4xf32>) -> tensor<8xf32>
  return
}

// -----

px.mesh @m shape = [2]

func.func @partial_boolean(%x: tensor<4xi1>) {
  // expected-error @+1 {{'px.local_mask' op operand #0 must be statically shaped tensor of}}
  %0 = px.local_mask sum %x mesh_axis = 0 : tensor<4xi1>
  return
}

// -----

px.mesh @m shape = [2]

func.func @unknown_reduction(%x: tensor<4xf32>) {
  // expected-error @+1 {{expected string or keyword containing one of the following enum values for attribute 'reduce' [sum, max]}}
  %0 = px.all_reduce min %x mesh_axis = 0 : tensor<4xf32>
  return
}

// -----

func.func @no_mesh(%x: tensor<4xf32>) {
  // expected-error @+1 {{px.sbp needs a px.mesh declaration}}
  %0 = px.all_gather %x dim = 0 mesh_axis = 0 : tensor<4xf32>
  return
}

// -----

px.mesh @m shape = [2, 2]

func.func @operand_disagrees(%x: tensor<4x4xf32> {px.sbp = #px.sbp<[S(1), B]>}) {
  // expected-error @+1 {{'px.all_gather' op expects S(0) on mesh axis 0, but its operand is distributed as #px.sbp<[S(1), B]>}}
  %0 = px.all_gather %x dim = 0 mesh_axis = 0 : tensor<4x4xf32>
  return
}

// -----

px.mesh @m shape = [2, 2]

func.func @operand_op_disagrees() {
  %c = px.constant {px.sbp = #px.sbp<[B, S(0)]>} dense<1.0> : tensor<4x4xf32>
  // expected-error @+1 {{'px.local_pad' op expects S(1) on mesh axis 1, but its operand is distributed as #px.sbp<[B, S(0)]>}}
  %0 = px.local_pad sum %c dim = 1 mesh_axis = 1 : tensor<4x4xf32>
  return
}

// -----

px.mesh @m shape = [2, 2]

func.func @result_disagrees(%x: tensor<4x4xf32>) {
  // expected-error @+1 {{'px.all_reduce' op produces B on mesh axis 1, but its px.sbp is #px.sbp<[B, S(0)]>}}
  %0 = px.all_reduce sum %x mesh_axis = 1 {px.sbp = #px.sbp<[B, S(0)]>} : tensor<4x4xf32>
  return
}

// -----

px.mesh @m shape = [2, 2]

func.func @mask_kind_disagrees(%x: tensor<4x4xf32>) {
  // expected-error @+1 {{'px.local_mask' op produces P(max) on mesh axis 0, but its px.sbp is #px.sbp<[P(sum), B]>}}
  %0 = px.local_mask max %x mesh_axis = 0 {px.sbp = #px.sbp<[P(sum), B]>} : tensor<4x4xf32>
  return
}

// -----

px.mesh @m shape = [2, 2]

func.func @other_axis_changes(%x: tensor<4x4xf32> {px.sbp = #px.sbp<[P(sum), S(0)]>}) {
  // expected-error @+1 {{'px.all_reduce' op runs over mesh axis 0 only, but mesh axis 1 changes: #px.sbp<[P(sum), S(0)]> -> #px.sbp<[B, B]>}}
  %0 = px.all_reduce sum %x mesh_axis = 0 {px.sbp = #px.sbp<[B, B]>} : tensor<4x4xf32>
  return
}

// -----

px.mesh @m shape = [2, 2]

// [S(0), S(0)]: axis 1 splits axis 0's chunks again, so the ranks of axis 0
// hold interleaved rows.
func.func @nested_split(%x: tensor<4x4xf32> {px.sbp = #px.sbp<[S(0), S(0)]>}) {
  // expected-error @+1 {{'px.all_gather' op runs over mesh axis 0, but mesh axis 1 also splits dim 0 (#px.sbp<[S(0), S(0)]>): its chunks are cut again, change mesh axis 1 first}}
  %0 = px.all_gather %x dim = 0 mesh_axis = 0 : tensor<4x4xf32>
  return
}

// -----

px.mesh @m shape = [2, 2]

// Only the result is annotated: the check uses it.
func.func @nested_split_into(%x: tensor<4x4xf32>) {
  // expected-error @+1 {{'px.local_slice' op runs over mesh axis 0, but mesh axis 1 also splits dim 1 (#px.sbp<[S(1), S(1)]>)}}
  %0 = px.local_slice %x dim = 1 mesh_axis = 0 {px.sbp = #px.sbp<[S(1), S(1)]>} : tensor<4x4xf32>
  return
}

// -----

px.mesh @m shape = [2, 2]

// [P(sum), P(max)] sums over axis 0 values that are maxima over axis 1.
func.func @mixed_partials(%x: tensor<4x4xf32> {px.sbp = #px.sbp<[P(sum), P(max)]>}) {
  // expected-error @+1 {{'px.reduce_scatter' op reduces P(sum) over mesh axis 0, but mesh axis 1 holds P(max) partial values (#px.sbp<[P(sum), P(max)]>), which must be reduced first}}
  %0 = px.reduce_scatter sum %x dim = 0 mesh_axis = 0 : tensor<4x4xf32>
  return
}
