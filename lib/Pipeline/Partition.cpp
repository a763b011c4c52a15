//===- Partition.cpp - Min-max contiguous stage partitioning --------------===//
//
// A suffix dynamic program over the allowed stage starts: best[s][a] is the
// smallest bottleneck of stages s.. when stage s starts at the a-th allowed
// start. Memory depends on the stage index (activations in flight), so the
// stage index is part of the state. Solving from the back lets the
// reconstruction walk forward taking the earliest cut that still reaches the
// optimum, which yields the lexicographically smallest plan: the one the
// brute force keeps when it enumerates cuts in order. A second run of the
// same program minimizes the largest stage memory among the plans at the
// optimal bottleneck (a lexicographic pair does not decompose over stages).
// Stage costs are O(1) from prefix sums, and every search reads them from
// the same Costs so that their comparisons agree exactly.
//
//===----------------------------------------------------------------------===//

#include "pxc/Pipeline/Partition.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>
#include <limits>
#include <random>

using namespace pxc::pipeline;

namespace {

constexpr double kInfinity = std::numeric_limits<double>::infinity();

/// O(1) costs of a stage holding items [i, j).
struct Costs {
  explicit Costs(const PartitionProblem &problem);

  double seconds(int i, int j) const {
    return secondsSum[j] - secondsSum[i] + (i > 0 ? cutSeconds[i] : 0) +
           (j < n ? cutSeconds[j] : 0);
  }
  double bytes(int i, int j, int stage) const {
    return persistentSum[j] - persistentSum[i] +
           inFlight[stage] * (activationSum[j] - activationSum[i]);
  }
  bool fits(double bytes) const { return limit <= 0 || bytes <= limit; }
  /// Whether every pinned item in [i, j) is pinned to `stage`. With hints in
  /// order, the first and the last pinned item of the range decide.
  bool hintsAllow(int i, int j, int stage) const {
    int first = nextPinned[i];
    return first >= j ||
           (fixedStage[first] == stage && fixedStage[lastPinned[j]] == stage);
  }

  int n;
  double limit;
  /// Item positions where a stage may start, ascending from 0, then n.
  std::vector<int> starts;
  std::vector<double> secondsSum, persistentSum, activationSum;
  /// Round trip over the cut before item i (activation and its gradient).
  std::vector<double> cutSeconds;
  std::vector<double> inFlight;
  std::vector<int> fixedStage;
  /// First pinned item at or after i (n if none); last one before j (-1).
  std::vector<int> nextPinned, lastPinned;
};

using Table = std::vector<std::vector<double>>;

} // namespace

Costs::Costs(const PartitionProblem &problem)
    : n(static_cast<int>(problem.items.size())),
      limit(problem.memoryLimitBytes), secondsSum(n + 1, 0),
      persistentSum(n + 1, 0), activationSum(n + 1, 0), cutSeconds(n, 0),
      inFlight(problem.inFlight), fixedStage(n), nextPinned(n + 1, n),
      lastPinned(n + 1, -1) {
  if (inFlight.empty())
    inFlight.assign(problem.stages, 1);
  starts.push_back(0);
  for (int i = 0; i < n; ++i) {
    const PartitionItem &item = problem.items[i];
    secondsSum[i + 1] = secondsSum[i] + item.seconds;
    persistentSum[i + 1] = persistentSum[i] + item.persistentBytes;
    activationSum[i + 1] = activationSum[i] + item.activationBytes;
    fixedStage[i] = item.fixedStage;
    lastPinned[i + 1] = item.fixedStage >= 0 ? i : lastPinned[i];
    if (i == 0 || !(problem.canCut.empty() || problem.canCut[i]))
      continue;
    starts.push_back(i);
    if (problem.linkBytesPerSecond > 0) {
      double bytes = problem.cutBytes.empty() ? 0 : problem.cutBytes[i];
      cutSeconds[i] =
          2 * (problem.linkLatencySeconds + bytes / problem.linkBytesPerSecond);
    }
  }
  starts.push_back(n);
  for (int i = n - 1; i >= 0; --i)
    nextPinned[i] = fixedStage[i] >= 0 ? i : nextPinned[i + 1];
}

static std::string plural(int count, const char *noun) {
  return std::to_string(count) + " " + noun + (count == 1 ? "" : "s");
}

static bool finiteNonNegative(double value) {
  return std::isfinite(value) && value >= 0;
}

/// Checks what the searches rely on; `error` names the first offender.
static bool validate(const PartitionProblem &problem, std::string &error) {
  int n = static_cast<int>(problem.items.size());
  int stages = problem.stages;
  if (stages < 1) {
    error = "cannot split into " + plural(stages, "pipeline stage");
    return false;
  }
  auto sizeError = [&](const char *field, size_t size, const char *what,
                       int expected) {
    error = std::string(field) + " has " + std::to_string(size) +
            " entries for " + plural(expected, what);
  };
  if (!problem.cutBytes.empty() && problem.cutBytes.size() != size_t(n)) {
    sizeError("cutBytes", problem.cutBytes.size(), "item", n);
    return false;
  }
  if (!problem.canCut.empty() && problem.canCut.size() != size_t(n)) {
    sizeError("canCut", problem.canCut.size(), "item", n);
    return false;
  }
  if (!problem.inFlight.empty() && problem.inFlight.size() != size_t(stages)) {
    sizeError("inFlight", problem.inFlight.size(), "stage", stages);
    return false;
  }
  for (double count : problem.inFlight)
    if (!finiteNonNegative(count)) {
      error = "in-flight micro-batch counts must be finite and non-negative";
      return false;
    }
  if (!finiteNonNegative(problem.linkLatencySeconds) ||
      std::isnan(problem.linkBytesPerSecond) ||
      std::isnan(problem.memoryLimitBytes)) {
    error = "link latency, bandwidth and memory limit must be numbers, the "
            "latency finite and non-negative";
    return false;
  }
  int pinnedItem = -1;
  for (int i = 0; i < n; ++i) {
    const PartitionItem &item = problem.items[i];
    if (!finiteNonNegative(item.seconds) ||
        !finiteNonNegative(item.persistentBytes) ||
        !finiteNonNegative(item.activationBytes) ||
        (i > 0 && !problem.cutBytes.empty() &&
         !finiteNonNegative(problem.cutBytes[i]))) {
      error = "item " + std::to_string(i) +
              " has a negative or non-finite time or size";
      return false;
    }
    int stage = item.fixedStage;
    if (stage == -1)
      continue;
    if (stage < 0 || stage >= stages) {
      error = "item " + std::to_string(i) + " is pinned to stage " +
              std::to_string(stage) + ", but the stages are 0 to " +
              std::to_string(stages - 1);
      return false;
    }
    if (pinnedItem >= 0 && stage < problem.items[pinnedItem].fixedStage) {
      error = "stage hints out of order: item " + std::to_string(pinnedItem) +
              " is pinned to stage " +
              std::to_string(problem.items[pinnedItem].fixedStage) +
              " but the later item " + std::to_string(i) + " to stage " +
              std::to_string(stage);
      return false;
    }
    pinnedItem = i;
  }
  int starts = n == 0 ? 0 : 1;
  for (int i = 1; i < n; ++i)
    starts += problem.canCut.empty() || problem.canCut[i];
  if (stages > starts) {
    error = "cannot split " + plural(n, "item") + " into " +
            plural(stages, "pipeline stage");
    if (starts < n)
      error += ": only " + plural(starts, "position") + " can start a stage";
    return false;
  }
  return true;
}

/// best[s][a] for value(a, b, s), the value of stage s spanning allowed
/// starts a to b (+infinity forbids it): the smallest largest value of
/// stages s.. when stage s starts at a.
template <typename StageValue>
static Table suffixOptima(const Costs &costs, int stages, StageValue value) {
  int k = static_cast<int>(costs.starts.size()) - 1;
  Table best(stages, std::vector<double>(k, kInfinity));
  for (int a = stages - 1; a < k; ++a)
    best[stages - 1][a] = value(a, k, stages - 1);
  for (int s = stages - 2; s >= 0; --s) {
    // Stage s needs s earlier stages and stages - s - 1 later ones; stage 0
    // only ever starts at 0.
    int lastStart = s == 0 ? 0 : k - (stages - s);
    for (int a = s; a <= lastStart; ++a) {
      double &cell = best[s][a];
      for (int b = a + 1; b <= k - (stages - s - 1); ++b) {
        double rest = best[s + 1][b];
        if (rest < cell)
          cell = std::min(cell, std::max(value(a, b, s), rest));
      }
    }
  }
  return best;
}

/// The lexicographically smallest firstItem whose largest stage value is the
/// optimum best[0][0]; empty if that is +infinity.
template <typename StageValue>
static std::vector<int> earliestPlan(const Costs &costs, int stages,
                                     StageValue value) {
  Table best = suffixOptima(costs, stages, value);
  double optimum = best[0][0];
  if (optimum == kInfinity)
    return {};
  std::vector<int> firstItem{0};
  int a = 0;
  for (int s = 0; s + 1 < stages; ++s) {
    // Earlier stages are within the optimum, so the rest need only be too.
    int b = a + 1;
    while (std::max(value(a, b, s), best[s + 1][b]) > optimum)
      ++b;
    firstItem.push_back(costs.starts[b]);
    a = b;
  }
  firstItem.push_back(costs.n);
  return firstItem;
}

static Partition evaluate(const Costs &costs, std::vector<int> firstItem) {
  Partition plan;
  for (size_t s = 0; s + 1 < firstItem.size(); ++s) {
    int i = firstItem[s], j = firstItem[s + 1];
    plan.stageSeconds.push_back(costs.seconds(i, j));
    plan.stageBytes.push_back(costs.bytes(i, j, static_cast<int>(s)));
    plan.bottleneckSeconds =
        std::max(plan.bottleneckSeconds, plan.stageSeconds.back());
  }
  plan.firstItem = std::move(firstItem);
  return plan;
}

static double largest(const std::vector<double> &values) {
  return *std::max_element(values.begin(), values.end());
}

/// `bytes` in the largest binary unit it reaches, with `decimals` digits.
static std::string formatBytes(double bytes, int decimals) {
  static const char *const units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  int unit = 0;
  while (unit < 4 && bytes >= 1024) {
    bytes /= 1024;
    ++unit;
  }
  char text[64];
  std::snprintf(text, sizeof(text), "%.*f %s", decimals, bytes, units[unit]);
  return text;
}

/// Why no plan meets the memory limit, or the hints and cut points at all.
static std::string explainInfeasible(const PartitionProblem &problem,
                                     const Costs &costs) {
  const std::vector<int> &starts = costs.starts;
  std::vector<int> leanest =
      earliestPlan(costs, problem.stages, [&](int a, int b, int s) {
        int i = starts[a], j = starts[b];
        return costs.hintsAllow(i, j, s) ? costs.bytes(i, j, s) : kInfinity;
      });
  std::string into =
      "no partition into " + plural(problem.stages, "pipeline stage");
  if (leanest.empty())
    return into + " respects both the stage hints and the allowed cut points";
  Partition plan = evaluate(costs, std::move(leanest));
  double needed = largest(plan.stageBytes);
  int stage = static_cast<int>(
      std::find(plan.stageBytes.begin(), plan.stageBytes.end(), needed) -
      plan.stageBytes.begin());
  // Enough digits that the need does not print as the limit.
  int decimals = 1;
  while (decimals < 6 &&
         formatBytes(needed, decimals) == formatBytes(costs.limit, decimals))
    ++decimals;
  return into + " fits " + formatBytes(costs.limit, decimals) +
         " per device: the best needs " + formatBytes(needed, decimals) +
         " on stage " + std::to_string(stage);
}

std::optional<Partition>
pxc::pipeline::partition(const PartitionProblem &problem, std::string &error) {
  if (!validate(problem, error))
    return std::nullopt;
  Costs costs(problem);
  const std::vector<int> &starts = costs.starts;
  auto seconds = [&](int a, int b, int s) {
    int i = starts[a], j = starts[b];
    if (!costs.hintsAllow(i, j, s) || !costs.fits(costs.bytes(i, j, s)))
      return kInfinity;
    return costs.seconds(i, j);
  };
  std::vector<int> fastest = earliestPlan(costs, problem.stages, seconds);
  if (fastest.empty()) {
    error = explainInfeasible(problem, costs);
    return std::nullopt;
  }
  double bottleneck = evaluate(costs, std::move(fastest)).bottleneckSeconds;
  // Among the plans that fast, the one whose largest stage is smallest.
  auto memory = [&](int a, int b, int s) {
    int i = starts[a], j = starts[b];
    double bytes = costs.bytes(i, j, s);
    if (!costs.hintsAllow(i, j, s) || !costs.fits(bytes) ||
        costs.seconds(i, j) > bottleneck)
      return kInfinity;
    return bytes;
  };
  return evaluate(costs, earliestPlan(costs, problem.stages, memory));
}

std::optional<Partition>
pxc::pipeline::partitionBruteForce(const PartitionProblem &problem) {
  std::string error;
  if (!validate(problem, error))
    return std::nullopt;
  Costs costs(problem);
  int k = static_cast<int>(costs.starts.size()) - 1;
  std::optional<Partition> best;
  std::vector<int> firstItem{0};
  auto consider = [&] {
    for (int s = 0; s < problem.stages; ++s) {
      for (int i = firstItem[s]; i < firstItem[s + 1]; ++i) {
        int pinned = problem.items[i].fixedStage;
        if (pinned != -1 && pinned != s)
          return;
      }
      if (!costs.fits(costs.bytes(firstItem[s], firstItem[s + 1], s)))
        return;
    }
    Partition plan = evaluate(costs, firstItem);
    if (!best || plan.bottleneckSeconds < best->bottleneckSeconds ||
        (plan.bottleneckSeconds == best->bottleneckSeconds &&
         largest(plan.stageBytes) < largest(best->stageBytes)))
      best = std::move(plan);
  };
  // Cuts in lexicographic order; only a strictly better plan replaces one.
  std::function<void(int)> extend = [&](int next) {
    if (static_cast<int>(firstItem.size()) == problem.stages) {
      firstItem.push_back(costs.n);
      consider();
      firstItem.pop_back();
      return;
    }
    for (int b = next; b < k; ++b) {
      firstItem.push_back(costs.starts[b]);
      extend(b + 1);
      firstItem.pop_back();
    }
  };
  extend(1);
  return best;
}

std::optional<Partition>
pxc::pipeline::partitionRandom(const PartitionProblem &problem, uint64_t seed,
                               std::string &error) {
  if (!validate(problem, error))
    return std::nullopt;
  Costs costs(problem);
  const std::vector<int> &starts = costs.starts;
  int k = static_cast<int>(starts.size()) - 1;
  auto allowed = [&](int a, int b, int s) {
    return costs.hintsAllow(starts[a], starts[b], s) ? 0.0 : kInfinity;
  };
  // 0 where the remaining stages can be completed, +infinity elsewhere.
  Table completable = suffixOptima(costs, problem.stages, allowed);
  if (completable[0][0] == kInfinity) {
    error = explainInfeasible(problem, costs);
    return std::nullopt;
  }
  // mt19937_64 and a plain modulo are the same on every platform, unlike
  // the standard distributions.
  std::mt19937_64 random(seed);
  std::vector<int> firstItem{0}, choices;
  int a = 0;
  for (int s = 0; s + 1 < problem.stages; ++s) {
    choices.clear();
    for (int b = a + 1; b <= k - (problem.stages - s - 1); ++b)
      if (allowed(a, b, s) == 0 && completable[s + 1][b] == 0)
        choices.push_back(b);
    a = choices[random() % choices.size()];
    firstItem.push_back(starts[a]);
  }
  firstItem.push_back(costs.n);
  return evaluate(costs, std::move(firstItem));
}
