// RUN: pxc-opt %s --split-input-file | pxc-opt --split-input-file | FileCheck %s
// Round trip through the generic form as well.
// RUN: pxc-opt %s --split-input-file --mlir-print-op-generic | pxc-opt --split-input-file | FileCheck %s

//===----------------------------------------------------------------------===//
// Mesh
//===----------------------------------------------------------------------===//

// CHECK: px.mesh @grid shape = [2, 4] axes = ["data", "model"]{{$}}
// CHECK: px.mesh @line shape = [8]{{$}}
// CHECK: px.mesh @cube shape = [2, 2, 2] axes = ["a", "b", "c"] {px.name = "cube"}
px.mesh @grid shape = [2, 4] axes = ["data", "model"]
px.mesh @line shape = [8]
px.mesh @cube shape = [2, 2, 2] axes = ["a", "b", "c"] {px.name = "cube"}

// -----

//===----------------------------------------------------------------------===//
// Parameters and constants
//===----------------------------------------------------------------------===//

// CHECK-LABEL: func.func @parameters
func.func @parameters() {
  // CHECK: px.parameter "ckpt" : tensor<4xf32>{{$}}
  %0 = px.parameter "ckpt" : tensor<4xf32>
  // CHECK: px.parameter "zeros" : tensor<4xf32> init = #px.init<zeros>{{$}}
  %1 = px.parameter "zeros" : tensor<4xf32> init = #px.init<zeros>
  // CHECK: px.parameter "ones" : tensor<2x3xbf16> init = #px.init<ones>{{$}}
  %2 = px.parameter "ones" : tensor<2x3xbf16> init = #px.init<ones>
  // CHECK: px.parameter "normal" : tensor<4x4xf32> init = #px.init<normal, 0.000000e+00, 2.000000e-02>{{$}}
  %3 = px.parameter "normal" : tensor<4x4xf32> init = #px.init<normal, 0.0, 0.02>
  // CHECK: px.parameter "uniform" : tensor<4xf16> init = #px.init<uniform, -1.000000e-01, 1.000000e-01>{{$}}
  %4 = px.parameter "uniform" : tensor<4xf16> init = #px.init<uniform, -0.1, 0.1>
  // CHECK: px.parameter "int_zeros" : tensor<3xi64> init = #px.init<zeros>{{$}}
  %5 = px.parameter "int_zeros" : tensor<3xi64> init = #px.init<zeros>
  // CHECK: px.parameter "dense" : tensor<2xf32> init = dense<[1.000000e+00, 2.000000e+00]> : tensor<2xf32>{{$}}
  %6 = px.parameter "dense" : tensor<2xf32> init = dense<[1.0, 2.0]> : tensor<2xf32>
  // CHECK: px.parameter "frozen" frozen : tensor<4xf32> init = dense<1.000000e+00> : tensor<4xf32>{{$}}
  %7 = px.parameter "frozen" frozen : tensor<4xf32> init = dense<1.0> : tensor<4xf32>
  // CHECK: px.parameter "frozen_ckpt" frozen : tensor<4xf32>{{$}}
  %8 = px.parameter "frozen_ckpt" frozen : tensor<4xf32>
  // CHECK: px.parameter "external" : tensor<96x96xf32> init = #px.external<"gpt.onnx", offset = 4096, size = 36864>{{$}}
  %9 = px.parameter "external" : tensor<96x96xf32> init = #px.external<"gpt.onnx", offset = 4096, size = 36864>
  // 2 bytes per bf16, 1 byte per i1.
  // CHECK: px.parameter "ext_bf16" : tensor<3x5xbf16> init = #px.external<"w.bin", offset = 0, size = 30>{{$}}
  %10 = px.parameter "ext_bf16" : tensor<3x5xbf16> init = #px.external<"w.bin", offset = 0, size = 30>
  // CHECK: px.parameter "ext_mask" frozen : tensor<7xi1> init = #px.external<"m.bin", offset = 8, size = 7>{{$}}
  %11 = px.parameter "ext_mask" frozen : tensor<7xi1> init = #px.external<"m.bin", offset = 8, size = 7>
  return
}

// CHECK-LABEL: func.func @constants
func.func @constants() {
  // CHECK: px.constant dense<0.000000e+00> : tensor<2x3xf32>
  %0 = px.constant dense<0.0> : tensor<2x3xf32>
  // CHECK: px.constant dense<[1, 2, 3]> : tensor<3xi64>
  %1 = px.constant dense<[1, 2, 3]> : tensor<3xi64>
  // CHECK: px.constant dense<true> : tensor<i1>
  %2 = px.constant dense<true> : tensor<i1>
  // CHECK: px.constant {px.name = "c"} dense<7> : tensor<2xi32>
  %3 = px.constant {px.name = "c"} dense<7> : tensor<2xi32>
  return
}

// -----

//===----------------------------------------------------------------------===//
// Linear algebra
//===----------------------------------------------------------------------===//

// CHECK-LABEL: func.func @linear_algebra
func.func @linear_algebra(%x: tensor<2x8x16xf32>, %w: tensor<16x32xf32>,
                          %wt: tensor<32x16xf32>, %b: tensor<32xf32>,
                          %y: tensor<3x1x16x4xf32>) {
  // CHECK: px.matmul %{{.*}}, %{{.*}} : (tensor<2x8x16xf32>, tensor<16x32xf32>) -> tensor<2x8x32xf32>
  %0 = px.matmul %x, %w : (tensor<2x8x16xf32>, tensor<16x32xf32>) -> tensor<2x8x32xf32>
  // Batch dims broadcast: [2] vs [3, 1] -> [3, 2].
  // CHECK: px.matmul %{{.*}}, %{{.*}} : (tensor<2x8x16xf32>, tensor<3x1x16x4xf32>) -> tensor<3x2x8x4xf32>
  %1 = px.matmul %x, %y : (tensor<2x8x16xf32>, tensor<3x1x16x4xf32>) -> tensor<3x2x8x4xf32>
  // CHECK: px.linear %{{.*}}, %{{.*}} : (tensor<2x8x16xf32>, tensor<16x32xf32>) -> tensor<2x8x32xf32>
  %2 = px.linear %x, %w : (tensor<2x8x16xf32>, tensor<16x32xf32>) -> tensor<2x8x32xf32>
  // CHECK: px.linear %{{.*}}, %{{.*}}, %{{.*}} : (tensor<2x8x16xf32>, tensor<16x32xf32>, tensor<32xf32>) -> tensor<2x8x32xf32>
  %3 = px.linear %x, %w, %b : (tensor<2x8x16xf32>, tensor<16x32xf32>, tensor<32xf32>) -> tensor<2x8x32xf32>
  // CHECK: px.linear %{{.*}}, %{{.*}}, %{{.*}} {transpose_w} : (tensor<2x8x16xf32>, tensor<32x16xf32>, tensor<32xf32>) -> tensor<2x8x32xf32>
  %4 = px.linear %x, %wt, %b {transpose_w} : (tensor<2x8x16xf32>, tensor<32x16xf32>, tensor<32xf32>) -> tensor<2x8x32xf32>
  return
}

// -----

//===----------------------------------------------------------------------===//
// Elementwise
//===----------------------------------------------------------------------===//

// CHECK-LABEL: func.func @binary
func.func @binary(%a: tensor<4x8xf32>, %b: tensor<8xf32>, %c: tensor<4x1xf32>,
                  %i: tensor<4x8xi64>, %j: tensor<i64>,
                  %p: tensor<4x8xi1>, %q: tensor<8xi1>) {
  // CHECK: px.add %{{.*}}, %{{.*}} : (tensor<4x8xf32>, tensor<8xf32>) -> tensor<4x8xf32>
  %0 = px.add %a, %b : (tensor<4x8xf32>, tensor<8xf32>) -> tensor<4x8xf32>
  // CHECK: px.sub %{{.*}}, %{{.*}} : (tensor<4x1xf32>, tensor<8xf32>) -> tensor<4x8xf32>
  %1 = px.sub %c, %b : (tensor<4x1xf32>, tensor<8xf32>) -> tensor<4x8xf32>
  // CHECK: px.mul %{{.*}}, %{{.*}} : (tensor<4x8xi64>, tensor<i64>) -> tensor<4x8xi64>
  %2 = px.mul %i, %j : (tensor<4x8xi64>, tensor<i64>) -> tensor<4x8xi64>
  // CHECK: px.div %{{.*}}, %{{.*}} : (tensor<4x8xf32>, tensor<4x1xf32>) -> tensor<4x8xf32>
  %3 = px.div %a, %c : (tensor<4x8xf32>, tensor<4x1xf32>) -> tensor<4x8xf32>
  // CHECK: px.pow %{{.*}}, %{{.*}} : (tensor<4x8xf32>, tensor<8xf32>) -> tensor<4x8xf32>
  %4 = px.pow %a, %b : (tensor<4x8xf32>, tensor<8xf32>) -> tensor<4x8xf32>
  // CHECK: px.max %{{.*}}, %{{.*}} : (tensor<4x8xi64>, tensor<i64>) -> tensor<4x8xi64>
  %5 = px.max %i, %j : (tensor<4x8xi64>, tensor<i64>) -> tensor<4x8xi64>
  // CHECK: px.min %{{.*}}, %{{.*}} : (tensor<4x8xf32>, tensor<4x8xf32>) -> tensor<4x8xf32>
  %6 = px.min %a, %a : (tensor<4x8xf32>, tensor<4x8xf32>) -> tensor<4x8xf32>
  // CHECK: px.and %{{.*}}, %{{.*}} : (tensor<4x8xi1>, tensor<8xi1>) -> tensor<4x8xi1>
  %7 = px.and %p, %q : (tensor<4x8xi1>, tensor<8xi1>) -> tensor<4x8xi1>
  // CHECK: px.or %{{.*}}, %{{.*}} : (tensor<4x8xi1>, tensor<4x8xi1>) -> tensor<4x8xi1>
  %8 = px.or %p, %p : (tensor<4x8xi1>, tensor<4x8xi1>) -> tensor<4x8xi1>
  return
}

// CHECK-LABEL: func.func @compare
func.func @compare(%a: tensor<4x8xf32>, %b: tensor<8xf32>, %i: tensor<3xi32>,
                   %p: tensor<3xi1>) {
  // CHECK: px.compare eq, %{{.*}}, %{{.*}} : (tensor<4x8xf32>, tensor<8xf32>) -> tensor<4x8xi1>
  %0 = px.compare eq, %a, %b : (tensor<4x8xf32>, tensor<8xf32>) -> tensor<4x8xi1>
  // CHECK: px.compare ne, %{{.*}}, %{{.*}} : (tensor<3xi32>, tensor<3xi32>) -> tensor<3xi1>
  %1 = px.compare ne, %i, %i : (tensor<3xi32>, tensor<3xi32>) -> tensor<3xi1>
  // CHECK: px.compare lt, %{{.*}}, %{{.*}} : (tensor<4x8xf32>, tensor<8xf32>) -> tensor<4x8xi1>
  %2 = px.compare lt, %a, %b : (tensor<4x8xf32>, tensor<8xf32>) -> tensor<4x8xi1>
  // CHECK: px.compare le, %{{.*}}, %{{.*}} : (tensor<8xf32>, tensor<4x8xf32>) -> tensor<4x8xi1>
  %3 = px.compare le, %b, %a : (tensor<8xf32>, tensor<4x8xf32>) -> tensor<4x8xi1>
  // CHECK: px.compare gt, %{{.*}}, %{{.*}} : (tensor<3xi32>, tensor<3xi32>) -> tensor<3xi1>
  %4 = px.compare gt, %i, %i : (tensor<3xi32>, tensor<3xi32>) -> tensor<3xi1>
  // CHECK: px.compare ge, %{{.*}}, %{{.*}} : (tensor<3xi1>, tensor<3xi1>) -> tensor<3xi1>
  %5 = px.compare ge, %p, %p : (tensor<3xi1>, tensor<3xi1>) -> tensor<3xi1>
  return
}

// CHECK-LABEL: func.func @where
func.func @where(%c: tensor<4x1xi1>, %a: tensor<8xf32>, %b: tensor<f32>,
                 %i: tensor<4x8xi64>) {
  // CHECK: px.where %{{.*}}, %{{.*}}, %{{.*}} : (tensor<4x1xi1>, tensor<8xf32>, tensor<f32>) -> tensor<4x8xf32>
  %0 = px.where %c, %a, %b : (tensor<4x1xi1>, tensor<8xf32>, tensor<f32>) -> tensor<4x8xf32>
  // CHECK: px.where %{{.*}}, %{{.*}}, %{{.*}} : (tensor<4x1xi1>, tensor<4x8xi64>, tensor<4x8xi64>) -> tensor<4x8xi64>
  %1 = px.where %c, %i, %i : (tensor<4x1xi1>, tensor<4x8xi64>, tensor<4x8xi64>) -> tensor<4x8xi64>
  return
}

// CHECK-LABEL: func.func @unary
func.func @unary(%x: tensor<2x3xf32>, %i: tensor<5xi32>, %p: tensor<4xi1>,
                 %h: tensor<2xbf16>) {
  // CHECK: px.neg %{{.*}} : tensor<2x3xf32>
  %0 = px.neg %x : tensor<2x3xf32>
  // CHECK: px.neg %{{.*}} : tensor<5xi32>
  %1 = px.neg %i : tensor<5xi32>
  // CHECK: px.abs %{{.*}} : tensor<5xi32>
  %2 = px.abs %i : tensor<5xi32>
  // CHECK: px.exp %{{.*}} : tensor<2x3xf32>
  %3 = px.exp %x : tensor<2x3xf32>
  // CHECK: px.log %{{.*}} : tensor<2x3xf32>
  %4 = px.log %x : tensor<2x3xf32>
  // CHECK: px.sqrt %{{.*}} : tensor<2x3xf32>
  %5 = px.sqrt %x : tensor<2x3xf32>
  // CHECK: px.rsqrt %{{.*}} : tensor<2x3xf32>
  %6 = px.rsqrt %x : tensor<2x3xf32>
  // CHECK: px.reciprocal %{{.*}} : tensor<2x3xf32>
  %7 = px.reciprocal %x : tensor<2x3xf32>
  // CHECK: px.tanh %{{.*}} : tensor<2x3xf32>
  %8 = px.tanh %x : tensor<2x3xf32>
  // CHECK: px.erf %{{.*}} : tensor<2x3xf32>
  %9 = px.erf %x : tensor<2x3xf32>
  // CHECK: px.sin %{{.*}} : tensor<2x3xf32>
  %10 = px.sin %x : tensor<2x3xf32>
  // CHECK: px.cos %{{.*}} : tensor<2x3xf32>
  %11 = px.cos %x : tensor<2x3xf32>
  // CHECK: px.relu %{{.*}} : tensor<2x3xf32>
  %12 = px.relu %x : tensor<2x3xf32>
  // CHECK: px.relu %{{.*}} : tensor<5xi32>
  %13 = px.relu %i : tensor<5xi32>
  // CHECK: px.sigmoid %{{.*}} : tensor<2xbf16>
  %14 = px.sigmoid %h : tensor<2xbf16>
  // CHECK: px.not %{{.*}} : tensor<4xi1>
  %15 = px.not %p : tensor<4xi1>
  // The default approximation is not printed.
  // CHECK: px.gelu %{{.*}} : tensor<2x3xf32>
  %16 = px.gelu %x : tensor<2x3xf32>
  // CHECK: px.gelu %{{.*}} : tensor<2x3xf32>
  %17 = px.gelu %x approximate = none : tensor<2x3xf32>
  // CHECK: px.gelu %{{.*}} approximate = tanh : tensor<2x3xf32>
  %18 = px.gelu %x approximate = tanh : tensor<2x3xf32>
  return
}

// CHECK-LABEL: func.func @cast
func.func @cast(%x: tensor<2x3xf32>, %i: tensor<2x3xi64>, %p: tensor<2x3xi1>) {
  // CHECK: px.cast %{{.*}} : tensor<2x3xf32> to tensor<2x3xi32>
  %0 = px.cast %x : tensor<2x3xf32> to tensor<2x3xi32>
  // CHECK: px.cast %{{.*}} : tensor<2x3xi64> to tensor<2x3xbf16>
  %1 = px.cast %i : tensor<2x3xi64> to tensor<2x3xbf16>
  // CHECK: px.cast %{{.*}} : tensor<2x3xi1> to tensor<2x3xf32>
  %2 = px.cast %p : tensor<2x3xi1> to tensor<2x3xf32>
  return
}

// -----

//===----------------------------------------------------------------------===//
// Normalization
//===----------------------------------------------------------------------===//

// CHECK-LABEL: func.func @norms
func.func @norms(%x: tensor<2x8x16xf32>, %s: tensor<16xf32>, %b: tensor<16xf32>,
                 %s2: tensor<8x16xf32>) {
  // CHECK: px.softmax %{{.*}} {axis = 2 : i64} : tensor<2x8x16xf32>
  %0 = px.softmax %x {axis = 2 : i64} : tensor<2x8x16xf32>
  // CHECK: px.softmax %{{.*}} {axis = 0 : i64} : tensor<2x8x16xf32>
  %1 = px.softmax %x {axis = 0 : i64} : tensor<2x8x16xf32>
  // CHECK: px.log_softmax %{{.*}} {axis = 1 : i64} : tensor<2x8x16xf32>
  %2 = px.log_softmax %x {axis = 1 : i64} : tensor<2x8x16xf32>
  // CHECK: px.layer_norm %{{.*}} {axis = 2 : i64, epsilon = 1.000000e-05 : f64} : (tensor<2x8x16xf32>) -> tensor<2x8x16xf32>
  %3 = px.layer_norm %x {axis = 2 : i64, epsilon = 1.0e-5 : f64} : (tensor<2x8x16xf32>) -> tensor<2x8x16xf32>
  // CHECK: px.layer_norm %{{.*}} scale %{{.*}} {axis = 2 : i64, epsilon = 1.000000e-05 : f64} : (tensor<2x8x16xf32>, tensor<16xf32>) -> tensor<2x8x16xf32>
  %4 = px.layer_norm %x scale %s {axis = 2 : i64, epsilon = 1.0e-5 : f64} : (tensor<2x8x16xf32>, tensor<16xf32>) -> tensor<2x8x16xf32>
  // CHECK: px.layer_norm %{{.*}} bias %{{.*}} {axis = 2 : i64, epsilon = 1.000000e-05 : f64} : (tensor<2x8x16xf32>, tensor<16xf32>) -> tensor<2x8x16xf32>
  %5 = px.layer_norm %x bias %b {axis = 2 : i64, epsilon = 1.0e-5 : f64} : (tensor<2x8x16xf32>, tensor<16xf32>) -> tensor<2x8x16xf32>
  // CHECK: px.layer_norm %{{.*}} scale %{{.*}} bias %{{.*}} {axis = 2 : i64, epsilon = 1.000000e-05 : f64} : (tensor<2x8x16xf32>, tensor<16xf32>, tensor<16xf32>) -> tensor<2x8x16xf32>
  %6 = px.layer_norm %x scale %s bias %b {axis = 2 : i64, epsilon = 1.0e-5 : f64} : (tensor<2x8x16xf32>, tensor<16xf32>, tensor<16xf32>) -> tensor<2x8x16xf32>
  // Normalizing over the last two dims; epsilon 0 is allowed.
  // CHECK: px.layer_norm %{{.*}} scale %{{.*}} {axis = 1 : i64, epsilon = 0.000000e+00 : f64} : (tensor<2x8x16xf32>, tensor<8x16xf32>) -> tensor<2x8x16xf32>
  %7 = px.layer_norm %x scale %s2 {axis = 1 : i64, epsilon = 0.0 : f64} : (tensor<2x8x16xf32>, tensor<8x16xf32>) -> tensor<2x8x16xf32>
  // CHECK: px.rms_norm %{{.*}} {axis = 2 : i64, epsilon = 9.9999999999999995E-7 : f64} : (tensor<2x8x16xf32>) -> tensor<2x8x16xf32>
  %8 = px.rms_norm %x {axis = 2 : i64, epsilon = 1.0e-6 : f64} : (tensor<2x8x16xf32>) -> tensor<2x8x16xf32>
  // CHECK: px.rms_norm %{{.*}} scale %{{.*}} {axis = 2 : i64, epsilon = 9.9999999999999995E-7 : f64} : (tensor<2x8x16xf32>, tensor<16xf32>) -> tensor<2x8x16xf32>
  %9 = px.rms_norm %x scale %s {axis = 2 : i64, epsilon = 1.0e-6 : f64} : (tensor<2x8x16xf32>, tensor<16xf32>) -> tensor<2x8x16xf32>
  return
}

// -----

//===----------------------------------------------------------------------===//
// Data movement
//===----------------------------------------------------------------------===//

// CHECK-LABEL: func.func @gather
func.func @gather(%table: tensor<50x16xf32>, %ids: tensor<4x8xi64>,
                  %x: tensor<3x5x7xbf16>, %i: tensor<2xi32>) {
  // CHECK: px.gather %{{.*}}[%{{.*}}] {axis = 0 : i64} : (tensor<50x16xf32>, tensor<4x8xi64>) -> tensor<4x8x16xf32>
  %0 = px.gather %table[%ids] {axis = 0 : i64} : (tensor<50x16xf32>, tensor<4x8xi64>) -> tensor<4x8x16xf32>
  // CHECK: px.gather %{{.*}}[%{{.*}}] {axis = 1 : i64} : (tensor<3x5x7xbf16>, tensor<2xi32>) -> tensor<3x2x7xbf16>
  %1 = px.gather %x[%i] {axis = 1 : i64} : (tensor<3x5x7xbf16>, tensor<2xi32>) -> tensor<3x2x7xbf16>
  return
}

// CHECK-LABEL: func.func @scatter_add
func.func @scatter_add(%g: tensor<4x8x16xf32>, %ids: tensor<4x8xi64>, %u: tensor<3x2x7xf64>, %i: tensor<2xi32>) {
  // CHECK: px.scatter_add %{{.*}}[%{{.*}}] {axis = 0 : i64} : (tensor<4x8x16xf32>, tensor<4x8xi64>) -> tensor<50x16xf32>
  %0 = px.scatter_add %g[%ids] {axis = 0 : i64} : (tensor<4x8x16xf32>, tensor<4x8xi64>) -> tensor<50x16xf32>
  // CHECK: px.scatter_add %{{.*}}[%{{.*}}] {axis = 1 : i64} : (tensor<3x2x7xf64>, tensor<2xi32>) -> tensor<3x5x7xf64>
  %1 = px.scatter_add %u[%i] {axis = 1 : i64} : (tensor<3x2x7xf64>, tensor<2xi32>) -> tensor<3x5x7xf64>
  return
}

// -----

// CHECK-LABEL: func.func @reshape_transpose_expand
func.func @reshape_transpose_expand(%x: tensor<2x3x4xf32>, %v: tensor<3x1xi64>) {
  // CHECK: px.reshape %{{.*}} : tensor<2x3x4xf32> to tensor<6x4xf32>
  %0 = px.reshape %x : tensor<2x3x4xf32> to tensor<6x4xf32>
  // CHECK: px.reshape %{{.*}} : tensor<2x3x4xf32> to tensor<24xf32>
  %1 = px.reshape %x : tensor<2x3x4xf32> to tensor<24xf32>
  // CHECK: px.transpose %{{.*}} [2, 0, 1] : tensor<2x3x4xf32> to tensor<4x2x3xf32>
  %2 = px.transpose %x [2, 0, 1] : tensor<2x3x4xf32> to tensor<4x2x3xf32>
  // CHECK: px.expand %{{.*}} : tensor<3x1xi64> to tensor<2x3x5xi64>
  %3 = px.expand %v : tensor<3x1xi64> to tensor<2x3x5xi64>
  return
}

// CHECK-LABEL: func.func @concat_split
func.func @concat_split(%a: tensor<2x3xf32>, %b: tensor<2x5xf32>) {
  // CHECK: px.concat %{{.*}}, %{{.*}}, %{{.*}} {axis = 1 : i64} : (tensor<2x3xf32>, tensor<2x5xf32>, tensor<2x3xf32>) -> tensor<2x11xf32>
  %0 = px.concat %a, %b, %a {axis = 1 : i64} : (tensor<2x3xf32>, tensor<2x5xf32>, tensor<2x3xf32>) -> tensor<2x11xf32>
  // CHECK: px.concat %{{.*}}, %{{.*}} {axis = 0 : i64} : (tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<4x3xf32>
  %1 = px.concat %a, %a {axis = 0 : i64} : (tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<4x3xf32>
  // CHECK: %{{.*}}:3 = px.split %{{.*}} {axis = 1 : i64} : (tensor<2x11xf32>) -> (tensor<2x3xf32>, tensor<2x5xf32>, tensor<2x3xf32>)
  %2:3 = px.split %0 {axis = 1 : i64} : (tensor<2x11xf32>) -> (tensor<2x3xf32>, tensor<2x5xf32>, tensor<2x3xf32>)
  // CHECK: px.split %{{.*}} {axis = 0 : i64} : (tensor<2x3xf32>) -> tensor<2x3xf32>
  %3 = px.split %a {axis = 0 : i64} : (tensor<2x3xf32>) -> tensor<2x3xf32>
  return
}

// CHECK-LABEL: func.func @slice
func.func @slice(%x: tensor<8x6xf32>) {
  // CHECK: px.slice %{{.*}} offsets = [1, 0] sizes = [4, 6] strides = [1, 1] : tensor<8x6xf32> to tensor<4x6xf32>
  %0 = px.slice %x offsets = [1, 0] sizes = [4, 6] strides = [1, 1] : tensor<8x6xf32> to tensor<4x6xf32>
  // Every other row, columns 1, 3, 5.
  // CHECK: px.slice %{{.*}} offsets = [0, 1] sizes = [4, 3] strides = [2, 2] : tensor<8x6xf32> to tensor<4x3xf32>
  %1 = px.slice %x offsets = [0, 1] sizes = [4, 3] strides = [2, 2] : tensor<8x6xf32> to tensor<4x3xf32>
  // Reversal: rows 7, 6, ..., 0.
  // CHECK: px.slice %{{.*}} offsets = [7, 0] sizes = [8, 6] strides = [-1, 1] : tensor<8x6xf32> to tensor<8x6xf32>
  %2 = px.slice %x offsets = [7, 0] sizes = [8, 6] strides = [-1, 1] : tensor<8x6xf32> to tensor<8x6xf32>
  // Rows 5, 2; columns 4, 1.
  // CHECK: px.slice %{{.*}} offsets = [5, 4] sizes = [2, 2] strides = [-3, -3] : tensor<8x6xf32> to tensor<2x2xf32>
  %3 = px.slice %x offsets = [5, 4] sizes = [2, 2] strides = [-3, -3] : tensor<8x6xf32> to tensor<2x2xf32>
  // CHECK: px.slice %{{.*}} offsets = [0, 0] sizes = [0, 6] strides = [1, 1] : tensor<8x6xf32> to tensor<0x6xf32>
  %4 = px.slice %x offsets = [0, 0] sizes = [0, 6] strides = [1, 1] : tensor<8x6xf32> to tensor<0x6xf32>
  return
}

// CHECK-LABEL: func.func @trilu
func.func @trilu(%x: tensor<2x4x4xf32>, %m: tensor<4x4xi1>) {
  // CHECK: px.trilu %{{.*}} : tensor<2x4x4xf32>
  %0 = px.trilu %x : tensor<2x4x4xf32>
  // CHECK: px.trilu %{{.*}} upper {k = 1 : i64} : tensor<2x4x4xf32>
  %1 = px.trilu %x upper {k = 1 : i64} : tensor<2x4x4xf32>
  // CHECK: px.trilu %{{.*}} {k = -1 : i64} : tensor<4x4xi1>
  %2 = px.trilu %m {k = -1 : i64} : tensor<4x4xi1>
  return
}

// -----

//===----------------------------------------------------------------------===//
// Reductions and loss
//===----------------------------------------------------------------------===//

// CHECK-LABEL: func.func @reduce
func.func @reduce(%x: tensor<2x3x4xf32>, %i: tensor<5x6xi32>) {
  // CHECK: px.reduce sum %{{.*}} [1] : tensor<2x3x4xf32> to tensor<2x4xf32>
  %0 = px.reduce sum %x [1] : tensor<2x3x4xf32> to tensor<2x4xf32>
  // CHECK: px.reduce mean %{{.*}} [0, 2] keepdims : tensor<2x3x4xf32> to tensor<1x3x1xf32>
  %1 = px.reduce mean %x [0, 2] keepdims : tensor<2x3x4xf32> to tensor<1x3x1xf32>
  // CHECK: px.reduce max %{{.*}} [0, 1, 2] : tensor<2x3x4xf32> to tensor<f32>
  %2 = px.reduce max %x [0, 1, 2] : tensor<2x3x4xf32> to tensor<f32>
  // CHECK: px.reduce min %{{.*}} [1] keepdims : tensor<5x6xi32> to tensor<5x1xi32>
  %3 = px.reduce min %i [1] keepdims : tensor<5x6xi32> to tensor<5x1xi32>
  // CHECK: px.reduce sum %{{.*}} [1, 0] : tensor<5x6xi32> to tensor<i32>
  %4 = px.reduce sum %i [1, 0] : tensor<5x6xi32> to tensor<i32>
  return
}

// CHECK-LABEL: func.func @cross_entropy
func.func @cross_entropy(%logits: tensor<4x8x50xf32>, %labels: tensor<4x8xi64>,
                         %l1: tensor<50xbf16>, %y1: tensor<i32>) {
  // The default reduction (mean) is not printed.
  // CHECK: px.cross_entropy %{{.*}}, %{{.*}} : (tensor<4x8x50xf32>, tensor<4x8xi64>) -> tensor<f32>
  %0 = px.cross_entropy %logits, %labels : (tensor<4x8x50xf32>, tensor<4x8xi64>) -> tensor<f32>
  // CHECK: px.cross_entropy %{{.*}}, %{{.*}} : (tensor<4x8x50xf32>, tensor<4x8xi64>) -> tensor<f32>
  %1 = px.cross_entropy %logits, %labels reduction = mean : (tensor<4x8x50xf32>, tensor<4x8xi64>) -> tensor<f32>
  // CHECK: px.cross_entropy %{{.*}}, %{{.*}} reduction = sum : (tensor<4x8x50xf32>, tensor<4x8xi64>) -> tensor<f32>
  %2 = px.cross_entropy %logits, %labels reduction = sum : (tensor<4x8x50xf32>, tensor<4x8xi64>) -> tensor<f32>
  // CHECK: px.cross_entropy %{{.*}}, %{{.*}} reduction = none : (tensor<4x8x50xf32>, tensor<4x8xi64>) -> tensor<4x8xf32>
  %3 = px.cross_entropy %logits, %labels reduction = none : (tensor<4x8x50xf32>, tensor<4x8xi64>) -> tensor<4x8xf32>
  // CHECK: px.cross_entropy %{{.*}}, %{{.*}} ignore_index = -100 : (tensor<4x8x50xf32>, tensor<4x8xi64>) -> tensor<f32>
  %4 = px.cross_entropy %logits, %labels ignore_index = -100 : (tensor<4x8x50xf32>, tensor<4x8xi64>) -> tensor<f32>
  // CHECK: px.cross_entropy %{{.*}}, %{{.*}} reduction = sum ignore_index = 0 : (tensor<4x8x50xf32>, tensor<4x8xi64>) -> tensor<f32>
  %5 = px.cross_entropy %logits, %labels reduction = sum ignore_index = 0 : (tensor<4x8x50xf32>, tensor<4x8xi64>) -> tensor<f32>
  // A single sample: rank-1 logits, scalar label.
  // CHECK: px.cross_entropy %{{.*}}, %{{.*}} reduction = none : (tensor<50xbf16>, tensor<i32>) -> tensor<bf16>
  %6 = px.cross_entropy %l1, %y1 reduction = none : (tensor<50xbf16>, tensor<i32>) -> tensor<bf16>
  return
}

// -----

//===----------------------------------------------------------------------===//
// Distribution attributes: px.sbp, px.stage, px.mesh, px.name
//===----------------------------------------------------------------------===//

px.mesh @mesh shape = [2, 4] axes = ["data", "model"]

// CHECK-LABEL: func.func @sbp
// CHECK-SAME: (%{{.*}}: tensor<8x16xf32> {px.sbp = #px.sbp<[S(0), B]>}, %{{.*}}: tensor<16x32xf32> {px.sbp = #px.sbp<[B, S(1)]>})
// CHECK-SAME: -> (tensor<8x32xf32> {px.sbp = #px.sbp<[S(0), S(1)]>}, tensor<f32> {px.sbp = #px.sbp<[P(sum), P(max)]>})
func.func @sbp(%x: tensor<8x16xf32> {px.sbp = #px.sbp<[S(0), B]>},
               %w: tensor<16x32xf32> {px.sbp = #px.sbp<[B, S(1)]>})
    -> (tensor<8x32xf32> {px.sbp = #px.sbp<[S(0), S(1)]>},
        tensor<f32> {px.sbp = #px.sbp<[P(sum), P(max)]>}) {
  // CHECK: px.matmul {{.*}} {px.sbp = #px.sbp<[S(0), S(1)]>, px.stage = 0 : i64}
  %0 = px.matmul %x, %w {px.sbp = #px.sbp<[S(0), S(1)]>, px.stage = 0 : i64} : (tensor<8x16xf32>, tensor<16x32xf32>) -> tensor<8x32xf32>
  // `P` is short for P(sum).
  // CHECK: px.reduce sum {{.*}} {px.sbp = #px.sbp<[P(sum), P(sum)]>, px.stage = 1 : i64}
  %1 = px.reduce sum %0 [0, 1] {px.sbp = #px.sbp<[P, P(sum)]>, px.stage = 1 : i64} : tensor<8x32xf32> to tensor<f32>
  // Multi-result ops take one #px.sbp per result.
  // CHECK: px.split {{.*}} {axis = 1 : i64, px.sbp = [#px.sbp<[S(0), B]>, #px.sbp<[B, S(1)]>]}
  %2:2 = px.split %0 {axis = 1 : i64, px.sbp = [#px.sbp<[S(0), B]>, #px.sbp<[B, S(1)]>]} : (tensor<8x32xf32>) -> (tensor<8x16xf32>, tensor<8x16xf32>)
  // A single-result op also accepts a one-element array.
  // CHECK: px.neg {{.*}} {px.sbp = [#px.sbp<[S(1), S(0)]>]}
  %3 = px.neg %x {px.sbp = [#px.sbp<[S(1), S(0)]>]} : tensor<8x16xf32>
  // Splitting one tensor dim over both mesh axes.
  // CHECK: px.exp {{.*}} {px.name = "e", px.sbp = #px.sbp<[S(0), S(0)]>}
  %4 = px.exp %x {px.sbp = #px.sbp<[S(0), S(0)]>, px.name = "e"} : tensor<8x16xf32>
  // CHECK: px.parameter "p" : tensor<4xf32> init = #px.init<zeros> {px.sbp = #px.sbp<[B, S(0)]>, px.stage = 3 : i64}
  %5 = px.parameter "p" : tensor<4xf32> init = #px.init<zeros> {px.sbp = #px.sbp<[B, S(0)]>, px.stage = 3 : i64}
  %6 = px.reduce max %1 [] {px.sbp = #px.sbp<[P(max), P(max)]>} : tensor<f32> to tensor<f32>
  return %0, %6 : tensor<8x32xf32>, tensor<f32>
}

// -----

// With several meshes, a function names the one its px.sbp refer to.
px.mesh @dp shape = [4]
px.mesh @tp shape = [2, 2]

// CHECK-LABEL: func.func @two_meshes
// CHECK-SAME: attributes {px.mesh = @tp}
func.func @two_meshes(%x: tensor<8xf32> {px.sbp = #px.sbp<[S(0), B]>}) attributes {px.mesh = @tp} {
  // CHECK: px.neg {{.*}} {px.sbp = #px.sbp<[B, S(0)]>}
  %0 = px.neg %x {px.sbp = #px.sbp<[B, S(0)]>} : tensor<8xf32>
  return
}

// CHECK-LABEL: func.func @other_mesh
func.func @other_mesh(%x: tensor<8xf32>) attributes {px.mesh = @dp} {
  // CHECK: px.neg {{.*}} {px.sbp = #px.sbp<[S(0)]>}
  %0 = px.neg %x {px.sbp = #px.sbp<[S(0)]>} : tensor<8xf32>
  return
}

// A declaration carries argument and result distributions too.
// CHECK-LABEL: func.func private @declaration
// CHECK-SAME: (tensor<8xf32> {px.sbp = #px.sbp<[S(0)]>}) -> (tensor<8xf32> {px.sbp = #px.sbp<[B]>})
// CHECK-SAME: attributes {px.mesh = @dp}
func.func private @declaration(tensor<8xf32> {px.sbp = #px.sbp<[S(0)]>}) -> (tensor<8xf32> {px.sbp = #px.sbp<[B]>}) attributes {px.mesh = @dp}

// -----

// px.mesh on a module selects the mesh for everything inside.
// CHECK: module attributes {px.mesh = @b}
module attributes {px.mesh = @b} {
  px.mesh @a shape = [2]
  px.mesh @b shape = [2, 2]
  // CHECK-LABEL: func.func @module_mesh
  func.func @module_mesh(%x: tensor<8xf32>) {
    // CHECK: px.neg {{.*}} {px.sbp = #px.sbp<[S(0), B]>, px.stage = 2 : i64}
    %0 = px.neg %x {px.sbp = #px.sbp<[S(0), B]>, px.stage = 2 : i64} : tensor<8xf32>
    return
  }
}

// -----

// px.stage and px.name need no mesh.
// CHECK-LABEL: func.func @stage_only
// CHECK-SAME: (%{{.*}}: tensor<4xf32> {px.name = "x", px.stage = 0 : i64})
func.func @stage_only(%x: tensor<4xf32> {px.stage = 0 : i64, px.name = "x"}) -> (tensor<4xf32> {px.stage = 1 : i32}) {
  // CHECK: px.relu {{.*}} {px.stage = 1 : i32}
  %0 = px.relu %x {px.stage = 1 : i32} : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// Training: optimizer updates, assignments and argument roles.
// CHECK-LABEL: func.func @training
// CHECK-SAME: {px.role = "tokens"}
// CHECK-SAME: {px.role = "hyper"}
// CHECK: %[[W:.*]] = px.parameter "w"
// CHECK: = px.adamw %[[W]], %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} : tensor<4x3xf32>, tensor<16xf32>
// CHECK: = px.sgd %[[W]], %{{.*}}, %{{.*}}, %{{.*}} : tensor<4x3xf32>, tensor<16xf32>
// CHECK: px.assign %[[W]], %{{.*}} : tensor<4x3xf32>
func.func @training(%t: tensor<4xi64> {px.role = "tokens"}, %g: tensor<4x3xf32>, %h: tensor<16xf32> {px.role = "hyper"}) {
  %w = px.parameter "w" : tensor<4x3xf32> init = #px.init<zeros>
  %m = px.parameter "w.exp_avg" frozen : tensor<4x3xf32> init = #px.init<zeros>
  %v = px.parameter "w.exp_avg_sq" frozen : tensor<4x3xf32> init = #px.init<zeros>
  %p:3 = px.adamw %w, %g, %m, %v, %h : tensor<4x3xf32>, tensor<16xf32>
  %q:2 = px.sgd %w, %g, %m, %h : tensor<4x3xf32>, tensor<16xf32>
  px.assign %w, %p#0 : tensor<4x3xf32>
  return
}
