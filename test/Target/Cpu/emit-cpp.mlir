// RUN: pxc %s --emit=source | FileCheck %s

// A product with a 2-D weight is px.linear; elementwise chains become one
// loop; other ops call libpxrt kernels; every
// value an actor reads comes from a register in the arena.
// One function per actor body, then the builder that wires them.
// CHECK: static void act_c0_0(RankContext &ctx, char *arena, ActContext &a) {
// CHECK: ctx.loadInput(0, a.piece, a.outputs[0]);
// CHECK: static void act_c0_1(
// CHECK: linear(view(a.inputs[0], DType::F32, {4, 8}), view(arena + 0, DType::F32, {8, 8}), nullptr, false, view(a.outputs[0], DType::F32, {4, 8}));
// A fused loop is a function of restrict pointers (so that it vectorizes),
// compiled for several ISAs when it calls pxrt/math.h; its actor calls it.
// CHECK: PXRT_SIMD static void loop_c0_0(const float *__restrict in0, const float *__restrict in1, const float *__restrict in2, float *__restrict out) {
// CHECK: for (int64_t i0 = 0; i0 < 4; ++i0)
// CHECK: for (int64_t i1 = 0; i1 < 8; ++i1)
// CHECK: const float t0 = math::expF32(v_in0);
// CHECK: const float t1 = t0 * v_in1;
// CHECK: const float t2 = t1 + v_in2;
// CHECK: out[((0) * 4 + i0) * 8 + i1] = t2;
// CHECK: static void act_c0_2(
// CHECK-NEXT: (void)ctx;
// CHECK-NEXT: (void)arena;
// CHECK-NEXT: loop_c0_0(reinterpret_cast<const float *>(a.inputs[0]), reinterpret_cast<const float *>(constant_c0_0), reinterpret_cast<const float *>(arena + 256), static_cast<float *>(a.outputs[0]));
// CHECK: static void act_c0_3(
// CHECK: softmax(view(a.inputs[0], DType::F32, {4, 8}), 1, view(a.outputs[0], DType::F32, {4, 8}));
// CHECK: static void act_c0_4(
// CHECK: ctx.storeOutput(0, a.piece, a.inputs[0]);
// CHECK: static void build_c0(RankContext &ctx) {
// CHECK: g.setStrictOrder("comm");
// CHECK: g.addActor("input 0", "compute", {}, {r0}, bindActor(ctx, arena, act_c0_0), -1);
// CHECK: g.addActor("px.linear #3", "compute", {r0}, {r1}, bindActor(ctx, arena, act_c0_1), 3);
// CHECK: g.addActor("fused exp mul add #6", "compute", {r1}, {r2}, bindActor(ctx, arena, act_c0_2), 6);
// CHECK: g.addActor("px.softmax #7", "compute", {r2}, {r3}, bindActor(ctx, arena, act_c0_3), 7);
// CHECK: g.addActor("output 0", "compute", {r3}, {}, bindActor(ctx, arena, act_c0_4), 8);
// CHECK: p.mesh = {1};
// CHECK: p.inputs.push_back(TensorSpec{"x", DType::F32, {4, 8}, "[B]"});
// CHECK: s.init = ParameterSpec::Init::Normal;
// CHECK: p.classes.push_back(RankClass{{[{][{]}}0}
px.mesh @mesh shape = [1]
func.func @main(%x: tensor<4x8xf32> {px.name = "x"}) -> (tensor<4x8xf32> {px.name = "y"}) {
  %w = px.parameter "w" : tensor<8x8xf32> init = #px.init<normal, 0.0, 0.02>
  %b = px.parameter "b" : tensor<8xf32> init = #px.init<zeros>
  %h = px.matmul %x, %w : (tensor<4x8xf32>, tensor<8x8xf32>) -> tensor<4x8xf32>
  %e = px.exp %h : tensor<4x8xf32>
  %s = px.constant dense<0.5> : tensor<f32>
  %m = px.mul %e, %s : (tensor<4x8xf32>, tensor<f32>) -> tensor<4x8xf32>
  %a = px.add %m, %b : (tensor<4x8xf32>, tensor<8xf32>) -> tensor<4x8xf32>
  %y = px.softmax %a {axis = 1 : i64} : tensor<4x8xf32>
  return %y : tensor<4x8xf32>
}
