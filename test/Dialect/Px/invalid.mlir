// RUN: pxc-opt %s --split-input-file --verify-diagnostics

//===----------------------------------------------------------------------===//
// #px.sbp
//===----------------------------------------------------------------------===//

// expected-error @+1 {{expected S(dim), B or P(sum|max)}}
func.func @sbp_not_a_keyword(%x: tensor<4xf32> {px.sbp = #px.sbp<[0]>})

// -----

// expected-error @+1 {{expected S(dim), B or P(sum|max)}}
func.func @sbp_unknown_entry(%x: tensor<4xf32> {px.sbp = #px.sbp<[R]>})

// -----

// expected-error @+1 {{#px.sbp entry 1: split dimension must be non-negative, got -1}}
func.func @sbp_negative_split(%x: tensor<4xf32> {px.sbp = #px.sbp<[B, S(-1)]>})

// -----

// expected-error @+1 {{expected 'sum' or 'max'}}
func.func @sbp_partial_min(%x: tensor<4xf32> {px.sbp = #px.sbp<[P(min)]>})

// -----

// expected-error @+1 {{expected 'sum' or 'max'}}
func.func @sbp_partial_empty(%x: tensor<4xf32> {px.sbp = #px.sbp<[P()]>})

// -----

// expected-error @+1 {{#px.sbp needs at least one entry}}
func.func @sbp_empty(%x: tensor<4xf32> {px.sbp = #px.sbp<[]>})

// -----

// expected-error @+1 {{expected ']'}}
func.func @sbp_unclosed(%x: tensor<4xf32> {px.sbp = #px.sbp<[S(0) B]>})

// -----

//===----------------------------------------------------------------------===//
// #px.init
//===----------------------------------------------------------------------===//

func.func @init_unknown_kind() {
  // expected-error @+1 {{expected zeros, ones, normal or uniform}}
  %0 = px.parameter "w" : tensor<4xf32> init = #px.init<gaussian, 0.0, 1.0>
  return
}

// -----

func.func @init_not_a_keyword() {
  // expected-error @+1 {{expected zeros, ones, normal or uniform}}
  %0 = px.parameter "w" : tensor<4xf32> init = #px.init<1.0>
  return
}

// -----

func.func @init_normal_missing_std() {
  // expected-error @+1 {{expected ','}}
  %0 = px.parameter "w" : tensor<4xf32> init = #px.init<normal, 0.0>
  return
}

// -----

func.func @init_zeros_with_arguments() {
  // expected-error @+1 {{expected '>'}}
  %0 = px.parameter "w" : tensor<4xf32> init = #px.init<zeros, 0.0, 1.0>
  return
}

// -----

func.func @init_normal_zero_std() {
  // expected-error @+1 {{normal initializer needs std > 0, got 0}}
  %0 = px.parameter "w" : tensor<4xf32> init = #px.init<normal, 0.0, 0.0>
  return
}

// -----

func.func @init_normal_negative_std() {
  // expected-error @+1 {{normal initializer needs std > 0, got -0.5}}
  %0 = px.parameter "w" : tensor<4xf32> init = #px.init<normal, 0.0, -0.5>
  return
}

// -----

func.func @init_not_finite() {
  // expected-error @+1 {{initializer parameters must be finite, got 0 and +Inf}}
  %0 = px.parameter "w" : tensor<4xf32> init = #px.init<normal, 0.0, 0x7FF0000000000000>
  return
}

// -----

func.func @init_uniform_empty_range() {
  // expected-error @+1 {{uniform initializer needs low < high, got [1, 1)}}
  %0 = px.parameter "w" : tensor<4xf32> init = #px.init<uniform, 1.0, 1.0>
  return
}

// -----

//===----------------------------------------------------------------------===//
// px.mesh
//===----------------------------------------------------------------------===//

// expected-error @+1 {{'px.mesh' op needs at least one axis}}
px.mesh @m shape = []

// -----

// expected-error @+1 {{'px.mesh' op axis 1 has non-positive size 0}}
px.mesh @m shape = [2, 0]

// -----

// expected-error @+1 {{'px.mesh' op axis 0 has non-positive size -2}}
px.mesh @m shape = [-2]

// -----

// expected-error @+1 {{'px.mesh' op has 2 axes but 1 axis names}}
px.mesh @m shape = [2, 4] axes = ["data"]

// -----

// expected-error @+1 {{'px.mesh' op axis names must be non-empty and unique, got 'x'}}
px.mesh @m shape = [2, 4] axes = ["x", "x"]

// -----

// expected-error @+1 {{'px.mesh' op axis names must be non-empty and unique, got ''}}
px.mesh @m shape = [2, 4] axes = ["x", ""]

// -----

//===----------------------------------------------------------------------===//
// px.parameter
//===----------------------------------------------------------------------===//

func.func @parameter_empty_name() {
  // expected-error @+1 {{'px.parameter' op needs a non-empty name}}
  %0 = px.parameter "" : tensor<4xf32>
  return
}

// -----

func.func @parameter_dense_type() {
  // expected-error @+1 {{'px.parameter' op initial value has type 'tensor<3xf32>' but the parameter is 'tensor<4xf32>'}}
  %0 = px.parameter "w" : tensor<4xf32> init = dense<1.0> : tensor<3xf32>
  return
}

// -----

func.func @parameter_external_size() {
  // expected-error @+1 {{'px.parameter' op external data holds 64 bytes but 'tensor<4x4xbf16>' needs 32}}
  %0 = px.parameter "w" : tensor<4x4xbf16> init = #px.external<"w.bin", offset = 0, size = 64>
  return
}

// -----

func.func @parameter_random_int() {
  // expected-error @+1 {{'px.parameter' op random initializer needs a float parameter, got 'tensor<4xi64>'}}
  %0 = px.parameter "w" : tensor<4xi64> init = #px.init<uniform, 0.0, 1.0>
  return
}

// -----

func.func @parameter_bad_init() {
  // expected-error @+1 {{'px.parameter' op init must be dense elements, #px.external or #px.init}}
  %0 = px.parameter "w" : tensor<4xf32> init = 1.0 : f32
  return
}

// -----

func.func @parameter_dynamic_shape() {
  // expected-error @+1 {{'px.parameter' op result #0 must be statically shaped tensor}}
  %0 = px.parameter "w" : tensor<?xf32>
  return
}

// -----

//===----------------------------------------------------------------------===//
// px.constant
//===----------------------------------------------------------------------===//

func.func @constant_type() {
  // expected-error @+1 {{'px.constant' op failed to verify that all of {value, result} have same type}}
  %0 = "px.constant"() {value = dense<1.0> : tensor<4xf32>} : () -> tensor<3xf32>
  return
}

// -----

func.func @constant_element_type() {
  // expected-error @+1 {{'px.constant' op result #0 must be statically shaped tensor of 16-bit float or bfloat16 type or 32-bit float or 64-bit float or 1-bit signless integer or 32-bit signless integer or 64-bit signless integer values}}
  %0 = px.constant dense<1> : tensor<4xi8>
  return
}

// -----

//===----------------------------------------------------------------------===//
// px.matmul, px.linear
//===----------------------------------------------------------------------===//

func.func @matmul_rank(%a: tensor<4xf32>, %b: tensor<4x4xf32>) {
  // expected-error @+2 {{operands need rank >= 2, got 4 and 4x4}}
  // expected-error @+1 {{'px.matmul' op failed to infer returned types}}
  %0 = px.matmul %a, %b : (tensor<4xf32>, tensor<4x4xf32>) -> tensor<4xf32>
  return
}

// -----

func.func @matmul_element_types(%a: tensor<4x4xf32>, %b: tensor<4x4xf16>) {
  // expected-error @+2 {{operand element types differ}}
  // expected-error @+1 {{'px.matmul' op failed to infer returned types}}
  %0 = px.matmul %a, %b : (tensor<4x4xf32>, tensor<4x4xf16>) -> tensor<4x4xf32>
  return
}

// -----

func.func @matmul_contracting(%a: tensor<4x3xf32>, %b: tensor<4x5xf32>) {
  // expected-error @+2 {{contracting dimensions differ: lhs 4x3 has K = 3, rhs 4x5 has K = 4}}
  // expected-error @+1 {{'px.matmul' op failed to infer returned types}}
  %0 = px.matmul %a, %b : (tensor<4x3xf32>, tensor<4x5xf32>) -> tensor<4x5xf32>
  return
}

// -----

func.func @matmul_batch(%a: tensor<2x4x3xf32>, %b: tensor<3x3x5xf32>) {
  // expected-error @+2 {{batch dimensions are not broadcastable: 2x4x3 vs 3x3x5}}
  // expected-error @+1 {{'px.matmul' op failed to infer returned types}}
  %0 = px.matmul %a, %b : (tensor<2x4x3xf32>, tensor<3x3x5xf32>) -> tensor<2x4x5xf32>
  return
}

// -----

func.func @matmul_result(%a: tensor<4x3xf32>, %b: tensor<3x5xf32>) {
  // expected-error @+2 {{'px.matmul' op inferred type(s) 'tensor<4x5xf32>' are incompatible with return type(s) of operation 'tensor<5x4xf32>'}}
  // expected-error @+1 {{'px.matmul' op failed to infer returned types}}
  %0 = px.matmul %a, %b : (tensor<4x3xf32>, tensor<3x5xf32>) -> tensor<5x4xf32>
  return
}

// -----

func.func @matmul_int(%a: tensor<4x4xi32>) {
  // expected-error @+1 {{'px.matmul' op operand #0 must be statically shaped tensor of 16-bit float or bfloat16 type or 32-bit float or 64-bit float values}}
  %0 = px.matmul %a, %a : (tensor<4x4xi32>, tensor<4x4xi32>) -> tensor<4x4xi32>
  return
}

// -----

func.func @linear_weight_rank(%x: tensor<4x3xf32>, %w: tensor<2x3x5xf32>) {
  // expected-error @+2 {{needs input rank >= 1 and a 2-D weight, got 4x3 and 2x3x5}}
  // expected-error @+1 {{'px.linear' op failed to infer returned types}}
  %0 = px.linear %x, %w : (tensor<4x3xf32>, tensor<2x3x5xf32>) -> tensor<4x5xf32>
  return
}

// -----

func.func @linear_scalar_input(%x: tensor<f32>, %w: tensor<3x5xf32>) {
  // expected-error @+2 {{needs input rank >= 1 and a 2-D weight, got scalar and 3x5}}
  // expected-error @+1 {{'px.linear' op failed to infer returned types}}
  %0 = px.linear %x, %w : (tensor<f32>, tensor<3x5xf32>) -> tensor<5xf32>
  return
}

// -----

func.func @linear_contracting(%x: tensor<4x3xf32>, %w: tensor<4x3xf32>) {
  // expected-error @+2 {{input 4x3 has K = 3 but weight 4x3 has K = 4}}
  // expected-error @+1 {{'px.linear' op failed to infer returned types}}
  %0 = px.linear %x, %w : (tensor<4x3xf32>, tensor<4x3xf32>) -> tensor<4x3xf32>
  return
}

// -----

func.func @linear_contracting_transposed(%x: tensor<4x3xf32>, %w: tensor<3x5xf32>) {
  // expected-error @+2 {{input 4x3 has K = 3 but weight 3x5 (transposed) has K = 5}}
  // expected-error @+1 {{'px.linear' op failed to infer returned types}}
  %0 = px.linear %x, %w {transpose_w} : (tensor<4x3xf32>, tensor<3x5xf32>) -> tensor<4x3xf32>
  return
}

// -----

func.func @linear_element_types(%x: tensor<4x3xf32>, %w: tensor<3x5xbf16>) {
  // expected-error @+2 {{operand element types differ}}
  // expected-error @+1 {{'px.linear' op failed to infer returned types}}
  %0 = px.linear %x, %w : (tensor<4x3xf32>, tensor<3x5xbf16>) -> tensor<4x5xf32>
  return
}

// -----

func.func @linear_bias_shape(%x: tensor<4x3xf32>, %w: tensor<3x5xf32>, %b: tensor<3xf32>) {
  // expected-error @+2 {{bias 3 does not match the 5 output features}}
  // expected-error @+1 {{'px.linear' op failed to infer returned types}}
  %0 = px.linear %x, %w, %b : (tensor<4x3xf32>, tensor<3x5xf32>, tensor<3xf32>) -> tensor<4x5xf32>
  return
}

// -----

func.func @linear_bias_rank(%x: tensor<4x3xf32>, %w: tensor<3x5xf32>, %b: tensor<1x5xf32>) {
  // expected-error @+2 {{bias 1x5 does not match the 5 output features}}
  // expected-error @+1 {{'px.linear' op failed to infer returned types}}
  %0 = px.linear %x, %w, %b : (tensor<4x3xf32>, tensor<3x5xf32>, tensor<1x5xf32>) -> tensor<4x5xf32>
  return
}

// -----

func.func @linear_bias_element_type(%x: tensor<4x3xf32>, %w: tensor<3x5xf32>, %b: tensor<5xf16>) {
  // expected-error @+2 {{operand element types differ}}
  // expected-error @+1 {{'px.linear' op failed to infer returned types}}
  %0 = px.linear %x, %w, %b : (tensor<4x3xf32>, tensor<3x5xf32>, tensor<5xf16>) -> tensor<4x5xf32>
  return
}

// -----

//===----------------------------------------------------------------------===//
// Elementwise
//===----------------------------------------------------------------------===//

func.func @binary_broadcast(%a: tensor<4x3xf32>, %b: tensor<4xf32>) {
  // expected-error @+2 {{operand shapes are not broadcastable: 4x3 vs 4}}
  // expected-error @+1 {{'px.add' op failed to infer returned types}}
  %0 = px.add %a, %b : (tensor<4x3xf32>, tensor<4xf32>) -> tensor<4x3xf32>
  return
}

// -----

func.func @binary_element_types(%a: tensor<4xf32>, %b: tensor<4xf16>) {
  // expected-error @+1 {{'px.mul' op requires the same element type for all operands}}
  %0 = px.mul %a, %b : (tensor<4xf32>, tensor<4xf16>) -> tensor<4xf32>
  return
}

// -----

func.func @binary_result_type(%a: tensor<4x1xf32>, %b: tensor<3xf32>) {
  // expected-error @+2 {{'px.sub' op inferred type(s) 'tensor<4x3xf32>' are incompatible with return type(s) of operation 'tensor<4x1xf32>'}}
  // expected-error @+1 {{'px.sub' op failed to infer returned types}}
  %0 = px.sub %a, %b : (tensor<4x1xf32>, tensor<3xf32>) -> tensor<4x1xf32>
  return
}

// -----

func.func @pow_int(%a: tensor<4xi32>) {
  // expected-error @+1 {{'px.pow' op operand #0 must be statically shaped tensor of 16-bit float or bfloat16 type or 32-bit float or 64-bit float values}}
  %0 = px.pow %a, %a : (tensor<4xi32>, tensor<4xi32>) -> tensor<4xi32>
  return
}

// -----

func.func @and_float(%a: tensor<4xf32>) {
  // expected-error @+1 {{'px.and' op operand #0 must be statically shaped tensor of 1-bit signless integer values}}
  %0 = px.and %a, %a : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  return
}

// -----

func.func @compare_broadcast(%a: tensor<4x3xf32>, %b: tensor<2xf32>) {
  // expected-error @+2 {{operand shapes are not broadcastable: 4x3 vs 2}}
  // expected-error @+1 {{'px.compare' op failed to infer returned types}}
  %0 = px.compare lt, %a, %b : (tensor<4x3xf32>, tensor<2xf32>) -> tensor<4x3xi1>
  return
}

// -----

func.func @compare_result(%a: tensor<4xf32>) {
  // expected-error @+1 {{'px.compare' op result #0 must be statically shaped tensor of 1-bit signless integer values}}
  %0 = px.compare lt, %a, %a : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  return
}

// -----

func.func @compare_predicate(%a: tensor<4xf32>) {
  // expected-error @+1 {{expected string or keyword containing one of the following enum values for attribute 'kind' [eq, ne, lt, le, gt, ge]}}
  %0 = px.compare less, %a, %a : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xi1>
  return
}

// -----

func.func @where_element_types(%c: tensor<4xi1>, %a: tensor<4xf32>, %b: tensor<4xi32>) {
  // expected-error @+2 {{lhs and rhs element types differ}}
  // expected-error @+1 {{'px.where' op failed to infer returned types}}
  %0 = px.where %c, %a, %b : (tensor<4xi1>, tensor<4xf32>, tensor<4xi32>) -> tensor<4xf32>
  return
}

// -----

func.func @where_broadcast(%c: tensor<3xi1>, %a: tensor<4xf32>) {
  // expected-error @+2 {{operand shapes are not broadcastable: 3 vs 4}}
  // expected-error @+1 {{'px.where' op failed to infer returned types}}
  %0 = px.where %c, %a, %a : (tensor<3xi1>, tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  return
}

// -----

func.func @where_condition(%c: tensor<4xf32>, %a: tensor<4xf32>) {
  // expected-error @+1 {{'px.where' op operand #0 must be statically shaped tensor of 1-bit signless integer values}}
  %0 = px.where %c, %a, %a : (tensor<4xf32>, tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  return
}

// -----

func.func @unary_float_only(%a: tensor<4xi32>) {
  // expected-error @+1 {{'px.exp' op operand #0 must be statically shaped tensor of 16-bit float or bfloat16 type or 32-bit float or 64-bit float values}}
  %0 = px.exp %a : tensor<4xi32>
  return
}

// -----

func.func @unary_type(%a: tensor<4xf32>) {
  // expected-error @+1 {{'px.neg' op requires the same type for all operands and results}}
  %0 = "px.neg"(%a) : (tensor<4xf32>) -> tensor<4xf16>
  return
}

// -----

func.func @gelu_approximation(%a: tensor<4xf32>) {
  // expected-error @+1 {{expected string or keyword containing one of the following enum values for attribute 'approximate' [none, tanh]}}
  %0 = px.gelu %a approximate = fast : tensor<4xf32>
  return
}

// -----

func.func @cast_shape(%a: tensor<4xf32>) {
  // expected-error @+1 {{'px.cast' op requires the same shape for all operands and results}}
  %0 = px.cast %a : tensor<4xf32> to tensor<2x2xi32>
  return
}

// -----

//===----------------------------------------------------------------------===//
// Normalization
//===----------------------------------------------------------------------===//

func.func @softmax_axis(%a: tensor<4x3xf32>) {
  // expected-error @+1 {{'px.softmax' op axis 2 is out of range for rank 2}}
  %0 = px.softmax %a {axis = 2 : i64} : tensor<4x3xf32>
  return
}

// -----

func.func @log_softmax_axis(%a: tensor<4x3xf32>) {
  // expected-error @+1 {{'px.log_softmax' op axis -1 is out of range for rank 2}}
  %0 = px.log_softmax %a {axis = -1 : i64} : tensor<4x3xf32>
  return
}

// -----

func.func @layer_norm_axis(%a: tensor<4x3xf32>) {
  // expected-error @+1 {{'px.layer_norm' op axis 2 is out of range for rank 2}}
  %0 = px.layer_norm %a {axis = 2 : i64, epsilon = 1.0e-5 : f64} : (tensor<4x3xf32>) -> tensor<4x3xf32>
  return
}

// -----

func.func @layer_norm_epsilon(%a: tensor<4x3xf32>) {
  // expected-error @+1 {{'px.layer_norm' op epsilon must be non-negative}}
  %0 = px.layer_norm %a {axis = 1 : i64, epsilon = -1.0e-5 : f64} : (tensor<4x3xf32>) -> tensor<4x3xf32>
  return
}

// -----

func.func @layer_norm_scale(%a: tensor<4x3xf32>, %s: tensor<4x3xf32>) {
  // expected-error @+1 {{'px.layer_norm' op scale has type 'tensor<4x3xf32>' but normalizing dimensions [1, 2) needs 'tensor<3xf32>'}}
  %0 = px.layer_norm %a scale %s {axis = 1 : i64, epsilon = 1.0e-5 : f64} : (tensor<4x3xf32>, tensor<4x3xf32>) -> tensor<4x3xf32>
  return
}

// -----

func.func @layer_norm_bias(%a: tensor<4x3xf32>, %b: tensor<3xbf16>) {
  // expected-error @+1 {{'px.layer_norm' op bias has type 'tensor<3xbf16>' but normalizing dimensions [1, 2) needs 'tensor<3xf32>'}}
  %0 = px.layer_norm %a bias %b {axis = 1 : i64, epsilon = 1.0e-5 : f64} : (tensor<4x3xf32>, tensor<3xbf16>) -> tensor<4x3xf32>
  return
}

// -----

func.func @layer_norm_result(%a: tensor<4x3xf32>) {
  // expected-error @+1 {{'px.layer_norm' op failed to verify that all of {input, result} have same type}}
  %0 = px.layer_norm %a {axis = 1 : i64, epsilon = 1.0e-5 : f64} : (tensor<4x3xf32>) -> tensor<4x3xf16>
  return
}

// -----

func.func @rms_norm_axis(%a: tensor<4x3xf32>) {
  // expected-error @+1 {{'px.rms_norm' op axis 3 is out of range for rank 2}}
  %0 = px.rms_norm %a {axis = 3 : i64, epsilon = 1.0e-6 : f64} : (tensor<4x3xf32>) -> tensor<4x3xf32>
  return
}

// -----

func.func @rms_norm_epsilon(%a: tensor<4x3xf32>) {
  // expected-error @+1 {{'px.rms_norm' op epsilon must be non-negative}}
  %0 = px.rms_norm %a {axis = 1 : i64, epsilon = -1.0 : f64} : (tensor<4x3xf32>) -> tensor<4x3xf32>
  return
}

// -----

func.func @rms_norm_scale(%a: tensor<2x4x3xf32>, %s: tensor<3xf32>) {
  // expected-error @+1 {{'px.rms_norm' op scale has type 'tensor<3xf32>' but normalizing dimensions [1, 3) needs 'tensor<4x3xf32>'}}
  %0 = px.rms_norm %a scale %s {axis = 1 : i64, epsilon = 1.0e-6 : f64} : (tensor<2x4x3xf32>, tensor<3xf32>) -> tensor<2x4x3xf32>
  return
}

// -----

//===----------------------------------------------------------------------===//
// Data movement
//===----------------------------------------------------------------------===//

func.func @gather_axis(%t: tensor<10x4xf32>, %i: tensor<3xi64>) {
  // expected-error @+2 {{axis 2 is out of range for rank 2}}
  // expected-error @+1 {{'px.gather' op failed to infer returned types}}
  %0 = px.gather %t[%i] {axis = 2 : i64} : (tensor<10x4xf32>, tensor<3xi64>) -> tensor<3x4xf32>
  return
}

// -----

func.func @gather_result(%t: tensor<10x4xf32>, %i: tensor<3xi64>) {
  // expected-error @+2 {{'px.gather' op inferred type(s) 'tensor<3x4xf32>' are incompatible with return type(s) of operation 'tensor<4x3xf32>'}}
  // expected-error @+1 {{'px.gather' op failed to infer returned types}}
  %0 = px.gather %t[%i] {axis = 0 : i64} : (tensor<10x4xf32>, tensor<3xi64>) -> tensor<4x3xf32>
  return
}

// -----

func.func @gather_float_indices(%t: tensor<10x4xf32>, %i: tensor<3xf32>) {
  // expected-error @+1 {{'px.gather' op operand #1 must be statically shaped tensor of 32-bit signless integer or 64-bit signless integer values}}
  %0 = px.gather %t[%i] {axis = 0 : i64} : (tensor<10x4xf32>, tensor<3xf32>) -> tensor<3x4xf32>
  return
}

// -----

func.func @reshape_element_type(%a: tensor<2x3xf32>) {
  // expected-error @+1 {{'px.reshape' op cannot change the element type}}
  %0 = px.reshape %a : tensor<2x3xf32> to tensor<6xf16>
  return
}

// -----

func.func @reshape_elements(%a: tensor<2x3xf32>) {
  // expected-error @+1 {{'px.reshape' op cannot reshape 2x3 (6 elements) to 7 (7 elements)}}
  %0 = px.reshape %a : tensor<2x3xf32> to tensor<7xf32>
  return
}

// -----

func.func @transpose_perm_size(%a: tensor<2x3xf32>) {
  // expected-error @+2 {{perm has 3 entries for rank 2}}
  // expected-error @+1 {{'px.transpose' op failed to infer returned types}}
  %0 = px.transpose %a [0, 1, 2] : tensor<2x3xf32> to tensor<2x3xf32>
  return
}

// -----

func.func @transpose_perm_repeated(%a: tensor<2x3xf32>) {
  // expected-error @+2 {{perm is not a permutation of 0..1}}
  // expected-error @+1 {{'px.transpose' op failed to infer returned types}}
  %0 = px.transpose %a [1, 1] : tensor<2x3xf32> to tensor<3x3xf32>
  return
}

// -----

func.func @transpose_perm_range(%a: tensor<2x3xf32>) {
  // expected-error @+2 {{perm is not a permutation of 0..1}}
  // expected-error @+1 {{'px.transpose' op failed to infer returned types}}
  %0 = px.transpose %a [2, 0] : tensor<2x3xf32> to tensor<3x2xf32>
  return
}

// -----

func.func @transpose_result(%a: tensor<2x3xf32>) {
  // expected-error @+2 {{'px.transpose' op inferred type(s) 'tensor<3x2xf32>' are incompatible with return type(s) of operation 'tensor<2x3xf32>'}}
  // expected-error @+1 {{'px.transpose' op failed to infer returned types}}
  %0 = px.transpose %a [1, 0] : tensor<2x3xf32> to tensor<2x3xf32>
  return
}

// -----

func.func @expand_element_type(%a: tensor<3xf32>) {
  // expected-error @+1 {{'px.expand' op cannot change the element type}}
  %0 = px.expand %a : tensor<3xf32> to tensor<2x3xi64>
  return
}

// -----

func.func @expand_rank(%a: tensor<1x3xf32>) {
  // expected-error @+1 {{'px.expand' op cannot expand rank 2 to rank 1}}
  %0 = px.expand %a : tensor<1x3xf32> to tensor<3xf32>
  return
}

// -----

func.func @expand_shape(%a: tensor<3x1xf32>) {
  // expected-error @+1 {{'px.expand' op cannot broadcast 3x1 to 2x4x5}}
  %0 = px.expand %a : tensor<3x1xf32> to tensor<2x4x5xf32>
  return
}

// -----

func.func @concat_axis(%a: tensor<2x3xf32>) {
  // expected-error @+2 {{axis 2 is out of range for rank 2}}
  // expected-error @+1 {{'px.concat' op failed to infer returned types}}
  %0 = px.concat %a, %a {axis = 2 : i64} : (tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<2x6xf32>
  return
}

// -----

func.func @concat_shapes(%a: tensor<2x3xf32>, %b: tensor<3x3xf32>) {
  // expected-error @+2 {{input 3x3 does not match 2x3 outside axis 1}}
  // expected-error @+1 {{'px.concat' op failed to infer returned types}}
  %0 = px.concat %a, %b {axis = 1 : i64} : (tensor<2x3xf32>, tensor<3x3xf32>) -> tensor<2x6xf32>
  return
}

// -----

func.func @concat_ranks(%a: tensor<2x3xf32>, %b: tensor<2x3x1xf32>) {
  // expected-error @+2 {{input 2x3x1 does not match 2x3 outside axis 0}}
  // expected-error @+1 {{'px.concat' op failed to infer returned types}}
  %0 = px.concat %a, %b {axis = 0 : i64} : (tensor<2x3xf32>, tensor<2x3x1xf32>) -> tensor<4x3xf32>
  return
}

// -----

func.func @concat_element_types(%a: tensor<2x3xf32>, %b: tensor<2x3xf16>) {
  // expected-error @+1 {{'px.concat' op requires the same element type for all operands and results}}
  %0 = px.concat %a, %b {axis = 0 : i64} : (tensor<2x3xf32>, tensor<2x3xf16>) -> tensor<4x3xf32>
  return
}

// -----

func.func @concat_no_inputs() {
  // expected-error @+1 {{'px.concat' op expected 1 or more operands, but found 0}}
  %0 = "px.concat"() {axis = 0 : i64} : () -> tensor<4xf32>
  return
}

// -----

func.func @split_axis(%a: tensor<2x6xf32>) {
  // expected-error @+1 {{'px.split' op axis 2 is out of range for rank 2}}
  %0:2 = px.split %a {axis = 2 : i64} : (tensor<2x6xf32>) -> (tensor<2x3xf32>, tensor<2x3xf32>)
  return
}

// -----

func.func @split_other_dims(%a: tensor<2x6xf32>) {
  // expected-error @+1 {{'px.split' op result 3x3 does not match input 2x6 outside axis 1}}
  %0:2 = px.split %a {axis = 1 : i64} : (tensor<2x6xf32>) -> (tensor<2x3xf32>, tensor<3x3xf32>)
  return
}

// -----

func.func @split_rank(%a: tensor<2x6xf32>) {
  // expected-error @+1 {{'px.split' op result 2x3x1 does not match input 2x6 outside axis 1}}
  %0:2 = px.split %a {axis = 1 : i64} : (tensor<2x6xf32>) -> (tensor<2x3xf32>, tensor<2x3x1xf32>)
  return
}

// -----

// With a 1-D input the result rank must still match.
func.func @split_rank_1d(%a: tensor<6xf32>) {
  // expected-error @+1 {{'px.split' op result 3x1 does not match input 6 outside axis 0}}
  %0:2 = px.split %a {axis = 0 : i64} : (tensor<6xf32>) -> (tensor<3x1xf32>, tensor<3xf32>)
  return
}

// -----

func.func @split_rank_0(%a: tensor<6xf32>) {
  // expected-error @+1 {{'px.split' op result scalar does not match input 6 outside axis 0}}
  %0:2 = px.split %a {axis = 0 : i64} : (tensor<6xf32>) -> (tensor<f32>, tensor<6xf32>)
  return
}

// -----

func.func @split_sizes(%a: tensor<2x6xf32>) {
  // expected-error @+1 {{'px.split' op result sizes along axis 1 add up to 5, not 6}}
  %0:2 = px.split %a {axis = 1 : i64} : (tensor<2x6xf32>) -> (tensor<2x3xf32>, tensor<2x2xf32>)
  return
}

// -----

func.func @split_no_results(%a: tensor<2x6xf32>) {
  // expected-error @+1 {{'px.split' op expected 1 or more results}}
  "px.split"(%a) {axis = 1 : i64} : (tensor<2x6xf32>) -> ()
  return
}

// -----

func.func @slice_arity(%a: tensor<8x6xf32>) {
  // expected-error @+2 {{needs one offset, size and stride per dimension (rank 2)}}
  // expected-error @+1 {{'px.slice' op failed to infer returned types}}
  %0 = px.slice %a offsets = [0] sizes = [4, 6] strides = [1, 1] : tensor<8x6xf32> to tensor<4x6xf32>
  return
}

// -----

func.func @slice_zero_stride(%a: tensor<8x6xf32>) {
  // expected-error @+2 {{dimension 1: stride must be non-zero and size >= 0}}
  // expected-error @+1 {{'px.slice' op failed to infer returned types}}
  %0 = px.slice %a offsets = [0, 0] sizes = [4, 6] strides = [1, 0] : tensor<8x6xf32> to tensor<4x6xf32>
  return
}

// -----

func.func @slice_negative_size(%a: tensor<8x6xf32>) {
  // expected-error @+2 {{dimension 0: stride must be non-zero and size >= 0}}
  // expected-error @+1 {{'px.slice' op failed to infer returned types}}
  %0 = px.slice %a offsets = [0, 0] sizes = [-1, 6] strides = [1, 1] : tensor<8x6xf32> to tensor<4x6xf32>
  return
}

// -----

func.func @slice_past_end(%a: tensor<8x6xf32>) {
  // expected-error @+2 {{dimension 1: reads [0, 6] outside 0..5}}
  // expected-error @+1 {{'px.slice' op failed to infer returned types}}
  %0 = px.slice %a offsets = [0, 0] sizes = [8, 4] strides = [1, 2] : tensor<8x6xf32> to tensor<8x4xf32>
  return
}

// -----

func.func @slice_reverse_past_start(%a: tensor<8x6xf32>) {
  // expected-error @+2 {{dimension 0: reads [3, -1] outside 0..7}}
  // expected-error @+1 {{'px.slice' op failed to infer returned types}}
  %0 = px.slice %a offsets = [3, 0] sizes = [5, 6] strides = [-1, 1] : tensor<8x6xf32> to tensor<5x6xf32>
  return
}

// -----

func.func @slice_negative_offset(%a: tensor<8x6xf32>) {
  // expected-error @+2 {{dimension 0: reads [-1, 0] outside 0..7}}
  // expected-error @+1 {{'px.slice' op failed to infer returned types}}
  %0 = px.slice %a offsets = [-1, 0] sizes = [2, 6] strides = [1, 1] : tensor<8x6xf32> to tensor<2x6xf32>
  return
}

// -----

func.func @slice_result(%a: tensor<8x6xf32>) {
  // expected-error @+2 {{'px.slice' op inferred type(s) 'tensor<4x6xf32>' are incompatible with return type(s) of operation 'tensor<8x6xf32>'}}
  // expected-error @+1 {{'px.slice' op failed to infer returned types}}
  %0 = px.slice %a offsets = [0, 0] sizes = [4, 6] strides = [2, 1] : tensor<8x6xf32> to tensor<8x6xf32>
  return
}

// -----

func.func @trilu_rank(%a: tensor<4xf32>) {
  // expected-error @+1 {{'px.trilu' op needs rank >= 2, got 1}}
  %0 = px.trilu %a : tensor<4xf32>
  return
}

// -----

//===----------------------------------------------------------------------===//
// Reductions and loss
//===----------------------------------------------------------------------===//

func.func @reduce_mean_int(%a: tensor<4x3xi32>) {
  // expected-error @+2 {{mean needs a float input}}
  // expected-error @+1 {{'px.reduce' op failed to infer returned types}}
  %0 = px.reduce mean %a [1] : tensor<4x3xi32> to tensor<4xi32>
  return
}

// -----

func.func @reduce_axis_range(%a: tensor<4x3xf32>) {
  // expected-error @+2 {{axes must be distinct and in 0..1}}
  // expected-error @+1 {{'px.reduce' op failed to infer returned types}}
  %0 = px.reduce sum %a [2] : tensor<4x3xf32> to tensor<4x3xf32>
  return
}

// -----

func.func @reduce_axis_repeated(%a: tensor<4x3xf32>) {
  // expected-error @+2 {{axes must be distinct and in 0..1}}
  // expected-error @+1 {{'px.reduce' op failed to infer returned types}}
  %0 = px.reduce max %a [1, 1] : tensor<4x3xf32> to tensor<4xf32>
  return
}

// -----

func.func @reduce_keepdims_result(%a: tensor<4x3xf32>) {
  // expected-error @+2 {{'px.reduce' op inferred type(s) 'tensor<4x1xf32>' are incompatible with return type(s) of operation 'tensor<4xf32>'}}
  // expected-error @+1 {{'px.reduce' op failed to infer returned types}}
  %0 = px.reduce sum %a [1] keepdims : tensor<4x3xf32> to tensor<4xf32>
  return
}

// -----

func.func @reduce_kind(%a: tensor<4x3xf32>) {
  // expected-error @+1 {{expected string or keyword containing one of the following enum values for attribute 'kind' [sum, mean, max, min]}}
  %0 = px.reduce prod %a [1] : tensor<4x3xf32> to tensor<4xf32>
  return
}

// -----

func.func @cross_entropy_labels(%l: tensor<4x10xf32>, %y: tensor<10xi64>) {
  // expected-error @+2 {{labels 10 must have the shape of logits 4x10 without its class dimension}}
  // expected-error @+1 {{'px.cross_entropy' op failed to infer returned types}}
  %0 = px.cross_entropy %l, %y : (tensor<4x10xf32>, tensor<10xi64>) -> tensor<f32>
  return
}

// -----

func.func @cross_entropy_scalar_logits(%l: tensor<f32>, %y: tensor<i64>) {
  // expected-error @+2 {{labels scalar must have the shape of logits scalar without its class dimension}}
  // expected-error @+1 {{'px.cross_entropy' op failed to infer returned types}}
  %0 = px.cross_entropy %l, %y : (tensor<f32>, tensor<i64>) -> tensor<f32>
  return
}

// -----

func.func @cross_entropy_reduction_none(%l: tensor<4x10xf32>, %y: tensor<4xi64>) {
  // expected-error @+2 {{'px.cross_entropy' op inferred type(s) 'tensor<4xf32>' are incompatible with return type(s) of operation 'tensor<f32>'}}
  // expected-error @+1 {{'px.cross_entropy' op failed to infer returned types}}
  %0 = px.cross_entropy %l, %y reduction = none : (tensor<4x10xf32>, tensor<4xi64>) -> tensor<f32>
  return
}

// -----

//===----------------------------------------------------------------------===//
// px.sbp, px.stage, px.mesh, px.name
//===----------------------------------------------------------------------===//

func.func @sbp_without_mesh(%a: tensor<4xf32>) {
  // expected-error @+1 {{px.sbp needs a px.mesh declaration}}
  %0 = px.neg %a {px.sbp = #px.sbp<[S(0)]>} : tensor<4xf32>
  return
}

// -----

px.mesh @a shape = [2]
px.mesh @b shape = [4]

func.func @sbp_ambiguous_mesh(%a: tensor<4xf32>) {
  // expected-error @+1 {{px.sbp is ambiguous: the module declares several meshes; name one with a px.mesh attribute on the function}}
  %0 = px.neg %a {px.sbp = #px.sbp<[S(0)]>} : tensor<4xf32>
  return
}

// -----

px.mesh @m shape = [2]

// expected-error @+1 {{px.mesh refers to @nope, which is not defined}}
func.func @mesh_undefined() attributes {px.mesh = @nope} {
  return
}

// -----

px.mesh @m shape = [2]

// expected-error @+1 {{px.mesh refers to @mesh_not_a_mesh, a 'func.func', not a px.mesh}}
func.func @mesh_not_a_mesh() attributes {px.mesh = @mesh_not_a_mesh} {
  return
}

// -----

px.mesh @m shape = [2]

// expected-error @+1 {{px.mesh must name a px.mesh symbol}}
func.func @mesh_string() attributes {px.mesh = "m"} {
  return
}

// -----

px.mesh @m shape = [2, 2]

func.func @sbp_not_sbp(%a: tensor<4xf32>) {
  // expected-error @+1 {{px.sbp of result must be a #px.sbp attribute, got "S(0)"}}
  %0 = px.neg %a {px.sbp = "S(0)"} : tensor<4xf32>
  return
}

// -----

px.mesh @m shape = [2, 2]

func.func @sbp_array_entry_not_sbp(%a: tensor<4x6xf32>) {
  // expected-error @+1 {{px.sbp of result #1 must be a #px.sbp attribute, got 1 : i64}}
  %0:2 = px.split %a {axis = 1 : i64, px.sbp = [#px.sbp<[B, B]>, 1]} : (tensor<4x6xf32>) -> (tensor<4x3xf32>, tensor<4x3xf32>)
  return
}

// -----

px.mesh @m shape = [2]

func.func private @scalar() -> i32

func.func @sbp_not_a_tensor() {
  // expected-error @+1 {{px.sbp on result which is not a ranked tensor}}
  %0 = func.call @scalar() {px.sbp = #px.sbp<[B]>} : () -> i32
  return
}

// -----

px.mesh @m shape = [2]

// expected-error @+1 {{px.sbp on argument #1 which is not a ranked tensor}}
func.func @sbp_arg_not_a_tensor(%a: tensor<4xf32>, %b: i32 {px.sbp = #px.sbp<[B]>}) {
  return
}

// -----

px.mesh @m shape = [2, 4]

func.func @sbp_entries(%a: tensor<4xf32>) {
  // expected-error @+1 {{px.sbp #px.sbp<[S(0)]> of result has 1 entries but the mesh has 2 axes (px.mesh @m)}}
  %0 = px.neg %a {px.sbp = #px.sbp<[S(0)]>} : tensor<4xf32>
  return
}

// -----

px.mesh @m shape = [2, 4]

func.func @sbp_split_dim(%a: tensor<4x4xf32>) {
  // expected-error @+1 {{px.sbp #px.sbp<[B, S(2)]> of result splits dimension 2 of a rank-2 tensor}}
  %0 = px.neg %a {px.sbp = #px.sbp<[B, S(2)]>} : tensor<4x4xf32>
  return
}

// -----

px.mesh @m shape = [2]

func.func @sbp_split_scalar(%a: tensor<f32>) {
  // expected-error @+1 {{px.sbp #px.sbp<[S(0)]> of result splits dimension 0 of a rank-0 tensor}}
  %0 = px.neg %a {px.sbp = #px.sbp<[S(0)]>} : tensor<f32>
  return
}

// -----

px.mesh @m shape = [2]

// expected-error @+1 {{px.sbp #px.sbp<[S(1)]> of argument #0 splits dimension 1 of a rank-1 tensor}}
func.func @sbp_arg(%a: tensor<4xf32> {px.sbp = #px.sbp<[S(1)]>}) {
  return
}

// -----

px.mesh @m shape = [2]

// expected-error @+1 {{px.sbp #px.sbp<[B, B]> of function result #1 has 2 entries but the mesh has 1 axes}}
func.func private @sbp_result() -> (tensor<4xf32>, tensor<4xf32> {px.sbp = #px.sbp<[B, B]>})

// -----

px.mesh @m shape = [2]

// Selecting a mesh on the function changes which px.sbp are valid.
px.mesh @m2 shape = [2, 2]

// expected-error @+1 {{px.sbp #px.sbp<[B]> of argument #0 has 1 entries but the mesh has 2 axes (px.mesh @m2)}}
func.func @sbp_named_mesh(%a: tensor<4xf32> {px.sbp = #px.sbp<[B]>}) attributes {px.mesh = @m2} {
  return
}

// -----

px.mesh @m shape = [2]

func.func @sbp_multi_result_single(%a: tensor<4x6xf32>) {
  // expected-error @+1 {{px.sbp of results must be an array with one #px.sbp per value}}
  %0:2 = px.split %a {axis = 1 : i64, px.sbp = #px.sbp<[B]>} : (tensor<4x6xf32>) -> (tensor<4x3xf32>, tensor<4x3xf32>)
  return
}

// -----

px.mesh @m shape = [2]

func.func @sbp_array_size(%a: tensor<4x6xf32>) {
  // expected-error @+1 {{px.sbp has 1 entries for 2 results}}
  %0:2 = px.split %a {axis = 1 : i64, px.sbp = [#px.sbp<[B]>]} : (tensor<4x6xf32>) -> (tensor<4x3xf32>, tensor<4x3xf32>)
  return
}

// -----

px.mesh @m shape = [2]

func.func @sbp_array_entry(%a: tensor<4x6xf32>) {
  // expected-error @+1 {{px.sbp #px.sbp<[S(2)]> of result #1 splits dimension 2 of a rank-2 tensor}}
  %0:2 = px.split %a {axis = 1 : i64, px.sbp = [#px.sbp<[S(0)]>, #px.sbp<[S(2)]>]} : (tensor<4x6xf32>) -> (tensor<4x3xf32>, tensor<4x3xf32>)
  return
}

// -----

px.mesh @m shape = [2]

// expected-error @+1 {{px.sbp on an op without results}}
func.func @sbp_no_results() attributes {px.sbp = #px.sbp<[B]>} {
  return
}

// -----

px.mesh @m shape = [2]

func.func @sbp_no_results_empty_array() {
  // expected-error @+1 {{px.sbp on an op without results}}
  func.return {px.sbp = []}
}

// -----

func.func @stage_negative(%a: tensor<4xf32>) {
  // expected-error @+1 {{px.stage must be a non-negative integer}}
  %0 = px.neg %a {px.stage = -1 : i64} : tensor<4xf32>
  return
}

// -----

func.func @stage_not_integer(%a: tensor<4xf32>) {
  // expected-error @+1 {{px.stage must be a non-negative integer}}
  %0 = px.neg %a {px.stage = "0"} : tensor<4xf32>
  return
}

// -----

// expected-error @+1 {{px.stage must be a non-negative integer}}
func.func @stage_arg(%a: tensor<4xf32> {px.stage = 1.0 : f32}) {
  return
}

// -----

func.func @name_not_string(%a: tensor<4xf32>) {
  // expected-error @+1 {{px.name must be a string}}
  %0 = px.neg %a {px.name = 3 : i64} : tensor<4xf32>
  return
}

// -----

func.func @unknown_attribute(%a: tensor<4xf32>) {
  // expected-error @+1 {{unknown px attribute 'px.shards'}}
  %0 = px.neg %a {px.shards = 0 : i64} : tensor<4xf32>
  return
}

// -----

func.func @shard_not_on_parameter(%a: tensor<4xf32>) {
  // expected-error @+1 {{px.shard must be a dictionary on a px.parameter}}
  %0 = px.neg %a {px.shard = {of = "w"}} : tensor<4xf32>
  return
}

// -----

func.func @shard_rank() {
  // expected-error @+1 {{px.shard needs {of = name, offsets, shape} of rank 1}}
  %0 = px.parameter "w.vocab0" : tensor<4xf32> {px.shard = {of = "w", offsets = array<i64: 0, 0>, shape = array<i64: 8>}}
  return
}

// -----

func.func @shard_outside() {
  // expected-error @+1 {{px.shard: dimension 0 of the block lies outside 'w'}}
  %0 = px.parameter "w.vocab1" : tensor<4xf32> {px.shard = {of = "w", offsets = array<i64: 6>, shape = array<i64: 8>}}
  return
}

// -----

func.func @checkpoint_name() {
  // expected-error @+1 {{px.checkpoint needs the stored tensor's name}}
  %0 = px.parameter "w" : tensor<4xf32> {px.checkpoint = {kind = "state", device = 0 : i64, logical_shape = array<i64: 4>, fragments = []}}
  return
}

// -----

func.func @phase_vocab() {
  // expected-error @+1 {{px.phase must be}}
  %0 = px.parameter "w" : tensor<4xf32> {px.phase = "vocab"}
  return
}

// -----

// expected-error @+1 {{unknown px attribute 'px.mesh'}}
func.func @mesh_on_argument(%a: tensor<4xf32> {px.mesh = @m}) {
  return
}

// -----

// expected-error @+1 {{unknown px attribute 'px.colour'}}
func.func private @unknown_result_attribute() -> (tensor<4xf32> {px.colour = 0 : i64})

// -----

func.func @scatter_add_shape(%g: tensor<4x8x15xf32>, %ids: tensor<4x8xi64>) {
  // expected-error @+1 {{'px.scatter_add' op updates 4x8x15 must have the shape 4x8x16 (result[:axis] + indices + result[axis+1:])}}
  %0 = px.scatter_add %g[%ids] {axis = 0 : i64} : (tensor<4x8x15xf32>, tensor<4x8xi64>) -> tensor<50x16xf32>
  return
}

// -----

func.func @scatter_add_axis(%g: tensor<4x16xf32>, %ids: tensor<4xi64>) {
  // expected-error @+1 {{'px.scatter_add' op axis 2 is out of range for rank 2}}
  %0 = px.scatter_add %g[%ids] {axis = 2 : i64} : (tensor<4x16xf32>, tensor<4xi64>) -> tensor<50x16xf32>
  return
}

// -----

func.func @scatter_add_type(%g: tensor<4x16xf32>, %ids: tensor<4xi64>) {
  // expected-error @+1 {{'px.scatter_add' op updates and result element types differ}}
  %0 = px.scatter_add %g[%ids] {axis = 0 : i64} : (tensor<4x16xf32>, tensor<4xi64>) -> tensor<50x16xf64>
  return
}

//===----------------------------------------------------------------------===//
// Training ops
//===----------------------------------------------------------------------===//

// -----

func.func @assign_to_value(%x: tensor<4xf32>, %y: tensor<4xf32>) {
  // expected-error @+1 {{assigns to a px.parameter only}}
  px.assign %x, %y : tensor<4xf32>
  return
}

// -----

func.func @hyper_not_vector(%w: tensor<4xf32>, %h: tensor<2x8xf32>) {
  // expected-error @+1 {{hyper-parameters must be a vector, not 'tensor<2x8xf32>'}}
  %p:3 = px.adamw %w, %w, %w, %w, %h : tensor<4xf32>, tensor<2x8xf32>
  return
}

// -----

func.func @sgd_hyper_not_vector(%w: tensor<4xf32>, %h: tensor<f32>) {
  // expected-error @+1 {{hyper-parameters must be a vector, not 'tensor<f32>'}}
  %p:2 = px.sgd %w, %w, %w, %h : tensor<4xf32>, tensor<f32>
  return
}

// -----

// expected-error @+1 {{px.role must be "tokens", "labels" or "hyper"}}
func.func @bad_role(%x: tensor<4xi64> {px.role = "inputs"}) {
  return
}

// -----

// expected-error @+1 {{px.vocab must be a positive integer on a module}}
module attributes {px.vocab = 0 : i64} {
}

// -----

// expected-error @+1 {{px.vocab must be a positive integer on a module}}
func.func @vocab_on_function() attributes {px.vocab = 64 : i64} {
  return
}

// -----

func.func @bad_phase(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{px.phase must be "embed-forward", "forward", "vocab-forward", "vocab-backward", "backward", "weight", "embed-backward" or "update"}}
  %0 = px.exp %x {px.phase = "sideways"} : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// expected-error @+1 {{px.pipeline must be a module's {stages, micro_batches, virtual_stages} (positive integers) and schedule (a string)}}
module attributes {px.pipeline = {stages = 0 : i64, micro_batches = 1 : i64, virtual_stages = 1 : i64, schedule = "1f1b"}} {
}

// -----

func.func @transfer_to_itself(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{'px.transfer' op moves a value from stage 1 to itself}}
  %0 = px.transfer %x {src_stage = 1 : i64, dst_stage = 1 : i64} : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

func.func @accumulate_once(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{'px.accumulate' op attribute 'micro_batches' failed to satisfy constraint}}
  %0 = px.accumulate %x {micro_batches = 1 : i64} : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

func.func @checkpoint_not_on_parameter(%a: tensor<4xf32>) {
  // expected-error @+1 {{px.checkpoint must be a dictionary on a px.parameter}}
  %0 = px.neg %a {px.checkpoint = {}} : tensor<4xf32>
  return
}

// -----

func.func @checkpoint_kind() {
  // expected-error @+1 {{px.checkpoint needs kind = "parameter", "state" or "buffer"}}
  %0 = px.parameter "w" : tensor<4xf32> {px.checkpoint = {name = "w", kind = "weights", device = 0 : i64, logical_shape = array<i64: 4>, fragments = []}}
  return
}

// -----

func.func @checkpoint_logical_rank() {
  // expected-error @+1 {{px.checkpoint needs a logical_shape of rank 1}}
  %0 = px.parameter "w" : tensor<4xf32> {px.checkpoint = {name = "w", kind = "state", device = 0 : i64, logical_shape = array<i64: 4, 1>, fragments = []}}
  return
}

// -----

func.func @checkpoint_fragment_length() {
  // expected-error @+1 {{px.checkpoint needs fragments [rank, primary, offsets..., sizes...]}}
  %0 = px.parameter "w" : tensor<4xf32> {px.checkpoint = {name = "w", kind = "state", device = 0 : i64, logical_shape = array<i64: 4>, fragments = [array<i64: 0, 1, 0>]}}
  return
}

// -----

func.func @checkpoint_device() {
  // expected-error @+1 {{px.checkpoint needs a non-negative integer device}}
  %0 = px.parameter "w" : tensor<4xf32> {px.checkpoint = {name = "w", kind = "state", device = -1 : i64, logical_shape = array<i64: 4>, fragments = []}}
  return
}
