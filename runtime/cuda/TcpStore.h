//===- TcpStore.h - Rendezvous of NCCL ranks without MPI --------*- C++ -*-===//
//
// torchrun-style bootstrap: rank 0 serves a small key-value store at
// MASTER_ADDR:MASTER_PORT, and every rank sets and (blocking) gets keys
// through it. NCCL's unique id is the only thing that travels. Plain C++
// and POSIX sockets: no GPU needed (unit-tested).
//
//===----------------------------------------------------------------------===//

#ifndef PXRT_CUDA_TCPSTORE_H
#define PXRT_CUDA_TCPSTORE_H

#include <memory>
#include <optional>
#include <string>

namespace pxrt::cuda {

/// Where the ranks of a job meet (torchrun's variables).
struct Rendezvous {
  int rank = 0;
  int worldSize = 1;
  std::string host;
  int port = 0;
};

/// RANK, WORLD_SIZE, MASTER_ADDR and MASTER_PORT read with `lookup`
/// (std::getenv in programs): none set gives nullopt; some but not all, or
/// malformed values, throw std::invalid_argument naming the variable.
std::optional<Rendezvous>
rendezvousFromEnv(const char *(*lookup)(const char *));

class TcpStore {
public:
  /// Rank 0 (`serve`) listens on `port` (0: any free port, see port()) and
  /// serves until destroyed; the others connect to host:port, retrying
  /// until `timeoutSeconds`. Throws std::runtime_error on failure.
  TcpStore(const std::string &host, int port, bool serve,
           double timeoutSeconds);
  ~TcpStore();
  TcpStore(const TcpStore &) = delete;
  TcpStore &operator=(const TcpStore &) = delete;

  /// The port it serves or talks to.
  int port() const;
  void set(const std::string &key, const std::string &value);
  /// Waits until `key` is set (std::runtime_error after the timeout).
  std::string get(const std::string &key);

private:
  struct Impl;
  std::unique_ptr<Impl> impl;
};

} // namespace pxrt::cuda

#endif // PXRT_CUDA_TCPSTORE_H
