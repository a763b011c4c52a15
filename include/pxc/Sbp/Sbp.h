//===- Sbp.h - SBP distribution algebra -------------------------*- C++ -*-===//
//
// The split / broadcast / partial algebra of OneFlow, in plain C++17 so that
// both the compiler and the runtime (checkpoint loading, collectives) share
// one definition. No LLVM or MLIR dependency.
//
//===----------------------------------------------------------------------===//

#ifndef PXC_SBP_SBP_H
#define PXC_SBP_SBP_H

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pxc::sbp {

/// How a tensor is distributed along one mesh axis.
enum class Kind : uint8_t { Split, Broadcast, Partial };

/// The reduction a partial value is waiting for.
enum class Reduce : uint8_t { Sum, Max };

/// The distribution of a tensor along one mesh axis: S(dim), B or P(op).
struct Sbp1D {
  Kind kind = Kind::Broadcast;
  /// Split dimension for S; 0 otherwise.
  int32_t dim = 0;
  /// Reduction for P; Sum otherwise.
  Reduce reduce = Reduce::Sum;

  static Sbp1D split(int32_t dim) { return {Kind::Split, dim, Reduce::Sum}; }
  static Sbp1D broadcast() { return {Kind::Broadcast, 0, Reduce::Sum}; }
  static Sbp1D partial(Reduce op = Reduce::Sum) {
    return {Kind::Partial, 0, op};
  }

  bool isSplit() const { return kind == Kind::Split; }
  bool isBroadcast() const { return kind == Kind::Broadcast; }
  bool isPartial() const { return kind == Kind::Partial; }

  /// The distribution of the gradient of a tensor distributed as `*this`:
  /// B <-> P(sum), S(d) stays S(d). P(max) has no dual.
  std::optional<Sbp1D> dual() const;

  /// "S(0)", "B", "P(sum)", "P(max)".
  std::string str() const;

  friend bool operator==(const Sbp1D &a, const Sbp1D &b) {
    return a.kind == b.kind && a.dim == b.dim && a.reduce == b.reduce;
  }
  friend bool operator!=(const Sbp1D &a, const Sbp1D &b) { return !(a == b); }
};

/// One entry per mesh axis.
using NdSbp = std::vector<Sbp1D>;

/// Parses "S(0)", "B", "P", "P(sum)", "P(max)".
std::optional<Sbp1D> parse1D(std::string_view text);
/// Parses a comma-separated list such as "S(0),B"; optional surrounding [].
std::optional<NdSbp> parseNd(std::string_view text);
/// "[S(0), B]".
std::string str(const NdSbp &sbp);

/// Dual of every entry; nullopt if one has no dual.
std::optional<NdSbp> dual(const NdSbp &sbp);

/// Size of chunk `index` when `size` elements are split over `parts` ranks;
/// the remainder goes to the first ranks (sizes differ by at most one).
int64_t chunkSize(int64_t size, int64_t parts, int64_t index);
/// First element of chunk `index`.
int64_t chunkOffset(int64_t size, int64_t parts, int64_t index);

/// Row-major coordinates of `rank` in `mesh`.
std::vector<int64_t> meshCoords(const std::vector<int64_t> &mesh, int64_t rank);

/// The box (offsets, sizes) of the global tensor held by the rank at mesh
/// coordinates `coords`. Splits along the same tensor dimension on several
/// mesh axes nest in mesh-axis order (axis 0 outermost).
struct Box {
  std::vector<int64_t> offsets;
  std::vector<int64_t> sizes;
};
Box localBox(const std::vector<int64_t> &globalShape, const NdSbp &sbp,
             const std::vector<int64_t> &mesh,
             const std::vector<int64_t> &coords);

/// Shape of the local piece (Box::sizes).
std::vector<int64_t> localShape(const std::vector<int64_t> &globalShape,
                                const NdSbp &sbp,
                                const std::vector<int64_t> &mesh,
                                const std::vector<int64_t> &coords);

/// Checks `sbp` against a tensor rank and mesh; returns an error message or
/// an empty string.
std::string check(const NdSbp &sbp, int64_t tensorRank, size_t meshRank);

} // namespace pxc::sbp

#endif // PXC_SBP_SBP_H
