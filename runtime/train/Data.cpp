//===- Data.cpp - Token files and training batches ------------------------===//

#include "pxrt/data.h"

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

namespace pxrt::data {

TokenType parseTokenType(const std::string &text) {
  if (text == "uint16")
    return TokenType::U16;
  if (text == "uint32")
    return TokenType::U32;
  throw std::invalid_argument("--data-dtype must be uint16 or uint32, not '" +
                              text + "'");
}

BatchOrder parseBatchOrder(const std::string &text) {
  if (text == "sequential")
    return BatchOrder::Sequential;
  if (text == "random")
    return BatchOrder::Random;
  throw std::invalid_argument(
      "--batch-order must be sequential or random, not '" + text + "'");
}

TokenFile::TokenFile(const std::string &path, TokenType type)
    : filePath(path), type(type) {
  auto fail = [&](const std::string &why) {
    throw std::runtime_error(path + ": " + why);
  };
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    fail(std::strerror(errno));
  struct stat info;
  if (::fstat(fd, &info) != 0) {
    int err = errno;
    ::close(fd);
    fail(std::strerror(err));
  }
  if (!S_ISREG(info.st_mode)) {
    ::close(fd);
    fail("not a regular file");
  }
  bytes = static_cast<size_t>(info.st_size);
  size_t width = type == TokenType::U16 ? 2 : 4;
  if (bytes == 0) {
    ::close(fd);
    fail("empty token file");
  }
  if (bytes % width != 0) {
    ::close(fd);
    fail("size " + std::to_string(bytes) + " bytes is not a whole number of " +
         (width == 2 ? "uint16" : "uint32") + " tokens (see --data-dtype)");
  }
  void *map = ::mmap(nullptr, bytes, PROT_READ, MAP_SHARED, fd, 0);
  int err = errno;
  ::close(fd); // The mapping keeps the file.
  if (map == MAP_FAILED)
    fail(std::string("mmap: ") + std::strerror(err));
  base = map;
  count = static_cast<int64_t>(bytes / width);
}

TokenFile::~TokenFile() {
  if (base)
    ::munmap(const_cast<void *>(base), bytes);
}

namespace {

/// splitmix64's finalizer.
uint64_t mix(uint64_t z) {
  z += 0x9e3779b97f4a7c15ull;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

uint64_t hash(uint64_t seed, uint64_t a, uint64_t b, uint64_t c) {
  return mix(mix(mix(mix(seed) ^ a) ^ b) ^ c);
}

/// A uniform draw in [0, range) from 64 random bits (multiply-shift).
int64_t below(uint64_t bits, uint64_t range) {
  return static_cast<int64_t>((static_cast<unsigned __int128>(bits) * range) >>
                              64);
}

// Tags the random window starts apart from the synthetic tokens.
constexpr uint64_t kStartTag = ~0ull;

} // namespace

TokenSource::TokenSource(const std::string &path, TokenType type, int64_t vocab,
                         int64_t seqLen, int64_t batch, BatchOrder order,
                         uint64_t seed)
    : vocab(vocab), length(seqLen), rows(batch), order(order), seed(seed) {
  if (seqLen < 1 || batch < 1)
    throw std::invalid_argument("token batches need B >= 1 and T >= 1");
  if (path.empty()) {
    if (vocab < 1)
      throw std::invalid_argument(
          "synthetic data needs the vocabulary size (pass --data=FILE)");
    return;
  }
  file = std::make_unique<TokenFile>(path, type);
  if (file->size() < seqLen + 1)
    throw std::runtime_error(
        path + ": too short: " + std::to_string(file->size()) +
        " tokens, a window needs T + 1 = " + std::to_string(seqLen + 1));
}

TokenSource::~TokenSource() = default;

int64_t TokenSource::windowStart(int64_t step, int64_t b) const {
  if (!file)
    return 0;
  int64_t n = file->size();
  if (order == BatchOrder::Random)
    return below(hash(seed, static_cast<uint64_t>(step),
                      static_cast<uint64_t>(b), kStartTag),
                 static_cast<uint64_t>(n - length));
  // 128 bits: (s * B + b) * (T + 1) may exceed 64 bits on long runs.
  __int128 window = static_cast<__int128>(step) * rows + b;
  __int128 start = window * (length + 1) % n;
  return static_cast<int64_t>(start);
}

void TokenSource::fill(int64_t step, int64_t b0, int64_t b1, int64_t *inputs,
                       int64_t *labels) const {
  if (step < 0 || b0 < 0 || b1 > rows || b0 > b1)
    throw std::invalid_argument("TokenSource::fill: rows [" +
                                std::to_string(b0) + ", " + std::to_string(b1) +
                                ") of a batch of " + std::to_string(rows));
  for (int64_t b = b0; b < b1; ++b) {
    int64_t *in = inputs ? inputs + (b - b0) * length : nullptr;
    int64_t *out = labels ? labels + (b - b0) * length : nullptr;
    int64_t start = windowStart(step, b);
    for (int64_t i = 0; i <= length; ++i) {
      int64_t token;
      if (file) {
        int64_t n = file->size();
        int64_t position = start + i;
        if (position >= n)
          position -= n; // start < n and i <= T < n: one wrap at most
        token = (*file)[position];
        if (vocab > 0 && token >= vocab)
          throw std::runtime_error(
              file->path() + ": token " + std::to_string(token) +
              " at position " + std::to_string(position) +
              " is not below the vocabulary size " + std::to_string(vocab));
      } else {
        token = static_cast<int64_t>(hash(seed, static_cast<uint64_t>(step),
                                          static_cast<uint64_t>(b),
                                          static_cast<uint64_t>(i)) %
                                     static_cast<uint64_t>(vocab));
      }
      if (in && i < length)
        in[i] = token;
      if (out && i > 0)
        out[i - 1] = token;
    }
  }
}

} // namespace pxrt::data
