// RUN: pxc-opt %s --split-input-file --px-auto-sbp --verify-diagnostics
// RUN: not pxc-opt %s --split-input-file --px-auto-sbp="cluster=nope" 2>&1 | FileCheck %s --check-prefix=CLUSTER

// CLUSTER: error: px-auto-sbp: {{.*}}nope

// expected-error @+1 {{px.sbp needs a px.mesh declaration}}
func.func @no_mesh(%x: tensor<4xf32>) -> tensor<4xf32> {
  return %x : tensor<4xf32>
}

// -----

px.mesh @mesh shape = [4]
func.func private @g(tensor<4xf32>) -> tensor<4xf32>
func.func @call(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{'func.call' op has no SBP signatures; px-auto-sbp cannot distribute it}}
  %y = func.call @g(%x) : (tensor<4xf32>) -> tensor<4xf32>
  return %y : tensor<4xf32>
}

// -----

px.mesh @mesh shape = [4]
func.func @bad_constraint(%x: tensor<4x8xf32>) -> tensor<4x8xf32> {
  // expected-error @+1 {{'px.softmax' op has no N-D SBP signature on mesh 4 that agrees with its px.sbp/px.sbp_in}}
  %y = px.softmax %x {axis = 1 : i64, px.sbp = #px.sbp<[S(1)]>} : tensor<4x8xf32>
  return %y : tensor<4x8xf32>
}
