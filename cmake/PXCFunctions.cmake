# pxc_add_library(name SOURCES... [DEPENDS tablegen-targets] [LINK libs])
# A shared component library of the compiler, linked against the MLIR and
# LLVM dylibs (fast links; one copy of MLIR's global registries).
function(pxc_add_library name)
  cmake_parse_arguments(ARG "" "" "DEPENDS;LINK" ${ARGN})
  add_library(${name} SHARED ${ARG_UNPARSED_ARGUMENTS})
  if(ARG_DEPENDS)
    add_dependencies(${name} ${ARG_DEPENDS})
  endif()
  target_link_libraries(${name} PUBLIC ${ARG_LINK} MLIR LLVM)
  target_include_directories(${name} PUBLIC
    $<BUILD_INTERFACE:${PXC_SOURCE_DIR}/include>
    $<BUILD_INTERFACE:${PXC_BINARY_DIR}/include>
    $<INSTALL_INTERFACE:include>)
  set_property(GLOBAL APPEND PROPERTY PXC_EXPORTED_LIBS ${name})
endfunction()
