//===- Safetensors.cpp - Durable files and the safetensors format ---------===//
//
// safetensors: an 8-byte little-endian header length, a JSON header
// {key: {dtype, shape, data_offsets: [begin, end)}, "__metadata__": {..}}
// padded with spaces to a multiple of 8, then the raw row-major data.
//
//===----------------------------------------------------------------------===//

#include "Checkpoint.h"

#include <nlohmann/json.hpp>
#include <zlib.h>

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <stdexcept>
#include <sys/stat.h>
#include <unistd.h>

namespace pxrt::ckpt {

using nlohmann::ordered_json;

namespace {
struct DTypeName {
  DType type;
  const char *name;
};
const DTypeName kNames[] = {{DType::F32, "F32"},  {DType::F64, "F64"},
                            {DType::F16, "F16"},  {DType::BF16, "BF16"},
                            {DType::I32, "I32"},  {DType::I64, "I64"},
                            {DType::Bool, "BOOL"}};

[[noreturn]] void fail(const std::string &path, const std::string &message) {
  throw std::runtime_error(path + ": " + message);
}

std::string errnoText() { return std::strerror(errno); }

/// Writes all of `size` bytes to `fd`.
void writeAll(int fd, const char *data, size_t size, const std::string &path) {
  while (size > 0) {
    ssize_t n = ::write(fd, data, size);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      fail(path, "write error: " + errnoText());
    data += n;
    size -= static_cast<size_t>(n);
  }
}

std::string directoryOf(const std::string &path) {
  size_t slash = path.find_last_of('/');
  return slash == std::string::npos ? "." : path.substr(0, slash + 1);
}

} // namespace

void syncDirectory(const std::string &dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY);
  if (fd < 0)
    fail(dir, "cannot open the directory: " + errnoText());
  ::fsync(fd);
  ::close(fd);
}

const char *safetensorsName(DType type) {
  for (const DTypeName &n : kNames)
    if (n.type == type)
      return n.name;
  return "?";
}

std::optional<DType> parseSafetensorsName(const std::string &name) {
  for (const DTypeName &n : kNames)
    if (name == n.name)
      return n.type;
  return std::nullopt;
}

size_t safetensorsWidth(const std::string &name) {
  std::optional<DType> type = parseSafetensorsName(name);
  return type ? dtypeSize(*type) : 0;
}

uint32_t crc32(const void *data, size_t size, uint32_t crc) {
  return static_cast<uint32_t>(
      ::crc32_z(crc, static_cast<const Bytef *>(data), size));
}

/// Streams pieces into a temporary file that becomes `path` on close().
class DurableFile {
public:
  explicit DurableFile(std::string path) : path(std::move(path)) {
    temporary = this->path + ".tmp." + std::to_string(::getpid());
    fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0)
      fail(this->path, "cannot create: " + errnoText());
  }
  ~DurableFile() {
    if (fd >= 0) {
      ::close(fd);
      ::unlink(temporary.c_str());
    }
  }
  void write(const void *data, size_t size) {
    writeAll(fd, static_cast<const char *>(data), size, path);
  }
  void close() {
    if (::fsync(fd) != 0)
      fail(path, "fsync failed: " + errnoText());
    ::close(fd);
    fd = -1;
    if (::rename(temporary.c_str(), path.c_str()) != 0) {
      std::string error = errnoText();
      ::unlink(temporary.c_str());
      fail(path, "cannot rename into place: " + error);
    }
    syncDirectory(directoryOf(path));
  }

private:
  std::string path, temporary;
  int fd = -1;
};

void writeFileDurably(const std::string &path, const void *data, size_t size) {
  DurableFile file(path);
  file.write(data, size);
  file.close();
}

const SafetensorsEntry *SafetensorsHeader::find(const std::string &key) const {
  for (const SafetensorsEntry &e : entries)
    if (e.key == key)
      return &e;
  return nullptr;
}

SafetensorsHeader readSafetensorsHeader(const std::string &path) {
  int fd = ::open(path.c_str(), O_RDONLY);
  if (fd < 0)
    fail(path, "cannot open: " + errnoText());
  struct stat info;
  ::fstat(fd, &info);
  uint64_t fileSize = static_cast<uint64_t>(info.st_size);
  unsigned char prefix[8];
  uint64_t length = 0;
  bool ok = ::pread(fd, prefix, 8, 0) == 8;
  for (int i = 7; ok && i >= 0; --i)
    length = length << 8 | prefix[i];
  std::string text;
  if (ok && length <= fileSize - 8 && length < (uint64_t(1) << 30)) {
    text.resize(length);
    ok = ::pread(fd, text.data(), length, 8) == static_cast<ssize_t>(length);
  } else {
    ok = false;
  }
  ::close(fd);
  if (!ok)
    fail(path, "not a safetensors file (bad header length)");
  SafetensorsHeader header;
  uint64_t dataStart = 8 + length;
  try {
    ordered_json doc = ordered_json::parse(text);
    for (auto &[key, value] : doc.items()) {
      if (key == "__metadata__") {
        for (auto &[k, v] : value.items())
          header.metadata[k] = v.get<std::string>();
        continue;
      }
      SafetensorsEntry entry;
      entry.key = key;
      entry.dtype = value.at("dtype").get<std::string>();
      entry.shape = value.at("shape").get<std::vector<int64_t>>();
      auto offsets = value.at("data_offsets").get<std::vector<uint64_t>>();
      if (offsets.size() != 2 || offsets[0] > offsets[1])
        fail(path, "tensor '" + key + "' has bad data_offsets");
      entry.begin = dataStart + offsets[0];
      entry.end = dataStart + offsets[1];
      if (entry.end > fileSize)
        fail(path, "tensor '" + key + "' lies past the end of the file");
      size_t width = safetensorsWidth(entry.dtype);
      if (width == 0)
        fail(path, "tensor '" + key + "' has unsupported dtype " + entry.dtype);
      uint64_t count = 1;
      for (int64_t d : entry.shape) {
        if (d < 0)
          fail(path, "tensor '" + key + "' has a negative dimension");
        count *= static_cast<uint64_t>(d);
      }
      if (count * width != entry.end - entry.begin)
        fail(path, "tensor '" + key + "' has " +
                       std::to_string(entry.end - entry.begin) +
                       " bytes for its shape's " +
                       std::to_string(count * width));
      header.entries.push_back(std::move(entry));
    }
  } catch (const nlohmann::json::exception &e) {
    fail(path, std::string("malformed safetensors header: ") + e.what());
  }
  return header;
}

std::vector<WrittenEntry>
writeSafetensors(const std::string &path,
                 const std::vector<SafetensorsEntry> &entries,
                 const std::map<std::string, std::string> &metadata,
                 const std::function<const void *(size_t)> &data) {
  ordered_json header;
  if (!metadata.empty())
    header["__metadata__"] = metadata;
  uint64_t offset = 0;
  std::vector<WrittenEntry> written;
  for (const SafetensorsEntry &e : entries) {
    uint64_t bytes = safetensorsWidth(e.dtype);
    for (int64_t d : e.shape)
      bytes *= static_cast<uint64_t>(d);
    header[e.key] = {{"dtype", e.dtype},
                     {"shape", e.shape},
                     {"data_offsets", {offset, offset + bytes}}};
    WrittenEntry w{e, 0};
    w.entry.begin = offset;
    w.entry.end = offset + bytes;
    written.push_back(std::move(w));
    offset += bytes;
  }
  std::string text = header.dump();
  text.append((8 - text.size() % 8) % 8, ' ');
  unsigned char prefix[8];
  for (int i = 0; i < 8; ++i)
    prefix[i] = static_cast<unsigned char>(uint64_t(text.size()) >> (8 * i));
  DurableFile file(path);
  file.write(prefix, 8);
  file.write(text.data(), text.size());
  for (size_t i = 0; i < written.size(); ++i) {
    WrittenEntry &w = written[i];
    size_t bytes = w.entry.end - w.entry.begin;
    const void *bytesOf = data(i);
    w.crc32 = crc32(bytesOf, bytes);
    file.write(bytesOf, bytes);
    w.entry.begin += 8 + text.size();
    w.entry.end += 8 + text.size();
  }
  file.close();
  return written;
}

std::vector<WrittenEntry>
writeSafetensors(const std::string &path,
                 const std::vector<SafetensorsEntry> &entries,
                 const std::map<std::string, std::string> &metadata,
                 const std::vector<const void *> &data) {
  return writeSafetensors(path, entries, metadata,
                          [&](size_t i) { return data[i]; });
}

} // namespace pxrt::ckpt
