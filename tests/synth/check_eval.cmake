cmake_minimum_required(VERSION 3.16)
# `unislad synth` then `unislad eval --report` on the tiny fixture backbone: exit codes, the summary line,
# and the report files. Variables: EXE, MANIFEST, WORK.
file(REMOVE_RECURSE "${WORK}")
execute_process(COMMAND "${EXE}" synth --out "${WORK}/data" --categories juice_bottle --train 8 --validation 3
                        --test-good 3 --test-logical 3 --test-structural 3 --size 64 --quiet
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "synth failed (${rc}): ${out}${err}")
endif()
execute_process(COMMAND "${EXE}" eval --data "${WORK}/data/juice_bottle" --manifest "${MANIFEST}" --report "${WORK}/report" --quiet
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
message("exit code: ${rc}\n--- stdout ---\n${out}--- stderr ---\n${err}")
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "eval failed with ${rc}")
endif()
if(NOT out MATCHES "juice_bottle: I-AUROC [0-9.]+/[0-9.]+/[0-9.]+ \\(logical/structural/mean\\), P-AUROC [0-9.]+, AUPRO [0-9.]+")
  message(FATAL_ERROR "unexpected summary line")
endif()
file(READ "${WORK}/report/juice_bottle/metrics.json" json)
string(JSON logical GET "${json}" image_auroc logical)
string(JSON layout GET "${json}" layout)
if(NOT layout STREQUAL "mvtec_loco" OR logical LESS 0 OR logical GREATER 1)
  message(FATAL_ERROR "metrics.json: layout '${layout}', logical AUROC '${logical}'")
endif()
file(STRINGS "${WORK}/report/juice_bottle/scores.csv" rows)
list(LENGTH rows n)
if(NOT n EQUAL 10)  # header + 9 test images
  message(FATAL_ERROR "scores.csv: expected 10 lines, found ${n}")
endif()
