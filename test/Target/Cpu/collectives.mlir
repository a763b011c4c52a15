// Boxing ops become communicator calls on the "comm" stream; chunks along a
// non-leading dimension are packed and unpacked on the same stream.
// RUN: pxc %s --emit=source | FileCheck %s

// CHECK: static void act_c0_{{[0-9]+}}(
// CHECK: Communicator &comm = ctx.axis(0);
// CHECK: comm.allGather(input.data, buffer->data(), counts, input.type, a.stream);
// CHECK: a.stream.enqueue([buffer, target, p] {
// CHECK: unpackChunks(buffer->data(), 1, p, target);
// CHECK: g.addActor("px.all_gather #{{[0-9]+}}", "comm", {{.*}}bindActor(ctx, arena, act_c0_{{[0-9]+}})
px.mesh @mesh shape = [2]
func.func @main(%x: tensor<4x8xf32> {px.name = "x", px.sbp = #px.sbp<[S(1)]>})
    -> (tensor<4x8xf32> {px.name = "y", px.sbp = #px.sbp<[B]>}) {
  %y = px.relu %x {px.sbp = #px.sbp<[S(1)]>} : tensor<4x8xf32>
  return %y : tensor<4x8xf32>
}
