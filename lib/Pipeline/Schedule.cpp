//===- Schedule.cpp - Per-device task order of pipeline schedules ---------===//
//
// 1F1B and ZB-H1 share one generator: round x of device d runs F(x), then
// B(x - (p-1-d)), then (ZB-H1) W(x - (p-1)), skipping indices outside
// 0..m-1. The lag of B keeps p-d micro-batches in flight, which is
// Megatron-LM's warm-up / steady state / cool-down; the longer lag of W
// moves weight gradients into the bubbles of the cool-down, which is ZB-H1
// as drawn in Qi et al. 2023. The interleaved schedule follows Megatron-LM's
// forward_backward_pipelining_with_interleaving: forwards visit the chunks
// in groups of p micro-batches, backwards the chunks in reverse.
//
//===----------------------------------------------------------------------===//

#include "pxc/Pipeline/Schedule.h"
#include "pxc/Pipeline/Simulate.h"

#include <algorithm>
#include <cassert>

using namespace pxc::pipeline;

std::optional<ScheduleKind>
pxc::pipeline::parseScheduleKind(std::string_view name) {
  for (ScheduleKind kind :
       {ScheduleKind::GPipe, ScheduleKind::OneFOneB, ScheduleKind::Interleaved,
        ScheduleKind::ZeroBubbleH1})
    if (name == toString(kind))
      return kind;
  return std::nullopt;
}

const char *pxc::pipeline::toString(ScheduleKind kind) {
  switch (kind) {
  case ScheduleKind::GPipe:
    return "gpipe";
  case ScheduleKind::OneFOneB:
    return "1f1b";
  case ScheduleKind::Interleaved:
    return "interleaved";
  case ScheduleKind::ZeroBubbleH1:
    return "zb-h1";
  }
  return "?";
}

const char *pxc::pipeline::toString(Phase phase) {
  switch (phase) {
  case Phase::Forward:
    return "F";
  case Phase::Backward:
    return "B";
  case Phase::Weight:
    return "W";
  case Phase::Update:
    return "U";
  case Phase::VocabForward:
    return "S";
  case Phase::VocabBackward:
    return "T";
  case Phase::EmbedForward:
    return "E";
  case Phase::EmbedBackward:
    return "G";
  }
  return "?";
}

std::string pxc::pipeline::validate(const ScheduleConfig &config) {
  if (config.stages < 1)
    return "a pipeline needs at least 1 stage, got " +
           std::to_string(config.stages);
  if (config.microBatches < 1)
    return "a pipeline needs at least 1 micro-batch, got " +
           std::to_string(config.microBatches);
  bool interleaved = config.kind == ScheduleKind::Interleaved;
  if (interleaved && config.virtualStages < 2)
    return "the interleaved schedule needs at least 2 virtual stages per "
           "device, got " +
           std::to_string(config.virtualStages);
  if (!interleaved && config.virtualStages != 1)
    return std::string("only the interleaved schedule has virtual stages; ") +
           toString(config.kind) + " needs 1, got " +
           std::to_string(config.virtualStages);
  if (interleaved && config.microBatches % config.stages != 0)
    return "the interleaved schedule needs micro-batches (" +
           std::to_string(config.microBatches) +
           ") to be a multiple of stages (" + std::to_string(config.stages) +
           "), as in Megatron-LM";
  if (config.vocab != VocabMode::Off &&
      (!config.training || (config.kind != ScheduleKind::OneFOneB &&
                            config.kind != ScheduleKind::Interleaved)))
    return "vocabulary layers spread over the pipeline need a training step "
           "with the 1f1b or the interleaved schedule";
  return "";
}

namespace {

/// Appends tasks, putting the Update of a micro-batch and chunk right after
/// its last backward-type task (Backward, or Weight when split).
struct Builder {
  std::vector<Task> tasks;
  bool split;

  void forward(int k, int chunk) {
    tasks.push_back({Phase::Forward, k, chunk});
  }
  void backward(int k, int chunk) {
    tasks.push_back({Phase::Backward, k, chunk});
    if (!split)
      tasks.push_back({Phase::Update, k, chunk});
  }
  void weight(int k, int chunk) {
    tasks.push_back({Phase::Weight, k, chunk});
    tasks.push_back({Phase::Update, k, chunk});
  }
};

void gpipe(Builder &b, int m) {
  for (int k = 0; k < m; ++k)
    b.forward(k, 0);
  for (int k = 0; k < m; ++k)
    b.backward(k, 0);
}

/// 1F1B, and ZB-H1 when b.split (see the file comment).
void oneFOneB(Builder &b, int p, int m, int device, int extraLag = 0) {
  int backwardLag = p - 1 - device + extraLag;
  int weightLag = p - 1;
  for (int x = 0; x < m + p - 1 + extraLag; ++x) {
    if (x < m)
      b.forward(x, 0);
    if (int k = x - backwardLag; k >= 0 && k < m)
      b.backward(k, 0);
    if (int k = x - weightLag; b.split && k >= 0 && k < m)
      b.weight(k, 0);
  }
}

/// Megatron-LM's interleaved 1F1B. Virtual index i counts the device's
/// forwards (or backwards) in order; groups of p * v indices cover p
/// micro-batches on every chunk.
void interleaved(Builder &b, int p, int m, int v, int device, bool training,
                 int extraWarmup = 0) {
  int group = p * v;
  auto microBatch = [&](int i) { return i / group * p + i % p; };
  auto forward = [&](int i) { b.forward(microBatch(i), i % group / p); };
  auto backward = [&](int i) {
    b.backward(microBatch(i), v - 1 - i % group / p);
  };
  int total = m * v;
  int warmup =
      training
          ? std::min((p - device - 1) * 2 + (v - 1) * p + extraWarmup, total)
          : total;
  for (int i = 0; i < warmup; ++i)
    forward(i);
  if (!training)
    return;
  for (int i = 0; i < total - warmup; ++i) {
    forward(warmup + i);
    backward(i);
  }
  for (int i = total - warmup; i < total; ++i)
    backward(i);
}

/// When each device's tasks start in `timeline`, in list order.
std::vector<std::vector<double>> startsOf(const SimulationResult &timeline,
                                          int p) {
  std::vector<std::vector<double>> starts(p);
  for (const TaskEvent &event : timeline.events)
    starts[event.device].push_back(event.start);
  return starts;
}

/// Nominal times: uniform stages (F = 1, B = 2), free sends and vocabulary
/// tasks.
SimulationResult nominalTimeline(const ScheduleConfig &config,
                                 const std::vector<std::vector<Task>> &lists) {
  SimulationInput nominal{config, {}, {}, {}, {}};
  nominal.stageCosts.assign(config.stages * config.virtualStages,
                            TaskCost{1, 2, 0, 0});
  return simulate(nominal, lists);
}

/// Inserts VocabForward(k) and VocabBackward(k) into every device's list
/// of 1F1B with two more warm-up forwards (without its Update tasks): S(k)
/// before the first task that starts, in the nominal timeline of those
/// lists, once the last stage's Forward(k) has ended (on the last stage:
/// right after it), T(k) once its Forward(k + 1) has, and both before
/// Backward(k). T(k) waits for every device's S(k) and the statistics'
/// round trip to the last stage; the extra warm-up forwards give the last
/// stage forwards to run meanwhile, and while the devices run their T(k),
/// which its Backward(k) waits for. (One extra forward left a 31% bubble in
/// the paper's 8-stage setup, two leave 9%;
/// bench/results/2026-11-26-vocab-sim.md.)
std::vector<std::vector<Task>>
withOutputLayerTasks(const ScheduleConfig &config,
                     const std::vector<std::vector<Task>> &lists) {
  int p = config.stages, m = config.microBatches,
      lastChunk = config.virtualStages - 1;
  ScheduleConfig plain = config;
  plain.vocab = VocabMode::Off;
  SimulationResult timeline = nominalTimeline(plain, lists);
  std::vector<std::vector<double>> starts = startsOf(timeline, p);
  // Per micro-batch k, on the last model stage: when Forward(k) ends, and
  // when T(k) is due: one forward later, but before Backward(k) starts
  // (under the interleaved schedule its Forward(k + 1) may come later).
  std::vector<double> lastForwardEnd(m + 1, 0), tDue(m, 0);
  for (const TaskEvent &event : timeline.events)
    if (event.device == p - 1 && event.task.phase == Phase::Forward &&
        event.task.chunk == lastChunk)
      lastForwardEnd[event.task.microBatch] = event.end;
  lastForwardEnd[m] = lastForwardEnd[m - 1];
  for (int k = 0; k < m; ++k)
    tDue[k] = lastForwardEnd[std::min(k + 1, m)];
  for (const TaskEvent &event : timeline.events)
    if (event.device == p - 1 && event.task.phase == Phase::Backward &&
        event.task.chunk == lastChunk)
      tDue[event.task.microBatch] =
          std::min(tDue[event.task.microBatch], event.start);
  std::vector<std::vector<Task>> out(p);
  for (int device = 0; device < p; ++device) {
    const std::vector<Task> &tasks = lists[device];
    int s = 0, t = 0;
    auto due = [&](int k, size_t i, double at) {
      return k < m &&
             (i == tasks.size() || starts[device][i] >= at ||
              (tasks[i].phase == Phase::Backward && tasks[i].microBatch >= k));
    };
    for (size_t i = 0; i <= tasks.size(); ++i) {
      for (bool more = true; more;) {
        more = false;
        if (due(s, i, lastForwardEnd[s])) {
          out[device].push_back({Phase::VocabForward, s++, 0});
          more = true;
        }
        if (t < s && due(t, i, tDue[t])) {
          out[device].push_back({Phase::VocabBackward, t++, 0});
          more = true;
        }
      }
      if (i < tasks.size() && tasks[i].phase != Phase::Update)
        out[device].push_back(tasks[i]);
    }
  }
  return out;
}

/// Inserts EmbedForward(k) into `device`'s list before the first task that
/// starts, in the nominal timeline of the lists with every E first, two
/// units (a backward) before the first device's Forward(k), which sums
/// every device's E(k), starts; EmbedBackward(k) and Update(k) before the
/// first one that starts three units (a forward and a backward) after its
/// Backward(k), which sends G(k) its input, has ended. No task before them
/// waits for what they wait for, and what waits for them comes later in
/// that timeline: the lists run as the timeline does.
std::vector<Task> withEmbedTasks(const ScheduleConfig &config, int device,
                                 std::vector<std::vector<Task>> lists) {
  int p = config.stages, m = config.microBatches;
  for (std::vector<Task> &tasks : lists)
    for (int k = m - 1; k >= 0; --k)
      tasks.insert(tasks.begin(), {Phase::EmbedForward, k, 0});
  SimulationResult timeline = nominalTimeline(config, lists);
  std::vector<double> firstForwardStart(m, 0), firstBackwardEnd(m, 0);
  for (const TaskEvent &event : timeline.events) {
    if (event.device != 0 || event.task.chunk != 0)
      continue;
    if (event.task.phase == Phase::Forward)
      firstForwardStart[event.task.microBatch] = event.start;
    if (event.task.phase == Phase::Backward)
      firstBackwardEnd[event.task.microBatch] = event.end;
  }
  std::vector<double> starts = startsOf(timeline, p)[device];
  const std::vector<Task> &tasks = lists[device];
  std::vector<Task> out;
  // Slack for the sends, and for real times drifting from nominal ones:
  // without the lag, a G that waits for a late backward stalls its device
  // (the paper's setup at 32k lost 2 points of MFU).
  const double lead = 2, lag = 3;
  int e = 0, g = 0;
  for (size_t i = m; i <= tasks.size(); ++i) {
    bool end = i == tasks.size();
    for (; e < m && (end || starts[i] >= firstForwardStart[e] - lead); ++e)
      out.push_back({Phase::EmbedForward, e, 0});
    for (; g < m && (end || starts[i] >= firstBackwardEnd[g] + lag); ++g) {
      out.push_back({Phase::EmbedBackward, g, 0});
      for (int chunk = 0; chunk < config.virtualStages; ++chunk)
        out.push_back({Phase::Update, g, chunk});
    }
    if (!end)
      out.push_back(tasks[i]);
  }
  return out;
}

} // namespace

std::vector<Task> pxc::pipeline::buildSchedule(const ScheduleConfig &config,
                                               int device) {
  assert(validate(config).empty() && "buildSchedule() needs a valid config");
  assert(device >= 0 && device < config.stages && "device out of range");
  int p = config.stages, m = config.microBatches;
  Builder b{{}, splitsBackward(config.kind)};
  if (config.training && config.vocab != VocabMode::Off) {
    // Two more warm-up forwards (see withOutputLayerTasks).
    std::vector<std::vector<Task>> lists(p);
    for (int d = 0; d < p; ++d) {
      Builder each{{}, false};
      if (config.kind == ScheduleKind::Interleaved)
        interleaved(each, p, m, config.virtualStages, d, true,
                    /*extraWarmup=*/2);
      else
        oneFOneB(each, p, m, d, /*extraLag=*/2);
      lists[d] = std::move(each.tasks);
    }
    return withEmbedTasks(config, device, withOutputLayerTasks(config, lists));
  }
  if (config.kind == ScheduleKind::Interleaved) {
    interleaved(b, p, m, config.virtualStages, device, config.training);
  } else if (!config.training) {
    for (int k = 0; k < m; ++k)
      b.forward(k, 0);
  } else if (config.kind == ScheduleKind::GPipe) {
    gpipe(b, m);
  } else {
    oneFOneB(b, p, m, device);
  }
  return std::move(b.tasks);
}

int pxc::pipeline::liveSlots(const std::vector<Task> &tasks, Phase from,
                             int fromChunk, Phase to, int toChunk) {
  // Micro-batch k holds a slot while the running task's index is in
  // [first[k], last[k]]: from its `from` task to its `to` task inclusive.
  int n = static_cast<int>(tasks.size());
  std::vector<int> first, last;
  for (int i = 0; i < n; ++i) {
    const Task &task = tasks[i];
    size_t k = static_cast<size_t>(task.microBatch);
    if (k >= first.size()) {
      first.resize(k + 1, n);
      last.resize(k + 1, n);
    }
    if (task.phase == from && task.chunk == fromChunk)
      first[k] = std::min(first[k], i);
    if (task.phase == to && task.chunk == toChunk)
      last[k] = std::min(last[k], i);
  }
  // Sweep the intervals: +1 at their first index, -1 after their last.
  std::vector<int> delta(n + 2, 0);
  for (size_t k = 0; k < first.size(); ++k) {
    if (first[k] >= n || last[k] < first[k])
      continue;
    ++delta[first[k]];
    --delta[last[k] + 1];
  }
  int live = 0, most = 1;
  for (int i = 0; i < n; ++i)
    most = std::max(most, live += delta[i]);
  return most;
}
