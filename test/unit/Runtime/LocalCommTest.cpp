//===- LocalCommTest.cpp - Ranks as threads: collectives, groups, errors --===//

#include "pxrt/comm.h"
#include "pxrt/device.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <limits>
#include <thread>

using namespace pxrt;
using Clock = std::chrono::steady_clock;

namespace {

const DType kTypes[] = {DType::F32, DType::F64, DType::F16, DType::BF16,
                        DType::I32, DType::I64, DType::Bool};
const ReduceOp kOps[] = {ReduceOp::Sum, ReduceOp::Max};

using RankFn = std::function<void(int, Communicator &, Stream &)>;

/// Runs `fn` on every rank of `job`, each on its own thread with its own
/// stream; returns what each rank threw.
std::vector<std::exception_ptr> runRanks(LocalJob &job, int size, RankFn fn) {
  std::vector<std::exception_ptr> errors(size);
  std::vector<std::thread> threads;
  for (int rank = 0; rank < size; ++rank)
    threads.emplace_back([&, rank] {
      try {
        Stream stream("comm" + std::to_string(rank));
        fn(rank, job.world(rank), stream);
      } catch (...) {
        errors[rank] = std::current_exception();
      }
    });
  for (std::thread &thread : threads)
    thread.join();
  return errors;
}

void expectNoErrors(const std::vector<std::exception_ptr> &errors) {
  for (size_t rank = 0; rank < errors.size(); ++rank) {
    if (!errors[rank])
      continue;
    try {
      std::rethrow_exception(errors[rank]);
    } catch (const std::exception &e) {
      ADD_FAILURE() << "rank " << rank << ": " << e.what();
    }
  }
}

std::string whatOf(const std::exception_ptr &error) {
  try {
    std::rethrow_exception(error);
  } catch (const std::exception &e) {
    return e.what();
  }
  return "";
}

bool isCommError(const std::exception_ptr &error) {
  try {
    std::rethrow_exception(error);
  } catch (const CommError &) {
    return true;
  } catch (...) {
    return false;
  }
}

// Typed element access in byte buffers.
void setValue(DType type, std::vector<char> &buf, size_t i, double v) {
  char *p = buf.data() + i * dtypeSize(type);
  switch (type) {
  case DType::F32: {
    float f = static_cast<float>(v);
    std::memcpy(p, &f, 4);
    return;
  }
  case DType::F64:
    std::memcpy(p, &v, 8);
    return;
  case DType::F16: {
    uint16_t h = floatToHalf(static_cast<float>(v));
    std::memcpy(p, &h, 2);
    return;
  }
  case DType::BF16: {
    uint16_t h = floatToBFloat16(static_cast<float>(v));
    std::memcpy(p, &h, 2);
    return;
  }
  case DType::I32: {
    int32_t x = static_cast<int32_t>(v);
    std::memcpy(p, &x, 4);
    return;
  }
  case DType::I64: {
    int64_t x = static_cast<int64_t>(v);
    std::memcpy(p, &x, 8);
    return;
  }
  case DType::Bool:
    *p = static_cast<char>(static_cast<int>(v));
    return;
  }
}

/// Rank r's element i: mixed magnitudes so that the order of a float sum
/// matters, integer sums that overflow (they must wrap), Bools that are
/// not 0/1.
double valueOf(DType type, int rank, size_t i) {
  double base = static_cast<double>((i * 7 + rank * 13) % 17) - 8;
  switch (type) {
  case DType::F32:
  case DType::F64:
  case DType::F16:
  case DType::BF16:
    return base * 0.37 * (rank % 3 == 1 ? 1000 : rank % 3 == 2 ? 0.001 : 1);
  case DType::I32:
    return base * 3e8;
  case DType::I64:
    return base * 1.1e18;
  case DType::Bool:
    return (i + rank) % 3 == 0 ? rank + 1 : 0;
  }
  return 0;
}

std::vector<char> rankBuffer(DType type, int rank, size_t count,
                             size_t first = 0) {
  std::vector<char> buf(count * dtypeSize(type));
  for (size_t i = 0; i < count; ++i)
    setValue(type, buf, i, valueOf(type, rank, first + i));
  return buf;
}

template <typename T> T get(const std::vector<char> &buf, size_t i) {
  T v;
  std::memcpy(&v, buf.data() + i * sizeof(T), sizeof(T));
  return v;
}

template <typename T> void put(std::vector<char> &buf, size_t i, T v) {
  std::memcpy(buf.data() + i * sizeof(T), &v, sizeof(T));
}

template <typename A> A combine(A a, A b, ReduceOp op) {
  if (op == ReduceOp::Sum)
    return a + b;
  return a > b || a != a ? a : b;
}

/// The specification: a left fold over ranks in rank order, per element.
std::vector<char> reference(DType type, ReduceOp op,
                            const std::vector<std::vector<char>> &inputs,
                            size_t first, size_t count) {
  std::vector<char> out(count * dtypeSize(type));
  for (size_t i = 0; i < count; ++i) {
    size_t at = first + i;
    switch (type) {
    case DType::F32: {
      float acc = get<float>(inputs[0], at);
      for (size_t r = 1; r < inputs.size(); ++r)
        acc = combine(acc, get<float>(inputs[r], at), op);
      put(out, i, acc);
      break;
    }
    case DType::F64: {
      double acc = get<double>(inputs[0], at);
      for (size_t r = 1; r < inputs.size(); ++r)
        acc = combine(acc, get<double>(inputs[r], at), op);
      put(out, i, acc);
      break;
    }
    case DType::F16:
    case DType::BF16: {
      auto widen = type == DType::F16 ? halfToFloat : bfloat16ToFloat;
      auto narrow = type == DType::F16 ? floatToHalf : floatToBFloat16;
      float acc = widen(get<uint16_t>(inputs[0], at));
      for (size_t r = 1; r < inputs.size(); ++r)
        acc = combine(acc, widen(get<uint16_t>(inputs[r], at)), op);
      put(out, i, narrow(acc));
      break;
    }
    case DType::I32: {
      int32_t acc = get<int32_t>(inputs[0], at);
      for (size_t r = 1; r < inputs.size(); ++r) {
        int32_t b = get<int32_t>(inputs[r], at);
        acc = op == ReduceOp::Sum
                  ? static_cast<int32_t>(static_cast<uint32_t>(acc) +
                                         static_cast<uint32_t>(b))
                  : std::max(acc, b);
      }
      put(out, i, acc);
      break;
    }
    case DType::I64: {
      int64_t acc = get<int64_t>(inputs[0], at);
      for (size_t r = 1; r < inputs.size(); ++r) {
        int64_t b = get<int64_t>(inputs[r], at);
        acc = op == ReduceOp::Sum
                  ? static_cast<int64_t>(static_cast<uint64_t>(acc) +
                                         static_cast<uint64_t>(b))
                  : std::max(acc, b);
      }
      put(out, i, acc);
      break;
    }
    case DType::Bool: {
      bool any = false;
      for (const auto &input : inputs)
        any = any || input[at] != 0;
      out[i] = any ? 1 : 0;
      break;
    }
    }
  }
  return out;
}

std::string caseName(DType type, ReduceOp op, size_t count, int size) {
  return std::string(dtypeName(type)) +
         (op == ReduceOp::Sum ? " sum" : " max") + " count " +
         std::to_string(count) + " on " + std::to_string(size) + " ranks";
}

class Ranks : public ::testing::TestWithParam<int> {};

TEST_P(Ranks, AllReduceEveryTypeAndOpIsRankOrderedAndBitIdentical) {
  const int n = GetParam();
  const size_t counts[] = {0, 1, 7, 1001};
  LocalJob job(n, 60);
  // results[rank][case]
  std::vector<std::vector<std::vector<char>>> results(n);
  expectNoErrors(
      runRanks(job, n, [&](int rank, Communicator &comm, Stream &stream) {
        EXPECT_EQ(comm.rank(), rank);
        EXPECT_EQ(comm.size(), n);
        for (DType type : kTypes)
          for (ReduceOp op : kOps)
            for (size_t count : counts) {
              std::vector<char> send = rankBuffer(type, rank, count);
              std::vector<char> recv(send.size() + 1, 'x');
              comm.allReduce(send.data(), recv.data(), count, type, op, stream);
              stream.synchronize();
              EXPECT_EQ(recv.back(), 'x'); // nothing written past the end
              recv.pop_back();
              results[rank].push_back(recv);
            }
      }));
  size_t index = 0;
  for (DType type : kTypes)
    for (ReduceOp op : kOps)
      for (size_t count : counts) {
        std::vector<std::vector<char>> inputs;
        for (int r = 0; r < n; ++r)
          inputs.push_back(rankBuffer(type, r, count));
        std::vector<char> expected = reference(type, op, inputs, 0, count);
        for (int r = 0; r < n; ++r)
          EXPECT_EQ(results[r][index], expected)
              << caseName(type, op, count, n) << ", rank " << r;
        ++index;
      }
}

TEST_P(Ranks, AllReduceInPlace) {
  const int n = GetParam();
  LocalJob job(n, 60);
  expectNoErrors(
      runRanks(job, n, [&](int rank, Communicator &comm, Stream &stream) {
        std::vector<double> data(100);
        for (size_t i = 0; i < data.size(); ++i)
          data[i] = rank * 100.0 + i;
        comm.allReduce(data.data(), data.data(), data.size(), DType::F64,
                       ReduceOp::Max, stream);
        stream.synchronize();
        for (size_t i = 0; i < data.size(); ++i)
          EXPECT_EQ(data[i], (n - 1) * 100.0 + i);
      }));
}

std::vector<size_t> unevenCounts(int n, std::vector<size_t> pattern) {
  pattern.resize(n);
  return pattern;
}

TEST_P(Ranks, AllGatherUnevenEveryType) {
  const int n = GetParam();
  std::vector<size_t> counts = unevenCounts(n, {3, 0, 5, 1});
  size_t total = 0;
  for (size_t c : counts)
    total += c;
  LocalJob job(n, 60);
  expectNoErrors(
      runRanks(job, n, [&](int rank, Communicator &comm, Stream &stream) {
        for (DType type : kTypes) {
          size_t es = dtypeSize(type);
          std::vector<char> send = rankBuffer(type, rank, counts[rank]);
          std::vector<char> recv(total * es);
          comm.allGather(send.data(), recv.data(), counts, type, stream);
          stream.synchronize();
          std::vector<char> expected;
          for (int r = 0; r < n; ++r) {
            std::vector<char> chunk = rankBuffer(type, r, counts[r]);
            expected.insert(expected.end(), chunk.begin(), chunk.end());
          }
          EXPECT_EQ(recv, expected) << dtypeName(type);

          // In place: the send buffer is this rank's chunk of recv.
          std::vector<char> inPlace(total * es);
          size_t offset = 0;
          for (int r = 0; r < rank; ++r)
            offset += counts[r];
          std::copy(send.begin(), send.end(), inPlace.begin() + offset * es);
          comm.allGather(inPlace.data() + offset * es, inPlace.data(), counts,
                         type, stream);
          stream.synchronize();
          EXPECT_EQ(inPlace, expected) << dtypeName(type) << " in place";
        }
      }));
}

TEST_P(Ranks, ReduceScatterUnevenEveryTypeAndOp) {
  const int n = GetParam();
  std::vector<size_t> counts = unevenCounts(n, {2, 5, 0, 3});
  std::vector<size_t> offsets(n + 1, 0);
  for (int r = 0; r < n; ++r)
    offsets[r + 1] = offsets[r] + counts[r];
  size_t total = offsets[n];
  LocalJob job(n, 60);
  std::vector<std::vector<std::vector<char>>> results(n);
  expectNoErrors(
      runRanks(job, n, [&](int rank, Communicator &comm, Stream &stream) {
        for (DType type : kTypes)
          for (ReduceOp op : kOps) {
            std::vector<char> send = rankBuffer(type, rank, total);
            std::vector<char> recv(counts[rank] * dtypeSize(type));
            comm.reduceScatter(send.data(), recv.data(), counts, type, op,
                               stream);
            // recv may overlap send: the result lands at its start.
            comm.reduceScatter(send.data(), send.data(), counts, type, op,
                               stream);
            stream.synchronize();
            EXPECT_TRUE(std::equal(recv.begin(), recv.end(), send.begin()))
                << dtypeName(type) << " overlapping";
            results[rank].push_back(recv);
          }
      }));
  size_t index = 0;
  for (DType type : kTypes)
    for (ReduceOp op : kOps) {
      std::vector<std::vector<char>> inputs;
      for (int r = 0; r < n; ++r)
        inputs.push_back(rankBuffer(type, r, total));
      for (int r = 0; r < n; ++r)
        EXPECT_EQ(results[r][index],
                  reference(type, op, inputs, offsets[r], counts[r]))
            << caseName(type, op, counts[r], n) << ", rank " << r;
      ++index;
    }
}

TEST_P(Ranks, AllToAllUneven) {
  const int n = GetParam();
  // sendCounts of rank `from` to rank `to`, zeros included.
  auto amount = [](int from, int to) {
    return static_cast<size_t>((from + 2 * to) % 3);
  };
  LocalJob job(n, 60);
  expectNoErrors(
      runRanks(job, n, [&](int rank, Communicator &comm, Stream &stream) {
        std::vector<size_t> sendCounts, recvCounts;
        std::vector<int32_t> send, expected;
        for (int to = 0; to < n; ++to) {
          sendCounts.push_back(amount(rank, to));
          for (size_t j = 0; j < amount(rank, to); ++j)
            send.push_back(rank * 1000 + to * 100 + static_cast<int32_t>(j));
        }
        for (int from = 0; from < n; ++from) {
          recvCounts.push_back(amount(from, rank));
          for (size_t j = 0; j < amount(from, rank); ++j)
            expected.push_back(from * 1000 + rank * 100 +
                               static_cast<int32_t>(j));
        }
        std::vector<int32_t> recv(expected.size(), -1);
        comm.allToAll(send.data(), sendCounts, recv.data(), recvCounts,
                      DType::I32, stream);
        stream.synchronize();
        EXPECT_EQ(recv, expected);
      }));
}

TEST_P(Ranks, BroadcastFromEveryRoot) {
  const int n = GetParam();
  LocalJob job(n, 60);
  expectNoErrors(
      runRanks(job, n, [&](int rank, Communicator &comm, Stream &stream) {
        for (int root = 0; root < n; ++root)
          for (DType type : {DType::F64, DType::BF16, DType::Bool}) {
            std::vector<char> buf = rankBuffer(type, rank, 9);
            comm.broadcast(buf.data(), 9, type, root, stream);
            stream.synchronize();
            EXPECT_EQ(buf, rankBuffer(type, root, 9))
                << dtypeName(type) << " root " << root;
          }
      }));
}

TEST_P(Ranks, GroupedRingOfSendsAndReceives) {
  const int n = GetParam();
  LocalJob job(n, 60);
  expectNoErrors(
      runRanks(job, n, [&](int rank, Communicator &comm, Stream &stream) {
        // Rank r sends r + 1 values to r + 1; everyone sends before receiving,
        // which only the group makes safe.
        int next = (rank + 1) % n;
        int prev = (rank + n - 1) % n;
        std::vector<int64_t> out(rank + 1, rank * 10);
        std::vector<int64_t> in(prev + 1, -1);
        comm.groupStart();
        comm.send(out.data(), out.size(), DType::I64, next, stream);
        comm.recv(in.data(), in.size(), DType::I64, prev, stream);
        comm.groupEnd();
        stream.synchronize();
        EXPECT_EQ(in, std::vector<int64_t>(prev + 1, prev * 10));
      }));
}

INSTANTIATE_TEST_SUITE_P(LocalJob, Ranks, ::testing::Values(1, 2, 3, 4));

TEST(LocalComm, OrderedSendAndReceiveWithoutAGroup) {
  LocalJob job(4, 60);
  expectNoErrors(
      runRanks(job, 4, [&](int rank, Communicator &comm, Stream &stream) {
        int peer = rank ^ 1;
        float mine[3] = {rank + 0.5f, rank + 1.5f, rank + 2.5f};
        float theirs[3] = {};
        float again[1] = {};
        if (rank % 2 == 0) {
          comm.send(mine, 3, DType::F32, peer, stream);
          comm.recv(theirs, 3, DType::F32, peer, stream);
          comm.send(mine, 1, DType::F32, peer, stream);
        } else {
          comm.recv(theirs, 3, DType::F32, peer, stream);
          comm.send(mine, 3, DType::F32, peer, stream);
          comm.recv(again, 1, DType::F32, peer, stream);
        }
        stream.synchronize();
        for (int i = 0; i < 3; ++i)
          EXPECT_EQ(theirs[i], peer + 0.5f + i);
        if (rank % 2 == 1) {
          EXPECT_EQ(again[0], peer + 0.5f);
        }
      }));
}

TEST(LocalComm, UngroupedSendsThatWaitForEachOtherTimeOut) {
  LocalJob job(2, 0.3);
  Clock::time_point start = Clock::now();
  std::vector<std::exception_ptr> errors =
      runRanks(job, 2, [&](int rank, Communicator &comm, Stream &stream) {
        int32_t out = rank, in = -1;
        comm.send(&out, 1, DType::I32, 1 - rank, stream);
        comm.recv(&in, 1, DType::I32, 1 - rank, stream);
        stream.synchronize();
      });
  EXPECT_LT(Clock::now() - start, std::chrono::seconds(5));
  for (int rank = 0; rank < 2; ++rank) {
    ASSERT_TRUE(errors[rank]);
    EXPECT_TRUE(isCommError(errors[rank]));
    EXPECT_NE(whatOf(errors[rank]).find("timed out"), std::string::npos)
        << whatOf(errors[rank]);
  }
}

TEST(LocalComm, GroupAcrossTwoStreams) {
  LocalJob job(2, 60);
  expectNoErrors(
      runRanks(job, 2, [&](int rank, Communicator &comm, Stream &stream) {
        Stream other("other");
        double out = rank + 1, in = 0;
        double sum[2] = {rank * 1.0, 10.0};
        comm.groupStart();
        comm.send(&out, 1, DType::F64, 1 - rank, stream);
        comm.allReduce(sum, sum, 2, DType::F64, ReduceOp::Sum, other);
        comm.recv(&in, 1, DType::F64, 1 - rank, other);
        comm.groupEnd();
        // Work on `other` after the group sees its results.
        double seen = 0;
        other.enqueue([&] { seen = in; });
        other.synchronize();
        stream.synchronize();
        EXPECT_EQ(seen, 2 - rank);
        EXPECT_EQ(sum[0], 1.0);
        EXPECT_EQ(sum[1], 20.0);
      }));
}

TEST(LocalComm, SplitIntoMeshAxes) {
  // A 2x2 mesh: rank = 2 * row + column.
  LocalJob job(4, 60);
  expectNoErrors(
      runRanks(job, 4, [&](int rank, Communicator &comm, Stream &stream) {
        int row = rank / 2, column = rank % 2;
        std::unique_ptr<Communicator> rowComm = comm.split(row, column);
        std::unique_ptr<Communicator> columnComm = comm.split(column, row);
        ASSERT_TRUE(rowComm && columnComm);
        EXPECT_EQ(rowComm->size(), 2);
        EXPECT_EQ(rowComm->rank(), column);
        EXPECT_EQ(columnComm->size(), 2);
        EXPECT_EQ(columnComm->rank(), row);

        int32_t value = 1 << rank;
        int32_t rowSum = 0, columnSum = 0;
        rowComm->allReduce(&value, &rowSum, 1, DType::I32, ReduceOp::Sum,
                           stream);
        columnComm->allReduce(&value, &columnSum, 1, DType::I32, ReduceOp::Sum,
                              stream);
        stream.synchronize();
        EXPECT_EQ(rowSum, (1 << (2 * row)) + (1 << (2 * row + 1)));
        EXPECT_EQ(columnSum, (1 << column) + (1 << (column + 2)));

        // Gather along the column: chunks in sub-group rank order.
        std::vector<size_t> counts = {1, 2};
        std::vector<int32_t> mine(counts[row], rank);
        std::vector<int32_t> all(3);
        columnComm->allGather(mine.data(), all.data(), counts, DType::I32,
                              stream);
        stream.synchronize();
        EXPECT_EQ(all, (std::vector<int32_t>{column, column + 2, column + 2}));

        // Keys order the sub-group; ties fall back to the parent's ranks.
        std::unique_ptr<Communicator> reversed = comm.split(7, -rank);
        EXPECT_EQ(reversed->rank(), 3 - rank);
        std::unique_ptr<Communicator> tied = comm.split(0, 0);
        EXPECT_EQ(tied->rank(), rank);
        // A sub-group of a sub-group.
        std::unique_ptr<Communicator> single = rowComm->split(column, 0);
        EXPECT_EQ(single->size(), 1);
        // Negative colors are left out.
        std::unique_ptr<Communicator> some = comm.split(rank == 3 ? -1 : 0, 0);
        EXPECT_EQ(some == nullptr, rank == 3);
        if (some) {
          EXPECT_EQ(some->size(), 3);
        }
      }));
}

TEST(LocalComm, SubGroupResultsAreBitIdenticalToTheWorld) {
  // A split with one color is the same group: same chunks, same bits.
  LocalJob job(3, 60);
  std::vector<std::vector<float>> world(3), copy(3);
  expectNoErrors(
      runRanks(job, 3, [&](int rank, Communicator &comm, Stream &stream) {
        std::unique_ptr<Communicator> dup = comm.split(0, rank);
        std::vector<float> send(257);
        for (size_t i = 0; i < send.size(); ++i)
          send[i] =
              std::sin(static_cast<float>(i * (rank + 1))) * (rank + 1e-3f);
        world[rank].resize(send.size());
        copy[rank].resize(send.size());
        comm.allReduce(send.data(), world[rank].data(), send.size(), DType::F32,
                       ReduceOp::Sum, stream);
        dup->allReduce(send.data(), copy[rank].data(), send.size(), DType::F32,
                       ReduceOp::Sum, stream);
        stream.synchronize();
      }));
  for (int rank = 0; rank < 3; ++rank) {
    EXPECT_EQ(
        std::memcmp(world[rank].data(), world[0].data(), world[0].size() * 4),
        0);
    EXPECT_EQ(
        std::memcmp(copy[rank].data(), world[0].data(), world[0].size() * 4),
        0);
  }
}

TEST(LocalComm, HalfPrecisionAccumulatesInFloat) {
  // 2048 + 1 + 1: in half precision each step rounds back to 2048; in
  // float the sum is 2050, which half precision represents.
  LocalJob job(3, 60);
  expectNoErrors(
      runRanks(job, 3, [&](int rank, Communicator &comm, Stream &stream) {
        uint16_t half = floatToHalf(rank == 0 ? 2048.0f : 1.0f);
        uint16_t brain = floatToBFloat16(rank == 0 ? 256.0f : 1.0f);
        comm.allReduce(&half, &half, 1, DType::F16, ReduceOp::Sum, stream);
        comm.allReduce(&brain, &brain, 1, DType::BF16, ReduceOp::Sum, stream);
        stream.synchronize();
        EXPECT_EQ(halfToFloat(half), 2050.0f);
        EXPECT_EQ(bfloat16ToFloat(brain), 258.0f);
      }));
}

TEST(LocalComm, MaxPropagatesNaN) {
  LocalJob job(3, 60);
  expectNoErrors(
      runRanks(job, 3, [&](int rank, Communicator &comm, Stream &stream) {
        float values[2] = {rank == 1 ? std::nanf("") : 1.0f,
                           rank == 0 ? std::nanf("") : 2.0f};
        comm.allReduce(values, values, 2, DType::F32, ReduceOp::Max, stream);
        stream.synchronize();
        EXPECT_TRUE(std::isnan(values[0]));
        EXPECT_TRUE(std::isnan(values[1]));
      }));
}

TEST(LocalComm, TimeoutAbortsTheJob) {
  LocalJob job(2, 0.3);
  Clock::time_point start = Clock::now();
  std::vector<std::exception_ptr> errors =
      runRanks(job, 2, [&](int rank, Communicator &comm, Stream &stream) {
        float x = 1;
        if (rank == 1) {
          // Arrives long after rank 0 gave up: the job is aborted by then.
          std::this_thread::sleep_for(std::chrono::seconds(1));
        }
        comm.allReduce(&x, &x, 1, DType::F32, ReduceOp::Sum, stream);
        stream.synchronize();
      });
  EXPECT_LT(Clock::now() - start, std::chrono::seconds(5));
  ASSERT_TRUE(errors[0] && errors[1]);
  EXPECT_TRUE(isCommError(errors[0]));
  EXPECT_TRUE(isCommError(errors[1]));
  EXPECT_NE(whatOf(errors[0]).find("rank 0 timed out"), std::string::npos)
      << whatOf(errors[0]);
  EXPECT_NE(whatOf(errors[1]).find("rank 0 timed out"), std::string::npos)
      << whatOf(errors[1]);
}

TEST(LocalComm, AbortWakesEveryWaiterOfTheJob) {
  // Ranks 0 and 1 wait in collectives of the world and of a sub-group;
  // rank 2 dies and aborts through a sub-communicator. Everyone fails with
  // CommError within seconds (the timeout is a minute).
  LocalJob job(3, 60);
  Clock::time_point start = Clock::now();
  std::vector<std::exception_ptr> errors =
      runRanks(job, 3, [&](int rank, Communicator &comm, Stream &stream) {
        std::unique_ptr<Communicator> pair = comm.split(rank < 2 ? 0 : 1, 0);
        float x = 1;
        if (rank == 0) {
          comm.allReduce(&x, &x, 1, DType::F32, ReduceOp::Sum, stream);
        } else if (rank == 1) {
          int32_t in;
          pair->recv(&in, 1, DType::I32, 0, stream);
        } else {
          std::this_thread::sleep_for(std::chrono::milliseconds(50));
          pair->abort("rank 2 crashed");
          throw std::runtime_error("crashed");
        }
        stream.synchronize();
      });
  EXPECT_LT(Clock::now() - start, std::chrono::seconds(5));
  for (int rank = 0; rank < 2; ++rank) {
    ASSERT_TRUE(errors[rank]);
    EXPECT_TRUE(isCommError(errors[rank]));
    EXPECT_NE(whatOf(errors[rank]).find("rank 2 crashed"), std::string::npos)
        << whatOf(errors[rank]);
  }
  // Later operations fail at once.
  Stream stream("late");
  float y = 0;
  job.world(0).allReduce(&y, &y, 1, DType::F32, ReduceOp::Sum, stream);
  EXPECT_THROW(stream.synchronize(), CommError);
}

TEST(LocalComm, MismatchedCallsFailOnEveryRank) {
  LocalJob job(3, 60);
  std::vector<std::exception_ptr> errors =
      runRanks(job, 3, [&](int rank, Communicator &comm, Stream &stream) {
        std::vector<float> data(8);
        comm.allReduce(data.data(), data.data(), rank == 1 ? 5 : 4, DType::F32,
                       ReduceOp::Sum, stream);
        stream.synchronize();
      });
  for (int rank = 0; rank < 3; ++rank) {
    ASSERT_TRUE(errors[rank]);
    EXPECT_TRUE(isCommError(errors[rank]));
    EXPECT_NE(whatOf(errors[rank]).find("mismatched"), std::string::npos)
        << whatOf(errors[rank]);
  }
}

TEST(LocalComm, MismatchedAllToAllCountsFail) {
  LocalJob job(2, 60);
  std::vector<std::exception_ptr> errors =
      runRanks(job, 2, [&](int rank, Communicator &comm, Stream &stream) {
        std::vector<int32_t> send(4), recv(4);
        comm.allToAll(send.data(), {1, 1}, recv.data(),
                      rank == 0 ? std::vector<size_t>{1, 2}
                                : std::vector<size_t>{1, 1},
                      DType::I32, stream);
        stream.synchronize();
      });
  for (int rank = 0; rank < 2; ++rank)
    EXPECT_TRUE(errors[rank] && isCommError(errors[rank]));
}

TEST(LocalComm, BadArgumentsAreRejectedWhenCalled) {
  LocalJob job(2, 60);
  Stream stream("s");
  Communicator &comm = job.world(0);
  float x[4];
  EXPECT_THROW(comm.allGather(x, x, {1, 1, 1}, DType::F32, stream),
               std::invalid_argument);
  EXPECT_THROW(comm.reduceScatter(x, x, {1}, DType::F32, ReduceOp::Sum, stream),
               std::invalid_argument);
  EXPECT_THROW(comm.send(x, 1, DType::F32, 2, stream), std::invalid_argument);
  EXPECT_THROW(comm.broadcast(x, 1, DType::F32, -1, stream),
               std::invalid_argument);
  EXPECT_THROW(comm.groupEnd(), std::logic_error);
  EXPECT_THROW(job.world(2), std::invalid_argument);
  EXPECT_THROW(LocalJob(0), std::invalid_argument);
}

TEST(LocalComm, MpiWorldIsNullOutsideMpirun) {
  for (const char *name : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_RANK"})
    unsetenv(name);
  EXPECT_EQ(createMpiWorld(), nullptr);
}

} // namespace
