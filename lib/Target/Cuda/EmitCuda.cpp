//===- EmitCuda.cpp - The CUDA target: px per-rank program -> CUDA --------===//
//
// The program is the CPU target's (ProgramEmitter through a TargetFlavor):
// the same actor graphs, registers at the same arena offsets, the same
// kernel calls, resolved to libpxrt_cuda's kernels by `using namespace
// pxrt::cuda`. What differs is written here: actors translate their slots
// into the device arena, and their device work follows the engine's order
// (ActOrder); inputs and outputs go through pinned staging; constants are
// uploaded once; and each fused elementwise chain becomes a CUDA kernel
// (grid-stride, float4 loads and stores where the layout allows).
//
//===----------------------------------------------------------------------===//

#include "pxc/Target/Cuda/EmitCuda.h"

#include "../Cpu/Emitter.h"

#include "pxc/Dialect/Px/PxOps.h"
#include "pxc/Support/LLVM.h"

#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/DenseSet.h"

using namespace pxc;
using namespace pxc::cpu_target;

namespace {

/// A fused chain as two kernels (scalar, and float4 when the result's last
/// dim is a multiple of 4) and the host function that launches one of
/// them; returns the actor's call of that function.
std::string emitFusedKernel(const Unit &unit, StringRef name,
                            function_ref<std::string(Value)> pointer,
                            llvm::raw_ostream &os) {
  Operation *root = unit.ops.back();
  ArrayRef<int64_t> shape =
      cast<RankedTensorType>(root->getResult(0).getType()).getShape();
  int64_t n = 1;
  for (int64_t size : shape)
    n *= size;
  SmallVector<int64_t> rowMajor = broadcastStrides(shape, shape);
  struct Input {
    Value value;
    std::string name;
    SmallVector<int64_t> strides;
  };
  SmallVector<Input> inputs;
  DenseSet<Value> seen;
  std::string params, args, call = name.str() + "(";
  for (Operation *op : unit.ops)
    for (Value operand : op->getOperands()) {
      if (seen.contains(operand) ||
          llvm::is_contained(unit.ops, operand.getDefiningOp()))
        continue;
      std::string param = "in" + std::to_string(inputs.size());
      seen.insert(operand);
      inputs.push_back(
          {operand, param,
           broadcastStrides(
               cast<RankedTensorType>(operand.getType()).getShape(), shape)});
      params += "const " + std::string(scalarType(operand)) + " *__restrict " +
                param + ", ";
      args += param + ", ";
      call += "reinterpret_cast<const " + std::string(scalarType(operand)) +
              " *>(" + pointer(operand) + "), ";
    }
  params += "float *__restrict out";
  args += "out";
  call += "static_cast<float *>(a.outputs[0]));";

  // The element index of input `in` at result index `i` (coordinates c<d>).
  auto index = [&](const Input &in) -> std::string {
    if (in.strides == rowMajor)
      return "i";
    std::string at = "0";
    for (auto [d, stride] : llvm::enumerate(in.strides))
      if (stride)
        at += " + c" + std::to_string(d) + " * " + std::to_string(stride);
    return at;
  };
  // Only the coordinates some broadcast input's index uses.
  auto coordinates = [&](StringRef indent) {
    std::string text;
    int64_t inner = 1;
    for (int64_t d = shape.size() - 1; d >= 0; --d) {
      bool used = llvm::any_of(inputs, [&](const Input &in) {
        return in.strides != rowMajor && in.strides[d] != 0;
      });
      if (used)
        text +=
            (indent + "const int64_t c" + std::to_string(d) + " = (i / " +
             std::to_string(inner) + ") % " + std::to_string(shape[d]) + ";\n")
                .str();
      inner *= shape[d];
    }
    return text;
  };
  // The chain on scalars named by `element(input)`; returns the result.
  auto chain = [&](StringRef indent,
                   function_ref<std::string(const Input &)> element) {
    DenseMap<Value, std::string> names;
    for (const Input &in : inputs) {
      std::string v = "v_" + in.name;
      os << indent << "const " << scalarType(in.value) << " " << v << " = "
         << element(in) << ";\n";
      names[in.value] = v;
    }
    return emitScalarChain(unit, indent, names, os);
  };

  os << "\n__global__ void __launch_bounds__(256) " << name << "_scalar("
     << params << ") {\n"
     << "  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; "
        "i < "
     << n << ";\n       i += int64_t(gridDim.x) * blockDim.x) {\n"
     << coordinates("    ");
  std::string result = chain(
      "    ", [&](const Input &in) { return in.name + "[" + index(in) + "]"; });
  os << "    out[i] = " << result << ";\n  }\n}\n";

  // float4: four consecutive elements of the last dim. An input whose last
  // stride is 1 loads them as one float4 (16-byte aligned: the index is a
  // multiple of 4, checked at launch for the base); others load four
  // scalars (a broadcast one the same element).
  bool vectorized = !shape.empty() && shape.back() % 4 == 0 && n > 0;
  if (vectorized) {
    os << "\n__global__ void __launch_bounds__(256) " << name << "_vec4("
       << params << ") {\n"
       << "  for (int64_t q = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; "
          "q < "
       << n / 4 << ";\n       q += int64_t(gridDim.x) * blockDim.x) {\n"
       << "    const int64_t i = q * 4;\n"
       << coordinates("    ");
    auto vectorLoad = [](const Input &in) {
      return in.strides.back() == 1 &&
             !cast<RankedTensorType>(in.value.getType())
                  .getElementType()
                  .isInteger(1);
    };
    for (const Input &in : inputs)
      if (vectorLoad(in))
        os << "    const float4 l_" << in.name
           << " = *reinterpret_cast<const float4 *>(" << in.name << " + "
           << index(in) << ");\n";
    os << "    float r[4];\n";
    const char *lanes[] = {"x", "y", "z", "w"};
    for (int k = 0; k < 4; ++k) {
      os << "    {\n";
      std::string value = chain("      ", [&](const Input &in) {
        if (vectorLoad(in))
          return "l_" + in.name + "." + lanes[k];
        return in.name + "[" + index(in) + " + " +
               std::to_string(k * in.strides.back()) + "]";
      });
      os << "      r[" << k << "] = " << value << ";\n    }\n";
    }
    os << "    *reinterpret_cast<float4 *>(out + i) = "
          "make_float4(r[0], r[1], r[2], r[3]);\n  }\n}\n";
  }

  os << "\nstatic void " << name << "(" << params << ") {\n"
     << "  cudaStream_t stream = currentStream();\n";
  if (vectorized) {
    std::string aligned = "aligned16(out)";
    for (const Input &in : inputs)
      if (in.strides.back() == 1 && StringRef(scalarType(in.value)) == "float")
        aligned += " && aligned16(" + in.name + ")";
    os << "  if (" << aligned << ") {\n"
       << "    " << name << "_vec4<<<blocksFor(" << n / 4
       << "), 256, 0, stream>>>(" << args << ");\n"
       << "    check(cudaGetLastError(), \"" << name << "\");\n"
       << "    return;\n  }\n";
  }
  if (n > 0)
    os << "  " << name << "_scalar<<<blocksFor(" << n << "), 256, 0, stream>>>("
       << args << ");\n"
       << "  check(cudaGetLastError(), \"" << name << "\");\n";
  os << "}\n";
  return call;
}

class CudaFlavor : public TargetFlavor {
public:
  void emitPrelude(llvm::raw_ostream &os) const override {
    os << "#include \"pxrt/cuda.h\"\n"
       << "#include \"pxrt/math.h\"\n"
       << "#include \"pxrt/program.h\"\n\n"
       << "#include <algorithm>\n#include <cmath>\n#include <memory>\n"
       << "#include <optional>\n#include <vector>\n\n"
       << "using namespace pxrt;\nusing namespace pxrt::cuda;\n\n"
       << "// max/min that propagate NaN, as the kernels do.\n"
       << "__host__ __device__ inline float fmax_nan(float a, float b) {\n"
       << "  return a != a || b != b ? NAN : (a > b ? a : b);\n}\n"
       << "__host__ __device__ inline float fmin_nan(float a, float b) {\n"
       << "  return a != a || b != b ? NAN : (a < b ? a : b);\n}\n\n"
       << "// Blocks of 256 threads for a grid-stride loop over n items.\n"
       << "[[maybe_unused]] static unsigned blocksFor(int64_t n) {\n"
       << "  return static_cast<unsigned>(\n"
       << "      std::max<int64_t>(1, std::min<int64_t>((n + 255) / 256, "
          "65535)));\n}\n\n"
       << "[[maybe_unused]] static bool aligned16(const void *p) {\n"
       << "  return reinterpret_cast<uintptr_t>(p) % 16 == 0;\n}\n\n"
       << "// Actors run on the host and launch on their stream's CUDA "
          "stream;\n"
       << "// their slots become device addresses. ActOrder makes the device\n"
       << "// work of acts on different streams follow the engine's order.\n"
       << "using ActBody = void (*)(RankContext &, char *, ActContext &);\n"
       << "static ActFn bindActor(RankContext &ctx, DeviceRank &rank, ActBody "
          "f) {\n"
       << "  return [&ctx, &rank, f](ActContext &a) {\n"
       << "    rank.order.begin(a.stream);\n"
       << "    ActContext d{a.piece, {}, {}, a.stream};\n"
       << "    for (void *slot : a.inputs)\n"
       << "      d.inputs.push_back(rank.arena.toDevice(slot));\n"
       << "    for (void *slot : a.outputs)\n"
       << "      d.outputs.push_back(rank.arena.toDevice(slot));\n"
       << "    f(ctx, rank.arena.device(), d);\n"
       << "    rank.order.end(a.stream);\n"
       << "  };\n}\n\n"
       << "// Scratch memory of a collective (packed chunks).\n"
       << "[[maybe_unused]] static std::shared_ptr<StreamBuffer> "
          "scratch(size_t bytes) {\n"
       << "  return std::make_shared<StreamBuffer>(bytes);\n}\n\n"
       << "[[maybe_unused]] static void deviceLoadInput(RankContext &ctx, int "
          "index, int64_t "
          "piece,\n"
       << "                            void *device, size_t bytes) {\n"
       << "  std::vector<char> host(bytes);\n"
       << "  ctx.loadInput(index, piece, host.data());\n"
       << "  copyToDevice(device, host.data(), bytes);\n}\n\n"
       << "[[maybe_unused]] static void deviceStoreOutput(RankContext &ctx, "
          "int index, int64_t "
          "piece,\n"
       << "                              const void *device, size_t bytes) {\n"
       << "  std::vector<char> host(bytes);\n"
       << "  copyToHost(host.data(), device, bytes);\n"
       << "  ctx.storeOutput(index, piece, host.data());\n}\n\n";
  }
  std::string declareArena(int64_t bytes) const override {
    // The rank's device state; bindActor takes it where the CPU's takes
    // the arena.
    return "DeviceRank &arena = deviceRank(g.arena(), " +
           std::to_string(bytes) + ");";
  }
  std::string constant(StringRef array, StringRef bytes) const override {
    return ("deviceConstant(" + array + ", " + bytes + ")").str();
  }
  std::string loadInput(unsigned index, int64_t bytes) const override {
    return "deviceLoadInput(ctx, " + std::to_string(index) +
           ", a.piece, a.outputs[0], " + std::to_string(bytes) + ");";
  }
  std::string storeOutput(unsigned index, const std::string &pointer,
                          int64_t bytes) const override {
    return "deviceStoreOutput(ctx, " + std::to_string(index) + ", a.piece, " +
           pointer + ", " + std::to_string(bytes) + ");";
  }
  std::string programSetup() const override {
    return "  // One rank per process and GPU, over NCCL.\n"
           "  p.createWorld = createNcclWorld;\n"
           "  p.deviceMemory = true;\n";
  }
  std::string emitFusedLoop(const Unit &unit, StringRef name,
                            function_ref<std::string(Value)> pointer,
                            llvm::raw_ostream &os) const override {
    return emitFusedKernel(unit, name, pointer, os);
  }
};

} // namespace

LogicalResult pxc::emitCudaProgram(ModuleOp module, llvm::raw_ostream &os,
                                   const TrainFlagDefaults &train) {
  return emitProgram(module, os, train, CudaFlavor());
}
