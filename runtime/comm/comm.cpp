//===- comm.cpp - Reduction and batching shared by the communicators ------===//

#include "CommImpl.h"

#include <algorithm>
#include <cstring>
#include <stdexcept>
#include <string>

namespace pxrt {

Communicator::~Communicator() = default;

#ifndef PXRT_HAVE_MPI
std::unique_ptr<Communicator> createMpiWorld(double) { return nullptr; }
#endif

namespace detail {

namespace {

template <typename T> T load(const char *base, size_t i) {
  T value;
  std::memcpy(&value, base + i * sizeof(T), sizeof(T));
  return value;
}

template <typename T> void store(char *base, size_t i, T value) {
  std::memcpy(base + i * sizeof(T), &value, sizeof(T));
}

// Storage type T, accumulator type Acc. Blocks of elements are reduced one
// source at a time (vectorizable), which keeps each element's order of
// operations that of the sources.
template <typename T, typename Acc, typename Widen, typename Narrow,
          typename Combine>
void reduceBlocks(const std::vector<const void *> &sources, void *dest,
                  size_t count, Widen widen, Narrow narrow, Combine combine) {
  constexpr size_t kBlock = 256;
  Acc acc[kBlock];
  char *out = static_cast<char *>(dest);
  for (size_t begin = 0; begin < count; begin += kBlock) {
    size_t n = std::min(kBlock, count - begin);
    const char *first = static_cast<const char *>(sources[0]);
    for (size_t i = 0; i < n; ++i)
      acc[i] = widen(load<T>(first, begin + i));
    for (size_t s = 1; s < sources.size(); ++s) {
      const char *src = static_cast<const char *>(sources[s]);
      for (size_t i = 0; i < n; ++i)
        acc[i] = combine(acc[i], widen(load<T>(src, begin + i)));
    }
    for (size_t i = 0; i < n; ++i)
      store<T>(out, begin + i, narrow(acc[i]));
  }
}

template <typename T, typename Acc, typename Widen, typename Narrow>
void reduceFloat(const std::vector<const void *> &sources, void *dest,
                 size_t count, ReduceOp op, Widen widen, Narrow narrow) {
  if (op == ReduceOp::Sum)
    reduceBlocks<T, Acc>(sources, dest, count, widen, narrow,
                         [](Acc a, Acc b) { return a + b; });
  else
    reduceBlocks<T, Acc>(sources, dest, count, widen, narrow,
                         [](Acc a, Acc b) { return a > b || a != a ? a : b; });
}

// Sums wrap: add as unsigned (signed overflow is undefined).
template <typename T, typename U>
void reduceInt(const std::vector<const void *> &sources, void *dest,
               size_t count, ReduceOp op) {
  auto same = [](T v) { return v; };
  if (op == ReduceOp::Sum)
    reduceBlocks<T, T>(sources, dest, count, same, same, [](T a, T b) {
      return static_cast<T>(static_cast<U>(a) + static_cast<U>(b));
    });
  else
    reduceBlocks<T, T>(sources, dest, count, same, same,
                       [](T a, T b) { return a > b ? a : b; });
}

} // namespace

void reduceInOrder(const std::vector<const void *> &sources, void *dest,
                   size_t count, DType type, ReduceOp op) {
  if (sources.empty() || count == 0)
    return;
  auto same = [](auto v) { return v; };
  switch (type) {
  case DType::F32:
    return reduceFloat<float, float>(sources, dest, count, op, same, same);
  case DType::F64:
    return reduceFloat<double, double>(sources, dest, count, op, same, same);
  case DType::F16:
    return reduceFloat<uint16_t, float>(sources, dest, count, op, halfToFloat,
                                        floatToHalf);
  case DType::BF16:
    return reduceFloat<uint16_t, float>(sources, dest, count, op,
                                        bfloat16ToFloat, floatToBFloat16);
  case DType::I32:
    return reduceInt<int32_t, uint32_t>(sources, dest, count, op);
  case DType::I64:
    return reduceInt<int64_t, uint64_t>(sources, dest, count, op);
  case DType::Bool: {
    auto truth = [](uint8_t v) { return static_cast<uint8_t>(v != 0); };
    return reduceBlocks<uint8_t, uint8_t>(
        sources, dest, count, truth, same,
        [](uint8_t a, uint8_t b) { return static_cast<uint8_t>(a | b); });
  }
  }
  throw std::invalid_argument("reduction of an unknown dtype");
}

void checkCounts(const std::vector<size_t> &counts, int size,
                 const char *what) {
  if (counts.size() != static_cast<size_t>(size))
    throw std::invalid_argument(std::string(what) + ": " +
                                std::to_string(counts.size()) + " counts for " +
                                std::to_string(size) + " ranks");
}

void BatchingCommunicator::groupStart() { ++depth; }

void BatchingCommunicator::groupEnd() {
  if (depth == 0)
    throw std::logic_error("groupEnd() without groupStart()");
  if (--depth > 0 || pending.empty())
    return;
  std::vector<Op> ops;
  ops.swap(pending);
  launch(std::move(ops));
}

void BatchingCommunicator::submit(Op op) {
  if (depth > 0)
    pending.push_back(std::move(op));
  else
    launch({std::move(op)});
}

void BatchingCommunicator::execute(std::vector<Op> &ops) {
  for (Op &op : ops)
    if (op.start)
      op.start();
  for (Op &op : ops)
    if (op.run)
      op.run();
  for (Op &op : ops)
    if (op.finish)
      op.finish();
}

void BatchingCommunicator::launch(std::vector<Op> ops) {
  // A group spanning several streams runs on the first; the others wait
  // for it in both directions, as NCCL orders the streams of a group.
  Stream &first = *ops.front().stream;
  std::vector<Stream *> others;
  for (const Op &op : ops)
    if (op.stream != &first &&
        std::find(others.begin(), others.end(), op.stream) == others.end())
      others.push_back(op.stream);
  for (Stream *other : others) {
    Event before;
    other->record(before);
    first.wait(before);
  }
  auto batch = std::make_shared<std::vector<Op>>(std::move(ops));
  first.enqueue([this, batch] { execute(*batch); });
  Event after;
  first.record(after);
  for (Stream *other : others)
    other->wait(after);
}

} // namespace detail
} // namespace pxrt
