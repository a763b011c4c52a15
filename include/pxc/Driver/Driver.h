//===- Driver.h - The pxc command-line driver -------------------*- C++ -*-===//

#ifndef PXC_DRIVER_DRIVER_H
#define PXC_DRIVER_DRIVER_H

namespace pxc {

/// Runs `pxc` with the given command line; returns the process exit code.
int runDriver(int argc, char **argv);

} // namespace pxc

#endif // PXC_DRIVER_DRIVER_H
