// RUN: not pxc-opt %s --px-pipeline-partition="stages=2 schedule=zigzag" 2>&1 | FileCheck %s --check-prefix=SCHEDULE
// RUN: not pxc-opt %s --px-pipeline-partition="stages=2 schedule=interleaved virtual-stages=2 micro-batches=3" 2>&1 | FileCheck %s --check-prefix=INTERLEAVED
// RUN: not pxc-opt %s --px-pipeline-partition="stages=2 memory-limit=0.000001" 2>&1 | FileCheck %s --check-prefix=MEMORY

// SCHEDULE: error: px-pipeline-partition: unknown schedule 'zigzag' (gpipe, 1f1b, interleaved or zb-h1)
// INTERLEAVED: error: px-pipeline-partition: the interleaved schedule needs micro-batches (3) to be a multiple of stages (2), as in Megatron-LM
// MEMORY: error: 'func.func' op cannot be cut into pipeline stages: no partition into 2 pipeline stages fits {{.*}} per device: the best needs {{.*}} on stage {{[01]}}
func.func @main(%x: tensor<8x16xf32>) -> tensor<8x16xf32> {
  %w0 = px.parameter "w0" : tensor<16x16xf32> init = #px.init<normal, 0.0, 0.02>
  %w1 = px.parameter "w1" : tensor<16x16xf32> init = #px.init<normal, 0.0, 0.02>
  %0 = px.matmul %x, %w0 : (tensor<8x16xf32>, tensor<16x16xf32>) -> tensor<8x16xf32>
  %1 = px.relu %0 : tensor<8x16xf32>
  %2 = px.matmul %1, %w1 : (tensor<8x16xf32>, tensor<16x16xf32>) -> tensor<8x16xf32>
  return %2 : tensor<8x16xf32>
}
