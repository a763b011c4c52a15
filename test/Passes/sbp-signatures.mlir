// RUN: pxc-opt %s --px-test-sbp-signatures -o /dev/null 2>&1 | FileCheck %s
// RUN: pxc-opt %s --px-test-sbp-signatures="mesh=2,2 print-nd" -o /dev/null 2>&1 \
// RUN:   | FileCheck %s --check-prefix=ND
// RUN: not pxc-opt %s --px-test-sbp-signatures="mesh=2,0" -o /dev/null 2>&1 \
// RUN:   | FileCheck %s --check-prefix=ERR

// ERR: error: mesh sizes must be positive

// Sources: a rank materializes its piece; no partial sources.
// CHECK-LABEL: {{^}}@sources{{$}}
// CHECK-NEXT: px.parameter: 0 flops
// CHECK-NEXT: () -> (S(0))
// CHECK-NEXT: () -> (S(1))
// CHECK-NEXT: () -> (B)
// CHECK-NEXT: px.constant: 0 flops
// CHECK-NEXT: () -> (S(0))
// CHECK-NEXT: () -> (B)
func.func @sources() {
  %0 = px.parameter "w" : tensor<4x6xf32>
  %1 = px.constant dense<1.0> : tensor<8xf32>
  return
}

// Batch dimensions broadcast: a missing or size-1 batch dimension reads B.
// CHECK-LABEL: {{^}}@matmul{{$}}
// CHECK-NEXT: px.matmul: 720 flops
// CHECK-NEXT: (S(0), B) -> (S(0))
// CHECK-NEXT: (S(1), B) -> (S(1))
// CHECK-NEXT: (B, S(1)) -> (S(2))
// CHECK-NEXT: (B, B) -> (B)
// CHECK-NEXT: (S(2), S(0)) -> (P(sum))
// CHECK-NEXT: (B, P(sum)) -> (P(sum))
// CHECK-NEXT: (P(sum), B) -> (P(sum))
// CHECK-NEXT: px.matmul: 2160 flops
// CHECK-NEXT: (S(0), B) -> (S(0))
// CHECK-NEXT: (B, S(0)) -> (S(1))
// CHECK-NEXT: (S(2), B) -> (S(2))
// CHECK-NEXT: (B, S(2)) -> (S(3))
// CHECK-NEXT: (B, B) -> (B)
// CHECK-NEXT: (S(3), S(1)) -> (P(sum))
// CHECK-NEXT: (B, P(sum)) -> (P(sum))
// CHECK-NEXT: (P(sum), B) -> (P(sum))
func.func @matmul(%a: tensor<4x6x5xf32>, %b: tensor<5x3xf32>, %e: tensor<3x1x6x5xf32>, %d: tensor<4x5x3xf32>) {
  %0 = px.matmul %a, %b : (tensor<4x6x5xf32>, tensor<5x3xf32>) -> tensor<4x6x3xf32>
  %1 = px.matmul %e, %d : (tensor<3x1x6x5xf32>, tensor<4x5x3xf32>) -> tensor<3x4x6x3xf32>
  return
}

// The bias is partial where the product is: B -> P boxing adds it once.
// CHECK-LABEL: {{^}}@linear{{$}}
// CHECK-NEXT: px.linear: 792 flops
// CHECK-NEXT: (S(0), B, B) -> (S(0))
// CHECK-NEXT: (S(1), B, B) -> (S(1))
// CHECK-NEXT: (B, S(0), S(0)) -> (S(2))
// CHECK-NEXT: (B, B, B) -> (B)
// CHECK-NEXT: (S(2), S(1), P(sum)) -> (P(sum))
// CHECK-NEXT: (B, P(sum), P(sum)) -> (P(sum))
// CHECK-NEXT: (P(sum), B, P(sum)) -> (P(sum))
func.func @linear(%x: tensor<4x6x5xf32>, %wt: tensor<3x5xf32>, %b: tensor<3xf32>) {
  %0 = px.linear %x, %wt, %b {transpose_w} : (tensor<4x6x5xf32>, tensor<3x5xf32>, tensor<3xf32>) -> tensor<4x6x3xf32>
  return
}

// [2,16,32] + [32]: S(2) pairs with the bias S(0), S(0)/S(1) with B.
// CHECK-LABEL: {{^}}@add_broadcast{{$}}
// CHECK-NEXT: px.add: 1024 flops
// CHECK-NEXT: (S(0), B) -> (S(0))
// CHECK-NEXT: (S(1), B) -> (S(1))
// CHECK-NEXT: (S(2), S(0)) -> (S(2))
// CHECK-NEXT: (B, B) -> (B)
// CHECK-NEXT: (P(sum), P(sum)) -> (P(sum))
// CHECK-NEXT: (B, P(max)) -> (P(max))
// CHECK-NEXT: (P(max), B) -> (P(max))
// CHECK-NEXT: px.sub: 1024 flops
// CHECK-NEXT: (B, S(0)) -> (S(0))
// CHECK-NEXT: (S(0), S(1)) -> (S(1))
// CHECK-NEXT: (B, S(2)) -> (S(2))
// CHECK-NEXT: (B, B) -> (B)
// CHECK-NEXT: (P(sum), P(sum)) -> (P(sum))
// CHECK-NEXT: (P(max), B) -> (P(max))
func.func @add_broadcast(%x: tensor<2x16x32xf32>, %b: tensor<32xf32>, %c: tensor<16x1xf32>) {
  %0 = px.add %x, %b : (tensor<2x16x32xf32>, tensor<32xf32>) -> tensor<2x16x32xf32>
  %1 = px.sub %c, %x : (tensor<16x1xf32>, tensor<2x16x32xf32>) -> tensor<2x16x32xf32>
  return
}

// An integer shift keeps no partial maximum: the padding of the other
// ranks (the lowest value) would wrap.
// CHECK-LABEL: {{^}}@add_int{{$}}
// CHECK-NEXT: px.add: 8 flops
// CHECK-NEXT: (S(0), B) -> (S(0))
// CHECK-NEXT: (B, B) -> (B)
// CHECK-NEXT: (P(sum), P(sum)) -> (P(sum))
// CHECK-NEXT: px.sub: 8 flops
// CHECK-NEXT: (S(0), B) -> (S(0))
// CHECK-NEXT: (B, B) -> (B)
// CHECK-NEXT: (P(sum), P(sum)) -> (P(sum))
// CHECK-NOT: P(max)
func.func @add_int(%x: tensor<8xi64>, %c: tensor<i64>) {
  %0 = px.add %x, %c : (tensor<8xi64>, tensor<i64>) -> tensor<8xi64>
  %1 = px.sub %x, %c : (tensor<8xi64>, tensor<i64>) -> tensor<8xi64>
  return
}

// Partial rules per op; integer division passes no partial sum; partial
// booleans are dropped.
// CHECK-LABEL: {{^}}@binary{{$}}
// CHECK-NEXT: px.mul: 24 flops
// CHECK-NEXT: (S(0), S(0)) -> (S(0))
// CHECK-NEXT: (S(1), S(1)) -> (S(1))
// CHECK-NEXT: (B, B) -> (B)
// CHECK-NEXT: (B, P(sum)) -> (P(sum))
// CHECK-NEXT: (P(sum), B) -> (P(sum))
// CHECK-NEXT: px.div: 24 flops
// CHECK-NEXT: (S(0), S(0)) -> (S(0))
// CHECK-NEXT: (S(1), S(1)) -> (S(1))
// CHECK-NEXT: (B, B) -> (B)
// CHECK-NEXT: (P(sum), B) -> (P(sum))
// CHECK-NEXT: px.div: 24 flops
// CHECK-NEXT: (S(0), S(0)) -> (S(0))
// CHECK-NEXT: (S(1), S(1)) -> (S(1))
// CHECK-NEXT: (B, B) -> (B)
// CHECK-NEXT: px.pow: 96 flops
// CHECK-NEXT: (S(0), S(0)) -> (S(0))
// CHECK-NEXT: (S(1), S(1)) -> (S(1))
// CHECK-NEXT: (B, B) -> (B)
// CHECK-NEXT: px.max: 24 flops
// CHECK-NEXT: (S(0), S(0)) -> (S(0))
// CHECK-NEXT: (S(1), S(1)) -> (S(1))
// CHECK-NEXT: (B, B) -> (B)
// CHECK-NEXT: (B, P(max)) -> (P(max))
// CHECK-NEXT: (P(max), B) -> (P(max))
// CHECK-NEXT: (P(max), P(max)) -> (P(max))
// CHECK-NEXT: px.min: 24 flops
// CHECK-NEXT: (S(0), S(0)) -> (S(0))
// CHECK-NEXT: (S(1), S(1)) -> (S(1))
// CHECK-NEXT: (B, B) -> (B)
// CHECK-NEXT: px.and: 24 flops
// CHECK-NEXT: (S(0), S(0)) -> (S(0))
// CHECK-NEXT: (S(1), S(1)) -> (S(1))
// CHECK-NEXT: (B, B) -> (B)
// CHECK-NEXT: px.or: 24 flops
// CHECK-NEXT: (S(0), S(0)) -> (S(0))
// CHECK-NEXT: (S(1), S(1)) -> (S(1))
// CHECK-NEXT: (B, B) -> (B)
// CHECK-NEXT: px.compare: 24 flops
// CHECK-NEXT: (S(0), S(0)) -> (S(0))
// CHECK-NEXT: (S(1), S(1)) -> (S(1))
// CHECK-NEXT: (B, B) -> (B)
// CHECK-NEXT: px.where: 24 flops
// CHECK-NEXT: (S(0), S(0), S(0)) -> (S(0))
// CHECK-NEXT: (S(1), S(1), S(1)) -> (S(1))
// CHECK-NEXT: (B, B, B) -> (B)
// CHECK-NEXT: (B, P(sum), P(sum)) -> (P(sum))
// CHECK-NEXT: (B, P(max), P(max)) -> (P(max))
// CHECK-NEXT: px.where: 24 flops
// CHECK-NEXT: (S(0), S(0), S(0)) -> (S(0))
// CHECK-NEXT: (S(1), S(1), S(1)) -> (S(1))
// CHECK-NEXT: (B, B, B) -> (B)
func.func @binary(%x: tensor<4x6xf32>, %i: tensor<4x6xi64>, %p: tensor<4x6xi1>) {
  %0 = px.mul %x, %x : (tensor<4x6xf32>, tensor<4x6xf32>) -> tensor<4x6xf32>
  %1 = px.div %x, %x : (tensor<4x6xf32>, tensor<4x6xf32>) -> tensor<4x6xf32>
  %2 = px.div %i, %i : (tensor<4x6xi64>, tensor<4x6xi64>) -> tensor<4x6xi64>
  %3 = px.pow %x, %x : (tensor<4x6xf32>, tensor<4x6xf32>) -> tensor<4x6xf32>
  %4 = px.max %x, %x : (tensor<4x6xf32>, tensor<4x6xf32>) -> tensor<4x6xf32>
  %5 = px.min %x, %x : (tensor<4x6xf32>, tensor<4x6xf32>) -> tensor<4x6xf32>
  %6 = px.and %p, %p : (tensor<4x6xi1>, tensor<4x6xi1>) -> tensor<4x6xi1>
  %7 = px.or %p, %p : (tensor<4x6xi1>, tensor<4x6xi1>) -> tensor<4x6xi1>
  %8 = px.compare lt, %x, %x : (tensor<4x6xf32>, tensor<4x6xf32>) -> tensor<4x6xi1>
  %9 = px.where %p, %x, %x : (tensor<4x6xi1>, tensor<4x6xf32>, tensor<4x6xf32>) -> tensor<4x6xf32>
  %10 = px.where %p, %p, %p : (tensor<4x6xi1>, tensor<4x6xi1>, tensor<4x6xi1>) -> tensor<4x6xi1>
  return
}

// P(sum) through linear ops, P(max) through nondecreasing ones defined on
// all reals, both through float -> float casts.
// CHECK-LABEL: {{^}}@unary{{$}}
// CHECK-NEXT: px.neg: 24 flops
// CHECK-NEXT: (S(0)) -> (S(0))
// CHECK-NEXT: (S(1)) -> (S(1))
// CHECK-NEXT: (B) -> (B)
// CHECK-NEXT: (P(sum)) -> (P(sum))
// CHECK-NEXT: px.abs: 24 flops
// CHECK-NEXT: (S(0)) -> (S(0))
// CHECK-NEXT: (S(1)) -> (S(1))
// CHECK-NEXT: (B) -> (B)
// CHECK-NEXT: px.exp: 96 flops
// CHECK-NEXT: (S(0)) -> (S(0))
// CHECK-NEXT: (S(1)) -> (S(1))
// CHECK-NEXT: (B) -> (B)
// CHECK-NEXT: (P(max)) -> (P(max))
// CHECK-NEXT: px.log: 96 flops
// CHECK-NEXT: (S(0)) -> (S(0))
// CHECK-NEXT: (S(1)) -> (S(1))
// CHECK-NEXT: (B) -> (B)
// CHECK-NEXT: px.sqrt: 96 flops
// CHECK-NEXT: (S(0)) -> (S(0))
// CHECK-NEXT: (S(1)) -> (S(1))
// CHECK-NEXT: (B) -> (B)
// CHECK-NEXT: px.rsqrt: 96 flops
// CHECK-NEXT: (S(0)) -> (S(0))
// CHECK-NEXT: (S(1)) -> (S(1))
// CHECK-NEXT: (B) -> (B)
// CHECK-NEXT: px.reciprocal: 24 flops
// CHECK-NEXT: (S(0)) -> (S(0))
// CHECK-NEXT: (S(1)) -> (S(1))
// CHECK-NEXT: (B) -> (B)
// CHECK-NEXT: px.tanh: 96 flops
// CHECK-NEXT: (S(0)) -> (S(0))
// CHECK-NEXT: (S(1)) -> (S(1))
// CHECK-NEXT: (B) -> (B)
// CHECK-NEXT: (P(max)) -> (P(max))
// CHECK-NEXT: px.erf: 96 flops
// CHECK-NEXT: (S(0)) -> (S(0))
// CHECK-NEXT: (S(1)) -> (S(1))
// CHECK-NEXT: (B) -> (B)
// CHECK-NEXT: (P(max)) -> (P(max))
// CHECK-NEXT: px.sin: 96 flops
// CHECK-NEXT: (S(0)) -> (S(0))
// CHECK-NEXT: (S(1)) -> (S(1))
// CHECK-NEXT: (B) -> (B)
// CHECK-NEXT: px.cos: 96 flops
// CHECK-NEXT: (S(0)) -> (S(0))
// CHECK-NEXT: (S(1)) -> (S(1))
// CHECK-NEXT: (B) -> (B)
// CHECK-NEXT: px.relu: 24 flops
// CHECK-NEXT: (S(0)) -> (S(0))
// CHECK-NEXT: (S(1)) -> (S(1))
// CHECK-NEXT: (B) -> (B)
// CHECK-NEXT: (P(max)) -> (P(max))
// CHECK-NEXT: px.sigmoid: 96 flops
// CHECK-NEXT: (S(0)) -> (S(0))
// CHECK-NEXT: (S(1)) -> (S(1))
// CHECK-NEXT: (B) -> (B)
// CHECK-NEXT: (P(max)) -> (P(max))
// CHECK-NEXT: px.not: 24 flops
// CHECK-NEXT: (S(0)) -> (S(0))
// CHECK-NEXT: (S(1)) -> (S(1))
// CHECK-NEXT: (B) -> (B)
// CHECK-NEXT: px.gelu: 192 flops
// CHECK-NEXT: (S(0)) -> (S(0))
// CHECK-NEXT: (S(1)) -> (S(1))
// CHECK-NEXT: (B) -> (B)
// CHECK-NEXT: px.cast: 24 flops
// CHECK-NEXT: (S(0)) -> (S(0))
// CHECK-NEXT: (S(1)) -> (S(1))
// CHECK-NEXT: (B) -> (B)
// CHECK-NEXT: (P(sum)) -> (P(sum))
// CHECK-NEXT: (P(max)) -> (P(max))
// CHECK-NEXT: px.cast: 24 flops
// CHECK-NEXT: (S(0)) -> (S(0))
// CHECK-NEXT: (S(1)) -> (S(1))
// CHECK-NEXT: (B) -> (B)
func.func @unary(%x: tensor<4x6xf32>, %p: tensor<4x6xi1>) {
  %0 = px.neg %x : tensor<4x6xf32>
  %1 = px.abs %x : tensor<4x6xf32>
  %2 = px.exp %x : tensor<4x6xf32>
  %3 = px.log %x : tensor<4x6xf32>
  %4 = px.sqrt %x : tensor<4x6xf32>
  %5 = px.rsqrt %x : tensor<4x6xf32>
  %6 = px.reciprocal %x : tensor<4x6xf32>
  %7 = px.tanh %x : tensor<4x6xf32>
  %8 = px.erf %x : tensor<4x6xf32>
  %9 = px.sin %x : tensor<4x6xf32>
  %10 = px.cos %x : tensor<4x6xf32>
  %11 = px.relu %x : tensor<4x6xf32>
  %12 = px.sigmoid %x : tensor<4x6xf32>
  %13 = px.not %p : tensor<4x6xi1>
  %14 = px.gelu %x : tensor<4x6xf32>
  %15 = px.cast %x : tensor<4x6xf32> to tensor<4x6xbf16>
  %16 = px.cast %x : tensor<4x6xf32> to tensor<4x6xi32>
  return
}

// Only the non-normalized dimensions split; scale and bias replicated.
// CHECK-LABEL: {{^}}@normalization{{$}}
// CHECK-NEXT: px.softmax: 960 flops
// CHECK-NEXT: (S(0)) -> (S(0))
// CHECK-NEXT: (S(1)) -> (S(1))
// CHECK-NEXT: (B) -> (B)
// CHECK-NEXT: px.log_softmax: 960 flops
// CHECK-NEXT: (S(1)) -> (S(1))
// CHECK-NEXT: (S(2)) -> (S(2))
// CHECK-NEXT: (B) -> (B)
// CHECK-NEXT: px.layer_norm: 840 flops
// CHECK-NEXT: (S(0), B, B) -> (S(0))
// CHECK-NEXT: (B, B, B) -> (B)
// CHECK-NEXT: px.rms_norm: 480 flops
// CHECK-NEXT: (S(0), B) -> (S(0))
// CHECK-NEXT: (S(1), B) -> (S(1))
// CHECK-NEXT: (B, B) -> (B)
func.func @normalization(%x: tensor<4x6x5xf32>, %s: tensor<6x5xf32>, %r: tensor<5xf32>) {
  %0 = px.softmax %x {axis = 2 : i64} : tensor<4x6x5xf32>
  %1 = px.log_softmax %x {axis = 0 : i64} : tensor<4x6x5xf32>
  %2 = px.layer_norm %x scale %s bias %s {axis = 1 : i64, epsilon = 1.0e-5 : f64} : (tensor<4x6x5xf32>, tensor<6x5xf32>, tensor<6x5xf32>) -> tensor<4x6x5xf32>
  %3 = px.rms_norm %x scale %r {axis = 2 : i64, epsilon = 1.0e-6 : f64} : (tensor<4x6x5xf32>, tensor<5xf32>) -> tensor<4x6x5xf32>
  return
}

// A vocabulary split is a masked lookup that leaves partial sums.
// CHECK-LABEL: {{^}}@gather{{$}}
// CHECK-NEXT: px.gather: 0 flops
// CHECK-NEXT: (B, S(0)) -> (S(0))
// CHECK-NEXT: (B, S(1)) -> (S(1))
// CHECK-NEXT: (S(1), B) -> (S(2))
// CHECK-NEXT: (B, B) -> (B)
// CHECK-NEXT: (S(0), B) -> (P(sum)) {masked-gather}
// CHECK-NEXT: (P(sum), B) -> (P(sum))
// CHECK-NEXT: (P(max), B) -> (P(max))
// CHECK-NEXT: px.gather: 0 flops
// CHECK-NEXT: (S(0), B) -> (S(0))
// CHECK-NEXT: (B, S(0)) -> (S(1))
// CHECK-NEXT: (S(2), B) -> (S(2))
// CHECK-NEXT: (B, B) -> (B)
// CHECK-NEXT: (S(1), B) -> (P(sum)) {masked-gather}
// CHECK-NEXT: (P(sum), B) -> (P(sum))
// CHECK-NEXT: (P(max), B) -> (P(max))
func.func @gather(%emb: tensor<100x32xf32>, %ids: tensor<4x6xi64>, %data: tensor<4x7x5xf32>, %idx: tensor<3xi32>) {
  %0 = px.gather %emb[%ids] {axis = 0 : i64} : (tensor<100x32xf32>, tensor<4x6xi64>) -> tensor<4x6x32xf32>
  %1 = px.gather %data[%idx] {axis = 1 : i64} : (tensor<4x7x5xf32>, tensor<3xi32>) -> tensor<4x3x5xf32>
  return
}

// The outermost dimension of each group of merged/split dimensions maps
// to the outermost of the other side; unit dimensions belong to no group.
// CHECK-LABEL: {{^}}@reshape{{$}}
// CHECK-NEXT: px.reshape: 0 flops
// CHECK-NEXT: (S(0)) -> (S(0))
// CHECK-NEXT: (S(2)) -> (S(1))
// CHECK-NEXT: (B) -> (B)
// CHECK-NEXT: (P(sum)) -> (P(sum))
// CHECK-NEXT: (P(max)) -> (P(max))
// CHECK-NEXT: px.reshape: 0 flops
// CHECK-NEXT: (S(0)) -> (S(0))
// CHECK-NEXT: (B) -> (B)
// CHECK-NEXT: (P(sum)) -> (P(sum))
// CHECK-NEXT: (P(max)) -> (P(max))
// CHECK-NEXT: px.reshape: 0 flops
// CHECK-NEXT: (S(0)) -> (S(0))
// CHECK-NEXT: (B) -> (B)
// CHECK-NEXT: (P(sum)) -> (P(sum))
// CHECK-NEXT: (P(max)) -> (P(max))
// CHECK-NEXT: px.reshape: 0 flops
// CHECK-NEXT: (S(0)) -> (S(0))
// CHECK-NEXT: (S(2)) -> (S(1))
// CHECK-NEXT: (B) -> (B)
// CHECK-NEXT: (P(sum)) -> (P(sum))
// CHECK-NEXT: (P(max)) -> (P(max))
func.func @reshape(%a: tensor<2x16x32xf32>, %b: tensor<24xf32>, %c: tensor<6x4xf32>, %d: tensor<4x1x6xf32>) {
  %0 = px.reshape %a : tensor<2x16x32xf32> to tensor<32x32xf32>
  %1 = px.reshape %b : tensor<24xf32> to tensor<2x3x4xf32>
  %2 = px.reshape %c : tensor<6x4xf32> to tensor<24xf32>
  %3 = px.reshape %d : tensor<4x1x6xf32> to tensor<4x6x1xf32>
  return
}

// Element moves pass partial values; slices split only kept-whole
// dimensions, trilu only batch dimensions.
// CHECK-LABEL: {{^}}@data_movement{{$}}
// CHECK-NEXT: px.transpose: 0 flops
// CHECK-NEXT: (S(2)) -> (S(0))
// CHECK-NEXT: (S(0)) -> (S(1))
// CHECK-NEXT: (S(1)) -> (S(2))
// CHECK-NEXT: (B) -> (B)
// CHECK-NEXT: (P(sum)) -> (P(sum))
// CHECK-NEXT: (P(max)) -> (P(max))
// CHECK-NEXT: px.expand: 0 flops
// CHECK-NEXT: (B) -> (S(0))
// CHECK-NEXT: (S(0)) -> (S(1))
// CHECK-NEXT: (B) -> (S(2))
// CHECK-NEXT: (B) -> (B)
// CHECK-NEXT: (P(sum)) -> (P(sum))
// CHECK-NEXT: (P(max)) -> (P(max))
// CHECK-NEXT: px.concat: 0 flops
// CHECK-NEXT: (S(0), S(0)) -> (S(0))
// CHECK-NEXT: (S(2), S(2)) -> (S(2))
// CHECK-NEXT: (B, B) -> (B)
// CHECK-NEXT: (P(sum), P(sum)) -> (P(sum))
// CHECK-NEXT: (P(max), P(max)) -> (P(max))
// CHECK-NEXT: px.split: 0 flops
// CHECK-NEXT: (S(0)) -> (S(0), S(0))
// CHECK-NEXT: (S(1)) -> (S(1), S(1))
// CHECK-NEXT: (B) -> (B, B)
// CHECK-NEXT: (P(sum)) -> (P(sum), P(sum))
// CHECK-NEXT: (P(max)) -> (P(max), P(max))
// CHECK-NEXT: px.slice: 0 flops
// CHECK-NEXT: (S(0)) -> (S(0))
// CHECK-NEXT: (S(2)) -> (S(2))
// CHECK-NEXT: (B) -> (B)
// CHECK-NEXT: (P(sum)) -> (P(sum))
// CHECK-NEXT: (P(max)) -> (P(max))
// CHECK-NEXT: px.trilu: 120 flops
// CHECK-NEXT: (S(0)) -> (S(0))
// CHECK-NEXT: (B) -> (B)
// CHECK-NEXT: (P(sum)) -> (P(sum))
// CHECK-NEXT: (P(max)) -> (P(max))
func.func @data_movement(%x: tensor<4x6x5xf32>, %col: tensor<6x1xf32>, %u: tensor<4x2x5xf32>) {
  %0 = px.transpose %x [2, 0, 1] : tensor<4x6x5xf32> to tensor<5x4x6xf32>
  %1 = px.expand %col : tensor<6x1xf32> to tensor<4x6x5xf32>
  %2 = px.concat %u, %x {axis = 1 : i64} : (tensor<4x2x5xf32>, tensor<4x6x5xf32>) -> tensor<4x8x5xf32>
  %3:2 = px.split %x {axis = 2 : i64} : (tensor<4x6x5xf32>) -> (tensor<4x6x2xf32>, tensor<4x6x3xf32>)
  %4 = px.slice %x offsets = [0, 1, 0] sizes = [4, 3, 5] strides = [1, 2, 1] : tensor<4x6x5xf32> to tensor<4x3x5xf32>
  %5 = px.trilu %x upper {k = 1 : i64} : tensor<4x6x5xf32>
  return
}

// Reduced split dimensions leave partials (none for min); means and the
// mean loss divide by the global count; ignored labels make the count
// data-dependent.
// CHECK-LABEL: {{^}}@reductions{{$}}
// CHECK-NEXT: px.reduce: 120 flops
// CHECK-NEXT: (S(0)) -> (S(0))
// CHECK-NEXT: (S(2)) -> (S(1))
// CHECK-NEXT: (B) -> (B)
// CHECK-NEXT: (S(1)) -> (P(sum))
// CHECK-NEXT: (P(sum)) -> (P(sum))
// CHECK-NEXT: px.reduce: 120 flops
// CHECK-NEXT: (S(1)) -> (S(1))
// CHECK-NEXT: (B) -> (B)
// CHECK-NEXT: (S(0)) -> (P(sum)) {global-mean-count}
// CHECK-NEXT: (S(2)) -> (P(sum)) {global-mean-count}
// CHECK-NEXT: (P(sum)) -> (P(sum))
// CHECK-NEXT: px.reduce: 120 flops
// CHECK-NEXT: (S(0)) -> (S(0))
// CHECK-NEXT: (S(2)) -> (S(1))
// CHECK-NEXT: (B) -> (B)
// CHECK-NEXT: (S(1)) -> (P(max))
// CHECK-NEXT: (P(max)) -> (P(max))
// CHECK-NEXT: px.reduce: 120 flops
// CHECK-NEXT: (S(0)) -> (S(0))
// CHECK-NEXT: (S(1)) -> (S(1))
// CHECK-NEXT: (B) -> (B)
// CHECK-NEXT: px.cross_entropy: 420 flops
// CHECK-NEXT: (S(0), S(0)) -> (S(0))
// CHECK-NEXT: (S(1), S(1)) -> (S(1))
// CHECK-NEXT: (B, B) -> (B)
// CHECK-NEXT: px.cross_entropy: 420 flops
// CHECK-NEXT: (B, B) -> (B)
// CHECK-NEXT: (S(0), S(0)) -> (P(sum)) {global-mean-count}
// CHECK-NEXT: (S(1), S(1)) -> (P(sum)) {global-mean-count}
// CHECK-NEXT: px.cross_entropy: 420 flops
// CHECK-NEXT: (B, B) -> (B)
func.func @reductions(%x: tensor<4x6x5xf32>, %logits: tensor<4x3x5xf32>, %labels: tensor<4x3xi64>) {
  %0 = px.reduce sum %x [1] : tensor<4x6x5xf32> to tensor<4x5xf32>
  %1 = px.reduce mean %x [0, 2] keepdims : tensor<4x6x5xf32> to tensor<1x6x1xf32>
  %2 = px.reduce max %x [1] : tensor<4x6x5xf32> to tensor<4x5xf32>
  %3 = px.reduce min %x [2] : tensor<4x6x5xf32> to tensor<4x6xf32>
  %4 = px.cross_entropy %logits, %labels reduction = none : (tensor<4x3x5xf32>, tensor<4x3xi64>) -> tensor<4x3xf32>
  %5 = px.cross_entropy %logits, %labels : (tensor<4x3x5xf32>, tensor<4x3xi64>) -> tensor<f32>
  %6 = px.cross_entropy %logits, %labels ignore_index = -100 : (tensor<4x3x5xf32>, tensor<4x3xi64>) -> tensor<f32>
  return
}

// N-D: 3 rows do not fit 2 x 2 ranks; 5 columns split unevenly do.
// ND-LABEL: {{^}}@nd_uneven{{$}}
// ND: mesh [2, 2]: 15 N-D signatures
// ND-NEXT: ([S(0), S(1)]) -> ([S(0), S(1)])
// ND-NEXT: ([S(0), B]) -> ([S(0), B])
// ND-NEXT: ([S(0), P(max)]) -> ([S(0), P(max)])
// ND-NEXT: ([S(1), S(0)]) -> ([S(1), S(0)])
// ND-NEXT: ([S(1), S(1)]) -> ([S(1), S(1)])
// ND-NEXT: ([S(1), B]) -> ([S(1), B])
// ND-NEXT: ([S(1), P(max)]) -> ([S(1), P(max)])
// ND-NEXT: ([B, S(0)]) -> ([B, S(0)])
// ND-NEXT: ([B, S(1)]) -> ([B, S(1)])
// ND-NEXT: ([B, B]) -> ([B, B])
// ND-NEXT: ([B, P(max)]) -> ([B, P(max)])
// ND-NEXT: ([P(max), S(0)]) -> ([P(max), S(0)])
// ND-NEXT: ([P(max), S(1)]) -> ([P(max), S(1)])
// ND-NEXT: ([P(max), B]) -> ([P(max), B])
// ND-NEXT: ([P(max), P(max)]) -> ([P(max), P(max)])
func.func @nd_uneven(%x: tensor<3x5xf32>) {
  %0 = px.relu %x : tensor<3x5xf32>
  return
}

// N-D: [S(0), S(0)] is dropped: 6 rows -> 3 per half, split 2 + 1, hold 8
// and 4 elements, but 24 -> 12 -> 6 + 6.
// ND-LABEL: {{^}}@nd_reshape{{$}}
// ND: mesh [2, 2]: 13 N-D signatures
// ND-NEXT: ([S(0), B]) -> ([S(0), B])
// ND-NEXT: ([S(0), P(sum)]) -> ([S(0), P(sum)])
// ND-NEXT: ([S(0), P(max)]) -> ([S(0), P(max)])
// ND-NEXT: ([B, S(0)]) -> ([B, S(0)])
// ND-NEXT: ([B, B]) -> ([B, B])
// ND-NEXT: ([B, P(sum)]) -> ([B, P(sum)])
// ND-NEXT: ([B, P(max)]) -> ([B, P(max)])
// ND-NEXT: ([P(sum), S(0)]) -> ([P(sum), S(0)])
// ND-NEXT: ([P(sum), B]) -> ([P(sum), B])
// ND-NEXT: ([P(sum), P(sum)]) -> ([P(sum), P(sum)])
// ND-NEXT: ([P(max), S(0)]) -> ([P(max), S(0)])
// ND-NEXT: ([P(max), B]) -> ([P(max), B])
// ND-NEXT: ([P(max), P(max)]) -> ([P(max), P(max)])
func.func @nd_reshape(%x: tensor<6x4xf32>) {
  %0 = px.reshape %x : tensor<6x4xf32> to tensor<24xf32>
  return
}

// N-D: the kernel rule of either axis marks the product.
// ND-LABEL: {{^}}@nd_gather{{$}}
// ND: mesh [2, 2]: 32 N-D signatures
// ND-NEXT: ([B, B], [S(0), S(0)]) -> ([S(0), S(0)])
// ND-NEXT: ([B, S(1)], [S(0), B]) -> ([S(0), S(1)])
// ND-NEXT: ([B, B], [S(0), B]) -> ([S(0), B])
// ND-NEXT: ([B, S(0)], [S(0), B]) -> ([S(0), P(sum)]) {masked-gather}
// ND-NEXT: ([B, P(sum)], [S(0), B]) -> ([S(0), P(sum)])
// ND-NEXT: ([B, P(max)], [S(0), B]) -> ([S(0), P(max)])
// ND-NEXT: ([S(1), B], [B, S(0)]) -> ([S(1), S(0)])
// ND-NEXT: ([S(1), S(1)], [B, B]) -> ([S(1), S(1)])
// ND-NEXT: ([S(1), B], [B, B]) -> ([S(1), B])
// ND-NEXT: ([S(1), S(0)], [B, B]) -> ([S(1), P(sum)]) {masked-gather}
// ND-NEXT: ([S(1), P(sum)], [B, B]) -> ([S(1), P(sum)])
// ND-NEXT: ([S(1), P(max)], [B, B]) -> ([S(1), P(max)])
// ND-NEXT: ([B, B], [B, S(0)]) -> ([B, S(0)])
// ND-NEXT: ([B, S(1)], [B, B]) -> ([B, S(1)])
// ND-NEXT: ([B, B], [B, B]) -> ([B, B])
// ND-NEXT: ([B, S(0)], [B, B]) -> ([B, P(sum)]) {masked-gather}
// ND-NEXT: ([B, P(sum)], [B, B]) -> ([B, P(sum)])
// ND-NEXT: ([B, P(max)], [B, B]) -> ([B, P(max)])
// ND-NEXT: ([S(0), B], [B, S(0)]) -> ([P(sum), S(0)]) {masked-gather}
// ND-NEXT: ([S(0), S(1)], [B, B]) -> ([P(sum), S(1)]) {masked-gather}
// ND-NEXT: ([S(0), B], [B, B]) -> ([P(sum), B]) {masked-gather}
// ND-NEXT: ([S(0), S(0)], [B, B]) -> ([P(sum), P(sum)]) {masked-gather}
// ND-NEXT: ([S(0), P(sum)], [B, B]) -> ([P(sum), P(sum)]) {masked-gather}
// ND-NEXT: ([P(sum), B], [B, S(0)]) -> ([P(sum), S(0)])
// ND-NEXT: ([P(sum), S(1)], [B, B]) -> ([P(sum), S(1)])
// ND-NEXT: ([P(sum), B], [B, B]) -> ([P(sum), B])
// ND-NEXT: ([P(sum), S(0)], [B, B]) -> ([P(sum), P(sum)]) {masked-gather}
// ND-NEXT: ([P(sum), P(sum)], [B, B]) -> ([P(sum), P(sum)])
// ND-NEXT: ([P(max), B], [B, S(0)]) -> ([P(max), S(0)])
// ND-NEXT: ([P(max), S(1)], [B, B]) -> ([P(max), S(1)])
// ND-NEXT: ([P(max), B], [B, B]) -> ([P(max), B])
// ND-NEXT: ([P(max), P(max)], [B, B]) -> ([P(max), P(max)])
func.func @nd_gather(%emb: tensor<8x4xf32>, %ids: tensor<6xi64>) {
  %0 = px.gather %emb[%ids] {axis = 0 : i64} : (tensor<8x4xf32>, tensor<6xi64>) -> tensor<6x4xf32>
  return
}
