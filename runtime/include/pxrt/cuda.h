//===- cuda.h - The CUDA device of libpxrt ----------------------*- C++ -*-===//
//
// libpxrt_cuda: what programs of pxc's CUDA target (--target=cuda) run on.
// The actor engine stays on the host; every pxrt::Stream worker thread owns
// one CUDA stream (created on first use), so actors of different pxrt
// streams (compute, comm, send/recv) overlap on the GPU as they do on the
// CPU. Kernels have the semantics of pxrt::cpu's (same names and views, so
// the generated code is the CPU target's with `using namespace pxrt::cuda`)
// and are enqueued on the calling thread's stream.
//
// Memory: a rank's registers keep the offsets px-plan-memory gave them, in
// a device arena mirroring the engine's host arena (ArenaMirror); the host
// arena holds the initialized parameters that are uploaded once, and pinned
// staging buffers carry inputs and outputs.
//
//===----------------------------------------------------------------------===//

#ifndef PXRT_CUDA_H
#define PXRT_CUDA_H

#include "pxrt/comm.h"
#include "pxrt/device.h"
#include "pxrt/kernels.h"

#include <cuda_runtime_api.h>

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace pxrt::cuda {

// Enums and chunk arithmetic are the CPU kernels'.
using cpu::BinaryOp;
using cpu::chunkOffset;
using cpu::chunkSize;
using cpu::CompareOp;
using cpu::LossReduction;
using cpu::ReduceKind;
using cpu::UnaryOp;

/// A view of device memory: the CPU's view, as a type of its own so that
/// overload resolution picks these kernels (argument-dependent lookup also
/// finds pxrt::cpu's for the base class, but they need a conversion).
struct TensorView : cpu::TensorView {
  TensorView() = default;
  explicit TensorView(const cpu::TensorView &view) : cpu::TensorView(view) {}
};

/// pxrt::cpu's view arithmetic (host-side) for device views.
inline TensorView contiguousView(const void *data, DType type,
                                 const int64_t *shape, int rank) {
  return TensorView(cpu::contiguousView(data, type, shape, rank));
}
inline TensorView contiguousView(const void *data, DType type,
                                 std::initializer_list<int64_t> shape) {
  return TensorView(cpu::contiguousView(data, type, shape));
}
inline TensorView permuteView(const TensorView &view,
                              const std::vector<int64_t> &perm) {
  return TensorView(cpu::permuteView(view, perm));
}
inline TensorView sliceView(const TensorView &view,
                            const std::vector<int64_t> &offsets,
                            const std::vector<int64_t> &sizes,
                            const std::vector<int64_t> &strides) {
  return TensorView(cpu::sliceView(view, offsets, sizes, strides));
}
inline TensorView broadcastView(const TensorView &view, const int64_t *shape,
                                int rank) {
  return TensorView(cpu::broadcastView(view, shape, rank));
}

//===----------------------------------------------------------------------===//
// Device, streams, memory
//===----------------------------------------------------------------------===//

/// Throws std::runtime_error("`what`: <CUDA's message>") unless `status` is
/// cudaSuccess.
void check(cudaError_t status, const char *what);

/// The device of a process with local rank `localRank` (LOCAL_RANK of
/// torchrun, OMPI_COMM_WORLD_LOCAL_RANK of mpirun; null: 0) on a machine
/// with `devices` GPUs: one GPU per process, round robin.
int deviceForLocalRank(const char *localRank, int devices);
/// This process's device (deviceForLocalRank from the environment).
int processDevice();

/// The calling thread's CUDA stream, on processDevice().
cudaStream_t currentStream();
/// Waits until the calling thread's stream has run its work; throws on an
/// error of that work.
void synchronize();

/// Device memory of `bytes` (freed by the destructor).
class DeviceBuffer {
public:
  explicit DeviceBuffer(size_t bytes);
  ~DeviceBuffer();
  DeviceBuffer(const DeviceBuffer &) = delete;
  DeviceBuffer &operator=(const DeviceBuffer &) = delete;
  char *data() const { return pointer; }
  size_t size() const { return bytes; }

private:
  char *pointer = nullptr;
  size_t bytes = 0;
};

/// Temporary device memory from the calling thread's stream-ordered pool
/// (cudaMallocAsync): usable by work enqueued on that stream after the
/// constructor, released after the work enqueued before the destructor,
/// without synchronizing the device as cudaFree does.
class StreamBuffer {
public:
  explicit StreamBuffer(size_t bytes);
  ~StreamBuffer();
  StreamBuffer(const StreamBuffer &) = delete;
  StreamBuffer &operator=(const StreamBuffer &) = delete;
  char *data() const { return pointer; }

private:
  char *pointer = nullptr;
  cudaStream_t stream = nullptr;
};

/// The device arena of a rank: host arena offset k is device address
/// `device + k`. The actor engine hands its actors slots of the host arena;
/// the generated code translates them with toDevice().
class ArenaMirror {
public:
  ArenaMirror(const char *host, char *device, size_t bytes)
      : host(host), deviceBase(device), bytes(bytes) {}
  /// std::out_of_range unless `hostAddress` lies in the host arena (its end
  /// included, for empty slots).
  void *toDevice(const void *hostAddress) const;
  char *device() const { return deviceBase; }

private:
  const char *host;
  char *deviceBase;
  size_t bytes;
};

/// How a rank's acts order their device work. The actor engine starts an
/// act once the acts it depends on have returned, when their kernels may
/// still be running. Acts of the "compute" stream follow each other on its
/// CUDA stream and wait for nothing. Any other act (communication,
/// transfers, inputs and outputs) first makes its stream wait for the
/// compute work launched so far, and completes only once its own work has
/// run, so what it reads is written and what it hands on is done.
class ActOrder {
public:
  ActOrder() = default;
  ~ActOrder();
  ActOrder(const ActOrder &) = delete;
  ActOrder &operator=(const ActOrder &) = delete;
  /// Before an act's body, on its stream's thread.
  void begin(const Stream &stream);
  /// After the body: enqueues the act's end on `stream`, after whatever
  /// the body enqueued there.
  void end(Stream &stream);

private:
  std::mutex mutex;
  /// Recorded after every compute act.
  cudaEvent_t computeDone = nullptr;
};

/// A rank's device state: its arena and the order of its acts.
struct DeviceRank {
  DeviceRank(const char *host, char *device, size_t bytes)
      : arena(host, device, bytes) {}
  ArenaMirror arena;
  ActOrder order;
};

/// Allocates the device arena for the host arena `host` of `bytes` and
/// uploads the host arena (initialized parameters, zeros elsewhere); the
/// rank's state lives until the process exits.
DeviceRank &deviceRank(const char *host, size_t bytes);

/// The calling thread's pinned host buffer, grown to at least `bytes`.
void *pinnedStaging(size_t bytes);
/// Synchronous copies on the calling thread's stream.
void copyToDevice(void *device, const void *host, size_t bytes);
void copyToHost(void *host, const void *device, size_t bytes);

/// A device copy of constant host data, uploaded on first use (keyed by
/// `host`, which must outlive the program: the generated code's arrays).
const void *deviceConstant(const void *host, size_t bytes);

//===----------------------------------------------------------------------===//
// Kernels: pxrt::cpu's semantics on device memory (see pxrt/kernels.h).
// exp, tanh, erf, sigmoid and GELU are pxrt/math.h's as on the CPU (the
// same bits); log, sin, cos and f64 math are CUDA's (last bits differ).
// Sums run in a fixed order that is not the CPU's; scatterAdd accumulates
// with atomics (order not fixed); GEMMs are cuBLAS's with f32 accumulation
// (no TF32 for f32).
//===----------------------------------------------------------------------===//

void unary(UnaryOp op, const TensorView &in, const TensorView &out);
void binary(BinaryOp op, const TensorView &lhs, const TensorView &rhs,
            const TensorView &out);
void compare(CompareOp op, const TensorView &lhs, const TensorView &rhs,
             const TensorView &out);
void where(const TensorView &cond, const TensorView &lhs, const TensorView &rhs,
           const TensorView &out);
void cast(const TensorView &in, const TensorView &out);
void copy(const TensorView &in, const TensorView &out);
void fill(const TensorView &out, double value);

void matmul(const TensorView &lhs, const TensorView &rhs,
            const TensorView &out);
void linear(const TensorView &x, const TensorView &w, const TensorView *bias,
            bool transposeW, const TensorView &out);

void softmax(const TensorView &in, int axis, const TensorView &out);
void logSoftmax(const TensorView &in, int axis, const TensorView &out);
void layerNorm(const TensorView &in, const TensorView *scale,
               const TensorView *bias, int axis, double epsilon,
               const TensorView &out);
void rmsNorm(const TensorView &in, const TensorView *scale, int axis,
             double epsilon, const TensorView &out);

void reduce(ReduceKind kind, const TensorView &in,
            const std::vector<int64_t> &axes, bool keepdims,
            const TensorView &out, double divisor = 0);
void crossEntropy(const TensorView &logits, const TensorView &labels,
                  LossReduction reduction, std::optional<int64_t> ignoreIndex,
                  const TensorView &out, double divisor = 0);

void gather(const TensorView &data, const TensorView &indices, int axis,
            const TensorView &out);
void gatherSharded(const TensorView &data, const TensorView &indices, int axis,
                   int64_t globalSize, int64_t rowOffset,
                   const TensorView &out);
void scatterAdd(const TensorView &updates, const TensorView &indices, int axis,
                const TensorView &out);
void transpose(const TensorView &in, const std::vector<int64_t> &perm,
               const TensorView &out);
void slice(const TensorView &in, const std::vector<int64_t> &offsets,
           const std::vector<int64_t> &strides, const TensorView &out);
void concat(const std::vector<TensorView> &inputs, int axis,
            const TensorView &out);
void split(const TensorView &in, int axis,
           const std::vector<TensorView> &outputs);
void expand(const TensorView &in, const TensorView &out);
void trilu(const TensorView &in, bool upper, int64_t k, const TensorView &out);
void packChunks(const TensorView &in, int dim, int64_t parts, void *buffer);
void unpackChunks(const void *buffer, int dim, int64_t parts,
                  const TensorView &out);

/// Optimizers and accumulation: f32, n contiguous elements, `hyper` in
/// device memory (pxrt/train.h); same formulas and roundings as the CPU's.
void adamw(const float *param, const float *grad, const float *expAvg,
           const float *expAvgSq, float *paramOut, float *expAvgOut,
           float *expAvgSqOut, int64_t n, const float *hyper);
void sgd(const float *param, const float *grad, const float *momentum,
         float *paramOut, float *momentumOut, int64_t n, const float *hyper);
void accumulateMean(const float *x, float *acc, int64_t n, int64_t piece,
                    int64_t count);

//===----------------------------------------------------------------------===//
// NCCL
//===----------------------------------------------------------------------===//

/// An NCCL communicator over every process of the job, one rank and one
/// GPU per process; its splits are NCCL communicators too. The unique id
/// travels through MPI when the process was started by mpirun (and libpxrt
/// has MPI), else through a TCP store at MASTER_ADDR:MASTER_PORT (rank 0
/// serves it; torchrun-style variables), else the job is this one process.
/// Buffers may be in host memory (they are staged through the device).
/// Reductions are NCCL's: deterministic for a fixed job, but not in the
/// rank order of the local and mpi communicators.
std::unique_ptr<Communicator> createNcclWorld(double timeoutSeconds = 300);

} // namespace pxrt::cuda

#endif // PXRT_CUDA_H
