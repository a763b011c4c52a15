// RUN: pxc-opt %s --split-input-file --px-vocab-parallel=mode=vocab-1 | FileCheck %s --check-prefix=V1
// RUN: pxc-opt %s --split-input-file --px-vocab-parallel="mode=vocab-2 shards=2" | FileCheck %s --check-prefix=V2
// RUN: pxc-opt %s --split-input-file --px-vocab-parallel=mode=off | FileCheck %s --check-prefix=OFF

// vocab-1: the row max, then the sum of exponentials and the label's
// shifted logit; mean over rows. The module records the vocabulary, which
// the rewritten loss no longer shows.
// V1: module attributes {px.vocab = 5 : i64}
// V1-LABEL: func.func @mean
// V1: %[[M:.*]] = px.reduce max %arg0 [1] keepdims : tensor<2x5xf32> to tensor<2x1xf32>
// V1: %[[SH:.*]] = px.sub %arg0, %[[M]]
// V1: %[[E:.*]] = px.exp %[[SH]]
// V1: %[[S:.*]] = px.reduce sum %[[E]] [1] : tensor<2x5xf32> to tensor<2xf32>
// V1: %[[IDS:.*]] = px.constant dense<[0, 1, 2, 3, 4]> : tensor<5xi64>
// V1: %[[Y:.*]] = px.reshape %arg1 : tensor<2xi64> to tensor<2x1xi64>
// V1: %[[HIT:.*]] = px.compare eq, %[[Y]], %[[IDS]]
// V1: %[[ONE:.*]] = px.cast %[[HIT]] : tensor<2x5xi1> to tensor<2x5xf32>
// V1: %[[T:.*]] = px.reduce sum {{.*}} [1] : tensor<2x5xf32> to tensor<2xf32>
// V1: %[[LOG:.*]] = px.log %[[S]]
// V1: %[[ROW:.*]] = px.sub %[[LOG]], %[[T]]
// V1: %[[SUM:.*]] = px.reduce sum %[[ROW]] [0]
// V1: %[[N:.*]] = px.constant dense<2.000000e+00> : tensor<f32>
// V1: %[[LOSS:.*]] = px.div %[[SUM]], %[[N]]
// V1: return %[[LOSS]]
// V1-NOT: px.cross_entropy
// vocab-2: 5 classes padded to 2 blocks of 3 with the lowest finite f32;
// per-block statistics, combined in one round.
// V2-LABEL: func.func @mean
// V2: %[[PAD:.*]] = px.constant dense<-3.40282347E+38> : tensor<2x1xf32>
// V2: %[[L:.*]] = px.concat %arg0, %[[PAD]] {axis = 1 : i64}
// V2: %[[B:.*]] = px.reshape %[[L]] : tensor<2x6xf32> to tensor<2x2x3xf32>
// V2: px.reduce max %[[B]] [2] keepdims : tensor<2x2x3xf32> to tensor<2x2x1xf32>
// V2: px.constant dense<{{\[\[}}0, 1, 2], [3, 4, 5]]> : tensor<2x3xi64>
// V2: px.reduce max {{.*}} [1] keepdims : tensor<2x2xf32> to tensor<2x1xf32>
// V2: px.reduce sum {{.*}} [1] : tensor<2x2xf32> to tensor<2xf32>
// V2-NOT: px.cross_entropy
// OFF-LABEL: func.func @mean
// OFF: px.cross_entropy
func.func @mean(%l: tensor<2x5xf32>, %y: tensor<2xi64>) -> tensor<f32> {
  %0 = px.cross_entropy %l, %y : (tensor<2x5xf32>, tensor<2xi64>) -> tensor<f32>
  return %0 : tensor<f32>
}

// -----

// Ignored labels contribute nothing and are not counted; per-row losses
// keep their placement attributes.
// V1-LABEL: func.func @ignored
// V1: %[[IGN:.*]] = px.constant {px.stage = 1 : i64} dense<-100> : tensor<i64>
// V1: %[[NE:.*]] = px.compare ne, %arg1, %[[IGN]]
// V1: %[[VALID:.*]] = px.cast %[[NE]] {px.stage = 1 : i64} : tensor<3xi1> to tensor<3xf32>
// V1: %[[ROWS:.*]] = px.mul {{.*}}, %[[VALID]] {px.stage = 1 : i64}
// V1: return %[[ROWS]]
func.func @ignored(%l: tensor<3x4xf32>, %y: tensor<3xi64>) -> tensor<3xf32> {
  %0 = px.cross_entropy %l, %y reduction = none ignore_index = -100 {px.stage = 1 : i64} : (tensor<3x4xf32>, tensor<3xi64>) -> tensor<3xf32>
  return %0 : tensor<3xf32>
}

// -----

// RUN: not pxc-opt %s --split-input-file --px-vocab-parallel=mode=vocab-3 2>&1 | FileCheck %s --check-prefix=BAD
// BAD: error: px-vocab-parallel: unknown mode 'vocab-3' (off, vocab-1 or vocab-2)
