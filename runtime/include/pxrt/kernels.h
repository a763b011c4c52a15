//===- kernels.h - CPU kernels of the px ops --------------------*- C++ -*-===//
//
// One function per px op family, called from the C++ that pxc generates for
// each per-rank program (static shapes). Tensors are passed as strided views;
// every kernel accepts any strides (0 broadcasts, negative reverses) and has
// fast paths for contiguous data.
//
// Conventions:
// - Element types: f32, f64, f16, bf16 (computed in f32), i32, i64, bool, as
//   px allows for the op. Shapes and dtypes are checked; a mismatch throws
//   std::invalid_argument naming the kernel.
// - Outputs are written through `out` (a const view of mutable memory). An
//   output may alias an input only in the elementwise kernels (unary, binary,
//   compare, where, same-size cast) and only as the identical view.
// - Determinism: an output depends only on the op, its parameters and the
//   input values and shapes, never on strides, alignment, threads or earlier
//   calls. Kernels run on the calling thread; GEMMs go to OpenBLAS, whose
//   result is fixed for a given shape and thread count (its level-3 threading
//   splits M and N, never K). Sums run in a fixed order (32 interleaved
//   lanes combined pairwise) and accumulate f32/f16/bf16 in f64, integers
//   in i64.
//
//===----------------------------------------------------------------------===//

#ifndef PXRT_KERNELS_H
#define PXRT_KERNELS_H

#include "pxrt/dtype.h"

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <vector>

namespace pxrt::cpu {

constexpr int kMaxRank = 8;

/// A strided view of tensor memory. Strides count elements; a stride of 0
/// broadcasts. Rank 0 is a scalar.
struct TensorView {
  void *data = nullptr;
  DType type = DType::F32;
  int rank = 0;
  int64_t shape[kMaxRank] = {};
  int64_t strides[kMaxRank] = {};

  int64_t numel() const;
  /// Row-major without gaps (size-1 dims may have any stride).
  bool isContiguous() const;
};

/// Row-major view of `data`. Kernels never write through input views.
TensorView contiguousView(const void *data, DType type, const int64_t *shape,
                          int rank);
TensorView contiguousView(const void *data, DType type,
                          std::initializer_list<int64_t> shape);
/// Result dim i is dim perm[i] of `view`.
TensorView permuteView(const TensorView &view,
                       const std::vector<int64_t> &perm);
/// result[i] = view[offset + i * stride] per dim (strides non-zero, may be
/// negative; every index must lie inside `view`).
TensorView sliceView(const TensorView &view,
                     const std::vector<int64_t> &offsets,
                     const std::vector<int64_t> &sizes,
                     const std::vector<int64_t> &strides);
/// `view` broadcast to `shape` (numpy rules: dims aligned from the right,
/// size-1 dims repeat with stride 0).
TensorView broadcastView(const TensorView &view, const int64_t *shape,
                         int rank);

//===----------------------------------------------------------------------===//
// Elementwise
//===----------------------------------------------------------------------===//

enum class UnaryOp : uint8_t {
  Neg, // numbers (integers wrap)
  Abs, // numbers
  Exp, // floats from here to Sigmoid
  Log,
  Sqrt,
  Rsqrt,
  Reciprocal,
  Tanh,
  Erf,
  Sin,
  Cos,
  Relu, // numbers
  Sigmoid,
  Not,      // bool
  Gelu,     // floats: x/2 (1 + erf(x / sqrt 2))
  GeluTanh, // floats: x/2 (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))
};
/// out = op(in); same shape and dtype.
void unary(UnaryOp op, const TensorView &in, const TensorView &out);

enum class BinaryOp : uint8_t {
  Add,
  Sub,
  Mul, // numbers (integers wrap)
  Div, // numbers; integers truncate toward zero, x / 0 = 0
  Pow, // floats
  Max,
  Min, // numbers; a NaN operand gives NaN
  And,
  Or, // bool
};
/// out = lhs op rhs; the operands broadcast (numpy) to out's shape and have
/// out's dtype.
void binary(BinaryOp op, const TensorView &lhs, const TensorView &rhs,
            const TensorView &out);

enum class CompareOp : uint8_t { Eq, Ne, Lt, Le, Gt, Ge };
/// out (bool) = lhs op rhs, broadcasting; the operands share a dtype.
void compare(CompareOp op, const TensorView &lhs, const TensorView &rhs,
             const TensorView &out);
/// out = cond ? lhs : rhs, all three broadcast to out's shape.
void where(const TensorView &cond, const TensorView &lhs, const TensorView &rhs,
           const TensorView &out);
/// Converts between any two dtypes (same shape). Float to integer truncates
/// toward zero and saturates (NaN gives 0); to bool is `!= 0`; f64 to f16
/// and bf16 rounds through f32.
void cast(const TensorView &in, const TensorView &out);
/// Same dtype and shape.
void copy(const TensorView &in, const TensorView &out);
/// Every element = value, converted as by cast().
void fill(const TensorView &out, double value);
/// Integer fill, exact for all of i64.
void fillInt(const TensorView &out, int64_t value);
/// Element with row-major index i = start + i * step (computed in f64).
void iota(const TensorView &out, double start, double step);

//===----------------------------------------------------------------------===//
// Linear algebra (OpenBLAS; f16/bf16 through f32 copies; floats only)
//===----------------------------------------------------------------------===//

/// [..., M, K] x [..., K, N] -> [..., M, N]; batch dims broadcast (numpy).
void matmul(const TensorView &lhs, const TensorView &rhs,
            const TensorView &out);
/// out[..., N] = x[..., K] W (+ bias[N]); W is [K, N], or [N, K] with
/// `transposeW` (PyTorch's nn.Linear layout). `bias` may be null.
void linear(const TensorView &x, const TensorView &w, const TensorView *bias,
            bool transposeW, const TensorView &out);
/// OpenBLAS's thread count (process-wide; OPENBLAS_NUM_THREADS sets the
/// default). Results are fixed for a given count.
void setGemmThreads(int threads);
int gemmThreads();

//===----------------------------------------------------------------------===//
// Normalization (floats; negative axes count from the end)
//===----------------------------------------------------------------------===//

void softmax(const TensorView &in, int axis, const TensorView &out);
void logSoftmax(const TensorView &in, int axis, const TensorView &out);
/// Over dims [axis, rank): (x - mean) / sqrt(var + epsilon) * scale + bias,
/// biased variance. `scale` and `bias` (either may be null) have the shape of
/// those dims.
void layerNorm(const TensorView &in, const TensorView *scale,
               const TensorView *bias, int axis, double epsilon,
               const TensorView &out);
/// Over dims [axis, rank): x / sqrt(mean(x^2) + epsilon) * scale.
void rmsNorm(const TensorView &in, const TensorView *scale, int axis,
             double epsilon, const TensorView &out);

//===----------------------------------------------------------------------===//
// Reductions and loss
//===----------------------------------------------------------------------===//

enum class ReduceKind : uint8_t { Sum, Mean, Max, Min };
/// Reduces `axes` (numbers). `out` has the reduced dims as 1 (keepdims) or
/// removed. Mean divides by `divisor` when it is non-zero (the global count
/// when the reduced dims are split over ranks), else by the local count;
/// integer means truncate. Max/min of a NaN is NaN.
void reduce(ReduceKind kind, const TensorView &in,
            const std::vector<int64_t> &axes, bool keepdims,
            const TensorView &out, double divisor = 0);

enum class LossReduction : uint8_t { None, Sum, Mean };
/// Softmax cross-entropy: logits [..., C] (floats), labels [...] (i32/i64)
/// in [0, C) or equal to `ignoreIndex` (no loss, not counted). `out` is
/// labels-shaped (None) or a scalar. Mean divides by `divisor` when it is
/// non-zero, else by the number of counted labels (NaN when there are none).
void crossEntropy(const TensorView &logits, const TensorView &labels,
                  LossReduction reduction, std::optional<int64_t> ignoreIndex,
                  const TensorView &out, double divisor = 0);

//===----------------------------------------------------------------------===//
// Data movement (any dtype)
//===----------------------------------------------------------------------===//

/// out = data[:axis] + indices.shape + data[axis+1:]; indices (i32/i64) in
/// [-n, n) where n = data.shape[axis]; negative ones count from the end.
void gather(const TensorView &data, const TensorView &indices, int axis,
            const TensorView &out);
/// gather() where `data` holds rows [rowOffset, rowOffset + data.shape[axis])
/// of a dim of global size `globalSize`: indices are normalized against
/// `globalSize`, rows this shard lacks come out as zeros (the ranks' results
/// sum to the full lookup).
void gatherSharded(const TensorView &data, const TensorView &indices, int axis,
                   int64_t globalSize, int64_t rowOffset,
                   const TensorView &out);
/// The adjoint of gather(): out (numbers) = zeros, then each slice of
/// `updates` (shape out[:axis] + indices.shape + out[axis+1:]) is added into
/// the slice of `out` that gather() would read it from. Sums accumulate in
/// f64 (integers in i64) in index order.
void scatterAdd(const TensorView &updates, const TensorView &indices, int axis,
                const TensorView &out);
/// Result dim i is input dim perm[i].
void transpose(const TensorView &in, const std::vector<int64_t> &perm,
               const TensorView &out);
/// out[i] = in[offset + i * stride] per dim (see sliceView).
void slice(const TensorView &in, const std::vector<int64_t> &offsets,
           const std::vector<int64_t> &strides, const TensorView &out);
void concat(const std::vector<TensorView> &inputs, int axis,
            const TensorView &out);
/// Pieces sized by the outputs' shapes along `axis`.
void split(const TensorView &in, int axis,
           const std::vector<TensorView> &outputs);
/// Broadcast copy to out's shape (numpy rules).
void expand(const TensorView &in, const TensorView &out);
/// On the last two dims keeps j <= i + k (lower) or j >= i + k (upper);
/// the rest becomes zero.
void trilu(const TensorView &in, bool upper, int64_t k, const TensorView &out);

//===----------------------------------------------------------------------===//
// Chunks along a dim, for collectives over non-leading dims
//===----------------------------------------------------------------------===//

/// Size of chunk `index` when `size` elements are split into `parts`; the
/// remainder goes to the first chunks (as SBP splits do).
int64_t chunkSize(int64_t size, int64_t parts, int64_t index);
/// First element of chunk `index`.
int64_t chunkOffset(int64_t size, int64_t parts, int64_t index);
/// Copies the `parts` chunks of `in` along `dim` into `buffer`, chunk 0
/// first, each chunk row-major (in's dtype; in.numel() elements in all).
void packChunks(const TensorView &in, int dim, int64_t parts, void *buffer);
/// The inverse: chunk c of `buffer` (laid out as by packChunks for out's
/// shape) goes to chunk c of `out` along `dim`.
void unpackChunks(const void *buffer, int dim, int64_t parts,
                  const TensorView &out);

//===----------------------------------------------------------------------===//
// Optimizers (f32, n contiguous elements; see pxrt/train.h for `hyper`)
//===----------------------------------------------------------------------===//

/// torch.optim.AdamW (1.13, single-tensor path, amsgrad off), one step:
///   p = p * hyper[kDecay]
///   m = fma(g, 1 - beta1, m * beta1)      (torch: add_ with alpha)
///   v = fma((1 - beta2) * g, g, v * beta2) (torch: addcmul_, contracted)
///   p = p - stepSize * m / (sqrt(v) / biasCorrection2Sqrt + eps)
/// with every other operation rounded to f32 as written.
/// Each output may alias its own input (in place) but no other array.
void adamw(const float *param, const float *grad, const float *expAvg,
           const float *expAvgSq, float *paramOut, float *expAvgOut,
           float *expAvgSqOut, int64_t n, const float *hyper);

/// torch.optim.SGD (1.13, single-tensor path), one step:
///   d = fma(p, weightDecay, g)          (when weightDecay != 0)
///   with momentum != 0: buf = d on the first step, else
///                       buf = fma(d, 1 - dampening, buf * momentum);
///                       d = nesterov ? fma(buf, momentum, d) : buf
///   p = fma(d, -lr, p)
/// (torch's add_ with alpha is a fused multiply-add in its vectorized
/// loops.) Without momentum the buffer is copied through unchanged. Outputs
/// may alias their own inputs.
void sgd(const float *param, const float *grad, const float *momentum,
         float *paramOut, float *momentumOut, int64_t n, const float *hyper);

/// Gradient accumulation over the `count` micro-batches of a step: for
/// micro-batch `piece`, acc = x (the first), acc += x (the others), and
/// after the last acc /= count. Summed in micro-batch order, so every
/// pipeline layout gets the same bits.
void accumulateMean(const float *x, float *acc, int64_t n, int64_t piece,
                    int64_t count);

} // namespace pxrt::cpu

#endif // PXRT_KERNELS_H
