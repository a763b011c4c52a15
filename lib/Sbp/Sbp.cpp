//===- Sbp.cpp - SBP distribution algebra ---------------------------------===//

#include "pxc/Sbp/Sbp.h"

#include <cctype>

namespace pxc::sbp {

std::optional<Sbp1D> Sbp1D::dual() const {
  switch (kind) {
  case Kind::Split:
    return *this;
  case Kind::Broadcast:
    return partial(Reduce::Sum);
  case Kind::Partial:
    if (reduce == Reduce::Sum)
      return broadcast();
    return std::nullopt;
  }
  return std::nullopt;
}

std::string Sbp1D::str() const {
  switch (kind) {
  case Kind::Split:
    return "S(" + std::to_string(dim) + ")";
  case Kind::Broadcast:
    return "B";
  case Kind::Partial:
    return reduce == Reduce::Sum ? "P(sum)" : "P(max)";
  }
  return "?";
}

static std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front())))
    s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back())))
    s.remove_suffix(1);
  return s;
}

std::optional<Sbp1D> parse1D(std::string_view text) {
  text = trim(text);
  if (text == "B")
    return Sbp1D::broadcast();
  if (text == "P" || text == "P(sum)")
    return Sbp1D::partial(Reduce::Sum);
  if (text == "P(max)")
    return Sbp1D::partial(Reduce::Max);
  if (text.size() < 4 || text.substr(0, 2) != "S(" || text.back() != ')')
    return std::nullopt;
  std::string_view digits = text.substr(2, text.size() - 3);
  if (digits.empty() || digits.size() > 9)
    return std::nullopt;
  int32_t dim = 0;
  for (char c : digits) {
    if (!std::isdigit(static_cast<unsigned char>(c)))
      return std::nullopt;
    dim = dim * 10 + (c - '0');
  }
  return Sbp1D::split(dim);
}

std::optional<NdSbp> parseNd(std::string_view text) {
  text = trim(text);
  if (!text.empty() && text.front() == '[') {
    if (text.back() != ']')
      return std::nullopt;
    text = text.substr(1, text.size() - 2);
  }
  NdSbp result;
  while (true) {
    size_t comma = text.find(',');
    std::optional<Sbp1D> entry = parse1D(text.substr(0, comma));
    if (!entry)
      return std::nullopt;
    result.push_back(*entry);
    if (comma == std::string_view::npos)
      return result;
    text = text.substr(comma + 1);
  }
}

std::string str(const NdSbp &sbp) {
  std::string out = "[";
  for (size_t i = 0; i < sbp.size(); ++i) {
    if (i)
      out += ", ";
    out += sbp[i].str();
  }
  return out + "]";
}

std::optional<NdSbp> dual(const NdSbp &sbp) {
  NdSbp result;
  result.reserve(sbp.size());
  for (const Sbp1D &entry : sbp) {
    std::optional<Sbp1D> d = entry.dual();
    if (!d)
      return std::nullopt;
    result.push_back(*d);
  }
  return result;
}

int64_t chunkSize(int64_t size, int64_t parts, int64_t index) {
  return size / parts + (index < size % parts ? 1 : 0);
}

int64_t chunkOffset(int64_t size, int64_t parts, int64_t index) {
  int64_t base = size / parts, rem = size % parts;
  return index * base + (index < rem ? index : rem);
}

std::vector<int64_t> meshCoords(const std::vector<int64_t> &mesh,
                                int64_t rank) {
  std::vector<int64_t> coords(mesh.size());
  for (size_t i = mesh.size(); i-- > 0;) {
    coords[i] = rank % mesh[i];
    rank /= mesh[i];
  }
  return coords;
}

Box localBox(const std::vector<int64_t> &globalShape, const NdSbp &sbp,
             const std::vector<int64_t> &mesh,
             const std::vector<int64_t> &coords) {
  Box box{std::vector<int64_t>(globalShape.size(), 0), globalShape};
  for (size_t axis = 0; axis < sbp.size() && axis < mesh.size(); ++axis) {
    if (!sbp[axis].isSplit())
      continue;
    size_t d = sbp[axis].dim;
    int64_t offset = chunkOffset(box.sizes[d], mesh[axis], coords[axis]);
    box.sizes[d] = chunkSize(box.sizes[d], mesh[axis], coords[axis]);
    box.offsets[d] += offset;
  }
  return box;
}

std::vector<int64_t> localShape(const std::vector<int64_t> &globalShape,
                                const NdSbp &sbp,
                                const std::vector<int64_t> &mesh,
                                const std::vector<int64_t> &coords) {
  return localBox(globalShape, sbp, mesh, coords).sizes;
}

std::string check(const NdSbp &sbp, int64_t tensorRank, size_t meshRank) {
  if (sbp.size() != meshRank)
    return "has " + std::to_string(sbp.size()) +
           " entries but the mesh has " + std::to_string(meshRank) + " axes";
  for (const Sbp1D &entry : sbp)
    if (entry.isSplit() && (entry.dim < 0 || entry.dim >= tensorRank))
      return "splits dimension " + std::to_string(entry.dim) +
             " of a rank-" + std::to_string(tensorRank) + " tensor";
  return {};
}

} // namespace pxc::sbp
