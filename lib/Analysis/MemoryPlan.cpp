//===- MemoryPlan.cpp - Static buffer offsets for a per-rank function -----===//

#include "pxc/Analysis/MemoryPlan.h"

#include "pxc/Dialect/Px/PxOps.h"
#include "pxc/Support/LLVM.h"

#include <map>

using namespace pxc;

int64_t pxc::tensorBytes(Type type) {
  auto tensor = cast<RankedTensorType>(type);
  int64_t width = std::max<int64_t>(1, tensor.getElementTypeBitWidth() / 8);
  return tensor.getNumElements() * width;
}

static int64_t alignUp(int64_t bytes) {
  int64_t a = MemoryPlan::kAlignment;
  return std::max<int64_t>(a, (bytes + a - 1) / a * a);
}

namespace {
/// Free byte ranges of the arena, by offset, each with the values that
/// owned its bytes last.
class FreeList {
public:
  explicit FreeList(int64_t base) : top(base) {}

  /// First fit. `owners` receives the previous owners of the bytes taken.
  int64_t allocate(int64_t size, SmallVectorImpl<Value> &owners) {
    for (auto it = blocks.begin(); it != blocks.end(); ++it) {
      int64_t offset = it->first;
      Block &block = it->second;
      bool atTop = offset + block.size == top;
      if (block.size < size && !atTop)
        continue;
      owners.append(block.owners.begin(), block.owners.end());
      if (block.size > size) {
        // The rest stays free; its owners may be a superset of its bytes'
        // real owners, which only costs some parallelism.
        blocks[offset + size] = {block.size - size, block.owners};
      } else if (atTop) {
        top = offset + size; // Grow the arena from a free tail.
      }
      blocks.erase(offset);
      return offset;
    }
    int64_t offset = top;
    top += size;
    return offset;
  }

  /// Frees [offset, offset + size), last owned by `owner`, merging with
  /// free neighbours.
  void release(int64_t offset, int64_t size, Value owner) {
    Block block{size, {owner}};
    auto next = blocks.lower_bound(offset);
    if (next != blocks.end() && offset + size == next->first) {
      block.size += next->second.size;
      merge(block.owners, next->second.owners);
      next = blocks.erase(next);
    }
    if (next != blocks.begin()) {
      auto previous = std::prev(next);
      if (previous->first + previous->second.size == offset) {
        previous->second.size += block.size;
        merge(previous->second.owners, block.owners);
        return;
      }
    }
    blocks[offset] = std::move(block);
  }

  int64_t end() const { return top; }

private:
  struct Block {
    int64_t size;
    SmallVector<Value, 2> owners;
  };

  static void merge(SmallVectorImpl<Value> &into, ArrayRef<Value> from) {
    for (Value v : from)
      if (!llvm::is_contained(into, v))
        into.push_back(v);
  }

  std::map<int64_t, Block> blocks;
  int64_t top;
};
} // namespace

/// Values that live in the persistent region (never reused).
static bool isPersistent(Value value) {
  return value.getDefiningOp<px::ParameterOp>() != nullptr;
}

/// Values code generation embeds instead of placing in the arena.
static bool isEmbedded(Value value) {
  return value.getDefiningOp<px::ConstantOp>() != nullptr;
}

MemoryPlan pxc::planMemory(func::FuncOp func, const PlanHints &hints) {
  MemoryPlan plan;
  Block &body = func.getBody().front();
  DenseMap<Operation *, int64_t> position;
  for (auto [i, op] : llvm::enumerate(body))
    position[&op] = i;
  auto skipped = [&](Operation *op) { return hints.skip && hints.skip(op); };
  auto lastUse = [&](Value value, int64_t defined) {
    int64_t last = defined;
    for (Operation *user : value.getUsers())
      if (!skipped(user))
        last = std::max(last,
                        position.lookup(hints.runsWith.lookup_or(user, user)));
    return last;
  };
  auto used = [&](Value value) {
    return llvm::any_of(value.getUsers(),
                        [&](Operation *user) { return !skipped(user); });
  };

  // Parameters first, packed, then the values with their own slots.
  auto persist = [&](Value value, int64_t count) {
    int64_t size = alignUp(tensorBytes(value.getType()));
    plan.offsets[value] = plan.persistentBytes;
    plan.sizes[value] = size;
    plan.persistentBytes += count * size;
  };
  for (auto param : body.getOps<px::ParameterOp>())
    if (!skipped(param))
      persist(param, 1);
  for (BlockArgument arg : body.getArguments())
    if (int count = hints.slots.lookup(arg))
      persist(arg, count);
  for (Operation &op : body)
    if (!skipped(&op))
      for (Value result : op.getResults())
        if (int count = hints.slots.lookup(result))
          persist(result, count);

  // Activations in program order; `dying[i]` are the buffers to free after
  // op i.
  FreeList free(plan.persistentBytes);
  std::vector<SmallVector<Value>> dying(body.getOperations().size());
  auto place = [&](Value value, int64_t defined) {
    int64_t size = alignUp(tensorBytes(value.getType()));
    SmallVector<Value> owners;
    plan.offsets[value] = free.allocate(size, owners);
    plan.sizes[value] = size;
    if (!owners.empty())
      plan.reuses[value] = std::move(owners);
    dying[std::max<int64_t>(0, lastUse(value, defined))].push_back(value);
  };
  for (BlockArgument arg : body.getArguments())
    if (!hints.slots.count(arg) && (!hints.skip || used(arg)))
      place(arg, 0);
  // Results written by an earlier op's actor are placed at that op.
  DenseMap<Operation *, SmallVector<Operation *>> writtenEarly;
  for (auto [op, with] : hints.runsWith)
    if (position.lookup(with) < position.lookup(op))
      writtenEarly[with].push_back(op);
  for (auto &[with, ops] : writtenEarly)
    llvm::sort(ops, [&](Operation *a, Operation *b) {
      return position.lookup(a) < position.lookup(b);
    });
  auto placeResults = [&](Operation &op, int64_t i) {
    if (skipped(&op))
      return;
    for (Value result : op.getResults())
      if (!isPersistent(result) && !isEmbedded(result) &&
          !hints.noBuffer.contains(result) && !hints.slots.count(result))
        place(result, i);
  };
  for (auto [i, op] : llvm::enumerate(body)) {
    auto with = hints.runsWith.find(&op);
    if (with == hints.runsWith.end() ||
        position.lookup(with->second) > static_cast<int64_t>(i))
      placeResults(op, i);
    for (Operation *early : writtenEarly.lookup(&op))
      placeResults(*early, i);
    for (Value value : dying[i])
      free.release(plan.offsets[value], plan.sizes[value], value);
  }
  plan.arenaBytes = free.end();
  return plan;
}
