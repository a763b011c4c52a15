//===- TcpStore.cpp - A key-value store over TCP for rendezvous -----------===//
//
// Protocol, one request at a time per connection: 'S' key value (set) or
// 'G' key (get: the server answers value once the key is set). Strings go
// as a 4-byte little-endian length and the bytes.
//
//===----------------------------------------------------------------------===//

#include "TcpStore.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstring>
#include <map>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <vector>

namespace pxrt::cuda {

namespace {

int parseInt(const char *name, const char *text, int low, int high) {
  char *end = nullptr;
  errno = 0;
  long value = std::strtol(text, &end, 10);
  if (!*text || *end || errno || value < low || value > high)
    throw std::invalid_argument(
        std::string(name) + "='" + text + "' is not an integer in [" +
        std::to_string(low) + ", " + std::to_string(high) + "]");
  return static_cast<int>(value);
}

using Clock = std::chrono::steady_clock;

[[noreturn]] void systemError(const std::string &what) {
  throw std::runtime_error("TCP store: " + what + ": " + std::strerror(errno));
}

/// Reads or writes exactly `bytes`, waiting at most until `deadline`.
void transfer(int fd, char *data, size_t bytes, bool write,
              Clock::time_point deadline) {
  while (bytes) {
    Clock::time_point now = Clock::now();
    if (now >= deadline)
      throw std::runtime_error("TCP store: timed out");
    // At most a second per poll (the deadline may be "never").
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::min(deadline - now, Clock::duration(std::chrono::seconds(1))));
    pollfd p{fd, static_cast<short>(write ? POLLOUT : POLLIN), 0};
    int ready = ::poll(&p, 1, static_cast<int>(left.count()) + 1);
    if (ready < 0 && errno != EINTR)
      systemError("poll");
    if (ready <= 0)
      continue;
    ssize_t n = write ? ::send(fd, data, bytes, MSG_NOSIGNAL)
                      : ::recv(fd, data, bytes, 0);
    if (n == 0)
      throw std::runtime_error("TCP store: connection closed");
    if (n < 0) {
      if (errno == EINTR || errno == EAGAIN)
        continue;
      systemError(write ? "send" : "recv");
    }
    data += n;
    bytes -= static_cast<size_t>(n);
  }
}

void sendString(int fd, const std::string &s, Clock::time_point deadline) {
  uint32_t n = static_cast<uint32_t>(s.size());
  unsigned char length[4] = {
      static_cast<unsigned char>(n), static_cast<unsigned char>(n >> 8),
      static_cast<unsigned char>(n >> 16), static_cast<unsigned char>(n >> 24)};
  transfer(fd, reinterpret_cast<char *>(length), 4, true, deadline);
  transfer(fd, const_cast<char *>(s.data()), s.size(), true, deadline);
}

std::string recvString(int fd, Clock::time_point deadline) {
  unsigned char length[4];
  transfer(fd, reinterpret_cast<char *>(length), 4, false, deadline);
  uint32_t n = length[0] | length[1] << 8 | length[2] << 16 |
               static_cast<uint32_t>(length[3]) << 24;
  std::string s(n, '\0');
  transfer(fd, s.data(), n, false, deadline);
  return s;
}

} // namespace

std::optional<Rendezvous>
rendezvousFromEnv(const char *(*lookup)(const char *)) {
  const char *names[] = {"RANK", "WORLD_SIZE", "MASTER_ADDR", "MASTER_PORT"};
  const char *values[4];
  int set = 0;
  for (int i = 0; i < 4; ++i)
    set += (values[i] = lookup(names[i])) != nullptr;
  if (set == 0)
    return std::nullopt;
  for (int i = 0; i < 4; ++i)
    if (!values[i])
      throw std::invalid_argument(std::string(names[i]) +
                                  " is not set (torchrun-style rendezvous "
                                  "needs RANK, WORLD_SIZE, MASTER_ADDR and "
                                  "MASTER_PORT)");
  Rendezvous r;
  r.worldSize = parseInt("WORLD_SIZE", values[1], 1, 1 << 24);
  r.rank = parseInt("RANK", values[0], 0, r.worldSize - 1);
  r.host = values[2];
  if (r.host.empty())
    throw std::invalid_argument("MASTER_ADDR is empty");
  r.port = parseInt("MASTER_PORT", values[3], 1, 65535);
  return r;
}

struct TcpStore::Impl {
  bool serving = false;
  int port = 0;
  double timeout = 0;
  int fd = -1; // the listening socket, or the connection to the server
  // Server side.
  std::mutex mutex;
  std::condition_variable changed;
  std::map<std::string, std::string> values;
  bool stopping = false;
  std::thread acceptor;
  std::vector<std::thread> handlers;
  std::vector<int> clients;

  Clock::time_point deadline() const {
    return Clock::now() + std::chrono::duration_cast<Clock::duration>(
                              std::chrono::duration<double>(timeout));
  }

  void serveClient(int client) {
    try {
      for (;;) {
        // Requests may come at any time; only answers have a deadline.
        char op;
        transfer(client, &op, 1, false, Clock::time_point::max());
        std::string key = recvString(client, deadline());
        if (op == 'S') {
          std::string value = recvString(client, deadline());
          std::lock_guard<std::mutex> lock(mutex);
          values[key] = std::move(value);
          changed.notify_all();
          continue;
        }
        std::string value;
        {
          std::unique_lock<std::mutex> lock(mutex);
          changed.wait(lock,
                       [&] { return stopping || values.count(key) != 0; });
          if (stopping)
            return;
          value = values[key];
        }
        sendString(client, value, deadline());
      }
    } catch (const std::exception &) {
      // The client went away (or the store stops): nothing to answer.
    }
  }

  void acceptLoop() {
    for (;;) {
      pollfd p{fd, POLLIN, 0};
      int ready = ::poll(&p, 1, 100);
      {
        std::lock_guard<std::mutex> lock(mutex);
        if (stopping)
          return;
      }
      if (ready <= 0)
        continue;
      int client = ::accept(fd, nullptr, nullptr);
      if (client < 0)
        continue;
      std::lock_guard<std::mutex> lock(mutex);
      clients.push_back(client);
      handlers.emplace_back([this, client] { serveClient(client); });
    }
  }
};

TcpStore::TcpStore(const std::string &host, int port, bool serve,
                   double timeoutSeconds)
    : impl(std::make_unique<Impl>()) {
  impl->serving = serve;
  impl->timeout = timeoutSeconds;
  if (serve) {
    impl->fd = ::socket(AF_INET, SOCK_STREAM, 0);
    if (impl->fd < 0)
      systemError("socket");
    int one = 1;
    ::setsockopt(impl->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_ANY);
    address.sin_port = htons(static_cast<uint16_t>(port));
    if (::bind(impl->fd, reinterpret_cast<sockaddr *>(&address),
               sizeof address) < 0)
      systemError("bind to port " + std::to_string(port));
    if (::listen(impl->fd, 128) < 0)
      systemError("listen");
    socklen_t size = sizeof address;
    ::getsockname(impl->fd, reinterpret_cast<sockaddr *>(&address), &size);
    impl->port = ntohs(address.sin_port);
    impl->acceptor = std::thread([this] { impl->acceptLoop(); });
    return;
  }
  impl->port = port;
  addrinfo hints{}, *found = nullptr;
  hints.ai_family = AF_INET;
  hints.ai_socktype = SOCK_STREAM;
  int status =
      ::getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &found);
  if (status != 0)
    throw std::runtime_error("TCP store: cannot resolve '" + host +
                             "': " + gai_strerror(status));
  Clock::time_point deadline = impl->deadline();
  // The server may not listen yet: retry until the deadline.
  for (;;) {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) {
      ::freeaddrinfo(found);
      systemError("socket");
    }
    if (::connect(fd, found->ai_addr, found->ai_addrlen) == 0) {
      int one = 1;
      ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      impl->fd = fd;
      break;
    }
    ::close(fd);
    if (Clock::now() > deadline) {
      ::freeaddrinfo(found);
      throw std::runtime_error("TCP store: cannot connect to " + host + ":" +
                               std::to_string(port));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ::freeaddrinfo(found);
}

TcpStore::~TcpStore() {
  if (impl->serving) {
    {
      std::lock_guard<std::mutex> lock(impl->mutex);
      impl->stopping = true;
      impl->changed.notify_all();
      for (int client : impl->clients)
        ::shutdown(client, SHUT_RDWR);
    }
    impl->acceptor.join();
    for (std::thread &t : impl->handlers)
      t.join();
    for (int client : impl->clients)
      ::close(client);
  }
  if (impl->fd >= 0)
    ::close(impl->fd);
}

int TcpStore::port() const { return impl->port; }

void TcpStore::set(const std::string &key, const std::string &value) {
  if (impl->serving) {
    std::lock_guard<std::mutex> lock(impl->mutex);
    impl->values[key] = value;
    impl->changed.notify_all();
    return;
  }
  Clock::time_point deadline = impl->deadline();
  char op = 'S';
  transfer(impl->fd, &op, 1, true, deadline);
  sendString(impl->fd, key, deadline);
  sendString(impl->fd, value, deadline);
}

std::string TcpStore::get(const std::string &key) {
  Clock::time_point deadline = impl->deadline();
  if (impl->serving) {
    std::unique_lock<std::mutex> lock(impl->mutex);
    if (!impl->changed.wait_until(lock, deadline,
                                  [&] { return impl->values.count(key) != 0; }))
      throw std::runtime_error("TCP store: timed out waiting for '" + key +
                               "'");
    return impl->values[key];
  }
  char op = 'G';
  transfer(impl->fd, &op, 1, true, deadline);
  sendString(impl->fd, key, deadline);
  return recvString(impl->fd, deadline);
}

} // namespace pxrt::cuda
