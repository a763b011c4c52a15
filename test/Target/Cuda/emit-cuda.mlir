// RUN: pxc %s --emit=source --target=cuda | FileCheck %s
// RUN: not pxc %s --emit=source --target=tpu 2>&1 | FileCheck %s --check-prefix=BAD

// The CPU target's program with libpxrt_cuda's kernels: actors see device
// addresses, and ActOrder orders the device work of different streams.
// CHECK: #include "pxrt/cuda.h"
// CHECK: using namespace pxrt::cuda;
// CHECK: static ActFn bindActor(RankContext &ctx, DeviceRank &rank, ActBody f) {
// CHECK: rank.order.begin(a.stream);
// CHECK: d.inputs.push_back(rank.arena.toDevice(slot));
// CHECK: f(ctx, rank.arena.device(), d);
// CHECK-NEXT: rank.order.end(a.stream);
// Inputs and outputs go through host staging.
// CHECK: static void act_c0_0(
// CHECK: deviceLoadInput(ctx, 0, a.piece, a.outputs[0], 128);
// CHECK: linear(view(a.inputs[0], DType::F32, {4, 8}), view(arena + 0, DType::F32, {8, 8}), nullptr, false, view(a.outputs[0], DType::F32, {4, 8}));
// A fused chain is a grid-stride kernel; only the coordinates a broadcast
// operand (the bias, [8]) needs are computed; the scalar constant is
// element 0.
// CHECK: __global__ void __launch_bounds__(256) loop_c0_0_scalar(const float *__restrict in0, const float *__restrict in1, const float *__restrict in2, float *__restrict out) {
// CHECK: for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < 32;
// CHECK-NEXT: i += int64_t(gridDim.x) * blockDim.x) {
// CHECK-NEXT: const int64_t c1 = (i / 1) % 8;
// CHECK-NEXT: const float v_in0 = in0[i];
// CHECK-NEXT: const float v_in1 = in1[0];
// CHECK-NEXT: const float v_in2 = in2[0 + c1 * 1];
// CHECK-NEXT: const float t0 = math::expF32(v_in0);
// CHECK-NEXT: const float t1 = t0 * v_in1;
// CHECK-NEXT: const float t2 = t1 + v_in2;
// CHECK-NEXT: out[i] = t2;
// The last dim is a multiple of 4: float4 loads of the unit-stride inputs,
// four lanes, one float4 store.
// CHECK: loop_c0_0_vec4(
// CHECK: q < 8;
// CHECK: const float4 l_in0 = *reinterpret_cast<const float4 *>(in0 + i);
// CHECK-NEXT: const float4 l_in2 = *reinterpret_cast<const float4 *>(in2 + 0 + c1 * 1);
// CHECK: const float v_in1 = in1[0 + 0];
// CHECK: const float v_in0 = l_in0.w;
// CHECK: *reinterpret_cast<float4 *>(out + i) = make_float4(r[0], r[1], r[2], r[3]);
// The launcher takes the float4 kernel when the pointers are aligned.
// CHECK: static void loop_c0_0(
// CHECK: if (aligned16(out) && aligned16(in0) && aligned16(in2)) {
// CHECK-NEXT: loop_c0_0_vec4<<<blocksFor(8), 256, 0, stream>>>(in0, in1, in2, out);
// CHECK: loop_c0_0_scalar<<<blocksFor(32), 256, 0, stream>>>(in0, in1, in2, out);
// Constants are uploaded once.
// CHECK: reinterpret_cast<const float *>(deviceConstant(constant_c0_0, sizeof constant_c0_0))
// CHECK: softmax(view(a.inputs[0], DType::F32, {4, 8}), 1, view(a.outputs[0], DType::F32, {4, 8}));
// CHECK: deviceStoreOutput(ctx, 0, a.piece, a.inputs[0], 128);
// The registers keep their offsets in the device arena.
// CHECK: static void build_c0(RankContext &ctx) {
// CHECK: DeviceRank &arena = deviceRank(g.arena(), 576);
// CHECK: p.createWorld = createNcclWorld;
// CHECK-NEXT: p.deviceMemory = true;

// BAD: error: --target must be cpu or cuda, not 'tpu'
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
