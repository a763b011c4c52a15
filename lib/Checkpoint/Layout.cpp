//===- Layout.cpp - Which rank saves which piece of each tensor -----------===//

#include "pxc/Checkpoint/Layout.h"
#include "pxc/Checkpoint/Json.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <map>
#include <stdexcept>

using namespace pxc;
using namespace pxc::ckpt;
using nlohmann::ordered_json;

int64_t ckpt::volume(const Box &box) {
  int64_t n = 1;
  for (int64_t s : box.sizes)
    n *= s;
  return n;
}

Box ckpt::intersect(const Box &a, const Box &b) {
  Box out;
  for (size_t d = 0; d < a.offsets.size(); ++d) {
    int64_t lo = std::max(a.offsets[d], b.offsets[d]);
    int64_t hi = std::min(a.offsets[d] + a.sizes[d], b.offsets[d] + b.sizes[d]);
    out.offsets.push_back(lo);
    out.sizes.push_back(std::max<int64_t>(0, hi - lo));
  }
  return out;
}

bool ckpt::isEmpty(const Box &box) { return volume(box) == 0; }

std::vector<Fragment> ckpt::fragments(const std::vector<int64_t> &shape,
                                      const std::vector<int64_t> &logicalShape,
                                      const sbp::NdSbp &sbp,
                                      const std::vector<int64_t> &mesh,
                                      int64_t device) {
  const std::vector<int64_t> &logical =
      logicalShape.empty() ? shape : logicalShape;
  if (logical.size() != shape.size())
    throw std::invalid_argument("logical shape has another rank");
  for (size_t d = 0; d < shape.size(); ++d)
    if (logical[d] < 0 || logical[d] > shape[d])
      throw std::invalid_argument("logical shape exceeds the shape");
  std::string problem =
      sbp::check(sbp, static_cast<int64_t>(shape.size()), mesh.size());
  if (!problem.empty())
    throw std::invalid_argument(problem);
  for (const sbp::Sbp1D &entry : sbp)
    if (entry.isPartial())
      throw std::invalid_argument("a partial value (" + sbp::str(sbp) +
                                  ") is reduced before it is saved");
  int64_t size = 1;
  for (int64_t d : mesh)
    size *= d;
  Box whole{std::vector<int64_t>(shape.size(), 0), logical};
  std::vector<Fragment> out;
  for (int64_t r = 0; r < size; ++r) {
    std::vector<int64_t> coords = sbp::meshCoords(mesh, r);
    Box box = intersect(sbp::localBox(shape, sbp, mesh, coords), whole);
    if (isEmpty(box))
      continue;
    bool primary = true;
    for (size_t a = 0; a < mesh.size(); ++a)
      if (sbp[a].isBroadcast() && coords[a] != 0)
        primary = false;
    out.push_back({device * size + r, std::move(box), primary});
  }
  return out;
}

ReplicaGroups ckpt::replicaGroups(const std::vector<Fragment> &fragments) {
  ReplicaGroups out;
  std::map<std::pair<std::vector<int64_t>, std::vector<int64_t>>, size_t>
      groupOf;
  for (const Fragment &f : fragments) {
    auto [it, added] =
        groupOf.try_emplace({f.box.offsets, f.box.sizes}, out.groups.size());
    if (added)
      out.groups.emplace_back();
    out.groups[it->second].push_back(f.rank);
    out.of.push_back(it->second);
  }
  return out;
}

int64_t Layout::ranks() const {
  int64_t n = devices;
  for (int64_t d : mesh)
    n *= d;
  return n;
}

std::string ckpt::tensorKind(const std::string &name, bool frozen) {
  if (!frozen)
    return "parameter";
  for (const char *suffix : {".exp_avg", ".exp_avg_sq", ".momentum_buffer"}) {
    std::string s(suffix);
    if (name.size() > s.size() &&
        name.compare(name.size() - s.size(), s.size(), s) == 0)
      return "state";
  }
  return "buffer";
}

std::string ckpt::toJson(const Layout &layout) {
  ordered_json doc;
  doc["format"] = "pxc-checkpoint-layout";
  doc["version"] = 1;
  doc["mesh"] = layout.mesh;
  doc["devices"] = layout.devices;
  doc["ranks"] = layout.ranks();
  ordered_json tensors = ordered_json::array();
  for (const TensorLayout &t : layout.tensors) {
    ordered_json entry;
    entry["name"] = t.name;
    entry["dtype"] = t.dtype;
    entry["shape"] = t.shape;
    if (t.paddedShape != t.shape)
      entry["padded_shape"] = t.paddedShape;
    entry["sbp"] = t.sbp;
    entry["device"] = t.device;
    entry["kind"] = t.kind;
    ordered_json fragments = ordered_json::array();
    for (const Fragment &f : t.fragments)
      fragments.push_back({{"rank", f.rank},
                           {"offsets", f.box.offsets},
                           {"sizes", f.box.sizes},
                           {"primary", f.primary}});
    entry["fragments"] = std::move(fragments);
    tensors.push_back(std::move(entry));
  }
  doc["tensors"] = std::move(tensors);
  return dumpOneTensorPerLine(doc);
}

Layout ckpt::parseLayout(const std::string &text) {
  Layout layout;
  try {
    ordered_json doc = ordered_json::parse(text);
    if (doc.value("format", "") != "pxc-checkpoint-layout")
      throw std::runtime_error("not a pxc checkpoint layout (format is not "
                               "\"pxc-checkpoint-layout\")");
    layout.mesh = doc.at("mesh").get<std::vector<int64_t>>();
    layout.devices = doc.at("devices").get<int64_t>();
    for (const ordered_json &entry : doc.at("tensors")) {
      TensorLayout t;
      t.name = entry.at("name").get<std::string>();
      t.dtype = entry.at("dtype").get<std::string>();
      t.shape = entry.at("shape").get<std::vector<int64_t>>();
      t.paddedShape = entry.value("padded_shape", ordered_json(t.shape))
                          .get<std::vector<int64_t>>();
      t.sbp = entry.value("sbp", "");
      t.device = entry.value("device", int64_t(0));
      t.kind = entry.value("kind", "parameter");
      for (const ordered_json &f : entry.at("fragments")) {
        Fragment fragment;
        fragment.rank = f.at("rank").get<int64_t>();
        fragment.box.offsets = f.at("offsets").get<std::vector<int64_t>>();
        fragment.box.sizes = f.at("sizes").get<std::vector<int64_t>>();
        fragment.primary = f.value("primary", false);
        if (fragment.box.offsets.size() != t.shape.size() ||
            fragment.box.sizes.size() != t.shape.size())
          throw std::runtime_error("tensor '" + t.name +
                                   "': a fragment has another rank");
        t.fragments.push_back(std::move(fragment));
      }
      layout.tensors.push_back(std::move(t));
    }
  } catch (const nlohmann::json::exception &e) {
    throw std::runtime_error(std::string("malformed layout: ") + e.what());
  }
  return layout;
}
