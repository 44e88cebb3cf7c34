cmake_minimum_required(VERSION 3.19)
# A model file is enough on its own: `unislad fit` embeds the backbone, so the model file copied alone
# to another folder, with the backbone's folder moved away, UNISLAD_MODEL_DIR unset and HOME elsewhere,
# detects and writes the same scores.csv as before the move; `fit --reference-backbones` writes a
# smaller file that then fails with "not found"; `fit --append` keeps the model's choice.
#
# Variables: EXE (the unislad program), MANIFEST (tiny_backbone.yml, copied with its ONNX file), WORK.
file(REMOVE_RECURSE "${WORK}")
file(MAKE_DIRECTORY "${WORK}/backbone" "${WORK}/moved" "${WORK}/home")
set(failures "")

include("${CMAKE_CURRENT_LIST_DIR}/case_helpers.cmake")

get_filename_component(fixtures "${MANIFEST}" DIRECTORY)
file(COPY_FILE "${MANIFEST}" "${WORK}/backbone/tiny_backbone.yml")
file(COPY_FILE "${fixtures}/tiny_backbone.onnx" "${WORK}/backbone/tiny_backbone.onnx")
set(backbone --manifest "${WORK}/backbone/tiny_backbone.yml")

run_logged(synth --out "${WORK}/data" --categories juice_bottle --train 10 --validation 0 --test-good 3
    --test-logical 2 --test-structural 2 --size 64 --seed 4 --quiet)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "synth failed")
endif()
set(CAT "${WORK}/data/juice_bottle")
file(GLOB test_images "${CAT}/test/*/*.png")
file(MAKE_DIRECTORY "${WORK}/test")
foreach(f IN LISTS test_images)
  get_filename_component(kind "${f}" DIRECTORY)
  get_filename_component(kind "${kind}" NAME)
  get_filename_component(name "${f}" NAME)
  file(COPY_FILE "${f}" "${WORK}/test/${kind}_${name}")
endforeach()

# fit_model(<case> <model> <summary regex> <args...>)
function(fit_model name model summary)
  run_logged(fit --train "${CAT}/train/good" --model "${model}" ${backbone} ${ARGN} --quiet)
  if(NOT rc EQUAL 0)
    fail_case("${name}" "fit: expected exit code 0, found ${rc}")
  elseif(NOT out MATCHES "${summary}")
    fail_case("${name}" "fit's summary does not match '${summary}'")
  endif()
  set(failures "${failures}" PARENT_SCOPE)
endfunction()
fit_model(embedded "${WORK}/embedded.unislad" "; model .*/embedded.unislad \\([0-9.]+ kB, backbones embedded\\)\nfit: threshold [^\n]*\n$")
fit_model(referenced "${WORK}/referenced.unislad" "; model .*/referenced.unislad \\([0-9.]+ kB, backbones referenced\\)\nfit: threshold [^\n]*\n$"
          --reference-backbones)
file(SIZE "${WORK}/embedded.unislad" embedded_size)
file(SIZE "${WORK}/referenced.unislad" referenced_size)
file(SIZE "${WORK}/backbone/tiny_backbone.onnx" onnx_size)
math(EXPR grown "${embedded_size} - ${referenced_size}")
if(grown LESS onnx_size)
  fail_case(sizes "the embedding model is ${grown} bytes larger than the referencing one, less than the ONNX file (${onnx_size})")
endif()

# detect_with(<case> <model> <out> <expected exit code> [env args...]): detect on the test images.
function(detect_with name model outdir expect)
  execute_process(COMMAND "${CMAKE_COMMAND}" -E env ${ARGN} "${EXE}" detect --model "${model}" --input "${WORK}/test"
                          --out "${outdir}" --quiet
                  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  message("$ unislad detect --model ${model} (${ARGN})\nexit code: ${rc}\n--- stdout ---\n${out}--- stderr ---\n${err}")
  if(NOT rc EQUAL ${expect})
    fail_case("${name}" "detect: expected exit code ${expect}, found ${rc}")
  endif()
  set(err "${err}" PARENT_SCOPE)
  set(failures "${failures}" PARENT_SCOPE)
endfunction()
detect_with(embedded_before "${WORK}/embedded.unislad" "${WORK}/before_embedded" 0)
detect_with(referenced_before "${WORK}/referenced.unislad" "${WORK}/before_referenced" 0)

# The model files alone elsewhere; the backbone folder gone; nothing points at a model folder.
file(COPY_FILE "${WORK}/embedded.unislad" "${WORK}/moved/embedded.unislad")
file(COPY_FILE "${WORK}/referenced.unislad" "${WORK}/moved/referenced.unislad")
file(RENAME "${WORK}/backbone" "${WORK}/backbone_gone")
set(elsewhere --unset=UNISLAD_MODEL_DIR --unset=XDG_CACHE_HOME "HOME=${WORK}/home")
detect_with(embedded_moved "${WORK}/moved/embedded.unislad" "${WORK}/after_embedded" 0 ${elsewhere})
file(READ "${WORK}/before_embedded/scores.csv" before)
file(READ "${WORK}/after_embedded/scores.csv" after)
if(NOT before STREQUAL after OR before STREQUAL "")
  fail_case(embedded_moved "scores.csv differs from the one before the move")
endif()
detect_with(referenced_moved "${WORK}/moved/referenced.unislad" "${WORK}/after_referenced" 1 ${elsewhere})
if(NOT err MATCHES "referenced.unislad': backbone manifest '[^']*/backbone/tiny_backbone.yml' not found")
  fail_case(referenced_moved "stderr lacks the model, the manifest and 'not found'")
endif()

# --append keeps the model's choice (the embedding model needs no backbone file for it either); with
# --reference-backbones it is refused.
file(MAKE_DIRECTORY "${WORK}/more")
file(GLOB more "${CAT}/test/good/*.png")
file(COPY ${more} DESTINATION "${WORK}/more")
execute_process(COMMAND "${CMAKE_COMMAND}" -E env ${elsewhere} "${EXE}" fit --append "${WORK}/more"
                        --model "${WORK}/moved/embedded.unislad" --quiet
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
message("$ unislad fit --append (moved embedding model)\nexit code: ${rc}\n--- stdout ---\n${out}--- stderr ---\n${err}")
if(NOT rc EQUAL 0 OR NOT out MATCHES "added 3 images to 10 .*, backbones embedded\\)\nfit: threshold [^\n]*\n$")
  fail_case(append_embedded "expected exit code 0 and an embedding model, found ${rc}")
endif()
file(RENAME "${WORK}/backbone_gone" "${WORK}/backbone")
run_logged(fit --append "${WORK}/more" --model "${WORK}/referenced.unislad" --quiet)
if(NOT rc EQUAL 0 OR NOT out MATCHES "added 3 images to 10 .*, backbones referenced\\)\nfit: threshold [^\n]*\n$")
  fail_case(append_referenced "expected exit code 0 and a referencing model, found ${rc}")
endif()
run_logged(fit --append "${WORK}/more" --model "${WORK}/referenced.unislad" --reference-backbones --quiet)
if(NOT rc EQUAL 2 OR NOT err MATCHES "drop --reference-backbones")
  fail_case(append_option "expected a usage error naming --reference-backbones, found ${rc}")
endif()

if(failures)
  string(REPLACE ";" "\n  " list "${failures}")
  message(FATAL_ERROR "embedded backbones check: FAILED\n  ${list}")
endif()
message("embedded backbones check: OK")
