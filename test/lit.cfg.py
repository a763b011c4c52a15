# -*- Python -*-
import os

import lit.formats
from lit.llvm import llvm_config

config.name = "PXC"
config.test_format = lit.formats.ShTest(not llvm_config.use_lit_shell)
config.suffixes = [".mlir", ".onnxtxt", ".test"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.pxc_obj_root, "test")
config.excludes = ["Inputs", "CMakeLists.txt", "lit.cfg.py", "compare.py",
                   "lit.site.cfg.py", "unit", "lib", "install", "cli.test.mlir",
                   "mesh.test.mlir"]

config.substitutions.append(("%PATH%", config.environment["PATH"]))
config.substitutions.append(("%pxc_lib_dir", config.pxc_lib_dir))
config.substitutions.append(("%pxc_src_root", config.pxc_src_root))
# Debian's python3 has the onnx and torch packages the test generators use.
config.substitutions.append(("%python", config.python_executable))
config.substitutions.append(
    ("%onnx-text", config.python_executable + " " +
     os.path.join(config.pxc_src_root, "test", "lib", "onnx_text.py")))

llvm_config.with_system_environment(["HOME", "TMPDIR"])
llvm_config.use_default_substitutions()
llvm_config.with_environment("PATH", config.llvm_tools_dir, append_path=True)
llvm_config.with_environment("PATH", config.pxc_tools_dir, append_path=True)

tool_dirs = [config.pxc_tools_dir, config.llvm_tools_dir]
tools = ["pxc-opt", "pxc-ckpt", "pxc", "mlir-opt"]
llvm_config.add_tool_substitutions(tools, tool_dirs)

if os.path.isdir("/usr/share/libonnx-testdata/data/node"):
    config.available_features.add("onnx-testdata")

# pxc was built with the CUDA target (nvcc, cuBLAS and NCCL were found).
if config.pxc_enable_cuda.upper() in ("ON", "TRUE", "1", "YES"):
    config.available_features.add("cuda")
