// A transformer block with a small batch and a large hidden size on 2x4
// (data x model): batch split on axis 0, attention heads split on axis 1
// (q/k/v column-split, heads dimension after the transpose), the output
// projection row-split producing a partial sum.
// RUN: %python %pxc_src_root/examples/px/gen_gpt.py --layers 1 --hidden 4096 \
// RUN:   --heads 32 --seq 256 --batch 2 --vocab 512 --mesh 2x4 \
// RUN:   | pxc-opt --px-auto-sbp | FileCheck %s

// CHECK-LABEL: func.func @main
// CHECK: %[[Q:.*]] = px.linear {{.*}} {px.sbp = #px.sbp<[S(0), S(2)]>
// CHECK: %[[K:.*]] = px.linear {{.*}} {px.sbp = #px.sbp<[S(0), S(2)]>
// CHECK: %[[V:.*]] = px.linear {{.*}} {px.sbp = #px.sbp<[S(0), S(2)]>
// CHECK: px.transpose {{.*}} [0, 2, 1, 3] {px.sbp = #px.sbp<[S(0), S(1)]>
// CHECK: px.matmul {{.*}} {px.sbp = #px.sbp<[S(0), S(1)]>
// CHECK: px.softmax {{.*}} px.sbp = #px.sbp<[S(0), S(1)]>
// CHECK: px.matmul {{.*}} {px.sbp = #px.sbp<[S(0), S(1)]>
// CHECK: px.linear {{.*}} {px.sbp = #px.sbp<[S(0), P(sum)]>
