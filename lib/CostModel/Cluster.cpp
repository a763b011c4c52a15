//===- Cluster.cpp - Cluster description for the cost model ---------------===//

#include "pxc/CostModel/Cluster.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

namespace pxc::cost {

using nlohmann::json;

static constexpr DType kDTypes[] = {DType::F32, DType::TF32, DType::BF16,
                                    DType::F16};

std::string_view dtypeName(DType type) {
  switch (type) {
  case DType::F32:
    return "f32";
  case DType::TF32:
    return "tf32";
  case DType::BF16:
    return "bf16";
  case DType::F16:
    return "f16";
  }
  return "?";
}

std::optional<DType> parseDType(std::string_view name) {
  for (DType type : kDTypes)
    if (dtypeName(type) == name)
      return type;
  return std::nullopt;
}

bool operator==(const ClusterSpec &a, const ClusterSpec &b) {
  return a.name == b.name && a.nodes == b.nodes &&
         a.devicesPerNode == b.devicesPerNode &&
         std::equal(std::begin(a.peakFlops), std::end(a.peakFlops),
                    std::begin(b.peakFlops)) &&
         a.deviceMemory == b.deviceMemory &&
         a.deviceMemoryBandwidth == b.deviceMemoryBandwidth &&
         a.intraNode == b.intraNode && a.interNode == b.interNode;
}

//===----------------------------------------------------------------------===//
// Presets
//===----------------------------------------------------------------------===//

// Sources (docs/cost-model.md lists them too):
//  - NVIDIA A100 Tensor Core GPU datasheet (A100 SXM4 80GB column): FP32 19.5
//    TFLOPS, TF32 156, BF16 / FP16 312 (dense; the datasheet's larger
//    figures are with structured sparsity), 80 GB HBM2e at 2,039 GB/s,
//    NVLink 600 GB/s.
//  - NVIDIA H100 Tensor Core GPU datasheet (H100 SXM5 column): FP32 67
//    TFLOPS, TF32 989 / BF16 1,979 / FP16 1,979 with sparsity, i.e. 495 /
//    989 / 989 dense; 80 GB HBM3 at 3.35 TB/s; NVLink 900 GB/s.
//  - NVIDIA DGX A100 and DGX H100 datasheets: 8 GPUs per node, 8 single-port
//    ConnectX-6 200 Gb/s HDR (A100) or ConnectX-7 400 Gb/s NDR (H100)
//    InfiniBand adapters, i.e. one NIC per GPU.
//  - DGX SuperPOD reference architectures: one scalable unit is 20 DGX A100
//    or 32 DGX H100 nodes; that is the presets' default node count.
// NVLink figures are bidirectional totals; a ring sends one way, so the bus
// bandwidth is half. Latencies lie between the LL and Simple protocol
// per-hop latencies of NCCL's tuning model (src/graph/tuning.cc).
static constexpr double kGiB = 1024.0 * 1024.0 * 1024.0;

static ClusterSpec dgxA100() {
  ClusterSpec spec;
  spec.name = "dgx-a100";
  spec.nodes = 20;
  spec.devicesPerNode = 8;
  spec.peakFlops[static_cast<int>(DType::F32)] = 19.5e12;
  spec.peakFlops[static_cast<int>(DType::TF32)] = 156e12;
  spec.peakFlops[static_cast<int>(DType::BF16)] = 312e12;
  spec.peakFlops[static_cast<int>(DType::F16)] = 312e12;
  spec.deviceMemory = 80 * kGiB;
  spec.deviceMemoryBandwidth = 2.039e12;
  spec.intraNode = {300e9, 2e-6};
  spec.interNode = {25e9, 6e-6};
  return spec;
}

static ClusterSpec dgxH100() {
  ClusterSpec spec;
  spec.name = "dgx-h100";
  spec.nodes = 32;
  spec.devicesPerNode = 8;
  spec.peakFlops[static_cast<int>(DType::F32)] = 67e12;
  spec.peakFlops[static_cast<int>(DType::TF32)] = 495e12;
  spec.peakFlops[static_cast<int>(DType::BF16)] = 989e12;
  spec.peakFlops[static_cast<int>(DType::F16)] = 989e12;
  spec.deviceMemory = 80 * kGiB;
  spec.deviceMemoryBandwidth = 3.35e12;
  spec.intraNode = {450e9, 2e-6};
  spec.interNode = {50e9, 6e-6};
  return spec;
}

std::vector<std::string> presetNames() { return {"dgx-a100", "dgx-h100"}; }

std::optional<ClusterSpec> preset(std::string_view name) {
  if (name == "dgx-a100")
    return dgxA100();
  if (name == "dgx-h100")
    return dgxH100();
  return std::nullopt;
}

//===----------------------------------------------------------------------===//
// JSON
//===----------------------------------------------------------------------===//

namespace {

/// Records the first syntax error of a failed parse: the DOM parser in
/// non-throwing mode only says that the text was discarded, not where.
struct SyntaxErrorFinder : json::json_sax_t {
  std::string message;

  bool null() override { return true; }
  bool boolean(bool) override { return true; }
  bool number_integer(number_integer_t) override { return true; }
  bool number_unsigned(number_unsigned_t) override { return true; }
  bool number_float(number_float_t, const string_t &) override { return true; }
  bool string(string_t &) override { return true; }
  bool binary(binary_t &) override { return true; }
  bool start_object(std::size_t) override { return true; }
  bool key(string_t &) override { return true; }
  bool end_object() override { return true; }
  bool start_array(std::size_t) override { return true; }
  bool end_array() override { return true; }
  bool parse_error(std::size_t, const std::string &,
                   const nlohmann::detail::exception &ex) override {
    message = ex.what();
    // Drop the "[json.exception.parse_error.101] " prefix.
    size_t bracket = message.find("] ");
    if (bracket != std::string::npos)
      message = message.substr(bracket + 2);
    return false;
  }
};

// Largest accepted node and device count: keeps nodes * devicesPerNode far
// from overflow.
constexpr int64_t kMaxCount = int64_t(1) << 24;

/// Reads fields out of a parsed document, remembering the first error.
class Reader {
public:
  explicit Reader(std::string_view source) : source(source) {}

  bool failed() const { return !error.empty(); }
  const std::string &message() const { return error; }

  void fail(const std::string &field, const std::string &what) {
    if (error.empty())
      error = std::string(source) + ": field '" + field + "': " + what;
  }
  void failTop(const std::string &what) {
    if (error.empty())
      error = std::string(source) + ": " + what;
  }

  /// Checks that `obj` (named `path`, empty for the top level) is an object
  /// holding only `allowed` keys; returns false otherwise.
  bool object(const json &obj, const std::string &path,
              std::initializer_list<const char *> allowed) {
    if (!obj.is_object()) {
      if (path.empty())
        failTop("expected a JSON object at the top level");
      else
        fail(path, "expected an object");
      return false;
    }
    for (const auto &item : obj.items()) {
      if (std::none_of(allowed.begin(), allowed.end(),
                       [&](const char *key) { return item.key() == key; })) {
        fail(join(path, item.key()), "unknown field");
        return false;
      }
    }
    return true;
  }

  /// The member `key` of `obj`; nullptr (and an error) if it is missing.
  const json *member(const json &obj, const std::string &path,
                     const char *key) {
    auto it = obj.find(key);
    if (it == obj.end()) {
      fail(join(path, key), "missing");
      return nullptr;
    }
    return &*it;
  }

  std::string string(const json &obj, const std::string &path,
                     const char *key) {
    const json *value = member(obj, path, key);
    if (!value)
      return {};
    if (!value->is_string() || value->get_ref<const std::string &>().empty()) {
      fail(join(path, key), "expected a non-empty string");
      return {};
    }
    return value->get<std::string>();
  }

  int64_t count(const json &obj, const std::string &path, const char *key) {
    const json *value = member(obj, path, key);
    if (!value)
      return 0;
    bool ok = false;
    int64_t result = 0;
    if (value->is_number_unsigned()) {
      uint64_t v = value->get<uint64_t>();
      ok = v >= 1 && v <= static_cast<uint64_t>(kMaxCount);
      result = static_cast<int64_t>(v);
    } else if (value->is_number_integer()) {
      result = value->get<int64_t>();
      ok = result >= 1 && result <= kMaxCount;
    }
    if (!ok) {
      fail(join(path, key),
           "expected an integer between 1 and " + std::to_string(kMaxCount));
      return 0;
    }
    return result;
  }

  /// A finite number, > 0 or (if `allowZero`) >= 0.
  double number(const json &obj, const std::string &path, const char *key,
                bool allowZero = false) {
    const json *value = member(obj, path, key);
    if (!value)
      return 0;
    double v = value->is_number() ? value->get<double>() : -1;
    if (!std::isfinite(v) || v < 0 || (v == 0 && !allowZero)) {
      fail(join(path, key),
           allowZero ? "expected a number >= 0" : "expected a positive number");
      return 0;
    }
    return v;
  }

private:
  static std::string join(const std::string &path, const std::string &key) {
    return path.empty() ? key : path + "." + key;
  }

  std::string_view source;
  std::string error;
};

} // namespace

static LinkSpec readLink(Reader &reader, const json &doc, const char *key) {
  const json *obj = reader.member(doc, "", key);
  if (!obj || !reader.object(*obj, key, {"bandwidth", "latency"}))
    return {};
  LinkSpec link;
  link.bandwidth = reader.number(*obj, key, "bandwidth");
  link.latency = reader.number(*obj, key, "latency", /*allowZero=*/true);
  return link;
}

std::optional<ClusterSpec> parseCluster(std::string_view text,
                                        std::string_view source,
                                        std::string &error) {
  json doc = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) {
    SyntaxErrorFinder finder;
    json::sax_parse(text, &finder);
    error = std::string(source) + ": invalid JSON: " + finder.message;
    return std::nullopt;
  }

  Reader reader(source);
  ClusterSpec spec;
  if (reader.object(doc, "",
                    {"name", "nodes", "devices_per_node", "peak_flops",
                     "device_memory", "device_memory_bandwidth", "intra_node",
                     "inter_node"})) {
    spec.name = reader.string(doc, "", "name");
    spec.nodes = reader.count(doc, "", "nodes");
    spec.devicesPerNode = reader.count(doc, "", "devices_per_node");
    if (const json *flops = reader.member(doc, "", "peak_flops");
        flops &&
        reader.object(*flops, "peak_flops", {"f32", "tf32", "bf16", "f16"})) {
      for (DType type : kDTypes)
        spec.peakFlops[static_cast<int>(type)] = reader.number(
            *flops, "peak_flops", std::string(dtypeName(type)).c_str());
    }
    spec.deviceMemory = reader.number(doc, "", "device_memory");
    spec.deviceMemoryBandwidth =
        reader.number(doc, "", "device_memory_bandwidth");
    spec.intraNode = readLink(reader, doc, "intra_node");
    spec.interNode = readLink(reader, doc, "inter_node");
  }
  if (reader.failed()) {
    error = reader.message();
    return std::nullopt;
  }
  return spec;
}

std::optional<ClusterSpec> loadCluster(const std::string &path,
                                       std::string &error) {
  // A directory opens as a stream but reads as nothing.
  std::error_code ignored;
  if (std::filesystem::is_directory(path, ignored)) {
    error = path + ": is a directory";
    return std::nullopt;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    error = path + ": cannot open file";
    return std::nullopt;
  }
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) {
    error = path + ": cannot read file";
    return std::nullopt;
  }
  return parseCluster(text.str(), path, error);
}

std::string clusterToJson(const ClusterSpec &spec) {
  // ordered_json keeps the fields in the documented order.
  nlohmann::ordered_json doc;
  doc["name"] = spec.name;
  doc["nodes"] = spec.nodes;
  doc["devices_per_node"] = spec.devicesPerNode;
  for (DType type : kDTypes)
    doc["peak_flops"][std::string(dtypeName(type))] = spec.peak(type);
  doc["device_memory"] = spec.deviceMemory;
  doc["device_memory_bandwidth"] = spec.deviceMemoryBandwidth;
  doc["intra_node"]["bandwidth"] = spec.intraNode.bandwidth;
  doc["intra_node"]["latency"] = spec.intraNode.latency;
  doc["inter_node"]["bandwidth"] = spec.interNode.bandwidth;
  doc["inter_node"]["latency"] = spec.interNode.latency;
  return doc.dump(2) + "\n";
}

bool saveCluster(const ClusterSpec &spec, const std::string &path,
                 std::string &error) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << clusterToJson(spec);
  out.close();
  if (!out) {
    error = path + ": cannot write file";
    return false;
  }
  return true;
}

/// "dgx-h100:16" -> the preset with 16 nodes; nullopt if `text` names no
/// preset. Sets `error` if the preset exists but the node count is bad.
static std::optional<ClusterSpec> presetWithNodes(std::string_view text,
                                                  std::string &error) {
  size_t colon = text.find(':');
  std::optional<ClusterSpec> spec = preset(text.substr(0, colon));
  if (!spec || colon == std::string_view::npos)
    return spec;
  std::string_view digits = text.substr(colon + 1);
  int64_t nodes = 0;
  bool ok = !digits.empty() && digits.size() <= 8;
  for (char c : digits) {
    ok = ok && c >= '0' && c <= '9';
    nodes = nodes * 10 + (c - '0');
  }
  if (!ok || nodes < 1 || nodes > kMaxCount) {
    error = "cluster '" + std::string(text) +
            "': expected a positive node count after ':'";
    return std::nullopt;
  }
  spec->nodes = nodes;
  return spec;
}

std::optional<ClusterSpec> lookupCluster(std::string_view nameOrPath,
                                         std::string &error) {
  error.clear();
  std::optional<ClusterSpec> spec = presetWithNodes(nameOrPath, error);
  if (spec || !error.empty())
    return spec;
  std::string path(nameOrPath);
  if (!std::ifstream(path)) {
    error = "unknown cluster '" + path + "': neither a preset (";
    for (const std::string &name : presetNames())
      error += (error.back() == '(' ? "" : ", ") + name;
    error += ") nor a readable JSON file";
    return std::nullopt;
  }
  return loadCluster(path, error);
}

//===----------------------------------------------------------------------===//
// Mesh mapping
//===----------------------------------------------------------------------===//

std::optional<std::vector<Link>> mapMesh(const ClusterSpec &cluster,
                                         const std::vector<int64_t> &mesh,
                                         std::string &error) {
  int64_t devices = 1;
  for (int64_t extent : mesh) {
    if (extent < 1) {
      error = "mesh extent " + std::to_string(extent) + " is not positive";
      return std::nullopt;
    }
    // Compare before multiplying: a large mesh must not overflow.
    if (extent > cluster.totalDevices() / devices) {
      error = "the mesh needs more devices than cluster '" + cluster.name +
              "' has (" + std::to_string(cluster.totalDevices()) + ")";
      return std::nullopt;
    }
    devices *= extent;
  }

  std::vector<Link> links;
  int64_t stride = devices;
  for (int64_t extent : mesh) {
    stride /= extent;
    // Fewest members any group has on one node; a group's members are
    // base + i * stride where base has coordinate 0 on this axis.
    int64_t fewest = extent;
    bool spansNodes = false;
    for (int64_t base = 0; base < devices; ++base) {
      if ((base / stride) % extent != 0)
        continue;
      std::map<int64_t, int64_t> perNode;
      for (int64_t i = 0; i < extent; ++i)
        ++perNode[(base + i * stride) / cluster.devicesPerNode];
      spansNodes = spansNodes || perNode.size() > 1;
      for (const auto &entry : perNode)
        fewest = std::min(fewest, entry.second);
    }
    if (!spansNodes) {
      links.push_back({cluster.intraNode.bandwidth, cluster.intraNode.latency,
                       /*intraNode=*/true});
      continue;
    }
    double bandwidth =
        std::min(cluster.intraNode.bandwidth,
                 static_cast<double>(fewest) * cluster.interNode.bandwidth);
    links.push_back({bandwidth, cluster.interNode.latency,
                     /*intraNode=*/false});
  }
  return links;
}

} // namespace pxc::cost
