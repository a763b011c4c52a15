//===- Checkpoint.h - Sharded checkpoints: files, index, I/O ----*- C++ -*-===//
//
// A checkpoint is a directory step-NNNNNNNN holding one safetensors file per
// rank that saved something (its primary fragments, keyed by tensor name)
// and index.json, written last: every tensor's logical shape, dtype and
// chunks {global offsets, sizes, file, byte range, crc32, writer}. Readers
// take any box of a tensor from the chunks it intersects, so any other
// configuration loads it. Used by generated programs (--save, --load) and
// by pxc-ckpt. Format and protocol: docs/checkpoints.md.
//
//===----------------------------------------------------------------------===//

#ifndef PXRT_CHECKPOINT_CHECKPOINT_H
#define PXRT_CHECKPOINT_CHECKPOINT_H

#include "pxc/Checkpoint/Layout.h"
#include "pxrt/dtype.h"

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace pxrt::ckpt {

using pxc::ckpt::Box;

/// safetensors' name of a dtype ("F32", "BF16", "I64", "BOOL").
const char *safetensorsName(DType type);
std::optional<DType> parseSafetensorsName(const std::string &name);
/// Bytes per element of a safetensors dtype name (0 if unknown).
size_t safetensorsWidth(const std::string &name);

//===----------------------------------------------------------------------===//
// Files
//===----------------------------------------------------------------------===//

/// Writes `size` bytes through a temporary name in the same directory,
/// fsync, rename, fsync of the directory: a crash leaves the old file or
/// the new one, never a mix.
void writeFileDurably(const std::string &path, const void *data, size_t size);
/// fsync of a directory (makes renames in it durable).
void syncDirectory(const std::string &dir);
/// zlib's CRC-32 (Python's zlib.crc32).
uint32_t crc32(const void *data, size_t size, uint32_t crc = 0);

/// One tensor of a safetensors file.
struct SafetensorsEntry {
  std::string key;
  std::string dtype;
  std::vector<int64_t> shape;
  /// Absolute byte range in the file.
  uint64_t begin = 0, end = 0;
};

/// A safetensors file's header.
struct SafetensorsHeader {
  std::vector<SafetensorsEntry> entries;
  std::map<std::string, std::string> metadata;
  const SafetensorsEntry *find(const std::string &key) const;
};
SafetensorsHeader readSafetensorsHeader(const std::string &path);

/// Writes a safetensors file durably from `entries` (byte ranges ignored,
/// recomputed) whose data `data(i)` returns, one entry at a time (the
/// pointer needs to live until the next call). Returns the entries with
/// their byte ranges and the CRC-32 of each entry's bytes.
struct WrittenEntry {
  SafetensorsEntry entry;
  uint32_t crc32 = 0;
};
std::vector<WrittenEntry>
writeSafetensors(const std::string &path,
                 const std::vector<SafetensorsEntry> &entries,
                 const std::map<std::string, std::string> &metadata,
                 const std::function<const void *(size_t)> &data);
/// The same with every entry's data in memory.
std::vector<WrittenEntry>
writeSafetensors(const std::string &path,
                 const std::vector<SafetensorsEntry> &entries,
                 const std::map<std::string, std::string> &metadata,
                 const std::vector<const void *> &data);

//===----------------------------------------------------------------------===//
// Index
//===----------------------------------------------------------------------===//

/// A stored box of a tensor.
struct Chunk {
  Box box;
  /// File name relative to the checkpoint directory and absolute byte range.
  std::string file;
  uint64_t begin = 0, end = 0;
  std::optional<uint32_t> crc32;
  /// The rank that wrote it (-1: a tool) and every rank that held it.
  int64_t writer = -1;
  std::vector<int64_t> replicas;
};

struct StoredTensor {
  std::string name;
  std::string dtype = "F32";
  std::vector<int64_t> shape;
  std::string kind = "parameter";
  std::vector<Chunk> chunks;
};

struct Index {
  /// Training steps completed when it was saved.
  int64_t step = 0;
  uint64_t seed = 0;
  /// The configuration that wrote it (informational).
  std::vector<int64_t> mesh;
  int64_t devices = 1;
  std::vector<StoredTensor> tensors;
  /// The tensor named `name`, or null (a hash lookup, rebuilt when
  /// `tensors` has changed size).
  const StoredTensor *find(const std::string &name) const;

private:
  mutable std::unordered_map<std::string, size_t> byName;
};

std::string toJson(const Index &index);
/// Throws std::runtime_error naming `path` and what is malformed.
Index parseIndex(const std::string &text, const std::string &path);
/// The index of a single safetensors file of whole tensors (consolidated
/// checkpoints, weights exported from PyTorch): one chunk per tensor.
Index indexOfSafetensors(const std::string &path);

//===----------------------------------------------------------------------===//
// Checkpoint directories
//===----------------------------------------------------------------------===//

/// "step-00000010".
std::string stepDirName(int64_t step);
/// The checkpoint `path` names: `path` itself when it is a file (a
/// safetensors file of whole tensors) or holds an index.json, else its
/// complete step-* directory with the highest step. Throws when there is
/// none.
std::string resolveCheckpoint(const std::string &path);

/// A checkpoint opened for reading: the index and the files it names.
class Reader {
public:
  /// `dir` holds index.json, or `dir` is a .safetensors file.
  explicit Reader(const std::string &dir);
  ~Reader();
  Reader(const Reader &) = delete;
  Reader &operator=(const Reader &) = delete;

  const Index &index() const { return idx; }
  const std::string &path() const { return root; }
  /// Copies `box` of `tensor` (row-major, `box.sizes`) into `dst` from the
  /// chunks it intersects, verifying each chunk's checksum. Throws naming
  /// the tensor when a chunk is corrupt or the chunks do not cover `box`.
  void read(const StoredTensor &tensor, const Box &box, void *dst);
  /// The bytes of one chunk, checksum verified (throws naming the tensor).
  std::string readChunk(const StoredTensor &tensor, const Chunk &chunk);

private:
  std::string root;
  bool single = false;
  Index idx;
  std::map<std::string, int> files;
};

/// Copies the part `inter` of a row-major box `from` (data `src`) into the
/// row-major box `to` (data `dst`); elements of `width` bytes.
void copyBetween(const Box &from, const char *src, const Box &to, char *dst,
                 const Box &inter, size_t width);

/// What one rank saves: its primary fragments.
struct SavedFragment {
  const StoredTensor *tensor = nullptr; // name, dtype, shape, kind
  Box box;
  std::vector<int64_t> replicas;
  const void *data = nullptr; // row-major box.sizes
};

/// Writes `rank`'s file in `dir` ("rank-NNNNN.safetensors") and returns its
/// chunks as index entries (tensor name -> chunk). No file when empty.
std::vector<std::pair<std::string, Chunk>>
writeRankFile(const std::string &dir, int64_t rank,
              const std::vector<SavedFragment> &fragments);

/// Commits a checkpoint written into the temporary directory `staging`:
/// writes its index.json, then renames it to `root`/step-N, replacing an
/// older checkpoint of the same step; then keeps only the newest `keep`
/// checkpoints in `root` (0: all) and removes leftovers of interrupted
/// saves.
void commit(const std::string &root, const std::string &staging,
            const Index &index, int keep);

/// Problems found by checking every chunk's checksum and that the chunks
/// tile every tensor (empty: none).
std::vector<std::string> verify(Reader &reader);

} // namespace pxrt::ckpt

#endif // PXRT_CHECKPOINT_CHECKPOINT_H
