//===- optim_steps.cpp - Runs K optimizer steps for check_optim_torch.py --===//
//
//   pxrt-optim-steps [--optimizer=adamw|sgd] [--lr=X] [--min-lr=X]
//       [--warmup-steps=K] [--decay-steps=K] [--beta1=X] [--beta2=X]
//       [--eps=X] [--weight-decay=X] [--momentum=X] [--dampening=X]
//       [--nesterov] PARAM.npy GRADS.npy OUTDIR
//
// PARAM is f32 [n], GRADS f32 [K, n]: step s uses row s. Writes
// OUTDIR/param.npy and the optimizer state (AdamW: exp_avg.npy and
// exp_avg_sq.npy; SGD: momentum_buffer.npy), updated in place.
//
//===----------------------------------------------------------------------===//

#include "pxrt/io.h"
#include "pxrt/kernels.h"
#include "pxrt/train.h"

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>
#include <vector>

using namespace pxrt;

int main(int argc, char **argv) {
  try {
    train::OptimizerConfig config;
    train::Schedule schedule;
    std::vector<std::string> files;
    for (int i = 1; i < argc; ++i) {
      std::string arg = argv[i];
      if (arg.rfind("--", 0) != 0) {
        files.push_back(arg);
        continue;
      }
      auto eq = arg.find('=');
      std::string flag = arg.substr(0, eq);
      std::string value = eq == std::string::npos ? "" : arg.substr(eq + 1);
      double x = value.empty() || flag == "--optimizer" ? 0 : std::stod(value);
      if (flag == "--optimizer")
        config.optimizer = value;
      else if (flag == "--lr")
        config.lr = x;
      else if (flag == "--min-lr")
        schedule.minLr = x;
      else if (flag == "--warmup-steps")
        schedule.warmupSteps = static_cast<int64_t>(x);
      else if (flag == "--decay-steps")
        schedule.decaySteps = static_cast<int64_t>(x);
      else if (flag == "--beta1")
        config.beta1 = x;
      else if (flag == "--beta2")
        config.beta2 = x;
      else if (flag == "--eps")
        config.eps = x;
      else if (flag == "--weight-decay")
        config.weightDecay = x;
      else if (flag == "--momentum")
        config.momentum = x;
      else if (flag == "--dampening")
        config.dampening = x;
      else if (flag == "--nesterov")
        config.nesterov = true;
      else
        throw std::runtime_error("unknown option " + arg);
    }
    if (files.size() != 3)
      throw std::runtime_error("expected PARAM.npy GRADS.npy OUTDIR");
    train::validate(config, schedule);
    io::Tensor param = io::readTensor(files[0]);
    io::Tensor grads = io::readTensor(files[1]);
    if (param.type != DType::F32 || param.shape.size() != 1 ||
        grads.type != DType::F32 || grads.shape.size() != 2 ||
        grads.shape[1] != param.shape[0])
      throw std::runtime_error("expected f32 [n] and f32 [K, n]");
    int64_t n = param.shape[0], steps = grads.shape[0];
    auto *p = reinterpret_cast<float *>(param.data.data());
    std::vector<float> s1(n, 0), s2(n, 0);
    float hyper[train::kHyperCount];
    for (int64_t s = 0; s < steps; ++s) {
      double lr = train::learningRate(config.lr, schedule, s);
      train::fillHyper(config, lr, s + 1, hyper);
      const float *g =
          reinterpret_cast<const float *>(grads.data.data()) + s * n;
      if (config.optimizer == "adamw")
        cpu::adamw(p, g, s1.data(), s2.data(), p, s1.data(), s2.data(), n,
                   hyper);
      else
        cpu::sgd(p, g, s1.data(), p, s1.data(), n, hyper);
    }
    std::string dir = files[2];
    io::writeTensor(dir + "/param.npy", DType::F32, {n}, p);
    if (config.optimizer == "adamw") {
      io::writeTensor(dir + "/exp_avg.npy", DType::F32, {n}, s1.data());
      io::writeTensor(dir + "/exp_avg_sq.npy", DType::F32, {n}, s2.data());
    } else {
      io::writeTensor(dir + "/momentum_buffer.npy", DType::F32, {n}, s1.data());
    }
    return 0;
  } catch (const std::exception &e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
}
