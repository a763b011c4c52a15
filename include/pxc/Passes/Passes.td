//===- Passes.td - pxc passes ------------------------------*- tablegen -*-===//

#ifndef PXC_PASSES_PASSES_TD
#define PXC_PASSES_PASSES_TD

include "mlir/Pass/PassBase.td"

def Summary : Pass<"px-summary", "mlir::ModuleOp"> {
  let summary = "Print a summary of every px function";
  let description = [{
    Prints, per function: inputs and outputs with their types, parameter
    count, elements and bytes (trainable and frozen), the op histogram and
    the matmul FLOPs of one forward evaluation. The IR is not changed.

    ```
    pxc-opt --px-summary model.mlir
    ```
  }];
  let options = [
    Option<"outputFile", "output", "std::string", /*default=*/"\"-\"",
           "Where to print the summary ('-' is stderr)">,
  ];
}

def TestSbpSignatures : Pass<"px-test-sbp-signatures", "mlir::ModuleOp"> {
  let summary = "Print the SBP signatures and FLOPs of every px op (testing)";
  let description = [{
    For every op implementing `SbpInterface`, in every function, prints its
    FLOPs and its 1-D signatures in canonical order; with `mesh`, also the
    number of N-D signatures on that mesh (and with `print-nd` the
    signatures themselves), on stderr. The IR is not changed.

    ```
    pxc-opt --px-test-sbp-signatures="mesh=2,4 print-nd" model.mlir -o /dev/null
    ```
  }];
  let options = [
    ListOption<"mesh", "mesh", "int64_t",
               "Mesh shape for the N-D signatures, e.g. 2,4">,
    Option<"printNd", "print-nd", "bool", /*default=*/"false",
           "List the N-D signatures instead of only counting them">,
  ];
}

def AppendLoss : Pass<"px-append-loss", "mlir::ModuleOp"> {
  let summary = "Turn a model's logits into a training loss";
  let description = [{
    On `@main`: appends a `labels` argument (integer, the logits' shape
    without the class dimension, `px.role = "labels"`) and a mean softmax
    cross-entropy of the logits against it; the loss becomes the only
    result. The integer argument with the labels' shape (the token ids) is
    marked `px.role = "tokens"`. A function whose first result is already a
    scalar f32 loss (ONNX SoftmaxCrossEntropyLoss) keeps it: only the roles
    are marked, from the arguments the loss reads. Runs before
    `px-autodiff`.

    ```
    pxc-opt --px-append-loss model.mlir
    ```
  }];
  let options = [
    Option<"logits", "logits", "std::string", /*default=*/"\"\"",
           "Name (px.name) of the logits result; default: the first "
           "floating-point result">,
  ];
}

def ApplyOptimizer : Pass<"px-apply-optimizer", "mlir::ModuleOp"> {
  let summary = "Turn gradients into optimizer updates of the parameters";
  let description = [{
    On `@main` as `px-autodiff` leaves it (results: the loss, then one
    `grad:<parameter>` per trainable parameter): adds the per-step
    hyper-parameter argument (`px.role = "hyper"`, layout `pxrt::train::Hyper`),
    computes the global gradient norm and torch's clipping coefficient
    `min(1, max_norm / (norm + 1e-6))`, and for each parameter creates its
    optimizer states (frozen `px.parameter`s named `<parameter>.exp_avg`,
    `.exp_avg_sq` or `.momentum_buffer`, zero-initialized), a `px.adamw` or
    `px.sgd` update and the `px.assign`s of the new values. The results
    become the loss and `grad_norm`.

    With `loss-scale` (after `px-autodiff=loss-scale=true`, which seeds the
    backward with the hyper vector's loss scale S), every gradient is first
    multiplied by the hyper vector's 1/S, so the norm, the clipping and the
    update see the unscaled gradients; and when that norm is not finite
    (some gradient overflowed) the step is skipped: each `px.assign` stores
    `px.where(norm < inf, new, old)`, leaving parameters and optimizer
    states unchanged (torch's GradScaler). `grad_norm` is the unscaled
    norm, so the program tells the runtime which steps it skipped.

    ```
    pxc-opt --px-autodiff --px-apply-optimizer=optimizer=sgd model.mlir
    pxc-opt --px-autodiff=loss-scale=true \
        --px-apply-optimizer=loss-scale=true model.mlir
    ```
  }];
  let options = [
    Option<"optimizer", "optimizer", "std::string", /*default=*/"\"adamw\"",
           "adamw or sgd">,
    Option<"lossScale", "loss-scale", "bool", /*default=*/"false",
           "unscale loss-scaled gradients and skip non-finite steps">,
  ];
}

def MixedPrecision : Pass<"px-mixed-precision", "mlir::ModuleOp"> {
  let summary = "Run matrix products in bf16 or f16, everything else in f32";
  let description = [{
    Mixed precision with f32 master weights: every f32 `px.matmul` and
    `px.linear` (forward and, after `px-autodiff`, backward) reads its
    operands cast to `compute-type` and produces that type, cast back to
    f32; parameters, optimizer states and every other op stay f32. A GEMM
    then runs on tensor cores with f32 accumulation (cuBLAS) and rounds its
    result once. The casts take the stage and phase of their product; CSE
    afterwards keeps one cast per weight.

    ```
    pxc-opt --px-mixed-precision=compute-type=bf16 model.mlir
    ```
  }];
  let options = [
    Option<"computeType", "compute-type", "std::string",
           /*default=*/"\"bf16\"", "bf16 or f16">,
  ];
}

def Autodiff : Pass<"px-autodiff", "mlir::ModuleOp"> {
  let summary = "Append the reverse-mode gradient of the loss to every function";
  let description = [{
    Runs on the global view, before SBP search: every function's first
    result must be a scalar f32 loss. The pass appends the reverse sweep
    (seed 1.0, the ops in reverse order, each through its
    `AutodiffInterface` VJP rule; the cotangents of a value used several
    times are summed with `px.add`) and one function result per trainable
    (not `frozen`) `px.parameter`, in the order the parameters appear, named
    `px.name = "grad:<parameter>"`. A parameter the loss does not depend on
    gets a zero gradient. Backward ops are located at their forward op
    (fused with `"px.vjp"`). Linear in the number of ops.

    With `loss-scale`, the sweep starts from the loss scale S instead of
    1.0: S is entry `kLossScale` of the per-step hyper-parameter argument
    (`px.role = "hyper"`, added as in `px-apply-optimizer` when missing),
    so every gradient is S times the loss's gradient while the returned
    loss stays unscaled. `px-apply-optimizer` with `loss-scale` undoes it.

    ```
    pxc-opt --px-autodiff model.mlir
    pxc-opt --px-autodiff=loss-scale=true model.mlir
    ```
  }];
  let options = [
    Option<"lossScale", "loss-scale", "bool", /*default=*/"false",
           "seed the backward with the hyper vector's loss scale">,
  ];
  let dependentDialects = ["::pxc::px::PxDialect"];
}

def VocabParallel : Pass<"px-vocab-parallel", "mlir::ModuleOp"> {
  let summary = "Write cross-entropy losses so that the vocabulary can be split";
  let description = [{
    Rewrites every `px.cross_entropy` into reductions over the classes, so
    that a vocabulary split over ranks (the output layer's weight split on
    the vocabulary, logits split on the classes) needs only per-token
    partial results from each shard instead of the whole logits: the SBP
    search can then choose Megatron-LM's vocabulary-parallel output layer,
    and boxing inserts its all-reduces. The backward comes from autodiff
    over the same ops: each shard's logit gradient (its softmax minus the
    one-hot label) is local, and the input gradient is the all-reduced sum
    over shards.

    - `vocab-1`: the row maximum is reduced first; the sum of exponentials
      and the label's logit follow (two rounds of reductions).
    - `vocab-2`: each of `shards` blocks of classes computes its own
      maximum, sum of exponentials and label logit, combined in one round
      (Yeung et al. 2024); the classes are padded internally to a multiple
      of `shards` with the most negative finite value, which changes no
      sum. `shards` defaults to the size of the mesh axis named `model`.

    In a pipeline (`px.pipeline` with several stages, after
    `px-pipeline-partition`), the output layer is spread over every stage
    instead (Yeung et al. 2024): stage s holds block s of the vocabulary
    (nearly equal blocks; a parameter of its own, `px.shard`, unless
    other ops read the weight too, else a slice of it) and computes its logits and
    statistics as `vocab-forward` work; the last stage combines them as
    `vocab-backward` work, so that autodiff puts the gradients there too.
    vocab-1 sends each stage's maximum to the last stage and the global one
    back before the sums; vocab-2 combines every statistic in one round.
    Input embeddings of the same vocabulary (lookups of a `[V, ...]`
    parameter by ids that are an argument) are spread into the same
    blocks: each stage looks up the ids in its block (zero rows for the
    others) as `embed-forward` work, summed on the lookup's stage, and
    autodiff puts each block's weight gradient in `embed-backward` work. A
    weight the embedding and the output layer share is split once.
    Needs the 1F1B or the interleaved schedule.

    Runs on the global view before autodiff (after `px-append-loss`).
    Ignored labels and every reduction (mean, sum, none) keep their
    meaning.

    ```
    pxc-opt --px-vocab-parallel=mode=vocab-2 model.mlir
    ```
  }];
  let options = [
    Option<"mode", "mode", "std::string", /*default=*/"\"vocab-1\"",
           "off, vocab-1 or vocab-2">,
    Option<"shards", "shards", "int64_t", /*default=*/"0",
           "vocab-2's blocks of classes (0: the `model` mesh axis size)">,
  ];
  let dependentDialects = ["::pxc::px::PxDialect"];
}

def PipelinePartition : Pass<"px-pipeline-partition", "mlir::ModuleOp"> {
  let summary = "Assign every forward op to a pipeline stage";
  let description = [{
    On `@main`'s forward program (after `px-append-loss`, before
    `px-autodiff`): cuts the ops, in program order, into `stages`
    contiguous stages so that the slowest stage (compute, estimated from
    the ops' FLOPs on the cluster's devices, times 3 for a training step,
    plus sending the values that cross its cuts) is as fast as possible
    while each stage fits the per-device memory limit (parameters with
    their gradients and optimizer states, plus the activations the
    schedule keeps: stage s of 1F1B holds min(stages - s, micro-batches)
    micro-batches, GPipe all of them). With the interleaved schedule there
    are `stages * virtual-stages` model stages, model stage j on device
    j % stages. Cuts fall on layer boundaries: the
    positions crossed by the fewest bytes (within 1.5x). An exact dynamic
    program (lib/Pipeline/Partition.cpp). `px.stage` attributes already on
    ops are constraints; `seed` >= 0 picks random valid cuts instead.

    With `vocab` other than `off`, the output layer (the loss and the
    `px.linear` that feeds it) is left out of the balance and placed on the
    last stage: `px-vocab-parallel` spreads it over every stage next, and
    the schedule gets its vocabulary passes.

    Writes `px.stage` and `px.phase = "forward"` on every op (parameters and
    constants take their first user's stage) and the module's `px.pipeline`
    configuration, which the later passes and the targets read.

    ```
    pxc-opt --px-pipeline-partition="stages=4 micro-batches=8" model.mlir
    ```
  }];
  let options = [
    Option<"stages", "stages", "int64_t", /*default=*/"1",
           "Number of pipeline stages">,
    Option<"microBatches", "micro-batches", "int64_t", /*default=*/"1",
           "Micro-batches per step">,
    Option<"schedule", "schedule", "std::string", /*default=*/"\"1f1b\"",
           "Pipeline schedule: gpipe, 1f1b, interleaved or zb-h1">,
    Option<"vocab", "vocab", "std::string", /*default=*/"\"off\"",
           "off, or the px-vocab-parallel mode that will spread the output "
           "layer over every stage">,
    Option<"virtualStages", "virtual-stages", "int64_t", /*default=*/"1",
           "Model chunks per device (interleaved schedule)">,
    Option<"cluster", "cluster", "std::string", /*default=*/"\"dgx-a100\"",
           "Cluster preset or JSON file (device speed, links)">,
    Option<"memoryLimitGiB", "memory-limit", "double", /*default=*/"0.0",
           "Per-device memory limit in GiB (0: the device memory)">,
    Option<"train", "train", "bool", /*default=*/"true",
           "Cost a training step (forward, backward, optimizer state)">,
    Option<"seed", "seed", "int64_t", /*default=*/"-1",
           "Random valid cuts with this seed instead of the optimum">,
  ];
}

def AccumulateGradients : Pass<"px-accumulate-gradients", "mlir::ModuleOp"> {
  let summary = "Average the loss and gradients over the micro-batches of a step";
  let description = [{
    On `@main` as `px-autodiff` leaves it (the loss, then the gradients):
    with `micro-batches` > 1, every result becomes a `px.accumulate`, the
    mean of its values over the step's micro-batches, so that the update
    (`px-apply-optimizer`) sees the gradient of the mean loss over the
    whole batch. The forward and backward ops then run once per
    micro-batch and the update once per step. Needs the module's
    `px.pipeline` configuration with the same count (px-pipeline-partition
    before px-autodiff), whose phases tell the target what runs per step.

    ```
    pxc-opt --px-pipeline-partition=micro-batches=4 --px-autodiff \
        --px-accumulate-gradients=micro-batches=4 model.mlir
    ```
  }];
  let options = [
    Option<"microBatches", "micro-batches", "int64_t", /*default=*/"1",
           "Micro-batches per step">,
  ];
  let dependentDialects = ["::pxc::px::PxDialect"];
}

def InsertTransfers : Pass<"px-insert-transfers", "mlir::ModuleOp"> {
  let summary = "Complete the stage placement and route values between stages";
  let description = [{
    On a module with a `px.pipeline` configuration, after the passes that
    build the training step: ops without a stage or phase (made by
    `px-apply-optimizer`'s global norm, canonicalization, ...) take them
    from their neighbours (the stage of their latest operand, the phase of
    their earliest user); constants used on several stages are copied to
    each; every other value used on a stage other than its own goes there
    through one `px.transfer` per destination stage. Afterwards each op
    reads only values of its own stage (or function arguments, which every
    stage loads).

    ```
    pxc-opt --px-pipeline-partition=stages=2 --px-insert-transfers model.mlir
    ```
  }];
  let dependentDialects = ["::pxc::px::PxDialect"];
}

def PipelineSchedule : Pass<"px-pipeline-schedule", "mlir::ModuleOp"> {
  let summary = "Prepare a pipelined program's phases for its schedule";
  let description = [{
    On the per-rank functions of a module with a `px.pipeline`
    configuration (after `px-spmdize`): for schedules that split the
    backward (`zb-h1`), each stage's backward ops that the gradients it
    sends to earlier stages do not depend on (the weight gradients and
    their accumulation) move to the `weight` phase, which the schedule runs
    later, in the bubbles. Checks that every op is placed on one of the
    pipeline's stages. Linear in the number of ops.

    ```
    pxc-opt --pxc-parallelize="train=true stages=2 schedule=zb-h1 distribute=true" \
        --px-pipeline-schedule model.mlir
    ```
  }];
}

def AutoSbp : Pass<"px-auto-sbp", "mlir::ModuleOp"> {
  let summary = "Choose an N-D SBP signature for every op by a cost-model search";
  let description = [{
    Builds OneFlow's SBP graph of every function that has a mesh: one node
    per op (candidates: its N-D signatures, cost: estimated compute time),
    one per function argument (candidates: B and every fitting split), and
    an edge per use (cost: boxing time between the producer's and the
    consumer's SBPs, from the cluster cost model). The search (eliminations,
    merges, greedy refinement) minimizes the estimated step time under the
    per-device memory limit (in a pipelined program, on average over the
    stages, which each have their own devices; the partitioner bounds each
    stage). With micro-batches, per-micro-batch work and its boxing count
    once per micro-batch and the update once, so gradients are reduced
    after their accumulation. Existing `px.sbp` attributes (on arguments,
    results, ops) are constraints.

    Writes `px.sbp` on every op result and function argument and result,
    and `px.sbp_in` (the SBP each operand must have) on every op.
    `seed` >= 0 picks a random valid signature per op instead (random plans
    exercise every boxing path in tests).

    ```
    pxc-opt --px-auto-sbp="cluster=dgx-h100 memory-limit=40" model.mlir
    ```
  }];
  let options = [
    Option<"cluster", "cluster", "std::string", /*default=*/"\"dgx-a100\"",
           "Cluster preset (dgx-a100, dgx-h100, NAME:NODES) or JSON file">,
    Option<"memoryLimitGiB", "memory-limit", "double", /*default=*/"0.0",
           "Per-device memory limit in GiB (0: the device memory)">,
    Option<"seed", "seed", "int64_t", /*default=*/"-1",
           "Pick a random valid plan with this seed instead of searching">,
    Option<"zero", "zero", "int", /*default=*/"-1",
           "Data parallelism on the data axis (the axis named \"data\", "
           "else axis 0): 0 replicates trainable parameters and their "
           "updates (gradients all-reduced); ZeRO stages 1 and 2 split "
           "updates and optimizer states (gradients reduce-scattered, "
           "parameters gathered after the update); 3 also keeps parameters "
           "split (gathered before use); -1: the search decides">,
  ];
}

def InsertBoxing : Pass<"px-insert-boxing", "mlir::ModuleOp"> {
  let summary = "Insert collectives where a producer's SBP differs from its consumer's";
  let description = [{
    Runs after px-auto-sbp. For every operand of an op with `px.sbp_in`,
    and every returned value (against the function result's `px.sbp`, all-B
    when it has none; a return with neither annotation is left alone), whose
    producer (an op result's or function argument's `px.sbp`) is distributed
    otherwise, inserts the cheapest chain of collectives the cost model finds
    for the cluster and mesh: `px.all_reduce`, `px.reduce_scatter`,
    `px.all_gather`, `px.all_to_all`, `px.local_slice`, `px.local_mask`,
    `px.local_pad`, one mesh axis per step, each with `px.sbp` = the N-D SBP
    after its step.

    Chains sit right after the producer (at the function entry for
    arguments), in order of first use. Consumers needing a value in the
    same distribution share one chain; a later chain starts from a
    distribution of the value built already when that is cheaper. i1
    tensors never pass through partial values.

    ```
    pxc-opt --px-auto-sbp --px-insert-boxing="cluster=dgx-h100" model.mlir
    ```

    Errors: a producer without `px.sbp`, an unknown cluster, a mesh larger
    than the cluster, an SBP whose split does not fit the shape (no path),
    a partial SBP on an i1 tensor.
  }];
  let options = [
    Option<"cluster", "cluster", "std::string", /*default=*/"\"dgx-a100\"",
           "Cluster preset (dgx-a100, dgx-h100, NAME:NODES) or JSON file "
           "whose costs choose the paths">,
  ];
}

def CheckpointLayout : Pass<"px-checkpoint-layout", "mlir::ModuleOp"> {
  let summary = "Decide which rank saves which fragment of every parameter and optimizer state";
  let description = [{
    Runs on the global view once every parameter has its distribution
    (after `px-auto-sbp`, before `px-spmdize`). For each `px.parameter`
    (trained parameters, optimizer states, frozen buffers) it records in
    `px.checkpoint` how checkpoints store it:

    - `kind`: "parameter", "state" (an optimizer state of
      `px-apply-optimizer`) or "buffer" (frozen);
    - `device`: the pipeline device whose ranks hold it (its stage modulo
      the pipeline's stages; 0 without a pipeline);
    - `logical_shape`: the shape checkpoints store;
    - `fragments`: for every rank holding a non-empty box of it,
      `[rank, primary, offsets..., sizes...]` with global offsets (uneven
      splits included). Of the ranks holding the same box, the one at
      coordinate 0 of every mesh axis the tensor is broadcast on is the
      primary replica: it alone saves the box, so each byte is saved once.

    A parameter whose distribution is partial, or that is held on two
    pipeline stages, is an error: checkpoints store reduced, single-owner
    values. `pxc` writes the result as `OUT/checkpoint-layout.json`; the
    generated program saves and loads with the same arithmetic
    (`docs/checkpoints.md`).

    ```
    pxc-opt --px-auto-sbp=mesh-shape=2,2 --px-checkpoint-layout model.mlir
    ```
  }];
  let dependentDialects = ["::pxc::px::PxDialect"];
}

def Spmdize : Pass<"px-spmdize", "mlir::ModuleOp"> {
  let summary = "Rewrite distributed functions into per-rank functions with local shapes";
  let description = [{
    Runs after px-insert-boxing, when every value's distribution (`px.sbp`)
    is what its consumers expect. Each function on a mesh becomes one
    function per class of ranks whose local shapes agree (one function when
    every split is even; uneven splits give the first ranks one more row and
    so a few classes). A per-rank function carries `px.ranks`, its values
    have their local shapes, values whose local type differs keep their
    global type in `px.global_type`, and `px.sbp` stays, so that code
    generation can compute every rank's offsets. Rank-dependent values are
    made explicit first: a split constant becomes the whole constant and
    `px.local_slice` steps; a mean over a split dimension becomes a sum and
    a scaling by the global count.

    ```
    pxc-opt --px-auto-sbp --px-insert-boxing --px-spmdize model.mlir
    ```
  }];
}

def PlanMemory : Pass<"px-plan-memory", "mlir::ModuleOp"> {
  let summary = "Assign static arena offsets to the buffers of per-rank functions";
  let description = [{
    For every per-rank function (`px.ranks`): parameters are packed at the
    start of the rank's arena (persistent); activations and arguments are
    placed in program order by a first-fit allocator that frees a buffer
    after its last use, so buffers with disjoint lifetimes share memory.
    Writes `px.offsets` on ops, `px.offset` on arguments, and
    `px.arena_bytes` / `px.persistent_bytes` on the function. Constants get
    no buffer (code generation embeds them).
  }];
}

#endif // PXC_PASSES_PASSES_TD
