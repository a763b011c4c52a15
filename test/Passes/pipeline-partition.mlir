// RUN: pxc-opt %s --split-input-file --px-pipeline-partition=stages=2 | FileCheck %s
// RUN: pxc-opt %s --split-input-file --px-pipeline-partition="stages=4 schedule=gpipe micro-batches=8" | FileCheck %s --check-prefix=FOUR

// Four equal layers: two per stage; parameters follow their first user.
// CHECK: module attributes {px.pipeline = {micro_batches = 1 : i64, schedule = "1f1b", stages = 2 : i64, virtual_stages = 1 : i64, vocab = "off"}}
// CHECK-LABEL: func.func @main
// CHECK: px.parameter "w0" {{.*}} {px.phase = "forward", px.stage = 0 : i64}
// CHECK: px.parameter "w1" {{.*}} {px.phase = "forward", px.stage = 0 : i64}
// CHECK: px.parameter "w2" {{.*}} {px.phase = "forward", px.stage = 1 : i64}
// CHECK: px.parameter "w3" {{.*}} {px.phase = "forward", px.stage = 1 : i64}
// CHECK-COUNT-4: {px.phase = "forward", px.stage = 0 : i64}
// CHECK-COUNT-4: {px.phase = "forward", px.stage = 1 : i64}
// CHECK: return
// FOUR: module attributes {px.pipeline = {micro_batches = 8 : i64, schedule = "gpipe", stages = 4 : i64, virtual_stages = 1 : i64, vocab = "off"}}
// FOUR-LABEL: func.func @main
// FOUR-COUNT-2: {px.phase = "forward", px.stage = 0 : i64}
// FOUR-COUNT-2: {px.phase = "forward", px.stage = 1 : i64}
// FOUR-COUNT-2: {px.phase = "forward", px.stage = 2 : i64}
// FOUR-COUNT-2: {px.phase = "forward", px.stage = 3 : i64}
func.func @main(%x: tensor<512x1024xf32>) -> tensor<512x1024xf32> {
  %w0 = px.parameter "w0" : tensor<1024x1024xf32> init = #px.init<normal, 0.0, 0.02>
  %w1 = px.parameter "w1" : tensor<1024x1024xf32> init = #px.init<normal, 0.0, 0.02>
  %w2 = px.parameter "w2" : tensor<1024x1024xf32> init = #px.init<normal, 0.0, 0.02>
  %w3 = px.parameter "w3" : tensor<1024x1024xf32> init = #px.init<normal, 0.0, 0.02>
  %0 = px.matmul %x, %w0 : (tensor<512x1024xf32>, tensor<1024x1024xf32>) -> tensor<512x1024xf32>
  %1 = px.relu %0 : tensor<512x1024xf32>
  %2 = px.matmul %1, %w1 : (tensor<512x1024xf32>, tensor<1024x1024xf32>) -> tensor<512x1024xf32>
  %3 = px.relu %2 : tensor<512x1024xf32>
  %4 = px.matmul %3, %w2 : (tensor<512x1024xf32>, tensor<1024x1024xf32>) -> tensor<512x1024xf32>
  %5 = px.relu %4 : tensor<512x1024xf32>
  %6 = px.matmul %5, %w3 : (tensor<512x1024xf32>, tensor<1024x1024xf32>) -> tensor<512x1024xf32>
  %7 = px.relu %6 : tensor<512x1024xf32>
  return %7 : tensor<512x1024xf32>
}

// -----

// A heavy last layer (a wide output, like an LM head) gets a stage of its
// own; the three light layers share the other.
// CHECK-LABEL: func.func @main
// CHECK: px.matmul {{.*}} {px.phase = "forward", px.stage = 0 : i64}
// CHECK: px.matmul {{.*}} {px.phase = "forward", px.stage = 0 : i64}
// CHECK: px.matmul {{.*}} {px.phase = "forward", px.stage = 0 : i64}
// CHECK: px.matmul {{.*}} {px.phase = "forward", px.stage = 1 : i64}
func.func @main(%x: tensor<512x1024xf32>) -> tensor<512x8192xf32> {
  %w0 = px.parameter "w0" : tensor<1024x1024xf32> init = #px.init<normal, 0.0, 0.02>
  %w1 = px.parameter "w1" : tensor<1024x1024xf32> init = #px.init<normal, 0.0, 0.02>
  %w2 = px.parameter "w2" : tensor<1024x1024xf32> init = #px.init<normal, 0.0, 0.02>
  %head = px.parameter "head" : tensor<1024x8192xf32> init = #px.init<normal, 0.0, 0.02>
  %0 = px.matmul %x, %w0 : (tensor<512x1024xf32>, tensor<1024x1024xf32>) -> tensor<512x1024xf32>
  %1 = px.relu %0 : tensor<512x1024xf32>
  %2 = px.matmul %1, %w1 : (tensor<512x1024xf32>, tensor<1024x1024xf32>) -> tensor<512x1024xf32>
  %3 = px.relu %2 : tensor<512x1024xf32>
  %4 = px.matmul %3, %w2 : (tensor<512x1024xf32>, tensor<1024x1024xf32>) -> tensor<512x1024xf32>
  %5 = px.relu %4 : tensor<512x1024xf32>
  %6 = px.matmul %5, %head : (tensor<512x1024xf32>, tensor<1024x8192xf32>) -> tensor<512x8192xf32>
  return %6 : tensor<512x8192xf32>
}

// -----

// A user's px.stage is a constraint: the second layer starts stage 1.
// CHECK-LABEL: func.func @main
// CHECK: px.relu {{.*}} {px.phase = "forward", px.stage = 0 : i64}
// CHECK: px.matmul {{.*}} {px.phase = "forward", px.stage = 1 : i64}
// CHECK: px.relu {{.*}} {px.phase = "forward", px.stage = 1 : i64}
// CHECK: px.matmul {{.*}} {px.phase = "forward", px.stage = 1 : i64}
func.func @main(%x: tensor<512x1024xf32>) -> tensor<512x1024xf32> {
  %w0 = px.parameter "w0" : tensor<1024x1024xf32> init = #px.init<normal, 0.0, 0.02>
  %w1 = px.parameter "w1" : tensor<1024x1024xf32> init = #px.init<normal, 0.0, 0.02>
  %w2 = px.parameter "w2" : tensor<1024x1024xf32> init = #px.init<normal, 0.0, 0.02>
  %0 = px.matmul %x, %w0 : (tensor<512x1024xf32>, tensor<1024x1024xf32>) -> tensor<512x1024xf32>
  %1 = px.relu %0 : tensor<512x1024xf32>
  %2 = px.matmul %1, %w1 {px.stage = 1 : i64} : (tensor<512x1024xf32>, tensor<1024x1024xf32>) -> tensor<512x1024xf32>
  %3 = px.relu %2 : tensor<512x1024xf32>
  %4 = px.matmul %3, %w2 : (tensor<512x1024xf32>, tensor<1024x1024xf32>) -> tensor<512x1024xf32>
  return %4 : tensor<512x1024xf32>
}
