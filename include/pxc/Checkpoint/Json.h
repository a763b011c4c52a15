//===- Json.h - Checkpoint JSON files, one tensor per line ------*- C++ -*-===//
//
// checkpoint-layout.json and index.json list thousands of small arrays;
// one tensor per line keeps them readable and diffable.
//
//===----------------------------------------------------------------------===//

#ifndef PXC_CHECKPOINT_JSON_H
#define PXC_CHECKPOINT_JSON_H

#include <nlohmann/json.hpp>

#include <string>

namespace pxc::ckpt {

/// `doc` (an object) with one top-level key per line and each element of
/// its "tensors" array on a line of its own.
inline std::string dumpOneTensorPerLine(const nlohmann::ordered_json &doc) {
  std::string out = "{\n";
  size_t i = 0;
  for (auto &[key, value] : doc.items()) {
    out += " " + nlohmann::ordered_json(key).dump() + ": ";
    if (key == "tensors" && value.is_array()) {
      out += "[\n";
      for (size_t t = 0; t < value.size(); ++t)
        out += "  " + value[t].dump() + (t + 1 < value.size() ? ",\n" : "\n");
      out += " ]";
    } else {
      out += value.dump();
    }
    out += ++i < doc.size() ? ",\n" : "\n";
  }
  return out + "}\n";
}

} // namespace pxc::ckpt

#endif // PXC_CHECKPOINT_JSON_H
