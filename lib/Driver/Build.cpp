//===- Build.cpp - Compiling generated programs ---------------------------===//

#include "Build.h"

#include "pxc/Config.h"

#include "llvm/ADT/SmallString.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Program.h"

using namespace llvm;

/// libpxrt's headers and library: next to an installed pxc, else the build
/// tree pxc comes from.
static std::pair<std::string, std::string> runtimeDirs() {
  std::string exe = sys::fs::getMainExecutable(nullptr, nullptr);
  SmallString<256> prefix(sys::path::parent_path(sys::path::parent_path(exe)));
  SmallString<256> include(prefix), lib(prefix);
  sys::path::append(include, "include", "pxrt", "program.h");
  sys::path::append(lib, "lib", "libpxrt.so");
  if (sys::fs::exists(include) && sys::fs::exists(lib))
    return {(prefix + "/include").str(), (prefix + "/lib").str()};
  return {PXC_RUNTIME_INCLUDE_DIR, PXC_RUNTIME_LIBRARY_DIR};
}

std::string pxc::buildExecutable(StringRef source, StringRef output,
                                 StringRef extraFlags) {
  auto [include, lib] = runtimeDirs();
  std::string temporary = (output + ".tmp").str();
  SmallString<256> log(output);
  log += ".build.log";
  std::vector<std::string> args = {
      // -O2: the fused loops vectorize only from -O2 (a GPT training step
      // runs 20% faster than at -O1, for 28% more compile time).
      PXC_CXX_COMPILER, "-std=c++17", "-O2",
      // As libpxrt's kernels: pxrt/math.h's functions give the same bits in
      // every ISA clone only without contraction; without errno and traps,
      // sqrt and selects vectorize (values are unchanged).
      "-ffp-contract=off", "-fno-math-errno", "-fno-trapping-math", "-o",
      temporary, source.str(), "-I" + include, "-L" + lib, "-Wl,-rpath," + lib,
      "-lpxrt", "-pthread"};
  // Later flags win, so -O0 here overrides the default -O2.
  SmallVector<StringRef> extra;
  extraFlags.split(extra, ' ', /*MaxSplit=*/-1, /*KeepEmpty=*/false);
  for (StringRef flag : extra)
    args.push_back(flag.str());
  std::vector<StringRef> argRefs(args.begin(), args.end());
  std::optional<StringRef> redirects[] = {std::nullopt, StringRef(log),
                                          StringRef(log)};
  std::string error;
  int status =
      sys::ExecuteAndWait(args[0], argRefs, std::nullopt, redirects,
                          /*SecondsToWait=*/0, /*MemoryLimit=*/0, &error);
  if (status != 0) {
    sys::fs::remove(temporary);
    std::string why = error.empty() ? "" : ": " + error;
    return "compiling the generated program failed" + why + " (see " +
           log.str().str() + ")";
  }
  sys::fs::remove(log);
  if (std::error_code ec = sys::fs::rename(temporary, output))
    return "cannot write '" + output.str() + "': " + ec.message();
  return {};
}
