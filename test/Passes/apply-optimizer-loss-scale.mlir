// RUN: pxc-opt %s --px-apply-optimizer=loss-scale=true --split-input-file --verify-diagnostics | FileCheck %s
// RUN: pxc-opt %s --px-apply-optimizer="optimizer=sgd loss-scale=true" --split-input-file --verify-diagnostics | FileCheck %s --check-prefix=SGD

// Loss-scaled gradients (the backward seeded with hyper[16], as
// px-autodiff=loss-scale=true leaves them) are multiplied by
// hyper[kInvLossScale = 17] before the norm, the clipping and the update;
// the step is applied only where the norm is finite.
// CHECK-LABEL: func.func @main
// CHECK-SAME: %[[HYPER:[^ ]*]]: tensor<18xf32> {px.role = "hyper"}
// CHECK-NOT: px.role = "hyper"
// CHECK-SAME: -> (tensor<f32> {px.name = "loss"}, tensor<f32> {px.name = "grad_norm"})
// CHECK: %[[W:.*]] = px.parameter "w" : tensor<3x2xf32>
// CHECK: %[[B:.*]] = px.parameter "b" : tensor<2xf32>
// CHECK: %[[GW:.*]] = px.constant dense<2.000000e+00> : tensor<3x2xf32>
// CHECK: %[[GB:.*]] = px.constant dense<4.000000e+00> : tensor<2xf32>
// CHECK: %[[IS:.*]] = px.slice %[[HYPER]] offsets = [17] sizes = [1] strides = [1]
// CHECK: %[[INV:.*]] = px.reshape %[[IS]] : tensor<1xf32> to tensor<f32>
// CHECK: %[[UW:.*]] = px.mul %[[GW]], %[[INV]]
// CHECK: %[[UB:.*]] = px.mul %[[GB]], %[[INV]]
// CHECK: %[[SQW:.*]] = px.mul %[[UW]], %[[UW]]
// CHECK: %[[SW:.*]] = px.reduce sum %[[SQW]] [0, 1]
// CHECK: %[[SQB:.*]] = px.mul %[[UB]], %[[UB]]
// CHECK: %[[SB:.*]] = px.reduce sum %[[SQB]] [0]
// CHECK: %[[TOTAL:.*]] = px.add %[[SW]], %[[SB]]
// CHECK: %[[NORM:.*]] = px.sqrt %[[TOTAL]]
// CHECK: px.slice %[[HYPER]] offsets = [14] sizes = [1] strides = [1]
// CHECK: %[[COEF:.*]] = px.min
// CHECK: %[[INF:.*]] = px.constant dense<0x7F800000> : tensor<f32>
// CHECK: %[[FINITE:.*]] = px.compare lt, %[[NORM]], %[[INF]] : (tensor<f32>, tensor<f32>) -> tensor<i1>
// CHECK: %[[CW:.*]] = px.mul %[[UW]], %[[COEF]]
// CHECK: %[[M:.*]] = px.parameter "w.exp_avg" frozen
// CHECK: %[[V:.*]] = px.parameter "w.exp_avg_sq" frozen
// CHECK: %[[P:.*]], %[[M2:.*]], %[[V2:.*]] = px.adamw %[[W]], %[[CW]], %[[M]], %[[V]], %[[HYPER]]
// CHECK: %[[KP:.*]] = px.where %[[FINITE]], %[[P]], %[[W]] : (tensor<i1>, tensor<3x2xf32>, tensor<3x2xf32>) -> tensor<3x2xf32>
// CHECK: px.assign %[[W]], %[[KP]]
// CHECK: %[[KM:.*]] = px.where %[[FINITE]], %[[M2]], %[[M]]
// CHECK: px.assign %[[M]], %[[KM]]
// CHECK: %[[KV:.*]] = px.where %[[FINITE]], %[[V2]], %[[V]]
// CHECK: px.assign %[[V]], %[[KV]]
// CHECK: px.mul %[[UB]], %[[COEF]]
// CHECK: px.adamw %[[B]]
// CHECK: return %{{.*}}, %[[NORM]] : tensor<f32>, tensor<f32>
// SGD-LABEL: func.func @main
// SGD: %[[W:.*]] = px.parameter "w" : tensor<3x2xf32>
// SGD: %[[FINITE:.*]] = px.compare lt
// SGD: %[[BUF:.*]] = px.parameter "w.momentum_buffer" frozen
// SGD: %[[P:.*]], %[[BUF2:.*]] = px.sgd %[[W]], %{{.*}}, %[[BUF]], %{{.*}} : tensor<3x2xf32>, tensor<18xf32>
// SGD: %[[KP:.*]] = px.where %[[FINITE]], %[[P]], %[[W]]
// SGD: px.assign %[[W]], %[[KP]]
// SGD: %[[KB:.*]] = px.where %[[FINITE]], %[[BUF2]], %[[BUF]]
// SGD: px.assign %[[BUF]], %[[KB]]
func.func @main(%x: tensor<4x3xf32> {px.name = "x"}, %h: tensor<18xf32> {px.role = "hyper"}) -> (tensor<f32> {px.name = "loss"}, tensor<3x2xf32> {px.name = "grad:w"}, tensor<2xf32> {px.name = "grad:b"}) {
  %w = px.parameter "w" : tensor<3x2xf32> init = #px.init<normal, 0.0, 0.5>
  %b = px.parameter "b" : tensor<2xf32> init = #px.init<zeros>
  %y = px.matmul %x, %w : (tensor<4x3xf32>, tensor<3x2xf32>) -> tensor<4x2xf32>
  %z = px.add %y, %b : (tensor<4x2xf32>, tensor<2xf32>) -> tensor<4x2xf32>
  %l = px.reduce sum %z [0, 1] : tensor<4x2xf32> to tensor<f32>
  // The seed of the backward (its users elided here).
  %s = px.slice %h offsets = [16] sizes = [1] strides = [1] : tensor<18xf32> to tensor<1xf32>
  %gw = px.constant dense<2.0> : tensor<3x2xf32>
  %gb = px.constant dense<4.0> : tensor<2xf32>
  return %l, %gw, %gb : tensor<f32>, tensor<3x2xf32>, tensor<2xf32>
}

// -----

// Unscaling gradients that were not scaled would shrink them by S.
// expected-error @+1 {{loss-scale: the gradients are not loss-scaled; run px-autodiff with loss-scale=true}}
func.func @main(%h: tensor<18xf32> {px.role = "hyper"}) -> (tensor<f32>, tensor<2xf32> {px.name = "grad:b"}) {
  %l = px.constant dense<0.0> : tensor<f32>
  %b = px.parameter "b" : tensor<2xf32> init = #px.init<zeros>
  return %l, %b : tensor<f32>, tensor<2xf32>
}

// -----

// No hyper argument at all: nothing seeded the backward with the scale.
// expected-error @+1 {{loss-scale: the gradients are not loss-scaled; run px-autodiff with loss-scale=true}}
func.func @main() -> (tensor<f32>, tensor<2xf32> {px.name = "grad:b"}) {
  %l = px.constant dense<0.0> : tensor<f32>
  %b = px.parameter "b" : tensor<2xf32> init = #px.init<zeros>
  return %l, %b : tensor<f32>, tensor<2xf32>
}

// -----

// expected-error @+1 {{hyper-parameter argument is 'tensor<16xf32>', expected 'tensor<18xf32>'}}
func.func @main(%h: tensor<16xf32> {px.role = "hyper"}) -> (tensor<f32>, tensor<2xf32> {px.name = "grad:b"}) {
  %l = px.constant dense<0.0> : tensor<f32>
  %b = px.parameter "b" : tensor<2xf32> init = #px.init<zeros>
  return %l, %b : tensor<f32>, tensor<2xf32>
}
