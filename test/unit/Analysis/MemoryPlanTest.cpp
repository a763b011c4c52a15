//===- MemoryPlanTest.cpp - Invariants of the static memory plan ----------===//

#include "pxc/Analysis/MemoryPlan.h"
#include "pxc/InitAll.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/MLIRContext.h"
#include "pxc/Dialect/Px/PxOps.h"
#include "gtest/gtest.h"

#include <random>

using namespace mlir;
using namespace pxc;

namespace {

/// A function with `ops` random unary/binary ops on tensors of random sizes
/// (reshaped between sizes through splits/concats would complicate things;
/// sizes vary by using independent chains of different widths).
func::FuncOp randomFunction(OpBuilder &builder, ModuleOp module, int ops,
                            unsigned seed) {
  std::mt19937 rng(seed);
  Location loc = builder.getUnknownLoc();
  SmallVector<int64_t> widths = {8, 24, 64, 200};
  SmallVector<Type> argTypes;
  for (int64_t w : widths)
    argTypes.push_back(RankedTensorType::get({w}, builder.getF32Type()));
  builder.setInsertionPointToEnd(module.getBody());
  auto func = func::FuncOp::create(builder, loc, "f",
                                   builder.getFunctionType(argTypes, {}));
  Block *body = func.addEntryBlock();
  builder.setInsertionPointToEnd(body);
  // Live values per width.
  SmallVector<SmallVector<Value>> pools(widths.size());
  for (auto [i, arg] : llvm::enumerate(body->getArguments()))
    pools[i].push_back(arg);
  for (int i = 0; i < ops; ++i) {
    size_t w = rng() % widths.size();
    SmallVector<Value> &pool = pools[w];
    Value a = pool[rng() % pool.size()];
    Value b = pool[rng() % pool.size()];
    Value result = rng() % 2 ? px::AddOp::create(builder, loc, a, b).getResult()
                             : px::ExpOp::create(builder, loc, a).getResult();
    pool.push_back(result);
    // Keep pools short so that many values die early.
    if (pool.size() > 4)
      pool.erase(pool.begin() + rng() % (pool.size() - 1));
  }
  SmallVector<Value> results;
  for (SmallVector<Value> &pool : pools)
    results.push_back(pool.back());
  func::ReturnOp::create(builder, loc, results);
  func.setType(
      builder.getFunctionType(argTypes, ValueRange(results).getTypes()));
  return func;
}

TEST(MemoryPlan, NoLiveOverlapAndReuseIsOrdered) {
  DialectRegistry registry;
  registerAllDialects(registry);
  MLIRContext context(registry);
  context.loadAllAvailableDialects();
  for (unsigned seed = 0; seed < 50; ++seed) {
    OpBuilder builder(&context);
    OwningOpRef<ModuleOp> module = ModuleOp::create(builder.getUnknownLoc());
    func::FuncOp func = randomFunction(builder, *module, 200, seed);
    MemoryPlan plan = planMemory(func);

    // Lifetimes in program order: [defined, last use].
    Block &body = func.getBody().front();
    DenseMap<Operation *, int64_t> position;
    for (auto [i, op] : llvm::enumerate(body))
      position[&op] = i;
    struct Life {
      Value value;
      int64_t begin, end, offset, size;
    };
    std::vector<Life> lives;
    for (auto [value, offset] : plan.offsets) {
      int64_t begin = isa<BlockArgument>(value)
                          ? 0
                          : position.lookup(value.getDefiningOp());
      int64_t end = begin;
      for (Operation *user : value.getUsers())
        end = std::max(end, position.lookup(user));
      lives.push_back({value, begin, end, offset, plan.sizes.lookup(value)});
      EXPECT_LE(offset + plan.sizes.lookup(value), plan.arenaBytes);
      EXPECT_EQ(offset % MemoryPlan::kAlignment, 0);
    }
    // Happens-before: a value's producer runs after the readers of every
    // value in its reuse closure.
    DenseMap<Value, DenseSet<Value>> before;
    llvm::sort(lives,
               [](const Life &a, const Life &b) { return a.begin < b.begin; });
    for (const Life &life : lives) {
      DenseSet<Value> &closure = before[life.value];
      for (Value owner : plan.reuses.lookup(life.value)) {
        closure.insert(owner);
        for (Value earlier : before[owner])
          closure.insert(earlier);
      }
    }
    for (const Life &a : lives)
      for (const Life &b : lives) {
        if (a.value == b.value)
          continue;
        bool bytes =
            a.offset < b.offset + b.size && b.offset < a.offset + a.size;
        if (!bytes)
          continue;
        bool live = a.begin <= b.end && b.begin <= a.end;
        EXPECT_FALSE(live) << "seed " << seed << ": live buffers overlap";
        if (a.end < b.begin) {
          EXPECT_TRUE(before[b.value].contains(a.value))
              << "seed " << seed << ": reuse without a dependency";
        }
      }
  }
}

} // namespace
