//===- Collectives.cpp - Boxing ops as communicator calls -----------------===//
//
// In a per-rank function a boxing op reads this rank's piece before the step
// and writes its piece after it. The communicators move contiguous buffers
// in rank order, so chunks along a non-leading dimension are packed first
// (pxrt::cpu::packChunks) and unpacked after. Communicator calls only
// enqueue work on the actor's stream: whatever must happen after them
// (unpacking, freeing scratch buffers) is enqueued there too.
//
//===----------------------------------------------------------------------===//

#include "Emitter.h"

#include "pxc/Dialect/Px/PxOps.h"
#include "pxc/Support/LLVM.h"

#include "llvm/ADT/TypeSwitch.h"

using namespace pxc;
using namespace pxc::px;
using namespace pxc::cpu_target;

/// The per-rank element counts of the chunks of `view` along `dim`.
static void emitCounts(llvm::raw_ostream &os, StringRef name,
                       const std::string &view, int64_t dim) {
  os << "std::vector<size_t> " << name << "(p);\n"
     << "for (int r = 0; r < p; ++r)\n"
     << "  " << name << "[r] = chunkSize(" << view << ".shape[" << dim
     << "], p, r) * (" << view << ".numel() / " << view << ".shape[" << dim
     << "]);\n";
}

/// Whether chunks along `dim` of a view are contiguous (nothing before it).
static std::string leading(const std::string &view, int64_t dim) {
  std::string product = "1";
  for (int64_t d = 0; d < dim; ++d)
    product += " * " + view + ".shape[" + std::to_string(d) + "]";
  return "(" + product + " == 1)";
}

static const char *reduceOp(PartialReduce reduce) {
  return reduce == PartialReduce::max ? "ReduceOp::Max" : "ReduceOp::Sum";
}

LogicalResult cpu_target::emitCollective(Operation *op,
                                         const std::string &inView,
                                         const std::string &outView,
                                         llvm::raw_ostream &os) {
  int64_t axis = cast<CollectiveOpInterface>(op).getMeshAxis();
  // Named views: the statements below take their shapes and data often.
  const std::string in = "input", out = "output";
  os << "TensorView input = " << inView << ";\n"
     << "TensorView output = " << outView << ";\n"
     << "Communicator &comm = ctx.axis(" << axis << ");\n"
     << "int p = comm.size();\n"
     << "(void)p;\n";
  auto bytes = [&](const std::string &view) {
    return view + ".numel() * dtypeSize(" + view + ".type)";
  };
  return llvm::TypeSwitch<Operation *, LogicalResult>(op)
      .Case([&](AllReduceOp all) {
        os << "comm.allReduce(" << in << ".data, " << out << ".data, " << in
           << ".numel(), " << in << ".type, " << reduceOp(all.getReduce())
           << ", a.stream);";
        return success();
      })
      .Case([&](AllGatherOp gather) {
        int64_t dim = gather.getDim();
        emitCounts(os, "counts", out, dim);
        os << "if " << leading(out, dim) << " {\n"
           << "  comm.allGather(" << in << ".data, " << out << ".data, counts, "
           << in << ".type, a.stream);\n"
           << "} else {\n"
           << "  auto buffer = scratch(" << bytes(out) << ");\n"
           << "  comm.allGather(" << in << ".data, buffer->data(), counts, "
           << in << ".type, a.stream);\n"
           << "  TensorView target = " << out << ";\n"
           << "  a.stream.enqueue([buffer, target, p] {\n"
           << "    unpackChunks(buffer->data(), " << dim << ", p, target);\n"
           << "  });\n"
           << "}";
        return success();
      })
      .Case([&](ReduceScatterOp scatter) {
        int64_t dim = scatter.getDim();
        emitCounts(os, "counts", in, dim);
        os << "if " << leading(in, dim) << " {\n"
           << "  comm.reduceScatter(" << in << ".data, " << out
           << ".data, counts, " << in << ".type, "
           << reduceOp(scatter.getReduce()) << ", a.stream);\n"
           << "} else {\n"
           << "  auto buffer = scratch(" << bytes(in) << ");\n"
           << "  packChunks(" << in << ", " << dim << ", p, buffer->data());\n"
           << "  comm.reduceScatter(buffer->data(), " << out
           << ".data, counts, " << in << ".type, "
           << reduceOp(scatter.getReduce()) << ", a.stream);\n"
           << "  a.stream.enqueue([buffer] {}); // Keep it until then.\n"
           << "}";
        return success();
      })
      .Case([&](AllToAllOp all) {
        int64_t src = all.getSrcDim(), dst = all.getDstDim();
        emitCounts(os, "sendCounts", in, dst);
        emitCounts(os, "recvCounts", out, src);
        os << "auto send = scratch(" << bytes(in) << ");\n"
           << "auto recv = scratch(" << bytes(out) << ");\n"
           << "packChunks(" << in << ", " << dst << ", p, send->data());\n"
           << "comm.allToAll(send->data(), sendCounts, recv->data(), "
              "recvCounts, "
           << in << ".type, a.stream);\n"
           << "TensorView target = " << out << ";\n"
           << "a.stream.enqueue([send, recv, target, p] {\n"
           << "  unpackChunks(recv->data(), " << src << ", p, target);\n"
           << "});";
        return success();
      })
      .Case([&](LocalSliceOp slice) {
        int64_t dim = slice.getDim();
        os << "std::vector<int64_t> offsets(" << in << ".rank, 0);\n"
           << "offsets[" << dim << "] = chunkOffset(" << in << ".shape[" << dim
           << "], p, ctx.coord(" << axis << "));\n"
           << "slice(" << in << ", offsets, std::vector<int64_t>(" << in
           << ".rank, 1), " << out << ");";
        return success();
      })
      .Case([&](LocalMaskOp mask) {
        if (mask.getReduce() == PartialReduce::max) {
          os << "copy(" << in << ", " << out << ");";
          return success();
        }
        // Rank 0 of the group keeps the value; the sum is the value.
        os << "if (ctx.coord(" << axis << ") == 0)\n"
           << "  copy(" << in << ", " << out << ");\n"
           << "else\n"
           << "  fill(" << out << ", 0);";
        return success();
      })
      .Case([&](LocalPadOp pad) {
        int64_t dim = pad.getDim();
        bool max = pad.getReduce() == PartialReduce::max;
        os << "fill(" << out << ", " << (max ? "-INFINITY" : "0") << ");\n"
           << "std::vector<int64_t> offsets(" << out << ".rank, 0);\n"
           << "offsets[" << dim << "] = chunkOffset(" << out << ".shape[" << dim
           << "], p, ctx.coord(" << axis << "));\n"
           << "std::vector<int64_t> sizes(" << in << ".shape, " << in
           << ".shape + " << in << ".rank);\n"
           << "copy(" << in << ", sliceView(" << out
           << ", offsets, sizes, std::vector<int64_t>(" << out
           << ".rank, 1)));";
        return success();
      })
      .Default([&](Operation *) {
        return op->emitOpError("is not a collective the CPU target knows");
      });
}
