//===- File.cpp - Reading and atomically writing tensor files -------------===//

#include "IoInternal.h"

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <unistd.h>

namespace pxrt::io {

namespace {

bool isNpy(const std::string &path) {
  return path.size() >= 4 && path.compare(path.size() - 4, 4, ".npy") == 0;
}

} // namespace

std::string shapeString(const std::vector<int64_t> &shape) {
  std::string text = "[";
  for (size_t d = 0; d < shape.size(); ++d)
    text += (d ? ", " : "") + std::to_string(shape[d]);
  return text + "]";
}

int64_t Tensor::numel() const {
  int64_t count = 1;
  for (int64_t d : shape)
    count *= d;
  return count;
}

void fail(const std::string &what, const std::string &message) {
  throw std::runtime_error(what + ": " + message);
}

void checkTensor(const Tensor &tensor, const std::string &what) {
  for (int64_t d : tensor.shape)
    if (d < 0)
      fail(what, "negative dim in " + shapeString(tensor.shape));
  size_t expected =
      static_cast<size_t>(tensor.numel()) * dtypeSize(tensor.type);
  if (tensor.data.size() != expected)
    fail(what, "data has " + std::to_string(tensor.data.size()) + " bytes, " +
                   shapeString(tensor.shape) + " " + dtypeName(tensor.type) +
                   " needs " + std::to_string(expected));
}

std::string readFile(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    fail(path, std::string("cannot open: ") + std::strerror(errno));
  std::ostringstream content;
  content << in.rdbuf();
  if (in.bad())
    fail(path, "read error");
  return content.str();
}

void writeFileAtomic(const std::string &path, const std::string &bytes) {
  // Unique per process and call, in the target's directory so the rename
  // stays on one file system.
  static std::atomic<unsigned> counter{0};
  std::string temporary = path + ".tmp." + std::to_string(getpid()) + "." +
                          std::to_string(counter++);
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    if (!out)
      fail(path, std::string("cannot create: ") + std::strerror(errno));
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    out.close();
    if (!out) {
      std::remove(temporary.c_str());
      fail(path, "write error");
    }
  }
  if (std::rename(temporary.c_str(), path.c_str()) != 0) {
    int error = errno;
    std::remove(temporary.c_str());
    fail(path,
         std::string("cannot rename into place: ") + std::strerror(error));
  }
}

Tensor readTensor(const std::string &path) {
  return isNpy(path) ? readNpy(path) : readTensorProto(path);
}

void writeTensor(const std::string &path, const Tensor &tensor) {
  if (isNpy(path))
    writeNpy(path, tensor);
  else
    writeTensorProto(path, tensor);
}

void readTensorInto(const std::string &path, DType type,
                    const std::vector<int64_t> &shape, void *destination) {
  Tensor tensor = readTensor(path);
  if (tensor.type != type)
    fail(path, std::string("holds ") + dtypeName(tensor.type) + ", expected " +
                   dtypeName(type));
  if (tensor.shape != shape)
    fail(path, "has shape " + shapeString(tensor.shape) + ", expected " +
                   shapeString(shape));
  if (!tensor.data.empty())
    std::memcpy(destination, tensor.data.data(), tensor.data.size());
}

void writeTensor(const std::string &path, DType type,
                 const std::vector<int64_t> &shape, const void *data,
                 const std::string &name) {
  Tensor tensor;
  tensor.name = name;
  tensor.type = type;
  tensor.shape = shape;
  for (int64_t d : shape)
    if (d < 0)
      fail(path, "negative dim in " + shapeString(shape));
  const uint8_t *bytes = static_cast<const uint8_t *>(data);
  tensor.data.assign(bytes, bytes + tensor.numel() * dtypeSize(type));
  writeTensor(path, tensor);
}

} // namespace pxrt::io
