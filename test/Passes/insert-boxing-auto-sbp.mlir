// px-auto-sbp then px-insert-boxing. The searched Megatron plan needs one
// all-reduce; random plans (seed >= 0) exercise many boxing paths on 2-D and
// 3-D meshes: every chain verifies and a second run finds nothing to do.
// RUN: pxc-opt %s --px-auto-sbp --px-insert-boxing | FileCheck %s
// RUN: %python %pxc_src_root/examples/px/gen_gpt.py --layers 1 --hidden 64 \
// RUN:   --heads 4 --seq 16 --vocab 128 --batch 8 --mesh 3x2 --fused-qkv --loss \
// RUN:   | pxc-opt --px-auto-sbp="seed=1" --px-insert-boxing -o %t.3x2
// RUN: pxc-opt %t.3x2 --px-insert-boxing -o %t.3x2.again
// RUN: cmp %t.3x2 %t.3x2.again
// RUN: FileCheck %s --check-prefix=RANDOM < %t.3x2
// RUN: %python %pxc_src_root/examples/px/gen_gpt.py --layers 1 --hidden 64 \
// RUN:   --heads 4 --seq 16 --vocab 128 --batch 8 --mesh 2x2x2 \
// RUN:   | pxc-opt --px-auto-sbp="seed=2" --px-insert-boxing -o %t.2x2x2
// RUN: pxc-opt %t.2x2x2 --px-insert-boxing -o %t.2x2x2.again
// RUN: cmp %t.2x2x2 %t.2x2x2.again
// RUN: FileCheck %s --check-prefix=RANDOM < %t.2x2x2

// RANDOM-LABEL: func.func @main
// RANDOM: px.all_gather
// RANDOM: return

// Column-then-row split: the second linear's partial sum is all-reduced
// once, over the model axis.
// CHECK-LABEL: func.func @megatron_mlp
// CHECK-NOT: px.all_
// CHECK-NOT: px.reduce_scatter
// CHECK: px.linear
// CHECK: px.gelu
// CHECK: %[[Y:.*]] = px.linear {{.*}} {px.sbp = #px.sbp<[B, P(sum)]>
// CHECK-NEXT: %[[R:.*]] = px.all_reduce sum %[[Y]] mesh_axis = 1 {px.sbp = #px.sbp<[B, B]>}
// CHECK-NEXT: return %[[R]]
px.mesh @mesh shape = [1, 4]
func.func @megatron_mlp(%x: tensor<8x1024xf32>) -> tensor<8x1024xf32> {
  %w1 = px.parameter "fc1.weight" : tensor<1024x16384xf32> init = #px.init<normal, 0.0, 0.02>
  %w2 = px.parameter "fc2.weight" : tensor<16384x1024xf32> init = #px.init<normal, 0.0, 0.02>
  %h = px.linear %x, %w1 : (tensor<8x1024xf32>, tensor<1024x16384xf32>) -> tensor<8x16384xf32>
  %g = px.gelu %h : tensor<8x16384xf32>
  %y = px.linear %g, %w2 : (tensor<8x16384xf32>, tensor<16384x1024xf32>) -> tensor<8x1024xf32>
  return %y : tensor<8x1024xf32>
}
