//===- train_toy.cpp - A hand-written training program for runMain --------===//
//
// What pxc would generate for a tiny training step, written by hand so that
// the runtime's training loop is tested without the compiler
// (check_train_loop.py drives it). Mesh: PXRT_TOY_RANKS ranks (default 2) on
// one data-parallel axis.
//
//   inputs:  idx     i64 [4, 8]  S(0)  role tokens
//            targets i64 [4, 8]  S(0)  role labels
//            hyper   f32 [16]    B     role hyper
//   params:  w f32 [5] (0.5, -1, 2, 0.25, -0.75) and its optimizer states
//   step:    loss = mean(idx + 0.5 * targets) + sum(w^2)   (P(sum): each
//            rank adds its rows' part, rank 0 the sum(w^2) term)
//            g = 2 w, grad_norm = |g|, then w, states = adamw/sgd(w, g)
//   outputs: loss, grad_norm (before the update), w_out (after it),
//            idx_out and targets_out (this step's batch, S(0))
//
// PXRT_TOY_OPTIMIZER=sgd compiles the SGD update instead of AdamW;
// PXRT_TOY_ROLES=none drops the roles (an ordinary program).
//
//===----------------------------------------------------------------------===//

#include "pxrt/kernels.h"
#include "pxrt/program.h"
#include "pxrt/train.h"

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <string>

using namespace pxrt;

namespace {

constexpr int64_t kB = 4, kT = 8, kW = 5;
const float kInitialW[kW] = {0.5f, -1.0f, 2.0f, 0.25f, -0.75f};
int64_t gRanks = 2;
bool gSgd = false;

// Arena layout (bytes): parameters, then one slot per register.
constexpr size_t kWOffset = 0, kMOffset = 64, kVOffset = 128;
constexpr size_t kRegisters = 192;
constexpr size_t kBatchBytes = kB * kT * sizeof(int64_t); // upper bound

void build(RankContext &ctx) {
  ActorGraph &g = ctx.graph();
  char *arena = g.arena();
  int64_t rows = cpu::chunkSize(kB, gRanks, ctx.coord(0));
  size_t batchBytes = rows * kT * sizeof(int64_t);
  size_t at = kRegisters;
  auto reg = [&](const char *name, size_t bytes) {
    int id = g.addRegister(name, bytes, 1, at);
    at += (bytes + 63) / 64 * 64;
    return id;
  };
  int idx = reg("idx", batchBytes);
  int targets = reg("targets", batchBytes);
  int hyper = reg("hyper", train::kHyperCount * sizeof(float));
  int loss = reg("loss", sizeof(float));
  int norm = reg("grad_norm", sizeof(float));
  int wOut = reg("w_out", kW * sizeof(float));

  g.addActor("input idx", "compute", {}, {idx}, [&ctx](ActContext &a) {
    ctx.loadInput(0, a.piece, a.outputs[0]);
  });
  g.addActor("input targets", "compute", {}, {targets}, [&ctx](ActContext &a) {
    ctx.loadInput(1, a.piece, a.outputs[0]);
  });
  g.addActor("input hyper", "compute", {}, {hyper}, [&ctx](ActContext &a) {
    ctx.loadInput(2, a.piece, a.outputs[0]);
  });
  g.addActor(
      "step", "compute", {idx, targets, hyper}, {loss, norm, wOut},
      [&ctx, arena, rows](ActContext &a) {
        auto *tok = static_cast<const int64_t *>(a.inputs[0]);
        auto *lab = static_cast<const int64_t *>(a.inputs[1]);
        auto *h = static_cast<const float *>(a.inputs[2]);
        auto *w = reinterpret_cast<float *>(arena + kWOffset);
        auto *m = reinterpret_cast<float *>(arena + kMOffset);
        auto *v = reinterpret_cast<float *>(arena + kVOffset);
        double data = 0;
        for (int64_t i = 0; i < rows * kT; ++i)
          data +=
              static_cast<double>(tok[i]) + 0.5 * static_cast<double>(lab[i]);
        double squares = 0, gradSquares = 0;
        float grad[kW];
        for (int i = 0; i < kW; ++i) {
          squares += double(w[i]) * w[i];
          grad[i] = 2 * w[i];
          gradSquares += double(grad[i]) * grad[i];
        }
        float partial = static_cast<float>(data / (kB * kT) +
                                           (ctx.coord(0) == 0 ? squares : 0));
        std::memcpy(a.outputs[0], &partial, sizeof(float));
        *static_cast<float *>(a.outputs[1]) =
            static_cast<float>(std::sqrt(gradSquares));
        if (gSgd)
          cpu::sgd(w, grad, m, w, m, kW, h);
        else
          cpu::adamw(w, grad, m, v, w, m, v, kW, h);
        std::memcpy(a.outputs[2], w, sizeof(float) * kW);
      },
      1);
  g.addActor(
      "output loss", "compute", {loss}, {},
      [&ctx](ActContext &a) { ctx.storeOutput(0, a.piece, a.inputs[0]); }, 2);
  g.addActor(
      "output grad_norm", "compute", {norm}, {},
      [&ctx](ActContext &a) { ctx.storeOutput(1, a.piece, a.inputs[0]); }, 2);
  g.addActor(
      "output w_out", "compute", {wOut}, {},
      [&ctx](ActContext &a) { ctx.storeOutput(2, a.piece, a.inputs[0]); }, 2);
  g.addActor(
      "output idx_out", "compute", {idx}, {},
      [&ctx](ActContext &a) { ctx.storeOutput(3, a.piece, a.inputs[0]); }, 2);
  g.addActor(
      "output targets_out", "compute", {targets}, {},
      [&ctx](ActContext &a) { ctx.storeOutput(4, a.piece, a.inputs[0]); }, 2);
}

} // namespace

int main(int argc, char **argv) {
  if (const char *ranks = std::getenv("PXRT_TOY_RANKS"))
    gRanks = std::atoi(ranks);
  if (const char *opt = std::getenv("PXRT_TOY_OPTIMIZER"))
    gSgd = std::string(opt) == "sgd";
  if (gRanks < 1 || gRanks > kB)
    return 2;

  Program program;
  program.mesh = {gRanks};
  program.vocab = 50;
  program.train.optimizer = gSgd ? "sgd" : "adamw";
  program.train.lr = 0.01;
  program.inputs = {
      {"idx", DType::I64, {kB, kT}, "[S(0)]", "tokens"},
      {"targets", DType::I64, {kB, kT}, "[S(0)]", "labels"},
      {"hyper", DType::F32, {train::kHyperCount}, "[B]", "hyper"}};
  program.outputs = {{"loss", DType::F32, {}, "[P(sum)]", ""},
                     {"grad_norm", DType::F32, {}, "[B]", ""},
                     {"w_out", DType::F32, {kW}, "[B]", ""},
                     {"idx_out", DType::I64, {kB, kT}, "[S(0)]", ""},
                     {"targets_out", DType::I64, {kB, kT}, "[S(0)]", ""}};
  auto param = [](const char *name, ParameterSpec::Init init,
                  const void *data) {
    ParameterSpec p;
    p.tensor = {name, DType::F32, {kW}, "[B]", ""};
    p.init = init;
    p.data = data;
    return p;
  };
  program.parameters = {
      param("w", ParameterSpec::Init::Data, kInitialW),
      param("w.exp_avg", ParameterSpec::Init::Zeros, nullptr),
      param("w.exp_avg_sq", ParameterSpec::Init::Zeros, nullptr)};
  // A program without roles, to check that training flags are refused.
  if (const char *roles = std::getenv("PXRT_TOY_ROLES"))
    if (std::string(roles) == "none")
      for (TensorSpec &input : program.inputs)
        input.role.clear();
  RankClass cls;
  for (int r = 0; r < gRanks; ++r)
    cls.ranks.push_back(r);
  cls.arenaBytes = kRegisters + 2 * kBatchBytes + 4 * 64 + 64;
  cls.parameterOffsets = {kWOffset, kMOffset, kVOffset};
  cls.build = build;
  program.classes = {cls};
  return runMain(argc, argv, program);
}
