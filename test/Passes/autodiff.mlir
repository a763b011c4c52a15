// RUN: pxc-opt %s --split-input-file --px-autodiff | FileCheck %s
// RUN: pxc-opt %s --split-input-file --px-autodiff --mlir-print-debuginfo | FileCheck %s --check-prefix=LOC

// One gradient result per trainable parameter, in parameter order; frozen
// parameters get none, unused ones get zeros.
// CHECK-LABEL: func.func @main
// CHECK-SAME: -> (tensor<f32> {px.name = "loss"}, tensor<4x3xf32> {px.name = "grad:w"}, tensor<3xf32> {px.name = "grad:b"}, tensor<5xf32> {px.name = "grad:unused"})
// CHECK: %[[W:.*]] = px.parameter "w"
// CHECK: %[[F:.*]] = px.parameter "f" frozen
// CHECK: %[[Y:.*]] = px.linear %arg0, %[[W]], %[[B:.*]] :
// CHECK: %[[LOSS:.*]] = px.reduce mean
// CHECK: %[[SEED:.*]] = px.constant dense<1.000000e+00> : tensor<f32>
// The mean's cotangent is spread over its inputs.
// CHECK: %[[GK:.*]] = px.reshape %[[SEED]] : tensor<f32> to tensor<1x1xf32>
// CHECK: %[[GS:.*]] = px.mul %[[GK]], %{{.*}} : (tensor<1x1xf32>, tensor<f32>) -> tensor<1x1xf32>
// CHECK: %[[GY0:.*]] = px.expand %[[GS]] : tensor<1x1xf32> to tensor<2x3xf32>
// mul by the frozen parameter: only the other side.
// CHECK: %[[GY:.*]] = px.mul %[[GY0]], %[[F]]
// CHECK-NOT: px.linear
// dW = x^T g, db = sum over rows.
// CHECK: %[[XT:.*]] = px.transpose %arg0 [1, 0]
// CHECK: %[[GW:.*]] = px.matmul %[[XT]], %[[GY]] : (tensor<4x2xf32>, tensor<2x3xf32>) -> tensor<4x3xf32>
// CHECK: %[[GB:.*]] = px.reduce sum %[[GY]] [0] : tensor<2x3xf32> to tensor<3xf32>
// CHECK: %[[Z:.*]] = px.constant dense<0.000000e+00> : tensor<5xf32>
// CHECK: return %[[LOSS]], %[[GW]], %[[GB]], %[[Z]]
// LOC-LABEL: func.func @main
// LOC: px.matmul {{.*}} loc(#[[VJP:.*]])
// LOC: #[[FWD:.*]] = loc("model.py":7:1)
// LOC: #[[VJP]] = loc(fused<"px.vjp">[#[[FWD]]])
func.func @main(%x: tensor<2x4xf32>) -> (tensor<f32> {px.name = "loss"}) {
  %w = px.parameter "w" : tensor<4x3xf32> init = #px.init<normal, 0.0, 0.02>
  %f = px.parameter "f" frozen : tensor<2x3xf32> init = #px.init<ones>
  %b = px.parameter "b" : tensor<3xf32> init = #px.init<zeros>
  %u = px.parameter "unused" : tensor<5xf32> init = #px.init<zeros>
  %y = px.linear %x, %w, %b : (tensor<2x4xf32>, tensor<4x3xf32>, tensor<3xf32>) -> tensor<2x3xf32> loc("model.py":7:1)
  %z = px.mul %y, %f : (tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<2x3xf32>
  %l = px.reduce mean %z [0, 1] : tensor<2x3xf32> to tensor<f32>
  return %l : tensor<f32>
}

// -----

// A value used twice gets its cotangents summed; broadcasting is summed back
// to the operand's shape.
// CHECK-LABEL: func.func @accumulate
// CHECK: %[[P:.*]] = px.parameter "p"
// CHECK: %[[T:.*]] = px.tanh %[[P]]
// CHECK: %[[S:.*]] = px.add %[[T]], %[[P]] : (tensor<3xf32>, tensor<3xf32>)
// CHECK: %[[M:.*]] = px.mul %[[S]], %arg0 : (tensor<3xf32>, tensor<2x3xf32>) -> tensor<2x3xf32>
// CHECK: %[[GM:.*]] = px.mul %{{.*}}, %arg0 : (tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<2x3xf32>
// CHECK: %[[GS:.*]] = px.reduce sum %[[GM]] [0] : tensor<2x3xf32> to tensor<3xf32>
// tanh: g (1 - y^2)
// CHECK: %[[YY:.*]] = px.mul %[[T]], %[[T]]
// CHECK: %[[D:.*]] = px.sub %{{.*}}, %[[YY]]
// CHECK: %[[GT:.*]] = px.mul %[[GS]], %[[D]]
// CHECK: %[[ACC:.*]] = px.add %[[GS]], %[[GT]] : (tensor<3xf32>, tensor<3xf32>) -> tensor<3xf32>
// CHECK: return %{{.*}}, %[[ACC]] : tensor<f32>, tensor<3xf32>
func.func @accumulate(%x: tensor<2x3xf32>) -> tensor<f32> {
  %p = px.parameter "p" : tensor<3xf32> init = #px.init<zeros>
  %t = px.tanh %p : tensor<3xf32>
  %s = px.add %t, %p : (tensor<3xf32>, tensor<3xf32>) -> tensor<3xf32>
  %m = px.mul %s, %x : (tensor<3xf32>, tensor<2x3xf32>) -> tensor<2x3xf32>
  %l = px.reduce sum %m [0, 1] : tensor<2x3xf32> to tensor<f32>
  return %l : tensor<f32>
}

// -----

// Embedding: the gather's weight gradient is a px.scatter_add of the
// cotangent; the indices get none. Cross-entropy labels get none either.
// CHECK-LABEL: func.func @embedding
// CHECK: %[[E:.*]] = px.parameter "wte"
// CHECK: px.cross_entropy
// CHECK: px.softmax %{{.*}} {axis = 2 : i64} : tensor<2x3x5xf32>
// CHECK: px.compare eq, %{{.*}}, %{{.*}} : (tensor<2x3x1xi64>, tensor<5xi64>) -> tensor<2x3x5xi1>
// CHECK: %[[GE:.*]] = px.scatter_add %{{.*}}[%arg0] {axis = 0 : i64} : (tensor<2x3x4xf32>, tensor<2x3xi64>) -> tensor<7x4xf32>
// CHECK: return %{{.*}}, %[[GE]], %{{.*}} : tensor<f32>, tensor<7x4xf32>, tensor<4x5xf32>
func.func @embedding(%ids: tensor<2x3xi64>, %labels: tensor<2x3xi64>) -> tensor<f32> {
  %wte = px.parameter "wte" : tensor<7x4xf32> init = #px.init<normal, 0.0, 0.02>
  %head = px.parameter "head" : tensor<4x5xf32> init = #px.init<normal, 0.0, 0.02>
  %x = px.gather %wte[%ids] {axis = 0 : i64} : (tensor<7x4xf32>, tensor<2x3xi64>) -> tensor<2x3x4xf32>
  %logits = px.linear %x, %head : (tensor<2x3x4xf32>, tensor<4x5xf32>) -> tensor<2x3x5xf32>
  %l = px.cross_entropy %logits, %labels : (tensor<2x3x5xf32>, tensor<2x3xi64>) -> tensor<f32>
  return %l : tensor<f32>
}

// -----

// Concat's cotangent is split back; split's pieces are concatenated, with
// zeros for an unused piece.
// CHECK-LABEL: func.func @concat_split
// CHECK: %[[C:.*]] = px.concat
// CHECK: %[[A:.*]]:2 = px.split
// CHECK: %[[Z:.*]] = px.constant dense<0.000000e+00> : tensor<2x1xf32>
// CHECK: %[[G:.*]] = px.concat %{{.*}}, %[[Z]] {axis = 1 : i64} : (tensor<2x3xf32>, tensor<2x1xf32>) -> tensor<2x4xf32>
// CHECK: %[[P:.*]]:2 = px.split %[[G]] {axis = 1 : i64} : (tensor<2x4xf32>) -> (tensor<2x1xf32>, tensor<2x3xf32>)
// CHECK: return %{{.*}}, %[[P]]#0, %[[P]]#1
func.func @concat_split() -> tensor<f32> {
  %a = px.parameter "a" : tensor<2x1xf32> init = #px.init<ones>
  %b = px.parameter "b" : tensor<2x3xf32> init = #px.init<ones>
  %c = px.concat %a, %b {axis = 1 : i64} : (tensor<2x1xf32>, tensor<2x3xf32>) -> tensor<2x4xf32>
  %p:2 = px.split %c {axis = 1 : i64} : (tensor<2x4xf32>) -> (tensor<2x3xf32>, tensor<2x1xf32>)
  %l = px.reduce sum %p#0 [0, 1] : tensor<2x3xf32> to tensor<f32>
  return %l : tensor<f32>
}
