// RUN: pxc-opt %s --split-input-file --px-mixed-precision=compute-type=bf16 | FileCheck %s
// RUN: not pxc-opt %s --split-input-file --px-mixed-precision=compute-type=f8 2>&1 | FileCheck %s --check-prefix=BAD
// BAD: error: px-mixed-precision: compute-type must be bf16 or f16, not 'f8'

// Products read bf16 casts of their f32 operands (the weight too: the f32
// parameter is the master copy) and are cast back to f32; the casts run on
// the product's stage and phase, not under its name. Other ops stay f32.
// CHECK-LABEL: func.func @main
// CHECK: %[[W:.*]] = px.parameter "w"
// CHECK: %[[XL:.*]] = px.cast %arg0 {px.phase = "forward", px.stage = 1 : i64} : tensor<4x8xf32> to tensor<4x8xbf16>
// CHECK: %[[WL:.*]] = px.cast %[[W]] {px.phase = "forward", px.stage = 1 : i64} : tensor<8x2xf32> to tensor<8x2xbf16>
// CHECK: %[[P:.*]] = px.linear %[[XL]], %[[WL]] {px.name = "fc", px.phase = "forward", px.stage = 1 : i64} : (tensor<4x8xbf16>, tensor<8x2xbf16>) -> tensor<4x2xbf16>
// CHECK: %[[Y:.*]] = px.cast %[[P]] {px.phase = "forward", px.stage = 1 : i64} : tensor<4x2xbf16> to tensor<4x2xf32>
// CHECK: %[[T:.*]] = px.tanh %[[Y]] : tensor<4x2xf32>
// CHECK: %[[A:.*]] = px.cast %[[T]] : tensor<4x2xf32> to tensor<4x2xbf16>
// CHECK: %[[B:.*]] = px.cast %arg1 : tensor<2x3xf32> to tensor<2x3xbf16>
// CHECK: %[[M:.*]] = px.matmul %[[A]], %[[B]] : (tensor<4x2xbf16>, tensor<2x3xbf16>) -> tensor<4x3xbf16>
// CHECK: %[[R:.*]] = px.cast %[[M]] : tensor<4x3xbf16> to tensor<4x3xf32>
// CHECK: return %[[R]]
func.func @main(%x: tensor<4x8xf32>, %z: tensor<2x3xf32>) -> tensor<4x3xf32> {
  %w = px.parameter "w" : tensor<8x2xf32> init = #px.init<normal, 0.0, 0.02>
  %y = px.linear %x, %w {px.name = "fc", px.stage = 1 : i64, px.phase = "forward"} : (tensor<4x8xf32>, tensor<8x2xf32>) -> tensor<4x2xf32>
  %t = px.tanh %y : tensor<4x2xf32>
  %m = px.matmul %t, %z : (tensor<4x2xf32>, tensor<2x3xf32>) -> tensor<4x3xf32>
  return %m : tensor<4x3xf32>
}

// -----

// Products already in a low precision are left alone.
// CHECK-LABEL: func.func @low
// CHECK-NEXT: %[[M:.*]] = px.matmul %arg0, %arg1 : (tensor<2x2xf16>, tensor<2x2xf16>) -> tensor<2x2xf16>
// CHECK-NEXT: return %[[M]]
func.func @low(%a: tensor<2x2xf16>, %b: tensor<2x2xf16>) -> tensor<2x2xf16> {
  %m = px.matmul %a, %b : (tensor<2x2xf16>, tensor<2x2xf16>) -> tensor<2x2xf16>
  return %m : tensor<2x2xf16>
}
