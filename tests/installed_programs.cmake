# This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
# LICENSE file found in the top-level directory of this distribution.
#
# Run with cmake -P. Installs the build in BUILD_DIR into WORK_DIR/prefix, moves the installed tree to
# WORK_DIR/moved (so that nothing can lean on the prefix it was installed for), and runs what was
# installed in a clean environment (env -i: no LD_LIBRARY_PATH, no GST_PLUGIN_PATH of the caller's):
#  * CLI (the command line's path under the prefix, when built): `unislad --help` and `unislad --version`;
#  * PLUGIN_DIR (the plugin folder under the prefix, when the element is built) with GST_INSPECT:
#    `gst-inspect-1.0 unislad`, with GST_PLUGIN_PATH the moved plugin folder, GST_PLUGIN_SYSTEM_PATH
#    GST_SYSTEM_PLUGIN_DIR (the system's plugins) and a registry of its own; it must print the element's
#    details, loaded from the moved tree.
# Each program finds libunislad through its relative RUNPATH (cmake/UniSLADInstallRpath.cmake) or fails
# with "libunislad.so...: cannot open shared object file".
include("${CMAKE_CURRENT_LIST_DIR}/script_helpers.cmake")
require_vars(BUILD_DIR WORK_DIR ENV_PROGRAM)

set(prefix "${WORK_DIR}/prefix")
set(moved "${WORK_DIR}/moved")
file(REMOVE_RECURSE "${WORK_DIR}")
run(${CMAKE_COMMAND} --install "${BUILD_DIR}" --prefix "${prefix}")
file(RENAME "${prefix}" "${moved}")
set(clean_env "${ENV_PROGRAM}" -i "PATH=/usr/bin:/bin" "HOME=${WORK_DIR}")

if(CLI)
  run(${clean_env} "${moved}/${CLI}" --help)
  if(NOT LAST_OUTPUT MATCHES "Usage: unislad <command>")
    message(FATAL_ERROR "unislad --help printed no usage:\n${LAST_OUTPUT}")
  endif()
  run(${clean_env} "${moved}/${CLI}" --version)
  message(STATUS "installed CLI runs: ${LAST_OUTPUT}")
endif()

if(PLUGIN_DIR AND GST_INSPECT)
  run(${clean_env} "GST_PLUGIN_PATH=${moved}/${PLUGIN_DIR}" "GST_PLUGIN_SYSTEM_PATH=${GST_SYSTEM_PLUGIN_DIR}"
      "GST_REGISTRY=${WORK_DIR}/registry.bin" "${GST_INSPECT}" unislad)
  if(NOT LAST_OUTPUT MATCHES "Filter/Analyzer/Video" OR NOT LAST_OUTPUT MATCHES "model-location")
    message(FATAL_ERROR "gst-inspect-1.0 unislad printed no element details:\n${LAST_OUTPUT}")
  endif()
  string(FIND "${LAST_OUTPUT}" "${moved}/${PLUGIN_DIR}/" at)
  if(at EQUAL -1)
    message(FATAL_ERROR "the plugin was not loaded from the installed tree (${moved}/${PLUGIN_DIR}):\n${LAST_OUTPUT}")
  endif()
  message(STATUS "installed plugin loads from ${moved}/${PLUGIN_DIR}")
endif()
message(STATUS "installed programs run: OK")
