// RUN: pxc-opt %s --split-input-file --px-vocab-parallel=mode=vocab-2 --verify-diagnostics | FileCheck %s --check-prefix=V2
// RUN: pxc-opt %s --split-input-file --px-vocab-parallel=mode=vocab-1 --verify-diagnostics | FileCheck %s --check-prefix=V1

// The output layer spread over 2 stages: 5 classes in blocks of 3 and 2,
// each a parameter of its own (px.shard) with its block of the weight's
// data, computed on its stage as vocab-forward work; the last stage reads
// the input once per stage and combines the statistics as vocab-backward
// work.
// V2-LABEL: func.func @untied
// V2: %[[X0:.*]] = px.reshape %arg0 {px.phase = "forward", px.stage = 1 : i64}
// V2: %[[X1:.*]] = px.reshape %arg0 {px.phase = "forward", px.stage = 1 : i64}
// V2: %[[W0:.*]] = px.parameter "head.vocab0" : tensor<3x2xf32> init = dense<{{\[\[}}0.000000e+00, 1.000000e+00], [2.000000e+00, 3.000000e+00], [4.000000e+00, 5.000000e+00]]> : tensor<3x2xf32> {px.phase = "vocab-forward", px.shard = {of = "head", offsets = array<i64: 0, 0>, shape = array<i64: 5, 2>}, px.stage = 0 : i64}
// V2: px.linear %[[X0]], %[[W0]] {px.phase = "vocab-forward", px.stage = 0 : i64, transpose_w}
// V2: %[[W1:.*]] = px.parameter "head.vocab1" : tensor<2x2xf32> init = dense<{{\[\[}}6.000000e+00, 7.000000e+00], [8.000000e+00, 9.000000e+00]]> : tensor<2x2xf32> {px.phase = "vocab-forward", px.shard = {of = "head", offsets = array<i64: 3, 0>, shape = array<i64: 5, 2>}, px.stage = 1 : i64}
// V2: px.linear %[[X1]], %[[W1]] {px.phase = "vocab-forward", px.stage = 1 : i64, transpose_w}
// Block 1's class ids start at 3.
// V2: px.constant {px.phase = "vocab-forward", px.stage = 1 : i64} dense<3> : tensor<i64>
// V2: px.concat {{.*}} {axis = 1 : i64, px.phase = "vocab-backward", px.stage = 1 : i64} : (tensor<4x1xf32>, tensor<4x1xf32>) -> tensor<4x2xf32>
// V2: %[[LOSS:.*]] = px.div {{.*}} {px.phase = "vocab-backward", px.stage = 1 : i64}
// V2: return %[[LOSS]]
// V2-NOT: px.cross_entropy
// vocab-1: only the maxima in the vocab-forward work; the global one comes
// back for the sums.
// V1-LABEL: func.func @untied
// V1: px.reduce max {{.*}} {px.phase = "vocab-forward", px.stage = 0 : i64}
// V1: px.reduce max {{.*}} {px.phase = "vocab-forward", px.stage = 1 : i64}
// V1: px.reduce max {{.*}} {px.phase = "vocab-backward", px.stage = 1 : i64}
// V1: px.exp {{.*}} {px.phase = "vocab-backward", px.stage = 0 : i64}
// V1: px.exp {{.*}} {px.phase = "vocab-backward", px.stage = 1 : i64}
module attributes {px.pipeline = {micro_batches = 2 : i64, schedule = "1f1b", stages = 2 : i64, virtual_stages = 1 : i64}} {
  func.func @untied(%x: tensor<4x2xf32>, %y: tensor<4xi64>) -> tensor<f32> {
    %w = px.parameter "head" : tensor<5x2xf32> init = dense<[[0.0, 1.0], [2.0, 3.0], [4.0, 5.0], [6.0, 7.0], [8.0, 9.0]]> : tensor<5x2xf32> {px.phase = "forward", px.stage = 1 : i64}
    %l = px.linear %x, %w {px.phase = "forward", px.stage = 1 : i64, transpose_w} : (tensor<4x2xf32>, tensor<5x2xf32>) -> tensor<4x5xf32>
    %0 = px.cross_entropy %l, %y {px.phase = "forward", px.stage = 1 : i64} : (tensor<4x5xf32>, tensor<4xi64>) -> tensor<f32>
    return %0 : tensor<f32>
  }
}

// -----

// A weight the input embedding shares is split once: each stage's block
// serves its lookups of the ids in its block (rows 3-4 on stage 1, ids
// shifted by 3 and masked), summed on the embedding's stage, and its
// logits.
// V2-LABEL: func.func @tied
// V2: %[[B0:.*]] = px.parameter "wte.vocab0" : tensor<3x2xf32> {px.phase = "embed-forward", px.shard = {of = "wte", offsets = array<i64: 0, 0>, shape = array<i64: 5, 2>}, px.stage = 0 : i64}
// V2: %[[B1:.*]] = px.parameter "wte.vocab1" : tensor<2x2xf32> {px.phase = "embed-forward", px.shard = {of = "wte", offsets = array<i64: 3, 0>, shape = array<i64: 5, 2>}, px.stage = 1 : i64}
// V2: %[[R0:.*]] = px.gather %[[B0]][{{.*}}] {axis = 0 : i64, px.phase = "embed-forward", px.stage = 0 : i64}
// V2: %[[E0:.*]] = px.mul %[[R0]], {{.*}} {px.phase = "embed-forward", px.stage = 0 : i64}
// V2: %[[OFF:.*]] = px.constant {px.phase = "embed-forward", px.stage = 1 : i64} dense<3> : tensor<i64>
// V2: %[[LOCAL:.*]] = px.sub {{.*}}, %[[OFF]] {px.phase = "embed-forward", px.stage = 1 : i64}
// V2: %[[SIZE:.*]] = px.constant {px.phase = "embed-forward", px.stage = 1 : i64} dense<2> : tensor<i64>
// V2: px.compare lt, %[[LOCAL]], %[[SIZE]] {px.phase = "embed-forward", px.stage = 1 : i64}
// V2: %[[R1:.*]] = px.gather %[[B1]][{{.*}}] {axis = 0 : i64, px.phase = "embed-forward", px.stage = 1 : i64}
// V2: %[[E1:.*]] = px.mul %[[R1]], {{.*}} {px.phase = "embed-forward", px.stage = 1 : i64}
// V2: %[[X:.*]] = px.add %[[E0]], %[[E1]] {px.phase = "forward", px.stage = 0 : i64}
// V2: px.tanh %[[X]]
// V2: px.linear {{.*}}, %[[B0]] {px.phase = "vocab-forward", px.stage = 0 : i64, transpose_w}
// V2: px.linear {{.*}}, %[[B1]] {px.phase = "vocab-forward", px.stage = 1 : i64, transpose_w}
// V2-NOT: px.parameter "wte"
// V2-NOT: px.slice
module attributes {px.pipeline = {micro_batches = 2 : i64, schedule = "1f1b", stages = 2 : i64, virtual_stages = 1 : i64}} {
  func.func @tied(%ids: tensor<4xi64>, %y: tensor<4xi64>) -> tensor<f32> {
    %w = px.parameter "wte" : tensor<5x2xf32> {px.phase = "forward", px.stage = 0 : i64}
    %x = px.gather %w[%ids] {axis = 0 : i64, px.phase = "forward", px.stage = 0 : i64} : (tensor<5x2xf32>, tensor<4xi64>) -> tensor<4x2xf32>
    %h = px.tanh %x {px.phase = "forward", px.stage = 1 : i64} : tensor<4x2xf32>
    %l = px.linear %h, %w {px.phase = "forward", px.stage = 1 : i64, transpose_w} : (tensor<4x2xf32>, tensor<5x2xf32>) -> tensor<4x5xf32>
    %0 = px.cross_entropy %l, %y {px.phase = "forward", px.stage = 1 : i64} : (tensor<4x5xf32>, tensor<4xi64>) -> tensor<f32>
    return %0 : tensor<f32>
  }
}

// -----

// An untied embedding is split into blocks of its own; its initializer's
// rows follow.
// V2-LABEL: func.func @untied_embedding
// V2: px.parameter "emb.vocab0" : tensor<3x2xf32> init = dense<{{\[\[}}0.000000e+00, 1.000000e+00], [2.000000e+00, 3.000000e+00], [4.000000e+00, 5.000000e+00]]> : tensor<3x2xf32> {px.phase = "embed-forward"
// V2: px.parameter "emb.vocab1" : tensor<2x2xf32> init = dense<{{\[\[}}6.000000e+00, 7.000000e+00], [8.000000e+00, 9.000000e+00]]> : tensor<2x2xf32> {px.phase = "embed-forward"
// V2: px.parameter "head.vocab0" : tensor<3x2xf32> {px.phase = "vocab-forward"
// V2-NOT: px.parameter "emb"
module attributes {px.pipeline = {micro_batches = 2 : i64, schedule = "1f1b", stages = 2 : i64, virtual_stages = 1 : i64}} {
  func.func @untied_embedding(%ids: tensor<4xi64>, %y: tensor<4xi64>) -> tensor<f32> {
    %e = px.parameter "emb" : tensor<5x2xf32> init = dense<[[0.0, 1.0], [2.0, 3.0], [4.0, 5.0], [6.0, 7.0], [8.0, 9.0]]> : tensor<5x2xf32> {px.phase = "forward", px.stage = 0 : i64}
    %x = px.gather %e[%ids] {axis = 0 : i64, px.phase = "forward", px.stage = 0 : i64} : (tensor<5x2xf32>, tensor<4xi64>) -> tensor<4x2xf32>
    %h = px.tanh %x {px.phase = "forward", px.stage = 1 : i64} : tensor<4x2xf32>
    %w = px.parameter "head" : tensor<5x2xf32> {px.phase = "forward", px.stage = 1 : i64}
    %l = px.linear %h, %w {px.phase = "forward", px.stage = 1 : i64, transpose_w} : (tensor<4x2xf32>, tensor<5x2xf32>) -> tensor<4x5xf32>
    %0 = px.cross_entropy %l, %y {px.phase = "forward", px.stage = 1 : i64} : (tensor<4x5xf32>, tensor<4xi64>) -> tensor<f32>
    return %0 : tensor<f32>
  }
}

// -----

// Ids computed in the program would tie the lookups to the forward: the
// embedding stays, and a weight it shares sends slices of itself, as
// forward work.
// V2-LABEL: func.func @computed_ids
// V2: px.gather %[[W:.*]][{{.*}}] {axis = 0 : i64, px.phase = "forward", px.stage = 0 : i64}
// V2: px.slice %[[W]] offsets = [0, 0] sizes = [3, 2] strides = [1, 1] {px.phase = "forward", px.stage = 0 : i64}
// V2: px.slice %[[W]] offsets = [3, 0] sizes = [2, 2] strides = [1, 1] {px.phase = "forward", px.stage = 0 : i64}
// V2-NOT: px.shard
module attributes {px.pipeline = {micro_batches = 2 : i64, schedule = "1f1b", stages = 2 : i64, virtual_stages = 1 : i64}} {
  func.func @computed_ids(%ids: tensor<4xi64>, %y: tensor<4xi64>) -> tensor<f32> {
    %w = px.parameter "wte" : tensor<5x2xf32> {px.phase = "forward", px.stage = 0 : i64}
    %i = px.abs %ids {px.phase = "forward", px.stage = 0 : i64} : tensor<4xi64>
    %x = px.gather %w[%i] {axis = 0 : i64, px.phase = "forward", px.stage = 0 : i64} : (tensor<5x2xf32>, tensor<4xi64>) -> tensor<4x2xf32>
    %h = px.tanh %x {px.phase = "forward", px.stage = 1 : i64} : tensor<4x2xf32>
    %l = px.linear %h, %w {px.phase = "forward", px.stage = 1 : i64, transpose_w} : (tensor<4x2xf32>, tensor<5x2xf32>) -> tensor<4x5xf32>
    %0 = px.cross_entropy %l, %y {px.phase = "forward", px.stage = 1 : i64} : (tensor<4x5xf32>, tensor<4xi64>) -> tensor<f32>
    return %0 : tensor<f32>
  }
}

// -----

module attributes {px.pipeline = {micro_batches = 4 : i64, schedule = "gpipe", stages = 2 : i64, virtual_stages = 1 : i64}} {
  func.func @gpipe(%l: tensor<4x5xf32>, %y: tensor<4xi64>) -> tensor<f32> {
    // expected-error @+1 {{cannot spread the output layer over the pipeline stages under the 'gpipe' schedule: vocabulary passes need --schedule=1f1b or interleaved}}
    %0 = px.cross_entropy %l, %y {px.phase = "forward", px.stage = 3 : i64} : (tensor<4x5xf32>, tensor<4xi64>) -> tensor<f32>
    return %0 : tensor<f32>
  }
}

// -----

module attributes {px.pipeline = {micro_batches = 2 : i64, schedule = "1f1b", stages = 2 : i64, virtual_stages = 1 : i64}} {
  func.func @no_linear(%l: tensor<4x5xf32>, %y: tensor<4xi64>) -> tensor<f32> {
    // expected-error @+1 {{cannot spread the output layer over the pipeline stages: its logits do not come from a px.linear alone}}
    %0 = px.cross_entropy %l, %y {px.phase = "forward", px.stage = 1 : i64} : (tensor<4x5xf32>, tensor<4xi64>) -> tensor<f32>
    return %0 : tensor<f32>
  }
}

// -----

module attributes {px.pipeline = {micro_batches = 2 : i64, schedule = "1f1b", stages = 4 : i64, virtual_stages = 1 : i64}} {
  func.func @few_classes(%x: tensor<4x2xf32>, %y: tensor<4xi64>) -> tensor<f32> {
    %w = px.parameter "head" : tensor<3x2xf32> {px.phase = "forward", px.stage = 3 : i64}
    %l = px.linear %x, %w {px.phase = "forward", px.stage = 3 : i64, transpose_w} : (tensor<4x2xf32>, tensor<3x2xf32>) -> tensor<4x3xf32>
    // expected-error @+1 {{has 3 classes, fewer than the 4 pipeline stages it would be spread over}}
    %0 = px.cross_entropy %l, %y {px.phase = "forward", px.stage = 3 : i64} : (tensor<4x3xf32>, tensor<4xi64>) -> tensor<f32>
    return %0 : tensor<f32>
  }
}
