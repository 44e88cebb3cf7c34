# This file is part of the UniSLAD module for OpenCV. It is subject to the license terms in the
# LICENSE file found in the top-level directory of this distribution.
#
# `unislad detect --masks --heatmaps` on a small synthetic category and the tiny fixture backbone:
# masks of the input's size, binary; results.json's regions are the masks' components; a good image's
# heat map detected alone is byte for byte the one detected beside anomalies (one absolute colour
# scale); the colour bar is there; a reduced heat map is said so; regions are written without --masks.
#
# Variables: EXE (the unislad program), PYTHON (python3 with cv2 and numpy), HELPER (check_masks.py),
# MANIFEST (tiny_backbone.yml), WORK.
file(REMOVE_RECURSE "${WORK}")
file(MAKE_DIRECTORY "${WORK}")
set(failures "")
include("${CMAKE_CURRENT_LIST_DIR}/../reliability/case_helpers.cmake")
macro(helper)
  execute_process(COMMAND "${PYTHON}" "${HELPER}" ${ARGN} RESULT_VARIABLE hrc OUTPUT_VARIABLE hout ERROR_VARIABLE herr)
  message("$ check_masks.py ${ARGN}\n${hout}${herr}")
endmacro()

run_logged(synth --out "${WORK}/data" --categories juice_bottle --train 6 --validation 3 --test-good 2 --test-logical 1
    --test-structural 3 --size 64 --seed 5 --quiet)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "synth failed")
endif()
set(CAT "${WORK}/data/juice_bottle")
run_logged(fit --train "${CAT}/train/good" --calib "${CAT}/validation/good" --model "${WORK}/model.unislad"
    --manifest "${MANIFEST}" --quiet)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "fit failed")
endif()

# One folder with good and anomalous images (and one enlarged past the heat maps' 1024 px); one with a
# good image alone.
file(GLOB good "${CAT}/test/good/*.png")
file(GLOB_RECURSE anomalous "${CAT}/test/structural_anomalies/*.png" "${CAT}/test/logical_anomalies/*.png")
list(FILTER anomalous EXCLUDE REGEX "/ground_truth/")
list(GET good 0 one_good)
file(COPY ${good} DESTINATION "${WORK}/mixed")
set(k 0)
foreach(a IN LISTS anomalous)
  math(EXPR k "${k} + 1")
  file(COPY_FILE "${a}" "${WORK}/mixed/anomaly_${k}.png")
endforeach()
helper(big "${one_good}" "${WORK}/mixed/zz_big.png" 1300 1300)
file(COPY "${one_good}" DESTINATION "${WORK}/alone")
get_filename_component(good_name "${one_good}" NAME)

run_logged(detect --model "${WORK}/model.unislad" --input "${WORK}/mixed" --out "${WORK}/mixed_out" --masks --heatmaps)
if(NOT rc EQUAL 0)
  fail_case("detect --masks --heatmaps" "exit code ${rc}")
else()
  helper(run "${WORK}/mixed_out")
  if(NOT hrc EQUAL 0)
    fail_case("masks, regions, colour bar" "see the FAILED lines above")
  endif()
  if(NOT out MATCHES "zz_big\\.png: heat map reduced to 78\\.8 % of the image's size \\(1024 x 1024 shown of 1300 x 1300\\)")
    fail_case("reduced heat map" "no line saying that zz_big.png's heat map is reduced")
  endif()
  file(READ "${WORK}/mixed_out/results.json" json)
  string(JSON n LENGTH "${json}" images)
  math(EXPR last "${n} - 1")
  foreach(i RANGE ${last})
    string(JSON p GET "${json}" images ${i} path)
    if(p MATCHES "zz_big\\.png$")
      string(JSON s GET "${json}" images ${i} heatmap_scale)
      if(NOT s MATCHES "^0\\.787")
        fail_case("reduced heat map" "heatmap_scale ${s} in results.json, expected 1024 / 1300")
      endif()
    endif()
  endforeach()
endif()

run_logged(detect --model "${WORK}/model.unislad" --input "${WORK}/alone" --out "${WORK}/alone_out" --heatmaps --quiet)
if(NOT rc EQUAL 0)
  fail_case("detect alone" "exit code ${rc}")
else()
  helper(same "${WORK}/alone_out/heatmaps/${good_name}" "${WORK}/mixed_out/heatmaps/${good_name}")
  if(NOT hrc EQUAL 0)
    fail_case("one colour scale" "the heat map of ${good_name} alone differs from the one beside anomalies")
  endif()
  file(READ "${WORK}/alone_out/results.json" json)
  string(JSON regions ERROR_VARIABLE jerr GET "${json}" images 0 regions)
  string(JSON mask ERROR_VARIABLE merr GET "${json}" images 0 mask)
  if(jerr)
    fail_case("regions without --masks" "results.json has no regions: ${jerr}")
  endif()
  if(NOT merr OR EXISTS "${WORK}/alone_out/masks")
    fail_case("no masks without --masks" "a mask was written or listed")
  endif()
endif()

if(failures)
  list(JOIN failures "\n  " text)
  message(FATAL_ERROR "failed cases:\n  ${text}")
endif()
