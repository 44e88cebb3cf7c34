cmake_minimum_required(VERSION 3.19)
# Inputs that are not what they seem, through the command line (RELIABILITY.md, "Files that are not
# images"): named pipes, devices and links where files are expected, and images cut short whatever
# their names say. An argument that names one is refused with a line naming it and what it is (never
# a hang: each command runs under a time limit, so that a command that blocks on a named pipe fails
# here instead of hanging the test); one inside a folder is skipped with a line "skipping <path>: <why>"
# and the run goes on.
#
# Variables: EXE (the unislad program), MANIFEST (tiny_backbone.yml), WORK, MKFIFO (the mkfifo program;
# the named-pipe cases are skipped without it) and PYTHON (Debian's python3 with python3-opencv, which
# writes the cut images; those cases are skipped without it).

file(REMOVE_RECURSE "${WORK}")
file(MAKE_DIRECTORY "${WORK}")
set(failures "")

# run(<name> <expected rc> <fragment of stderr> args...): runs EXE with a 20 s limit.
function(run name expected fragment)
  execute_process(COMMAND "${EXE}" ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err TIMEOUT 20)
  set(ERR "${err}" PARENT_SCOPE)
  if(NOT "${rc}" STREQUAL "${expected}")
    set(failures "${failures}\n${name}: expected exit code ${expected}, found '${rc}': ${err}" PARENT_SCOPE)
  elseif(NOT err MATCHES "${fragment}")
    set(failures "${failures}\n${name}: expected '${fragment}' on stderr, found: ${err}" PARENT_SCOPE)
  else()
    message(STATUS "ok: ${name}")
  endif()
endfunction()

execute_process(COMMAND "${EXE}" synth --out "${WORK}/base" --categories juice_bottle --train 6 --validation 3
                        --test-good 2 --test-logical 1 --test-structural 1 --size 64 --quiet
                RESULT_VARIABLE rc ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "synth failed (${rc}): ${err}")
endif()
set(BASE "${WORK}/base/juice_bottle")
set(MODEL "${WORK}/fitted.unislad")
run(fit_baseline 0 "" fit --train "${BASE}/train/good" --calib "${BASE}/validation/good" --model "${MODEL}"
    --manifest "${MANIFEST}" --quiet)

if(PYTHON)
  # Images cut short, named as another format: the content decides.
  file(GLOB good RELATIVE "${BASE}/test/good" "${BASE}/test/good/*.png")
  list(GET good 0 first)
  set(IN "${WORK}/in")
  file(COPY "${BASE}/test/good/" DESTINATION "${IN}")
  execute_process(COMMAND "${PYTHON}" -c "
import cv2, numpy, sys
img = cv2.imread(sys.argv[1])
ok, jpg = cv2.imencode('.jpg', img)
open(sys.argv[2], 'wb').write(jpg.tobytes()[: len(jpg) * 2 // 3])   # a JPEG cut short, named .png
ok, png = cv2.imencode('.png', img)
open(sys.argv[3], 'wb').write(png.tobytes()[: len(png) - 12])       # a PNG without its IEND chunk
" "${BASE}/test/good/${first}" "${IN}/cut_jpeg.png" "${IN}/cut_png.png" RESULT_VARIABLE rc ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "writing the cut images failed: ${err}")
  endif()
  run(detect_truncated_jpeg_named_png 0 "skipping [^\n]*cut_jpeg.png: truncated JPEG"
      detect --model "${MODEL}" --input "${IN}" --out "${WORK}/out1" --quiet)
  if(NOT ERR MATCHES "skipping [^\n]*cut_png.png: (truncated PNG|not a readable image)")
    set(failures "${failures}\ndetect_truncated_png: expected a skipping line for cut_png.png, found: ${ERR}")
  endif()
else()
  message(STATUS "skipped: the cut-image cases (no python3 with OpenCV)")
endif()

# Devices and links as arguments.
run(detect_model_dev_zero 1 "'/dev/zero': expected a regular file, found a character device"
    detect --model /dev/zero --input "${BASE}/test/good" --out "${WORK}/out2" --quiet)
file(CREATE_LINK "${WORK}/loop_b" "${WORK}/loop_a" SYMBOLIC)
file(CREATE_LINK "${WORK}/loop_a" "${WORK}/loop_b" SYMBOLIC)
run(detect_model_symlink_loop 1 "loop_a'[^\n]*Too many levels of symbolic links"
    detect --model "${WORK}/loop_a" --input "${BASE}/test/good" --out "${WORK}/out3" --quiet)
run(fit_manifest_symlink_loop 1 "loop_a'[^\n]*Too many levels of symbolic links"
    fit --train "${BASE}/train/good" --model "${WORK}/m.unislad" --manifest "${WORK}/loop_a" --quiet)

# Regions of interest (fit --roi) that cannot be one: each refused naming the file, and no model written.
file(WRITE "${WORK}/not_an_image.png" "not an image")
run(fit_roi_device 1 "--roi: cannot read '/dev/zero': [^
]*character device"
    fit --train "${BASE}/train/good" --model "${WORK}/roi1.unislad" --manifest "${MANIFEST}" --roi /dev/zero --quiet)
run(fit_roi_not_an_image 1 "--roi: cannot read '[^']*not_an_image.png': not a readable image"
    fit --train "${BASE}/train/good" --model "${WORK}/roi2.unislad" --manifest "${MANIFEST}" --roi "${WORK}/not_an_image.png" --quiet)
run(fit_roi_folder 1 "--roi: cannot read '[^']*base': a directory"
    fit --train "${BASE}/train/good" --model "${WORK}/roi3.unislad" --manifest "${MANIFEST}" --roi "${WORK}/base" --quiet)
if(PYTHON)
  execute_process(COMMAND "${PYTHON}" -c "
import cv2, numpy, sys
cv2.imwrite(sys.argv[1], numpy.full((64, 128), 255, numpy.uint8))   # another aspect ratio than the images
cv2.imwrite(sys.argv[2], numpy.full((64, 64), 100, numpy.uint8))    # nothing bright: no region
" "${WORK}/wide_roi.png" "${WORK}/dark_roi.png" RESULT_VARIABLE rc ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "writing the masks failed: ${err}")
  endif()
  run(fit_roi_wrong_shape 1 "--roi: '[^']*wide_roi.png' is 128x64 and '[^']*000.png' 64x64: expected a mask of the images' aspect ratio"
      fit --train "${BASE}/train/good" --model "${WORK}/roi4.unislad" --manifest "${MANIFEST}" --roi "${WORK}/wide_roi.png" --quiet)
  run(fit_roi_dark 1 "--roi: '[^']*dark_roi.png' has no bright pixel"
      fit --train "${BASE}/train/good" --model "${WORK}/roi5.unislad" --manifest "${MANIFEST}" --roi "${WORK}/dark_roi.png" --quiet)
endif()
foreach(i 1 2 3 4 5)
  if(EXISTS "${WORK}/roi${i}.unislad")
    set(failures "${failures}
fit --roi case ${i} wrote a model")
  endif()
endforeach()

# A manifest far over the 1 MiB limit is refused by its size, before it is read.
string(REPEAT "# padding padding padding padding padding padding padding padding padding padding\n" 40000 pad)
file(WRITE "${WORK}/huge.yml" "${pad}")
run(fit_manifest_3mb 1 "at most 1048576 bytes \\(1 MiB\\)[^\n]*found a file of 3[0-9]+ bytes"
    fit --train "${BASE}/train/good" --model "${WORK}/m.unislad" --manifest "${WORK}/huge.yml" --quiet)

# An empty mask folder is announced, not silently taken as "no anomalous pixel".
set(EVALSET "${WORK}/evalset")
file(COPY "${BASE}/" DESTINATION "${EVALSET}")
file(GLOB mask_dirs LIST_DIRECTORIES true "${EVALSET}/ground_truth/structural_anomalies/*")
list(GET mask_dirs 0 mask_dir)
file(GLOB masks "${mask_dir}/*")
file(REMOVE ${masks})
run(eval_empty_mask_folder 0 "warning: [^\n]*holds no masks"
    eval --data "${EVALSET}" --manifest "${MANIFEST}" --quiet)

# Named pipes: as arguments and inside folders.
if(MKFIFO)
  execute_process(COMMAND "${MKFIFO}" "${WORK}/pipe.unislad" "${WORK}/pipe.yml" "${WORK}/pipe.png")
  run(detect_model_fifo 1 "pipe.unislad': expected a regular file, found a named pipe"
      detect --model "${WORK}/pipe.unislad" --input "${BASE}/test/good" --out "${WORK}/out4" --quiet)
  run(detect_input_fifo 1 "pipe.png': expected an image file or a folder, found a named pipe"
      detect --model "${MODEL}" --input "${WORK}/pipe.png" --out "${WORK}/out5" --quiet)
  run(fit_manifest_fifo 1 "pipe.yml': expected a regular file, found a named pipe"
      fit --train "${BASE}/train/good" --model "${WORK}/m.unislad" --manifest "${WORK}/pipe.yml" --quiet)
  set(IN2 "${WORK}/in_fifo")
  file(COPY "${BASE}/test/good/" DESTINATION "${IN2}")
  execute_process(COMMAND "${MKFIFO}" "${IN2}/zz_pipe.png")
  run(detect_fifo_in_folder 0 "skipping [^\n]*zz_pipe.png: a named pipe"
      detect --model "${MODEL}" --input "${IN2}" --out "${WORK}/out6" --quiet)
  set(TRAIN2 "${WORK}/train_fifo")
  file(COPY "${BASE}/train/good/" DESTINATION "${TRAIN2}")
  execute_process(COMMAND "${MKFIFO}" "${TRAIN2}/zz_pipe.png")
  run(fit_roi_fifo 1 "--roi: cannot read '[^']*pipe.png': [^
]*named pipe"
      fit --train "${BASE}/train/good" --model "${WORK}/roi6.unislad" --manifest "${MANIFEST}" --roi "${WORK}/pipe.png" --quiet)
  run(fit_fifo_in_folder 0 "skipping [^\n]*zz_pipe.png: a named pipe"
      fit --train "${TRAIN2}" --calib "${BASE}/validation/good" --model "${WORK}/m2.unislad" --manifest "${MANIFEST}" --quiet)
else()
  message(STATUS "skipped: the named-pipe cases (no mkfifo)")
endif()

if(failures)
  message(FATAL_ERROR "inputs: ${failures}")
endif()
message(STATUS "inputs: every case as documented")
