//===- Index.cpp - index.json and checkpoint directories ------------------===//

#include "Checkpoint.h"

#include "pxc/Checkpoint/Json.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace fs = std::filesystem;

namespace pxrt::ckpt {

using nlohmann::ordered_json;

const StoredTensor *Index::find(const std::string &name) const {
  if (byName.size() != tensors.size()) {
    byName.clear();
    for (size_t i = 0; i < tensors.size(); ++i)
      byName.emplace(tensors[i].name, i);
  }
  auto it = byName.find(name);
  return it == byName.end() ? nullptr : &tensors[it->second];
}

std::string toJson(const Index &index) {
  ordered_json doc;
  doc["format"] = "pxc-checkpoint";
  doc["version"] = 1;
  doc["step"] = index.step;
  doc["seed"] = index.seed;
  doc["mesh"] = index.mesh;
  doc["devices"] = index.devices;
  ordered_json tensors = ordered_json::array();
  for (const StoredTensor &t : index.tensors) {
    ordered_json chunks = ordered_json::array();
    for (const Chunk &c : t.chunks) {
      ordered_json chunk = {{"offsets", c.box.offsets},
                            {"sizes", c.box.sizes},
                            {"file", c.file},
                            {"byte_range", {c.begin, c.end}}};
      if (c.crc32)
        chunk["crc32"] = *c.crc32;
      chunk["writer"] = c.writer;
      chunk["replicas"] = c.replicas;
      chunks.push_back(std::move(chunk));
    }
    tensors.push_back({{"name", t.name},
                       {"dtype", t.dtype},
                       {"shape", t.shape},
                       {"kind", t.kind},
                       {"chunks", std::move(chunks)}});
  }
  doc["tensors"] = std::move(tensors);
  return pxc::ckpt::dumpOneTensorPerLine(doc);
}

Index parseIndex(const std::string &text, const std::string &path) {
  Index index;
  try {
    ordered_json doc = ordered_json::parse(text);
    if (doc.value("format", "") != "pxc-checkpoint")
      throw std::runtime_error(path + ": not a pxc checkpoint index");
    index.step = doc.at("step").get<int64_t>();
    index.seed = doc.value("seed", uint64_t(0));
    index.mesh = doc.value("mesh", std::vector<int64_t>{});
    index.devices = doc.value("devices", int64_t(1));
    for (const ordered_json &entry : doc.at("tensors")) {
      StoredTensor t;
      t.name = entry.at("name").get<std::string>();
      t.dtype = entry.at("dtype").get<std::string>();
      t.shape = entry.at("shape").get<std::vector<int64_t>>();
      t.kind = entry.value("kind", "parameter");
      if (safetensorsWidth(t.dtype) == 0)
        throw std::runtime_error(path + ": tensor '" + t.name +
                                 "' has unsupported dtype " + t.dtype);
      for (const ordered_json &c : entry.at("chunks")) {
        Chunk chunk;
        chunk.box.offsets = c.at("offsets").get<std::vector<int64_t>>();
        chunk.box.sizes = c.at("sizes").get<std::vector<int64_t>>();
        chunk.file = c.at("file").get<std::string>();
        auto range = c.at("byte_range").get<std::vector<uint64_t>>();
        if (chunk.box.offsets.size() != t.shape.size() ||
            chunk.box.sizes.size() != t.shape.size() || range.size() != 2 ||
            range[0] > range[1] || chunk.file.find('/') != std::string::npos)
          throw std::runtime_error(path + ": tensor '" + t.name +
                                   "' has a malformed chunk");
        chunk.begin = range[0];
        chunk.end = range[1];
        if (c.contains("crc32"))
          chunk.crc32 = c.at("crc32").get<uint32_t>();
        chunk.writer = c.value("writer", int64_t(-1));
        chunk.replicas = c.value("replicas", std::vector<int64_t>{});
        t.chunks.push_back(std::move(chunk));
      }
      index.tensors.push_back(std::move(t));
    }
  } catch (const nlohmann::json::exception &e) {
    throw std::runtime_error(path + ": malformed index: " + e.what());
  }
  return index;
}

Index indexOfSafetensors(const std::string &path) {
  SafetensorsHeader header = readSafetensorsHeader(path);
  Index index;
  auto step = header.metadata.find("pxc.step");
  if (step != header.metadata.end())
    index.step = std::stoll(step->second);
  std::string file = fs::path(path).filename().string();
  for (const SafetensorsEntry &e : header.entries) {
    StoredTensor t;
    t.name = e.key;
    t.dtype = e.dtype;
    t.shape = e.shape;
    auto kind = header.metadata.find("pxc.kind." + e.key);
    if (kind != header.metadata.end())
      t.kind = kind->second;
    Chunk c;
    c.box = Box{std::vector<int64_t>(e.shape.size(), 0), e.shape};
    c.file = file;
    c.begin = e.begin;
    c.end = e.end;
    t.chunks.push_back(std::move(c));
    index.tensors.push_back(std::move(t));
  }
  return index;
}

std::string stepDirName(int64_t step) {
  char name[32];
  std::snprintf(name, sizeof(name), "step-%08lld",
                static_cast<long long>(step));
  return name;
}

/// The step of a directory named step-N, or -1.
static int64_t stepOf(const fs::path &dir) {
  std::string name = dir.filename().string();
  if (name.rfind("step-", 0) != 0 || name.size() == 5)
    return -1;
  for (size_t i = 5; i < name.size(); ++i)
    if (name[i] < '0' || name[i] > '9')
      return -1;
  return std::stoll(name.substr(5));
}

std::string resolveCheckpoint(const std::string &path) {
  std::error_code ec;
  if (fs::is_regular_file(path, ec) ||
      fs::exists(fs::path(path) / "index.json", ec))
    return path;
  if (!fs::is_directory(path, ec))
    throw std::runtime_error(path + ": no such checkpoint directory");
  int64_t best = -1;
  std::string found;
  for (const fs::directory_entry &entry : fs::directory_iterator(path, ec)) {
    int64_t step = stepOf(entry.path());
    if (step > best && fs::exists(entry.path() / "index.json", ec)) {
      best = step;
      found = entry.path().string();
    }
  }
  if (found.empty())
    throw std::runtime_error(path + ": holds no complete checkpoint "
                                    "(no index.json, no step-*/index.json)");
  return found;
}

/// Deletes a checkpoint directory so that it never looks complete while
/// half deleted: first renamed to a hidden name.
static void removeCheckpoint(const fs::path &dir) {
  fs::path hidden =
      dir.parent_path() / ("." + dir.filename().string() + ".old");
  fs::remove_all(hidden);
  fs::rename(dir, hidden);
  fs::remove_all(hidden);
}

void commit(const std::string &root, const std::string &staging,
            const Index &index, int keep) {
  std::string text = toJson(index);
  writeFileDurably(staging + "/index.json", text.data(), text.size());
  fs::path target = fs::path(root) / stepDirName(index.step);
  if (fs::exists(target))
    removeCheckpoint(target);
  fs::rename(staging, target);
  syncDirectory(root);

  std::vector<std::pair<int64_t, fs::path>> complete;
  std::vector<fs::path> leftovers;
  for (const fs::directory_entry &entry : fs::directory_iterator(root)) {
    std::string name = entry.path().filename().string();
    int64_t step = stepOf(entry.path());
    if (step >= 0 && fs::exists(entry.path() / "index.json"))
      complete.push_back({step, entry.path()});
    else if (name.rfind(".step-", 0) == 0)
      leftovers.push_back(entry.path());
  }
  std::sort(complete.begin(), complete.end());
  for (size_t i = 0; keep > 0 && i + keep < complete.size(); ++i)
    removeCheckpoint(complete[i].second);
  for (const fs::path &dir : leftovers)
    fs::remove_all(dir);
}

} // namespace pxrt::ckpt
