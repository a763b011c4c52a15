// RUN: pxc %s --emit=source | FileCheck %s

// A reshape with several users is no actor of its own: each user reads the
// reshape's input in place, which lives until the last of them.
// CHECK-NOT: px.reshape
// CHECK: softmax(view(a.inputs[0], DType::F32, {2, 16}), 1, view(a.outputs[0], DType::F32, {2, 16}));
// CHECK: const int r1 = g.addRegister("px.linear", 128, 1, [[H:[0-9]+]]);
// CHECK-NOT: g.addRegister("px.mul", 128, 1, [[H]]);
// CHECK: g.addActor("input 0"
// CHECK: g.addActor("px.linear #1", "compute", {r0}, {r1},
// CHECK: g.addActor("px.softmax #3", "compute", {r1}, {r2},
// CHECK: g.addActor("fused exp mul #5", "compute", {r1, r2}, {r3},
// CHECK-NOT: px.reshape
px.mesh @mesh shape = [1]
func.func @main(%x: tensor<4x8xf32> {px.name = "x"}) -> (tensor<2x16xf32> {px.name = "y"}, tensor<2x16xf32> {px.name = "z"}) {
  %w = px.parameter "w" : tensor<8x8xf32> init = #px.init<normal, 0.0, 0.02>
  %h = px.matmul %x, %w : (tensor<4x8xf32>, tensor<8x8xf32>) -> tensor<4x8xf32>
  %r = px.reshape %h : tensor<4x8xf32> to tensor<2x16xf32>
  %s = px.softmax %r {axis = 1 : i64} : tensor<2x16xf32>
  %e = px.exp %r : tensor<2x16xf32>
  %t = px.mul %e, %s : (tensor<2x16xf32>, tensor<2x16xf32>) -> tensor<2x16xf32>
  return %s, %t : tensor<2x16xf32>, tensor<2x16xf32>
}
