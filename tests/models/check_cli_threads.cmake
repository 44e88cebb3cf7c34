# This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
# LICENSE file found in the top-level directory of this distribution.
#
# The command line gives the same results for any --threads (README, "Threads"): detect at 1, 2, 3,
# 4, 8 and 16 threads writes the same scores.csv, heat maps and results.json (but for its timing
# line), and a model fitted at 3 threads scores like the one fitted at 1 (the model files differ only
# in the numThreads parameter they record).
# Variables: EXE (the unislad program), MODEL_DIR (the generated default backbone), WORK (scratch).
cmake_minimum_required(VERSION 3.16)
include("${CMAKE_CURRENT_LIST_DIR}/../script_helpers.cmake")   # run()
require_vars(EXE MODEL_DIR WORK)

file(REMOVE_RECURSE "${WORK}")
file(MAKE_DIRECTORY "${WORK}")
set(ENV{UNISLAD_MODEL_DIR} "${MODEL_DIR}")


run("${EXE}" synth --out "${WORK}/data" --categories juice_bottle --train 12 --validation 4 --test-good 3
    --test-logical 3 --test-structural 3 --quiet)
set(train "${WORK}/data/juice_bottle/train/good")
run("${EXE}" fit --train "${train}" --model "${WORK}/m1.unislad" --threads 1 --quiet)
run("${EXE}" fit --train "${train}" --model "${WORK}/m3.unislad" --threads 3 --quiet)

# Every test image in one folder.
file(MAKE_DIRECTORY "${WORK}/images")
file(GLOB_RECURSE tests "${WORK}/data/juice_bottle/test/*.png")
foreach(f IN LISTS tests)
  get_filename_component(dir "${f}" DIRECTORY)
  get_filename_component(kind "${dir}" NAME)
  get_filename_component(name "${f}" NAME)
  file(COPY_FILE "${f}" "${WORK}/images/${kind}_${name}")
endforeach()

set(first "")
foreach(t 1 2 3 4 8 16)
  run("${EXE}" detect --model "${WORK}/m1.unislad" --input "${WORK}/images" --out "${WORK}/out${t}" --threads ${t}
      --heatmaps --quiet)
  file(READ "${WORK}/out${t}/scores.csv" csv)
  file(READ "${WORK}/out${t}/results.json" json)
  string(REGEX REPLACE "\"detect_ms_per_image\": [0-9.e+-]+" "" json "${json}")
  if(NOT first)
    set(first ${t})
    set(csv1 "${csv}")
    set(json1 "${json}")
    continue()
  endif()
  if(NOT csv STREQUAL csv1)
    message(FATAL_ERROR "detect --threads ${t}: scores.csv differs from --threads ${first}:\n${csv}\nvs\n${csv1}")
  endif()
  if(NOT json STREQUAL json1)
    message(FATAL_ERROR "detect --threads ${t}: results.json differs from --threads ${first}")
  endif()
  file(GLOB maps RELATIVE "${WORK}/out${t}/heatmaps" "${WORK}/out${t}/heatmaps/*")
  foreach(m IN LISTS maps)
    file(SHA256 "${WORK}/out${t}/heatmaps/${m}" a)
    file(SHA256 "${WORK}/out1/heatmaps/${m}" b)
    if(NOT a STREQUAL b)
      message(FATAL_ERROR "detect --threads ${t}: heat map ${m} differs from --threads 1")
    endif()
  endforeach()
endforeach()
run("${EXE}" detect --model "${WORK}/m3.unislad" --input "${WORK}/images" --out "${WORK}/fit3" --heatmaps --quiet)
file(READ "${WORK}/fit3/scores.csv" csv3)
if(NOT csv3 STREQUAL csv1)
  message(FATAL_ERROR "the model fitted at --threads 3 scores differently from the one fitted at 1:\n${csv3}\nvs\n${csv1}")
endif()
list(LENGTH tests n)
message(STATUS "cli thread count: OK (${n} images, model, scores, results and heat maps equal at 1-16 threads)")
