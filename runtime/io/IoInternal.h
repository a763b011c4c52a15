//===- IoInternal.h - Shared helpers of the tensor file readers -*- C++ -*-===//

#ifndef PXRT_IO_IOINTERNAL_H
#define PXRT_IO_IOINTERNAL_H

#include "pxrt/io.h"

namespace pxrt::io {

/// Throws std::runtime_error("<what>: <message>").
[[noreturn]] void fail(const std::string &what, const std::string &message);
/// Checks that the data size matches the shape and dtype.
void checkTensor(const Tensor &tensor, const std::string &what);

} // namespace pxrt::io

#endif // PXRT_IO_IOINTERNAL_H
