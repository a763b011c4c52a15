//===- pxc.cpp - The pxc compiler driver ----------------------------------===//

#include "pxc/Driver/Driver.h"

int main(int argc, char **argv) { return pxc::runDriver(argc, argv); }
