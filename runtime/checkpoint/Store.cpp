//===- Store.cpp - Reading boxes of tensors, writing rank files -----------===//

#include "Checkpoint.h"

#include "pxrt/io.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <stdexcept>
#include <unistd.h>

namespace fs = std::filesystem;

namespace pxrt::ckpt {

using pxc::ckpt::intersect;
using pxc::ckpt::isEmpty;
using pxc::ckpt::volume;

static std::string boxStr(const Box &box) {
  return "offsets " + io::shapeString(box.offsets) + " sizes " +
         io::shapeString(box.sizes);
}

void copyBetween(const Box &from, const char *src, const Box &to, char *dst,
                 const Box &inter, size_t width) {
  size_t rank = inter.sizes.size();
  if (rank == 0) {
    std::memcpy(dst, src, width);
    return;
  }
  if (isEmpty(inter))
    return;
  int64_t rows = 1;
  for (size_t d = 0; d + 1 < rank; ++d)
    rows *= inter.sizes[d];
  std::vector<int64_t> index(rank, 0);
  size_t bytes = static_cast<size_t>(inter.sizes.back()) * width;
  for (int64_t row = 0; row < rows; ++row) {
    int64_t a = 0, b = 0;
    for (size_t d = 0; d < rank; ++d) {
      int64_t at = inter.offsets[d] + index[d];
      a = a * from.sizes[d] + (at - from.offsets[d]);
      b = b * to.sizes[d] + (at - to.offsets[d]);
    }
    std::memcpy(dst + b * width, src + a * width, bytes);
    for (size_t d = rank - 1; d-- > 0;) {
      if (++index[d] < inter.sizes[d])
        break;
      index[d] = 0;
    }
  }
}

Reader::Reader(const std::string &path) {
  std::error_code ec;
  if (fs::is_regular_file(path, ec)) {
    single = true;
    root = fs::path(path).parent_path().string();
    if (root.empty())
      root = ".";
    idx = indexOfSafetensors(path);
    return;
  }
  root = path;
  std::string indexPath = (fs::path(path) / "index.json").string();
  idx = parseIndex(io::readFile(indexPath), indexPath);
}

Reader::~Reader() {
  for (auto &[name, fd] : files)
    ::close(fd);
}

std::string Reader::readChunk(const StoredTensor &tensor, const Chunk &chunk) {
  std::string file = (fs::path(root) / chunk.file).string();
  auto what = [&] {
    return root + ": tensor '" + tensor.name + "' (chunk " + boxStr(chunk.box) +
           " in " + chunk.file + ")";
  };
  auto [it, inserted] = files.try_emplace(chunk.file, -1);
  if (inserted)
    it->second = ::open(file.c_str(), O_RDONLY);
  if (it->second < 0)
    throw std::runtime_error(what() + ": cannot open " + file + ": " +
                             std::strerror(errno));
  uint64_t expected =
      static_cast<uint64_t>(volume(chunk.box)) * safetensorsWidth(tensor.dtype);
  if (chunk.end - chunk.begin != expected)
    throw std::runtime_error(what() + ": byte range holds " +
                             std::to_string(chunk.end - chunk.begin) +
                             " bytes, the box needs " +
                             std::to_string(expected));
  std::string bytes(expected, '\0');
  size_t done = 0;
  while (done < expected) {
    ssize_t n = ::pread(it->second, bytes.data() + done, expected - done,
                        static_cast<off_t>(chunk.begin + done));
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      throw std::runtime_error(what() + ": the file is truncated");
    done += static_cast<size_t>(n);
  }
  if (chunk.crc32) {
    uint32_t actual = crc32(bytes.data(), bytes.size());
    if (actual != *chunk.crc32) {
      char text[64];
      std::snprintf(text, sizeof(text), "stored %08x, read %08x", *chunk.crc32,
                    actual);
      throw std::runtime_error(what() + ": checksum mismatch (" + text +
                               "): the file is corrupt");
    }
  }
  return bytes;
}

void Reader::read(const StoredTensor &tensor, const Box &box, void *dst) {
  size_t width = safetensorsWidth(tensor.dtype);
  int64_t covered = 0;
  for (const Chunk &chunk : tensor.chunks) {
    Box inter = intersect(chunk.box, box);
    if (isEmpty(inter))
      continue;
    std::string bytes = readChunk(tensor, chunk);
    copyBetween(chunk.box, bytes.data(), box, static_cast<char *>(dst), inter,
                width);
    covered += volume(inter);
  }
  if (covered != volume(box))
    throw std::runtime_error(root + ": tensor '" + tensor.name +
                             "': the chunks cover " + std::to_string(covered) +
                             " of the " + std::to_string(volume(box)) +
                             " elements of " + boxStr(box));
}

std::vector<std::pair<std::string, Chunk>>
writeRankFile(const std::string &dir, int64_t rank,
              const std::vector<SavedFragment> &fragments) {
  if (fragments.empty())
    return {};
  char name[32];
  std::snprintf(name, sizeof(name), "rank-%05lld.safetensors",
                static_cast<long long>(rank));
  std::vector<SafetensorsEntry> entries;
  std::vector<const void *> data;
  std::map<std::string, std::string> metadata;
  for (const SavedFragment &f : fragments) {
    entries.push_back({f.tensor->name, f.tensor->dtype, f.box.sizes, 0, 0});
    data.push_back(f.data);
    std::string offsets;
    for (size_t d = 0; d < f.box.offsets.size(); ++d)
      offsets += (d ? "," : "") + std::to_string(f.box.offsets[d]);
    metadata["pxc.offsets." + f.tensor->name] = offsets;
  }
  std::vector<WrittenEntry> written = writeSafetensors(
      (fs::path(dir) / name).string(), entries, metadata, data);
  std::vector<std::pair<std::string, Chunk>> chunks;
  for (size_t i = 0; i < fragments.size(); ++i) {
    Chunk c;
    c.box = fragments[i].box;
    c.file = name;
    c.begin = written[i].entry.begin;
    c.end = written[i].entry.end;
    c.crc32 = written[i].crc32;
    c.writer = rank;
    c.replicas = fragments[i].replicas;
    chunks.push_back({fragments[i].tensor->name, std::move(c)});
  }
  return chunks;
}

static bool overlaps(const Box &a, const Box &b) {
  return !isEmpty(intersect(a, b));
}

std::vector<std::string> verify(Reader &reader) {
  std::vector<std::string> problems;
  for (const StoredTensor &t : reader.index().tensors) {
    Box whole{std::vector<int64_t>(t.shape.size(), 0), t.shape};
    int64_t covered = 0;
    for (size_t i = 0; i < t.chunks.size(); ++i) {
      const Chunk &c = t.chunks[i];
      if (volume(intersect(c.box, whole)) != volume(c.box)) {
        problems.push_back("tensor '" + t.name + "': chunk " + boxStr(c.box) +
                           " lies outside the tensor");
        continue;
      }
      for (size_t j = 0; j < i; ++j)
        if (overlaps(c.box, t.chunks[j].box))
          problems.push_back("tensor '" + t.name + "': chunks " +
                             boxStr(c.box) + " and " + boxStr(t.chunks[j].box) +
                             " overlap");
      covered += volume(c.box);
      try {
        reader.readChunk(t, c);
      } catch (const std::exception &e) {
        problems.push_back(e.what());
      }
    }
    if (covered != volume(whole))
      problems.push_back("tensor '" + t.name + "': the chunks cover " +
                         std::to_string(covered) + " of its " +
                         std::to_string(volume(whole)) + " elements");
  }
  return problems;
}

} // namespace pxrt::ckpt
