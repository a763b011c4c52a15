//===- Context.cpp - Device, per-thread streams, arenas, staging ----------===//

#include "pxrt/cuda.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <stdexcept>
#include <string>

namespace pxrt::cuda {

void check(cudaError_t status, const char *what) {
  if (status != cudaSuccess)
    throw std::runtime_error(std::string(what) + ": " +
                             cudaGetErrorString(status));
}

int deviceForLocalRank(const char *localRank, int devices) {
  if (devices <= 0)
    throw std::runtime_error("no CUDA device");
  if (!localRank || !*localRank)
    return 0;
  char *end = nullptr;
  long rank = std::strtol(localRank, &end, 10);
  if (*end || rank < 0)
    throw std::invalid_argument(std::string("bad local rank '") + localRank +
                                "'");
  return static_cast<int>(rank % devices);
}

int processDevice() {
  static const int device = [] {
    int devices = 0;
    check(cudaGetDeviceCount(&devices), "cudaGetDeviceCount");
    const char *local = std::getenv("LOCAL_RANK");
    if (!local)
      local = std::getenv("OMPI_COMM_WORLD_LOCAL_RANK");
    return deviceForLocalRank(local, devices);
  }();
  return device;
}

namespace {

/// One stream and one pinned staging buffer per host thread (a pxrt::Stream
/// worker, or the main thread), released when the thread ends.
struct ThreadState {
  cudaStream_t stream = nullptr;
  void *staging = nullptr;
  size_t stagingBytes = 0;
  ~ThreadState() {
    if (staging)
      cudaFreeHost(staging);
    if (stream)
      cudaStreamDestroy(stream);
  }
};

ThreadState &threadState() {
  thread_local ThreadState state;
  if (!state.stream) {
    // The current device is per thread.
    check(cudaSetDevice(processDevice()), "cudaSetDevice");
    check(cudaStreamCreateWithFlags(&state.stream, cudaStreamNonBlocking),
          "cudaStreamCreate");
  }
  return state;
}

} // namespace

cudaStream_t currentStream() { return threadState().stream; }

void synchronize() {
  check(cudaStreamSynchronize(currentStream()), "a CUDA kernel");
}

DeviceBuffer::DeviceBuffer(size_t bytes) : bytes(bytes) {
  threadState();
  if (bytes)
    check(cudaMalloc(reinterpret_cast<void **>(&pointer), bytes),
          ("cudaMalloc of " + std::to_string(bytes) + " bytes").c_str());
}

DeviceBuffer::~DeviceBuffer() {
  if (pointer)
    cudaFree(pointer);
}

StreamBuffer::StreamBuffer(size_t bytes) : stream(currentStream()) {
  if (bytes)
    check(cudaMallocAsync(reinterpret_cast<void **>(&pointer), bytes, stream),
          "cudaMallocAsync");
}

StreamBuffer::~StreamBuffer() {
  // On the stream it was allocated for, whichever thread releases it.
  if (pointer)
    cudaFreeAsync(pointer, stream);
}

void *ArenaMirror::toDevice(const void *hostAddress) const {
  const char *at = static_cast<const char *>(hostAddress);
  if (at < host || at > host + bytes)
    throw std::out_of_range("address outside the rank's arena");
  return deviceBase + (at - host);
}

ActOrder::~ActOrder() {
  if (computeDone)
    cudaEventDestroy(computeDone);
}

void ActOrder::begin(const Stream &stream) {
  if (stream.name() == "compute")
    return;
  std::lock_guard<std::mutex> lock(mutex);
  if (computeDone)
    check(cudaStreamWaitEvent(currentStream(), computeDone, 0),
          "cudaStreamWaitEvent");
}

void ActOrder::end(Stream &stream) {
  if (stream.name() != "compute") {
    stream.enqueue([] { synchronize(); });
    return;
  }
  stream.enqueue([this] {
    std::lock_guard<std::mutex> lock(mutex);
    if (!computeDone)
      check(cudaEventCreateWithFlags(&computeDone, cudaEventDisableTiming),
            "cudaEventCreate");
    check(cudaEventRecord(computeDone, currentStream()), "cudaEventRecord");
  });
}

DeviceRank &deviceRank(const char *host, size_t bytes) {
  // One per rank (ranks of a local job are threads of this process).
  static std::mutex mutex;
  static std::map<const char *, std::pair<std::unique_ptr<DeviceBuffer>,
                                          std::unique_ptr<DeviceRank>>>
      ranks;
  auto buffer = std::make_unique<DeviceBuffer>(bytes);
  // Through pinned staging in pieces: the arena may be large.
  const size_t piece = size_t(64) << 20;
  for (size_t at = 0; at < bytes; at += piece)
    copyToDevice(buffer->data() + at, host + at, std::min(piece, bytes - at));
  std::lock_guard<std::mutex> lock(mutex);
  auto &entry = ranks[host];
  entry.second =
      std::make_unique<DeviceRank>(host, buffer->data(), buffer->size());
  entry.first = std::move(buffer);
  return *entry.second;
}

void *pinnedStaging(size_t bytes) {
  ThreadState &state = threadState();
  if (state.stagingBytes < bytes) {
    if (state.staging) {
      synchronize(); // Earlier copies may still read it.
      check(cudaFreeHost(state.staging), "cudaFreeHost");
      state.staging = nullptr;
    }
    check(cudaMallocHost(&state.staging, bytes), "cudaMallocHost");
    state.stagingBytes = bytes;
  }
  return state.staging;
}

void copyToDevice(void *device, const void *host, size_t bytes) {
  if (!bytes)
    return;
  void *staging = pinnedStaging(bytes);
  std::memcpy(staging, host, bytes);
  check(cudaMemcpyAsync(device, staging, bytes, cudaMemcpyHostToDevice,
                        currentStream()),
        "copy to the device");
  synchronize();
}

void copyToHost(void *host, const void *device, size_t bytes) {
  if (!bytes)
    return;
  void *staging = pinnedStaging(bytes);
  check(cudaMemcpyAsync(staging, device, bytes, cudaMemcpyDeviceToHost,
                        currentStream()),
        "copy to the host");
  synchronize();
  std::memcpy(host, staging, bytes);
}

const void *deviceConstant(const void *host, size_t bytes) {
  static std::mutex mutex;
  static std::map<const void *, std::unique_ptr<DeviceBuffer>> constants;
  std::lock_guard<std::mutex> lock(mutex);
  std::unique_ptr<DeviceBuffer> &buffer = constants[host];
  if (!buffer) {
    buffer = std::make_unique<DeviceBuffer>(bytes);
    copyToDevice(buffer->data(), host, bytes);
  }
  return buffer->data();
}

} // namespace pxrt::cuda
