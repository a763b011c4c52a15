//===- mpi_smoke.cpp - The MPI communicator under mpirun ------------------===//
//
// Run by CTest as `mpirun -np 3 RuntimeMpiSmoke`. Every rank checks the
// collectives' results; reductions must equal, bit for bit, what a LocalJob
// of the same size computes in this process (one answer per transport).
// With --abort, rank 1 aborts while the others wait in a collective: the
// job must end with an error instead of hanging.
//
//===----------------------------------------------------------------------===//

#include "pxrt/comm.h"
#include "pxrt/device.h"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

using namespace pxrt;

namespace {

int failures = 0;
int myRank = 0;

void check(bool ok, const std::string &what) {
  if (ok)
    return;
  ++failures;
  std::fprintf(stderr, "rank %d: FAILED %s\n", myRank, what.c_str());
}

/// Rank r's contribution: float values of mixed magnitudes (the order of a
/// sum matters), stored as `type`.
std::vector<char> contribution(DType type, int rank, size_t count) {
  std::vector<char> buf(count * dtypeSize(type));
  for (size_t i = 0; i < count; ++i) {
    double v = std::sin(static_cast<double>(i * 31 + rank * 7)) *
               (rank % 2 ? 1000 : 0.01);
    char *p = buf.data() + i * dtypeSize(type);
    switch (type) {
    case DType::F32: {
      float f = static_cast<float>(v);
      std::memcpy(p, &f, 4);
      break;
    }
    case DType::F64:
      std::memcpy(p, &v, 8);
      break;
    case DType::F16: {
      uint16_t h = floatToHalf(static_cast<float>(v));
      std::memcpy(p, &h, 2);
      break;
    }
    case DType::BF16: {
      uint16_t h = floatToBFloat16(static_cast<float>(v));
      std::memcpy(p, &h, 2);
      break;
    }
    case DType::I32: {
      int32_t x = static_cast<int32_t>(v * 1e6);
      std::memcpy(p, &x, 4);
      break;
    }
    case DType::I64: {
      int64_t x = static_cast<int64_t>(v * 1e15);
      std::memcpy(p, &x, 8);
      break;
    }
    case DType::Bool:
      *p = v > 0 ? 1 : 0;
      break;
    }
  }
  return buf;
}

/// What a LocalJob of `size` ranks gives rank `rank` for allReduce and
/// reduceScatter of the contributions.
struct LocalAnswers {
  std::vector<char> allReduce;
  std::vector<char> reduceScatter;
};

LocalAnswers localAnswers(int size, int rank, DType type, ReduceOp op,
                          size_t count, const std::vector<size_t> &chunks) {
  LocalJob job(size, 30);
  std::vector<LocalAnswers> answers(size);
  std::vector<std::thread> threads;
  for (int r = 0; r < size; ++r)
    threads.emplace_back([&, r] {
      Stream stream("local");
      std::vector<char> send = contribution(type, r, count);
      answers[r].allReduce.resize(send.size());
      answers[r].reduceScatter.resize(chunks[r] * dtypeSize(type));
      job.world(r).allReduce(send.data(), answers[r].allReduce.data(), count,
                             type, op, stream);
      job.world(r).reduceScatter(send.data(), answers[r].reduceScatter.data(),
                                 chunks, type, op, stream);
      stream.synchronize();
    });
  for (std::thread &t : threads)
    t.join();
  return answers[rank];
}

void checkReductions(Communicator &world, Stream &stream) {
  int n = world.size();
  const size_t count = 1001;
  // Uneven chunks that add up to `count`, one of them empty.
  std::vector<size_t> chunks(n, 0);
  chunks[0] = count;
  if (n > 1) {
    chunks[0] = 600;
    chunks[n - 1] = count - 600;
  }
  for (DType type : {DType::F32, DType::F64, DType::F16, DType::BF16,
                     DType::I32, DType::I64, DType::Bool})
    for (ReduceOp op : {ReduceOp::Sum, ReduceOp::Max}) {
      std::string name = std::string(dtypeName(type)) +
                         (op == ReduceOp::Sum ? " sum" : " max");
      std::vector<char> send = contribution(type, world.rank(), count);
      std::vector<char> reduced(send.size());
      std::vector<char> scattered(chunks[world.rank()] * dtypeSize(type));
      world.allReduce(send.data(), reduced.data(), count, type, op, stream);
      world.reduceScatter(send.data(), scattered.data(), chunks, type, op,
                          stream);
      stream.synchronize();
      LocalAnswers local =
          localAnswers(n, world.rank(), type, op, count, chunks);
      check(reduced == local.allReduce, "allReduce " + name);
      check(scattered == local.reduceScatter, "reduceScatter " + name);
      // In place.
      world.allReduce(send.data(), send.data(), count, type, op, stream);
      stream.synchronize();
      check(send == local.allReduce, "in-place allReduce " + name);
    }
}

void checkDataMovement(Communicator &world, Stream &stream) {
  int n = world.size(), rank = world.rank();
  // allGather with uneven counts (rank 1 contributes nothing).
  std::vector<size_t> counts;
  for (int r = 0; r < n; ++r)
    counts.push_back(r == 1 ? 0 : r + 2);
  std::vector<int64_t> mine(counts[rank], rank * 100);
  std::vector<int64_t> expected;
  for (int r = 0; r < n; ++r)
    expected.insert(expected.end(), counts[r], r * 100);
  std::vector<int64_t> gathered(expected.size(), -1);
  world.allGather(mine.data(), gathered.data(), counts, DType::I64, stream);
  stream.synchronize();
  check(gathered == expected, "allGather");
  // In place.
  std::vector<int64_t> inPlace(expected.size(), -1);
  size_t offset = 0;
  for (int r = 0; r < rank; ++r)
    offset += counts[r];
  std::copy(mine.begin(), mine.end(), inPlace.begin() + offset);
  world.allGather(inPlace.data() + offset, inPlace.data(), counts, DType::I64,
                  stream);
  stream.synchronize();
  check(inPlace == expected, "in-place allGather");

  // allToAll: rank `from` sends (from + to) % 3 values to `to`.
  std::vector<size_t> sendCounts, recvCounts;
  std::vector<int32_t> send, want;
  for (int to = 0; to < n; ++to) {
    sendCounts.push_back((rank + to) % 3);
    send.insert(send.end(), (rank + to) % 3, rank * 10 + to);
  }
  for (int from = 0; from < n; ++from) {
    recvCounts.push_back((from + rank) % 3);
    want.insert(want.end(), (from + rank) % 3, from * 10 + rank);
  }
  std::vector<int32_t> received(want.size(), -1);
  world.allToAll(send.data(), sendCounts, received.data(), recvCounts,
                 DType::I32, stream);
  stream.synchronize();
  check(received == want, "allToAll");

  // broadcast from the last rank.
  std::vector<double> shared(5, rank == n - 1 ? 3.25 : 0);
  world.broadcast(shared.data(), shared.size(), DType::F64, n - 1, stream);
  stream.synchronize();
  check(shared == std::vector<double>(5, 3.25), "broadcast");

  // A ring of sends and receives in one group.
  int next = (rank + 1) % n, prev = (rank + n - 1) % n;
  std::vector<float> out(rank + 1, rank + 0.5f), in(prev + 1, -1);
  world.groupStart();
  world.send(out.data(), out.size(), DType::F32, next, stream);
  world.recv(in.data(), in.size(), DType::F32, prev, stream);
  world.groupEnd();
  stream.synchronize();
  check(in == std::vector<float>(prev + 1, prev + 0.5f), "send/recv ring");
}

void checkSplit(Communicator &world, Stream &stream) {
  int rank = world.rank(), n = world.size();
  std::unique_ptr<Communicator> half = world.split(rank % 2, -rank);
  check(half != nullptr, "split");
  if (!half)
    return;
  int members = (n + 1 - rank % 2) / 2;
  check(half->size() == members, "split size");
  int32_t value = 1 << rank, sum = 0;
  half->allReduce(&value, &sum, 1, DType::I32, ReduceOp::Sum, stream);
  stream.synchronize();
  int32_t want = 0;
  for (int r = rank % 2; r < n; r += 2)
    want += 1 << r;
  check(sum == want, "allReduce in a sub-group");
  // Keys are negated ranks: the highest rank comes first.
  int above = 0;
  for (int r = rank + 2; r < n; r += 2)
    ++above;
  check(half->rank() == above, "split key order");
  check(world.split(-1, 0) == nullptr, "split with a negative color");
}

} // namespace

int main(int argc, char **argv) {
  bool abortMode = argc > 1 && std::string(argv[1]) == "--abort";
  std::unique_ptr<Communicator> world = createMpiWorld(30);
  if (!world) {
    std::fprintf(stderr, "not started by mpirun (or built without MPI)\n");
    return 2;
  }
  myRank = world->rank();
  Stream stream("comm");
  if (abortMode) {
    if (myRank == 1) {
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
      world->abort("rank 1 fails on purpose");
    }
    float x = 1;
    world->allReduce(&x, &x, 1, DType::F32, ReduceOp::Sum, stream);
    stream.synchronize();
    return 0;
  }
  checkReductions(*world, stream);
  checkDataMovement(*world, stream);
  checkSplit(*world, stream);
  std::printf("rank %d of %d: %s\n", myRank, world->size(),
              failures ? "FAILED" : "ok");
  return failures ? 1 : 0;
}
