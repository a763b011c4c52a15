//===- checkpoints.cpp - One rank's saving and loading --------------------===//
//
// Save: the rank copies the fragments it is the primary replica of out of
// its arena (the only time training waits), then a background thread writes
// them as one safetensors file into a hidden staging directory and sends
// their chunk descriptions to rank 0, which writes index.json last and
// renames the directory into place (Index.cpp: commit). A crash at any
// moment leaves the previous checkpoints untouched.
// Load: each local piece is assembled from the stored chunks it intersects,
// whatever configuration wrote them.
//
//===----------------------------------------------------------------------===//

#include "Program.h"

#include "../checkpoint/Checkpoint.h"
#include "pxrt/comm.h"
#include "pxrt/device.h"

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <thread>

namespace pxrt {

namespace fs = std::filesystem;
using namespace pxrt::ckpt;

namespace {
/// A parameter this rank holds.
struct Held {
  const ParameterSpec *spec = nullptr;
  /// Where its local piece lives, and which box of the global tensor that is.
  char *data = nullptr;
  Box local;
  /// Its fragment (the local box without padding), whether this rank saves
  /// it, and every rank holding the same box.
  Box fragment;
  /// Where the fragment lies in the stored tensor (a block's is shifted).
  Box storedBox;
  bool primary = false;
  std::vector<int64_t> replicas;
  StoredTensor stored;
};

const std::vector<int64_t> &logicalShape(const ParameterSpec &spec) {
  return spec.logicalShape.empty() ? spec.tensor.shape : spec.logicalShape;
}

const std::string &storedName(const ParameterSpec &spec) {
  return spec.logicalName.empty() ? spec.tensor.name : spec.logicalName;
}

} // namespace

struct RankCheckpoints::Impl {
  const Program &program;
  int rank;
  std::vector<Held> held;
  std::thread writer;
  std::exception_ptr error;
  /// The communicator of the save in flight.
  Communicator *comm = nullptr;
};

RankCheckpoints::RankCheckpoints(const Program &program, const RankClass &cls,
                                 int rank, const std::vector<int64_t> &coords,
                                 char *arena)
    : impl(new Impl{program, rank, {}, {}, nullptr, nullptr}) {
  for (size_t p = 0; p < program.parameters.size(); ++p) {
    if (cls.parameterOffsets[p] < 0)
      continue;
    const ParameterSpec &spec = program.parameters[p];
    Held h;
    h.spec = &spec;
    h.data = arena + cls.parameterOffsets[p];
    h.local = pieceBox(spec.tensor, program.mesh, coords);
    std::vector<pxc::ckpt::Fragment> all;
    try {
      // A block has no padding of its own.
      all = pxc::ckpt::fragments(
          spec.tensor.shape,
          spec.shardOffsets.empty() ? spec.logicalShape : spec.tensor.shape,
          tensorSbp(spec.tensor, program.mesh.size()), program.mesh, cls.stage);
    } catch (const std::invalid_argument &e) {
      throw std::runtime_error("parameter '" + spec.tensor.name +
                               "' cannot be checkpointed: " + e.what());
    }
    for (size_t i = 0; i < all.size(); ++i)
      if (all[i].rank == rank) {
        h.fragment = all[i].box;
        h.primary = all[i].primary;
        pxc::ckpt::ReplicaGroups replicas = pxc::ckpt::replicaGroups(all);
        h.replicas = replicas.groups[replicas.of[i]];
      }
    h.storedBox = h.fragment;
    for (size_t d = 0; d < spec.shardOffsets.size(); ++d)
      h.storedBox.offsets[d] += spec.shardOffsets[d];
    h.stored.name = storedName(spec);
    h.stored.dtype = safetensorsName(spec.tensor.type);
    h.stored.shape = logicalShape(spec);
    h.stored.kind = spec.kind;
    impl->held.push_back(std::move(h));
  }
}

RankCheckpoints::~RankCheckpoints() {
  if (!impl->writer.joinable())
    return;
  // Unwinding from an error while a save is in flight: its gather may wait
  // for ranks that will never join it.
  impl->comm->abort("a rank failed while a checkpoint was being saved");
  impl->writer.join();
}

void RankCheckpoints::load(const std::string &dir) {
  Reader reader(dir);
  for (Held &h : impl->held) {
    const ParameterSpec &spec = *h.spec;
    const StoredTensor *stored = reader.index().find(h.stored.name);
    if (!stored)
      throw std::runtime_error(dir + ": has no tensor '" + h.stored.name +
                               "' (" + spec.kind + ")");
    if (stored->shape != h.stored.shape || stored->dtype != h.stored.dtype)
      throw std::runtime_error(
          dir + ": tensor '" + h.stored.name + "' is " + stored->dtype + " " +
          io::shapeString(stored->shape) + " there, this program has " +
          h.stored.dtype + " " + io::shapeString(h.stored.shape));
    if (pxc::ckpt::isEmpty(h.fragment))
      continue;
    size_t width = dtypeSize(spec.tensor.type);
    std::vector<char> piece(pxc::ckpt::volume(h.fragment) * width);
    reader.read(*stored, h.storedBox, piece.data());
    copyBetween(h.fragment, piece.data(), h.local, h.data, h.fragment, width);
  }
}

double RankCheckpoints::save(const std::string &root, const std::string &token,
                             int keep, int64_t step, uint64_t seed,
                             Communicator &comm, bool verbose) {
  wait();
  auto start = std::chrono::steady_clock::now();
  // The snapshot: this rank's primary fragments, in host memory.
  auto buffers = std::make_shared<std::vector<std::vector<char>>>();
  std::vector<SavedFragment> fragments;
  for (const Held &h : impl->held) {
    if (!h.primary)
      continue;
    size_t width = dtypeSize(h.spec->tensor.type);
    buffers->emplace_back(pxc::ckpt::volume(h.fragment) * width);
    copyBetween(h.local, h.data, h.fragment, buffers->back().data(), h.fragment,
                width);
    fragments.push_back(
        {&h.stored, h.storedBox, h.replicas, buffers->back().data()});
  }
  double stall = std::chrono::duration<double, std::milli>(
                     std::chrono::steady_clock::now() - start)
                     .count();

  std::string staging =
      (fs::path(root) / ("." + stepDirName(step) + "." + token)).string();
  impl->comm = &comm;
  impl->writer = std::thread([this, buffers, fragments, staging, root, keep,
                              step, seed, &comm, start, verbose] {
    Impl &s = *impl;
    // Every rank takes part in the gather, with its chunks or its error,
    // so that a failed write cannot hang rank 0.
    std::string mine;
    double fileMs = 0;
    try {
      fs::create_directories(staging);
      Index part;
      auto begin = std::chrono::steady_clock::now();
      auto chunks = writeRankFile(staging, s.rank, fragments);
      fileMs = std::chrono::duration<double, std::milli>(
                   std::chrono::steady_clock::now() - begin)
                   .count();
      for (size_t i = 0; i < chunks.size(); ++i) {
        StoredTensor t = *fragments[i].tensor;
        t.chunks = {std::move(chunks[i].second)};
        part.tensors.push_back(std::move(t));
      }
      mine = toJson(part);
    } catch (const std::exception &e) {
      s.error = std::current_exception();
      mine = std::string("error: rank ") + std::to_string(s.rank) + ": " +
             e.what();
    }
    try {
      Stream stream("checkpoint");
      int size = comm.size();
      std::vector<int64_t> lengths(size);
      int64_t length = static_cast<int64_t>(mine.size());
      comm.allGather(&length, lengths.data(), std::vector<size_t>(size, 1),
                     DType::I64, stream);
      stream.synchronize();
      std::vector<size_t> counts(lengths.begin(), lengths.end());
      size_t total = 0;
      for (size_t c : counts)
        total += c;
      std::string all(total, '\0');
      comm.allGather(mine.data(), all.data(), counts, DType::Bool, stream);
      stream.synchronize();
      if (s.rank != 0)
        return;
      Index index;
      index.step = step;
      index.seed = seed;
      index.mesh = s.program.mesh;
      index.devices = s.program.stages;
      std::map<std::string, size_t> position;
      for (const ParameterSpec &spec : s.program.parameters) {
        // The blocks of one tensor share its entry.
        if (!position.emplace(storedName(spec), index.tensors.size()).second)
          continue;
        StoredTensor t;
        t.name = storedName(spec);
        t.dtype = safetensorsName(spec.tensor.type);
        t.shape = logicalShape(spec);
        t.kind = spec.kind;
        index.tensors.push_back(std::move(t));
      }
      size_t at = 0;
      for (int r = 0; r < size; ++r) {
        std::string text = all.substr(at, counts[r]);
        at += counts[r];
        if (text.rfind("error: ", 0) == 0)
          throw std::runtime_error(text.substr(7));
        for (StoredTensor &t : parseIndex(text, staging).tensors)
          for (Chunk &c : t.chunks)
            index.tensors[position.at(t.name)].chunks.push_back(std::move(c));
      }
      commit(root, staging, index, keep);
      double ms = std::chrono::duration<double, std::milli>(
                      std::chrono::steady_clock::now() - start)
                      .count();
      if (verbose) {
        std::printf("saved %s in %.1f ms (rank 0 wrote its file in %.1f ms)\n",
                    (fs::path(root) / stepDirName(step)).c_str(), ms, fileMs);
        std::fflush(stdout);
      }
    } catch (const std::exception &) {
      if (!s.error)
        s.error = std::current_exception();
    }
  });
  return stall;
}

void RankCheckpoints::wait() {
  if (impl->writer.joinable())
    impl->writer.join();
  if (std::exception_ptr error = impl->error) {
    impl->error = nullptr;
    std::rethrow_exception(error);
  }
}

} // namespace pxrt
