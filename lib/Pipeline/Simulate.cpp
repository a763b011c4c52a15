//===- Simulate.cpp - Event-driven replay of a pipeline schedule ----------===//
//
// A task starts at the later of its device's previous end and its inputs'
// arrival, and devices share nothing else (transfers have their own
// unlimited streams). So instead of a global event queue the replay
// advances any device whose next task has all its inputs simulated: every
// such order gives the same times, and a step where no device can advance
// is a schedule that deadlocks. The trace and the SVG are written by hand
// to keep the library free of dependencies.
//
//===----------------------------------------------------------------------===//

#include "pxc/Pipeline/Simulate.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <cstdio>

using namespace pxc::pipeline;

namespace {

/// End times are >= 0, so a negative one marks work not simulated yet.
constexpr double kNotDone = -1;

double later(double a, double b) {
  return a == kNotDone || b == kNotDone ? kNotDone : std::max(a, b);
}

class Replay {
public:
  explicit Replay(const SimulationInput &input)
      : input(input), p(input.config.stages), m(input.config.microBatches),
        stages(p * input.config.virtualStages),
        split(splitsBackward(input.config.kind)),
        ends(kPhaseCount * stages * m, kNotDone) {}

  SimulationResult run(const std::vector<std::vector<Task>> &lists);

private:
  double &end(Phase phase, int stage, int k) {
    return ends[(static_cast<int>(phase) * stages + stage) * m + k];
  }
  /// Time to cross boundary j -> j+1; free within a device.
  double send(int boundary) const {
    return p == 1 || input.sendSeconds.empty() ? 0
                                               : input.sendSeconds[boundary];
  }
  double duration(const Task &task, int stage) const;
  double ready(const Task &task, int stage);
  double allDevices(Phase phase, int k);
  void addTransfers(const Task &task, int stage, double finish);
  void measureMemory(int device, const std::vector<TaskEvent> &events);

  const SimulationInput &input;
  int p, m, stages;
  bool split;
  /// [phase][model stage][micro-batch].
  std::vector<double> ends;
  SimulationResult result;
};

double Replay::duration(const Task &task, int stage) const {
  const TaskCost &cost = input.stageCosts[stage];
  switch (task.phase) {
  case Phase::Forward:
    return cost.forward;
  case Phase::Backward:
    return split ? cost.backward : cost.backward + cost.weight;
  case Phase::Weight:
    return cost.weight;
  case Phase::Update:
    // The program skips the optimizer for all but the last micro-batch.
    return task.microBatch == m - 1 ? cost.update : 0;
  case Phase::VocabForward:
    return cost.vocabForward;
  case Phase::VocabBackward:
    return cost.vocabBackward;
  case Phase::EmbedForward:
    return cost.embedForward;
  case Phase::EmbedBackward:
    return cost.embedBackward;
  }
  return 0;
}

/// When every device's `phase` work of micro-batch k has ended, or
/// kNotDone.
double Replay::allDevices(Phase phase, int k) {
  double last = 0;
  for (int device = 0; device < p; ++device)
    last = later(last, end(phase, device, k));
  return last;
}

/// When the inputs of `task` are there, or kNotDone while one is missing.
double Replay::ready(const Task &task, int stage) {
  int k = task.microBatch;
  auto arrival = [&](Phase phase, int from, int boundary) {
    double done = end(phase, from, k);
    return done == kNotDone ? kNotDone : done + send(boundary);
  };
  // The input embedding's lookups (or their gradient) between a device and
  // the first stage.
  auto embedRound = [&](double done, bool local) {
    return done == kNotDone || local ? done : done + input.embedRoundSeconds;
  };
  switch (task.phase) {
  case Phase::EmbedForward:
    return 0;
  case Phase::Forward:
    if (stage == 0)
      return input.config.vocab == VocabMode::Off
                 ? 0
                 : embedRound(allDevices(Phase::EmbedForward, k), p == 1);
    return arrival(Phase::Forward, stage - 1, stage - 1);
  case Phase::EmbedBackward:
    return embedRound(end(Phase::Backward, 0, k), stage == 0);
  case Phase::Backward: {
    double forward = end(Phase::Forward, stage, k);
    if (stage == stages - 1) {
      if (input.config.vocab == VocabMode::Off)
        return forward;
      // The gradient of the last hidden state: every device's share,
      // summed in one round.
      double shares = allDevices(Phase::VocabBackward, k);
      return later(forward, shares == kNotDone
                                ? kNotDone
                                : shares + input.vocabRoundSeconds);
    }
    return later(forward, arrival(Phase::Backward, stage + 1, stage));
  }
  case Phase::VocabForward: {
    // The last hidden state, from the last stage to every device.
    double hidden = end(Phase::Forward, stages - 1, k);
    if (hidden == kNotDone || stage == stages - 1)
      return hidden;
    return hidden + send(stages - 2);
  }
  case Phase::VocabBackward: {
    // Every device's statistics meet on the last stage and the gradients
    // of the combined loss come back: one round for vocab-2; vocab-1
    // first takes the global max there and back.
    double all = allDevices(Phase::VocabForward, k);
    int rounds = input.config.vocab == VocabMode::OneRound ? 1 : 2;
    return all == kNotDone ? kNotDone : all + rounds * input.vocabRoundSeconds;
  }
  case Phase::Weight:
    return end(Phase::Backward, stage, k);
  case Phase::Update:
    return end(split ? Phase::Weight : Phase::Backward, stage, k);
  }
  return kNotDone;
}

void Replay::addTransfers(const Task &task, int stage, double finish) {
  if (p == 1)
    return;
  int device = stage % p, k = task.microBatch;
  if (task.phase == Phase::Forward && stage < stages - 1)
    result.transfers.push_back(
        {device, (stage + 1) % p, k, false, finish, finish + send(stage)});
  if (task.phase == Phase::Backward && stage > 0)
    result.transfers.push_back(
        {device, (stage - 1) % p, k, true, finish, finish + send(stage - 1)});
}

/// Walks the device's tasks in order: they run one at a time, so the
/// activations alive at any moment are those of the running task's prefix.
void Replay::measureMemory(int device, const std::vector<TaskEvent> &events) {
  const ScheduleConfig &config = input.config;
  Phase lastUse = !config.training ? Phase::Forward
                  : split          ? Phase::Weight
                                   : Phase::Backward;
  double bytes = 0, peakBytes = 0;
  int live = 0, peakLive = 0;
  for (const TaskEvent &event : events) {
    int stage = event.task.chunk * p + device;
    double stageBytes =
        input.activationBytes.empty() ? 0 : input.activationBytes[stage];
    if (event.task.phase == Phase::Forward) {
      bytes += stageBytes;
      peakBytes = std::max(peakBytes, bytes);
      peakLive = std::max(peakLive, ++live);
    }
    if (event.task.phase == lastUse) {
      bytes -= stageBytes;
      --live;
    }
  }
  double staticBytes =
      input.staticBytes.empty() ? 0 : input.staticBytes[device];
  result.peakBytes[device] = staticBytes + peakBytes;
  result.peakLiveMicroBatches[device] = peakLive;
}

SimulationResult Replay::run(const std::vector<std::vector<Task>> &lists) {
  std::vector<size_t> next(p, 0);
  std::vector<double> freeAt(p, 0);
  std::vector<std::vector<TaskEvent>> perDevice(p);
  for (bool progress = true; progress;) {
    progress = false;
    for (int device = 0; device < p; ++device) {
      for (; next[device] < lists[device].size(); ++next[device]) {
        const Task &task = lists[device][next[device]];
        int stage = task.chunk * p + device;
        double inputs = ready(task, stage);
        if (inputs == kNotDone)
          break;
        double start = std::max(freeAt[device], inputs);
        double finish = start + duration(task, stage);
        end(task.phase, stage, task.microBatch) = finish;
        freeAt[device] = finish;
        perDevice[device].push_back({device, task, start, finish});
        addTransfers(task, stage, finish);
        progress = true;
      }
    }
  }
  result.busySeconds.assign(p, 0);
  result.peakBytes.assign(p, 0);
  result.peakLiveMicroBatches.assign(p, 0);
  for (int device = 0; device < p; ++device) {
    assert(next[device] == lists[device].size() && "the schedule deadlocks");
    result.stepSeconds = std::max(result.stepSeconds, freeAt[device]);
    for (const TaskEvent &event : perDevice[device]) {
      result.busySeconds[device] += event.end - event.start;
      result.events.push_back(event);
    }
    measureMemory(device, perDevice[device]);
  }
  std::stable_sort(
      result.transfers.begin(), result.transfers.end(),
      [](const Transfer &a, const Transfer &b) { return a.start < b.start; });
  double busy = 0;
  for (double seconds : result.busySeconds)
    busy += seconds;
  if (result.stepSeconds > 0)
    result.bubbleFraction = 1 - busy / (p * result.stepSeconds);
  return std::move(result);
}

std::string number(double value, int decimals) {
  char text[64];
  std::snprintf(text, sizeof(text), "%.*f", decimals, value);
  return text;
}

/// The trace's strings are made here from fixed names and numbers, none of
/// which needs escaping.
std::string quoted(const std::string &text) { return '"' + text + '"'; }

/// How each phase, then transfers, look: a category name, one of Chrome's
/// reserved colour names and its look-alike for the SVG.
struct Style {
  const char *name, *traceColor, *svgColor;
};
/// Indexed by Phase, then transfers.
constexpr Style kStyles[] = {
    {"embed-forward", "thread_state_runnable", "#00bcd4"},
    {"forward", "rail_response", "#4387fd"},
    {"vocab-forward", "rail_load", "#9c27b0"},
    {"vocab-backward", "rail_animation", "#e91e63"},
    {"backward", "good", "#4caf50"},
    {"weight", "yellow", "#f2c511"},
    {"embed-backward", "light_memory_dump", "#795548"},
    {"update", "olive", "#808000"},
    {"send", "thread_state_iowait", "#ff8c00"}};
constexpr int kSend = kPhaseCount;

std::string taskName(const Task &task) {
  return toString(task.phase) + std::to_string(task.microBatch);
}

} // namespace

SimulationResult pxc::pipeline::simulate(const SimulationInput &input) {
  std::vector<std::vector<Task>> lists;
  for (int device = 0; device < input.config.stages; ++device)
    lists.push_back(buildSchedule(input.config, device));
  return simulate(input, lists);
}

SimulationResult
pxc::pipeline::simulate(const SimulationInput &input,
                        const std::vector<std::vector<Task>> &lists) {
  assert(validate(input.config).empty() && "simulate() needs a valid config");
  assert(lists.size() == size_t(input.config.stages) && "a list per device");
  [[maybe_unused]] size_t stages =
      size_t(input.config.stages) * input.config.virtualStages;
  assert(input.stageCosts.size() == stages && "one TaskCost per model stage");
  assert(
      (input.sendSeconds.empty() || input.sendSeconds.size() == stages - 1) &&
      "one send time per boundary");
  assert((input.activationBytes.empty() ||
          input.activationBytes.size() == stages) &&
         "activation bytes per model stage");
  assert((input.staticBytes.empty() ||
          input.staticBytes.size() == size_t(input.config.stages)) &&
         "static bytes per device");
  return Replay(input).run(lists);
}

std::string pxc::pipeline::chromeTrace(const SimulationResult &result) {
  int devices = static_cast<int>(result.busySeconds.size());
  std::vector<std::string> events;
  auto threadName = [&](int tid, const std::string &name) {
    events.push_back("{\"name\":\"thread_name\",\"ph\":\"M\",\"pid\":0,"
                     "\"tid\":" +
                     std::to_string(tid) +
                     ",\"args\":{\"name\":" + quoted(name) + "}}");
  };
  auto span = [&](int tid, const std::string &name, const char *cat,
                  const char *color, double start, double end,
                  const std::string &args) {
    events.push_back("{\"name\":" + quoted(name) + ",\"cat\":" + quoted(cat) +
                     ",\"ph\":\"X\",\"pid\":0,\"tid\":" + std::to_string(tid) +
                     ",\"ts\":" + number(start * 1e6, 3) +
                     ",\"dur\":" + number((end - start) * 1e6, 3) +
                     ",\"cname\":" + quoted(color) + ",\"args\":{" + args +
                     "}}");
  };
  // Transfers go below the devices: tid devices + sender.
  for (int device = 0; device < devices; ++device) {
    threadName(device, "device " + std::to_string(device));
    threadName(devices + device, "device " + std::to_string(device) + " sends");
  }
  for (const TaskEvent &e : result.events) {
    const Style &style = kStyles[static_cast<int>(e.task.phase)];
    span(e.device, taskName(e.task), style.name, style.traceColor, e.start,
         e.end,
         "\"microBatch\":" + std::to_string(e.task.microBatch) +
             ",\"chunk\":" + std::to_string(e.task.chunk) +
             ",\"stage\":" + std::to_string(e.task.chunk * devices + e.device));
  }
  for (const Transfer &t : result.transfers)
    span(devices + t.fromDevice,
         (t.backward ? "gradient " : "activation ") +
             std::to_string(t.microBatch),
         kStyles[kSend].name, kStyles[kSend].traceColor, t.start, t.end,
         "\"microBatch\":" + std::to_string(t.microBatch) +
             ",\"from\":" + std::to_string(t.fromDevice) +
             ",\"to\":" + std::to_string(t.toDevice));
  std::string out = "{\"traceEvents\":[";
  for (size_t i = 0; i < events.size(); ++i)
    out += (i ? ",\n" : "\n") + events[i];
  return out + "\n],\"displayTimeUnit\":\"ms\"}\n";
}

std::string pxc::pipeline::svgTimeline(const SimulationResult &result) {
  int devices = static_cast<int>(result.busySeconds.size());
  const double left = 90, plotWidth = 960, rowHeight = 32, top = 40;
  double width = left + plotWidth + 40;
  double axisY = top + devices * rowHeight + 4;
  double scale = result.stepSeconds > 0 ? plotWidth / result.stepSeconds : 0;
  auto x = [&](double seconds) { return number(left + seconds * scale, 2); };
  auto rect = [](const std::string &x, double y, double w, double h,
                 const char *fill) {
    return "<rect x=\"" + x + "\" y=\"" + number(y, 2) + "\" width=\"" +
           number(w, 2) + "\" height=\"" + number(h, 2) + "\" fill=\"" + fill +
           "\"";
  };
  std::string out = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" +
                    number(width, 0) + "\" height=\"" + number(axisY + 40, 0) +
                    "\" font-family=\"sans-serif\" font-size=\"12\">\n"
                    "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n";
  for (int i = 0; i <= kSend; ++i)
    out += rect(number(left + i * 110, 2), 8, 14, 14, kStyles[i].svgColor) +
           "/><text x=\"" + number(left + i * 110 + 20, 2) + "\" y=\"20\">" +
           kStyles[i].name + "</text>\n";
  for (int device = 0; device < devices; ++device) {
    double y = top + device * rowHeight;
    out += rect(number(left, 2), y, plotWidth, rowHeight - 4, "#f2f2f2") +
           "/><text x=\"8\" y=\"" + number(y + rowHeight / 2, 2) +
           "\">device " + std::to_string(device) + "</text>\n";
  }
  // Tasks fill most of their row, named where the name fits; sends are a
  // strip under the sender's.
  for (const TaskEvent &e : result.events) {
    double y = top + e.device * rowHeight + 2, w = (e.end - e.start) * scale;
    std::string name = taskName(e.task);
    out += rect(x(e.start), y, w, rowHeight - 14,
                kStyles[static_cast<int>(e.task.phase)].svgColor) +
           " stroke=\"white\"><title>" + name + " chunk " +
           std::to_string(e.task.chunk) + "</title></rect>\n";
    if (w >= 8.0 * name.size())
      out += "<text x=\"" + x((e.start + e.end) / 2) + "\" y=\"" +
             number(y + 13, 2) + "\" font-size=\"10\" text-anchor=\"middle\">" +
             name + "</text>\n";
  }
  for (const Transfer &t : result.transfers)
    out += rect(x(t.start), top + t.fromDevice * rowHeight + rowHeight - 10,
                (t.end - t.start) * scale, 5, kStyles[kSend].svgColor) +
           "><title>" + (t.backward ? "gradient " : "activation ") +
           std::to_string(t.microBatch) + " to " + std::to_string(t.toDevice) +
           "</title></rect>\n";
  // Ticks every 1, 2 or 5 times a power of ten, about eight of them.
  out += "<line x1=\"" + x(0) + "\" y1=\"" + number(axisY, 2) + "\" x2=\"" +
         x(result.stepSeconds) + "\" y2=\"" + number(axisY, 2) +
         "\" stroke=\"black\"/>\n";
  double tick = 1;
  if (result.stepSeconds > 0) {
    double raw = result.stepSeconds / 8;
    double power = std::pow(10, std::floor(std::log10(raw)));
    tick = raw <= power       ? power
           : raw <= 2 * power ? 2 * power
           : raw <= 5 * power ? 5 * power
                              : 10 * power;
  }
  for (int i = 0; i * tick <= result.stepSeconds * (1 + 1e-9); ++i) {
    char label[32];
    std::snprintf(label, sizeof(label), "%g", i * tick);
    out += "<line x1=\"" + x(i * tick) + "\" y1=\"" + number(axisY, 2) +
           "\" x2=\"" + x(i * tick) + "\" y2=\"" + number(axisY + 5, 2) +
           "\" stroke=\"black\"/><text x=\"" + x(i * tick) + "\" y=\"" +
           number(axisY + 18, 2) + "\" text-anchor=\"middle\">" + label +
           "</text>\n";
  }
  out += "<text x=\"" + number(left + plotWidth, 2) + "\" y=\"" +
         number(axisY + 34, 2) + "\" text-anchor=\"end\">seconds</text>\n";
  return out + "</svg>\n";
}
