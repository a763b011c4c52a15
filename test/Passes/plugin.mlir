// Debian's mlir-opt loads px as a dialect and pass plugin.
// RUN: mlir-opt %s --load-dialect-plugin=%pxc_lib_dir/libPxPlugin.so \
// RUN:   --load-pass-plugin=%pxc_lib_dir/libPxPlugin.so \
// RUN:   --pass-pipeline="builtin.module(px-summary,canonicalize)" 2>&1 | FileCheck %s

// CHECK: function @main
// CHECK: matmul FLOPs per evaluation: 64
// CHECK-LABEL: func.func @main
// CHECK: px.linear %{{.*}}, %{{.*}} : (tensor<2x4xf32>, tensor<4x4xf32>) -> tensor<2x4xf32>
// CHECK-NOT: px.reshape

func.func @main(%x: tensor<2x4xf32>) -> tensor<2x4xf32> {
  %w = px.parameter "w" : tensor<4x4xf32> init = #px.init<ones>
  %y = px.matmul %x, %w : (tensor<2x4xf32>, tensor<4x4xf32>) -> tensor<2x4xf32>
  %z = px.reshape %y : tensor<2x4xf32> to tensor<2x4xf32>
  return %z : tensor<2x4xf32>
}
