//===- SbpSignatureTest.cpp - Numerical proof of the SBP signatures -------===//
//
// For every px compute op of small programs and every N-D signature that
// getNdSbpSignatures gives on the meshes [2], [3] (uneven splits), [2, 2] and
// [3, 2]: random global inputs are distributed as the signature says (S: the
// rank's box, B: a copy, P(sum): random addends, P(max): random values below
// the true one, one rank holding it), a float64 reference evaluator runs the
// op on every rank's local pieces (local shapes, the signature's kernel
// rules), and the results, combined as the result SBPs say (S: placed in the
// rank's box, B: every copy equal, P: summed or maxed), must equal the serial
// evaluation. Every 1-D signature must be exercised on a 1-D mesh. Wrong
// signatures must be caught.
//
//===----------------------------------------------------------------------===//

#include "pxc/Dialect/Px/PxOps.h"
#include "pxc/Dialect/Px/SbpSignatures.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "llvm/ADT/TypeSwitch.h"
#include "llvm/Support/raw_ostream.h"

#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <optional>
#include <random>

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

/// Row-major coordinates of element `linear` of `shape`.
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
  std::string out = "[";
  for (size_t d = 0; d < shape.size(); ++d)
    out += (d ? "x" : "") + std::to_string(shape[d]);
  return out + "]";
}

Shape shapeOf(Type type) {
  ArrayRef<int64_t> shape = cast<ShapedType>(type).getShape();
  return Shape(shape.begin(), shape.end());
}

/// numpy broadcasting of `shapes`; nullopt when they do not broadcast.
std::optional<Shape> broadcastShapes(ArrayRef<Shape> shapes) {
  size_t rank = 0;
  for (const Shape &shape : shapes)
    rank = std::max(rank, shape.size());
  Shape result(rank, 1);
  for (const Shape &shape : shapes)
    for (size_t i = 0; i < shape.size(); ++i) {
      int64_t &out = result[rank - shape.size() + i];
      if (shape[i] == out || shape[i] == 1)
        continue;
      if (out != 1)
        return std::nullopt;
      out = shape[i];
    }
  return result;
}

/// The element of `tensor` that broadcasts to `index` of a larger shape.
double broadcastRead(const Tensor &tensor, const Shape &index) {
  size_t lead = index.size() - tensor.shape.size();
  int64_t linear = 0;
  for (size_t d = 0; d < tensor.shape.size(); ++d)
    linear =
        linear * tensor.shape[d] + (tensor.shape[d] == 1 ? 0 : index[lead + d]);
  return tensor.data[linear];
}

/// Kernel rules of a signature, resolved for one rank.
struct KernelContext {
  /// MaskedGather: the rank holds data rows [offset, offset + n) of `rows`.
  std::optional<std::pair<int64_t, int64_t>> gatherRows;
  /// GlobalMeanCount: the divisor of a mean.
  std::optional<double> meanCount;
};

//===----------------------------------------------------------------------===//
// Reference evaluator
//===----------------------------------------------------------------------===//

/// Evaluates a px op on float64 tensors, serially or on one rank's pieces.
/// Results have the given shapes (the local result shapes of a signature);
/// operands that do not fit them or each other are an error, as they would
/// be for a real kernel.
class Evaluator {
public:
  std::optional<std::vector<Tensor>> run(Operation *op, ArrayRef<Tensor> in,
                                         ArrayRef<Shape> out,
                                         const KernelContext &context) {
    error.clear();
    std::vector<Tensor> results = evaluate(op, in, out, context);
    if (!error.empty())
      return std::nullopt;
    return results;
  }

  std::string error;

private:
  std::vector<Tensor> fail(const std::string &message) {
    if (error.empty())
      error = message;
    return {};
  }

  std::vector<Tensor> evaluate(Operation *op, ArrayRef<Tensor> in,
                               ArrayRef<Shape> out,
                               const KernelContext &context) {
    using Fn1 = std::function<double(double)>;
    using Fn2 = std::function<double(double, double)>;
    auto unary = [&](Fn1 fn) {
      return elementwise(in, out[0],
                         [&](ArrayRef<double> x) { return fn(x[0]); });
    };
    auto binary = [&](Fn2 fn) {
      return elementwise(in, out[0],
                         [&](ArrayRef<double> x) { return fn(x[0], x[1]); });
    };
    bool intResult =
        !isa<FloatType>(getElementTypeOrSelf(op->getResult(0).getType()));
    return llvm::TypeSwitch<Operation *, std::vector<Tensor>>(op)
        .Case([&](MatmulOp) { return matmul(in, out[0]); })
        .Case([&](LinearOp linear) {
          return this->linear(in, out[0], linear.getTransposeW());
        })
        .Case([&](AddOp) { return binary(std::plus<double>()); })
        .Case([&](SubOp) { return binary(std::minus<double>()); })
        .Case([&](MulOp) { return binary(std::multiplies<double>()); })
        .Case([&](DivOp) {
          return binary([&](double a, double b) {
            return intResult ? std::trunc(a / b) : a / b;
          });
        })
        .Case([&](PowOp) {
          return binary([](double a, double b) { return std::pow(a, b); });
        })
        .Case([&](MaxOp) {
          return binary([](double a, double b) { return std::max(a, b); });
        })
        .Case([&](MinOp) {
          return binary([](double a, double b) { return std::min(a, b); });
        })
        .Case([&](AndOp) {
          return binary([](double a, double b) { return double(a && b); });
        })
        .Case([&](OrOp) {
          return binary([](double a, double b) { return double(a || b); });
        })
        .Case([&](CompareOp compare) {
          CompareKind kind = compare.getKind();
          return binary([kind](double a, double b) {
            switch (kind) {
            case CompareKind::eq:
              return double(a == b);
            case CompareKind::ne:
              return double(a != b);
            case CompareKind::lt:
              return double(a < b);
            case CompareKind::le:
              return double(a <= b);
            case CompareKind::gt:
              return double(a > b);
            case CompareKind::ge:
              return double(a >= b);
            }
            return 0.0;
          });
        })
        .Case([&](WhereOp) {
          return elementwise(in, out[0], [](ArrayRef<double> x) {
            return x[0] != 0 ? x[1] : x[2];
          });
        })
        .Case([&](NegOp) { return unary([](double x) { return -x; }); })
        .Case(
            [&](AbsOp) { return unary([](double x) { return std::abs(x); }); })
        .Case(
            [&](ExpOp) { return unary([](double x) { return std::exp(x); }); })
        .Case(
            [&](LogOp) { return unary([](double x) { return std::log(x); }); })
        .Case([&](SqrtOp) {
          return unary([](double x) { return std::sqrt(x); });
        })
        .Case([&](RsqrtOp) {
          return unary([](double x) { return 1 / std::sqrt(x); });
        })
        .Case(
            [&](ReciprocalOp) { return unary([](double x) { return 1 / x; }); })
        .Case([&](TanhOp) {
          return unary([](double x) { return std::tanh(x); });
        })
        .Case(
            [&](ErfOp) { return unary([](double x) { return std::erf(x); }); })
        .Case(
            [&](SinOp) { return unary([](double x) { return std::sin(x); }); })
        .Case(
            [&](CosOp) { return unary([](double x) { return std::cos(x); }); })
        .Case([&](ReluOp) {
          return unary([](double x) { return std::max(x, 0.0); });
        })
        .Case([&](SigmoidOp) {
          return unary([](double x) { return 1 / (1 + std::exp(-x)); });
        })
        .Case([&](NotOp) { return unary([](double x) { return 1.0 - x; }); })
        .Case([&](GeluOp gelu) {
          bool exact = gelu.getApproximate() == GeluApprox::none;
          return unary([exact](double x) {
            if (exact)
              return 0.5 * x * (1 + std::erf(x / std::sqrt(2.0)));
            double c = std::sqrt(2 / M_PI);
            return 0.5 * x * (1 + std::tanh(c * (x + 0.044715 * x * x * x)));
          });
        })
        .Case([&](CastOp cast) {
          Type to = getElementTypeOrSelf(cast.getType());
          return unary([to](double x) {
            if (to.isInteger(1))
              return double(x != 0);
            return isa<FloatType>(to) ? x : std::trunc(x);
          });
        })
        .Case([&](SoftmaxOp softmax) {
          return this->softmax(in[0], out[0], softmax.getAxis(), false);
        })
        .Case([&](LogSoftmaxOp softmax) {
          return this->softmax(in[0], out[0], softmax.getAxis(), true);
        })
        .Case([&](LayerNormOp norm) {
          return this->norm(in, out[0], norm.getAxis(),
                            norm.getEpsilon().convertToDouble(),
                            static_cast<bool>(norm.getScale()),
                            static_cast<bool>(norm.getBias()), false);
        })
        .Case([&](RmsNormOp norm) {
          return this->norm(in, out[0], norm.getAxis(),
                            norm.getEpsilon().convertToDouble(),
                            static_cast<bool>(norm.getScale()), false, true);
        })
        .Case([&](GatherOp gather) {
          return this->gather(in, out[0], gather.getAxis(), context.gatherRows);
        })
        .Case([&](ScatterAddOp scatter) {
          return this->scatterAdd(in, out[0], scatter.getAxis());
        })
        .Case([&](ReshapeOp) {
          if (numElements(in[0].shape) != numElements(out[0]))
            return fail("reshape " + shapeStr(in[0].shape) + " to " +
                        shapeStr(out[0]));
          Tensor result = in[0];
          result.shape = out[0];
          return std::vector<Tensor>{result};
        })
        .Case([&](TransposeOp transpose) {
          return this->transpose(in[0], out[0], transpose.getPerm());
        })
        .Case([&](ExpandOp) {
          std::optional<Shape> shape = broadcastShapes({in[0].shape, out[0]});
          if (!shape || *shape != out[0])
            return fail("cannot expand " + shapeStr(in[0].shape) + " to " +
                        shapeStr(out[0]));
          Tensor result(out[0]);
          for (int64_t i = 0, e = result.data.size(); i < e; ++i)
            result.data[i] = broadcastRead(in[0], unravel(i, out[0]));
          return std::vector<Tensor>{result};
        })
        .Case([&](ConcatOp concat) {
          return this->concat(in, out[0], concat.getAxis());
        })
        .Case([&](SplitOp split) {
          return this->split(in[0], out, split.getAxis());
        })
        .Case([&](SliceOp slice) {
          return this->slice(in[0], out[0], slice.getOffsets(),
                             slice.getStrides());
        })
        .Case([&](TriluOp trilu) {
          return this->trilu(in[0], out[0], trilu.getUpper(), trilu.getK());
        })
        .Case([&](ReduceOp reduce) {
          return this->reduce(in[0], out[0], reduce.getKind(), reduce.getAxes(),
                              reduce.getKeepdims(), context.meanCount);
        })
        .Case([&](CrossEntropyOp loss) {
          std::optional<int64_t> ignore;
          if (std::optional<uint64_t> index = loss.getIgnoreIndex())
            ignore = static_cast<int64_t>(*index);
          return crossEntropy(in, out[0], loss.getReduction(), ignore,
                              context.meanCount);
        })
        .Default([&](Operation *op) {
          return fail("no reference for " + op->getName().getStringRef().str());
        });
  }

  std::vector<Tensor>
  elementwise(ArrayRef<Tensor> in, const Shape &out,
              llvm::function_ref<double(ArrayRef<double>)> fn) {
    std::vector<Shape> shapes;
    for (const Tensor &t : in)
      shapes.push_back(t.shape);
    std::optional<Shape> shape = broadcastShapes(shapes);
    if (!shape || *shape != out)
      return fail("elementwise operands do not broadcast to " + shapeStr(out));
    Tensor result(out);
    std::vector<double> x(in.size());
    for (int64_t i = 0, e = result.data.size(); i < e; ++i) {
      Shape index = unravel(i, out);
      for (size_t k = 0; k < in.size(); ++k)
        x[k] = broadcastRead(in[k], index);
      result.data[i] = fn(x);
    }
    return {result};
  }

  std::vector<Tensor> matmul(ArrayRef<Tensor> in, const Shape &out) {
    const Shape &l = in[0].shape, &r = in[1].shape;
    if (l.back() != r[r.size() - 2])
      return fail("matmul K differs: " + shapeStr(l) + " " + shapeStr(r));
    std::optional<Shape> batch = broadcastShapes(
        {Shape(l.begin(), l.end() - 2), Shape(r.begin(), r.end() - 2)});
    if (!batch)
      return fail("matmul batch dims do not broadcast");
    Shape shape = *batch;
    shape.push_back(l[l.size() - 2]);
    shape.push_back(r.back());
    if (shape != out)
      return fail("matmul gives " + shapeStr(shape) + ", not " + shapeStr(out));
    int64_t k = l.back();
    Tensor result(out);
    for (int64_t i = 0, e = result.data.size(); i < e; ++i) {
      Shape index = unravel(i, out);
      Shape li(index.end() - l.size(), index.end()),
          ri(index.end() - r.size(), index.end());
      // Broadcast batch dims read index 0.
      for (size_t d = 0; d + 2 < l.size(); ++d)
        li[d] = l[d] == 1 ? 0 : li[d];
      for (size_t d = 0; d + 2 < r.size(); ++d)
        ri[d] = r[d] == 1 ? 0 : ri[d];
      double sum = 0;
      for (int64_t kk = 0; kk < k; ++kk) {
        li[l.size() - 1] = kk;
        ri[r.size() - 2] = kk;
        ri[r.size() - 1] = index.back();
        sum += in[0].data[ravel(li, l)] * in[1].data[ravel(ri, r)];
      }
      result.data[i] = sum;
    }
    return {result};
  }

  std::vector<Tensor> linear(ArrayRef<Tensor> in, const Shape &out,
                             bool transposed) {
    const Shape &x = in[0].shape, &w = in[1].shape;
    int64_t k = transposed ? w[1] : w[0], n = transposed ? w[0] : w[1];
    Shape shape(x.begin(), x.end() - 1);
    shape.push_back(n);
    if (x.back() != k || shape != out ||
        (in.size() == 3 && in[2].shape != Shape{n}))
      return fail("linear operands do not fit " + shapeStr(out));
    Tensor result(out);
    for (int64_t i = 0, e = result.data.size(); i < e; ++i) {
      int64_t row = i / n, col = i % n;
      double sum = in.size() == 3 ? in[2].data[col] : 0;
      for (int64_t kk = 0; kk < k; ++kk)
        sum += in[0].data[row * k + kk] *
               in[1].data[transposed ? col * k + kk : kk * n + col];
      result.data[i] = sum;
    }
    return {result};
  }

  /// Calls `fn(offsets)` with the linear offsets of each row of `shape`
  /// along `axis` (its elements are offset + j * stride).
  static void forEachRow(const Shape &shape, int64_t axis,
                         llvm::function_ref<void(int64_t, int64_t)> fn) {
    int64_t stride = 1;
    for (size_t d = axis + 1; d < shape.size(); ++d)
      stride *= shape[d];
    int64_t outer = numElements(shape) / (shape[axis] * stride);
    for (int64_t o = 0; o < outer; ++o)
      for (int64_t s = 0; s < stride; ++s)
        fn(o * shape[axis] * stride + s, stride);
  }

  std::vector<Tensor> softmax(const Tensor &in, const Shape &out, int64_t axis,
                              bool log) {
    if (in.shape != out)
      return fail("softmax shape mismatch");
    Tensor result(out);
    int64_t n = in.shape[axis];
    forEachRow(in.shape, axis, [&](int64_t base, int64_t stride) {
      double max = -INFINITY, sum = 0;
      for (int64_t j = 0; j < n; ++j)
        max = std::max(max, in.data[base + j * stride]);
      for (int64_t j = 0; j < n; ++j)
        sum += std::exp(in.data[base + j * stride] - max);
      for (int64_t j = 0; j < n; ++j) {
        double x = in.data[base + j * stride] - max;
        result.data[base + j * stride] =
            log ? x - std::log(sum) : std::exp(x) / sum;
      }
    });
    return {result};
  }

  std::vector<Tensor> norm(ArrayRef<Tensor> in, const Shape &out, int64_t axis,
                           double epsilon, bool hasScale, bool hasBias,
                           bool rms) {
    const Shape &shape = in[0].shape;
    Shape trailing(shape.begin() + axis, shape.end());
    if (shape != out)
      return fail("norm shape mismatch");
    for (const Tensor &affine : in.drop_front())
      if (affine.shape != trailing)
        return fail("norm scale/bias " + shapeStr(affine.shape) +
                    " does not fit " + shapeStr(trailing));
    int64_t n = numElements(trailing);
    Tensor result(out);
    for (int64_t base = 0, e = numElements(shape); base < e; base += n) {
      double mean = 0, var = 0;
      for (int64_t j = 0; j < n; ++j)
        mean += in[0].data[base + j];
      mean = rms ? 0 : mean / n;
      for (int64_t j = 0; j < n; ++j)
        var += std::pow(in[0].data[base + j] - mean, 2);
      double inv = 1 / std::sqrt(var / n + epsilon);
      for (int64_t j = 0; j < n; ++j) {
        double y = (in[0].data[base + j] - mean) * inv;
        if (hasScale)
          y *= in[1].data[j];
        if (hasBias)
          y += in[2].data[j];
        result.data[base + j] = y;
      }
    }
    return {result};
  }

  std::vector<Tensor>
  gather(ArrayRef<Tensor> in, const Shape &out, int64_t axis,
         std::optional<std::pair<int64_t, int64_t>> maskedRows) {
    const Shape &data = in[0].shape, &indices = in[1].shape;
    Shape shape(data.begin(), data.begin() + axis);
    shape.insert(shape.end(), indices.begin(), indices.end());
    shape.insert(shape.end(), data.begin() + axis + 1, data.end());
    if (shape != out)
      return fail("gather gives " + shapeStr(shape) + ", not " + shapeStr(out));
    int64_t rows = data[axis];
    Tensor result(out);
    for (int64_t i = 0, e = result.data.size(); i < e; ++i) {
      Shape index = unravel(i, out);
      Shape idx(index.begin() + axis, index.begin() + axis + indices.size());
      int64_t id = static_cast<int64_t>(in[1].data[ravel(idx, indices)]);
      if (maskedRows) {
        // The documented kernel: global ids, rows outside the piece read 0.
        auto [offset, globalRows] = *maskedRows;
        id = (id < 0 ? id + globalRows : id) - offset;
        if (id < 0 || id >= rows)
          continue;
      } else {
        id = id < 0 ? id + rows : id;
        if (id < 0 || id >= rows)
          return fail("gather index out of range");
      }
      Shape di(index.begin(), index.begin() + axis);
      di.push_back(id);
      di.insert(di.end(), index.begin() + axis + indices.size(), index.end());
      result.data[i] = in[0].data[ravel(di, data)];
    }
    return {result};
  }

  std::vector<Tensor> scatterAdd(ArrayRef<Tensor> in, const Shape &out,
                                 int64_t axis) {
    const Shape &updates = in[0].shape, &indices = in[1].shape;
    Shape shape(out.begin(), out.begin() + axis);
    shape.insert(shape.end(), indices.begin(), indices.end());
    shape.insert(shape.end(), out.begin() + axis + 1, out.end());
    if (shape != updates)
      return fail("scatter_add of " + shapeStr(updates) + " into " +
                  shapeStr(out));
    int64_t rows = out[axis];
    Tensor result(out);
    for (int64_t i = 0, e = in[0].data.size(); i < e; ++i) {
      Shape index = unravel(i, updates);
      Shape idx(index.begin() + axis, index.begin() + axis + indices.size());
      int64_t id = static_cast<int64_t>(in[1].data[ravel(idx, indices)]);
      id = id < 0 ? id + rows : id;
      if (id < 0 || id >= rows)
        return fail("scatter_add index out of range");
      Shape ri(index.begin(), index.begin() + axis);
      ri.push_back(id);
      ri.insert(ri.end(), index.begin() + axis + indices.size(), index.end());
      result.data[ravel(ri, out)] += in[0].data[i];
    }
    return {result};
  }

  std::vector<Tensor> transpose(const Tensor &in, const Shape &out,
                                ArrayRef<int64_t> perm) {
    Shape shape;
    for (int64_t p : perm)
      shape.push_back(in.shape[p]);
    if (shape != out)
      return fail("transpose shape mismatch");
    Tensor result(out);
    for (int64_t i = 0, e = result.data.size(); i < e; ++i) {
      Shape index = unravel(i, out), source(perm.size());
      for (size_t d = 0; d < perm.size(); ++d)
        source[perm[d]] = index[d];
      result.data[i] = in.data[ravel(source, in.shape)];
    }
    return {result};
  }

  std::vector<Tensor> concat(ArrayRef<Tensor> in, const Shape &out,
                             int64_t axis) {
    Shape shape = in[0].shape;
    shape[axis] = 0;
    for (const Tensor &t : in) {
      Shape other = t.shape;
      other[axis] = 0;
      if (other != shape || t.shape.size() != out.size())
        return fail("concat operands differ off the axis");
    }
    for (const Tensor &t : in)
      shape[axis] += t.shape[axis];
    if (shape != out)
      return fail("concat shape mismatch");
    Tensor result(out);
    for (int64_t i = 0, e = result.data.size(); i < e; ++i) {
      Shape index = unravel(i, out);
      for (const Tensor &t : in) {
        if (index[axis] < t.shape[axis]) {
          result.data[i] = t.data[ravel(index, t.shape)];
          break;
        }
        index[axis] -= t.shape[axis];
      }
    }
    return {result};
  }

  std::vector<Tensor> split(const Tensor &in, ArrayRef<Shape> out,
                            int64_t axis) {
    int64_t total = 0;
    for (const Shape &shape : out) {
      Shape a = shape, b = in.shape;
      a[axis] = b[axis] = 0;
      if (a != b)
        return fail("split result differs off the axis");
      total += shape[axis];
    }
    if (total != in.shape[axis])
      return fail("split sizes do not add up");
    std::vector<Tensor> results;
    int64_t offset = 0;
    for (const Shape &shape : out) {
      Tensor result(shape);
      for (int64_t i = 0, e = result.data.size(); i < e; ++i) {
        Shape index = unravel(i, shape);
        index[axis] += offset;
        result.data[i] = in.data[ravel(index, in.shape)];
      }
      offset += shape[axis];
      results.push_back(std::move(result));
    }
    return results;
  }

  // The spmdized slice keeps the op's offsets and strides and takes its
  // sizes from the local result.
  std::vector<Tensor> slice(const Tensor &in, const Shape &out,
                            ArrayRef<int64_t> offsets,
                            ArrayRef<int64_t> strides) {
    for (size_t d = 0; d < out.size(); ++d) {
      int64_t last = offsets[d] + (out[d] - 1) * strides[d];
      if (out[d] > 0 &&
          (offsets[d] >= in.shape[d] || last < 0 || last >= in.shape[d]))
        return fail("slice reads outside the piece");
    }
    Tensor result(out);
    for (int64_t i = 0, e = result.data.size(); i < e; ++i) {
      Shape index = unravel(i, out);
      for (size_t d = 0; d < out.size(); ++d)
        index[d] = offsets[d] + index[d] * strides[d];
      result.data[i] = in.data[ravel(index, in.shape)];
    }
    return {result};
  }

  std::vector<Tensor> trilu(const Tensor &in, const Shape &out, bool upper,
                            int64_t k) {
    if (in.shape != out)
      return fail("trilu shape mismatch");
    Tensor result = in;
    for (int64_t i = 0, e = result.data.size(); i < e; ++i) {
      Shape index = unravel(i, out);
      int64_t row = index[out.size() - 2], col = index.back();
      if (upper ? col < row + k : col > row + k)
        result.data[i] = 0;
    }
    return {result};
  }

  std::vector<Tensor> reduce(const Tensor &in, const Shape &out,
                             ReduceKind kind, ArrayRef<int64_t> axes,
                             bool keepdims, std::optional<double> meanCount) {
    Shape shape;
    double count = 1;
    for (size_t d = 0; d < in.shape.size(); ++d) {
      bool reduced = llvm::is_contained(axes, static_cast<int64_t>(d));
      if (reduced)
        count *= in.shape[d];
      if (!reduced || keepdims)
        shape.push_back(reduced ? 1 : in.shape[d]);
    }
    if (shape != out)
      return fail("reduce shape mismatch");
    double init = kind == ReduceKind::max   ? -INFINITY
                  : kind == ReduceKind::min ? INFINITY
                                            : 0;
    Tensor result(out, init);
    for (int64_t i = 0, e = in.data.size(); i < e; ++i) {
      Shape index = unravel(i, in.shape), target;
      for (size_t d = 0; d < index.size(); ++d) {
        bool reduced = llvm::is_contained(axes, static_cast<int64_t>(d));
        if (!reduced || keepdims)
          target.push_back(reduced ? 0 : index[d]);
      }
      double &acc = result.data[ravel(target, out)];
      double x = in.data[i];
      acc = kind == ReduceKind::max   ? std::max(acc, x)
            : kind == ReduceKind::min ? std::min(acc, x)
                                      : acc + x;
    }
    if (kind == ReduceKind::mean)
      for (double &x : result.data)
        x /= meanCount.value_or(count);
    return {result};
  }

  std::vector<Tensor> crossEntropy(ArrayRef<Tensor> in, const Shape &out,
                                   LossReduction reduction,
                                   std::optional<int64_t> ignore,
                                   std::optional<double> meanCount) {
    const Shape &logits = in[0].shape, &labels = in[1].shape;
    if (Shape(logits.begin(), logits.end() - 1) != labels ||
        out != (reduction == LossReduction::none ? labels : Shape{}))
      return fail("cross_entropy shapes do not fit");
    int64_t classes = logits.back();
    Tensor losses(labels);
    double counted = 0;
    for (int64_t i = 0, e = losses.data.size(); i < e; ++i) {
      int64_t label = static_cast<int64_t>(in[1].data[i]);
      if (ignore && label == *ignore)
        continue;
      const double *row = &in[0].data[i * classes];
      double max = *std::max_element(row, row + classes), sum = 0;
      for (int64_t c = 0; c < classes; ++c)
        sum += std::exp(row[c] - max);
      losses.data[i] = std::log(sum) + max - row[label];
      ++counted;
    }
    if (reduction == LossReduction::none)
      return {losses};
    Tensor total(Shape{});
    for (double loss : losses.data)
      total.data[0] += loss;
    if (reduction == LossReduction::mean)
      total.data[0] /= meanCount.value_or(counted);
    return {total};
  }
};

//===----------------------------------------------------------------------===//
// Distributing and combining
//===----------------------------------------------------------------------===//

Tensor sliceBox(const Tensor &tensor, const sbp::Box &box) {
  Tensor piece(box.sizes);
  for (int64_t i = 0, e = piece.data.size(); i < e; ++i) {
    Shape index = unravel(i, box.sizes);
    for (size_t d = 0; d < index.size(); ++d)
      index[d] += box.offsets[d];
    piece.data[i] = tensor.data[ravel(index, tensor.shape)];
  }
  return piece;
}

bool close(double a, double b) {
  if (std::isnan(a) || std::isnan(b))
    return false;
  return std::abs(a - b) <= 1e-9 * (1 + std::abs(b));
}

/// The box of chunk `index` of `shape` split along `dim` into `parts`.
sbp::Box chunkBox(const Shape &shape, int64_t dim, int64_t parts,
                  int64_t index) {
  sbp::Box box{Shape(shape.size(), 0), shape};
  box.offsets[dim] = sbp::chunkOffset(shape[dim], parts, index);
  box.sizes[dim] = sbp::chunkSize(shape[dim], parts, index);
  return box;
}

// N-D SBPs read hierarchically (OneFlow): a tensor is distributed over mesh
// axis 0, then each piece over axis 1, and so on (so splits nest as in
// sbp::localBox). In [B, P(sum)] the copies along axis 0 may hold different
// addends; in [P(sum), B] each addend is copied along axis 1.
class Distributor {
public:
  explicit Distributor(uint64_t seed) : rng(seed) {}

  /// Every rank's piece of `tensor` distributed as `sbp` on `mesh`. Partial
  /// pieces of integer tensors stay integers.
  std::vector<Tensor> distribute(const Tensor &tensor, const NdSbp &sbp,
                                 const Shape &mesh, bool integer) {
    // Pieces in row-major order of the coordinates of the axes done so far.
    std::vector<Tensor> pieces = {tensor};
    for (size_t axis = 0; axis < mesh.size(); ++axis) {
      std::vector<Tensor> next;
      for (const Tensor &piece : pieces)
        for (Tensor &child : deal(piece, sbp[axis], mesh[axis], integer))
          next.push_back(std::move(child));
      pieces = std::move(next);
    }
    return pieces;
  }

  double draw(bool integer) {
    std::uniform_real_distribution<double> uniform(-1, 1);
    return integer ? std::round(3 * uniform(rng)) : uniform(rng);
  }
  std::mt19937_64 &engine() { return rng; }

private:
  /// `piece` over `parts` ranks: its chunks (S), copies (B), random addends
  /// (P(sum)) or random values below it, one rank holding it (P(max)).
  std::vector<Tensor> deal(const Tensor &piece, const Sbp1D &entry,
                           int64_t parts, bool integer) {
    std::vector<Tensor> children;
    if (entry.isSplit()) {
      for (int64_t i = 0; i < parts; ++i)
        children.push_back(
            sliceBox(piece, chunkBox(piece.shape, entry.dim, parts, i)));
      return children;
    }
    children.assign(parts, piece);
    if (entry.isBroadcast())
      return children;
    bool max = entry.reduce == Reduce::Max;
    for (size_t i = 0; i < piece.data.size(); ++i) {
      double value = piece.data[i], rest = value;
      int64_t holder =
          std::uniform_int_distribution<int64_t>(0, parts - 1)(rng);
      for (int64_t m = 0; m < parts; ++m) {
        double &out = children[m].data[i];
        if (max)
          out = m == holder ? value : value - std::abs(draw(integer));
        else if (m + 1 < parts)
          rest -= out = draw(integer);
        else
          out = rest;
      }
    }
    return children;
  }

  std::mt19937_64 rng;
};

/// The inverse of Distributor::deal for one axis: concatenates (S), checks
/// that copies agree (B), or reduces (P) the children of one piece.
std::string merge(ArrayRef<Tensor> children, const Sbp1D &entry,
                  Tensor &piece) {
  int64_t parts = children.size();
  if (entry.isSplit()) {
    Shape shape = children[0].shape;
    int64_t total = 0;
    for (const Tensor &child : children) {
      Shape other = child.shape;
      other[entry.dim] = shape[entry.dim];
      if (other != shape)
        return "split pieces differ off the split dimension";
      total += child.shape[entry.dim];
    }
    shape[entry.dim] = total;
    piece = Tensor(shape);
    for (int64_t i = 0; i < parts; ++i) {
      sbp::Box box = chunkBox(shape, entry.dim, parts, i);
      if (box.sizes != children[i].shape)
        return "piece " + std::to_string(i) + " is " +
               shapeStr(children[i].shape) + ", not " + shapeStr(box.sizes);
      for (int64_t k = 0, e = children[i].data.size(); k < e; ++k) {
        Shape index = unravel(k, box.sizes);
        index[entry.dim] += box.offsets[entry.dim];
        piece.data[ravel(index, shape)] = children[i].data[k];
      }
    }
    return "";
  }
  piece = children[0];
  for (const Tensor &child : children.drop_front()) {
    if (child.shape != piece.shape)
      return "replicated or partial pieces differ in shape";
    for (size_t k = 0; k < piece.data.size(); ++k) {
      double &acc = piece.data[k], x = child.data[k];
      if (entry.isBroadcast() && !close(x, acc))
        return "copies differ at element " + std::to_string(k);
      if (entry.isPartial())
        acc = entry.reduce == Reduce::Max ? std::max(acc, x) : acc + x;
    }
  }
  return "";
}

/// The global tensor of every rank's result piece under `sbp`, merged from
/// the last mesh axis to the first; an error message instead when the
/// pieces do not fit together.
std::string combine(std::vector<Tensor> pieces, const NdSbp &sbp,
                    const Shape &mesh, const Shape &globalShape,
                    Tensor &global) {
  for (size_t axis = mesh.size(); axis-- > 0;) {
    std::vector<Tensor> parents(pieces.size() / mesh[axis]);
    for (size_t p = 0; p < parents.size(); ++p) {
      std::string error =
          merge(ArrayRef<Tensor>(pieces).slice(p * mesh[axis], mesh[axis]),
                sbp[axis], parents[p]);
      if (!error.empty())
        return "mesh axis " + std::to_string(axis) + ": " + error;
    }
    pieces = std::move(parents);
  }
  global = std::move(pieces[0]);
  if (global.shape != globalShape)
    return "the pieces make " + shapeStr(global.shape) + ", not " +
           shapeStr(globalShape);
  return "";
}

std::string str(const NdSbpSignature &signature) {
  std::string text;
  llvm::raw_string_ostream os(text);
  os << signature;
  return text;
}

//===----------------------------------------------------------------------===//
// The check
//===----------------------------------------------------------------------===//

const std::vector<Shape> kMeshes = {{2}, {3}, {2, 2}, {3, 2}};

class SbpSignatureTest : public ::testing::Test {
protected:
  SbpSignatureTest() : distributor(42) {
    context.loadDialect<PxDialect, func::FuncDialect>();
  }

  /// Checks every signature of every px op of `program` on kMeshes.
  void checkProgram(StringRef program) {
    OwningOpRef<ModuleOp> module =
        parseSourceString<ModuleOp>(program, &context);
    ASSERT_TRUE(module) << program.str();
    module->walk([&](SbpInterface op) { checkOp(op); });
    RecordProperty("signatures_checked", std::to_string(numChecked));
  }

  /// Parses `program` and returns its first op implementing SbpInterface.
  SbpInterface firstOp(StringRef program) {
    parsed = parseSourceString<ModuleOp>(program, &context);
    SbpInterface first;
    if (parsed)
      parsed->walk([&](SbpInterface op) {
        if (!first)
          first = op;
      });
    return first;
  }

  void checkOp(SbpInterface op) {
    std::string where;
    llvm::raw_string_ostream(where) << *op;
    std::vector<Tensor> inputs = makeInputs(op);
    std::vector<Tensor> serial = serialResults(op, inputs);
    ASSERT_FALSE(serial.empty()) << where << ": " << evaluator.error;

    std::vector<SbpSignature> oneD;
    for (const SbpSignature &signature : getSortedSbpSignatures(op))
      oneD.push_back(signature);
    std::vector<bool> covered(oneD.size(), false);
    for (const Shape &mesh : kMeshes) {
      SmallVector<NdSbpSignature> signatures;
      getNdSbpSignatures(op, mesh, signatures);
      for (const NdSbpSignature &signature : signatures) {
        EXPECT_EQ(check(op, inputs, serial, mesh, signature), "")
            << where << "\n  " << str(signature) << " on " << shapeStr(mesh);
        ++numChecked;
        if (mesh.size() == 1)
          for (size_t i = 0; i < oneD.size(); ++i)
            covered[i] = covered[i] || isProjection(oneD[i], signature);
      }
    }
    for (size_t i = 0; i < oneD.size(); ++i) {
      std::string text;
      llvm::raw_string_ostream(text) << oneD[i];
      EXPECT_TRUE(covered[i])
          << where << "\n  " << text << " is not exercised on a 1-D mesh";
    }
    ++numOps;
  }

  static bool isProjection(const SbpSignature &oneD, const NdSbpSignature &nd) {
    auto same = [](ArrayRef<Sbp1D> a, ArrayRef<NdSbp> b) {
      for (size_t i = 0; i < a.size(); ++i)
        if (b[i].size() != 1 || b[i][0] != a[i])
          return false;
      return true;
    };
    return same(oneD.inputs, nd.inputs) && same(oneD.outputs, nd.outputs) &&
           oneD.rule == nd.rules;
  }

  /// Random global operands in the domain the op expects.
  std::vector<Tensor> makeInputs(Operation *op) {
    std::vector<Tensor> inputs;
    std::mt19937_64 &rng = distributor.engine();
    for (OpOperand &operand : op->getOpOperands()) {
      Tensor t(shapeOf(operand.get().getType()));
      Type element = getElementTypeOrSelf(operand.get().getType());
      unsigned index = operand.getOperandNumber();
      std::uniform_real_distribution<double> uniform(-2, 2), positive(0.5, 2);
      for (double &x : t.data) {
        if (element.isInteger(1)) {
          x = std::uniform_int_distribution<int>(0, 1)(rng);
        } else if (auto gather = dyn_cast<GatherOp>(op); gather && index == 1) {
          // Negative ids count from the end.
          int64_t rows = shapeOf(gather.getData().getType())[gather.getAxis()];
          x = std::uniform_int_distribution<int64_t>(-rows, rows - 1)(rng);
        } else if (auto scatter = dyn_cast<ScatterAddOp>(op);
                   scatter && index == 1) {
          int64_t rows = shapeOf(scatter.getType())[scatter.getAxis()];
          x = std::uniform_int_distribution<int64_t>(-rows, rows - 1)(rng);
        } else if (auto loss = dyn_cast<CrossEntropyOp>(op);
                   loss && index == 1) {
          int64_t classes = shapeOf(loss.getLogits().getType()).back();
          x = std::uniform_int_distribution<int64_t>(0, classes - 1)(rng);
          if (loss.getIgnoreIndex() && x == 0)
            x = static_cast<double>(*loss.getIgnoreIndex());
        } else if (!isa<FloatType>(element)) {
          x = std::round(5 * uniform(rng));
        } else if (isa<LogOp, SqrtOp, RsqrtOp, ReciprocalOp>(op) ||
                   (isa<PowOp>(op) && index == 0)) {
          x = positive(rng);
        } else if (isa<DivOp>(op) && index == 1) {
          x = positive(rng) * (uniform(rng) < 0 ? -1 : 1);
        } else {
          x = uniform(rng);
        }
      }
      // Integer division by zero is undefined.
      if (isa<DivOp>(op) && index == 1)
        for (double &x : t.data)
          x = x == 0 ? 1 : x;
      inputs.push_back(std::move(t));
    }
    return inputs;
  }

  std::vector<Shape> resultShapes(Operation *op) {
    std::vector<Shape> shapes;
    for (Type type : op->getResultTypes())
      shapes.push_back(shapeOf(type));
    return shapes;
  }

  /// The serial results; sources get a random (parameter) or their
  /// constant value.
  std::vector<Tensor> serialResults(Operation *op, ArrayRef<Tensor> inputs) {
    if (auto constant = dyn_cast<ConstantOp>(op)) {
      Tensor value(shapeOf(constant.getType()));
      auto dense = cast<DenseElementsAttr>(constant.getValue());
      size_t i = 0;
      for (const APFloat &x : dense.getValues<APFloat>())
        value.data[i++] = x.convertToDouble();
      return {value};
    }
    if (isa<ParameterOp>(op)) {
      Tensor value(shapeOf(op->getResult(0).getType()));
      for (double &x : value.data)
        x = distributor.draw(false);
      return {value};
    }
    std::optional<std::vector<Tensor>> results =
        evaluator.run(op, inputs, resultShapes(op), {});
    return results ? *results : std::vector<Tensor>{};
  }

  /// Runs `op` under `signature` on `mesh`; "" when every result equals
  /// `serial`, else what went wrong.
  std::string check(Operation *op, ArrayRef<Tensor> inputs,
                    ArrayRef<Tensor> serial, const Shape &mesh,
                    const NdSbpSignature &signature) {
    int64_t numRanks = numElements(mesh);
    std::vector<std::vector<Tensor>> pieces(inputs.size());
    for (size_t i = 0; i < inputs.size(); ++i) {
      bool integer =
          !isa<FloatType>(getElementTypeOrSelf(op->getOperand(i).getType()));
      pieces[i] =
          distributor.distribute(inputs[i], signature.inputs[i], mesh, integer);
    }
    std::vector<Shape> globalShapes = resultShapes(op);
    std::vector<std::vector<Tensor>> outputs(serial.size(),
                                             std::vector<Tensor>(numRanks));
    for (int64_t rank = 0; rank < numRanks; ++rank) {
      Shape coords = sbp::meshCoords(mesh, rank);
      std::vector<Shape> local;
      for (size_t j = 0; j < serial.size(); ++j)
        local.push_back(sbp::localShape(globalShapes[j], signature.outputs[j],
                                        mesh, coords));
      std::vector<Tensor> results;
      if (inputs.empty()) {
        // A source materializes its box of the value.
        results.push_back(sliceBox(
            serial[0], sbp::localBox(globalShapes[0], signature.outputs[0],
                                     mesh, coords)));
      } else {
        std::vector<Tensor> in;
        for (size_t i = 0; i < inputs.size(); ++i)
          in.push_back(pieces[i][rank]);
        std::optional<std::vector<Tensor>> out = evaluator.run(
            op, in, local, kernelContext(op, signature, mesh, coords));
        if (!out)
          return "rank " + std::to_string(rank) + ": " + evaluator.error;
        results = std::move(*out);
      }
      for (size_t j = 0; j < serial.size(); ++j)
        outputs[j][rank] = std::move(results[j]);
    }
    for (size_t j = 0; j < serial.size(); ++j) {
      Tensor global;
      std::string error = combine(outputs[j], signature.outputs[j], mesh,
                                  globalShapes[j], global);
      if (!error.empty())
        return "result " + std::to_string(j) + ": " + error;
      for (size_t i = 0; i < global.data.size(); ++i)
        if (!close(global.data[i], serial[j].data[i]))
          return "result " + std::to_string(j) + " element " +
                 std::to_string(i) + ": " + std::to_string(global.data[i]) +
                 " instead of " + std::to_string(serial[j].data[i]);
    }
    return "";
  }

  /// The kernel rules of `signature` as the rank at `coords` applies them.
  KernelContext kernelContext(Operation *op, const NdSbpSignature &signature,
                              const Shape &mesh, const Shape &coords) {
    KernelContext context;
    if ((signature.rules & SbpKernelRule::MaskedGather) !=
        SbpKernelRule::None) {
      auto gather = cast<GatherOp>(op);
      Shape data = shapeOf(gather.getData().getType());
      int64_t axis = gather.getAxis();
      sbp::Box box = sbp::localBox(data, signature.inputs[0], mesh, coords);
      context.gatherRows = {box.offsets[axis], data[axis]};
    }
    if ((signature.rules & SbpKernelRule::GlobalMeanCount) !=
        SbpKernelRule::None) {
      if (auto reduce = dyn_cast<ReduceOp>(op)) {
        Shape input = shapeOf(reduce.getInput().getType());
        double count = 1;
        for (int64_t axis : reduce.getAxes())
          count *= input[axis];
        context.meanCount = count;
      } else {
        auto loss = cast<CrossEntropyOp>(op);
        context.meanCount = numElements(shapeOf(loss.getLabels().getType()));
      }
    }
    return context;
  }

  /// Whether `check` rejects a signature that is not in the op's table.
  void expectRejected(StringRef program, NdSbpSignature signature,
                      const Shape &mesh) {
    SbpInterface op = firstOp(program);
    ASSERT_TRUE(op) << program.str();
    std::vector<Tensor> inputs = makeInputs(op);
    std::vector<Tensor> serial = serialResults(op, inputs);
    ASSERT_FALSE(serial.empty());
    EXPECT_NE(check(op, inputs, serial, mesh, signature), "") << str(signature);
  }

  MLIRContext context;
  OwningOpRef<ModuleOp> parsed;
  Evaluator evaluator;
  Distributor distributor;
  int64_t numChecked = 0, numOps = 0;
};

NdSbp nd(std::initializer_list<Sbp1D> entries) { return NdSbp(entries); }
Sbp1D S(int32_t dim) { return Sbp1D::split(dim); }
const Sbp1D B = Sbp1D::broadcast();
const Sbp1D P = Sbp1D::partial(Reduce::Sum);
const Sbp1D Pmax = Sbp1D::partial(Reduce::Max);

//===----------------------------------------------------------------------===//
// Every op kind
//===----------------------------------------------------------------------===//

TEST_F(SbpSignatureTest, Sources) {
  checkProgram(R"mlir(
    func.func @f() {
      %0 = px.parameter "w" : tensor<4x6xf32>
      %1 = px.constant dense<[[1.0, 2.0, 3.0], [4.0, 5.0, 6.0],
                              [7.0, 8.0, 9.0], [1.5, 2.5, 3.5]]> : tensor<4x3xf32>
      return
    })mlir");
  EXPECT_EQ(numOps, 2);
}

TEST_F(SbpSignatureTest, Matmul) {
  checkProgram(R"mlir(
    func.func @f(%a: tensor<4x6x5xf32>, %b: tensor<5x4xf32>,
                 %c: tensor<6x5xf32>, %d: tensor<4x5x3xf32>,
                 %e: tensor<3x1x6x5xf32>) {
      %0 = px.matmul %a, %b : (tensor<4x6x5xf32>, tensor<5x4xf32>) -> tensor<4x6x4xf32>
      %1 = px.matmul %c, %d : (tensor<6x5xf32>, tensor<4x5x3xf32>) -> tensor<4x6x3xf32>
      %2 = px.matmul %a, %d : (tensor<4x6x5xf32>, tensor<4x5x3xf32>) -> tensor<4x6x3xf32>
      %3 = px.matmul %e, %d : (tensor<3x1x6x5xf32>, tensor<4x5x3xf32>) -> tensor<3x4x6x3xf32>
      %4 = px.matmul %c, %b : (tensor<6x5xf32>, tensor<5x4xf32>) -> tensor<6x4xf32>
      return
    })mlir");
  EXPECT_EQ(numOps, 5);
}

TEST_F(SbpSignatureTest, Linear) {
  checkProgram(R"mlir(
    func.func @f(%x: tensor<4x6x5xf32>, %w: tensor<5x4xf32>,
                 %wt: tensor<4x5xf32>, %b: tensor<4xf32>) {
      %0 = px.linear %x, %w : (tensor<4x6x5xf32>, tensor<5x4xf32>) -> tensor<4x6x4xf32>
      %1 = px.linear %x, %w, %b : (tensor<4x6x5xf32>, tensor<5x4xf32>, tensor<4xf32>) -> tensor<4x6x4xf32>
      %2 = px.linear %x, %wt, %b {transpose_w} : (tensor<4x6x5xf32>, tensor<4x5xf32>, tensor<4xf32>) -> tensor<4x6x4xf32>
      return
    })mlir");
  EXPECT_EQ(numOps, 3);
}

TEST_F(SbpSignatureTest, Binary) {
  checkProgram(R"mlir(
    func.func @f(%x: tensor<4x6x5xf32>, %y: tensor<4x6x5xf32>,
                 %r: tensor<5xf32>, %c: tensor<4x1x5xf32>,
                 %col: tensor<6x1xf32>, %i: tensor<4x6xi64>,
                 %j: tensor<6xi64>) {
      %0 = px.add %x, %r : (tensor<4x6x5xf32>, tensor<5xf32>) -> tensor<4x6x5xf32>
      %1 = px.add %r, %x : (tensor<5xf32>, tensor<4x6x5xf32>) -> tensor<4x6x5xf32>
      %2 = px.sub %x, %c : (tensor<4x6x5xf32>, tensor<4x1x5xf32>) -> tensor<4x6x5xf32>
      %3 = px.mul %c, %col : (tensor<4x1x5xf32>, tensor<6x1xf32>) -> tensor<4x6x5xf32>
      %4 = px.div %x, %y : (tensor<4x6x5xf32>, tensor<4x6x5xf32>) -> tensor<4x6x5xf32>
      %5 = px.pow %x, %r : (tensor<4x6x5xf32>, tensor<5xf32>) -> tensor<4x6x5xf32>
      %6 = px.max %x, %c : (tensor<4x6x5xf32>, tensor<4x1x5xf32>) -> tensor<4x6x5xf32>
      %7 = px.min %x, %y : (tensor<4x6x5xf32>, tensor<4x6x5xf32>) -> tensor<4x6x5xf32>
      %8 = px.add %i, %j : (tensor<4x6xi64>, tensor<6xi64>) -> tensor<4x6xi64>
      %9 = px.div %i, %j : (tensor<4x6xi64>, tensor<6xi64>) -> tensor<4x6xi64>
      %10 = px.mul %i, %i : (tensor<4x6xi64>, tensor<4x6xi64>) -> tensor<4x6xi64>
      return
    })mlir");
  EXPECT_EQ(numOps, 11);
}

TEST_F(SbpSignatureTest, LogicAndSelect) {
  checkProgram(R"mlir(
    func.func @f(%x: tensor<4x6x5xf32>, %r: tensor<5xf32>,
                 %p: tensor<4x6xi1>, %q: tensor<6xi1>,
                 %m: tensor<6x5xi1>) {
      %0 = px.compare gt, %x, %r : (tensor<4x6x5xf32>, tensor<5xf32>) -> tensor<4x6x5xi1>
      %1 = px.and %p, %q : (tensor<4x6xi1>, tensor<6xi1>) -> tensor<4x6xi1>
      %2 = px.or %p, %p : (tensor<4x6xi1>, tensor<4x6xi1>) -> tensor<4x6xi1>
      %3 = px.where %m, %x, %r : (tensor<6x5xi1>, tensor<4x6x5xf32>, tensor<5xf32>) -> tensor<4x6x5xf32>
      %4 = px.where %p, %p, %q : (tensor<4x6xi1>, tensor<4x6xi1>, tensor<6xi1>) -> tensor<4x6xi1>
      %5 = px.not %p : tensor<4x6xi1>
      return
    })mlir");
  EXPECT_EQ(numOps, 6);
}

TEST_F(SbpSignatureTest, Unary) {
  checkProgram(R"mlir(
    func.func @f(%x: tensor<4x6xf32>, %i: tensor<4x6xi32>) {
      %0 = px.neg %x : tensor<4x6xf32>
      %1 = px.abs %x : tensor<4x6xf32>
      %2 = px.exp %x : tensor<4x6xf32>
      %3 = px.log %x : tensor<4x6xf32>
      %4 = px.sqrt %x : tensor<4x6xf32>
      %5 = px.rsqrt %x : tensor<4x6xf32>
      %6 = px.reciprocal %x : tensor<4x6xf32>
      %7 = px.tanh %x : tensor<4x6xf32>
      %8 = px.erf %x : tensor<4x6xf32>
      %9 = px.sin %x : tensor<4x6xf32>
      %10 = px.cos %x : tensor<4x6xf32>
      %11 = px.relu %x : tensor<4x6xf32>
      %12 = px.sigmoid %x : tensor<4x6xf32>
      %13 = px.gelu %x : tensor<4x6xf32>
      %14 = px.gelu %x approximate = tanh : tensor<4x6xf32>
      %15 = px.cast %x : tensor<4x6xf32> to tensor<4x6xf16>
      %16 = px.cast %x : tensor<4x6xf32> to tensor<4x6xi32>
      %17 = px.cast %i : tensor<4x6xi32> to tensor<4x6xf32>
      %18 = px.neg %i : tensor<4x6xi32>
      %19 = px.relu %i : tensor<4x6xi32>
      return
    })mlir");
  EXPECT_EQ(numOps, 20);
}

TEST_F(SbpSignatureTest, Normalization) {
  checkProgram(R"mlir(
    func.func @f(%x: tensor<4x6x5xf32>, %s2: tensor<6x5xf32>,
                 %s1: tensor<5xf32>) {
      %0 = px.softmax %x {axis = 2 : i64} : tensor<4x6x5xf32>
      %1 = px.softmax %x {axis = 0 : i64} : tensor<4x6x5xf32>
      %2 = px.log_softmax %x {axis = 1 : i64} : tensor<4x6x5xf32>
      %3 = px.layer_norm %x scale %s2 bias %s2 {axis = 1 : i64, epsilon = 1.0e-5 : f64} : (tensor<4x6x5xf32>, tensor<6x5xf32>, tensor<6x5xf32>) -> tensor<4x6x5xf32>
      %4 = px.layer_norm %x {axis = 2 : i64, epsilon = 1.0e-5 : f64} : (tensor<4x6x5xf32>) -> tensor<4x6x5xf32>
      %5 = px.rms_norm %x scale %s1 {axis = 2 : i64, epsilon = 1.0e-6 : f64} : (tensor<4x6x5xf32>, tensor<5xf32>) -> tensor<4x6x5xf32>
      return
    })mlir");
  EXPECT_EQ(numOps, 6);
}

TEST_F(SbpSignatureTest, Gather) {
  checkProgram(R"mlir(
    func.func @f(%emb: tensor<7x4xf32>, %ids: tensor<3x5xi64>,
                 %data: tensor<4x7x5xf32>, %idx: tensor<6xi32>,
                 %one: tensor<i64>, %ints: tensor<7x4xi64>) {
      %0 = px.gather %emb[%ids] {axis = 0 : i64} : (tensor<7x4xf32>, tensor<3x5xi64>) -> tensor<3x5x4xf32>
      %1 = px.gather %data[%idx] {axis = 1 : i64} : (tensor<4x7x5xf32>, tensor<6xi32>) -> tensor<4x6x5xf32>
      %2 = px.gather %emb[%one] {axis = 1 : i64} : (tensor<7x4xf32>, tensor<i64>) -> tensor<7xf32>
      %3 = px.gather %ints[%ids] {axis = 0 : i64} : (tensor<7x4xi64>, tensor<3x5xi64>) -> tensor<3x5x4xi64>
      return
    })mlir");
  EXPECT_EQ(numOps, 4);
}

TEST_F(SbpSignatureTest, ScatterAdd) {
  checkProgram(R"mlir(
    func.func @f(%g: tensor<3x5x4xf32>, %ids: tensor<3x5xi64>,
                 %u: tensor<4x6x5xf32>, %idx: tensor<6xi32>,
                 %h: tensor<7xf32>, %one: tensor<i64>,
                 %ints: tensor<3x5x4xi64>) {
      %0 = px.scatter_add %g[%ids] {axis = 0 : i64} : (tensor<3x5x4xf32>, tensor<3x5xi64>) -> tensor<7x4xf32>
      %1 = px.scatter_add %u[%idx] {axis = 1 : i64} : (tensor<4x6x5xf32>, tensor<6xi32>) -> tensor<4x7x5xf32>
      %2 = px.scatter_add %h[%one] {axis = 1 : i64} : (tensor<7xf32>, tensor<i64>) -> tensor<7x4xf32>
      %3 = px.scatter_add %ints[%ids] {axis = 0 : i64} : (tensor<3x5x4xi64>, tensor<3x5xi64>) -> tensor<7x4xi64>
      return
    })mlir");
  EXPECT_EQ(numOps, 4);
}

TEST_F(SbpSignatureTest, Reshape) {
  checkProgram(R"mlir(
    func.func @f(%a: tensor<4x6xf32>, %b: tensor<24xf32>,
                 %c: tensor<2x6x5xf32>, %d: tensor<8x3xf32>,
                 %e: tensor<3x4xf32>, %g: tensor<6x4xf32>) {
      %0 = px.reshape %a : tensor<4x6xf32> to tensor<24xf32>
      %1 = px.reshape %b : tensor<24xf32> to tensor<4x6xf32>
      %2 = px.reshape %c : tensor<2x6x5xf32> to tensor<12x5xf32>
      %3 = px.reshape %g : tensor<6x4xf32> to tensor<6x2x2xf32>
      %4 = px.reshape %d : tensor<8x3xf32> to tensor<4x6xf32>
      %5 = px.reshape %a : tensor<4x6xf32> to tensor<4x1x6xf32>
      %6 = px.reshape %e : tensor<3x4xf32> to tensor<12xf32>
      %7 = px.reshape %g : tensor<6x4xf32> to tensor<24xf32>
      return
    })mlir");
  EXPECT_EQ(numOps, 8);
}

TEST_F(SbpSignatureTest, DataMovement) {
  checkProgram(R"mlir(
    func.func @f(%x: tensor<4x6x5xf32>, %col: tensor<6x1xf32>,
                 %r: tensor<5xf32>, %u: tensor<4x2x5xf32>,
                 %v: tensor<4x3x5xf32>, %t: tensor<3x4x5xf32>) {
      %0 = px.transpose %x [2, 0, 1] : tensor<4x6x5xf32> to tensor<5x4x6xf32>
      %1 = px.expand %col : tensor<6x1xf32> to tensor<4x6x5xf32>
      %2 = px.expand %r : tensor<5xf32> to tensor<4x6x5xf32>
      %3 = px.concat %u, %v, %u {axis = 1 : i64} : (tensor<4x2x5xf32>, tensor<4x3x5xf32>, tensor<4x2x5xf32>) -> tensor<4x7x5xf32>
      %4:2 = px.split %x {axis = 1 : i64} : (tensor<4x6x5xf32>) -> (tensor<4x2x5xf32>, tensor<4x4x5xf32>)
      %5 = px.slice %x offsets = [0, 1, 0] sizes = [4, 3, 5] strides = [1, 2, 1] : tensor<4x6x5xf32> to tensor<4x3x5xf32>
      %6 = px.slice %x offsets = [3, 0, 0] sizes = [4, 6, 5] strides = [-1, 1, 1] : tensor<4x6x5xf32> to tensor<4x6x5xf32>
      %7 = px.trilu %t : tensor<3x4x5xf32>
      %8 = px.trilu %t upper {k = 1 : i64} : tensor<3x4x5xf32>
      return
    })mlir");
  EXPECT_EQ(numOps, 9);
}

TEST_F(SbpSignatureTest, Reductions) {
  checkProgram(R"mlir(
    func.func @f(%x: tensor<4x6x5xf32>, %i: tensor<4x6xi64>,
                 %logits: tensor<4x3x5xf32>, %labels: tensor<4x3xi64>) {
      %0 = px.reduce sum %x [1] : tensor<4x6x5xf32> to tensor<4x5xf32>
      %1 = px.reduce mean %x [0, 2] keepdims : tensor<4x6x5xf32> to tensor<1x6x1xf32>
      %2 = px.reduce max %x [1] : tensor<4x6x5xf32> to tensor<4x5xf32>
      %3 = px.reduce min %x [2] : tensor<4x6x5xf32> to tensor<4x6xf32>
      %4 = px.reduce sum %i [0, 1] : tensor<4x6xi64> to tensor<i64>
      %5 = px.reduce max %i [0] keepdims : tensor<4x6xi64> to tensor<1x6xi64>
      %6 = px.cross_entropy %logits, %labels reduction = none : (tensor<4x3x5xf32>, tensor<4x3xi64>) -> tensor<4x3xf32>
      %7 = px.cross_entropy %logits, %labels reduction = sum : (tensor<4x3x5xf32>, tensor<4x3xi64>) -> tensor<f32>
      %8 = px.cross_entropy %logits, %labels : (tensor<4x3x5xf32>, tensor<4x3xi64>) -> tensor<f32>
      %9 = px.cross_entropy %logits, %labels ignore_index = 4 : (tensor<4x3x5xf32>, tensor<4x3xi64>) -> tensor<f32>
      return
    })mlir");
  EXPECT_EQ(numOps, 10);
}

//===----------------------------------------------------------------------===//
// The check catches wrong signatures
//===----------------------------------------------------------------------===//

TEST_F(SbpSignatureTest, RejectsWrongSignatures) {
  const char *add = R"mlir(
    func.func @f(%x: tensor<4x6xf32>, %r: tensor<6xf32>) {
      %0 = px.add %x, %r : (tensor<4x6xf32>, tensor<6xf32>) -> tensor<4x6xf32>
      return
    })mlir";
  // Misaligned operand splits, and an unsplit operand added on every rank.
  expectRejected(add, {{nd({S(1)}), nd({S(0)})}, {nd({S(0)})}}, {2});
  expectRejected(add, {{nd({S(0)}), nd({S(0)})}, {nd({S(0)})}}, {2});
  expectRejected(add, {{nd({P}), nd({B})}, {nd({P})}}, {2});

  const char *matmul = R"mlir(
    func.func @f(%a: tensor<4x6xf32>, %b: tensor<6x5xf32>) {
      %0 = px.matmul %a, %b : (tensor<4x6xf32>, tensor<6x5xf32>) -> tensor<4x5xf32>
      return
    })mlir";
  expectRejected(matmul, {{nd({S(1)}), nd({B})}, {nd({P})}}, {2});
  expectRejected(matmul, {{nd({S(0)}), nd({S(1)})}, {nd({S(0)})}}, {2});
  expectRejected(matmul, {{nd({P}), nd({P})}, {nd({P})}}, {2});

  const char *softmax = R"mlir(
    func.func @f(%x: tensor<4x6xf32>) {
      %0 = px.softmax %x {axis = 1 : i64} : tensor<4x6xf32>
      return
    })mlir";
  expectRejected(softmax, {{nd({S(1)})}, {nd({S(1)})}}, {2});

  const char *mean = R"mlir(
    func.func @f(%x: tensor<4x6xf32>) {
      %0 = px.reduce mean %x [1] : tensor<4x6xf32> to tensor<4xf32>
      return
    })mlir";
  // Without the global count the partial means are p times too large.
  expectRejected(mean, {{nd({S(1)})}, {nd({P})}}, {2});

  const char *gather = R"mlir(
    func.func @f(%emb: tensor<7x4xf32>, %ids: tensor<5xi64>) {
      %0 = px.gather %emb[%ids] {axis = 0 : i64} : (tensor<7x4xf32>, tensor<5xi64>) -> tensor<5x4xf32>
      return
    })mlir";
  // A plain lookup of global ids in a vocabulary piece.
  expectRejected(gather, {{nd({S(0)}), nd({B})}, {nd({P})}}, {2});

  const char *trilu = R"mlir(
    func.func @f(%x: tensor<4x6xf32>) {
      %0 = px.trilu %x : tensor<4x6xf32>
      return
    })mlir";
  expectRejected(trilu, {{nd({S(1)})}, {nd({S(1)})}}, {2});

  const char *exp = R"mlir(
    func.func @f(%x: tensor<4x6xf32>) {
      %0 = px.exp %x : tensor<4x6xf32>
      return
    })mlir";
  expectRejected(exp, {{nd({P})}, {nd({P})}}, {2});

  const char *max = R"mlir(
    func.func @f(%x: tensor<4x6xf32>, %y: tensor<4x6xf32>) {
      %0 = px.max %x, %y : (tensor<4x6xf32>, tensor<4x6xf32>) -> tensor<4x6xf32>
      return
    })mlir";
  expectRejected(max, {{nd({P}), nd({P})}, {nd({P})}}, {2});

  const char *reshape = R"mlir(
    func.func @f(%x: tensor<3x4xf32>) {
      %0 = px.reshape %x : tensor<3x4xf32> to tensor<12xf32>
      return
    })mlir";
  // 3 rows over 2 ranks hold 8 and 4 elements; 12 elements split as 6 and 6.
  NdSbpSignature misaligned{{nd({S(0)})}, {nd({S(0)})}};
  expectRejected(reshape, misaligned, {2});
  EXPECT_FALSE(firstOp(reshape).isValidNdSbpSignature(misaligned, {2}));
  EXPECT_TRUE(firstOp(reshape).isValidNdSbpSignature(misaligned, {3}));
}

//===----------------------------------------------------------------------===//
// Tables and N-D products
//===----------------------------------------------------------------------===//

std::vector<std::string> strs(ArrayRef<SbpSignature> signatures) {
  std::vector<std::string> out;
  for (const SbpSignature &signature : signatures) {
    out.emplace_back();
    llvm::raw_string_ostream(out.back()) << signature;
  }
  return out;
}

TEST_F(SbpSignatureTest, BroadcastTable) {
  SbpInterface op = firstOp(R"mlir(
    func.func @f(%x: tensor<2x16x32xf32>, %b: tensor<32xf32>) {
      %0 = px.add %x, %b : (tensor<2x16x32xf32>, tensor<32xf32>) -> tensor<2x16x32xf32>
      return
    })mlir");
  ASSERT_TRUE(op);
  EXPECT_EQ(strs(getSortedSbpSignatures(op)),
            (std::vector<std::string>{
                "(S(0), B) -> (S(0))", "(S(1), B) -> (S(1))",
                "(S(2), S(0)) -> (S(2))", "(B, B) -> (B)",
                "(P(sum), P(sum)) -> (P(sum))", "(B, P(max)) -> (P(max))",
                "(P(max), B) -> (P(max))"}));
}

TEST_F(SbpSignatureTest, NdProductFiltersByShape) {
  // Dimension 0 (size 3) fits a split over 3 ranks but not over 2 x 2; the
  // uneven split of dimension 1 (size 5) over 2 and over 3 is kept.
  SbpInterface op = firstOp(R"mlir(
    func.func @f(%x: tensor<3x5xf32>) {
      %0 = px.relu %x : tensor<3x5xf32>
      return
    })mlir");
  ASSERT_TRUE(op);
  auto count = [&](Shape mesh, NdSbp s) {
    SmallVector<NdSbpSignature> signatures;
    getNdSbpSignatures(op, mesh, signatures);
    return llvm::count_if(signatures, [&](const NdSbpSignature &signature) {
      return signature.outputs[0] == s;
    });
  };
  EXPECT_EQ(count({3}, nd({S(0)})), 1);
  EXPECT_EQ(count({4}, nd({S(0)})), 0);
  EXPECT_EQ(count({2, 2}, nd({S(0), S(0)})), 0);
  EXPECT_EQ(count({2, 2}, nd({S(0), S(1)})), 1);
  EXPECT_EQ(count({2, 2}, nd({S(1), S(1)})), 1);
  EXPECT_EQ(count({2, 3}, nd({S(1), S(1)})), 0);
  // Mixed partial reductions on one tensor are excluded.
  EXPECT_EQ(count({2, 2}, nd({Pmax, Pmax})), 1);
  EXPECT_EQ(count({2, 2}, nd({P, Pmax})), 0);
  // Relu: S(0), S(1), B, P(max) per axis; 16 products minus S(0)S(0).
  SmallVector<NdSbpSignature> all;
  getNdSbpSignatures(op, {2, 2}, all);
  EXPECT_EQ(all.size(), 15u);
  // Deterministic: the lexicographic product order, no repeats.
  for (size_t i = 1; i < all.size(); ++i)
    EXPECT_FALSE(all[i] == all[i - 1]);
  EXPECT_EQ(all.front().outputs[0], nd({S(0), S(1)}));
  EXPECT_EQ(all.back().outputs[0], nd({Pmax, Pmax}));
}

TEST_F(SbpSignatureTest, Flops) {
  SbpInterface matmul = firstOp(R"mlir(
    func.func @f(%a: tensor<3x4x5xf32>, %b: tensor<5x6xf32>) {
      %0 = px.matmul %a, %b : (tensor<3x4x5xf32>, tensor<5x6xf32>) -> tensor<3x4x6xf32>
      return
    })mlir");
  ASSERT_TRUE(matmul);
  EXPECT_EQ(matmul.getComputeFlops(), 2.0 * 3 * 4 * 6 * 5);
  SbpInterface linear = firstOp(R"mlir(
    func.func @f(%x: tensor<4x5xf32>, %w: tensor<6x5xf32>, %b: tensor<6xf32>) {
      %0 = px.linear %x, %w, %b {transpose_w} : (tensor<4x5xf32>, tensor<6x5xf32>, tensor<6xf32>) -> tensor<4x6xf32>
      return
    })mlir");
  ASSERT_TRUE(linear);
  EXPECT_EQ(linear.getComputeFlops(), 2.0 * 4 * 6 * 5 + 4 * 6);
  SbpInterface add = firstOp(R"mlir(
    func.func @f(%x: tensor<4x5xf32>, %y: tensor<5xf32>) {
      %0 = px.add %x, %y : (tensor<4x5xf32>, tensor<5xf32>) -> tensor<4x5xf32>
      return
    })mlir");
  ASSERT_TRUE(add);
  EXPECT_EQ(add.getComputeFlops(), 20);
  SbpInterface transpose = firstOp(R"mlir(
    func.func @f(%x: tensor<4x5xf32>) {
      %0 = px.transpose %x [1, 0] : tensor<4x5xf32> to tensor<5x4xf32>
      return
    })mlir");
  ASSERT_TRUE(transpose);
  EXPECT_EQ(transpose.getComputeFlops(), 0);
}

} // namespace
