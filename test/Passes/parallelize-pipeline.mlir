// RUN: pxc-opt %s --pxc-parallelize | FileCheck %s

// The pipeline folds what import left foldable (transposes of weights into
// px.linear) and merges duplicates.
// CHECK-LABEL: func.func @main
// CHECK-NEXT: %[[W:.*]] = px.parameter "w"
// CHECK-NEXT: %[[Y:.*]] = px.linear %arg0, %[[W]]
// CHECK-NEXT: %[[S:.*]] = px.add %[[Y]], %[[Y]]
// CHECK-NEXT: return %[[S]]
func.func @main(%x: tensor<2x4xf32>) -> tensor<2x4xf32> {
  %w = px.parameter "w" : tensor<4x4xf32> init = #px.init<ones>
  %t = px.transpose %w [1, 0] : tensor<4x4xf32> to tensor<4x4xf32>
  %tt = px.transpose %t [1, 0] : tensor<4x4xf32> to tensor<4x4xf32>
  %a = px.matmul %x, %tt : (tensor<2x4xf32>, tensor<4x4xf32>) -> tensor<2x4xf32>
  %b = px.matmul %x, %w : (tensor<2x4xf32>, tensor<4x4xf32>) -> tensor<2x4xf32>
  %s = px.add %a, %b : (tensor<2x4xf32>, tensor<2x4xf32>) -> tensor<2x4xf32>
  return %s : tensor<2x4xf32>
}
