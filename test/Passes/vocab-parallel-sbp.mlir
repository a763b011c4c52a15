// On a 2-device mesh with the logits split over the classes, the search
// keeps the split: per-row statistics are all-reduced (Megatron-LM's
// vocabulary-parallel loss) instead of moving the [8192, 32768] logits.
// RUN: pxc-opt %s --px-vocab-parallel=mode=vocab-1 --px-auto-sbp --px-insert-boxing \
// RUN:   | FileCheck %s --check-prefix=SPLIT
// RUN: pxc-opt %s --px-auto-sbp --px-insert-boxing | FileCheck %s --check-prefix=WHOLE
// SPLIT-LABEL: func.func @split
// SPLIT-NOT: px.all_{{.*}} : tensor<8192x32768xf32>
// SPLIT: px.all_reduce max {{.*}} : tensor<8192x1xf32>
// SPLIT-NOT: px.all_{{.*}} : tensor<8192x32768xf32>
// SPLIT: return
// WHOLE-LABEL: func.func @split
// WHOLE: px.all_to_all %arg0 src_dim = 1 dst_dim = 0 {{.*}} : tensor<8192x32768xf32>
px.mesh @mesh shape = [2]
func.func @split(%l: tensor<8192x32768xf32> {px.sbp = #px.sbp<[S(1)]>},
                 %y: tensor<8192xi64> {px.sbp = #px.sbp<[B]>})
    -> (tensor<f32> {px.sbp = #px.sbp<[B]>}) {
  %0 = px.cross_entropy %l, %y : (tensor<8192x32768xf32>, tensor<8192xi64>) -> tensor<f32>
  return %0 : tensor<f32>
}

