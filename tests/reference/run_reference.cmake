# This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
# LICENSE file found in the top-level directory of this distribution.
#
# cmake -DEXPORTER=<exe> -DEXPORT_ARGS=<a|b|...> -DPYTHON=<python3> -DSCRIPT=<unislad_reference.py>
#       -DCASE=<file.yml.gz> -P run_reference.cmake
# Exports a case with the C++ detector, then checks it with the numpy reference; fails if either fails.
string(REPLACE "|" ";" export_args "${EXPORT_ARGS}")
file(REMOVE "${CASE}")
execute_process(COMMAND "${EXPORTER}" "--out=${CASE}" ${export_args} RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "export_reference_case failed (${rc})")
endif()
execute_process(COMMAND "${PYTHON}" "${SCRIPT}" "${CASE}" RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "unislad_reference.py: the C++ outputs disagree with the reference (${rc})")
endif()
