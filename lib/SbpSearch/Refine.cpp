//===- Refine.cpp - Greedy choice of what did not reduce ------------------===//
//
// The live nodes of a reduced graph carry everything eliminated into them,
// so any choice for them unwinds to the best completion; only this part is
// heuristic. Scores count +infinity terms first so that the search walks
// out of forbidden combinations before it minimizes time.
//
//===----------------------------------------------------------------------===//

#include "WorkGraph.h"

#include <deque>

using namespace pxc::sbp_search;
using namespace pxc::sbp_search::detail;

namespace {

class Refiner {
public:
  Refiner(const WorkGraph &work, std::vector<int> &choice, SolveStats &stats)
      : work(work), choice(choice), stats(stats) {}

  void run(const std::vector<int> &live, int rounds);

private:
  /// Score of candidate c of `node` against its chosen neighbours, leaving
  /// out edge `skip`.
  Score local(int node, int c, int skip = -1) const;
  int best(int node) const;
  bool singleMoves();
  bool pairMoves(const std::vector<int> &live);
  /// Records a changed choice: its neighbours go back on the single-move
  /// queue, and pairs around it are tried again next round.
  void changed(int node);

  const WorkGraph &work;
  std::vector<int> &choice;
  SolveStats &stats;
  std::deque<int> queue;
  std::vector<char> queued;
  /// Nodes whose own or neighbours' choice changed since their pairs were
  /// last tried; a pair move is only worth retrying around those.
  std::vector<char> stale;
};

} // namespace

Score Refiner::local(int node, int c, int skip) const {
  Score score;
  score.add(work.nodes[node].cost[c]);
  for (auto [neighbour, e] : work.nodes[node].adjacent)
    if (e != skip && choice[neighbour] >= 0)
      score.add(work.at(e, node, c, choice[neighbour]));
  return score;
}

int Refiner::best(int node) const {
  int result = 0;
  Score bestScore = local(node, 0);
  for (int c = 1; c < work.size(node); ++c) {
    Score score = local(node, c);
    if (score < bestScore) {
      result = c;
      bestScore = score;
    }
  }
  return result;
}

void Refiner::changed(int node) {
  ++stats.refinementMoves;
  stale[node] = 1;
  for (auto [neighbour, e] : work.nodes[node].adjacent) {
    stale[neighbour] = 1;
    if (!queued[neighbour]) {
      queued[neighbour] = 1;
      queue.push_back(neighbour);
    }
  }
}

bool Refiner::singleMoves() {
  bool moved = false;
  while (!queue.empty()) {
    int node = queue.front();
    queue.pop_front();
    queued[node] = 0;
    int candidate = best(node);
    if (candidate != choice[node] &&
        local(node, candidate).improves(local(node, choice[node]))) {
      choice[node] = candidate;
      moved = true;
      changed(node);
    }
  }
  return moved;
}

bool Refiner::pairMoves(const std::vector<int> &live) {
  bool moved = false;
  std::vector<Score> scoreX, scoreY;
  std::vector<char> active(work.nodes.size(), 0);
  active.swap(stale);
  for (int x : live) {
    for (auto [y, e] : work.nodes[x].adjacent) {
      if (y < x || !(active[x] || active[y]))
        continue;
      int sizeX = work.size(x), sizeY = work.size(y);
      scoreX.resize(sizeX);
      scoreY.resize(sizeY);
      for (int i = 0; i < sizeX; ++i)
        scoreX[i] = local(x, i, e);
      for (int j = 0; j < sizeY; ++j)
        scoreY[j] = local(y, j, e);
      auto joint = [&](int i, int j) {
        Score score = scoreX[i] + scoreY[j];
        score.add(work.at(e, x, i, j));
        return score;
      };
      int bestI = 0, bestJ = 0;
      Score bestScore = joint(0, 0);
      for (int i = 0; i < sizeX; ++i) {
        for (int j = 0; j < sizeY; ++j) {
          Score score = joint(i, j);
          if (score < bestScore) {
            bestI = i;
            bestJ = j;
            bestScore = score;
          }
        }
      }
      if (!bestScore.improves(joint(choice[x], choice[y])))
        continue;
      choice[x] = bestI;
      choice[y] = bestJ;
      moved = true;
      changed(x);
      changed(y);
    }
  }
  return moved;
}

void Refiner::run(const std::vector<int> &live, int rounds) {
  // Start from each node's best against the nodes chosen before it.
  for (int node : live)
    choice[node] = best(node);
  queued.assign(work.nodes.size(), 0);
  stale.assign(work.nodes.size(), 1);
  for (int node : live) {
    queued[node] = 1;
    queue.push_back(node);
  }
  for (int round = 0; round < rounds; ++round) {
    singleMoves();
    if (!pairMoves(live))
      break;
  }
  singleMoves();
}

void pxc::sbp_search::detail::chooseResidual(const WorkGraph &work,
                                             const SolveOptions &options,
                                             std::vector<int> &choice,
                                             SolveStats &stats) {
  std::vector<int> live;
  bool hasEdges = false;
  for (int node = 0; node < int(work.nodes.size()); ++node) {
    if (!work.nodes[node].alive)
      continue;
    live.push_back(node);
    hasEdges |= !work.nodes[node].adjacent.empty();
  }
  stats.exact = !hasEdges;
  stats.residualNodes = hasEdges ? int64_t(live.size()) : 0;
  // Without edges the first pass is each node's own argmin, and exact.
  Refiner(work, choice, stats).run(live, options.maxRefinementRounds);
}
