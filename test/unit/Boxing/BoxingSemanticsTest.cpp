//===- BoxingSemanticsTest.cpp - Boxing chains run on simulated ranks -----===//
//
// For every pair of N-D SBPs (mixed P(sum) / P(max) included) of small
// tensors on the meshes [2], [3], [2, 2], [3, 2] and [2, 2, 2], uneven
// splits included, px-insert-boxing converts a function argument
// distributed as one into the result distributed as the other (i1 tensors:
// without partial values). The chain it builds then runs on
// simulated ranks: a random global tensor is distributed as the source says
// (hierarchically: over mesh axis 0, then each piece over axis 1; P(sum) as
// random addends, P(max) as random values below the true one with one rank
// holding it), every collective op is applied to each group of ranks along
// its mesh axis with the semantics its documentation states, and after
// every op the ranks must hold the tensor distributed as the op's px.sbp
// says. At the end the result's px.sbp must be the target, ranks of a
// non-partial target must hold exactly their box of the tensor, and partial
// targets must reduce (hierarchically) to it. This checks the cost model's
// path decomposition, the pass and the ops' semantics together.
//
//===----------------------------------------------------------------------===//

#include "pxc/CostModel/Boxing.h"
#include "pxc/Dialect/Px/PxOps.h"
#include "pxc/Passes/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/ADT/DenseSet.h"
#include "llvm/ADT/TypeSwitch.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>
#include <set>

using namespace mlir;
using namespace pxc;
using namespace pxc::px;
using pxc::sbp::NdSbp;
using pxc::sbp::Reduce;
using pxc::sbp::Sbp1D;

namespace {

using Shape = std::vector<int64_t>;

int64_t numElements(const Shape &shape) {
  int64_t n = 1;
  for (int64_t size : shape)
    n *= size;
  return n;
}

struct Tensor {
  Shape shape;
  std::vector<double> data;

  Tensor() = default;
  explicit Tensor(Shape shape, double fill = 0)
      : shape(std::move(shape)), data(numElements(this->shape), fill) {}
};

Shape unravel(int64_t linear, const Shape &shape) {
  Shape index(shape.size());
  for (size_t d = shape.size(); d-- > 0;) {
    index[d] = linear % shape[d];
    linear /= shape[d];
  }
  return index;
}

int64_t ravel(const Shape &index, const Shape &shape) {
  int64_t linear = 0;
  for (size_t d = 0; d < shape.size(); ++d)
    linear = linear * shape[d] + index[d];
  return linear;
}

std::string shapeStr(const Shape &shape) {
  std::string out;
  for (size_t d = 0; d < shape.size(); ++d)
    out += (d ? "x" : "") + std::to_string(shape[d]);
  return out;
}

Tensor slice(const Tensor &tensor, const sbp::Box &box) {
  Tensor out(box.sizes);
  for (int64_t k = 0, e = out.data.size(); k < e; ++k) {
    Shape index = unravel(k, box.sizes);
    for (size_t d = 0; d < index.size(); ++d)
      index[d] += box.offsets[d];
    out.data[k] = tensor.data[ravel(index, tensor.shape)];
  }
  return out;
}

/// Writes `piece` into `tensor` at `offset` along `dim`.
void place(Tensor &tensor, const Tensor &piece, int64_t dim, int64_t offset) {
  for (int64_t k = 0, e = piece.data.size(); k < e; ++k) {
    Shape index = unravel(k, piece.shape);
    index[dim] += offset;
    tensor.data[ravel(index, tensor.shape)] = piece.data[k];
  }
}

/// Chunk `index` of `tensor` split along `dim` over `parts` ranks.
Tensor chunk(const Tensor &tensor, int64_t dim, int64_t parts, int64_t index) {
  sbp::Box box{Shape(tensor.shape.size(), 0), tensor.shape};
  box.offsets[dim] = sbp::chunkOffset(tensor.shape[dim], parts, index);
  box.sizes[dim] = sbp::chunkSize(tensor.shape[dim], parts, index);
  return slice(tensor, box);
}

/// `parts` concatenated along `dim`; empty shape if they do not fit.
Tensor concat(const std::vector<Tensor> &parts, int64_t dim) {
  Shape shape = parts[0].shape;
  shape[dim] = 0;
  for (const Tensor &part : parts) {
    Shape other = part.shape;
    other[dim] = shape[dim];
    if (other != shape)
      return Tensor();
    shape[dim] += part.shape[dim];
  }
  Tensor out(shape);
  int64_t offset = 0;
  for (const Tensor &part : parts) {
    place(out, part, dim, offset);
    offset += part.shape[dim];
  }
  return out;
}

bool close(double a, double b) {
  if (a == b) // Infinities too.
    return true;
  return std::abs(a - b) <= 1e-9 * std::max(1.0, std::abs(b));
}

double identity(Reduce reduce) {
  return reduce == Reduce::Max ? -std::numeric_limits<double>::infinity() : 0;
}

/// Elementwise reduction of pieces of equal shape; empty shape otherwise.
Tensor reduce(const std::vector<Tensor> &pieces, Reduce kind) {
  Tensor out = pieces[0];
  for (size_t m = 1; m < pieces.size(); ++m) {
    if (pieces[m].shape != out.shape)
      return Tensor();
    for (size_t k = 0; k < out.data.size(); ++k)
      out.data[k] = kind == Reduce::Max
                        ? std::max(out.data[k], pieces[m].data[k])
                        : out.data[k] + pieces[m].data[k];
  }
  return out;
}

//===----------------------------------------------------------------------===//
// Ranks
//===----------------------------------------------------------------------===//

/// One tensor per rank, in row-major order of the mesh coordinates.
using Ranks = std::vector<Tensor>;

/// The pieces of `piece` over the `parts` ranks of one axis.
std::vector<Tensor> deal(const Tensor &piece, const Sbp1D &entry, int64_t parts,
                         std::mt19937_64 &rng) {
  std::vector<Tensor> children;
  if (entry.isSplit()) {
    for (int64_t i = 0; i < parts; ++i)
      children.push_back(chunk(piece, entry.dim, parts, i));
    return children;
  }
  children.assign(parts, piece);
  if (entry.isBroadcast())
    return children;
  std::uniform_real_distribution<double> uniform(-1, 1);
  std::uniform_int_distribution<int64_t> pick(0, parts - 1);
  for (size_t k = 0; k < piece.data.size(); ++k) {
    double value = piece.data[k], rest = value;
    int64_t holder = pick(rng);
    for (int64_t m = 0; m < parts; ++m) {
      double &out = children[m].data[k];
      if (entry.reduce == Reduce::Max)
        out = m == holder ? value : value - std::abs(uniform(rng));
      else if (m + 1 < parts)
        rest -= out = uniform(rng);
      else
        out = rest;
    }
  }
  return children;
}

/// `tensor` distributed as `sbp`: over axis 0, then each piece over axis 1...
Ranks distribute(const Tensor &tensor, const NdSbp &sbp, const Shape &mesh,
                 std::mt19937_64 &rng) {
  Ranks pieces = {tensor};
  for (size_t axis = 0; axis < mesh.size(); ++axis) {
    Ranks next;
    for (const Tensor &piece : pieces)
      for (Tensor &child : deal(piece, sbp[axis], mesh[axis], rng))
        next.push_back(std::move(child));
    pieces = std::move(next);
  }
  return pieces;
}

/// The inverse of `deal`: the piece that `children` hold as `entry` says.
std::string combine(const std::vector<Tensor> &children, const Sbp1D &entry,
                    Tensor &piece) {
  int64_t parts = children.size();
  if (entry.isSplit()) {
    piece = concat(children, entry.dim);
    if (piece.shape.empty())
      return "split pieces differ off the split dimension";
    for (int64_t i = 0; i < parts; ++i)
      if (children[i].shape[entry.dim] !=
          sbp::chunkSize(piece.shape[entry.dim], parts, i))
        return "chunk " + std::to_string(i) + " has the wrong size";
    return "";
  }
  if (entry.isPartial()) {
    piece = reduce(children, entry.reduce);
    return piece.shape.empty() && !children[0].shape.empty()
               ? "partial pieces differ in shape"
               : "";
  }
  piece = children[0];
  for (const Tensor &child : children)
    if (child.shape != piece.shape ||
        !std::equal(child.data.begin(), child.data.end(), piece.data.begin(),
                    close))
      return "copies differ";
  return "";
}

/// Checks that `ranks` hold `tensor` distributed as `sbp`, combining from
/// the last axis to the first.
std::string checkHolds(const Ranks &ranks, const NdSbp &sbp, const Shape &mesh,
                       const Tensor &tensor) {
  Ranks pieces = ranks;
  for (size_t axis = mesh.size(); axis-- > 0;) {
    Ranks next;
    for (size_t start = 0; start < pieces.size(); start += mesh[axis]) {
      std::vector<Tensor> children(pieces.begin() + start,
                                   pieces.begin() + start + mesh[axis]);
      std::string error = combine(children, sbp[axis], next.emplace_back());
      if (!error.empty())
        return "mesh axis " + std::to_string(axis) + ": " + error;
    }
    pieces = std::move(next);
  }
  if (pieces[0].shape != tensor.shape ||
      !std::equal(tensor.data.begin(), tensor.data.end(),
                  pieces[0].data.begin(), close))
    return "the ranks combine to another tensor";
  return "";
}

/// Without partial entries every rank's data is determined: its box.
std::string checkBoxes(const Ranks &ranks, const NdSbp &sbp, const Shape &mesh,
                       const Tensor &tensor) {
  for (size_t rank = 0; rank < ranks.size(); ++rank) {
    Tensor expected = slice(tensor, sbp::localBox(tensor.shape, sbp, mesh,
                                                  sbp::meshCoords(mesh, rank)));
    if (ranks[rank].shape != expected.shape ||
        !std::equal(expected.data.begin(), expected.data.end(),
                    ranks[rank].data.begin(), close))
      return "rank " + std::to_string(rank) + " does not hold its box";
  }
  return "";
}

/// Runs collective `op` on every group of ranks along its mesh axis, as its
/// documentation says; returns an error when the pieces do not fit it.
std::string apply(Operation *op, Ranks &ranks, const Shape &mesh) {
  int64_t axis = cast<CollectiveOpInterface>(op).getMeshAxis();
  int64_t p = mesh[axis], stride = 1;
  for (size_t a = axis + 1; a < mesh.size(); ++a)
    stride *= mesh[a];
  for (size_t first = 0; first < ranks.size(); ++first) {
    if (first / stride % p != 0)
      continue;
    std::vector<Tensor> in, out(p);
    for (int64_t c = 0; c < p; ++c)
      in.push_back(ranks[first + c * stride]);
    std::string error =
        llvm::TypeSwitch<Operation *, std::string>(op)
            .Case([&](AllReduceOp all) {
              out.assign(p, reduce(in, toSbpReduce(all.getReduce())));
              return "";
            })
            .Case([&](ReduceScatterOp scatter) {
              Tensor sum = reduce(in, toSbpReduce(scatter.getReduce()));
              for (int64_t c = 0; c < p; ++c)
                out[c] = chunk(sum, scatter.getDim(), p, c);
              return "";
            })
            .Case([&](AllGatherOp gather) {
              out.assign(p, concat(in, gather.getDim()));
              return "";
            })
            .Case([&](AllToAllOp all) {
              for (int64_t c = 0; c < p; ++c) {
                std::vector<Tensor> received;
                for (int64_t k = 0; k < p; ++k)
                  received.push_back(chunk(in[k], all.getDstDim(), p, c));
                out[c] = concat(received, all.getSrcDim());
              }
              return "";
            })
            .Case([&](LocalSliceOp slice) {
              for (int64_t c = 0; c < p; ++c)
                out[c] = chunk(in[c], slice.getDim(), p, c);
              return "";
            })
            .Case([&](LocalMaskOp mask) {
              out = in;
              if (mask.getReduce() == PartialReduce::sum)
                for (int64_t c = 1; c < p; ++c)
                  out[c] = Tensor(in[c].shape);
              return "";
            })
            .Case([&](LocalPadOp pad) -> std::string {
              int64_t dim = pad.getDim(), full = 0;
              for (const Tensor &piece : in)
                full += piece.shape[dim];
              for (int64_t c = 0; c < p; ++c) {
                if (in[c].shape[dim] != sbp::chunkSize(full, p, c))
                  return "local_pad: chunk " + std::to_string(c) +
                         " has the wrong size";
                Shape shape = in[c].shape;
                shape[dim] = full;
                out[c] = Tensor(shape, identity(toSbpReduce(pad.getReduce())));
                place(out[c], in[c], dim, sbp::chunkOffset(full, p, c));
              }
              return "";
            })
            .Default([](Operation *other) {
              return "unexpected op " + other->getName().getStringRef().str();
            });
    if (!error.empty())
      return error;
    for (int64_t c = 0; c < p; ++c) {
      if (out[c].shape.empty() && !in[c].shape.empty())
        return op->getName().getStringRef().str() +
               ": the group's pieces do not fit together";
      ranks[first + c * stride] = std::move(out[c]);
    }
  }
  return "";
}

//===----------------------------------------------------------------------===//
// The programs
//===----------------------------------------------------------------------===//

std::string sbpText(const NdSbp &sbp) {
  return "#px.sbp<" + sbp::str(sbp) + ">";
}

/// Every N-D SBP of a tensor of `shape` that fits `mesh`.
std::vector<NdSbp> allSbps(const Shape &shape, const Shape &mesh) {
  std::vector<Sbp1D> entries = {Sbp1D::broadcast(), Sbp1D::partial(),
                                Sbp1D::partial(Reduce::Max)};
  for (size_t d = 0; d < shape.size(); ++d)
    entries.push_back(Sbp1D::split(d));
  std::vector<NdSbp> result = {{}};
  for (size_t axis = 0; axis < mesh.size(); ++axis) {
    std::vector<NdSbp> next;
    for (const NdSbp &prefix : result)
      for (const Sbp1D &entry : entries) {
        next.push_back(prefix);
        next.back().push_back(entry);
      }
    result = std::move(next);
  }
  llvm::erase_if(result, [&](const NdSbp &sbp) {
    return !cost::isValidSbp(sbp, shape, mesh);
  });
  return result;
}

bool hasPartial(const NdSbp &sbp) {
  return llvm::any_of(sbp,
                      [](const Sbp1D &entry) { return entry.isPartial(); });
}

/// A function argument distributed as `from`, returned once per target.
struct Conversion {
  NdSbp from;
  std::vector<NdSbp> targets;
};

std::string describe(const Conversion &conversion) {
  std::string text = sbp::str(conversion.from) + " ->";
  for (const NdSbp &to : conversion.targets)
    text += " " + sbp::str(to);
  return text;
}

/// One function per conversion.
std::string program(const Shape &mesh, const Shape &shape,
                    const std::string &elementType,
                    ArrayRef<Conversion> conversions) {
  std::string type = "tensor<" + shapeStr(shape) + "x" + elementType + ">";
  std::string text = "px.mesh @m shape = [";
  for (size_t a = 0; a < mesh.size(); ++a)
    text += (a ? ", " : "") + std::to_string(mesh[a]);
  text += "]\n";
  for (size_t i = 0; i < conversions.size(); ++i) {
    std::string results, values, types;
    for (const NdSbp &to : conversions[i].targets) {
      std::string comma = results.empty() ? "" : ", ";
      results += comma + type + " {px.sbp = " + sbpText(to) + "}";
      values += comma + "%x";
      types += comma + type;
    }
    text += "func.func @f" + std::to_string(i) + "(%x: " + type +
            " {px.sbp = " + sbpText(conversions[i].from) + "}) -> (" + results +
            ") {\n  return " + values + " : " + types + "\n}\n";
  }
  return text;
}

class BoxingSemantics : public ::testing::Test {
protected:
  BoxingSemantics() {
    context.loadDialect<PxDialect, func::FuncDialect>();
    context.printOpOnDiagnostic(false);
  }

  /// Boxes every pair of SBPs on `mesh` (with `shared`, one function per
  /// source returns the value in every SBP) and simulates the chains. An i1
  /// tensor has no partial SBPs, and its paths no partial steps.
  void runAll(const Shape &mesh, const Shape &shape,
              const std::string &elementType = "f32", bool shared = false) {
    std::vector<NdSbp> sbps = allSbps(shape, mesh);
    boolean = elementType == "i1";
    if (boolean)
      llvm::erase_if(sbps, hasPartial);
    std::vector<Conversion> conversions;
    for (const NdSbp &from : sbps) {
      if (shared) {
        conversions.push_back({from, sbps});
        continue;
      }
      for (const NdSbp &to : sbps)
        conversions.push_back({from, {to}});
    }
    // Modules of moderate size: verifying a px.sbp scans the module's ops
    // for its mesh.
    const size_t batch = 256;
    for (size_t start = 0; start < conversions.size(); start += batch)
      run(mesh, shape, elementType,
          ArrayRef(conversions)
              .slice(start, std::min(batch, conversions.size() - start)));
  }

  void run(const Shape &mesh, const Shape &shape,
           const std::string &elementType, ArrayRef<Conversion> conversions) {
    std::string diagnostics;
    ScopedDiagnosticHandler handler(
        &context, [&](Diagnostic &diag) { diagnostics += diag.str() + "\n"; });
    OwningOpRef<ModuleOp> module = parseSourceString<ModuleOp>(
        program(mesh, shape, elementType, conversions), &context);
    ASSERT_TRUE(module) << diagnostics;
    PassManager pm(&context);
    pm.addPass(createInsertBoxing());
    ASSERT_TRUE(succeeded(pm.run(*module))) << diagnostics;

    auto funcs = module->getOps<func::FuncOp>();
    for (auto [conversion, func] : llvm::zip_equal(conversions, funcs)) {
      std::string error = simulate(func, conversion, mesh, shape);
      EXPECT_EQ(error, "") << "mesh [" << shapeStr(mesh) << "], tensor "
                           << shapeStr(shape) << ": " << describe(conversion);
      simulated += conversion.targets.size();
    }
  }

  std::string simulate(func::FuncOp func, const Conversion &conversion,
                       const Shape &mesh, const Shape &shape) {
    Tensor tensor(shape);
    std::uniform_real_distribution<double> uniform(-1, 1);
    for (double &x : tensor.data)
      x = uniform(rng);
    Block &body = func.getBody().front();
    llvm::DenseMap<Value, Ranks> values;
    values[body.getArgument(0)] =
        distribute(tensor, conversion.from, mesh, rng);
    // Shared chains build each distribution of the value once.
    llvm::DenseSet<Attribute> built = {SbpAttr::get(&context, conversion.from)};
    for (Operation &op : body.without_terminator()) {
      std::string error = step(&op, values, mesh, tensor);
      SbpAttr sbp = getSbp(op.getResult(0));
      if (error.empty() && !built.insert(sbp).second)
        error = "a second op builds " + sbp::str(sbp.getNdSbp());
      if (!error.empty())
        return "after " + op.getName().getStringRef().str() + " over axis " +
               std::to_string(cast<CollectiveOpInterface>(op).getMeshAxis()) +
               ": " + error;
    }
    for (auto [result, to] : llvm::zip_equal(
             body.getTerminator()->getOperands(), conversion.targets)) {
      if (getSbp(result) != SbpAttr::get(&context, to))
        return "the value returned as " + sbp::str(to) + " is distributed as " +
               sbp::str(getSbp(result).getNdSbp());
      std::string error = checkHolds(values[result], to, mesh, tensor);
      if (error.empty() && !hasPartial(to))
        error = checkBoxes(values[result], to, mesh, tensor);
      if (!error.empty())
        return sbp::str(to) + ": " + error;
    }
    return "";
  }

  /// Runs collective `op` on its operand's ranks and checks the result
  /// against its px.sbp.
  std::string step(Operation *op, llvm::DenseMap<Value, Ranks> &values,
                   const Shape &mesh, const Tensor &tensor) {
    auto collective = cast<CollectiveOpInterface>(op);
    opsUsed.insert(op->getName().getStringRef().str());
    if (boolean && (collective.getInputSbp().isPartial() ||
                    collective.getOutputSbp().isPartial()))
      return "the path of an i1 tensor goes through a partial value";
    Ranks ranks = values.lookup(op->getOperand(0));
    std::string error = apply(op, ranks, mesh);
    if (!error.empty())
      return error;
    SbpAttr sbp = getSbp(op->getResult(0));
    if (!sbp)
      return "no px.sbp";
    values[op->getResult(0)] = std::move(ranks);
    return checkHolds(values[op->getResult(0)], sbp.getNdSbp(), mesh, tensor);
  }

  MLIRContext context;
  std::mt19937_64 rng{20240611};
  std::set<std::string> opsUsed;
  bool boolean = false;
  size_t simulated = 0;
};

TEST_F(BoxingSemantics, OneDimensionalMeshes) {
  for (int64_t p : {2, 3})
    for (const Shape &shape : {Shape{6, 4}, Shape{7, 5}, Shape{5}})
      runAll({p}, shape);
  // Every 1-D conversion between B, P(sum), P(max), S(0) and S(1), and
  // every op.
  EXPECT_EQ(simulated, 2 * (25 + 25 + 16));
  EXPECT_EQ(opsUsed, (std::set<std::string>{"px.all_gather", "px.all_reduce",
                                            "px.all_to_all", "px.local_mask",
                                            "px.local_pad", "px.local_slice",
                                            "px.reduce_scatter"}));
}

TEST_F(BoxingSemantics, TwoDimensionalMeshes) {
  runAll({2, 2}, {4, 8});
  runAll({2, 2}, {5, 6});
  runAll({2, 2}, {4, 2, 3});
  runAll({3, 2}, {6, 6});
  runAll({3, 2}, {7, 5});
  // Dim 1 fits 2 ranks but not 3: fewer states, longer detours.
  runAll({3, 2}, {7, 2});
  // Squares of the SBP counts: 5 entries per axis (6 for rank 3), less
  // those whose splits do not fit ([S(1), S(1)] and [S(2), S(2)] of 4x2x3,
  // [S(1), S(1)] of 7x5, S(1) on the 3-rank axis for 7x2).
  EXPECT_EQ(simulated, 625u + 625 + 34 * 34 + 625 + 24 * 24 + 20 * 20);
}

TEST_F(BoxingSemantics, ThreeDimensionalMesh) {
  // Three nesting levels; [S(1), S(1), S(1)] does not fit.
  runAll({2, 2, 2}, {8, 4});
  EXPECT_EQ(simulated, 124u * 124);
}

TEST_F(BoxingSemantics, SharedChains) {
  // One value needed in every distribution: later chains continue from the
  // states earlier ones reached, and each distribution is built once.
  runAll({2, 2}, {5, 6}, "f32", /*shared=*/true);
  runAll({3, 2}, {7, 5}, "f32", /*shared=*/true);
  runAll({2, 2, 2}, {8, 4}, "f32", /*shared=*/true);
  EXPECT_EQ(simulated, 25u * 25 + 24 * 24 + 124 * 124);
}

TEST_F(BoxingSemantics, BooleanTensorsAvoidPartialValues) {
  // [B, S(0)] -> [S(0), S(0)] detours through P(sum) for numbers.
  runAll({2, 2}, {4, 8}, "i1");
  runAll({3, 2}, {7, 5}, "i1");
  runAll({3}, {7, 5}, "i1");
  EXPECT_EQ(simulated, 9u * 9 + 8 * 8 + 3 * 3);
}

} // namespace
