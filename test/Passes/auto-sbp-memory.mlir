// An infeasible memory limit names the largest tensors.
// RUN: pxc-opt %s --px-auto-sbp="memory-limit=0.1" --verify-diagnostics
// RUN: pxc-opt %s --px-auto-sbp="memory-limit=0.3" | FileCheck %s

// With room for a quarter of the weight, it is split four ways.
// CHECK: px.parameter "w" {{.*}} {px.sbp = #px.sbp<[S({{[01]}})]>}

px.mesh @mesh shape = [4]
// expected-error @+1 {{the leanest plan needs 0.25 GiB per device, over the limit of 0.10 GiB}}
func.func @too_big(%x: tensor<4x16384xf32>) -> tensor<4x16384xf32> {
  // expected-note @+1 {{px.parameter "w": 0.25 GiB per device}}
  %w = px.parameter "w" : tensor<16384x16384xf32> init = #px.init<normal, 0.0, 0.02>
  %y = px.matmul %x, %w : (tensor<4x16384xf32>, tensor<16384x16384xf32>) -> tensor<4x16384xf32>
  return %y : tensor<4x16384xf32>
}

