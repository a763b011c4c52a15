//===- Build.cpp - Compiling generated programs ---------------------------===//

#include "Build.h"

#include "pxc/Config.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/SmallString.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringExtras.h"
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

/// Runs `args` (the compiler first) with its output in OUTPUT.build.log;
/// on success renames OUTPUT.tmp (the compiler's -o) to `output`. Returns
/// an error message, or an empty string.
static std::string compile(std::vector<std::string> args, StringRef output,
                           StringRef extraFlags) {
  std::string temporary = (output + ".tmp").str();
  SmallString<256> log(output);
  log += ".build.log";
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

std::string pxc::buildCudaExecutable(StringRef source, StringRef output,
                                     StringRef extraFlags,
                                     StringRef architectures) {
  if (!PXC_ENABLE_CUDA)
    return "--target=cuda: this pxc was built without CUDA (no nvcc, cuBLAS "
           "or NCCL at configure time; see docs/cuda.md); --emit=source "
           "still writes OUT/model.cu";
  auto [include, lib] = runtimeDirs();
  std::vector<std::string> args = {
      // -O1: nvcc's -O is the host code's (actor bodies that launch
      // kernels; device code is always optimized), and the example GPT
      // builds in 14 s instead of 18 s (-O2).
      PXC_NVCC, "-std=c++17", "-O1", "-ccbin", PXC_CXX_COMPILER,
      // As libpxrt_cuda's kernels: no contraction, so fused loops give the
      // CPU target's bits (pxrt/math.h runs on the device too).
      "--fmad=false", "-x", "cu", "-o", (output + ".tmp").str(), source.str(),
      "-I" + include, "-L" + lib, "-Xlinker=-rpath," + lib, "-lpxrt_cuda",
      "-lpxrt", "-lcudart"};
  SmallVector<StringRef> archs;
  architectures.split(archs, ',', /*MaxSplit=*/-1, /*KeepEmpty=*/false);
  if (archs.empty() || !llvm::all_of(archs, [](StringRef arch) {
        return !arch.empty() && llvm::all_of(arch, llvm::isDigit);
      }))
    return "--cuda-arch must list compute capabilities such as 80,90, not '" +
           architectures.str() + "'";
  for (StringRef arch : archs)
    args.push_back(
        ("-gencode=arch=compute_" + arch + ",code=sm_" + arch).str());
  return compile(std::move(args), output, extraFlags);
}

std::string pxc::buildExecutable(StringRef source, StringRef output,
                                 StringRef extraFlags) {
  auto [include, lib] = runtimeDirs();
  std::vector<std::string> args = {
      // -O2: the fused loops vectorize only from -O2 (a GPT training step
      // runs 20% faster than at -O1, for 28% more compile time).
      PXC_CXX_COMPILER, "-std=c++17", "-O2",
      // As libpxrt's kernels: pxrt/math.h's functions give the same bits in
      // every ISA clone only without contraction; without errno and traps,
      // sqrt and selects vectorize (values are unchanged).
      "-ffp-contract=off", "-fno-math-errno", "-fno-trapping-math", "-o",
      (output + ".tmp").str(), source.str(), "-I" + include, "-L" + lib,
      "-Wl,-rpath," + lib, "-lpxrt", "-pthread"};
  return compile(std::move(args), output, extraFlags);
}
