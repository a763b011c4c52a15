//===- pxc-ckpt.cpp - Inspect, verify, convert pxc checkpoints ------------===//
//
// pxc-ckpt inspect|verify|consolidate|reshard|import; see docs/checkpoints.md.
// Links libpxrt only (no LLVM): it is the runtime's checkpoint code.
//
//===----------------------------------------------------------------------===//

#include "../../runtime/checkpoint/Checkpoint.h"

#include "pxc/Checkpoint/Layout.h"
#include "pxrt/io.h"

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <map>
#include <set>
#include <stdexcept>

namespace fs = std::filesystem;
using namespace pxrt::ckpt;
namespace layout = pxc::ckpt;

namespace {

struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

const char *kUsage =
    "usage: pxc-ckpt COMMAND ...\n"
    "  inspect CKPT [--chunks]     tensors, shapes, who wrote what\n"
    "  verify CKPT                 check every chunk's checksum and that the\n"
    "                              chunks tile every tensor\n"
    "  consolidate CKPT -o FILE    one safetensors file of whole tensors\n"
    "  reshard CKPT --layout=L -o DIR\n"
    "                              rewrite for another configuration (L: its\n"
    "                              OUT/checkpoint-layout.json)\n"
    "  import FILE --layout=L -o DIR [--step=N]\n"
    "                              a checkpoint for L from a safetensors file\n"
    "                              of whole tensors (e.g. exported from\n"
    "                              PyTorch); missing optimizer states start\n"
    "                              at zero\n"
    "CKPT is a checkpoint directory (holding index.json), a --save directory\n"
    "(its newest complete checkpoint is used) or a .safetensors file.\n";

struct Args {
  std::string command;
  std::vector<std::string> positional;
  std::map<std::string, std::string> flags;

  std::string flag(const std::string &name, bool required = true) const {
    auto it = flags.find(name);
    if (it == flags.end()) {
      if (required)
        throw UsageError(command + " needs " + name);
      return "";
    }
    return it->second;
  }
};

Args parseArgs(int argc, char **argv) {
  if (argc < 2)
    throw UsageError("missing command");
  Args args;
  args.command = argv[1];
  for (int i = 2; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "-o" && i + 1 < argc) {
      args.flags["-o"] = argv[++i];
    } else if (arg.rfind("--", 0) == 0) {
      size_t eq = arg.find('=');
      args.flags[arg.substr(0, eq)] =
          eq == std::string::npos ? "" : arg.substr(eq + 1);
    } else {
      args.positional.push_back(arg);
    }
  }
  return args;
}

std::string source(const Args &args) {
  if (args.positional.size() != 1)
    throw UsageError(args.command + " takes one checkpoint");
  return resolveCheckpoint(args.positional[0]);
}

int64_t elements(const std::vector<int64_t> &shape) {
  int64_t n = 1;
  for (int64_t d : shape)
    n *= d;
  return n;
}

int inspect(const Args &args) {
  Reader reader(source(args));
  const Index &index = reader.index();
  std::set<std::string> files;
  uint64_t bytes = 0;
  for (const StoredTensor &t : index.tensors)
    for (const Chunk &c : t.chunks) {
      files.insert(c.file);
      bytes += c.end - c.begin;
    }
  std::printf("checkpoint %s\n  step %lld, seed %llu\n", reader.path().c_str(),
              static_cast<long long>(index.step),
              static_cast<unsigned long long>(index.seed));
  if (!index.mesh.empty())
    std::printf("  written by mesh %s x %lld pipeline devices\n",
                pxrt::io::shapeString(index.mesh).c_str(),
                static_cast<long long>(index.devices));
  std::printf("  %zu tensors, %zu files, %llu bytes\n", index.tensors.size(),
              files.size(), static_cast<unsigned long long>(bytes));
  bool chunks = args.flags.count("--chunks");
  std::printf("%-40s %-5s %-16s %-9s %s\n", "tensor", "dtype", "shape", "kind",
              "chunks (writer ranks)");
  for (const StoredTensor &t : index.tensors) {
    std::string writers;
    for (const Chunk &c : t.chunks)
      writers += (writers.empty() ? "" : ",") +
                 (c.writer < 0 ? std::string("-") : std::to_string(c.writer));
    std::printf("%-40s %-5s %-16s %-9s %zu (%s)\n", t.name.c_str(),
                t.dtype.c_str(), pxrt::io::shapeString(t.shape).c_str(),
                t.kind.c_str(), t.chunks.size(), writers.c_str());
    if (!chunks)
      continue;
    for (const Chunk &c : t.chunks)
      std::printf("    offsets %s sizes %s  %s bytes [%llu, %llu) writer %lld "
                  "replicas %s\n",
                  pxrt::io::shapeString(c.box.offsets).c_str(),
                  pxrt::io::shapeString(c.box.sizes).c_str(), c.file.c_str(),
                  static_cast<unsigned long long>(c.begin),
                  static_cast<unsigned long long>(c.end),
                  static_cast<long long>(c.writer),
                  pxrt::io::shapeString(c.replicas).c_str());
  }
  return 0;
}

int verifyCommand(const Args &args) {
  Reader reader(source(args));
  std::vector<std::string> problems = verify(reader);
  for (const std::string &p : problems)
    std::fprintf(stderr, "error: %s\n", p.c_str());
  if (!problems.empty()) {
    std::fprintf(stderr, "%s: %zu problem(s)\n", reader.path().c_str(),
                 problems.size());
    return 1;
  }
  size_t chunks = 0;
  for (const StoredTensor &t : reader.index().tensors)
    chunks += t.chunks.size();
  std::printf("%s: OK (%zu tensors, %zu chunks)\n", reader.path().c_str(),
              reader.index().tensors.size(), chunks);
  return 0;
}

int consolidate(const Args &args) {
  Reader reader(source(args));
  std::string out = args.flag("-o");
  std::vector<SafetensorsEntry> entries;
  std::map<std::string, std::string> metadata{
      {"format", "pt"}, {"pxc.step", std::to_string(reader.index().step)}};
  const std::vector<StoredTensor> &tensors = reader.index().tensors;
  for (const StoredTensor &t : tensors) {
    entries.push_back({t.name, t.dtype, t.shape, 0, 0});
    metadata["pxc.kind." + t.name] = t.kind;
  }
  // One tensor in memory at a time.
  std::vector<char> buffer;
  writeSafetensors(out, entries, metadata, [&](size_t i) -> const void * {
    const StoredTensor &t = tensors[i];
    buffer.assign(elements(t.shape) * safetensorsWidth(t.dtype), 0);
    reader.read(t, Box{std::vector<int64_t>(t.shape.size(), 0), t.shape},
                buffer.data());
    return buffer.data();
  });
  std::printf("wrote %s (%zu tensors, step %lld)\n", out.c_str(),
              entries.size(), static_cast<long long>(reader.index().step));
  return 0;
}

/// Writes a checkpoint for `target` into `out` from `reader`: every rank's
/// primary fragments, as that configuration would save them. With
/// `zeroStates`, optimizer states missing from the source start at zero.
int writeFor(Reader &reader, const layout::Layout &target,
             const std::string &out, int64_t step, bool zeroStates) {
  Index index;
  index.step = step;
  index.seed = reader.index().seed;
  index.mesh = target.mesh;
  index.devices = target.devices;
  // Per rank, the (tensor, fragment) pairs it saves.
  std::map<int64_t, std::vector<std::pair<size_t, size_t>>> byRank;
  std::vector<layout::ReplicaGroups> replicas;
  std::vector<std::string> missing;
  for (size_t i = 0; i < target.tensors.size(); ++i) {
    const layout::TensorLayout &t = target.tensors[i];
    const StoredTensor *stored = reader.index().find(t.name);
    if (stored && (stored->shape != t.shape || stored->dtype != t.dtype))
      throw std::runtime_error("tensor '" + t.name + "' is " + stored->dtype +
                               " " + pxrt::io::shapeString(stored->shape) +
                               " in " + reader.path() + " but " + t.dtype +
                               " " + pxrt::io::shapeString(t.shape) +
                               " in the layout");
    if (!stored && !(zeroStates && t.kind == "state"))
      missing.push_back(t.name);
    index.tensors.push_back({t.name, t.dtype, t.shape, t.kind, {}});
    replicas.push_back(layout::replicaGroups(t.fragments));
    for (size_t j = 0; j < t.fragments.size(); ++j)
      if (t.fragments[j].primary)
        byRank[t.fragments[j].rank].push_back({i, j});
  }
  if (!missing.empty()) {
    std::string list;
    for (size_t i = 0; i < missing.size() && i < 5; ++i)
      list += (i ? ", " : "") + ("'" + missing[i] + "'");
    throw std::runtime_error(reader.path() + " lacks " +
                             std::to_string(missing.size()) +
                             " tensor(s) of the layout: " + list +
                             (missing.size() > 5 ? ", ..." : ""));
  }
  fs::create_directories(out);
  std::string staging =
      (fs::path(out) / ("." + stepDirName(step) + ".pxc-ckpt")).string();
  fs::remove_all(staging);
  fs::create_directories(staging);
  for (auto &[rank, fragments] : byRank) {
    std::vector<std::vector<char>> buffers;
    std::vector<SavedFragment> saved;
    buffers.reserve(fragments.size());
    for (auto [i, j] : fragments) {
      const StoredTensor &t = index.tensors[i];
      const layout::Fragment *f = &target.tensors[i].fragments[j];
      buffers.emplace_back(layout::volume(f->box) * safetensorsWidth(t.dtype),
                           0);
      if (const StoredTensor *stored = reader.index().find(t.name))
        reader.read(*stored, f->box, buffers.back().data());
      const layout::ReplicaGroups &holders = replicas[i];
      saved.push_back(
          {&t, f->box, holders.groups[holders.of[j]], buffers.back().data()});
    }
    auto chunks = writeRankFile(staging, rank, saved);
    for (size_t k = 0; k < chunks.size(); ++k)
      index.tensors[fragments[k].first].chunks.push_back(
          std::move(chunks[k].second));
  }
  commit(out, staging, index, 0);
  std::printf("wrote %s (%zu tensors for %lld ranks, step %lld)\n",
              (fs::path(out) / stepDirName(step)).c_str(), index.tensors.size(),
              static_cast<long long>(target.ranks()),
              static_cast<long long>(step));
  return 0;
}

layout::Layout readLayout(const Args &args) {
  std::string path = args.flag("--layout");
  try {
    return layout::parseLayout(pxrt::io::readFile(path));
  } catch (const std::runtime_error &e) {
    throw std::runtime_error(path + ": " + e.what());
  }
}

int64_t parseStep(const Args &args, int64_t fallback) {
  std::string text = args.flag("--step", false);
  if (text.empty())
    return fallback;
  try {
    size_t used = 0;
    long long step = std::stoll(text, &used);
    if (used == text.size() && step >= 0)
      return step;
  } catch (const std::exception &) {
  }
  throw UsageError("--step expects a non-negative integer, got '" + text + "'");
}

int run(const Args &args) {
  if (args.command == "inspect")
    return inspect(args);
  if (args.command == "verify")
    return verifyCommand(args);
  if (args.command == "consolidate")
    return consolidate(args);
  if (args.command == "reshard" || args.command == "import") {
    bool import = args.command == "import";
    std::string path = source(args);
    if (import && !fs::is_regular_file(path))
      throw UsageError("import reads a .safetensors file; use reshard for "
                       "checkpoint directories");
    layout::Layout target = readLayout(args);
    std::string out = args.flag("-o");
    Reader reader(path);
    return writeFor(reader, target, out, parseStep(args, reader.index().step),
                    import);
  }
  throw UsageError("unknown command '" + args.command + "'");
}

} // namespace

int main(int argc, char **argv) {
  if (argc >= 2 &&
      (!std::strcmp(argv[1], "--help") || !std::strcmp(argv[1], "-h") ||
       !std::strcmp(argv[1], "help"))) {
    std::cout << kUsage;
    return 0;
  }
  try {
    return run(parseArgs(argc, argv));
  } catch (const UsageError &e) {
    std::cerr << "error: " << e.what() << "\n" << kUsage;
    return 2;
  } catch (const std::exception &e) {
    std::cerr << "error: " << e.what() << "\n";
    return 1;
  }
}
