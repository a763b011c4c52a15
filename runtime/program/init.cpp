//===- init.cpp - Parameter initialization, the same for every layout -----===//
//
// Random initializers are counter-based: element i of a parameter draws from
// a hash of (seed, name, i), so a rank that holds rows [a, b) of a split
// parameter draws exactly the values the serial program draws there.
//
//===----------------------------------------------------------------------===//

#include "Program.h"

#include "pxrt/kernels.h"

#include <cmath>
#include <cstring>
#include <fstream>
#include <stdexcept>

namespace pxrt {

static uint64_t splitmix64(uint64_t x) {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

static uint64_t hashName(const std::string &name) {
  uint64_t hash = 14695981039346656037ull; // FNV-1a
  for (unsigned char c : name) {
    hash ^= c;
    hash *= 1099511628211ull;
  }
  return hash;
}

/// A uniform double in (0, 1) for counter `i` of `stream`.
static double uniform(uint64_t stream, uint64_t i) {
  uint64_t bits = splitmix64(stream ^ splitmix64(i));
  return (static_cast<double>(bits >> 11) + 0.5) * 0x1.0p-53;
}

/// The value of global element `i` of a randomly initialized parameter.
static double drawValue(const ParameterSpec &spec, uint64_t stream,
                        uint64_t i) {
  if (spec.init == ParameterSpec::Init::Uniform)
    return spec.a + (spec.b - spec.a) * uniform(stream, i);
  // Box-Muller on two uniforms of the element's own counters.
  double u1 = uniform(stream, 2 * i), u2 = uniform(stream, 2 * i + 1);
  double z = std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * M_PI * u2);
  return spec.a + spec.b * z;
}

/// Calls `visit(globalIndex, localIndex)` for every element of `box` of a
/// tensor of `shape`, in row-major order of the box.
template <typename F>
static void forEachInBox(const std::vector<int64_t> &shape, const Box &box,
                         F visit) {
  size_t rank = shape.size();
  int64_t count = 1;
  for (int64_t s : box.sizes)
    count *= s;
  std::vector<int64_t> index(rank, 0);
  for (int64_t local = 0; local < count; ++local) {
    int64_t global = 0;
    for (size_t d = 0; d < rank; ++d)
      global = global * shape[d] + box.offsets[d] + index[d];
    visit(global, local);
    for (size_t d = rank; d-- > 0;) {
      if (++index[d] < box.sizes[d])
        break;
      index[d] = 0;
    }
  }
}

void initializeParameter(const ParameterSpec &spec, const Box &box,
                         uint64_t seed, void *dst) {
  const TensorSpec &t = spec.tensor;
  size_t width = dtypeSize(t.type);
  int64_t count = 1;
  for (int64_t s : box.sizes)
    count *= s;
  cpu::TensorView out = cpu::contiguousView(dst, t.type, box.sizes.data(),
                                            static_cast<int>(box.sizes.size()));
  switch (spec.init) {
  case ParameterSpec::Init::Zeros:
    cpu::fill(out, 0);
    return;
  case ParameterSpec::Init::Ones:
    cpu::fill(out, 1);
    return;
  case ParameterSpec::Init::Normal:
  case ParameterSpec::Init::Uniform: {
    // A block draws the values of its place in the whole tensor.
    bool block = !spec.shardOffsets.empty();
    uint64_t stream =
        splitmix64(seed ^ hashName(block ? spec.logicalName : t.name));
    Box at = box;
    for (size_t d = 0; block && d < at.offsets.size(); ++d)
      at.offsets[d] += spec.shardOffsets[d];
    std::vector<double> values(count);
    forEachInBox(block ? spec.logicalShape : t.shape, at,
                 [&](int64_t global, int64_t local) {
                   values[local] = drawValue(spec, stream, global);
                 });
    int64_t n = count;
    cpu::cast(cpu::contiguousView(values.data(), DType::F64, {n}),
              cpu::contiguousView(dst, t.type, {n}));
    return;
  }
  case ParameterSpec::Init::Data: {
    auto *bytes = static_cast<const char *>(spec.data);
    forEachInBox(t.shape, box, [&](int64_t global, int64_t local) {
      std::memcpy(static_cast<char *>(dst) + local * width,
                  bytes + global * width, width);
    });
    return;
  }
  case ParameterSpec::Init::File: {
    std::ifstream file(spec.path, std::ios::binary);
    if (!file)
      throw std::runtime_error("parameter '" + t.name + "': cannot read '" +
                               spec.path + "'");
    // Whole rows of the box are contiguous in the file: read them one run
    // at a time.
    int64_t inner = box.sizes.empty() ? 1 : box.sizes.back();
    forEachInBox(t.shape, box, [&](int64_t global, int64_t local) {
      if (inner > 0 && local % inner != 0)
        return;
      file.seekg(static_cast<std::streamoff>(spec.offset + global * width));
      file.read(static_cast<char *>(dst) + local * width,
                static_cast<std::streamsize>(inner * width));
      if (!file)
        throw std::runtime_error("parameter '" + t.name + "': '" + spec.path +
                                 "' is too short");
    });
    return;
  }
  }
}

} // namespace pxrt
