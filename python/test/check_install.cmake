# This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
# LICENSE file found in the top-level directory of this distribution.
#
# Run with cmake -P. Installs the build in BUILD_DIR into WORK/prefix, moves the tree to WORK/moved, and
# imports the installed module there with PYTHON in a clean environment (env -i, PYTHONPATH the moved
# INSTALL_DIR only, from a script in WORK, not the build folder's built module): the module must come from the moved tree and find the moved libunislad by its
# relative RUNPATH, and load a model's missing file into unislad.error.
include("${CMAKE_CURRENT_LIST_DIR}/../../tests/script_helpers.cmake")
require_vars(BUILD_DIR PYTHON INSTALL_DIR WORK)

find_program(ENV_PROGRAM NAMES env REQUIRED)
set(prefix "${WORK}/prefix")
set(moved "${WORK}/moved")
file(REMOVE_RECURSE "${WORK}")
run(${CMAKE_COMMAND} --install "${BUILD_DIR}" --prefix "${prefix}")
file(RENAME "${prefix}" "${moved}")
if(IS_ABSOLUTE "${INSTALL_DIR}")
  message(STATUS "SKIPPED: UNISLAD_PYTHON_INSTALL_DIR is absolute (${INSTALL_DIR}): the tree cannot be moved")
  return()
endif()
file(GLOB module "${moved}/${INSTALL_DIR}/unislad*.so")
if(NOT module)
  message(FATAL_ERROR "no unislad*.so installed in <prefix>/${INSTALL_DIR}")
endif()
file(WRITE "${WORK}/import_installed.py" [=[
import unislad
print(unislad.__file__)
print(unislad.getVersionString())
try:
    unislad.UniSLAD.load("missing.unislad")
except unislad.error as e:
    print("error:", e.msg)
]=])
run("${ENV_PROGRAM}" -i "PATH=/usr/bin:/bin" "HOME=${WORK}" "PYTHONPATH=${moved}/${INSTALL_DIR}" PYTHONDONTWRITEBYTECODE=1
    "${PYTHON}" "${WORK}/import_installed.py")
string(FIND "${LAST_OUTPUT}" "${moved}/${INSTALL_DIR}/unislad" at)
if(at EQUAL -1 OR NOT LAST_OUTPUT MATCHES "error: [^\n]*missing.unislad")
  message(FATAL_ERROR "the installed module did not import from ${moved}/${INSTALL_DIR}:\n${LAST_OUTPUT}")
endif()
message(STATUS "imported ${module}:\n${LAST_OUTPUT}")
message(STATUS "python module install: OK")
