// RUN: pxc-opt %s --split-input-file --px-spmdize --verify-diagnostics

px.mesh @mesh shape = [2]
func.func @unplanned(%x: tensor<8xf32> {px.sbp = #px.sbp<[B]>}) -> tensor<8xf32> {
  // expected-error @+1 {{'px.relu' op has no px.sbp (run px-auto-sbp first)}}
  %y = px.relu %x : tensor<8xf32>
  return %y : tensor<8xf32>
}

// -----

px.mesh @mesh shape = [2]
// expected-error @+1 {{px-spmdize: argument #0 has no px.sbp (run px-auto-sbp first)}}
func.func @no_arg_sbp(%x: tensor<8xf32>) -> tensor<8xf32> {
  return %x : tensor<8xf32>
}

// -----

px.mesh @mesh shape = [2]
func.func @unboxed(%x: tensor<8xf32> {px.sbp = #px.sbp<[B]>}) -> (tensor<8xf32> {px.sbp = #px.sbp<[B]>}) {
  // expected-error @+1 {{'px.relu' op operand #0 is distributed as #px.sbp<[B]> but the op expects #px.sbp<[S(0)]> (run px-insert-boxing first)}}
  %y = px.relu %x {px.sbp = #px.sbp<[S(0)]>, px.sbp_in = [#px.sbp<[S(0)]>]} : tensor<8xf32>
  return %y : tensor<8xf32>
}
