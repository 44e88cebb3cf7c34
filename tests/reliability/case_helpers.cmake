# This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
# LICENSE file found in the top-level directory of this distribution.
#
# Shared by the reliability scripts that check many cases and report every failure at the end
# (instead of stopping at the first): EXE is the unislad program, `failures` the list of failed cases.

# run_logged(<args...>): runs EXE, sets rc / out / err in the caller and logs them.
macro(run_logged)
  execute_process(COMMAND "${EXE}" ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  message("$ unislad ${ARGN}\nexit code: ${rc}\n--- stdout ---\n${out}--- stderr ---\n${err}")
endmacro()

# fail_case(<case> <why>): records a failure; the script goes on with the next case.
macro(fail_case name why)
  message("FAILED ${name}: ${why}")
  list(APPEND failures "${name}: ${why}")
endmacro()
