// RUN: pxc-opt %s --px-append-loss=logits=logits --split-input-file --verify-diagnostics | FileCheck %s

// The logits chosen by name among several results.
// CHECK-LABEL: func.func @main
// CHECK-SAME: {px.name = "labels", px.role = "labels"}) -> (tensor<f32> {px.name = "loss"})
// CHECK: px.cross_entropy %[[B:.*]], %arg0 : (tensor<4x3xf32>, tensor<4xi64>)
func.func @main() -> (tensor<4x5xf32> {px.name = "a"}, tensor<4x3xf32> {px.name = "logits"}) {
  %a = px.parameter "a" : tensor<4x5xf32> init = #px.init<zeros>
  %b = px.parameter "b" : tensor<4x3xf32> init = #px.init<zeros>
  return %a, %b : tensor<4x5xf32>, tensor<4x3xf32>
}

// -----

// expected-error @+1 {{has no result named 'logits'}}
func.func @main() -> (tensor<4x5xf32> {px.name = "a"}) {
  %a = px.parameter "a" : tensor<4x5xf32> init = #px.init<zeros>
  return %a : tensor<4x5xf32>
}
