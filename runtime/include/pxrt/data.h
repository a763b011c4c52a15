//===- data.h - Token data for training programs ----------------*- C++ -*-===//
//
// nanoGPT-style token files: raw little-endian uint16 or uint32 token ids,
// no header (what `np.array(ids, dtype=np.uint16).tofile(path)` writes),
// memory-mapped read-only. A training batch is B windows of T + 1
// consecutive tokens; the first T are the inputs, the last T the labels
// (the inputs shifted by one).
//
// Batch orders (s = 0-based step, b = row of the global batch, n = tokens in
// the file):
// - sequential: row b of step s is window w = s * B + b, tokens
//   [w (T + 1), (w + 1)(T + 1)) of the file read as a cyclic stream: token
//   position q is file token q mod n. A window that runs past the end
//   continues at the start of the file, and every later window is shifted
//   accordingly (no token is skipped; an epoch is n tokens).
// - random: row b of step s starts at hash(seed, s, b) mod (n - T), so the
//   window lies inside the file (nanoGPT draws torch.randint(n - T)). The
//   hash is counter-based: every rank and every layout draws the same.
// - synthetic (no file): token i of the window of (s, b) is
//   hash(seed, s, b, i) mod vocab, for either order.
//
// A row depends only on (s, b), so a rank that holds rows [b0, b1) of the
// global batch (data parallelism) reads just those.
//
//===----------------------------------------------------------------------===//

#ifndef PXRT_DATA_H
#define PXRT_DATA_H

#include <cstdint>
#include <memory>
#include <string>

namespace pxrt::data {

enum class TokenType { U16, U32 };
enum class BatchOrder { Sequential, Random };

/// "uint16" / "uint32"; throws std::invalid_argument naming --data-dtype.
TokenType parseTokenType(const std::string &text);
/// "sequential" / "random"; throws std::invalid_argument naming
/// --batch-order.
BatchOrder parseBatchOrder(const std::string &text);

/// A token file mapped read-only. Errors (missing, unreadable, empty, a size
/// that is not a whole number of tokens) throw std::runtime_error starting
/// with the path.
class TokenFile {
public:
  TokenFile(const std::string &path, TokenType type);
  ~TokenFile();
  TokenFile(const TokenFile &) = delete;
  TokenFile &operator=(const TokenFile &) = delete;

  const std::string &path() const { return filePath; }
  int64_t size() const { return count; }
  uint32_t operator[](int64_t i) const {
    return type == TokenType::U16 ? static_cast<const uint16_t *>(base)[i]
                                  : static_cast<const uint32_t *>(base)[i];
  }

private:
  std::string filePath;
  TokenType type;
  const void *base = nullptr;
  size_t bytes = 0;
  int64_t count = 0;
};

/// Where the batches come from: a token file or synthetic tokens.
class TokenSource {
public:
  /// `file` empty: synthetic tokens (vocab must be > 0). Otherwise the file
  /// must hold at least T + 1 tokens. vocab > 0 makes every read check
  /// that tokens are below it (the error names the path and position);
  /// vocab == 0 skips the check.
  TokenSource(const std::string &file, TokenType type, int64_t vocab,
              int64_t seqLen, int64_t batch, BatchOrder order, uint64_t seed);
  ~TokenSource();

  int64_t seqLen() const { return length; }
  int64_t batch() const { return rows; }
  bool synthetic() const { return !file; }

  /// Rows [b0, b1) of step `step`'s global batch: `inputs` and `labels`
  /// (either may be null) receive (b1 - b0) x T int64 ids, row-major.
  void fill(int64_t step, int64_t b0, int64_t b1, int64_t *inputs,
            int64_t *labels) const;
  /// The first token of row b of step `step` in the file (for tests and
  /// error messages); 0 for synthetic data.
  int64_t windowStart(int64_t step, int64_t b) const;

private:
  std::unique_ptr<TokenFile> file;
  int64_t vocab, length, rows;
  BatchOrder order;
  uint64_t seed;
};

} // namespace pxrt::data

#endif // PXRT_DATA_H
