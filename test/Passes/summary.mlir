// RUN: pxc-opt %s --px-summary -o /dev/null 2>&1 | FileCheck %s
// RUN: pxc-opt %s --px-summary="output=%t.txt" -o /dev/null && FileCheck %s --input-file=%t.txt
// RUN: not pxc-opt %s --px-summary="output=%t.missing/dir/x.txt" -o /dev/null 2>&1 | FileCheck %s --check-prefix=BADFILE

// CHECK: mesh @m: 2x4 (data, model), 8 devices
// CHECK-LABEL: function @main
// CHECK-NEXT: inputs (2):
// CHECK-NEXT:   x: tensor<8x16xf32>
// CHECK-NEXT:   #1: tensor<8xi64>
// CHECK-NEXT: outputs (1):
// CHECK-NEXT:   y: tensor<8x32xf32>
// CHECK-NEXT: parameters: 3 tensors (1 frozen), 1568 elements, 6.1 KiB
// 2*8*32*16 (matmul) + 2*8*32*32 (linear)
// CHECK-NEXT: matmul FLOPs per evaluation: 24576
// CHECK-NEXT: ops (8):
// CHECK-NEXT:   px.parameter 3
// CHECK-NEXT:   func.return 1
// CHECK-NEXT:   px.add 1
// CHECK-NEXT:   px.linear 1
// CHECK-NEXT:   px.matmul 1
// CHECK-NEXT:   px.relu 1
// BADFILE: error: cannot open output file

px.mesh @m shape = [2, 4] axes = ["data", "model"]
func.func @main(%x: tensor<8x16xf32> {px.name = "x"}, %ids: tensor<8xi64>)
    -> (tensor<8x32xf32> {px.name = "y"}) {
  %w = px.parameter "w" : tensor<16x32xf32> init = #px.init<normal, 0.0, 0.02>
  %v = px.parameter "v" frozen : tensor<32x32xf32> init = #px.init<zeros>
  %b = px.parameter "b" : tensor<32xf32> init = #px.init<zeros>
  %h = px.matmul %x, %w : (tensor<8x16xf32>, tensor<16x32xf32>) -> tensor<8x32xf32>
  %r = px.relu %h : tensor<8x32xf32>
  %l = px.linear %r, %v : (tensor<8x32xf32>, tensor<32x32xf32>) -> tensor<8x32xf32>
  %y = px.add %l, %b : (tensor<8x32xf32>, tensor<32xf32>) -> tensor<8x32xf32>
  return %y : tensor<8x32xf32>
}
