// RUN: pxc-opt %s --split-input-file --allow-unregistered-dialect --px-autodiff --verify-diagnostics

// expected-error @+1 {{'func.func' op first result must be a scalar f32 loss (tensor<f32>) to be differentiated}}
func.func @not_scalar(%x: tensor<4xf32>) -> tensor<4xf32> {
  return %x : tensor<4xf32>
}

// -----

// expected-error @+1 {{'func.func' op first result must be a scalar f32 loss (tensor<f32>) to be differentiated}}
func.func @f64_loss(%x: tensor<f64>) -> tensor<f64> {
  return %x : tensor<f64>
}

// -----

// expected-error @+1 {{'func.func' op first result must be a scalar f32 loss (tensor<f32>) to be differentiated}}
func.func @no_result() {
  return
}

// -----

px.mesh @mesh shape = [2]
// expected-error @+1 {{'func.func' op is a per-rank function (px.ranks); run px-autodiff before SBP search and spmdize}}
func.func @per_rank(%x: tensor<f32>) -> tensor<f32> attributes {px.ranks = array<i64: 0>} {
  return %x : tensor<f32>
}

// -----

px.mesh @mesh shape = [2]
func.func @planned(%x: tensor<4xf32>) -> tensor<f32> {
  // expected-error @+1 {{'px.reduce' op is already distributed; run px-autodiff before SBP search and boxing}}
  %l = px.reduce sum %x [0] {px.sbp = #px.sbp<[B]>} : tensor<4xf32> to tensor<f32>
  return %l : tensor<f32>
}

// -----

func.func private @opaque(tensor<f32>) -> tensor<f32>

func.func @no_rule() -> tensor<f32> {
  %p = px.parameter "p" : tensor<f32> init = #px.init<zeros>
  // expected-error @+1 {{'func.call' op has no VJP rule (AutodiffInterface); cannot differentiate the loss through it}}
  %y = func.call @opaque(%p) : (tensor<f32>) -> tensor<f32>
  return %y : tensor<f32>
}

// -----

func.func @int_param() -> tensor<f32> {
  // expected-error @+1 {{'px.parameter' op is trainable but not a float tensor; mark it frozen}}
  %p = px.parameter "p" : tensor<4xi64> init = dense<1> : tensor<4xi64>
  %l = px.constant dense<0.0> : tensor<f32>
  return %l : tensor<f32>
}

// -----

// expected-error @+1 {{'func.func' op must have a single block to be differentiated}}
func.func @blocks(%x: tensor<f32>) -> tensor<f32> {
  "test.br"() [^bb1] : () -> ()
^bb1:
  return %x : tensor<f32>
}
